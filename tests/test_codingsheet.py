"""Coding sheets: layout, inert text, byte-identical output, reading coders' sheets back."""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest

import cqanalysis as cq
from cqanalysis.agreement import agreement_report, coding_matrix, krippendorff_alpha
from cqanalysis.codebook import codebook_frame
from cqanalysis.codingsheet import (
    SHEET_CODEBOOK,
    SHEET_CODING,
    SHEET_INSTRUCTIONS,
    CodingSheetError,
    normalize_xlsx,
    read_coding_sheets,
    write_coding_sheet,
)
from cqanalysis.core.errors import CodebookError, CqError, InputError

SEED = (
    Path(__file__).resolve().parents[1] / "data" / "raw" / "城市群跨区域行政体制协同_对策建议.txt"
)

INSTRUMENT = [
    ("S1", "组织建设", "organisation building"),
    ("S2", "法规制度", "law and regulation"),
    ("S3", "财政金融", "fiscal and financial", "补贴、基金、税收"),
]
OUTCOME = pd.DataFrame(
    {
        "id": ["O1", "O2"],
        "label_zh": ["协调整合", "效率能力"],
        "label_en": ["coordination", "efficiency"],
    }
)


def _codebooks():
    # Three accepted forms: tuples, a DataFrame, an object with a .codes DataFrame.
    level = SimpleNamespace(
        codes=pd.DataFrame(
            {
                "id": ["L1", "L2"],
                "label_zh": ["中央", "省级"],
                "label_en": ["central", "provincial"],
            }
        )
    )
    return {"instrument": INSTRUMENT, "outcome": OUTCOME, "level": level}


def _units():
    return pd.DataFrame(
        {
            "doc_id": ["d1"] * 4,
            "table_id": ["5.1.1", "5.1.1", "5.1.1", "5.2.1"],
            "row_no": [1, 1, 2, 1],
            "field": ["measure", "outcome", "measure", "measure"],
            "clause_no": [1, 1, 1, 2],
            "text": ['=HYPERLINK("x")', "+减少地方保护", "-@建立联席会议", "#N/A"],
            "section_title": ["政府职能转变"] * 4,
        }
    )


def _fill(path: Path, cells: dict[str, object], out: Path, coder: object = None) -> Path:
    """Simulate a coder: type values into cells and save under another name."""
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        wb[SHEET_CODING][ref] = value
    if coder is not None:
        wb[SHEET_INSTRUCTIONS]["B3"] = coder
    wb.save(out)
    return out


def test_layout_and_dropdowns(tmp_path):
    path = write_coding_sheet(_units(), _codebooks(), tmp_path / "s.xlsx", slots={"instrument": 2})
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [SHEET_INSTRUCTIONS, SHEET_CODING, SHEET_CODEBOOK]
    ws = wb[SHEET_CODING]
    header = [c.value for c in ws[1]]
    assert header == [
        "doc_id", "table_id", "row_no", "field", "clause_no", "text",
        "instrument_1", "instrument_2", "outcome", "level", "note",
    ]  # fmt: skip
    assert [c.value for c in ws[2]][:5] == ["d1", "5.1.1", 1, "measure", 1]
    assert [c.value for c in ws[5]][:5] == ["d1", "5.2.1", 1, "measure", 2]
    assert ws.max_row == 5
    book = wb[SHEET_CODEBOOK]
    # One drop-down per codebook, over its columns, listing its choices and "none".
    expected = {
        "G2:G5 H2:H5": ["S1 组织建设", "S2 法规制度", "S3 财政金融", "none 无适用编码"],
        "I2:I5": ["O1 协调整合", "O2 效率能力", "none 无适用编码"],
        "J2:J5": ["L1 中央", "L2 省级", "none 无适用编码"],
    }
    validations = ws.data_validations.dataValidation
    assert sorted(str(dv.sqref) for dv in validations) == sorted(expected)
    for dv in validations:
        assert dv.type == "list" and dv.allow_blank and not dv.showDropDown
        sheet, cells = dv.formula1.split("!")
        assert sheet == f"'{SHEET_CODEBOOK}'"
        listed = [row[0].value for row in book[cells.replace("$", "")]]
        assert listed == expected[str(dv.sqref)]
    assert [c.value for c in book[4]][:5] == [
        "instrument", "S3", "财政金融", "fiscal and financial", "补贴、基金、税收",
    ]  # fmt: skip
    guide = wb[SHEET_INSTRUCTIONS]
    assert guide["A3"].value == "编码员 coder" and guide["B3"].value is None


def test_text_cells_stay_inert_strings(tmp_path):
    path = write_coding_sheet(_units(), _codebooks(), tmp_path / "s.xlsx")
    ws = openpyxl.load_workbook(path)[SHEET_CODING]
    texts = [ws.cell(row=r, column=6) for r in range(2, 6)]
    assert [c.value for c in texts] == [
        '=HYPERLINK("x")',
        "+减少地方保护",
        "-@建立联席会议",
        "#N/A",
    ]
    assert {c.data_type for c in texts} == {"s"}
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" not in xml and 't="e"' not in xml
    assert "HYPERLINK" in xml  # as inline string text


def test_output_is_byte_identical_and_timestamps_fixed(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    a = write_coding_sheet(_units(), _codebooks(), tmp_path / "a.xlsx", coder="张三")
    b = write_coding_sheet(_units(), _codebooks(), tmp_path / "b.xlsx", coder="张三")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = zf.read("docProps/core.xml").decode()
    assert core.count("1980-01-01T00:00:00Z") == 2
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


def test_normalize_xlsx_honours_source_date_epoch(tmp_path, monkeypatch):
    path = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(path)  # openpyxl stamps the current time everywhere
    with zipfile.ZipFile(path) as zf:
        assert {info.date_time[0] for info in zf.infolist()} != {2023}
        names = zf.namelist()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    normalize_xlsx(path)
    with zipfile.ZipFile(path) as zf:
        # the shared OOXML normaliser keeps every entry, [Content_Types].xml first
        assert sorted(zf.namelist()) == sorted(names)
        assert zf.namelist()[0] == "[Content_Types].xml"
        assert {info.date_time for info in zf.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        core = zf.read("docProps/core.xml").decode()
    assert core.count("2023-11-14T22:13:20Z") == 2
    assert openpyxl.load_workbook(path).sheetnames == ["Sheet"]


def test_read_filled_sheets(tmp_path):
    blank = write_coding_sheet(
        _units(), _codebooks(), tmp_path / "blank.xlsx", slots={"instrument": 2}
    )
    # Columns: G, H instrument_1/2, I outcome, J level. Rows 2-5 = the four units.
    zhang = _fill(
        blank,
        {
            "G2": "S1 组织建设", "H2": "S2",  # drop-down text and a bare id
            "I2": "none 无适用编码",
            "G3": "ｓ３".upper(),  # full-width id typed by hand: Ｓ３
            "I3": "O1;O2",  # two codes in one cell
            "G4": "法规制度",  # an unambiguous label
            "J4": "L1",
            # row 5 left blank: not coded
        },
        tmp_path / "zhang.xlsx",
        coder="张三",
    )  # fmt: skip
    li = _fill(blank, {"G2": "S1", "I2": "none", "G3": "S3"}, tmp_path / "李四.xlsx")
    coded = read_coding_sheets([zhang, li], _codebooks())
    assert coded.columns.tolist() == [
        "doc_id", "table_id", "row_no", "field", "clause_no", "coder", "codebook", "code",
    ]  # fmt: skip
    got = list(coded[["table_id", "row_no", "field", "coder", "codebook", "code"]].itertuples(
        index=False, name=None
    ))  # fmt: skip
    assert got == [
        ("5.1.1", 1, "measure", "张三", "instrument", "S1"),
        ("5.1.1", 1, "measure", "张三", "instrument", "S2"),
        ("5.1.1", 1, "measure", "张三", "outcome", "none"),
        ("5.1.1", 1, "outcome", "张三", "instrument", "S3"),
        ("5.1.1", 1, "outcome", "张三", "outcome", "O1"),
        ("5.1.1", 1, "outcome", "张三", "outcome", "O2"),
        ("5.1.1", 2, "measure", "张三", "instrument", "S2"),
        ("5.1.1", 2, "measure", "张三", "level", "L1"),
        ("5.1.1", 1, "measure", "李四", "instrument", "S1"),  # coder from the file name
        ("5.1.1", 1, "measure", "李四", "outcome", "none"),
        ("5.1.1", 1, "outcome", "李四", "instrument", "S3"),
    ]
    assert coded["row_no"].dtype.kind == "i" and coded["clause_no"].dtype.kind == "i"
    # Instrument matrix: units 1, 2 coded by both (S1|S2 vs S1; S3 vs S3), unit 3 by 张三 only.
    matrix = coding_matrix(coded, codebook="instrument")
    assert matrix.columns.tolist() == ["张三", "李四"]
    assert matrix.to_numpy().tolist()[:2] == [["S1|S2", "S1"], ["S3", "S3"]]
    # α by hand: n_(S1|S2) = n_S1 = 1, n_S3 = 2, one disagreeing pair: 1 − 3·2/(16 − 6).
    assert krippendorff_alpha(matrix) == pytest.approx(1 - 6 / 10)
    report = agreement_report(coded, codebooks=_codebooks(), n_boot=20)
    assert report["codebook"].unique().tolist() == ["instrument", "outcome", "level"]


def test_dropdown_ids_only_are_read(tmp_path):
    blank = write_coding_sheet(_units(), _codebooks(), tmp_path / "b.xlsx", choices="id")
    book = openpyxl.load_workbook(blank)[SHEET_CODEBOOK]
    assert [book.cell(row=r, column=6).value for r in range(2, 6)] == ["S1", "S2", "S3", "none"]
    filled = _fill(blank, {"G2": "S2", "H3": "O2"}, tmp_path / "王五.xlsx")
    coded = read_coding_sheets(filled, _codebooks())
    assert coded["code"].tolist() == ["S2", "O2"]
    assert coded["coder"].unique().tolist() == ["王五"]


def test_value_not_in_codebook_names_file_sheet_and_row(tmp_path):
    blank = write_coding_sheet(_units(), _codebooks(), tmp_path / "b.xlsx")
    bad = _fill(blank, {"G2": "S1", "H4": "O9 不存在"}, tmp_path / "coder_a.xlsx")
    with pytest.raises(CodingSheetError) as info:
        read_coding_sheets([bad], _codebooks())
    err = info.value
    assert isinstance(err, CqError)
    assert (err.path, err.sheet, err.row, err.column) == (str(bad), SHEET_CODING, 4, "outcome")
    message = str(err)
    for part in ("coder_a.xlsx", "编码 coding", "row 4", "'O9 不存在'", "outcome"):
        assert part in message


def test_reading_errors(tmp_path):
    blank = write_coding_sheet(_units(), _codebooks(), tmp_path / "b.xlsx", coder="甲")
    other = write_coding_sheet(_units(), _codebooks(), tmp_path / "c.xlsx", coder="甲")
    with pytest.raises(CodingSheetError, match="also coded"):
        read_coding_sheets([blank, other], _codebooks())
    with pytest.raises(CodingSheetError, match="no column for codebook 'goals'"):
        read_coding_sheets(blank, {**_codebooks(), "goals": [("G1", "目标", "goal")]})
    dup = _fill(blank, {"B3": "5.1.1", "C3": 1, "D3": "measure"}, tmp_path / "d.xlsx", "乙")
    with pytest.raises(CodingSheetError, match="row 3: same unit as row 2"):
        read_coding_sheets(dup, _codebooks())
    not_xlsx = tmp_path / "e.xlsx"
    not_xlsx.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(InputError, match=r"e\.xlsx"):
        read_coding_sheets(not_xlsx, _codebooks())
    with pytest.raises(InputError, match="not found"):
        read_coding_sheets(tmp_path / "missing.xlsx", _codebooks())


def test_codebook_forms_and_validation():
    frame = codebook_frame("instrument", INSTRUMENT)
    assert frame.columns.tolist() == ["id", "label_zh", "label_en", "description"]
    assert frame["description"].tolist() == ["", "", "补贴、基金、税收"]
    numeric = codebook_frame("n", pd.DataFrame({"code": [1, 2], "label_zh": ["一", "二"],
                                                 "label_en": ["one", "two"]}))  # fmt: skip
    assert numeric["id"].tolist() == ["1", "2"]
    with pytest.raises(CodebookError, match="duplicate"):
        codebook_frame("x", [("A", "甲", "a"), ("A", "乙", "b")])
    with pytest.raises(CodebookError, match="reserved"):
        codebook_frame("x", [("none", "无", "none")])
    with pytest.raises(CodebookError, match="no codes"):
        codebook_frame("x", [])
    with pytest.raises(CodebookError, match="label_en"):
        codebook_frame("x", pd.DataFrame({"id": ["A"], "label_zh": ["甲"]}))


def test_writer_rejects_bad_units(tmp_path):
    units = _units()
    with pytest.raises(ValueError, match="uniquely"):
        write_coding_sheet(pd.concat([units, units]), _codebooks(), tmp_path / "x.xlsx")
    with pytest.raises(ValueError, match="lack"):
        write_coding_sheet(units.drop(columns="text"), _codebooks(), tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_seed_clauses_round_trip(tmp_path):
    clauses = cq.explode_clauses(cq.parse(SEED).rows)
    path = write_coding_sheet(clauses, _codebooks(), tmp_path / "seed.xlsx", coder="张三")
    ws = openpyxl.load_workbook(path)[SHEET_CODING]
    # 46 measure + 55 outcome clauses; the first is the first measure clause of table 5.1.1.
    assert ws.max_row == 1 + 101
    assert [c.value for c in ws[2]][:6] == [
        "城市群跨区域行政体制协同_对策建议", "5.1.1", 1, "measure", 1, "树立“一盘棋”思想",
    ]  # fmt: skip
    assert [c.value for c in ws[4]][3:6] == ["outcome", 1, "促进大局意识"]
    filled = _fill(path, {"H4": "O1", "H5": "O1"}, tmp_path / "filled.xlsx")
    coded = read_coding_sheets(filled, _codebooks())
    assert coded[["field", "clause_no", "coder", "code"]].values.tolist() == [
        ["outcome", 1, "张三", "O1"],
        ["outcome", 2, "张三", "O1"],
    ]


def test_shipped_codebooks_limit_columns_to_their_fields(tmp_path):
    # instruments and levels apply to measures (and items), outcomes to outcomes.
    clauses = cq.explode_clauses(cq.parse(SEED).rows)
    path = write_coding_sheet(clauses, cq.default_codebooks(), tmp_path / "seed.xlsx")
    ws = openpyxl.load_workbook(path)[SHEET_CODING]
    assert [c.value for c in ws[1]][6:] == ["instruments", "outcomes", "levels", "note"]
    grey, yellow = "00BFBFBF", "00FFF2CC"
    # Row 2 is a measure clause (树立“一盘棋”思想), row 4 an outcome clause (促进大局意识).
    assert [ws[f"{col}2"].fill.fgColor.rgb for col in "GHI"] == [yellow, grey, yellow]
    assert [ws[f"{col}4"].fill.fgColor.rgb for col in "GHI"] == [grey, yellow, grey]
    filled = _fill(
        path,
        {"G2": "supply.organisation 组织机构与职能配置", "I2": "none", "H4": "coordination"},
        tmp_path / "甲.xlsx",
    )
    coded = read_coding_sheets(filled, cq.default_codebooks())
    assert coded[["field", "clause_no", "codebook", "code"]].values.tolist() == [
        ["measure", 1, "instruments", "supply.organisation"],
        ["measure", 1, "levels", "none"],
        ["outcome", 1, "outcomes", "coordination"],
    ]
    wrong = _fill(path, {"G4": "supply"}, tmp_path / "乙.xlsx")
    with pytest.raises(CodingSheetError, match="does not apply to field 'outcome'") as info:
        read_coding_sheets(wrong, cq.default_codebooks())
    assert (info.value.row, info.value.column) == (4, "instruments")
