"""Command line of the coding workflow: ``sheet``, ``agree``, ``export`` (success and bad input)."""

from __future__ import annotations

import zipfile

import openpyxl
import pandas as pd
import pytest

from cqanalysis.cli import main


def _run(capsys, *argv):
    status = main([str(a) for a in argv])
    err = capsys.readouterr().err
    return status, err


def _one_line_error(capsys, *argv):
    with pytest.raises(SystemExit) as raised:
        main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert raised.value.code == 2 and len(err.strip().splitlines()) == 1
    return err


def test_sheet_writes_the_clauses_then_the_items(capsys, seed_path, tmp_path):
    status, _ = _run(capsys, "sheet", seed_path, "--out", tmp_path / "s.xlsx", "--coder", "王",
                     "--codebook", "instruments")
    assert status == 0
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")["编码 coding"]
    assert [c.value for c in ws[1]] == ["doc_id", "table_id", "row_no", "field", "clause_no",
                                        "section_no", "item_no", "text", "instruments", "note"]
    # line 8 of the chapter: 区域观念强化 | 树立“一盘棋”思想,摒弃“行政区经济” | …
    assert [c.value for c in ws[2]][1:8] == ["5.1.1", 1, "measure", 1, "5.1", None,
                                             "树立“一盘棋”思想"]
    assert [c.value for c in ws[3]][7] == "摒弃“行政区经济”"
    # the 30 narrative items follow the table clauses, keyed by section and number
    items = [r for r in range(2, ws.max_row + 1) if ws.cell(r, 4).value == "item"]
    assert len(items) == 30 and items[-1] == ws.max_row
    assert [ws.cell(items[0], c).value for c in (2, 3, 5, 6, 7)] == [None, None, None, "5.1", 1]
    assert ws.cell(items[0], 8).value.startswith("强化区域整体观念：")


def test_sheet_of_a_missing_file(capsys, tmp_path):
    status, err = _run(capsys, "sheet", tmp_path / "nope.txt", "--out", tmp_path / "s.xlsx")
    assert status == 2
    assert err.strip() == f"cqanalysis: error: {tmp_path / 'nope.txt'}: no such file or directory"
    assert not (tmp_path / "s.xlsx").exists()


def test_sheet_with_an_unknown_codebook(capsys, seed_path, tmp_path):
    status, err = _run(capsys, "sheet", seed_path, "--out", tmp_path / "s.xlsx",
                       "--codebook", "nosuch")
    assert status == 2 and "no shipped codebook of that name" in err
    assert len(err.strip().splitlines()) == 1


def _filled(capsys, seed_path, tmp_path, coder, codes):
    path = tmp_path / f"{coder}.xlsx"
    assert _run(capsys, "sheet", seed_path, "--out", path, "--coder", coder,
                "--codebook", "instruments")[0] == 0
    wb = openpyxl.load_workbook(path)
    ws = wb["编码 coding"]
    column = [c.value for c in ws[1]].index("instruments") + 1
    measure_rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, 4).value == "measure"]
    for row, code in zip(measure_rows, codes, strict=False):
        ws.cell(row, column).value = code
    wb.save(path)
    return path


def test_agree_reads_filled_sheets(capsys, seed_path, tmp_path):
    a = _filled(capsys, seed_path, tmp_path, "甲", ["supply"] * 4)
    b = _filled(capsys, seed_path, tmp_path, "乙", ["supply", "supply", "demand", "demand"])
    status, _ = _run(capsys, "agree", a, b, "--codebook", "instruments",
                     "--out", tmp_path / "agree")
    assert status == 0
    report = pd.read_csv(tmp_path / "agree" / "agreement.csv", encoding="utf-8-sig")
    overall = report[report["scope"] == "overall"].iloc[0]
    # four clauses coded by both; they agree on the first two
    assert (overall["n_units"], overall["n_coders"]) == (4, 2)
    assert overall["percent_agreement"] == 0.5
    assert (tmp_path / "agree" / "agreement.xlsx").exists()


def test_agree_with_a_file_that_is_not_a_sheet(capsys, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    status, err = _run(capsys, "agree", bad, bad, "--out", tmp_path / "agree")
    assert status == 2 and err.startswith("cqanalysis: error: ") and "bad.xlsx" in err
    assert len(err.strip().splitlines()) == 1


def test_export_qdpx_qdc_csv_and_xlsx(capsys, seed_path, tmp_path):
    assert _run(capsys, "export", seed_path, "--format", "qdpx", "--out", tmp_path / "p.qdpx")[
        0] == 0
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        assert zf.namelist()[0] == "project.qde"
    assert _run(capsys, "export", "--format", "qdc", "--out", tmp_path / "c.qdc")[0] == 0
    assert (tmp_path / "c.qdc").read_text(encoding="utf-8").count('isCodable="false"') == 3
    assert _run(capsys, "export", seed_path, "--format", "csv", "--out", tmp_path / "t")[0] == 0
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [
        "code_presence.csv", "codebook.csv", "codebook.qdc", "coded_segments.csv",
        "qda_tables.xlsx"]
    assert _run(capsys, "export", "--format", "xlsx", "--out", tmp_path / "cb.xlsx")[0] == 0
    assert pd.read_excel(tmp_path / "cb.xlsx")["codebook"].unique().tolist() == [
        "instruments", "outcomes", "levels"]


def test_export_bad_input(capsys, tmp_path):
    status, err = _run(capsys, "export", "--format", "qdpx", "--out", tmp_path / "p.qdpx")
    assert (status, err.strip()) == (2, "cqanalysis: error: export --format qdpx: give INPUT "
                                        "documents")
    fake = tmp_path / "fake.qdc"
    fake.write_text("<nope/>", encoding="utf-8")
    status, err = _run(capsys, "export", "--format", "qdc", "--codebook", fake,
                       "--out", tmp_path / "c.qdc")
    assert status == 2 and "fake.qdc: root element is 'nope'" in err
    assert _one_line_error(capsys, "export", "--format", "pdf", "--out", tmp_path / "x")
