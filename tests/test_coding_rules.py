"""Context rules and fallback keywords: the engine, its validation, and every shipped rule.

Each rule of the shipped instruments codebook is tested on a clause where it should admit the
keyword and one where it should not.  Expected codes were written by hand from the codebook's
descriptions.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cqanalysis.codebook import Codebook, ContextRule, load_codebook
from cqanalysis.coding import code_units, coding_units
from cqanalysis.core.errors import CodebookError

from .conftest import measure_units

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "coding"


def _codes(texts: list[str], codebook: Codebook | str = "instruments") -> list[set[str]]:
    units = measure_units(texts)
    coded = code_units(units, codebook)
    return [
        set(coded.loc[(coded["row_no"] == n) & coded["code"].notna(), "code"])
        for n in range(1, len(texts) + 1)
    ]


# ---------------------------------------------------------------- the engine


def _toy(context: list[dict], fallback: list[str] | None = None) -> Codebook:
    codes = [
        {
            "id": "people",
            "zh": "人员",
            "en": "People",
            "keywords": ["人才", "培训"],
            "context": context,
        },
        {"id": "rules", "zh": "规则", "en": "Rules", "keywords": ["制度"]},
        {
            "id": "joint",
            "zh": "协同",
            "en": "Joint",
            "keywords": ["会商"],
            "fallback": fallback or ["机制"],
        },
    ]
    return Codebook.from_dict(
        {"name": "toy", "zh": "玩具", "en": "Toy", "fields": ["measure"], "codes": codes}
    )


def test_keywords_of_one_character_and_at_the_end_of_a_unit_are_found():
    # the keyword index looks keywords up by their first two characters; a one-character
    # keyword, a keyword ending the unit and one repeated in it must still be found
    book = Codebook.from_dict({
        "name": "short", "zh": "短", "en": "Short", "fields": ["measure"],
        "codes": [
            {"id": "water", "zh": "水", "en": "Water", "keywords": ["水"]},
            {"id": "roads", "zh": "路", "en": "Roads", "keywords": ["公路", "路网"]},
        ],
    })
    assert _codes(["治水", "修公路", "完善路网和公路", "建设桥梁"], book) == [
        {"water"}, {"roads"}, {"roads"}, set()]


def test_near_admits_a_keyword_only_with_a_near_word_in_the_window():
    book = _toy([{"keywords": ["人才"], "near": ["引进"], "window": 3}])
    got = _codes(["引进人才", "建设人才公寓", "引进一批急需紧缺人才"], book)
    # 引进 right before 人才 is within 3 characters; in the third it is 6 characters away
    assert got == [{"people"}, set(), set()]


def test_not_near_vetoes_and_no_window_means_the_whole_unit():
    book = _toy([{"keywords": ["人才"], "not_near": ["公寓"]}])
    got = _codes(["培养人才", "为人才建设一批公寓"], book)
    # 培训 is not governed, 人才 is: far-away 公寓 still vetoes it without a window
    assert got == [{"people"}, set()]
    assert _codes(["培训人才并建设公寓"], book) == [{"people"}]  # 培训 counts on its own


def test_fallback_counts_only_when_nothing_else_matched():
    book = _toy([{"keywords": ["人才"], "near": ["培养"]}])
    got = _codes(["建立协同机制", "建立会商机制", "完善人才评价制度"], book)
    assert got == [{"joint"}, {"joint"}, {"rules"}]
    coded = code_units(
        coding_units(
            pd.DataFrame(
                {
                    "doc_id": "d",
                    "table_id": "1",
                    "row_no": [1],
                    "field": "measure",
                    "clause_no": 1,
                    "text": ["建立协同机制"],
                }
            )
        ),
        book,
    )
    assert coded["evidence"].tolist() == ["机制"]


def test_context_rule_governs_a_fallback_word():
    joint = {
        "id": "joint",
        "zh": "协同",
        "en": "Joint",
        "keywords": ["会商"],
        "fallback": ["机制"],
        "context": [{"keywords": ["机制"], "not_near": ["负责"], "window": 6}],
    }
    book = Codebook.from_dict(
        {"name": "toy", "zh": "玩具", "en": "Toy", "fields": ["measure"], "codes": [joint]}
    )
    # 机制 (fallback) counts alone but not beside 负责; 会商 is a keyword the rule leaves alone
    got = _codes(["建立协同机制", "由专班负责完善机制", "由专班负责会商机制"], book)
    assert got == [{"joint"}, set(), {"joint"}]
    with pytest.raises(CodebookError, match="not a keyword"):
        _toy([{"keywords": ["制度"], "near": ["培养"]}])


def test_codebook_wide_exclusions_reach_every_code():
    book = Codebook.from_dict(
        {
            "name": "toy",
            "zh": "玩具",
            "en": "Toy",
            "fields": ["measure"],
            "exclude": ["财政部"],
            "codes": [
                {"id": "money", "zh": "钱", "en": "Money", "keywords": ["财政"]},
                {
                    "id": "ministry",
                    "zh": "部",
                    "en": "Ministry",
                    "keywords": ["政部"],
                    "exclude": ["民政部"],
                },
            ],
        }
    )
    assert book["money"].exclude == ("财政部",)
    assert book["ministry"].exclude == ("民政部", "财政部")
    assert _codes(["财政部牵头", "加大财政投入", "民政部门"], book) == [set(), {"money"}, set()]


def test_rule_admits_directly():
    rule = ContextRule(keywords=("机构",), near=("设立",), window=2)
    key = "设立高层次协调机构"
    start = key.index("机构")
    assert not rule.admits(key, start, start + 2)
    assert ContextRule(("机构",), near=("设立",)).admits(key, start, start + 2)
    assert not ContextRule(("机构",), not_near=("协调",), window=2).admits(key, start, start + 2)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"keywords": ["人才"]}, "needs 'near' or 'not_near'"),
        ({"keywords": ["干部"], "near": ["培养"]}, "'干部' is not a keyword of the code"),
        ({"keywords": [], "near": ["培养"]}, "names no keywords"),
        ({"keywords": ["人才"], "near": ["培养"], "window": 0}, "positive integer"),
        ({"keywords": ["人才"], "near": ["培养"], "window": True}, "positive integer"),
        ({"keywords": ["人才"], "near": ["培养"], "within": 3}, "unknown key"),
        ("人才", "is not a mapping"),
    ],
)
def test_invalid_context_rules(rule, message):
    with pytest.raises(CodebookError, match=message) as info:
        _toy([rule])
    assert "people" in str(info.value)


def test_context_shown_in_the_frame():
    frame = _toy([{"keywords": ["人才"], "near": ["培养", "引进"], "window": 5}]).to_frame()
    assert frame.loc[frame["code"] == "people", "context"].item() == "人才 near 培养/引进 (±5)"
    assert frame.loc[frame["code"] == "rules", "context"].item() == ""


# ------------------------------------------------- compounds and enumerations


def _phrase_book(compounds: dict | None = None, enumerations: dict | None = None) -> Codebook:
    codes = [
        {"id": "enforce", "zh": "执法", "en": "Enforce", "keywords": ["执法", "检查"]},
        {"id": "data", "zh": "数据", "en": "Data", "keywords": ["系统", "数据"],
         "fallback": ["平台"]},
        {"id": "rules", "zh": "规则", "en": "Rules", "keywords": ["制度"]},
        {"id": "train", "zh": "培训", "en": "Train", "keywords": ["培训"]},
    ]
    data = {"name": "phrase", "zh": "短语", "en": "Phrase", "fields": ["measure"], "codes": codes}
    if compounds is not None:
        data["compounds"] = compounds
    if enumerations is not None:
        data["enumerations"] = enumerations
    return Codebook.from_dict(data)


def test_a_modifier_yields_to_the_head_of_its_compound():
    book = _phrase_book({"modifiers": ["执法"], "heads": ["制度"], "gap": 2, "breaks": ["和"]})
    got = _codes(
        [
            "建设执法系统",  # the system is the instrument, enforcement its topic
            "开展执法人员培训",  # two characters between: still one compound
            "开展执法领域骨干培训",  # four characters: too far apart
            "加强执法和数据管理",  # 和 joins two nouns, not a modifier and its head
            "加强执法，完善数据",  # punctuation ends the compound
            "建立执法检查制度",  # own code, then a generic head: nothing captures 执法
            "建设执法平台",  # a fallback word can head the compound, and then counts
        ],
        book,
    )
    assert got == [
        {"data"},
        {"train"},
        {"enforce", "train"},
        {"enforce", "data"},
        {"enforce", "data"},
        {"enforce", "rules"},
        {"data"},
    ]
    # without the rule every keyword counts (the fallback 平台 stays silent beside 执法)
    plain = _codes(["建设执法系统", "建设执法平台"], _phrase_book())
    assert plain == [{"enforce", "data"}, {"enforce"}]


def test_a_generic_head_is_skipped_when_finding_the_compound_head():
    book = _phrase_book({"modifiers": ["执法"], "heads": ["制度"], "gap": 2})
    # 制度 after 数据 does not hide that 数据 is the specific head of 执法数据制度
    assert _codes(["完善执法数据制度"], book) == [{"data", "rules"}]
    assert _codes(["完善执法制度"], book) == [{"enforce", "rules"}]


def test_listed_topics_count_only_when_nothing_outside_the_list_matched():
    book = _phrase_book(enumerations={"closers": ["等"], "item": 4, "means": ["手段"]})
    got = _codes(
        [
            "围绕执法、数据等领域完善制度",  # the list names areas; 制度 is the measure
            "加强执法、数据等工作",  # nothing outside the list: the list is the measure
            "运用执法、数据等手段完善制度",  # a list of means lists instruments
            "完善制度，加强执法、数据等",  # a list that ends the sentence gives examples
        ],
        book,
    )
    assert got == [
        {"rules"},
        {"enforce", "data"},
        {"enforce", "data", "rules"},
        {"enforce", "data", "rules"},
    ]
    assert _codes(["围绕执法、数据等领域完善制度"], _phrase_book()) == [
        {"enforce", "data", "rules"}
    ]


def test_the_words_of_a_title_count_only_when_nothing_outside_it_matched():
    book = _phrase_book(enumerations={"closers": ["等"], "titles": "《》"})
    got = _codes(
        [
            "落实《执法数据管理办法》，健全制度",  # the title names what 健全制度 applies
            "修订《执法数据管理办法》",  # nothing outside the title: its words are the measure
            "建立执法制度",  # no title
        ],
        book,
    )
    assert got == [{"rules"}, {"enforce", "data"}, {"enforce", "rules"}]
    # without the option a title is read like any other text
    assert _codes(["落实《执法数据管理办法》，健全制度"], _phrase_book()) == [
        {"enforce", "data", "rules"}
    ]


@pytest.mark.parametrize(
    ("compounds", "enumerations", "message"),
    [
        ({"modifiers": ["巡查"]}, None, "modifiers word '巡查' is no code's keyword"),
        ({"heads": ["制度"], "gap": -1}, None, "'gap' must be an integer"),
        ({"gap": 2}, None, "name 'heads' or 'modifiers'"),
        ({"modifiers": ["执法"], "span": 2}, None, "unknown key"),
        (["执法"], None, "'compounds' must be a mapping"),
        (None, {"item": 4}, "name the 'closers'"),
        (None, {"closers": ["等"], "separator": "和"}, "one punctuation mark"),
        (None, {"closers": ["等"], "item": 0}, "'item' must be a positive integer"),
        (None, {"closers": ["等"], "end": "。"}, "unknown key"),
        (None, {"closers": ["等"], "titles": "《"}, "two different marks"),
        (None, {"closers": ["等"], "titles": "《《"}, "two different marks"),
        (None, {"closers": ["等"], "titles": "书名"}, "two different marks"),
    ],
)
def test_invalid_compounds_and_enumerations(compounds, enumerations, message):
    with pytest.raises(CodebookError, match=message):
        _phrase_book(compounds, enumerations)


# ---------------------------------------------------------- every shipped rule


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [
        # 机构: organisation only where a body is set up, reformed or given a task
        ("组建跨市联合管理机构", "supply.organisation", True),
        ("支持医疗机构在周边城市设立分院", "supply.organisation", False),
        ("鼓励保险机构开发新产品", "supply.organisation", False),
        # 人才 / 干部: personnel only where people are trained, recruited, exchanged, managed
        ("引进急需紧缺人才", "supply.personnel", True),
        ("选派干部到对口城市挂职", "supply.personnel", True),
        ("建设人才公寓", "supply.personnel", False),
        ("增强各地干部的全局意识", "supply.personnel", False),
        # 专家: participation where experts advise or take part
        ("组织专家开展论证", "demand.participation", True),
        ("配建专家公寓", "demand.participation", False),
        # 参与: participation where society, firms or the public take part
        ("引导企业参与老旧小区改造", "demand.participation", True),
        ("相关部门共同参与", "demand.participation", False),
        # 制度: law, but not when it names a meeting or consultation routine
        ("建立健全产权保护制度", "environment.law", True),
        ("建立城市联席会议制度", "environment.law", False),
        ("建立城市联席会议制度", "environment.coordination", True),
        # 规划: planning, but not a power to plan
        ("联合编制交通规划", "environment.planning", True),
        ("赋予新区规划审批权限", "environment.planning", False),
        # 协调: coordination, but not a power to coordinate
        ("加强部门间协调", "environment.coordination", True),
        ("赋予其政策协调等权限", "environment.coordination", False),
        # 合作: coordination among governments, not with firms or society
        ("深化与周边城市的合作", "environment.coordination", True),
        ("加强与社会公益组织合作", "environment.coordination", False),
        # 互联互通: information where systems are connected, not pipes
        ("推进政务信息系统互联互通", "supply.information", True),
        ("推进供水管网互联互通", "supply.information", False),
        # fallback: platform, website and hospital words count only when nothing else does
        ("依托平台加强监管", "supply.information", False),
        ("建设统一的政务服务平台", "supply.information", True),
        ("完善平台功能", "supply.information", True),
        ("将医院运行情况纳入绩效考核", "supply.public_services", False),
        ("支持三甲医院建设分院", "supply.public_services", True),
        ("推动区域协同", "environment.coordination", True),
        # codebook-wide exclusions: agency names are actors, not instruments
        ("财政部要会同有关部门加强统筹", "environment.fiscal", False),
        ("加大财政投入", "environment.fiscal", True),
        ("司法部负责指导落实", "environment.law", False),
        # coordination and supervision assigned to a body are its functions (organisation)
        ("主管部门负责监督实施", "environment.oversight", False),
        ("主管部门负责监督实施", "supply.organisation", True),
        ("加强对专项资金的审计监督", "environment.oversight", True),
        ("由牵头单位负责协调", "environment.coordination", False),
        # a law named in book-title marks
        ("加快出台《区域合作促进法》", "environment.law", True),
        ("推动区域协同立法", "environment.law", True),
        # a law cited as the ground of an action is its topic; made or revised, the instrument
        ("加快修订相关地方性法规", "environment.law", True),
        ("依照有关法规做好登记工作", "environment.law", False),
        ("开展法律援助进社区活动", "environment.law", False),
        ("全面清理现行规范性文件", "environment.law", True),
        ("做好规范性文件合法性审核", "environment.law", False),
        ("研究制定异地就医结算管理办法", "environment.law", True),
        ("创新工作办法", "environment.law", False),
        ("明确各级政府的管理责任", "environment.law", True),
        ("抓好各项任务落实责任到人", "environment.law", False),
        ("严格遵守法定程序", "environment.law", True),
        ("简化办事程序", "environment.law", False),
        ("建立区域环境治理协作制度", "environment.law", False),
        ("建立区域环境治理协作制度", "environment.coordination", True),
        # supervision or coordination listed among a body's functions is organisation
        ("工作专班负责组织、协调、督促各项任务", "environment.oversight", False),
        ("工作专班负责组织、协调、督促各项任务", "environment.coordination", False),
        ("加强对项目建设的督促检查", "environment.oversight", True),
        ("建立人才评价机制", "environment.oversight", False),
        ("建立人才评价机制", "supply.personnel", True),
        ("开展年度绩效评价", "environment.oversight", True),
        ("市场监管部门要主动对接", "environment.oversight", False),
        # 就业 is a public service where jobs are found for people
        ("为高校毕业生提供就业指导", "supply.public_services", True),
        ("允许外籍人员在华就业", "supply.public_services", False),
        ("减免企业失业保险费", "supply.public_services", False),
        ("减免企业失业保险费", "environment.fiscal", True),
        ("按时足额发放失业保险金", "supply.public_services", True),
        ("明确基本公共服务支出责任", "supply.public_services", False),
        ("引导社会力量参与公共服务", "supply.public_services", False),
        ("推动产业健康发展", "supply.public_services", False),
        ("完善老年人关爱服务", "supply.public_services", True),
        # participation: the public consulted, students are not advisers, regions not society
        ("广泛听取公众意见", "demand.participation", True),
        ("向公众发布预警信息", "demand.participation", False),
        ("简化高校毕业生落户手续", "demand.participation", False),
        ("在各省、自治区设立分中心", "demand.participation", False),
        ("设立政策咨询热线", "demand.participation", False),
        ("开展决策咨询", "demand.participation", True),
        # coordination: harmony as an outcome and generic joint words are not a mechanism
        ("促进城乡协调发展", "environment.coordination", False),
        ("形成工作合力", "environment.coordination", True),
        ("以合力推进项目建设并加大资金投入", "environment.coordination", False),
        ("推进产销对接", "environment.coordination", False),
        ("建立部门联系机制", "environment.coordination", True),
        # a list of tasks is a work plan; a list of powers is a rule
        ("推行政府部门权责清单", "environment.law", True),
        ("制定年度重点任务清单", "environment.law", False),
        # enforcement is supervision, not legislation
        ("加强跨区域联合执法", "environment.law", False),
        ("加强跨区域联合执法", "environment.oversight", True),
        ("完善企业信用评价", "environment.oversight", True),
        ("扩大小微企业信用贷款投放", "environment.oversight", False),
        # spending responsibilities and bodies designated for a task are organisation
        ("合理划分市县支出责任", "supply.organisation", True),
        ("合理划分市县支出责任", "environment.fiscal", True),
        ("指定专门机构承担日常联络", "supply.organisation", True),
        ("支持科学家领衔重大攻关项目", "supply.personnel", True),
        ("明确都市圈的发展方向", "environment.planning", True),
        ("加大对中小企业的支持力度", "environment.fiscal", True),
        ("加大宣传力度", "environment.fiscal", False),
        ("推动更多事项网上办、就近办", "supply.public_services", True),
        # a guarantee agency named as the actor is not the fiscal instrument
        ("担保机构要提升服务能力", "environment.fiscal", False),
        # 2.2, compounds: a topic word modifying a keyword of another code yields to it
        ("建设统一的执法数据共享平台", "environment.oversight", False),
        ("建设统一的执法数据共享平台", "supply.information", True),
        ("开展基层执法人员业务培训", "environment.oversight", False),
        ("开展基层执法人员业务培训", "supply.personnel", True),
        ("建立执法协作机制", "environment.oversight", True),
        ("建立执法协作机制", "environment.coordination", True),
        ("推进职业教育质量评估", "supply.public_services", False),
        ("推进职业教育质量评估", "environment.oversight", True),
        ("开展职业教育改革试点", "supply.public_services", True),
        ("建设区域公共服务平台", "supply.information", True),
        ("建设区域公共服务平台", "supply.public_services", False),
        ("加强监管与数据共享", "environment.oversight", True),
        ("制定统一的办学质量标准", "supply.public_services", False),
        ("设立人才发展专项资金", "supply.personnel", False),
        ("完善人才发展体制机制", "supply.personnel", True),
        ("创新基础设施投融资模式", "supply.infrastructure", False),
        ("创新基础设施投融资模式", "environment.fiscal", True),
        ("开展法治政府建设考评", "environment.law", False),
        # 2.2, enumerations: listed areas are topics when the list qualifies another word
        ("统筹水利、能源、信息等专项规划", "supply.information", False),
        ("统筹水利、能源、信息等专项规划", "supply.infrastructure", False),
        ("统筹水利、能源、信息等专项规划", "environment.planning", True),
        ("委托第三方开展审计、评估、咨询等服务", "environment.oversight", False),
        ("委托第三方开展审计、评估、咨询等服务", "demand.participation", False),
        ("加强供水、供电、燃气等设施建设", "supply.infrastructure", True),
        ("运用大数据、信用评价等手段", "supply.information", True),
        ("统一准入标准、监管规则、执法规范等", "environment.law", True),
        # 2.2, context and exclusions
        ("做好与国土空间规划的衔接", "environment.coordination", False),
        ("加强上下游工作衔接", "environment.coordination", True),
        ("推进职称评审结果跨省互认", "demand.market", True),
        ("推进职称评审结果跨省互认", "environment.coordination", True),
        ("推进检查检验结果互认", "demand.market", False),
        ("探索园区收益分成办法", "environment.fiscal", True),
        ("将线路分成三个等级", "environment.fiscal", False),
        ("由属地部门负责日常监管", "environment.oversight", False),
        ("加强食品安全监管", "environment.oversight", True),
        ("行政执法机关要公开办事指南", "environment.oversight", False),
        ("城市政府要统筹安排", "supply.infrastructure", False),
        ("完善市政管网", "supply.infrastructure", True),
        ("发挥行业协会商会作用", "environment.coordination", False),
        ("发挥行业协会商会作用", "demand.participation", True),
        ("提升公共管理水平", "environment.coordination", False),
        ("构建多元共治格局", "environment.coordination", False),
        ("构建多元共治格局", "demand.participation", True),
        ("对失信主体实施联合惩戒", "environment.oversight", True),
        ("对失信主体实施联合惩戒", "environment.coordination", False),
        ("高标准建设产业园区", "environment.planning", False),
        ("制定统一的服务标准", "environment.planning", True),
        ("明确新区建设的总体思路", "environment.planning", True),
        ("做强政府性融资担保机构", "environment.fiscal", False),
        ("扩大直接融资规模", "environment.fiscal", True),
        ("由国资部门履行出资人职责", "supply.organisation", True),
        ("放宽外商投资准入", "demand.market", True),
        ("放宽外商投资准入", "environment.fiscal", False),
        ("招录具有法律专业背景的工作人员", "environment.law", False),
        ("招录具有法律专业背景的工作人员", "supply.personnel", True),
        ("配齐法制审核岗位", "environment.law", False),
        # 2.2, vocabulary for clauses the codebook left uncoded
        ("办好县级职教中心", "supply.public_services", True),
        ("构建绿色发展指标体系", "environment.oversight", True),
        ("开发巨灾保险产品", "environment.fiscal", True),
        ("建设科技创新特区", "demand.pilot", True),
        ("深化政企合作", "demand.participation", True),
        ("深化政企合作", "environment.coordination", False),
        ("允许外国留学生在华实习就业", "demand.market", True),
        ("推动形成简约的生活方式", "environment.guidance", True),
        ("加强对县区工作的指导", "environment.guidance", True),
        ("指导各地编制规划", "environment.guidance", False),
        ("完善应急物资储运网络", "supply.infrastructure", True),
        ("优化城市线网", "supply.infrastructure", True),
        ("加大对县域特色产业和中小微企业科技创新的支持强度", "environment.fiscal", True),
        # 2.3: a government's own role and the responsibility it is given
        ("明确政府自身的角色定位", "supply.organisation", True),
        ("县级政府承担环境治理主体责任", "supply.organisation", True),
        ("赋予高校用人自主权", "supply.organisation", True),
        # 2.3: teachers and talent programmes are personnel where people are managed
        ("加强乡村教师队伍建设", "supply.personnel", True),
        ("为教师子女入学提供便利", "supply.personnel", False),
        ("完善高层次人才评审制度", "supply.personnel", True),
        ("完善高层次人才评审制度", "environment.law", False),
        # 2.3: bare 数字 names a topic; digital technology is the instrument
        ("建设数字乡村示范村", "supply.information", False),
        ("推广应用数字技术", "supply.information", True),
        ("布局信息基础设施", "supply.information", True),
        ("布局信息基础设施", "supply.infrastructure", False),
        # 2.3: a railway whose surroundings are policed is the topic of supervision
        ("加强高铁沿线安全隐患排查", "supply.infrastructure", False),
        ("加强高铁沿线安全隐患排查", "environment.oversight", True),
        ("加快城际铁路建设", "supply.infrastructure", True),
        # 2.3: a public health service as the topic of an evaluation measure
        ("将基本公共卫生服务纳入绩效考核", "supply.public_services", False),
        ("扩大公共卫生服务覆盖面", "supply.public_services", True),
        # 2.3: schools run by firms and society are participation
        ("鼓励企业举办职业教育", "supply.public_services", False),
        ("鼓励企业举办职业教育", "demand.participation", True),
        ("支持社会力量兴办托育服务", "demand.participation", True),
        # 2.3: review procedures are rules; manner adverbs are not
        ("建立重大项目审查制度", "environment.law", True),
        ("建立重大项目审查制度", "environment.oversight", False),
        ("依法合规开展融资", "environment.law", False),
        # 2.3: an evaluation rule is supervision; 制度 of accountability too
        ("完善担保机构绩效考核办法", "environment.law", False),
        ("完善担保机构绩效考核办法", "environment.oversight", True),
        ("落实责任追究制度", "environment.law", False),
        ("落实责任追究制度", "environment.oversight", True),
        # 2.3: a boundary of powers is a rule, the edge of a city is not
        ("划定各部门权责边界", "environment.law", True),
        ("合理划定城市发展边界", "environment.law", False),
        # 2.3: contingency plans and top-level design are planning
        ("制定突发事件应急预案", "environment.planning", True),
        ("加强顶层设计", "environment.planning", True),
        # 2.3: clean-ups of misconduct and monitoring are supervision
        ("整治违规收费行为", "environment.oversight", True),
        ("整治违规收费行为", "environment.fiscal", False),
        ("开展农村人居环境整治", "environment.oversight", False),
        ("加强大气环境监测", "environment.oversight", True),
        # 2.3: 会同 names who acts; it is coordination only where nothing else is named
        ("省交通运输厅会同省财政厅制定实施细则", "environment.coordination", False),
        ("各市会同推进", "environment.coordination", True),
        ("加强部门间信息沟通", "environment.coordination", True),
        ("加强部门间信息沟通", "supply.information", False),
        # 2.3: 承接 is contracting where services or functions are taken on
        ("引导社会组织承接政府转移职能", "demand.procurement", True),
        ("积极承接产业转移", "demand.procurement", False),
        ("保障村民参与村庄规划编制", "demand.participation", True),
        # 2.4: the words of a title name its topic; a named plan or rule is the instrument
        ("研究制定《城市群智库发展办法》", "demand.participation", False),
        ("研究制定《城市群智库发展办法》", "environment.law", True),
        ("编制《都市圈人才发展规划》", "environment.planning", True),
        ("编制《都市圈人才发展规划》", "supply.personnel", False),
        # 2.4: a responsibility placed on the local level
        ("压实属地责任", "supply.organisation", True),
        # 2.4: firms and industries are grown, not trained
        ("培养一批骨干企业", "supply.personnel", False),
        ("培养专业技术人才", "supply.personnel", True),
        # 2.4: government service halls and single windows
        ("建设统一的网上政务大厅", "supply.public_services", True),
        ("推行国际贸易单一窗口", "supply.public_services", True),
        ("做好基本公共服务的财力保障", "supply.public_services", False),
        # 2.4: figurative roads and channels are not infrastructure
        ("拓宽青年人才成才通道", "supply.infrastructure", False),
        ("打通省际断头路", "supply.infrastructure", True),
        # 2.4: approval is a rule where it is removed, devolved or narrowed
        ("取消一批行政审批事项", "environment.law", True),
        ("下放外资项目核准权限", "environment.law", True),
        ("推进审批管理系统数据共享", "environment.law", False),
        # 2.4: property rights in land
        ("明确土地承包权和经营权的权能", "environment.law", True),
        # 2.4: plans drawn up or revised; a programme carried out is not a plan
        ("制定五年行动计划", "environment.planning", True),
        ("实施青年教师素质提升计划", "environment.planning", False),
        ("制定明确的长期目标", "environment.planning", True),
        # 2.4: listed companies and funding agencies are actors, not finance
        ("取消上市公司重大资产重组审批", "environment.fiscal", False),
        # 2.4: legal supervision is oversight; investigation given to a body is its function
        ("接受检察机关法律监督", "environment.oversight", True),
        ("接受检察机关法律监督", "environment.law", False),
        ("明确专门机构负责查处违法案件", "environment.oversight", False),
        ("依法查处违法案件", "environment.oversight", True),
        # 2.4: press releases and media relations are publicity
        ("完善新闻发布制度", "environment.guidance", True),
        ("建立与主流媒体沟通机制", "environment.guidance", True),
        ("建立与主流媒体沟通机制", "environment.coordination", False),
        # 2.4: land transfer, the urban-rural divide and migrants settling in towns
        ("推动农村土地流转", "demand.market", True),
        ("促进城市群协调治理", "demand.market", False),
        ("支持农民进城落户", "demand.market", True),
        # 2.4: third-party assessment and peer review draw in outsiders
        ("引入第三方评估", "demand.participation", True),
        ("采用同行评审方式评估项目", "demand.participation", True),
        # 2.5: credit information is information; a credit system stays oversight
        ("健全企业信用信息归集机制", "supply.information", True),
        ("健全企业信用信息归集机制", "environment.oversight", False),
        ("建设覆盖全县的信用体系", "environment.oversight", True),
        # 2.5: how enforcement is organised is organisation, not enforcement
        ("在交通领域推行综合行政执法", "supply.organisation", True),
        ("在交通领域推行综合行政执法", "environment.oversight", False),
        ("归并县乡两级的执法层级", "supply.organisation", True),
        ("开展联合执法行动", "supply.organisation", False),
        # 2.5: command, monitoring and decision systems are information systems
        ("升级防汛指挥系统", "supply.information", True),
        ("完善大气污染监测系统", "environment.oversight", False),
        ("扩大政府公报的发行", "supply.information", True),
        # 2.5: high-speed rail and water works; a motor vehicle is not a train
        ("开工建设沿江高铁", "supply.infrastructure", True),
        ("实施引水工程建设", "supply.infrastructure", True),
        ("限制机动车进入中心城区", "supply.infrastructure", False),
        # 2.5: a health body that recruits or trains staff is the topic of a personnel measure
        ("允许县级医疗机构自主招聘护士", "supply.public_services", False),
        ("扩大基层医疗服务供给", "supply.public_services", True),
        # 2.5: procedures and filing are rules; simplified approval is a narrowed rule
        ("一次办结开办企业的全部手续", "environment.law", True),
        ("简化项目核准程序与核准环节", "environment.law", True),
        ("实行投资项目备案管理", "environment.law", True),
        ("实行投资项目备案管理", "environment.oversight", False),
        # 2.5: a rule drawn up is law; acting by the rules is not
        ("各区要制定具体规定", "environment.law", True),
        ("按规定发放奖学金", "environment.law", False),
        ("废止不合理规定", "environment.law", False),
        # 2.5: a law being drafted is the topic where the public is heard on it
        ("起草地方条例要广泛听取群众意见", "environment.law", False),
        ("起草地方条例要广泛听取群众意见", "demand.participation", True),
        ("加快推进数据安全立法", "environment.law", True),
        ("建立重大决策专家论证制度", "environment.law", False),
        # 2.5: rewards and penalties, banning and gatekeeping are oversight
        ("建立目标考核奖惩办法", "environment.oversight", True),
        ("依法取缔无证经营", "environment.oversight", True),
        ("严格把好准入关口和质量把关", "environment.oversight", True),
        # 2.5: paired assistance to Tibet and Xinjiang is coordination
        ("深化对口援疆工作", "environment.coordination", True),
        ("健全东西部扶贫协作机制", "environment.coordination", True),
        # 2.5: policy insurance is a financial instrument
        ("推广政策性农业保险", "environment.fiscal", True),
        # 2.5: social bodies cleaned up or registered are supervised, not drawn in
        ("清理整顿违规社会组织", "demand.participation", False),
        ("支持社会组织参与社区治理", "demand.participation", True),
    ],
)
def test_shipped_rules(text, code, expected):
    assert (code in _codes([text])[0]) is expected


def test_shipped_rules_are_listed_in_the_codebook_frame():
    frame = load_codebook("instruments").to_frame().set_index("code")
    assert "机构 near" in frame.loc["supply.organisation", "context"]
    assert "制度 not near 联席会议" in frame.loc["environment.law", "context"]


# ------------------------------------------------------------ the fixture set

FIXTURE = FIXTURES / "clauses.csv"


def test_fixture_covers_every_leaf_and_pattern():
    data = pd.read_csv(FIXTURE)
    assert len(data) >= 200
    book = load_codebook("instruments")
    leaves = [c.id for c in book if not book.children(c.id)]
    counts = data["gold"].str.split(";").explode().value_counts()
    assert set(counts.index) <= set(leaves)
    assert all(counts.get(leaf, 0) >= 8 for leaf in leaves)
    patterns = set(data["pattern"])
    for family in (
        "coordination",
        "services",
        "infrastructure",
        "information",
        "law",
        "fiscal",
        "market",
    ):
        assert f"miss:{family}" in patterns
    for word in ("人才", "机构", "制度", "专家"):
        assert f"wrong:{word}" in patterns


def test_fixture_accuracy():
    """The thresholds of issue #12 on the fixture set, with a margin for new text.

    The set was written to exercise the failure patterns, and the vocabulary was chosen by
    meaning while it was written, so it is in-sample: it must pass the targets set for the
    real development set (micro F1 0.85, coverage 95 %, every leaf precision 0.7) and each
    failure pattern must be mostly fixed.  A regression in a rule or a lost keyword fails here.
    """
    from cqanalysis.learn import machine_agreement

    data = pd.read_csv(FIXTURE)
    units = coding_units(
        pd.DataFrame(
            {
                "doc_id": "fx",
                "table_id": "1",
                "row_no": data.index,
                "field": data["field"],
                "clause_no": 1,
                "text": data["text"],
            }
        )
    )
    human = units[["unit_id", "text"]].assign(gold=data["gold"].to_numpy())
    result = machine_agreement(code_units(units, "instruments"), human, codes="gold")
    micro = result.summary.set_index("scope").loc["micro"]
    assert micro["f1"] >= 0.90
    assert micro["coverage_machine"] >= 0.97
    leaf = result.per_code[result.per_code["n_human"] > 0]
    assert (leaf["precision"] >= 0.75).all(), leaf[leaf["precision"] < 0.75]
    # every failure pattern of the issue is mostly fixed: a missed code is found, a wrong
    # hit is not made, in at least 85 % of the clauses showing the pattern
    found = dict(zip(result.disagreements["unit_id"], result.disagreements["machine"], strict=True))
    rates = {}
    for pattern, group in data.groupby("pattern"):
        if pattern == "base":
            continue
        kind, what = pattern.split(":")
        code = (_MISSED if kind == "miss" else _WRONG)[what]
        ok = []
        for pos in group.index:
            uid = units["unit_id"].iloc[pos]
            got = set(
                filter(None, found.get(uid, data["gold"].iloc[pos].replace(";", "；")).split("；"))
            )
            ok.append(code in got if kind == "miss" else code not in got)
        rates[pattern] = sum(ok) / len(ok)
    assert min(rates.values()) >= 0.85, rates


_MISSED = {
    "coordination": "environment.coordination",
    "services": "supply.public_services",
    "infrastructure": "supply.infrastructure",
    "information": "supply.information",
    "law": "environment.law",
    "fiscal": "environment.fiscal",
    "market": "demand.market",
}
_WRONG = {
    "人才": "supply.personnel",
    "机构": "supply.organisation",
    "制度": "environment.law",
    "专家": "demand.participation",
    # round 2: topic words that are not the instrument
    "法规": "environment.law",
    "办法": "environment.law",
    "监督": "environment.oversight",
    "评价": "environment.oversight",
    "就业": "supply.public_services",
    "服务": "supply.public_services",
    "参与": "demand.participation",
    "协调": "environment.coordination",
    "清单": "environment.law",
    "执法": "environment.law",
    # round 3 (codebook 2.2): a topic word modifying the head of its compound (修饰), and an
    # area named in a list closed by 等 (列举), are not the instrument
    "修饰执法": "environment.oversight",
    "修饰公共服务": "supply.public_services",
    "修饰教育": "supply.public_services",
    "修饰人才发展": "supply.personnel",
    "列举信息": "supply.information",
    "列举审计": "environment.oversight",
    "列举财政": "environment.fiscal",
}


# ------------------------------------------------- the shipped outcomes codebook (2.2)


def _outcome_codes(text: str) -> set[str]:
    units = coding_units(
        pd.DataFrame(
            {
                "doc_id": "d",
                "table_id": "1",
                "row_no": [1],
                "field": "outcome",
                "clause_no": 1,
                "text": [text],
            }
        )
    )
    coded = code_units(units, "outcomes")
    return set(coded["code"].dropna())


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [
        # integration: law applied uniformly is legal certainty, not a unified region
        ("保证各地行政处罚尺度统一", "coordination.integration", False),
        ("保证各地行政处罚尺度统一", "rule_of_law.legal", True),
        ("统一各地司法裁判标准", "rule_of_law.legal", True),
        ("推动区域标准统一", "coordination.integration", True),
        ("推动区域标准统一", "rule_of_law.legal", False),
        # implementation: the authority of the law is legal, that of decisions implementation
        ("捍卫宪法法律权威", "efficiency.implementation", False),
        ("树立规划的权威", "efficiency.implementation", True),
        ("推动惠企政策落地见效", "efficiency.implementation", True),
        # efficiency: the costs of firms are the market, of governing efficiency
        ("降低中小企业贷款成本", "efficiency.efficiency", False),
        ("降低中小企业贷款成本", "development.market", True),
        ("降低部门间沟通成本", "efficiency.efficiency", True),
        # efficiency: the use of natural resources is green and layout
        ("提高能源利用效率和水资源利用效率", "efficiency.efficiency", False),
        ("提高能源利用效率和水资源利用效率", "green", True),
        ("提高行政审批效率", "efficiency.efficiency", True),
        # efficiency: the effect of a measure carried out is implementation
        ("推动各项任务落实并取得实效", "efficiency.efficiency", False),
        ("推动各项任务落实并取得实效", "efficiency.implementation", True),
        ("增强监督检查的实效", "efficiency.efficiency", True),
        # efficiency: appraisal of performance is an instrument, spending well an outcome
        ("健全绩效考核办法", "efficiency.efficiency", False),
        ("提升财政资金绩效", "efficiency.efficiency", True),
        ("减少重复填报和多头检查", "efficiency.efficiency", True),
        # capacity: motivation of officials, not of firms or society
        ("调动基层干部干事创业的积极性", "efficiency.capacity", True),
        ("激发社会资本投资养老服务的积极性", "efficiency.capacity", False),
        # capacity: talent drawn on, not talent moving as a factor
        ("壮大高水平人才队伍", "efficiency.capacity", True),
        ("推动人才、资本等要素跨城流动", "efficiency.capacity", False),
        ("推动人才、资本等要素跨城流动", "coordination.integration", True),
        ("提高行政决策科学化水平", "efficiency.capacity", True),
        ("形成社会共治的治理局面", "efficiency.capacity", True),
        # services: convenience for citizens; the people's need for a clean environment is green
        ("让企业办事更加便捷", "equity.services", True),
        ("让企业办事更加便捷", "efficiency.efficiency", False),
        ("更好满足人民对清洁空气和良好生态环境的期待", "equity.services", False),
        ("更好满足人民对清洁空气和良好生态环境的期待", "green", True),
        ("让人民生活更加富足", "equity.services", True),
        ("推动更多事项跨省通办", "equity.services", True),
        # legal: a business environment ruled by law is the market
        ("营造法治化营商环境", "rule_of_law.legal", False),
        ("营造法治化营商环境", "development.market", True),
        ("推进法治政府建设", "rule_of_law.legal", True),
        # layout: a division of tasks among bodies is not a division of labour among places
        ("做到分工明确、责任到人", "development.layout", False),
        ("形成各城市合理分工的产业格局", "development.layout", True),
        ("推动大中小城市和小城镇协调发展", "development.layout", True),
        # security: a stable thing is an attribute; public stability is security
        ("建立稳定的经费保障机制", "security", False),
        ("保证信息系统的可靠性和稳定性", "security", False),
        ("维护社会稳定", "security", True),
        ("妥善处理垃圾焚烧项目的邻避问题", "security", True),
        ("推动农业生产稳定增长", "security", False),
        ("推动农业生产稳定增长", "development.economy", True),
        ("保持社会大局和谐稳定", "security", True),
        # vocabulary of outcomes the 2.1 lists missed
        ("确保惠民措施落到实处", "efficiency.implementation", True),
        ("杜绝公共资源浪费", "efficiency.efficiency", True),
        ("让居民就近享有优质医疗和养老服务", "equity.services", True),
        ("带动山区农民持续增收", "equity.benefits", True),
        ("推动城镇空气质量稳步改善", "green", True),
        # economy and green: zero growth of waste is not growth
        ("推动生活垃圾填埋量实现零增长", "development.economy", False),
        ("推动生活垃圾填埋量实现零增长", "green", True),
        ("激发县域经济内生动力", "development.economy", True),
        ("稳定和扩大就业", "development.economy", True),
        # market, accountability, benefits
        ("切实减轻企业负担", "development.market", True),
        ("切实减轻企业负担", "equity.benefits", False),
        ("推行阳光执法", "rule_of_law.accountability", True),
        ("及时回应社会关切", "rule_of_law.accountability", True),
        ("促进区域协调发展", "equity.benefits", True),
        ("健全区域协调机制", "equity.benefits", False),
        # outcomes 2.3: conflicts eased, factors moving, supervision without gaps
        ("缓解流域上下游之间的利益矛盾", "coordination.cooperation", True),
        ("促进人口自由迁徙", "coordination.integration", True),
        ("形成覆盖全域的综合运输网", "coordination.integration", True),
        ("做到监管不留死角", "efficiency.implementation", True),
        ("推进基层治理现代化", "efficiency.capacity", True),
        ("保证布局的科学合理", "efficiency.capacity", True),
        # services closer to hand; a gap in services is a service, not benefit sharing
        ("实现社保业务就近办理", "equity.services", True),
        ("缩小城乡医疗服务水平差距", "equity.services", True),
        ("缩小城乡医疗服务水平差距", "equity.benefits", False),
        ("缩小各市财力差距", "equity.benefits", True),
        ("增强新市民的归属感", "equity.services", True),
        # conduct out of place, rumours and public esteem
        ("避免政府越位和缺位", "rule_of_law.accountability", True),
        ("防止谣言扩散", "security", True),
        ("提高社会对基层医生的认可度", "security", True),
        # growth poles, trade facilitation, scale
        ("培育新的区域增长极", "development.economy", True),
        ("推进贸易便利化", "development.market", True),
        ("推进人才落户便利化", "development.market", False),
        ("缓解中小企业融资难", "development.market", True),
        ("实现农业规模化经营", "development.layout", True),
        # outcomes 2.4: withstanding disasters and managing risks is security, not capacity
        ("增强城市抗震能力", "security", True),
        ("增强城市抗震能力", "efficiency.capacity", False),
        ("提高基层干部的治理能力", "efficiency.capacity", True),
        ("降低山区群众的灾害脆弱性", "security", True),
        # outcomes 2.4: citizens' income and basic services; hubs and the size of the economy
        ("让改革成果惠及困难群体", "equity.services", True),
        ("带动边境居民持续增收", "equity.services", True),
        ("建成区域物流中心", "development.economy", True),
        ("地区生产总值和经济总量迈上新台阶", "development.economy", True),
    ],
)
def test_shipped_outcome_rules(text, code, expected):
    assert (code in _outcome_codes(text)) is expected
