"""The parser's rules kept as data: token kinds, the caption rule, the metadata rule."""

from __future__ import annotations

import pytest

import cqanalysis as cq
from cqanalysis.core.blocks import Block
from cqanalysis.core.errors import CqError
from cqanalysis.parse.lexer import CAPTION, ITEM, PARAGRAPH, TokenKind, lex
from cqanalysis.parse.options import DEFAULT_OPTIONS, CaptionRule, ParseOptions


def _tokens(*lines: str, options: ParseOptions = DEFAULT_OPTIONS):
    return lex([Block(t, n) for n, t in enumerate(lines, start=1)], options)


def test_token_kinds_are_an_enum_whose_values_are_residue_reasons():
    tokens = _tokens("浏览", "44", "加强统筹：建立联席会议制度。")
    assert [t.kind for t in tokens] == [TokenKind.VIEWER, TokenKind.PAGE_NUMBER, TokenKind.ITEM]
    doc = cq.parse_text("浏览\n正文一句。\n")
    assert doc.residue["reason"].tolist() == ["viewer_artifact"]
    assert type(doc.residue["reason"].iloc[0]) is str


@pytest.mark.parametrize(("line", "table_id", "title", "continued"), [
    ("表5.1.1 政府职能转变对策建议", "5.1.1", "政府职能转变对策建议", False),
    ("表 3－2：交通一体化措施", "3-2", "交通一体化措施", False),
    ("续表3-2", "3-2", "", True),
    ("表4.1 城市名单（续）", "4.1", "城市名单", True),
    ("Table 2.1: Policy measures", "2.1", "Policy measures", False),
    ("table 7 Measures (Continued)", "7", "Measures", True),
    ("续表 城市名单", "", "城市名单", True),
])
def test_default_caption_rule(line, table_id, title, continued):
    (token,) = _tokens(line)
    assert (token.kind, token.table_id, token.title, token.continued) == \
        (CAPTION, table_id, title, continued)


@pytest.mark.parametrize("line", [
    "表5显示，各市的合作机制仍不健全。",  # a sentence about a table
    "Tablespoon 3 of sugar",
    "表" + "很长的标题" * 20 + "1",
])
def test_lines_that_are_no_captions(line):
    assert _tokens(line)[0].kind != CAPTION


def test_the_gate_is_derived_from_the_caption_words():
    assert DEFAULT_OPTIONS.caption.first_chars == frozenset("表续Tt")
    rule = CaptionRule(words=("图表", "附表"), continued_prefixes=())
    assert rule.first_chars == frozenset("图附")
    options = DEFAULT_OPTIONS.with_(caption=rule)
    (token,) = _tokens("附表2 重点任务分工", options=options)
    assert (token.kind, token.table_id, token.title) == (CAPTION, "2", "重点任务分工")
    # 表 is no caption word any more: the line is a short unnumbered paragraph
    assert _tokens("表2 重点任务分工", options=options)[0].kind == PARAGRAPH


def test_max_chars_is_part_of_the_rule():
    line = "表1 " + "城" * 30
    assert _tokens(line)[0].kind == CAPTION
    short = DEFAULT_OPTIONS.with_(caption=CaptionRule(max_chars=20))
    assert _tokens(line, options=short)[0].kind != CAPTION


def test_caption_rule_from_yaml(tmp_path):
    path = tmp_path / "options.yaml"
    path.write_text("caption:\n  words: [附表]\n  max_chars: 30\n", encoding="utf-8")
    options = ParseOptions.from_yaml(path)
    assert options.caption.words == ("附表",) and options.caption.max_chars == 30
    assert options.caption.continued_prefixes == ("续",)
    path.write_text("caption:\n  wordz: [附表]\n", encoding="utf-8")
    with pytest.raises(CqError, match="unknown caption option 'wordz'"):
        ParseOptions.from_yaml(path)


def test_inferred_section_uses_the_rule_numbers():
    doc = cq.parse_text("表2.3.1 乡村学校建设对策\n方向 措施 预期效果\n师资 定向培养 稳定队伍\n")
    assert doc.sections["section_no"].tolist() == ["2.3"]
    assert bool(doc.sections["inferred"].iloc[0])


@pytest.mark.parametrize(("line", "kind"), [
    ("**报告日期**: 2024-03-08", PARAGRAPH),
    ("📦 包名称: acne-web", PARAGRAPH),
    ("收益: 策略胜率+10%", PARAGRAPH),
    ("问题总数: 8,323", PARAGRAPH),
    ("**总计**: 12项，已完成9项", PARAGRAPH),
    ("加强食品抽检: 每月一次", ITEM),  # an action title: an item even with a short value
    ("成立领导小组: 由分管领导牵头", ITEM),
    ("供餐覆盖: 在老旧小区增设助餐点，优先服务独居老人。", ITEM),  # a sentence
])
def test_key_value_metadata_is_no_item(line, kind):
    blocks = [Block(line, 1)]
    assert lex(blocks, DEFAULT_OPTIONS, markdown=True)[0].kind == kind
