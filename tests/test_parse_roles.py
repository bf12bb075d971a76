"""Column roles, table kinds and total rows: every role word of ParseOptions in a header where
it decides the role and in one where it does not."""

from __future__ import annotations

import pytest

import cqanalysis as cq
from cqanalysis.parse.assemble import table_kind
from cqanalysis.parse.lexer import column_role
from cqanalysis.parse.options import DEFAULT_OPTIONS

# (keyword, a header where it gives its role, a header where it does not, that header's role)
CASES = {
    "direction": [
        ("方向", "优化方向", "方向性措施", "measure"),
        ("维度", "评价维度", "维度得分", None),
        ("领域", "重点领域", "领域目标", "outcome"),
        ("层面", "治理层面", "层面对策", "measure"),
        ("类别", "政策类别", "类别权重", None),
        ("类型", "风险类型", "类型数量", None),
        ("主题", "改革主题", "主题活动方案", "measure"),
        ("板块", "功能板块", "板块得分", None),
        ("重点", "工作重点", "重点任务", "measure"),
        ("方面", "改进方面", "方面评分", None),
        ("环节", "关键环节", "环节时限", "deadline"),
        ("direction", "Policy direction", "Direction score", None),
        ("dimension", "Dimension", "Dimension weight", None),
        ("domain", "Domain", "Domain-level target", "outcome"),
        ("area", "Priority area", "Area (file)", None),
        ("field", "Field", "Field weight", None),
        ("category", "Category", "Category score", None),
        ("theme", "Theme", "Theme strategy", "measure"),
        ("aspect", "Aspect", "Aspect weight", None),
    ],
    "measure": [
        ("建议", "具体建议", "建议目标", "outcome"),
        ("措施", "保障措施", "措施效果", "outcome"),
        ("对策", "对策", "对策数量", None),
        # a count of recommendations is no recommendation (建议数, 任务数)

        ("举措", "主要举措", "举措成效", "outcome"),
        ("路径", "实施路径", "文件路径", None),
        ("做法", "创新做法", "做法评分", None),
        ("策略", "应对策略", "策略效果", "outcome"),
        ("行动", "行动计划", "行动时间表", "deadline"),
        ("方案", "解决方案", "方案完成时间", "deadline"),
        ("任务", "重点任务", "任务牵头单位", "responsible"),
        ("measure", "Measures", "Measure score", None),
        ("recommendation", "Recommendations", "Recommendation weight", None),
        ("action", "Action", "Action deadline", "deadline"),
        ("policy", "Policy", "Policy area", "direction"),
        ("instrument", "Instrument", "Instrument category", "direction"),
        ("strategy", "Strategy", "Strategy outcome", "outcome"),
        ("suggestion", "Suggestions", "Suggestion score", None),
        ("proposal", "Proposal", "Proposal timeline", "deadline"),
        ("solution", "Solution", "Solution score", None),
        ("task", "Key tasks", "Task owner", "responsible"),
    ],
    "outcome": [
        ("成效", "预期成效", "成效评分", None),
        ("效果", "预期效果", "效果等级", None),
        ("目标", "发展目标", "目标完成率", None),
        ("预期", "预期", "预期完成时间", "deadline"),
        ("效益", "社会效益", "效益比例", None),
        ("成果", "预期成果", "成果数量", None),
        ("收益", "预期收益", "收益率", None),
        ("影响", "预期影响", "影响程度", None),
        ("outcome", "Expected outcomes", "Outcome score", None),
        ("effect", "Effect", "Effect rate", None),
        ("result", "Results", "Result score", None),
        ("impact", "Impact", "Impact severity", None),
        ("goal", "Goal", "Goal weight", None),
        ("target", "Target", "Target rate", None),
        ("objective", "Objective", "Objective score", None),
        ("benefit", "Benefits", "Benefit rate", None),
        ("expected", "Expected", "Expected probability", None),
    ],
    "problem": [
        ("问题", "存在问题", "问题整改措施", "measure"),
        ("短板", "主要短板", "短板补齐举措", "measure"),
        ("痛点", "群众痛点", "痛点解决方案", "measure"),
        ("难点", "改革难点", "难点突破路径", "measure"),
        ("不足", "存在不足", "不足之处改进建议", "measure"),
        ("困境", "现实困境", "困境破解对策", "measure"),
        ("挑战", "面临挑战", "挑战应对策略", "measure"),
        ("症结", "问题症结", "症结化解措施", "measure"),
        ("problem", "Problem", "Problem severity", None),
        ("issue", "Issues", "Issue likelihood", None),
        ("challenge", "Challenges", "Challenge response strategy", "measure"),
        ("weakness", "Weakness", "Weakness score", None),
    ],
    "responsible": [
        ("责任单位", "责任单位", "责任单位数量", None),
        ("牵头单位", "牵头单位", "牵头单位数量", None),
        ("配合单位", "配合单位", "配合单位数量", None),
        ("实施单位", "实施单位", "实施单位完成时间", "deadline"),
        ("责任部门", "责任部门", "责任部门数量", None),
        ("牵头部门", "牵头部门", "牵头部门数量", None),
        ("配合部门", "配合部门", "配合部门数量", None),
        ("主管部门", "主管部门", "主管部门数量", None),
        ("负责部门", "负责部门", "负责部门数量", None),
        ("责任主体", "责任主体", "责任主体数量", None),
        ("实施主体", "实施主体", "实施主体数量", None),
        ("责任人", "责任人", "责任人数量", None),
        ("负责人", "负责人", "负责人数量", None),
        ("responsible", "Responsible", "Responsible (score)", None),
        ("lead agency", "Lead agency", "Lead agency score", None),
        ("agency", "Agency", "Agency weight", None),
        ("owner", "Owner", "Owner score", None),
    ],
    "deadline": [
        ("时限", "完成时限", "时限达标率", None),
        ("期限", "实施期限", "期限届满后措施", "measure"),
        ("完成时间", "计划完成时间", "完成时间偏差率", None),
        ("时间节点", "关键时间节点", "时间节点任务", "measure"),
        ("时间安排", "时间安排", "时间安排完成率", None),
        ("进度安排", "进度安排", "进度安排完成率", None),
        ("时间表", "时间表", "时间表完成率", None),
        ("deadline", "Deadline", "Deadline score", None),
        ("timeline", "Timeline", "Timeline weight", None),
        ("timeframe", "Timeframe", "Timeframe score", None),
        ("schedule", "Schedule", "Schedule rate", None),
        ("due", "Due", "Due score", None),
    ],
    "index": [
        ("序号", "序号", "序号对应措施", "measure"),
        ("编号", "编号", "编号规则说明方案", "measure"),
        ("no.", "No.", "Note", None),
        ("no", "No", "Now", None),
        ("#", "#", "# of tasks", "measure"),
        ("number", "Number", "Number of measures", "measure"),
        ("id", "ID", "Idea", None),
    ],
}


def test_every_role_word_is_tested():
    listed = {role: {word for word, *_ in cases} for role, cases in CASES.items()}
    shipped = {role: set(words) for role, words in DEFAULT_OPTIONS.role_keywords.items()
               if role != "none"}
    assert listed == shipped


@pytest.mark.parametrize(("role", "word", "as_role", "not_role", "other"),
                         [(role, *case) for role, cases in CASES.items() for case in cases])
def test_role_word_in_a_header_where_it_decides_and_one_where_it_does_not(
        role, word, as_role, not_role, other):
    assert column_role(as_role, DEFAULT_OPTIONS) == role
    assert column_role(not_role, DEFAULT_OPTIONS) == other


def test_every_neutral_head_cancels_a_role():
    for word in DEFAULT_OPTIONS.role_keywords["none"]:
        assert column_role(f"措施{word}", DEFAULT_OPTIONS) is None, word


@pytest.mark.parametrize(("roles", "kind"), [
    (["direction", "measure", "outcome"], "recommendation"),
    (["measure", "outcome"], "recommendation"),
    (["direction", "measure"], "recommendation"),
    (["problem", "measure"], "recommendation"),
    (["index", "direction", "measure", "responsible", "deadline"], "recommendation"),
    (["measure"], "other"),
    (["measure", "responsible", "deadline"], "other"),
    (["direction", None, None], "other"),
    (["direction", "outcome"], "other"),
    ([None, None], "other"),
])
def test_table_kind_rule(roles, kind):
    assert table_kind(roles, DEFAULT_OPTIONS) == kind


def test_count_columns_make_a_progress_table_other():
    doc = cq.parse_text("表1 进度\n优化方向  建议数  已完成  完成率\n数据治理  5  3  60%")
    assert doc.tables[["roles", "kind"]].values.tolist() == [["direction | - | - | -", "other"]]
    assert doc.rows.empty


def test_rating_column_loses_its_role_and_a_text_column_keeps_it():
    risk = cq.parse_text("表1 风险\n风险 影响 应对措施\n"
                         "资金不足 高 多渠道筹资\n人员流失 较低 完善激励")
    assert risk.tables[["roles", "kind"]].values.tolist() == [["- | - | measure", "other"]]
    assert risk.rows.empty
    assert risk.cells["text"].tolist() == ["资金不足", "高", "多渠道筹资",
                                           "人员流失", "较低", "完善激励"]
    plan = cq.parse_text("表2 计划\n领域 措施 影响\n教育 建设学校 入学率提高")
    assert plan.tables["kind"].tolist() == ["recommendation"]
    assert plan.rows["outcome"].tolist() == ["入学率提高"]


def test_two_task_columns_without_a_direction_make_the_first_the_direction():
    doc = cq.parse_text("表1 分工\n重点任务  具体措施  牵头部门\n稳就业  发放稳岗补贴  人社局")
    assert doc.tables["roles"].tolist() == ["direction | measure | responsible"]
    assert doc.rows[["direction", "measure", "responsible"]].values.tolist() == [
        ["稳就业", "发放稳岗补贴", "人社局"]]


@pytest.mark.parametrize("first", ["合计", "总计", "小计", "共计", "Total", "Subtotal",
                                   "**合计**", "合计:"])
def test_total_rows_are_never_recommendations(first):
    doc = cq.parse_text(f"表1 建议\n方向  建议  成效\n甲  设立基金  增加投入\n{first}  一项  —")
    assert doc.rows["measure"].tolist() == ["设立基金"]
    assert doc.tables["n_rows"].tolist() == [1]
    assert doc.residue[["line", "reason"]].values.tolist() == [[4, "total_row"]]


def test_a_row_that_only_mentions_a_total_is_a_recommendation():
    doc = cq.parse_text("表1 建议\n方向  建议  成效\n合计口径  统一统计口径  数据可比")
    assert doc.rows["direction"].tolist() == ["合计口径"]
    assert doc.residue.empty


def test_other_table_without_any_role_warns_and_keeps_its_cells():
    with pytest.warns(cq.ParseWarning, match="has no header"):
        doc = cq.parse_text("表1 修改清单\n文件  修改内容\nmain.py  增加检查")
    assert doc.tables["kind"].tolist() == ["other"]
    assert doc.cells[["header", "text"]].values.tolist() == [["文件", "main.py"],
                                                            ["修改内容", "增加检查"]]


def test_options_from_yaml(tmp_path):
    path = tmp_path / "opts.yaml"
    path.write_text("max_title_chars: 12\ntotal_words: [合计, 累计]\n"
                    "role_keywords:\n  measure: [办法]\n  direction: [方向]\n", encoding="utf-8")
    options = cq.ParseOptions.from_yaml(path)
    assert options.max_title_chars == 12
    assert options.total_words == ("合计", "累计")
    assert column_role("具体办法", options) == "measure"
    assert column_role("具体措施", options) is None
    assert options == cq.ParseOptions.from_yaml(path)


def test_options_from_yaml_names_an_unknown_key_and_the_file(tmp_path):
    path = tmp_path / "opts.yaml"
    path.write_text("max_title_char: 12\n", encoding="utf-8")
    with pytest.raises(cq.CqError, match=r"opts\.yaml: unknown parse option 'max_title_char'"):
        cq.ParseOptions.from_yaml(path)
