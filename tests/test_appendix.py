"""The Excel appendix: layout, printable source tables, inert text, lossless and reproducible."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cqanalysis as cq
from cqanalysis.writers import _sheetdata as sheetdata_mod
from cqanalysis.writers import appendix as appendix_mod
from cqanalysis.writers._text import display_width, safe_filename, sheet_title, table_name
from cqanalysis.writers.appendix import read_appendix, write_appendix

DANGEROUS = [
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "@SUM(A1)",
    "+cmd|'/C calc'!A0",
    "-2+3",
    "#N/A",
]

TABLES = pd.DataFrame(
    {
        "doc_id": ["d1", "d1"],
        "table_id": ["3.1", "3.2"],
        "title": ["简单对策", "带序号的表"],
        "section_no": ["3", "3"],
        "header": ["方向 | 措施", "序号 | 层面 | 举措 | 责任单位"],
        "roles": ["direction | measure", "index | direction | measure | 责任单位"],
        "n_rows": [2, 2],
        "line": [4, 10],
        "header_line": [5, 11],
        "page": pd.array([None, 2], dtype="Int64"),
    }
)
ROWS = pd.DataFrame(
    {
        "doc_id": ["d1"] * 4,
        "table_id": ["3.1", "3.1", "3.2", "3.2"],
        "row_no": [1, 2, 2, 1],  # out of order on purpose: the sheet sorts by row_no
        "section_no": ["3"] * 4,
        "section_title": ["对策"] * 4,
        "direction": ["政府职能", DANGEROUS[0], "省级", "市级"],
        "measure": ["推行清单管理", DANGEROUS[3], "建立协调机制", "设立办公室"],
        "outcome": [None] * 4,
        "line": [6, 7, 13, 12],
        "line_end": [6, 7, 13, 12],
        "page": pd.array([None, None, 2, 2], dtype="Int64"),
        "责任单位": [None, None, "发改委", "住建局"],
    }
)


@pytest.fixture(scope="module")
def seed_book(tmp_path_factory, seed, seed_path):
    path = tmp_path_factory.mktemp("seed") / "appendix.xlsx"
    write_appendix(path, frames=seed.frames(), sources=[seed_path], warnings=seed.warnings)
    return path


def _sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return "".join(
            zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("xl/worksheets/")
        )


# --------------------------------------------------------------------------- the seed


def test_seed_sheets_in_order(seed_book):
    wb = openpyxl.load_workbook(seed_book)
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert visible == [
        "封面",
        "附表A1 5.1.1",
        "附表A2 5.2.1",
        "附表A3 5.3.1",
        "附表A4 5.4.1",
        "附表A5 5.5.1",
        "附表A6 5.6.1",
        "sections",
        "tables",
        "rows",
        "items",
        "paragraphs",
        "residue",
        "cells",  # the seed has no table other than recommendation tables: an empty frame
    ]


def test_seed_source_table_reproduced_with_original_header(seed_book):
    wb = openpyxl.load_workbook(seed_book)
    ws = wb["附表A1 5.1.1"]
    assert ws["A1"].value == "附表A1 表5.1.1 政府职能转变对策建议"
    assert [c.value for c in ws[2]] == ["优化方向", "具体建议", "预期成效"]
    assert [c.value for c in ws[3]] == [
        "区域观念强化",
        "树立“一盘棋”思想,摒弃“行政区经济”",
        "促进大局意识,减少地方保护",
    ]
    assert [c.value for c in ws[6]] == [
        "创新监管",
        "变重审批为重事中事后监管,运用大数据、信用管理",
        "优化营商环境,维护市场秩序",
    ]
    assert ws["A8"].value == "资料来源：城市群跨区域行政体制协同_对策建议，第6行"
    # 5.2.1's first column is headed 建设方向 in the source.
    assert wb["附表A2 5.2.1"]["A2"].value == "建设方向"
    assert wb["附表A2 5.2.1"]["A7"].value == "区域发展基金"


def test_seed_source_table_ready_to_print(seed_book):
    ws = openpyxl.load_workbook(seed_book)["附表A1 5.1.1"]
    assert ws.freeze_panes == "A3"
    assert ws.print_title_rows == "$2:$2"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws["B3"].alignment.wrap_text
    # 优化方向 is 8 columns wide, its widest cell 区域观念强化/职能定位优化 12: plus 2 padding.
    assert ws.column_dimensions["A"].width == 14
    # 变重审批为重事中事后监管,运用大数据、信用管理: 22 wide characters and a comma = 45,
    # capped at 40, plus 2.
    assert ws.column_dimensions["B"].width == 42
    # 提升治理效能,适应区域发展需求: 14 wide characters and a comma = 29, plus 2.
    assert ws.column_dimensions["C"].width == 31
    # 14 + 42 + 31 = 87 fits the 95 columns of A4 portrait.
    assert ws.page_setup.orientation == "portrait"


def test_seed_cover(seed_book, seed_path):
    ws = openpyxl.load_workbook(seed_book)["封面"]
    cells = {c.coordinate: c for row in ws.iter_rows() for c in row if c.value is not None}
    values = [c.value for c in cells.values()]
    assert "cqanalysis " + cq.__version__ in values
    assert hashlib.sha256(seed_path.read_bytes()).hexdigest() in values
    assert seed_path.name in values
    warn_label = next(c for c in cells.values() if c.value == "解析警告")
    assert ws.cell(warn_label.row, 2).value == 0
    links = {c.value: c.hyperlink.location for c in cells.values() if c.hyperlink}
    wb = openpyxl.load_workbook(seed_book)
    for title in wb.sheetnames[1:]:
        if wb[title].sheet_state == "visible":
            assert links[title] == f"'{title}'!A1"
    assert "'附表A1 5.1.1'!A1" in links.values()


def test_seed_frames_read_back_exactly(seed_book, seed):
    back = read_appendix(seed_book)
    assert list(back) == list(seed.frames())
    for name, frame in seed.frames().items():
        pd.testing.assert_frame_equal(back[name], frame)


def test_seed_tidy_sheets_are_excel_tables(seed_book):
    wb = openpyxl.load_workbook(seed_book)
    table = wb["rows"].tables["tbl_rows"]
    assert table.ref == "A1:M30"  # 13 columns (11 + start, end), header + 29 rows
    assert table.autoFilter.ref == "A1:M30"
    assert [c.name for c in table.tableColumns][:3] == ["doc_id", "table_id", "row_no"]
    assert wb["rows"].freeze_panes == "A2"


# --------------------------------------------------------------------------- hand-made frames


def test_index_and_extra_columns_under_original_header(tmp_path):
    path = write_appendix(tmp_path / "a.xlsx", tables=TABLES, rows=ROWS)
    ws = openpyxl.load_workbook(path)["附表A2 3.2"]
    assert ws["A1"].value == "附表A2 表3.2 带序号的表"
    assert [c.value for c in ws[2]] == ["序号", "层面", "举措", "责任单位"]
    # The index column the parser dropped is refilled from row_no; rows sorted by row_no.
    assert [c.value for c in ws[3]] == ["1", "市级", "设立办公室", "住建局"]
    assert [c.value for c in ws[4]] == ["2", "省级", "建立协调机制", "发改委"]
    assert ws["A6"].value == "资料来源：d1，第2页，第10行"
    # Two short columns fit A4 portrait.
    assert openpyxl.load_workbook(path)["附表A1 3.1"].page_setup.orientation == "portrait"


def test_text_is_never_a_formula(tmp_path):
    frame = pd.DataFrame({"text": DANGEROUS, "n": range(len(DANGEROUS))})
    path = write_appendix(tmp_path / "a.xlsx", frames={"danger": frame}, tables=TABLES, rows=ROWS)
    assert "<f>" not in _sheet_xml(path)
    assert ' t="e"' not in _sheet_xml(path)
    wb = openpyxl.load_workbook(path)
    col = [c for c in wb["danger"]["A"][1:]]
    assert [c.value for c in col] == DANGEROUS
    assert {c.data_type for c in col} == {"s"}
    source = wb["附表A1 3.1"]
    assert source["A4"].value == DANGEROUS[0] and source["A4"].data_type == "s"
    assert source["B4"].value == DANGEROUS[3] and source["B4"].data_type == "s"


TRICKY = pd.DataFrame(
    {
        "text": [*DANGEROUS, " lead", "trail ", "\nnewline\n", "a\r\nb", "NA", "", None, "5.1",
                 "\x0c控制符", "_x0041_", "全角\u3000"],
        "int": range(17),
        "float": [0.1 + 0.2, 1.0, np.nan, np.inf, -2.5, 1e-300, 3.0, 2.0**60, 0.0, 1 / 3,
                  7.5, 8.0, -np.inf, 1e16, 2.5, 0.5, 100.0],
        "nullable": pd.array([1, None] * 8 + [3], dtype="Int64"),
        "flag": [True, False] * 8 + [True],
        "big": [2**60 + 1] * 17,
    }
)  # fmt: skip


def test_frames_read_back_exactly_with_dtypes(tmp_path):
    path = write_appendix(tmp_path / "a.xlsx", frames={"tricky": TRICKY})
    back = read_appendix(path, "tricky")
    pd.testing.assert_frame_equal(back, TRICKY)
    assert back["text"].iloc[11] == "" and pd.isna(back["text"].iloc[12])


def test_frames_read_back_with_plain_pandas(tmp_path):
    path = write_appendix(tmp_path / "a.xlsx", frames={"tricky": TRICKY})
    back = pd.read_excel(path, sheet_name="tricky", dtype=object, keep_default_na=False,
                         na_values=[""])  # fmt: skip
    texts = back["text"].tolist()
    assert texts[:10] == [*DANGEROUS, " lead", "trail ", "\nnewline\n", "a\r\nb"]
    assert texts[10] == "NA"  # text, not a missing value
    assert texts[13] == "5.1"  # stays text with dtype=object
    assert back["int"].tolist() == list(range(17))
    assert all(type(v) is int for v in back["int"])
    assert back["float"].iloc[0] == 0.1 + 0.2  # all 17 digits
    assert pd.isna(back["float"].iloc[2])
    assert back["flag"].tolist() == TRICKY["flag"].tolist()


def test_frame_over_row_limit_is_split_not_truncated(tmp_path, monkeypatch):
    monkeypatch.setattr(appendix_mod, "MAX_DATA_ROWS", 5)
    frame = pd.DataFrame({"k": range(12), "text": [f"第{i}条" for i in range(12)]})
    path = write_appendix(tmp_path / "a.xlsx", frames={"big": frame})
    wb = openpyxl.load_workbook(path)
    assert [t for t in wb.sheetnames if t.startswith("big")] == ["big (1)", "big (2)", "big (3)"]
    assert [wb[t].max_row - 1 for t in ("big (1)", "big (2)", "big (3)")] == [5, 5, 2]
    assert wb["big (3)"]["B3"].value == "第11条"
    # the cover says so and points to the formats without Excel's limit
    cover = [c.value for row in wb.worksheets[0].iter_rows() for c in row if c.value]
    assert any(str(v).startswith("big共12行") and "Parquet" in str(v) for v in cover)
    pd.testing.assert_frame_equal(read_appendix(path, "big"), frame)


def test_byte_identical_and_timestamps_fixed(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    kwargs = {"frames": {"tricky": TRICKY}, "tables": TABLES, "rows": ROWS}
    a = write_appendix(tmp_path / "a.xlsx", **kwargs)
    b = write_appendix(tmp_path / "b.xlsx", **kwargs)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert zf.namelist()[0] == "[Content_Types].xml"
        core = zf.read("docProps/core.xml").decode()
    assert core.count("1980-01-01T00:00:00Z") == 2
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    c = write_appendix(tmp_path / "c.xlsx", **kwargs)
    with zipfile.ZipFile(c) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert zf.read("docProps/core.xml").decode().count("2023-11-14T22:13:20Z") == 2


LONG = pd.DataFrame({"v": [2]})


def test_sheet_and_table_names_sanitised(tmp_path):
    frames = {
        "a/b:c*?[x]\\y": pd.DataFrame({"v": [1]}),
        "一个非常非常非常非常非常非常非常非常非常非常长的中文数据框名称表格": LONG,
        "Rows": pd.DataFrame({"v": [3]}),
        "rows": pd.DataFrame({"v": [4]}),
        "A1": pd.DataFrame({"v": [5]}),
    }
    path = write_appendix(tmp_path / "a.xlsx", frames=frames)
    wb = openpyxl.load_workbook(path)
    titles = wb.sheetnames
    assert "a_b_c___x__y" in titles
    # 33 characters cut to Excel's 31.
    assert "一个非常非常非常非常非常非常非常非常非常非常长的中文数据框名称" in titles
    assert "Rows" in titles and "rows (2)" in titles
    assert all(len(t) <= 31 and not re.search(r"[\[\]:*?/\\]", t) for t in titles)
    names = [t.displayName for ws in wb.worksheets for t in ws.tables.values()]
    assert len({n.casefold() for n in names}) == len(names)
    assert all(re.fullmatch(r"[A-Za-z_][\w.]*", n) for n in names)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(read_appendix(path, name), frame)


def test_crosstab_numbers_percentages_margins_and_stats(tmp_path):
    counts = pd.DataFrame(
        [[3, 1], [0, 2]],
        index=pd.Index(["5.1", "5.2"], name="领域"),
        columns=pd.Index(["供给型", "环境型"], name="工具"),
    )
    stats = pd.DataFrame({"chi2": [2.5], "dof": [1], "p": [0.1138]})
    path = write_appendix(tmp_path / "a.xlsx", crosstabs={"领域×工具": counts},
                          crosstab_stats={"领域×工具": stats})  # fmt: skip
    ws = openpyxl.load_workbook(path)["交叉表 领域×工具"]
    grid = [[c.value for c in row] for row in ws.iter_rows()]
    assert grid[3] == ["领域", "供给型", "环境型", "合计"]
    assert grid[4] == ["5.1", 3, 1, 4]
    assert grid[6] == ["合计", 3, 3, 6]
    assert ws["B5"].number_format == "0"
    assert grid[8][0] == "行百分比"
    assert grid[10] == ["5.1", 0.75, 0.25, 1.0]
    assert grid[12] == ["合计", 0.5, 0.5, 1.0]
    assert ws["B11"].number_format == "0.0%" and ws["B11"].data_type == "n"
    assert grid[15] == ["chi2", "dof", "p", None]
    assert grid[16] == [2.5, 1, 0.1138, None]


def test_crosstab_with_margins_given_keeps_them(tmp_path):
    counts = pd.DataFrame([[1, 1, 2], [2, 0, 2], [3, 1, 4]], index=["a", "b", "All"],
                          columns=["x", "y", "All"])  # fmt: skip
    path = write_appendix(tmp_path / "a.xlsx", crosstabs={"ct": counts}, percent="column")
    ws = openpyxl.load_workbook(path)["交叉表 ct"]
    grid = [[c.value for c in row] for row in ws.iter_rows()]
    assert grid[3] == [None, "x", "y", "All"]
    assert grid[6] == ["All", 3, 1, 4]
    assert grid[8][0] == "列百分比"
    assert grid[10] == ["a", 1 / 3, 1.0, 0.5]


def test_cover_codebooks_warnings_agreement_and_figures(tmp_path):
    from PIL import Image as PILImage

    png = tmp_path / "fig.png"
    PILImage.new("RGB", (40, 20), "white").save(png)
    codebook = pd.DataFrame({"id": ["S1", "S2"], "label_zh": ["组织建设", "法规制度"]})
    codebook.attrs["sha256"] = "ab" * 32
    agreement = pd.DataFrame({"code": ["S1"], "kappa": [0.8123], "alpha": [0.79]})
    src = tmp_path / "文档.txt"
    src.write_text("表1 对策\n", encoding="utf-8")
    path = write_appendix(
        tmp_path / "a.xlsx",
        codebooks={"instrument": codebook},
        agreement=agreement,
        warnings=["doc.txt:3: table row has 2 cells, header 3", "doc.txt:9: caption without table"],
        figures={"图1": png},
        sources=[{"doc_id": "文档", "path": src}],
        title="测试附录",
    )
    wb = openpyxl.load_workbook(path)
    cover = [c.value for row in wb["封面"].iter_rows() for c in row if c.value is not None]
    assert cover[0] == "测试附录"
    assert "ab" * 32 in cover and "instrument" in cover
    assert hashlib.sha256("表1 对策\n".encode()).hexdigest() in cover
    assert "文档.txt" in cover and str(tmp_path) not in " ".join(map(str, cover))
    assert wb["封面"]["B4"].value == 2 and wb["封面"]["B4"].hyperlink.location == "'解析警告'!A1"
    assert [c.value for c in wb["解析警告"]["B"]][1:] == [
        "doc.txt:3: table row has 2 cells, header 3",
        "doc.txt:9: caption without table",
    ]
    kappa = wb["编码一致性"]["B2"]
    assert kappa.value == 0.8123 and kappa.number_format == "0.000"
    pd.testing.assert_frame_equal(read_appendix(path, "codebook:instrument"), codebook)
    assert len(wb["图 图1"]._images) == 1
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/media/image1.png") == png.read_bytes()


def test_many_tables_noted_not_sheeted(tmp_path):
    path = write_appendix(tmp_path / "a.xlsx", tables=TABLES, rows=ROWS, max_table_sheets=1)
    wb = openpyxl.load_workbook(path)
    assert not any(t.startswith("附表") for t in wb.sheetnames)
    notes = [c.value for row in wb["封面"].iter_rows() for c in row if c.value]
    assert any("共2张原表" in str(v) for v in notes)


def test_several_documents_name_sheets_by_doc(tmp_path):
    tables = pd.concat([TABLES, TABLES.assign(doc_id="第二份文件")], ignore_index=True)
    rows = pd.concat([ROWS, ROWS.assign(doc_id="第二份文件")], ignore_index=True)
    path = write_appendix(tmp_path / "a.xlsx", tables=tables, rows=rows, lang="en")
    titles = openpyxl.load_workbook(path).sheetnames
    assert titles[:5] == ["Cover", "Table A1 d1 3.1", "Table A2 d1 3.2", "Table A3 第二份文件 3.1",
                          "Table A4 第二份文件 3.2"]  # fmt: skip


def test_missing_source_is_an_input_error(tmp_path):
    with pytest.raises(cq.InputError, match=r"missing\.txt"):
        write_appendix(tmp_path / "a.xlsx", sources=[tmp_path / "missing.txt"])
    assert not (tmp_path / "a.xlsx").exists()


# --------------------------------------------------------------------------- helpers


def test_display_width_counts_wide_characters_twice():
    assert display_width("政府") == 4
    assert display_width("ab") == 2
    assert display_width("5.1节") == 5
    assert display_width("ＡＢ") == 4  # full-width letters
    assert display_width("长行\n短") == 4  # the widest line


def test_name_helpers():
    used: set[str] = set()
    assert sheet_title("History", used) == "History_"
    assert sheet_title("'quoted'", used) == "quoted"
    assert sheet_title("", used) == "Sheet"
    assert table_name("R1C1", set()) == "tbl_R1C1"
    assert table_name("表 5.1", set()) == "tbl_表_5.1"
    files: set[str] = set()
    assert safe_filename('表5.1.1 a/b:c"d', files, suffix=".docx") == "表5.1.1_a_b_c_d.docx"
    assert safe_filename("CON", files, suffix=".tex") == "_CON.tex"
    assert safe_filename('表5.1.1 a/b:c"d', files, suffix=".docx") == "表5.1.1_a_b_c_d_2.docx"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_opens_appendix(seed_book, tmp_path):
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(seed_book)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "appendix.pdf"
    assert pdf.exists()
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout  # fmt: skip
        assert "政府职能转变对策建议" in text
        assert "区域观念强化" in text


LAYERED = pd.DataFrame(
    [[1, 2], [3, 0], [2, 2]],
    index=pd.MultiIndex.from_tuples([("A", "x"), ("A", "y"), ("B", "x")], names=["层", "行"]),
    columns=["c1", "c2"],
)


def test_layered_crosstab_gets_margins_per_layer(tmp_path):
    path = write_appendix(tmp_path / "a.xlsx", crosstabs={"ct": LAYERED}, percent="column")
    grid = [[c.value for c in row] for row in openpyxl.load_workbook(path)["交叉表 ct"].iter_rows()]
    assert grid[3] == ["层", "行", "c1", "c2", "合计"]
    assert grid[4:9] == [
        ["A", "x", 1, 2, 3],
        [None, "y", 3, 0, 3],
        [None, "合计", 4, 2, 6],
        ["B", "x", 2, 2, 4],
        [None, "合计", 2, 2, 4],
    ]
    assert grid[10][0] == "列百分比"
    # Column percentages within each layer: A's column totals are 4, 2, 6; B's 2, 2, 4.
    assert grid[12] == ["A", "x", 0.25, 1.0, 0.5]
    assert grid[15] == ["B", "x", 1.0, 1.0, 1.0]


def test_normalised_crosstab_shown_as_percentages(tmp_path):
    shares = pd.DataFrame([[0.25, 0.75], [1.0, 0.0]], index=["a", "b"], columns=["x", "y"])
    shares.attrs = {"normalize": "row", "margins": None}
    path = write_appendix(tmp_path / "a.xlsx", crosstabs={"ct": shares})
    ws = openpyxl.load_workbook(path)["交叉表 ct"]
    grid = [[c.value for c in row] for row in ws.iter_rows()]
    assert grid[2][0] == "行百分比"
    assert grid[3] == [None, "x", "y"]  # no margins added to shares
    assert grid[5] == ["b", 1.0, 0.0]
    assert ws["B5"].number_format == "0.0%"
    assert len(grid) == 6  # no second (percentage) block


def test_seed_crosstabs_from_cqanalysis(tmp_path, seed):
    coded = cq.code_units(cq.explode_clauses(seed.rows))
    # The function, not the package attribute: once the cqanalysis.crosstabs module is imported,
    # cq.crosstab names the module.
    from cqanalysis.crosstabs import crosstab

    layered = crosstab(coded, index="instrument", columns="outcome", layer="domain", depth=1)
    path = write_appendix(tmp_path / "a.xlsx", crosstabs={"layered": layered})
    grid = [[c.value for c in row] for row in openpyxl.load_workbook(path)["交叉表 layered"]]
    block = grid[4 : 4 + len(layered)]
    # The margins cqanalysis.crosstabs made (one 合计 row per domain) are kept, not doubled.
    assert len(block) == len(layered)
    assert sum(row[1] == "合计" for row in block) == len(layered.index.levels[0])


def test_figure_must_be_png_or_jpeg(tmp_path):
    svg = tmp_path / "fig.svg"
    svg.write_text("<svg/>", encoding="utf-8")
    with pytest.raises(cq.InputError, match="PNG or JPEG"):
        write_appendix(tmp_path / "a.xlsx", figures={"图": svg})


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(st.one_of(st.none(), st.text()), min_size=1, max_size=5),
    numbers=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=5, max_size=5),
)
def test_any_text_and_float_read_back_exactly(tmp_path_factory, texts, numbers):
    frame = pd.DataFrame({"text": (texts * 5)[:5], "x": numbers}).astype({"text": object})
    path = write_appendix(tmp_path_factory.mktemp("h") / "a.xlsx", frames={"f": frame})
    pd.testing.assert_frame_equal(read_appendix(path, "f"), frame)


def test_unknown_language_is_refused(tmp_path):
    with pytest.raises(ValueError, match="lang must be"):
        write_appendix(tmp_path / "a.xlsx", frames={"f": pd.DataFrame({"v": [1]})}, lang="fr")
    assert not (tmp_path / "a.xlsx").exists()


def test_writers_do_not_mutate_their_input(tmp_path, seed):
    from cqanalysis.writers import write_latex_tables, write_word_tables

    frames = {k: v.copy(deep=True) for k, v in seed.frames().items()}
    counts = pd.DataFrame([[3, 1], [0, 2]], index=["5.1", "5.2"], columns=["供给型", "环境型"])
    stats = pd.DataFrame({"test": ["pearson"], "statistic": [2.5], "pval": [0.11]})
    before = ({k: v.copy(deep=True) for k, v in frames.items()}, counts.copy(), stats.copy())
    write_appendix(tmp_path / "a.xlsx", frames=frames, crosstabs={"c": counts},
                   crosstab_stats={"c": stats}, agreement=stats)  # fmt: skip
    write_word_tables(tmp_path / "w", frames=frames, crosstabs={"c": counts},
                      crosstab_stats={"c": stats})  # fmt: skip
    write_latex_tables(tmp_path / "l", frames=frames, crosstabs={"c": counts},
                       crosstab_stats={"c": stats})  # fmt: skip
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, before[0][name])
    pd.testing.assert_frame_equal(counts, before[1])
    pd.testing.assert_frame_equal(stats, before[2])


# --------------------------------------------------------------------------- fast rows

AWKWARD = pd.DataFrame(
    {
        "text": ['a & b < c > d "q" \'s\'', "=1+1", "=", "#N/A", "", None, np.nan, " lead",
                 "trail ", "\u3000全角", "x\x01y\x1fz", "_x0041_", "a\r\nb\tc", "😀 & 中文",
                 "长" * 40_000, "\x0b" + "长" * 40_000, "-1", "@SUM(A1)"],
        "int": [0, 1, -1, 2**53 - 1, 2**53, 2**53 + 1, -(2**62), 2**62, 7, 8, 9, 10, 11, 12, 13,
                14, 15, 16],
        "float": [0.1 + 0.2, 1 / 3, 2.0, -0.0, 5e-324, 1.7976931348623157e308, np.inf, -np.inf,
                  np.nan, 1e16, 123456789.12345679, 1e-7, 2.0**60, 0.5, 3.0, 4.0, np.nan, 6.25],
        "flag": [True, False] * 9,
        "nullable": pd.array([1, None, 2**60, None, -5, 0] * 3, dtype="Int64"),
        "maybe": pd.array([True, None, False] * 6, dtype="boolean"),
        "fuzzy": pd.array([0.25, None, 1 / 7] * 6, dtype="Float64"),
        "when": pd.to_datetime(["2024-03-01 08:30:15.123456", None,
                                "1900-02-28 12:00:00.000000"] * 6).tz_localize("Asia/Shanghai"),
        "naive": pd.to_datetime([None, "2000-01-01 00:00:00", "1999-12-31 23:59:59"] * 6),
        "mixed": [1, 2.5, "x", None, True, pd.Timestamp("2020-01-01", tz="UTC"), [1, 2],
                  {"k": "<v>"}, 2**60, np.int64(3), np.float64(np.inf), "=x", "", 0.1, False,
                  np.nan, "\x00", "  "],
        "cat": pd.Categorical(["一", "二", None] * 6),
        "empty": [np.nan] * 18,
    }
)  # fmt: skip


def _refuse(*args, **kwargs):
    """Stands in for the fast rows: write_appendix appends every row through openpyxl."""
    raise sheetdata_mod.Unsupported("test: openpyxl path")


def _spy_fast_rows(monkeypatch) -> list[int]:
    """Count the sheets whose rows the fast path writes."""
    calls: list[int] = []
    real = sheetdata_mod.write_rows_xml

    def spy(df, ws, float_format):
        out = real(df, ws, float_format)
        calls.append(len(df))
        return out

    monkeypatch.setattr(sheetdata_mod, "write_rows_xml", spy)
    return calls


def _awkward_book(path: Path) -> Path:
    # the agreement frame gets a float format: styles of dates and floats interleave
    agreement = AWKWARD[["naive", "fuzzy", "float", "when", "text"]].iloc[::-1].reset_index(
        drop=True)
    return write_appendix(path, frames={"awkward": AWKWARD}, agreement=agreement)


@pytest.mark.parametrize("block_rows", [20_000, 4])
def test_fast_rows_are_openpyxls_bytes(tmp_path, monkeypatch, block_rows):
    monkeypatch.setattr("cqanalysis.writers._sheetdata.BLOCK_ROWS", block_rows)
    calls = _spy_fast_rows(monkeypatch)
    fast = _awkward_book(tmp_path / "fast.xlsx")
    assert calls == [18, 18]  # both frames went the fast way
    monkeypatch.undo()
    monkeypatch.setattr(sheetdata_mod, "write_rows_xml", _refuse)
    slow = _awkward_book(tmp_path / "slow.xlsx")
    with zipfile.ZipFile(fast) as a, zipfile.ZipFile(slow) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name
    assert fast.read_bytes() == slow.read_bytes()



def test_fast_rows_read_back(tmp_path):
    path = _awkward_book(tmp_path / "a.xlsx")
    back = read_appendix(path, "awkward")
    # written by hand from AWKWARD: what each kind of cell reads back as
    texts = back["text"].tolist()
    assert texts[:5] == ['a & b < c > d "q" \'s\'', "=1+1", "=", "#N/A", ""]
    assert pd.isna(texts[5]) and pd.isna(texts[6])  # missing, unlike "" just before
    assert texts[7:14] == [" lead", "trail ", "\u3000全角", "x\x01y\x1fz", "_x0041_",
                           "a\r\nb\tc", "😀 & 中文"]  # fmt: skip
    # every text is cut at Excel's 32,767 characters (a longer cell makes Excel call the
    # workbook damaged), escaped text too: 1 control character + 32,766 长
    assert back["text"][14] == "长" * 32_767
    assert back["text"][15] == "\x0b" + "长" * 32_766
    assert back["int"].tolist() == AWKWARD["int"].tolist()
    assert back["float"].iloc[[0, 1, 4, 5, 10]].tolist() == [
        0.1 + 0.2, 1 / 3, 5e-324, 1.7976931348623157e308, 123456789.12345679]
    assert np.isinf(back["float"][6]) and back["float"][7] < 0 and pd.isna(back["float"][8])
    assert back["nullable"].tolist()[:4] == [1, pd.NA, 2**60, pd.NA]
    assert back["maybe"].tolist()[:3] == [True, pd.NA, False]
    # a zoned time is written as naive UTC (08:30 in Shanghai); Excel keeps milliseconds
    sheet = openpyxl.load_workbook(path)["awkward"]
    assert sheet["H2"].value == datetime(2024, 3, 1, 0, 30, 15, 123000)
    assert sheet["H3"].value is None
    assert sheet["H2"].number_format == sheet["I3"].number_format == "yyyy-mm-dd h:mm:ss"
    # ... and read back in its own zone: 08:30:15.123 in Shanghai, not 00:30 there
    assert back["when"][0] == pd.Timestamp("2024-03-01 08:30:15.123", tz="Asia/Shanghai")
    assert str(back["when"].dtype) == str(AWKWARD["when"].dtype) and pd.isna(back["when"][1])
    assert back["naive"][2] == pd.Timestamp("1999-12-31 23:59:59") and pd.isna(back["naive"][0])
    mixed = back["mixed"].tolist()
    assert mixed[:3] == [1, 2.5, "x"] and pd.isna(mixed[3])
    assert mixed[4:9] == [True, pd.Timestamp("2020-01-01"), "[1, 2]", "{'k': '<v>'}", 2**60]
    assert back["mixed"].tolist()[11:13] == ["=x", ""] and back["mixed"][16] == "\x00"
    assert back["cat"].tolist()[:3] == ["一", "二", np.nan] and back["empty"].isna().all()
    pd.testing.assert_frame_equal(back.drop(columns=["text", "when", "mixed", "cat"]),
                                  AWKWARD.drop(columns=["text", "when", "mixed", "cat"]))


def test_fast_and_openpyxl_rows_read_back_the_same(tmp_path, monkeypatch):
    fast = read_appendix(_awkward_book(tmp_path / "fast.xlsx"))
    monkeypatch.setattr(sheetdata_mod, "write_rows_xml", _refuse)
    slow = read_appendix(_awkward_book(tmp_path / "slow.xlsx"))
    assert list(fast) == list(slow)
    for name in fast:
        pd.testing.assert_frame_equal(fast[name], slow[name])


@settings(max_examples=25, deadline=None)
@given(
    texts=st.lists(st.one_of(st.none(), st.text()), min_size=3, max_size=3),
    numbers=st.lists(st.floats(), min_size=3, max_size=3),
    ints=st.lists(st.integers(-(2**63), 2**63 - 1), min_size=3, max_size=3),
)
def test_fast_rows_match_openpyxl_for_any_values(tmp_path_factory, texts, numbers, ints):
    frame = pd.DataFrame({"t": texts, "x": numbers, "i": ints}).astype({"t": object})
    folder = tmp_path_factory.mktemp("h")
    fast = write_appendix(folder / "fast.xlsx", frames={"f": frame})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sheetdata_mod, "write_rows_xml", _refuse)
        slow = write_appendix(folder / "slow.xlsx", frames={"f": frame})
    assert fast.read_bytes() == slow.read_bytes()
