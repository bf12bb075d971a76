"""Fixed-width text (``pdftotext -layout``, text copied from a PDF viewer): wrapped cells.

``fixtures/parse/seed_layout.txt`` is the bundled chapter set as a PDF with ruled tables
(``tests/_make_sources.make_seed_pdf``) and extracted with ``pdftotext -layout``: its cells
wrap at their columns' positions, rows are vertically centred (a wrapped cell starts on the
line above its row's first cell), one closing quote sits alone on a line, a table's caption and
header fall on two pages, and one row has a single space between two columns.
"""

from __future__ import annotations

import pytest

import cqanalysis as cq
from cqanalysis.parse.accounting import line_owners
from cqanalysis.parse.layout import Layout, group_rows, layout_from_header

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
