"""Fixed-width text (``pdftotext -layout``, text copied from a PDF viewer): wrapped cells.

``fixtures/parse/seed_layout.txt`` is the bundled chapter set as a PDF with ruled tables
(``tests/_make_sources.make_seed_pdf``) and extracted with ``pdftotext -layout``: its cells
wrap at their columns' positions, rows are vertically centred (a wrapped cell starts on the
line above its row's first cell), one closing quote sits alone on a line, a table's caption and
header fall on two pages, and one row has a single space between two columns.
"""

from __future__ import annotations

import re

import pytest

import cqanalysis as cq
from cqanalysis.parse import ParseWarning
from cqanalysis.parse.accounting import line_owners
from cqanalysis.parse.layout import Layout, group_rows, layout_from_header, wrap_fits

from .conftest import FIXTURES

LAYOUT = FIXTURES / "parse" / "seed_layout.txt"


@pytest.fixture(scope="module")
def layout_doc() -> cq.Document:
    return cq.parse(LAYOUT)


def test_layout_text_gives_the_seed_rows_word_for_word(seed, layout_doc):
    assert layout_doc.tables["n_rows"].tolist() == [4, 5, 5, 5, 5, 5]
    cols = ["table_id", "direction", "measure", "outcome"]
    expected = seed.rows[cols].reset_index(drop=True)
    assert layout_doc.rows[cols].reset_index(drop=True).equals(expected)


def test_layout_text_wrapped_cells_read_by_hand(layout_doc):
    rows = layout_doc.rows.set_index("direction")
    # line 15 holds the first half of the measure, line 17 only its closing quote
    assert rows.loc["区域观念强化", "measure"] == "树立“一盘棋”思想,摒弃“行政区经济”"
    assert rows.loc["区域观念强化", ["line", "line_end"]].tolist() == [15, 17]
    assert rows.loc["清单管理", "measure"] == "推行权力、责任、负面清单,明确权责边界"
    assert rows.loc["利益共享机制", "measure"] == "创新财政分成、税收共享、生态补偿机制"
    assert rows.loc["利益共享机制", "outcome"] == "激励各方合作,平衡发展利益"


def test_layout_text_items_sections_and_every_line_owned_once(seed, layout_doc):
    assert len(layout_doc.sections) == 7
    assert layout_doc.items["title"].tolist() == seed.items["title"].tolist()
    owners = line_owners(layout_doc)
    assert not owners.duplicated(["doc_id", "line"]).any()
    text = LAYOUT.read_text(encoding="utf-8").replace("\f", "")
    lines = {n for n, raw in enumerate(text.split("\n"), start=1) if raw.strip()}
    assert set(owners["line"]) == lines


def test_running_titles_seen_once_each_do_not_change_the_seed_rows(seed):
    # each page's title made different, so the lexer cannot see a running header repeat.
    # Table 5.6.1 fills the foot of page 4 and such a title opens page 5: the title must
    # neither join its last row nor shift its columns, and the rows stay word for word
    suffixes = iter("甲乙丙丁戊己")
    text = re.sub(r"(?m)^(\f? +)(城市群跨区域行政体制协同研究)$",
                  lambda m: m.group(1) + m.group(2) + next(suffixes), LAYOUT.read_text("utf-8"))
    assert next(suffixes) == "己"  # five titles were renamed
    with pytest.warns(ParseWarning):  # 表5.2.1 ends page 1: its header is read after a title
        doc = cq.parse_text(text, doc_id="titles")
    cols = ["direction", "measure", "outcome"]
    assert doc.rows[cols].reset_index(drop=True).equals(seed.rows[cols].reset_index(drop=True))
    titles = doc.paragraphs[doc.paragraphs["text"].str.startswith("城市群跨区域")]
    assert titles["line"].tolist() == [1, 48, 98, 147, 198]


def test_single_spaced_tables_are_not_read_by_position(seed):
    # the bundled .txt separates cells by one space: no column positions, no layout
    assert seed.tables["n_rows"].tolist() == [4, 5, 5, 5, 5, 5]


def test_metric_is_the_one_the_wrapped_lines_agree_with():
    header = "方向      措施"
    # 措施 starts at display column 10, character 8: a continuation under it tells which
    assert layout_from_header(header, ["          续写"]).metric == "display"
    assert layout_from_header(header, ["        续写"]).metric == "chars"
    assert layout_from_header(header, ["领域  措施一"]) is None  # nothing wraps


def test_centred_rows_split_the_lines_between_two_rows_by_symmetry():
    lines = [(1, None, {1: "上"}), (2, None, {0: "甲", 2: "果"}), (3, None, {1: "下"}),
             (4, None, {1: "乙上"}), (5, None, {0: "乙", 2: "乙果"}), (6, None, {1: "乙下"})]
    rows = group_rows(lines, 3)
    assert [(cells, a, b) for cells, a, b, _ in rows] == [
        (["甲", "上下", "果"], 1, 3), (["乙", "乙上乙下", "乙果"], 4, 6)]


def test_a_run_crossing_a_column_is_cut_at_its_nearest_single_space():
    layout = Layout("chars", (0, 6, 14), (2, 8, 16))
    assert layout.columns("甲     一二三四五六七 八九") == {0: "甲", 1: "一二三四五六七", 2: "八九"}
    assert layout.columns("一段很长的正文一直写到第三栏也没有空格") is None


def test_a_row_split_by_a_page_break_owns_its_lines_but_not_the_blank_ones_between():
    # pdftotext -layout: row 甲 wraps, the page ends (a blank line, the page number) and its
    # measure goes on after the form feed; row 乙's outcome goes on after a line holding
    # only a form feed.  Lines 5, 9 and 11 are blank.
    text = ("表1 分页测试\n"
            "方向      措施          成效\n"
            "甲方向    第一条措施    第一项成效\n"
            "          的后半段\n"
            "\n"
            "               - 1 -\n"
            "\f          续写到下一页\n"
            "乙方向    第二条措施    第二项成效\n"
            "\f\n"
            "                        在第三页续完\n"
            "\n"
            "表后正文。\n")
    doc = cq.parse_text(text, doc_id="pb")
    rows = doc.rows[["direction", "measure", "outcome", "line", "line_end", "page"]]
    assert rows.values.tolist() == [
        ["甲方向", "第一条措施的后半段续写到下一页", "第一项成效", 3, 7, 1],
        ["乙方向", "第二条措施", "第二项成效在第三页续完", 8, 10, 2]]
    assert doc.block_lines == (1, 2, 3, 4, 6, 7, 8, 10, 12)
    owners = line_owners(doc)[["line", "frame"]].values.tolist()
    assert owners == [[1, "tables"], [2, "tables"], [3, "rows"], [4, "rows"], [6, "residue"],
                      [7, "rows"], [8, "rows"], [10, "rows"], [12, "paragraphs"]]


# -- a page break inside a table: what may go on with the open row ---------------------------

def _owned_once(doc: cq.Document, text: str) -> bool:
    owners = line_owners(doc)
    lines = {n for n, raw in enumerate(text.split("\n"), start=1) if raw.replace("\f", "").strip()}
    return not owners.duplicated(["doc_id", "line"]).any() and set(owners["line"]) == lines


def test_a_title_opening_the_last_page_is_not_glued_to_the_open_row():
    # the header's words start at characters 0, 9 and 32; the one-off title after the form
    # feed starts at character 19, under no column, and nothing of the table follows it
    text = ("优化方向     具体建议                   预期成效\n"
            "完善方向     具体建议                  预期成效\n"
            "\f\n"
            "                   城市群跨区域行政体制协同研究")
    doc = cq.parse_text(text, doc_id="title")
    rows = doc.rows[["direction", "measure", "outcome", "line", "line_end"]]
    assert rows.values.tolist() == [["完善方向", "具体建议", "预期成效", 2, 2]]
    assert doc.paragraphs[["line", "text"]].values.tolist() == [[4, "城市群跨区域行政体制协同研究"]]
    assert _owned_once(doc, text)


def test_a_page_title_inside_a_wrapped_table_goes_to_residue_and_the_row_goes_on():
    # columns at display 0, 10 and 24.  Page 2 opens with a title seen only once (at 7,
    # under no column), a blank line, then the rest of row 乙's measure under 措施 and row 丙
    text = ("表1 分页测试\n"
            "方向      措施          成效\n"
            "甲方向    第一条措施    第一项成效\n"
            "          的后半段\n"
            "乙方向    第二条措施    第二项成效\n"
            "          写到页底\n"
            "\f       一份报告的页眉\n"
            "\n"
            "          续写到下一页\n"
            "丙方向    第三条措施    第三项成效\n"
            "\n"
            "表后正文。\n")
    doc = cq.parse_text(text, doc_id="pt")
    rows = doc.rows[["direction", "measure", "outcome", "line", "line_end", "page"]]
    assert rows.values.tolist() == [
        ["甲方向", "第一条措施的后半段", "第一项成效", 3, 4, 1],
        ["乙方向", "第二条措施写到页底续写到下一页", "第二项成效", 5, 9, 1],
        ["丙方向", "第三条措施", "第三项成效", 10, 10, 2]]
    assert doc.residue[["line", "text", "reason"]].values.tolist() == [
        [7, "一份报告的页眉", "running_header"]]
    assert doc.paragraphs["text"].tolist() == ["表后正文。"]
    assert _owned_once(doc, text)


def test_a_page_title_followed_by_prose_ends_the_table_and_stays_text():
    # the same title, but page 2 goes on with a sentence: the table ended at the page foot
    text = ("表1 分页测试\n"
            "方向      措施          成效\n"
            "甲方向    第一条措施    第一项成效\n"
            "          的后半段\n"
            "\f       一份报告的页眉\n"
            "\n"
            "表格之后的正文在新的一页接着写下去，这是一整句话。\n")
    doc = cq.parse_text(text, doc_id="pp")
    assert doc.rows[["measure", "outcome", "line_end"]].values.tolist() == [
        ["第一条措施的后半段", "第一项成效", 4]]
    assert doc.paragraphs["text"].tolist() == [
        "一份报告的页眉", "表格之后的正文在新的一页接着写下去，这是一整句话。"]
    assert doc.residue.empty
    assert _owned_once(doc, text)


def test_a_title_between_two_rows_read_by_cells_goes_to_residue():
    # single spaces between cells; the indented title after the form feed is no part of
    # row 完善方向, and a whole row follows it on the new page
    text = ("优化方向 具体建议 预期成效\n完善方向 具体建议 预期成效\n"
            "\f                   城市群协同研究\n加强方向 落实建议 提升成效\n")
    doc = cq.parse_text(text, doc_id="c")
    assert doc.rows[["direction", "measure", "outcome", "page"]].values.tolist() == [
        ["完善方向", "具体建议", "预期成效", 1], ["加强方向", "落实建议", "提升成效", 2]]
    assert doc.residue[["line", "text", "reason"]].values.tolist() == [
        [3, "城市群协同研究", "running_header"]]
    assert _owned_once(doc, text)


def test_a_table_read_by_cells_joins_an_unindented_line_after_a_break_but_not_a_title():
    # single spaces between cells: no positions.  Text at the start of the line after the
    # form feed goes on with the last cell; a line pushed right by 19 spaces does not
    wrapped = "优化方向 具体建议 预期成效\n完善方向 具体建议 成效前半\n\f后半段\n"
    doc = cq.parse_text(wrapped, doc_id="w")
    assert doc.rows[["outcome", "line", "line_end"]].values.tolist() == [["成效前半后半段", 2, 3]]
    titled = ("优化方向 具体建议 预期成效\n完善方向 具体建议 预期成效\n"
              "\f                   城市群协同研究\n")
    doc = cq.parse_text(titled, doc_id="t")
    assert doc.rows[["outcome", "line_end"]].values.tolist() == [["预期成效", 2]]
    assert doc.paragraphs[["line", "text"]].values.tolist() == [[3, "城市群协同研究"]]
    assert _owned_once(doc, titled)


def test_a_line_after_a_page_break_does_not_move_a_column_edge():
    header = "方向      措施          成效"  # display columns 0, 10, 24
    body = ["甲方向    第一条措施    第一项成效", "          的后半段", "                 页眉标题"]
    # counted, the title at display 17 would pull column 成效's left edge from 24 to 17
    assert layout_from_header(header, body).starts == (0, 10, 17)
    assert layout_from_header(header, body, page_tops=frozenset({2})).starts == (0, 10, 24)


def test_under_column_wants_a_lone_run_within_a_character_of_a_column():
    layout = Layout("chars", (0, 9, 32), (4, 13, 36))
    assert layout.under_column("         续写")
    assert layout.under_column("          续写")  # one character right of 9
    assert not layout.under_column("           续写")  # two
    assert not layout.under_column("                   城市群跨区域行政体制协同研究")
    assert layout.under_column("甲方向   乙")  # cells side by side
    # at 9, but 14 characters under a header 4 wide with no wrapped line yet
    assert not layout.under_column("         城市群跨区域行政体制协同研究")


def test_a_wrapped_line_is_no_wider_than_the_line_it_continues_allows():
    # CJK wraps at any character: the rest fills at most the earlier line plus one
    assert wrap_fits(["数据共享"], "平台", "display")
    assert not wrap_fits(["数据共享"], "城市群跨区域行政体制协同研究", "display")
    # a Latin line broke before "sharing" (7), so the column is under 12 + 1 + 7 wide
    assert wrap_fits(["improve data"], "sharing rules", "chars")
    assert not wrap_fits(["improve data"], "sharing rules across all", "chars")
    assert wrap_fits([], "成效好", "display", floor=4)  # a header 4 wide: 4 + 1 + 2
    assert not wrap_fits([], "成效很好", "display", floor=4)
