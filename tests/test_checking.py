"""Checking the dictionary's codes by hand: review order, pre-filled sheets, applying checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import cqanalysis as cq
from cqanalysis.checking import CHECKED_EVIDENCE, apply_checks, review_order
from cqanalysis.codebook import Codebook
from cqanalysis.codingsheet import SHEET_CODING, read_coding_sheets, write_coding_sheet
from cqanalysis.core.errors import CodebookError

SEED = (
    Path(__file__).resolve().parents[1] / "data" / "raw" / "城市群跨区域行政体制协同_对策建议.txt"
)

TOOLS = Codebook.from_dict({
    "name": "tools", "zh": "工具", "en": "Tools", "fields": ["measure"],
    "codes": [
        {"id": "fiscal", "zh": "财政", "en": "Fiscal", "keywords": ["资金"]},
        {"id": "law", "zh": "法规", "en": "Law", "keywords": ["立法"]},
        {"id": "coord", "zh": "协调", "en": "Coordination", "keywords": ["联席会议"]},
    ],
})  # fmt: skip
ACTORS = Codebook.from_dict({
    "name": "actors", "zh": "主体", "en": "Actors", "fields": ["measure"], "sparse": True,
    "codes": [{"id": "city", "zh": "城市", "en": "City", "keywords": ["市政府"]}],
})  # fmt: skip


def _units() -> pd.DataFrame:
    texts = [
        "设立专项资金",  # fiscal
        "研究区域发展问题",  # nothing
        "以专项资金支持协同立法和联席会议",  # fiscal, law, coord
        "由市政府推进协同立法",  # law; actors: city
        "建立联席会议制度",  # coord
    ]
    return cq.coding_units(pd.DataFrame({
        "doc_id": "d", "table_id": "1", "row_no": range(1, 6), "field": "measure",
        "clause_no": 1, "text": texts,
    }))  # fmt: skip


def _coded() -> pd.DataFrame:
    return cq.code_units(_units(), [TOOLS, ACTORS])


# --------------------------------------------------------------------------- review order


def test_review_order_puts_uncoded_then_most_coded_units_first():
    order = review_order(_coded(), codebooks=[TOOLS, ACTORS])
    # row 2 found nothing; row 3 has three codes; rows 1, 4 and 5 one each, in their order.
    # Row 4's actor code does not count: actors is sparse.
    assert order["row_no"].tolist() == [2, 3, 1, 4, 5]
    assert order["n_codes"].tolist() == [0, 3, 1, 1, 1]
    assert order["uncoded"].tolist() == ["tools", "", "", "", ""]
    assert order["review_rank"].tolist() == [1, 2, 3, 4, 5]
    assert order["tools"].tolist()[1] == "fiscal；law；coord"


def test_a_sparse_codebook_finding_nothing_does_not_put_a_unit_first():
    dense = Codebook.from_dict({**_actors_dict(), "sparse": False})
    order = review_order(_coded(), codebooks=[TOOLS, dense])
    # every row but 4 names no city: with a dense actors codebook rows 1, 2, 3 and 5 are all
    # uncoded, and among them the most codes come first: 3 (three), 1 and 5 (one), 2 (none)
    assert order["row_no"].tolist() == [3, 1, 5, 2, 4]
    assert order["uncoded"].tolist() == ["actors", "actors", "actors", "tools；actors", ""]


def _actors_dict() -> dict:
    return {"name": "actors", "zh": "主体", "en": "Actors", "fields": ["measure"],
            "codes": [{"id": "city", "zh": "城市", "en": "City", "keywords": ["市政府"]}]}


def test_units_no_codebook_applies_to_are_left_out_and_coded_is_not_changed():
    units = pd.concat([_units(), _units().iloc[:1].assign(field="outcome", row_no=9,
                                                         unit_id="d:1:9:outcome:1")])
    coded = cq.code_units(units, [TOOLS, ACTORS])
    before = coded.copy()
    order = review_order(coded, codebooks=[TOOLS, ACTORS])
    assert 9 not in order["row_no"].tolist() and len(order) == 5
    pd.testing.assert_frame_equal(coded, before)


def test_the_sparse_flag_is_validated_and_levels_is_sparse():
    assert cq.load_codebook("levels").sparse
    assert not cq.load_codebook("instruments").sparse
    with pytest.raises(CodebookError, match="'sparse' must be true or false"):
        Codebook.from_dict({**_actors_dict(), "sparse": "yes"})


# --------------------------------------------------------------------------- apply checks


def _checks(rows: list[tuple[int, str]], coder: str = "甲") -> pd.DataFrame:
    return pd.DataFrame([
        {"doc_id": "d", "table_id": "1", "row_no": r, "field": "measure", "clause_no": 1,
         "coder": coder, "codebook": "tools", "code": code} for r, code in rows
    ])  # fmt: skip


def test_checked_codes_replace_the_machines_and_the_rest_stays():
    coded = _coded()
    before = coded.copy()
    checks = _checks([(1, "fiscal"), (1, "law"), (3, "none")])
    out = apply_checks(coded, checks, codebooks=[TOOLS, ACTORS])
    pd.testing.assert_frame_equal(coded, before)
    assert out.dtypes.to_dict() == coded.dtypes.to_dict()
    tools = out[out["codebook"] == "tools"]
    row1 = tools[tools["row_no"] == 1]
    assert row1["code"].tolist() == ["fiscal", "law"]
    assert row1["label_zh"].tolist() == ["财政", "法规"]
    assert row1["evidence"].tolist() == ["人工核对：甲"] * 2
    row3 = tools[tools["row_no"] == 3]
    assert row3["code"].isna().all() and len(row3) == 1
    assert row3["evidence"].tolist() == [f"{CHECKED_EVIDENCE}：甲"]
    # unchecked units and the other codebook keep the machine's rows, in order
    rest = out[~((out["codebook"] == "tools") & out["row_no"].isin([1, 3]))]
    kept = coded[~((coded["codebook"] == "tools") & coded["row_no"].isin([1, 3]))]
    pd.testing.assert_frame_equal(rest.reset_index(drop=True), kept.reset_index(drop=True))
    assert out["row_no"].tolist() == sorted(out["row_no"].tolist())


def test_coverage_counts_the_units_checked_by_hand():
    out = apply_checks(_coded(), _checks([(1, "fiscal"), (3, "none")]), codebooks=[TOOLS])
    summary = cq.coverage_summary(out, codebooks=[TOOLS, ACTORS]).set_index("codebook")
    assert summary.loc["tools", "n_checked"] == 2
    assert summary.loc["tools", "n_coded"] == 3  # rows 1, 4 and 5; row 3 checked as none
    assert summary.loc["actors", "n_checked"] == 0


def test_checks_of_a_sheet_match_units_whatever_the_number_types():
    checks = _checks([(2, "law")]).astype({"row_no": "float64", "clause_no": "object"})
    out = apply_checks(_coded(), checks, codebooks=[TOOLS])
    assert out.query("codebook == 'tools' and row_no == 2")["code"].tolist() == ["law"]


@pytest.mark.parametrize("checks, message", [
    (_checks([(7, "law")]), "is not in coded"),
    (_checks([(1, "pilot")]), "'pilot' at unit .* is no code of tools"),
    (pd.concat([_checks([(1, "law")]), _checks([(2, "law")], coder="乙")]), "2 coders"),
    (_checks([(1, "law")]).assign(codebook="other"), "codebook 'other'"),
])  # fmt: skip
def test_checks_that_do_not_fit_are_refused(checks, message):
    with pytest.raises(ValueError, match=message):
        apply_checks(_coded(), checks, codebooks=[TOOLS])


def test_one_coder_of_several_is_applied_when_named():
    checks = pd.concat([_checks([(1, "law")]), _checks([(1, "coord")], coder="乙")])
    out = apply_checks(_coded(), checks, codebooks=[TOOLS], coder="乙")
    assert out.query("codebook == 'tools' and row_no == 1")["code"].tolist() == ["coord"]


# --------------------------------------------------------------------------- pre-filled sheets


def _sheet(tmp_path: Path, name: str = "check.xlsx", **options) -> Path:
    coded = _coded()
    order = review_order(coded, codebooks=[TOOLS, ACTORS])["unit_id"]
    units = _units().set_index("unit_id").loc[order].reset_index()
    return write_coding_sheet(units, [TOOLS], tmp_path / name, prefill=coded, **options)


def test_a_prefilled_sheet_holds_the_machines_codes_in_review_order(tmp_path):
    ws = openpyxl.load_workbook(_sheet(tmp_path))[SHEET_CODING]
    header = [c.value for c in ws[1]]
    # row 3 has three codes, so tools gets three columns
    assert header == ["doc_id", "table_id", "row_no", "field", "clause_no", "text",
                      "tools_1", "tools_2", "tools_3", "checked", "note", "tools_machine"]
    assert [ws.cell(row=r, column=3).value for r in range(2, 7)] == [2, 3, 1, 4, 5]
    assert [c.value for c in ws[3]][6:12] == [
        "fiscal 财政", "law 法规", "coord 协调", None, None, "fiscal;law;coord"]
    assert [c.value for c in ws[2]][6:12] == [None] * 6
    assert ws.column_dimensions["L"].hidden


def test_only_checked_or_changed_rows_are_read_back(tmp_path):
    path = _sheet(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_CODING]
    ws["J3"] = "已核对 checked"  # row 3 (three codes): confirmed as it stands
    ws["G4"] = "law 法规"  # row 1: fiscal corrected to law, not marked
    ws["G6"] = None  # row 5: its code deleted and the row marked: no code applies
    ws["J6"] = "x"
    wb.save(tmp_path / "filled.xlsx")
    back = read_coding_sheets(tmp_path / "filled.xlsx", [TOOLS])
    got = back.groupby("row_no")["code"].agg(list).to_dict()
    assert got == {3: ["fiscal", "law", "coord"], 1: ["law"], 5: ["none"]}
    out = apply_checks(_coded(), back, codebooks=[TOOLS])
    assert out.query("row_no == 1 and codebook == 'tools'")["code"].tolist() == ["law"]
    assert out.query("row_no == 5 and codebook == 'tools'")["code"].isna().all()
    assert out.query("row_no == 4 and codebook == 'tools'")["evidence"].tolist() == ["立法"]


def test_prefilled_sheets_are_byte_identical_and_slots_must_hold_the_codes(tmp_path):
    assert _sheet(tmp_path, "a.xlsx").read_bytes() == _sheet(tmp_path, "b.xlsx").read_bytes()
    with pytest.raises(ValueError, match=r"3 codes of tools.*slots=\{'tools': 3\}"):
        _sheet(tmp_path, "c.xlsx", slots=2)


def test_a_prefill_code_of_no_codebook_is_refused(tmp_path):
    bad = _coded().assign(code=lambda f: f["code"].where(f["code"].isna(), "pilot"))
    with pytest.raises(ValueError, match=r"'pilot' .* is no code of tools"):
        write_coding_sheet(_units(), [TOOLS], tmp_path / "x.xlsx", prefill=bad)


def test_the_appendix_cover_states_coverage_checks_and_the_first_pass_note(tmp_path):
    from cqanalysis.learn import FIRST_PASS_NOTE
    from cqanalysis.writers import write_appendix

    coverage = pd.DataFrame([{"codebook": "tools", "label_zh": "工具", "label_en": "Tools",
                              "n_units": 40, "n_coded": 30, "coverage": 0.75, "n_checked": 12,
                              "note": FIRST_PASS_NOTE}])
    path = write_appendix(tmp_path / "a.xlsx", frames={"x": pd.DataFrame({"a": [1]})},
                          codebooks={"tools": TOOLS.to_frame()[["code", "label_zh",
                                                                "label_en", "description"]]
                                     .rename(columns={"code": "id"})},
                          coverage=coverage)
    rows = [r for r in openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True)
            if any(v is not None for v in r)]
    head = rows.index(("名称", "条目数", "SHA-256", "适用单位", "已编码", "覆盖率", "人工核对"))
    assert rows[head + 1][0] == "tools" and rows[head + 1][3:] == (40, 30, 0.75, 12)
    assert rows[head + 2][1].startswith("Dictionary codes are a first pass")


# --------------------------------------------------------------------------- the seed, end to end


def _seed_check(clause: tuple[str, int, int], code: str) -> pd.DataFrame:
    doc_id = cq.parse(SEED).doc_id
    table, row, no = clause
    return pd.DataFrame([{"doc_id": doc_id, "table_id": table, "row_no": row,
                          "field": "measure", "clause_no": no, "coder": "甲",
                          "codebook": "instruments", "code": code}])


def test_analyse_counts_the_checked_codes():
    # 表5.1.1 row 1, measure clause 1: 树立“一盘棋”思想, coded guidance by the dictionary
    checks = _seed_check(("5.1.1", 1, 1), "supply.organisation")
    analysis = cq.analyse(cq.parse(SEED), checks=checks)
    unit = analysis.coded.query(
        "table_id == '5.1.1' and row_no == 1 and field == 'measure' and clause_no == 1 "
        "and codebook == 'instruments'")
    assert unit["text"].tolist() == ["树立“一盘棋”思想"]
    assert unit["code"].tolist() == ["supply.organisation"]
    assert unit["evidence"].tolist() == ["人工核对：甲"]
    plain = cq.analyse(cq.parse(SEED))
    coded = plain.coded
    assert coded.query("table_id == '5.1.1' and row_no == 1 and clause_no == 1 and "
                       "field == 'measure' and codebook == 'instruments'")["code"].tolist() \
        == ["environment.guidance"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cqanalysis.cli", *args],
                          capture_output=True, text=True, encoding="utf-8")


def _check_sheet(doc: Path, sheet: Path, *options: str) -> tuple[openpyxl.Workbook, list]:
    """``cqanalysis sheet --check``, then the workbook and its coding sheet's header."""
    result = _run("sheet", str(doc), "--out", str(sheet), "--check", *options)
    assert result.returncode == 0, result.stderr
    wb = openpyxl.load_workbook(sheet)
    return wb, [c.value for c in wb[SHEET_CODING][1]]


def _row_of(ws, header: list, text: str) -> int:
    column = header.index("text") + 1
    (row,) = [r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=column).value == text]
    return row


def _recode(ws, header: list, row: int, code: str) -> None:
    """A checker's correction: ``code`` as the row's only instruments code."""
    slots = [j for j, name in enumerate(header, start=1)
             if name.startswith("instruments_") and name[-1].isdigit()]
    for j in slots:
        ws.cell(row=row, column=j).value = code if j == slots[0] else None


def test_sheet_check_then_build_checked_on_the_command_line(tmp_path):
    sheet = tmp_path / "核对.xlsx"
    wb, header = _check_sheet(SEED, sheet, "--coder", "甲")
    assert {"checked", "instruments_machine", "outcomes_machine"} <= set(header)
    ws = wb[SHEET_CODING]
    _recode(ws, header, _row_of(ws, header, "树立“一盘棋”思想"), "supply.organisation")
    wb.save(sheet)
    out = tmp_path / "reports"
    result = _run("build", str(SEED), "--out", str(out), "--checked", str(sheet), "--quiet")
    assert result.returncode == 0, result.stderr
    readme = (out / "README.md").read_text(encoding="utf-8")
    coverage = readme.split("## Coding coverage")[1]
    line = next(x for x in coverage.splitlines() if x.startswith("| instruments | "))
    assert line.endswith("| 1 |")
    coded = pd.read_csv(out / "tables" / "coded.csv", encoding="utf-8-sig")
    mine = coded[coded["evidence"].fillna("").str.startswith(CHECKED_EVIDENCE)]
    assert set(mine["text"]) == {"树立“一盘棋”思想"}
    assert set(mine["code"].dropna()) == {"supply.organisation"}


def test_machine_agreement_matches_the_units_of_a_sheet_with_blank_key_cells(tmp_path):
    # the sheet keys clauses and items alike, so a clause's item_no cell is blank; the coded
    # frame holds NA there.  docs/seed_coding.md: both clauses are guidance, and so is the
    # dictionary's code.
    sheet = tmp_path / "s.xlsx"
    assert _run("sheet", str(SEED), "--out", str(sheet), "--codebook", "instruments",
                "--coder", "甲").returncode == 0
    wb = openpyxl.load_workbook(sheet)
    ws = wb[SHEET_CODING]
    header = [c.value for c in ws[1]]
    assert "item_no" in header
    for text in ("树立“一盘棋”思想", "摒弃“行政区经济”"):
        ws.cell(row=_row_of(ws, header, text), column=header.index("instruments") + 1).value = (
            "environment.guidance")
    wb.save(sheet)
    human = read_coding_sheets(sheet, [cq.load_codebook("instruments")])
    result = cq.machine_agreement(cq.analyse(cq.parse(SEED)).coded, human)
    micro = result.summary.set_index("scope").loc["micro"]
    assert (micro["n_units"], micro["tp"], micro["fp"], micro["fn"]) == (2, 2, 0, 0)


def test_export_of_qda_tables_carries_the_checked_codes(tmp_path):
    sheet = tmp_path / "核对.xlsx"
    wb, header = _check_sheet(SEED, sheet, "--codebook", "instruments")
    ws = wb[SHEET_CODING]
    row = _row_of(ws, header, "树立“一盘棋”思想")
    ws.cell(row=row, column=header.index("checked") + 1).value = "已核对 checked"
    wb.save(sheet)
    out = tmp_path / "qda"
    result = _run("export", str(SEED), "--format", "csv", "--out", str(out),
                  "--codebook", "instruments", "--checked", str(sheet))
    assert result.returncode == 0, result.stderr
    segments = pd.read_csv(out / "coded_segments.csv", encoding="utf-8-sig")
    mine = segments[segments["text"] == "树立“一盘棋”思想"]
    # confirmed as it stands: the dictionary's code, now with a person's evidence; with no
    # coder name on the sheet the coder is the file's name
    assert mine["code"].tolist() == ["environment.guidance"]
    assert mine["evidence"].tolist() == [f"{CHECKED_EVIDENCE}：核对"]


PROSE = """第五章 对策建议

一、完善区域协调机制

（一）建立联席会议制度。由省政府牵头，定期召开城市群联席会议，协商解决跨市重大事项。

（二）设立区域发展基金。各市按比例出资，支持跨区域基础设施建设。

二、推进公共服务共享

（一）加强人才交流培训。组织各市干部互派挂职，开展联合培训。
"""


def test_a_prose_only_document_is_checked_item_by_item(tmp_path):
    doc = tmp_path / "建议.txt"
    doc.write_text(PROSE, encoding="utf-8")
    sheet = tmp_path / "核对.xlsx"
    wb, header = _check_sheet(doc, sheet, "--codebook", "instruments")
    ws = wb[SHEET_CODING]
    # no table, so no table, row or clause columns: items are keyed by section and number
    assert header[:5] == ["doc_id", "field", "section_no", "item_no", "text"]
    rows = {(ws.cell(r, 3).value, ws.cell(r, 4).value): r for r in range(2, ws.max_row + 1)}
    assert sorted(rows) == [("5.1", 1), ("5.1", 2), ("5.2", 1)]
    _recode(ws, header, rows[("5.1", 2)], "environment.fiscal")
    wb.save(sheet)
    out = tmp_path / "reports"
    result = _run("build", str(doc), "--out", str(out), "--codebook", "instruments",
                  "--checked", str(sheet), "--quiet")
    assert result.returncode == 0, result.stderr
    coded = pd.read_csv(out / "tables" / "coded.csv", encoding="utf-8-sig")
    fund_rows = coded[(coded["section_no"] == 5.1) & (coded["item_no"] == 2)]
    assert fund_rows["code"].tolist() == ["environment.fiscal"]
    assert fund_rows["evidence"].tolist() == ["人工核对：核对"]


def test_build_refuses_a_checked_sheet_it_cannot_use(tmp_path):
    missing = _run("build", str(SEED), "--out", str(tmp_path / "r1"),
                   "--checked", str(tmp_path / "nowhere.xlsx"), "--quiet")
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        f"cqanalysis: error: {tmp_path / 'nowhere.xlsx'}: file not found"]
    assert not (tmp_path / "r1").exists(), "nothing written"
    # a sheet of another document: read, then refused once the units are known
    other = tmp_path / "other.txt"
    other.write_text("表1 建议\n方向 | 建议 | 成效\n甲 | 设立专项资金 | 丙\n", encoding="utf-8")
    sheet = tmp_path / "other.xlsx"
    wb, header = _check_sheet(other, sheet)
    ws = wb[SHEET_CODING]
    ws["A2"].value = "另一份文档"
    ws.cell(row=2, column=header.index("checked") + 1).value = "已核对 checked"
    wb.save(sheet)
    result = _run("build", str(SEED), "--out", str(tmp_path / "r2"), "--checked", str(sheet),
                  "--quiet")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "另一份文档" in lines[0] and "is not in coded" in lines[0]
    assert not (tmp_path / "r2" / "README.md").exists()
