"""Word three-line tables (三线表): captions, rules, fonts, file names, reproducible bytes."""

from __future__ import annotations

import shutil
import subprocess
import zipfile

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn

from cqanalysis.writers.word import write_word_tables

COUNTS = pd.DataFrame(
    [[3, 1], [0, 2]],
    index=pd.Index(["5.1", "5.2"], name="领域"),
    columns=pd.Index(["供给型", "环境型"], name="工具"),
)
# Shaped like cqanalysis.chi2_test(...).stats.
STATS = pd.DataFrame(
    {"test": ["pearson"], "statistic": [2.5], "dof": [1], "pval": [0.0004], "cramer_v": [0.61],
     "n": [6], "min_expected": [1.0], "share_expected_lt5": [1.0]}
)  # fmt: skip


@pytest.fixture(scope="module")
def seed_docs(tmp_path_factory, seed):
    out = tmp_path_factory.mktemp("word")
    return write_word_tables(
        out,
        frames=seed.frames(),
        crosstabs={"领域×工具": COUNTS},
        crosstab_stats={"领域×工具": STATS},
    )


def _borders(el, tag):
    box = el.find(qn(f"w:{tag}"))
    return {
        child.tag.split("}")[1]: (child.get(qn("w:val")), child.get(qn("w:sz"))) for child in box
    }


def test_one_file_per_table_with_chinese_names(seed_docs):
    assert [p.name for p in seed_docs] == [
        "表5.1.1_政府职能转变对策建议.docx",
        "表5.2.1_区域协调机构建设对策建议.docx",
        "表5.3.1_法律法规与政策体系完善对策建议.docx",
        "表5.4.1_要素流动与公共服务共建共享对策建议.docx",
        "表5.5.1_信息共享与智慧协同对策建议.docx",
        "表5.6.1_人才队伍建设对策建议.docx",
        "交叉表_领域×工具.docx",
    ]


def test_caption_above_and_cells_from_the_source(seed_docs):
    doc = docx.Document(seed_docs[0])
    body = doc.element.body
    first = body[0]
    assert first.tag == qn("w:p")  # the caption paragraph comes before the table
    assert doc.paragraphs[0].text == "表5.1.1 政府职能转变对策建议"
    table = doc.tables[0]
    grid = [[c.text for c in row.cells] for row in table.rows]
    assert grid[0] == ["优化方向", "具体建议", "预期成效"]
    assert grid[1] == [
        "区域观念强化",
        "树立“一盘棋”思想,摒弃“行政区经济”",
        "促进大局意识,减少地方保护",
    ]
    assert len(grid) == 5  # header + 4 rows of table 5.1.1
    assert doc.paragraphs[-1].text == "资料来源：城市群跨区域行政体制协同_对策建议，第6行"


def test_three_line_rules(seed_docs):
    table = docx.Document(seed_docs[1]).tables[0]
    tbl_pr = table._tbl.tblPr
    assert _borders(tbl_pr, "tblBorders") == {
        "top": ("single", "12"),  # 1.5 pt
        "left": ("nil", None),
        "bottom": ("single", "12"),
        "right": ("nil", None),
        "insideH": ("nil", None),
        "insideV": ("nil", None),
    }
    for cell in table.rows[0].cells:
        assert _borders(cell._tc.tcPr, "tcBorders") == {"bottom": ("single", "6")}  # 0.75 pt
    for cell in table.rows[1].cells:
        assert cell._tc.tcPr.find(qn("w:tcBorders")) is None
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_thesis_fonts_and_sizes(seed_docs):
    doc = docx.Document(seed_docs[0])
    caption_run = doc.paragraphs[0].runs[0]
    assert caption_run.font.size.pt == 10.5  # 五号
    assert caption_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    cell_run = doc.tables[0].rows[1].cells[0].paragraphs[0].runs[0]
    assert cell_run.font.size.pt == 9  # 小五
    assert cell_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    assert cell_run._element.rPr.rFonts.get(qn("w:ascii")) == "Times New Roman"
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7


def test_crosstab_counts_percentages_and_note(seed_docs):
    doc = docx.Document(seed_docs[-1])
    assert doc.paragraphs[0].text == "交叉表 领域×工具"
    grid = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert grid == [
        ["领域", "供给型", "环境型", "合计"],
        ["5.1", "3 (75.0%)", "1 (25.0%)", "4 (100.0%)"],
        ["5.2", "0 (0.0%)", "2 (100.0%)", "2 (100.0%)"],
        ["合计", "3 (50.0%)", "3 (50.0%)", "6 (100.0%)"],
    ]
    note = "注：χ² = 2.500，df = 1，p < 0.001，Cramér's V = 0.610，N = 6。括号内为行百分比。"
    assert doc.paragraphs[-1].text == note


def test_byte_identical_across_runs(tmp_path, seed):
    a = write_word_tables(tmp_path / "a", frames=seed.frames(), crosstabs={"ct": COUNTS})
    b = write_word_tables(tmp_path / "b", frames=seed.frames(), crosstabs={"ct": COUNTS})
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    with zipfile.ZipFile(a[0]) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    props = docx.Document(a[0]).core_properties
    assert props.created.year == 1980 and props.modified.year == 1980


def test_text_stays_literal_and_lines_break(tmp_path):
    tables = pd.DataFrame(
        {"doc_id": ["d"], "table_id": ["1"], "title": ["特殊/字符:表"], "header": ["方向 | 措施"],
         "roles": ["direction | measure"], "line": [1], "page": [None]}
    )  # fmt: skip
    rows = pd.DataFrame(
        {"doc_id": ["d"], "table_id": ["1"], "row_no": [1], "direction": ["=1+1"],
         "measure": ["第一行\n第二行"]}
    )  # fmt: skip
    (path,) = write_word_tables(tmp_path, tables=tables, rows=rows, lang="en")
    assert path.name == "Table_1_特殊_字符_表.docx"
    doc = docx.Document(path)
    assert doc.paragraphs[0].text == "Table 1 特殊/字符:表"
    cells = doc.tables[0].rows[1].cells
    assert cells[0].text == "=1+1"
    assert cells[1].text == "第一行\n第二行"
    assert cells[1].paragraphs[0].runs[1]._element.find(qn("w:br")) is not None


def test_control_characters_are_replaced_visibly_and_noted(tmp_path):
    # issue #15: a vertical tab (Word's manual line break), ESC, U+FFFE and U+FFFF in cells
    tables = pd.DataFrame(
        {"doc_id": ["d"], "table_id": ["1"], "title": ["控制\x1b字符"], "header": ["方向 | 措施"],
         "roles": ["direction | measure"], "line": [3], "page": [None]}
    )  # fmt: skip
    rows = pd.DataFrame(
        {"doc_id": ["d"], "table_id": ["1"], "row_no": [1], "direction": ["甲\x0b乙"],
         "measure": ["丙\ufffe丁\uffff"]}
    )  # fmt: skip
    (path,) = write_word_tables(tmp_path, tables=tables, rows=rows)
    doc = docx.Document(path)
    assert doc.paragraphs[0].text == "表1 控制�字符"
    cells = doc.tables[0].rows[1].cells
    assert cells[0].text == "甲\n乙"
    assert cells[0].paragraphs[0].runs[1]._element.find(qn("w:br")) is not None
    assert cells[1].text == "丙�丁�"
    assert doc.paragraphs[-1].text == "资料来源：d，第3行 表中3个控制字符无法写入，已替换为“�”。"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_opens_word_tables(seed_docs, tmp_path):
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(seed_docs[0]), str(seed_docs[-1])],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdfs = sorted(tmp_path.glob("*.pdf"))
    assert len(pdfs) == 2
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(tmp_path / (seed_docs[0].stem + ".pdf")), "-"],
                              capture_output=True, text=True, check=True).stdout  # fmt: skip
        assert "政府职能转变对策建议" in text
        assert "区域观念强化" in text


def test_wide_layered_crosstab_goes_landscape(tmp_path):
    columns = [f"预期成效维度{k}" for k in range(8)]
    wide = pd.DataFrame(
        [[10] * 8, [5] * 8, [1] * 8],
        index=pd.MultiIndex.from_tuples([("甲", "a"), ("甲", "b"), ("乙", "a")]),
        columns=columns,
    )
    (path,) = write_word_tables(tmp_path, crosstabs={"宽表": wide})
    doc = docx.Document(path)
    section = doc.sections[0]
    assert section.page_width > section.page_height  # landscape
    grid = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    # Eight count columns of "80 (100.0%)"-like cells cannot fit portrait A4 at 9 pt.
    assert [row[:3] for row in grid[1:]] == [
        ["甲", "a", "10 (12.5%)"],
        ["", "b", "5 (12.5%)"],
        ["", "合计", "15 (12.5%)"],
        ["乙", "a", "1 (12.5%)"],
        ["", "合计", "1 (12.5%)"],
    ]
    assert grid[3][-1] == "120 (100.0%)"


def test_column_widths_fit_the_page_even_when_too_many_columns():
    from cqanalysis.writers.word import _column_widths

    natural, least = [40] * 14, [30] * 14  # 420 half-width units on a page of 100
    total = 100 * 57150  # 100 half-width characters of 9 pt text, in EMU
    widths = _column_widths(natural, least, total)
    assert sum(widths) == total
    assert min(widths) > 0


def test_presence_crosstab_without_margins_gets_no_summed_totals():
    import pandas as pd

    from cqanalysis.writers._content import crosstab_layout

    # two units: u1 coded A and B, u2 coded A. Presence cells A=2, B=1; the units total is 2,
    # not the cell sum 3, so the writer must not invent a 合计.
    table = pd.DataFrame({"A": [2], "B": [1]}, index=pd.Index(["领域甲"], name="领域"))
    table.attrs = {"values": "presence", "normalize": None, "margins": None}
    layout = crosstab_layout("t", table, percent="row", lang="zh")
    assert layout.col_labels == ("A", "B")
    assert layout.values.tolist() == [[2, 1]]
    assert layout.percent is None


# ---------------------------------------------------------------- one document for the thesis


@pytest.fixture(scope="module")
def figure_png(tmp_path_factory):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = tmp_path_factory.mktemp("fig") / "bars.png"
    fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
    ax.bar(["a", "b"], [1, 2])
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return path


def _thesis(tmp_path, seed, figure_png, **kw):
    from cqanalysis.writers.word import write_word_document

    return write_word_document(
        tmp_path / "thesis.docx", frames=seed.frames(), crosstabs={"领域×工具": COUNTS},
        crosstab_stats={"领域×工具": STATS}, crosstab_titles={"领域×工具": "领域与工具"},
        figures={"bars": (figure_png, "各领域建议数")}, **kw)


def _captions(doc):
    return [p for p in doc.paragraphs if p.style.name == "Caption"]


def test_thesis_captions_are_caption_style_with_seq_fields(tmp_path, seed, figure_png):
    doc = docx.Document(_thesis(tmp_path, seed, figure_png))
    captions = _captions(doc)
    assert [p.text for p in captions] == [
        "表5-1 政府职能转变对策建议", "表5-2 区域协调机构建设对策建议",
        "表5-3 法律法规与政策体系完善对策建议", "表5-4 要素流动与公共服务共建共享对策建议",
        "表5-5 信息共享与智慧协同对策建议", "表5-6 人才队伍建设对策建议", "表5-7 领域与工具",
        "图5-1 各领域建议数"]
    instr = [el.text for el in captions[0]._p.iter(qn("w:instrText"))]
    assert instr == [" SEQ 表 \\* ARABIC \\r 1 "]
    assert [el.text for el in captions[1]._p.iter(qn("w:instrText"))] == [" SEQ 表 \\* ARABIC "]
    assert [el.text for el in captions[-1]._p.iter(qn("w:instrText"))] == [
        " SEQ 图 \\* ARABIC \\r 1 "]


def test_thesis_caption_above_tables_and_below_figures(tmp_path, seed, figure_png):
    doc = docx.Document(_thesis(tmp_path, seed, figure_png))
    body = list(doc.element.body)
    first_table = next(i for i, el in enumerate(body) if el.tag == qn("w:tbl"))
    def shown(el):
        return "".join(t.text for t in el.iter(qn("w:t")))

    assert shown(body[first_table - 1]) == "表5-1 政府职能转变对策建议"
    picture = next(i for i, el in enumerate(body) if el.xpath(".//pic:pic"))
    assert shown(body[picture + 1]) == "图5-1 各领域建议数"
    # at the text width: the page less its margins (A4 less 2 × 3.17 cm, as Word stores them)
    extent = body[picture].xpath(".//wp:extent")[0]
    page = doc.sections[0]
    assert int(extent.get("cx")) == page.page_width - page.left_margin - page.right_margin
    assert abs(int(extent.get("cx")) - docx.shared.Cm(21 - 2 * 3.17)) < docx.shared.Mm(1)
    assert len(doc.tables) == 7


def test_thesis_numbered_straight_through_and_byte_identical(tmp_path, seed, figure_png):
    first = _thesis(tmp_path, seed, figure_png, numbering="straight").read_bytes()
    doc = docx.Document(tmp_path / "thesis.docx")
    assert [p.text.split(" ")[0] for p in _captions(doc)] == [
        "表1", "表2", "表3", "表4", "表5", "表6", "表7", "图1"]
    assert _thesis(tmp_path, seed, figure_png, numbering="straight").read_bytes() == first


def test_thesis_notes_in_english_build(tmp_path, seed, figure_png):
    doc = docx.Document(_thesis(tmp_path, seed, figure_png, lang="en"))
    assert _captions(doc)[0].text == "Table 5-1 政府职能转变对策建议"
    notes = [p.text for p in doc.paragraphs if p.text.startswith(("Note", "Source"))]
    assert notes[0] == "Source: 城市群跨区域行政体制协同_对策建议, line 6"


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or pdftotext not installed")
def test_libreoffice_shows_numbered_captions(tmp_path, seed, figure_png):
    import re

    path = _thesis(tmp_path, seed, figure_png, numbering="straight")
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(path)], check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", str(tmp_path / "thesis.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    numbers = re.findall(r"^表\s*(\d+)\s", text, flags=re.M)
    assert numbers == ["1", "2", "3", "4", "5", "6", "7"]
    assert re.search(r"^图\s*1\s+各领域建议数", text, flags=re.M)


def test_one_table_files_are_what_python_docx_writes(tmp_path, seed, monkeypatch):
    """The per-table files are assembled from a saved empty document; python-docx itself,
    building and saving each document, gives the same bytes (portrait and landscape, text
    with markup characters, spaces at the ends, tabs, line breaks, empty cells)."""
    from cqanalysis.writers import word

    tables = pd.DataFrame(
        {"doc_id": ["d"], "table_id": ["1"], "title": ["a & b <c> 表"], "header": ["方向 | 措施"],
         "roles": ["direction | measure"], "line": [1], "page": [None]}
    )  # fmt: skip
    rows = pd.DataFrame(
        {"doc_id": ["d"] * 4, "table_id": ["1"] * 4, "row_no": [1, 2, 3, 4],
         "direction": ["a & b <c> \"d\" 'e'", " 前后空格 ", "制表\t符", ""],
         "measure": ["第一行\n第二行", "]]>", "x" * 300, "="]}
    )  # fmt: skip
    wide = pd.DataFrame([[1] * 9, [2] * 9], index=["甲", "乙"],
                        columns=[f"预期成效维度{k}" for k in range(9)])
    inputs = [{"frames": seed.frames(), "crosstabs": {"宽 & <表>": wide, "计数": COUNTS}},
              {"tables": tables, "rows": rows}]
    fast = [p for k, kw in enumerate(inputs) for p in write_word_tables(tmp_path / f"f{k}", **kw)]
    monkeypatch.setattr(word, "_render_table", lambda t, path: word._save(_built(word, t), path))
    slow = [p for k, kw in enumerate(inputs) for p in write_word_tables(tmp_path / f"s{k}", **kw)]
    assert len(fast) == 6 + 2 + 1
    assert [p.read_bytes() for p in fast] == [p.read_bytes() for p in slow]
    assert docx.Document(fast[6]).sections[0].orientation == 1  # the wide one: landscape
    assert docx.Document(fast[-1]).core_properties.title == "表1 a & b <c> 表"


def _built(word, t):
    doc = word._new_document(t.caption, word._landscape(t.header, t.body, t.numeric_from))
    word._append(doc, word._fragment(word._plain_caption(t.caption),
                                     word._table_blocks(t, word._text_width(doc))))
    return doc
