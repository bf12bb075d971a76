"""Coding: dictionary matching of clauses and items with the codebooks."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from cqanalysis.clauses import explode_clauses
from cqanalysis.codebook import Codebook, load_codebook
from cqanalysis.coding import code_units, coding_units, rollup, uncoded, unit_codes
from cqanalysis.core.schema import FRAME_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "tests" / "fixtures" / "codebooks" / "good.yaml"

# Every measure clause of the seed, read and coded by hand: table, row, clause, text,
# policy instruments, governance levels/actors ("-": none named).
MEASURES = """
5.1.1 1 1 树立“一盘棋”思想|environment.guidance|-
5.1.1 1 2 摒弃“行政区经济”|environment.guidance|-
5.1.1 2 1 转向规划者、服务者、监管者、协同者|supply.organisation|-
5.1.1 3 1 推行权力、责任、负面清单|environment.law|-
5.1.1 3 2 明确权责边界|supply.organisation environment.law|-
5.1.1 4 1 变重审批为重事中事后监管|environment.oversight|-
5.1.1 4 2 运用大数据、信用管理|supply.information environment.oversight|-
5.2.1 1 1 设立高层次协调机构|supply.organisation|cross_body
5.2.1 1 2 由主要领导负责|supply.organisation|-
5.2.1 2 1 赋予规划、项目审批、政策协调、利益平衡等权限|supply.organisation|-
5.2.1 3 1 建立定期会商、专题协商机制|environment.coordination|inter_jurisdictional
5.2.1 4 1 组建常设专业办公室或研究机构|supply.organisation|cross_body
5.2.1 5 1 设立城市群层面发展基金|environment.fiscal|agglomeration
5.2.1 5 2 共资支持跨区项目|environment.fiscal|inter_jurisdictional
5.3.1 1 1 制定城市群发展法律法规|environment.law|central
5.3.1 1 2 明确法律地位和治理原则|environment.law|central
5.3.1 2 1 共同制定或统一实施区域性地方法规、规章|environment.law|agglomeration inter_jurisdictional
5.3.1 3 1 建立跨区域政策协调机制|environment.coordination|inter_jurisdictional
5.3.1 3 2 确保政策统一性|environment.coordination|-
5.3.1 4 1 创新财政分成、税收共享、生态补偿机制|environment.fiscal|-
5.3.1 5 1 建立城市群国土空间规划协调机制|environment.planning environment.coordination|agglomeration
5.4.1 1 1 打破户籍、社保、教育、医疗壁垒|supply.public_services demand.market|-
5.4.1 1 2 统一市场准入|demand.market|-
5.4.1 2 1 建设城际铁路、高速公路、轨道交通等互联网络|supply.infrastructure|-
5.4.1 3 1 引导各城市发展特色产业|environment.guidance|municipal
5.4.1 3 2 形成分工协作体系|environment.coordination|-
5.4.1 4 1 推动优质教育、医疗资源辐射|supply.public_services|-
5.4.1 4 2 实现社保医保互通|supply.public_services|inter_jurisdictional
5.4.1 5 1 建立跨区域生态环保机制|environment.coordination|inter_jurisdictional
5.4.1 5 2 实行联合监测、共治污染|environment.coordination environment.oversight|inter_jurisdictional
5.5.1 1 1 建设城市群综合性大数据平台|supply.information|agglomeration
5.5.1 1 2 汇聚整合各类数据|supply.information|-
5.5.1 2 1 健全数据共享交换机制|supply.information|-
5.5.1 2 2 明确共享范围和责任|environment.law|-
5.5.1 3 1 发展交通调度、环境监测、公共安全等跨区域智慧应用|supply.information|inter_jurisdictional
5.5.1 4 1 推动城市群内政务平台互联互通|supply.information|inter_jurisdictional
5.5.1 4 2 实现“跨区通办”|supply.public_services|inter_jurisdictional
5.5.1 5 1 强化网络安全防护|supply.information|-
5.5.1 5 2 保障公民个人隐私|environment.law|-
5.6.1 1 1 培养具备区域经济、行政管理、协同沟通能力的复合型人才|supply.personnel|-
5.6.1 2 1 建立常态化干部交流、挂职锻炼机制|supply.personnel|inter_jurisdictional
5.6.1 3 1 设立城市群层面人才引进平台|supply.personnel|agglomeration
5.6.1 3 2 共同吸引高层次人才|supply.personnel|inter_jurisdictional
5.6.1 4 1 将区域协同成效纳入干部绩效考核|supply.personnel environment.oversight|-
5.6.1 5 1 鼓励高校和智库开展研究|environment.guidance demand.participation|non_state
5.6.1 5 2 提供政策咨询|demand.participation|-
"""

# Every outcome clause of the seed, coded by hand with the outcome dimensions.
OUTCOMES = """
5.1.1 1 1 促进大局意识|coordination.cooperation
5.1.1 1 2 减少地方保护|coordination.integration
5.1.1 2 1 提升治理效能|efficiency.efficiency
5.1.1 2 2 适应区域发展需求|development.economy
5.1.1 3 1 规范政府行为|rule_of_law.accountability
5.1.1 3 2 增强透明度|rule_of_law.accountability
5.1.1 4 1 优化营商环境|development.market
5.1.1 4 2 维护市场秩序|development.market
5.2.1 1 1 确保决策权威|efficiency.implementation
5.2.1 1 2 增强执行力|efficiency.implementation
5.2.1 2 1 避免“议而不决”|efficiency.implementation
5.2.1 2 2 推动实际工作|efficiency.implementation
5.2.1 3 1 促进沟通|coordination.cooperation
5.2.1 3 2 形成共识|coordination.cooperation
5.2.1 3 3 及时解决问题|efficiency.implementation
5.2.1 4 1 提升日常协调效率|efficiency.efficiency
5.2.1 4 2 支持政策研究|efficiency.capacity
5.2.1 5 1 促进利益共享|equity.benefits
5.2.1 5 2 推动重大项目建设|development.economy
5.3.1 1 1 提供法律保障|rule_of_law.legal
5.3.1 1 2 规范城市群发展|rule_of_law.legal
5.3.1 2 1 促进规则统一|coordination.integration rule_of_law.legal
5.3.1 2 2 降低合作成本|coordination.cooperation efficiency.efficiency
5.3.1 3 1 避免政策冲突|coordination.cooperation
5.3.1 3 2 促进区域一体化|coordination.integration
5.3.1 4 1 激励各方合作|coordination.cooperation
5.3.1 4 2 平衡发展利益|equity.benefits
5.3.1 5 1 优化土地利用|development.layout
5.3.1 5 2 促进产业布局合理|development.layout
5.4.1 1 1 促进人才、劳动力、资本等自由流动|coordination.integration
5.4.1 2 1 提升通勤效率|efficiency.efficiency
5.4.1 2 2 支撑要素流动|coordination.integration
5.4.1 3 1 避免同构竞争|development.layout
5.4.1 3 2 优化产业布局|development.layout
5.4.1 4 1 提升居民获得感|equity.services
5.4.1 4 2 促进服务均等化|equity.services
5.4.1 5 1 改善生态环境质量|green
5.4.1 5 2 实现绿色发展|green
5.5.1 1 1 支撑科学决策|efficiency.capacity
5.5.1 1 2 提升治理精准性|efficiency.capacity
5.5.1 2 1 打破数据壁垒|coordination.integration
5.5.1 2 2 实现数据互联互通|coordination.integration
5.5.1 3 1 提升智慧治理能力|efficiency.capacity
5.5.1 3 2 优化资源配置|development.layout
5.5.1 4 1 提升政务服务效率|efficiency.efficiency equity.services
5.5.1 4 2 便利企业群众|equity.services
5.5.1 5 1 确保数据安全|security
5.5.1 5 2 增强政府公信力|security
5.6.1 1 1 提升干部宏观视野和协同意识|coordination.cooperation efficiency.capacity
5.6.1 2 1 促进相互理解|coordination.cooperation
5.6.1 2 2 提升合作能力|coordination.cooperation efficiency.capacity
5.6.1 3 1 为城市群发展提供智力支撑|efficiency.capacity
5.6.1 4 1 激励干部积极性|efficiency.capacity
5.6.1 4 2 推动协同工作|coordination.cooperation
5.6.1 5 1 为政府决策提供智力支持|efficiency.capacity
"""


def _expected(table: str) -> dict[tuple[str, int, int], tuple[str, ...]]:
    out = {}
    for line in table.strip().splitlines():
        head, *codes = (part.strip() for part in line.split("|"))
        table_id, row_no, clause_no, text = head.split(" ")
        out[(table_id, int(row_no), int(clause_no))] = (text, *codes)
    return out


def _codes_by_clause(coded: pd.DataFrame, field: str, codebook: str) -> dict:
    sub = coded[(coded["field"] == field) & (coded["codebook"] == codebook)]
    out: dict[tuple[str, int, int], tuple[str, set[str]]] = {}
    for t, r, c, text, code in sub[["table_id", "row_no", "clause_no", "text", "code"]].itertuples(
        index=False
    ):
        entry = out.setdefault((t, int(r), int(c)), (text, set()))
        if not pd.isna(code):
            entry[1].add(code)
    return out


@pytest.fixture(scope="module")
def seed_coded(seed):
    return code_units(coding_units(explode_clauses(seed.rows), seed.items))


def test_seed_measure_clauses_coded_as_read_by_hand(seed_coded):
    expected = _expected(MEASURES)
    assert len(expected) == 46
    instruments = _codes_by_clause(seed_coded, "measure", "instruments")
    levels = _codes_by_clause(seed_coded, "measure", "levels")
    assert set(instruments) == set(expected)
    for key, (text, want_instruments, want_levels) in expected.items():
        assert instruments[key][0] == text
        assert instruments[key][1] == set(want_instruments.split()), key
        want = set() if want_levels == "-" else set(want_levels.split())
        assert levels[key][1] == want, key


def test_seed_outcome_clauses_coded_as_read_by_hand(seed_coded):
    expected = _expected(OUTCOMES)
    assert len(expected) == 55
    outcomes = _codes_by_clause(seed_coded, "outcome", "outcomes")
    assert set(outcomes) == set(expected)
    for key, (text, want) in expected.items():
        assert outcomes[key] == (text, set(want.split())), key


def test_every_seed_clause_gets_a_code_and_nothing_is_dropped(seed, seed_coded):
    assert uncoded(seed_coded, codebook="instruments").empty
    assert uncoded(seed_coded, codebook="outcomes").empty
    # measures naming no level or actor are listed, not dropped
    no_level = uncoded(seed_coded, codebook="levels")
    assert (no_level["field"] == "measure").sum() == 24
    units = coding_units(explode_clauses(seed.rows), seed.items)
    assert set(seed_coded["unit_id"]) == set(units["unit_id"])
    assert len(units) == 46 + 55 + 30
    # outcome clauses are not coded with instruments or levels, measures not with outcomes
    pairs = set(zip(seed_coded["field"], seed_coded["codebook"], strict=True))
    assert pairs == {
        ("measure", "instruments"),
        ("measure", "levels"),
        ("outcome", "outcomes"),
        ("item", "instruments"),
        ("item", "outcomes"),
        ("item", "levels"),
    }


def test_coded_frame_contract(seed_coded):
    assert list(seed_coded.columns[:10]) == list(FRAME_COLUMNS["coded"])
    for col in ("text", "section_no", "item_no", "unit_id", "section_title", "direction"):
        assert col in seed_coded.columns
    first = seed_coded.iloc[0]
    assert (first["table_id"], first["row_no"], first["field"], first["clause_no"]) == (
        "5.1.1",
        1,
        "measure",
        1,
    )
    assert (first["codebook"], first["code"]) == ("instruments", "environment.guidance")
    assert (first["label_zh"], first["label_en"]) == ("理念倡导与引导", "Exhortation and guidance")
    assert first["evidence"] == "树立；一盘棋；思想"
    assert str(seed_coded["row_no"].dtype) == "Int64"
    assert str(seed_coded["clause_no"].dtype) == "Int64"


def test_seed_items_are_coded(seed_coded):
    items = seed_coded[seed_coded["field"] == "item"]
    assert items["unit_id"].nunique() == 30
    assert items["table_id"].isna().all() and items["row_no"].isna().all()
    first = items[(items["section_no"] == "5.4") & (items["item_no"] == 1)]
    assert first["text"].iloc[0].startswith("打破户籍、社保、教育、医疗壁垒：逐步消除")
    market = first[first["code"] == "demand.market"]
    # 流动 lies inside 自由流动 (same code) and is not repeated; 异地就医结算 is market by 异地
    # and services by 就医; 一卡通 (a card giving access to services in every city) is public
    # services since codebook 2.0
    assert market["evidence"].tolist() == ["户籍；壁垒；异地；落户；便利化；自由流动"]
    services = first[first["code"] == "supply.public_services"]
    assert "一卡通" in services["evidence"].iloc[0].split("；")


def test_evidence_longest_match_and_exclusions():
    units = coding_units(
        pd.DataFrame(
            {
                "doc_id": "d",
                "table_id": "1.1",
                "row_no": [1, 2, 3, 4],
                "field": "measure",
                "clause_no": 1,
                "text": [
                    "转向规划者、服务者、监管者",
                    "打破数据壁垒",
                    "建立跨区域生态环保机制",
                    "推行ＰＰＰ模式",
                ],
            }
        )
    )
    coded = code_units(units, "instruments")
    got = coded.set_index("row_no")[["code", "evidence"]]
    # 监管 inside the role 监管者 yields to it: no supervision code
    assert got.loc[1].values.tolist() == ["supply.organisation", "规划者；服务者；监管者"]
    # 数据壁垒 is an exclusion of the market code: only the data code remains
    assert got.loc[2].values.tolist() == ["supply.information", "数据"]
    # a regex hit is its own evidence
    assert got.loc[3].values.tolist() == ["environment.coordination", "跨区域生态环保机制"]
    # full-width letters match in NFKC, case-folded form
    assert got.loc[4].values.tolist() == ["demand.procurement", "ppp"]

    both = code_units(units, "instruments", longest_match=False)
    row1 = both[both["row_no"] == 1]
    # without longest match the bare 规划 inside 规划者 and 监管 inside 监管者 count too
    assert row1["code"].tolist() == [
        "supply.organisation", "environment.planning", "environment.oversight"
    ]
    assert row1["evidence"].tolist() == ["规划者；服务者；监管者", "规划", "监管"]


def test_user_codebook_exclusion_counts_other_occurrences():
    units = coding_units(
        pd.DataFrame(
            {
                "doc_id": "d",
                "table_id": "1",
                "row_no": [1, 2, 3],
                "field": ["outcome", "outcome", "measure"],
                "clause_no": 1,
                "text": ["打破数据壁垒", "打破数据壁垒,共享数据", "建设人才平台"],
            }
        )
    )
    coded = code_units(units, TOY)
    assert coded["codebook"].unique().tolist() == ["toy"]
    got = coded.groupby("row_no")["code"].agg(lambda s: [None if pd.isna(v) else v for v in s])
    assert got[1] == [None]  # only occurrence is inside the exclusion: listed as uncoded
    assert got[2] == ["T.data"]
    # a regex span (建设人才平台) does not swallow the keyword 人才 of another code
    assert got[3] == ["T.platform", "P"]
    assert coded.loc[coded["code"] == "T.platform", "evidence"].tolist() == ["建设人才平台"]


def test_unit_of_a_field_no_codebook_covers_is_kept():
    units = coding_units(
        pd.DataFrame(
            {
                "doc_id": "d",
                "table_id": "1",
                "row_no": [1],
                "field": "direction",
                "clause_no": 1,
                "text": ["清单管理"],
            }
        )
    )
    coded = code_units(units)
    assert len(coded) == 1
    assert coded["codebook"].isna().all() and coded["code"].isna().all()
    assert len(uncoded(coded)) == 1


def test_code_units_accepts_clauses_and_items_directly(seed):
    clauses = explode_clauses(seed.rows)
    before = clauses.copy()
    direct = code_units(clauses, "outcomes")
    pd.testing.assert_frame_equal(clauses, before)
    via_units = code_units(coding_units(clauses), "outcomes")
    pd.testing.assert_frame_equal(direct, via_units)
    items = code_units(seed.items, "levels")
    assert set(items["field"]) == {"item"}
    with pytest.raises(ValueError, match="explode_clauses"):
        code_units(seed.rows)
    with pytest.raises(ValueError, match="several codebooks are named instruments"):
        code_units(clauses, ["instruments", "instruments"])


def test_fields_option(seed):
    coded = code_units(explode_clauses(seed.rows), fields=["outcome"])
    assert set(coded["field"]) == {"outcome"}
    assert len(coded.drop_duplicates("unit_id")) == 55


def test_coding_units_layout(seed):
    units = coding_units(explode_clauses(seed.rows), seed.items)
    assert list(units.columns[:9]) == [
        "doc_id",
        "table_id",
        "row_no",
        "field",
        "clause_no",
        "text",
        "section_no",
        "item_no",
        "unit_id",
    ]
    assert units["unit_id"].is_unique
    doc = seed.doc_id
    assert units["unit_id"].iloc[0] == f"{doc}:5.1.1:1:measure:1"
    assert units["unit_id"].iloc[-1] == f"{doc}:5.6:item:5"
    with pytest.raises(ValueError, match="pass clauses, items or both"):
        coding_units()


def test_rollup_merges_codes_under_one_ancestor(seed_coded):
    top = rollup(seed_coded, depth=1)
    clause = top[
        (top["table_id"] == "5.3.1")
        & (top["row_no"] == 5)
        & (top["field"] == "measure")
        & (top["codebook"] == "instruments")
    ]
    # planning + coordination are both environmental instruments: one row, evidence merged
    assert clause[["code", "label_zh", "evidence"]].values.tolist() == [
        ["environment", "环境型工具", "国土空间；空间规划；协调机制"]
    ]
    mixed = top[
        (top["table_id"] == "5.4.1")
        & (top["row_no"] == 1)
        & (top["clause_no"] == 1)
        & (top["codebook"] == "instruments")
    ]
    assert mixed["code"].tolist() == ["supply", "demand"]
    assert len(seed_coded) > len(top)
    assert top["code"].isna().sum() == seed_coded["code"].isna().sum()


def test_unit_codes_and_seed_coding_doc_agree(seed_coded):
    """docs/seed_coding.md shows exactly what the defaults assign to each seed clause."""
    table = unit_codes(seed_coded[seed_coded["field"] != "item"])
    assert len(table) == 101
    # codebooks in order of first appearance: a measure clause comes first
    assert list(table.columns[-3:]) == ["instruments", "levels", "outcomes"]
    doc = (ROOT / "docs" / "seed_coding.md").read_text(encoding="utf-8")
    shown = {}
    for line in doc.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and re.fullmatch(r"5\.\d\.\d", cells[0]):
            table_id, row_no, field, clause_no, text, codes, levels = cells
            ids = re.findall(r"`([a-z_.]+)`", codes)
            key = (
                table_id,
                int(row_no),
                "measure" if field == "建议" else "outcome",
                int(clause_no),
            )
            shown[key] = (text, ids, re.findall(r"`([a-z_.]+)`", levels))
    assert len(shown) == 101
    for row in table.itertuples(index=False):
        key = (row.table_id, row.row_no, row.field, row.clause_no)
        codes = row.instruments if row.field == "measure" else row.outcomes
        want = (
            row.text,
            codes.split("；") if codes else [],
            row.levels.split("；") if row.levels else [],
        )
        assert shown[key] == want, key


def test_codebook_from_dict_codes_items():
    book = Codebook.from_dict(
        {
            "name": "mini",
            "zh": "小",
            "en": "Mini",
            "fields": ["item"],
            "codes": [{"id": "t", "zh": "人才", "en": "Talent", "keywords": ["人才"]}],
        }
    )
    items = pd.DataFrame(
        {
            "doc_id": ["d", "d"],
            "section_no": ["1", "1"],
            "item_no": [1, 2],
            "title": ["培养人才", "别的"],
            "body": ["培训干部。", None],
        }
    )
    coded = code_units(items, [book, load_codebook("levels")])
    assert coded[["item_no", "codebook", "code", "text"]].astype(object).where(
        coded[["item_no", "codebook", "code", "text"]].notna(), None
    ).values.tolist() == [
        [1, "mini", "t", "培养人才：培训干部。"],
        [1, "levels", None, "培养人才：培训干部。"],
        [2, "mini", None, "别的"],
        [2, "levels", None, "别的"],
    ]


def test_coding_units_and_code_units_do_not_mutate(seed):
    clauses, items = explode_clauses(seed.rows), seed.items.copy(deep=True)
    before = clauses.copy(deep=True), items.copy(deep=True)
    units = coding_units(clauses, items)
    units_before = units.copy(deep=True)
    coded = code_units(units)
    coded_before = coded.copy(deep=True)
    rollup(coded, depth=1)
    unit_codes(coded)
    pd.testing.assert_frame_equal(clauses, before[0])
    pd.testing.assert_frame_equal(items, before[1])
    pd.testing.assert_frame_equal(units, units_before)
    pd.testing.assert_frame_equal(coded, coded_before)
