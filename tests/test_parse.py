"""Parser behaviour beyond the fixtures: the seed's counts, options, strictness, bad input."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

import cqanalysis as cq
from cqanalysis.core.blocks import Block
from cqanalysis.core.schema import FRAME_COLUMNS
from cqanalysis.parse import ParseWarning


def test_seed_counts_read_off_the_chapter(seed):
    # 6 tables with 4, 5, 5, 5, 5, 5 rows; 30 items, 4, 5, 5, 6, 5, 5 per section.
    assert seed.tables["n_rows"].tolist() == [4, 5, 5, 5, 5, 5]
    assert len(seed.rows) == 29
    assert seed.items.groupby("section_no").size().tolist() == [4, 5, 5, 6, 5, 5]
    assert seed.paragraphs["kind"].value_counts().to_dict() == {"conclusion": 6, "intro": 5}
    assert seed.residue["text"].tolist() == ["44", "浏览"]
    assert seed.residue["reason"].tolist() == ["page_number", "viewer_artifact"]
    assert seed.residue["partial"].tolist() == [False, True]


def test_seed_first_column_headers_all_map_to_direction(seed):
    first_headers = [h.split(" | ")[0] for h in seed.tables["header"]]
    assert set(first_headers) == {"优化方向", "建设方向", "完善方向"}
    assert set(seed.tables["roles"]) == {"direction | measure | outcome"}


def test_seed_inferred_section_records_its_evidence(seed):
    s51 = seed.sections.iloc[0]
    assert (s51["section_no"], s51["title"], bool(s51["inferred"])) == ("5.1", "政府职能转变", True)
    assert s51["subtitle"] == "从“行政区经济”到“区域协同发展”"
    assert "表5.1.1 (line 6)" in s51["inferred_from"]
    assert "line 88" in s51["inferred_from"]
    assert pd.isna(s51["line"])


def test_seed_viewer_word_is_stripped_from_the_item_title(seed):
    first = seed.items.iloc[0]
    assert first["title"] == "强化区域整体观念"
    assert first["body"].startswith("各级地方政府应牢固树立“一盘棋”思想")
    assert first["line"] == 2


def test_rows_carry_section_titles(seed):
    row = seed.rows.set_index(["table_id", "row_no"]).loc[("5.4.1", 1)]
    assert row["section_title"] == "推动要素自由流动与公共服务共建共享"
    assert row["direction"] == "要素自由流动"
    assert row["line"] == 50


def test_frames_have_contract_columns_and_nullable_ints(seed):
    for name, df in seed.frames().items():
        assert tuple(df.columns[: len(FRAME_COLUMNS[name])]) == FRAME_COLUMNS[name]
        assert (df["doc_id"] == "城市群跨区域行政体制协同_对策建议").all()
    assert str(seed.rows["line"].dtype) == "Int64"
    assert str(seed.sections["line"].dtype) == "Int64"


def test_parse_text_matches_parse(seed, seed_path):
    text = seed_path.read_text(encoding="utf-8")
    doc = cq.parse_text(text, doc_id=seed.doc_id)
    for name, df in seed.frames().items():
        pd.testing.assert_frame_equal(df, doc.frames()[name], check_dtype=True)


def test_parsing_twice_gives_equal_frames(seed_path):
    a, b = cq.parse(seed_path), cq.parse(seed_path)
    for name in a.frames():
        pd.testing.assert_frame_equal(a.frames()[name], b.frames()[name])


def test_english_headers_and_caption():
    text = "\n".join([
        "Table 2. Policy recommendations",
        "Area  Recommended measure  Expected outcome",
        "Transport  Build intercity rail links  Shorter commutes",
        "Data  Open government data portal  More innovation",
    ])
    doc = cq.parse_text(text)
    assert doc.tables[["table_id", "title", "roles"]].values.tolist() == [
        ["2", "Policy recommendations", "direction | measure | outcome"]]
    assert doc.rows[["direction", "measure", "outcome"]].values.tolist() == [
        ["Transport", "Build intercity rail links", "Shorter commutes"],
        ["Data", "Open government data portal", "More innovation"],
    ]


def test_quantities_are_not_section_numbers():
    doc = cq.parse_text("2.5亿人口生活在城市群中\n3.2%的增长来自服务业")
    assert doc.sections.empty
    assert doc.paragraphs["text"].tolist() == ["2.5亿人口生活在城市群中", "3.2%的增长来自服务业"]


def test_viewer_word_mid_page_is_text():
    # Only the first line after a page boundary can carry viewer chrome.
    doc = cq.parse_text("5.1 信息化\n浏览器兼容:统一政务网站浏览器兼容标准。")
    assert doc.items["title"].tolist() == ["浏览器兼容"]
    assert doc.residue.empty


def test_custom_viewer_words_and_page_numbers():
    options = cq.ParseOptions().with_(viewer_words=("阅读",),
                                      page_number_patterns=(r"P\d+",))
    doc = cq.parse_text("P7\n阅读推动协同:建立协商机制。", options=options)
    assert doc.residue[["text", "reason"]].values.tolist() == [
        ["P7", "page_number"], ["阅读", "viewer_artifact"]]
    assert doc.items["title"].tolist() == ["推动协同"]


def test_note_after_table_is_not_an_item():
    doc = cq.parse_text("注:本表由作者整理。")
    assert doc.items.empty
    assert doc.paragraphs["kind"].tolist() == ["note"]


BAD_ROW = "\n".join([
    "表1 建议",
    "方向 建议 成效",
    "甲 乙 丙",
    "丁 戊 己 庚 辛",
])


def test_lenient_bad_row_warns_and_keeps_text_in_residue():
    with pytest.warns(ParseWarning, match="row has 5 cells, header has 3"):
        doc = cq.parse_text(BAD_ROW, doc_id="bad")
    assert len(doc.rows) == 1
    assert doc.residue[["line", "text", "reason"]].values.tolist() == [
        [4, "丁 戊 己 庚 辛", "table_row_cells"]]
    assert doc.warnings == ("bad:4: table 1: row has 5 cells, header has 3",)


def test_strict_bad_row_raises_with_line_and_text():
    with pytest.raises(cq.ParseError) as info:
        cq.parse_text(BAD_ROW, doc_id="bad", strict=True)
    assert info.value.line == 4
    assert info.value.text == "丁 戊 己 庚 辛"
    assert str(info.value).startswith("bad:4: table 1: row has 5 cells")


def test_caption_without_table():
    text = "表3 政策建议\n这是一段普通的文字说明。"
    with pytest.raises(cq.ParseError, match="not followed by a table"):
        cq.parse_text(text, strict=True)
    with pytest.warns(ParseWarning):
        doc = cq.parse_text(text)
    assert doc.tables.empty
    assert doc.residue[["line", "reason"]].values.tolist() == [[1, "caption_without_table"]]
    assert doc.paragraphs["line"].tolist() == [2]


def test_table_without_header():
    text = "表3 政策建议\n区域观念强化 树立一盘棋思想 减少地方保护"
    with pytest.raises(cq.ParseError, match="has no header"):
        cq.parse_text(text, strict=True)
    with pytest.warns(ParseWarning, match="has no header"):
        doc = cq.parse_text(text)
    # lenient: the line is kept as the header, so no text is lost
    assert doc.tables["header"].tolist() == ["区域观念强化 | 树立一盘棋思想 | 减少地方保护"]


def test_wrapped_row_left_incomplete_is_reported():
    text = "表1 建议\n方向 建议 成效\n甲 乙"
    with pytest.raises(cq.ParseError, match="row has 2 cells"):
        cq.parse_text(text, strict=True)


def test_captionless_table_from_role_header():
    doc = cq.parse_text("优化方向 具体建议 预期成效\n甲 乙 丙")
    assert doc.tables[["table_id", "title", "header_line"]].values.tolist() == [["T1", "", 1]]
    assert pd.isna(doc.tables["line"].iloc[0])
    assert doc.rows["measure"].tolist() == ["乙"]


def test_duplicate_table_ids_are_made_unique():
    text = "表1 甲\n方向 建议 成效\n一 二 三\n表1 乙\n方向 建议 成效\n四 五 六"
    assert cq.parse_text(text).tables["table_id"].tolist() == ["1", "1-2"]


def test_input_does_not_get_mutated_and_warnings_do_not_leak(seed_path):
    text = seed_path.read_text(encoding="utf-8")
    before = text[:]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cq.parse_text(text)
    assert text == before


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n\t\n", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("doc.rtf", b"{\\rtf1 hello}", "unsupported file type .rtf"),
        ("noext", b"text", "unsupported file type (none)"),
    ],
)
def test_unreadable_input_raises_input_error_naming_the_file(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(cq.InputError, match=re.escape(reason)) as info:
        cq.parse(path)
    assert info.value.path == str(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(cq.InputError, match="no such file"):
        cq.parse(tmp_path / "missing.txt")
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(cq.InputError, match="not a file"):
        cq.parse(tmp_path / "dir.txt")


def test_gbk_file_is_decoded(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("5.1 区域协同\n强化协同:建立联席会议制度。\n".encode("gbk"))
    doc = cq.parse(path)
    assert doc.items["title"].tolist() == ["强化协同"]


def test_import_is_light():
    import subprocess
    import sys

    code = ("import sys, cqanalysis; heavy = {'matplotlib', 'openpyxl', 'docx', 'pdfplumber', "
            "'scipy'} & set(sys.modules); print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_markdown_chapters_keep_their_own_numbers():
    text = "# 第四章 对策\n## 4.1 数据\n## 第五章 结论\n### 一、展望\n"
    doc = cq.parse_text(text, markdown=True)
    assert doc.sections[["section_no", "level", "title"]].values.tolist() == [
        ["4", 1, "对策"], ["4.1", 2, "数据"], ["5", 1, "结论"], ["5.1", 3, "展望"]]


def test_label_with_page_number_needs_a_repeated_title_and_rising_numbers():
    # "合计  12" twice is a total row, not a footer; a title whose numbers fall is no footer
    doc = cq.parse_text("5.1 财政\n合计  12\n说明文字一。\n合计  15\n"
                        "城市群协同研究  9\n说明文字二。\n城市群协同研究  3")
    assert doc.residue.empty
    assert doc.paragraphs["text"].tolist()[:2] == ["合计  12", "说明文字一。"]


def test_running_footer_with_page_number_is_residue_and_a_page_boundary():
    doc = cq.parse_text("城市群协同研究  第 3 页\n浏览完善机制:建立协商制度。\n"
                        "城市群协同研究  第 4 页")
    assert doc.residue[["text", "reason"]].values.tolist() == [
        ["城市群协同研究  第 3 页", "running_header"], ["浏览", "viewer_artifact"],
        ["城市群协同研究  第 4 页", "running_header"]]
    assert doc.items["title"].tolist() == ["完善机制"]


def test_custom_contents_title_and_leader_free_entries():
    text = "索引\n5.1 财政协同  3\n5.2 数据协同  7\n5.1 财政协同\n财政协同是基础。"
    doc = cq.parse_text(text, options=cq.ParseOptions().with_(toc_titles=("索引",)))
    assert doc.residue[["line", "reason"]].values.tolist() == [[1, "toc"], [2, "toc"], [3, "toc"]]
    assert doc.sections["line"].tolist() == [4]
    # without a contents title, entries without a dot leader stay headings
    assert len(cq.parse_text(text).sections) == 3


def test_wrapped_item_stops_at_a_blank_line_and_at_a_sentence_end():
    doc = cq.parse_text("完善机制:建立协商制度,\n\n另起一段。\n统一标准:推进标准互认。\n后续说明。")
    assert doc.items[["body", "line", "line_end"]].values.tolist() == [
        ["建立协商制度,", 1, 1], ["推进标准互认。", 4, 4]]
    assert doc.paragraphs["line"].tolist() == [3, 5]


def test_paragraph_cut_on_a_comma_continues_across_a_page_number():
    doc = cq.parse_text("5.1 财政\n城市群财政协同需要统筹推进,\n- 3 -\n逐步形成合力。\n新的一段")
    assert doc.paragraphs[["text", "line", "line_end"]].values.tolist() == [
        ["城市群财政协同需要统筹推进,逐步形成合力。", 2, 4], ["新的一段", 5, 5]]


def test_wrapped_rows_never_cross_a_blank_line():
    text = "表1 建议\n方向 建议 成效\n甲 乙 丙\n\n丁\n"
    doc = cq.parse_text(text)
    assert doc.rows[["outcome", "line", "line_end"]].values.tolist() == [["丙", 3, 3]]
    assert doc.paragraphs[["text", "line"]].values.tolist() == [["丁", 5]]


def test_markdown_numbered_headings_nest_under_the_heading_their_number_extends():
    text = "# 报告\n## 2. 体制\n### 2.1 机构\n### 2.2 编制\n## 3. 机制\n"
    doc = cq.parse_text(text, markdown=True)
    assert doc.sections[["section_no", "level", "title"]].values.tolist() == [
        ["S1", 1, "报告"], ["S1.2", 2, "体制"], ["2.1", 3, "机构"], ["2.2", 3, "编制"],
        ["S1.3", 2, "机制"]]
    text = "## 四、对策\n### 4.1 加强领导\n### 4.2 完善制度\n## 五、保障\n"
    doc = cq.parse_text(text, markdown=True)
    assert doc.sections[["section_no", "level"]].values.tolist() == [
        ["4", 2], ["4.1", 3], ["4.2", 3], ["5", 2]]


def test_plain_text_decimal_heading_under_a_chinese_numbered_one():
    doc = cq.parse_text("第五章 对策\n四、对策建议\n4.1 加强领导\n4.2 完善制度\n五、保障措施\n")
    assert doc.sections[["section_no", "level"]].values.tolist() == [
        ["5", 1], ["5.4", 2], ["4.1", 3], ["4.2", 3], ["5.5", 2]]


def test_blocks_styled_by_a_markdown_reader():
    blocks = [Block("四、对策", 1, style="heading 2"),
              Block("print(1)", 2, style="code"),
              Block("<div>", 3, style="html"),
              Block("title: x", 4, style="front_matter"),
              Block("方向 | 建议 | 成效", 5, cells=("方向", "建议", "成效")),
              Block("| --- | --- | --- |", 6, style="table_rule"),
              Block("甲 | 乙 | 丙", 7, cells=("甲", "乙", "丙"))]
    doc = cq.parse_blocks(blocks, doc_id="d", markdown=True)
    assert doc.sections[["section_no", "level", "title"]].values.tolist() == [["4", 2, "对策"]]
    assert doc.residue[["line", "reason"]].values.tolist() == [
        [2, "code"], [3, "markup"], [4, "markup"], [6, "markup"]]
    assert doc.rows[["direction", "measure", "outcome"]].values.tolist() == [["甲", "乙", "丙"]]
