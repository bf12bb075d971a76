"""The command line: CSV outputs, exit status and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from cqanalysis.cli import main
from cqanalysis.core.schema import PARSE_FRAMES


def test_parse_writes_every_frame_as_bom_csv(tmp_path, seed_path):
    assert main(["parse", str(seed_path), "--out", str(tmp_path)]) == 0
    for name in (*PARSE_FRAMES, "errors", "documents"):
        raw = (tmp_path / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
    rows = pd.read_csv(tmp_path / "rows.csv", encoding="utf-8-sig")
    assert len(rows) == 29
    assert rows.loc[0, "measure"] == "树立“一盘棋”思想,摒弃“行政区经济”"
    assert pd.read_csv(tmp_path / "errors.csv", encoding="utf-8-sig").empty


def test_parse_output_is_byte_identical_across_runs(tmp_path, seed_path):
    main(["parse", str(seed_path), "--out", str(tmp_path / "a")])
    main(["parse", str(seed_path), "--out", str(tmp_path / "b")])
    for name in PARSE_FRAMES:
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == \
            (tmp_path / "b" / f"{name}.csv").read_bytes()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cqanalysis.cli", *args],
                          capture_output=True, text=True)


def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    out = tmp_path / "out"
    result = _run("parse", str(bad), "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"cqanalysis: error: {bad}: empty file (0 bytes)"]
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_strict_structural_problem_names_file_and_line(tmp_path):
    doc = tmp_path / "bad.txt"
    doc.write_text("表1 建议\n方向 建议 成效\n甲 乙 丙\n丁 戊 己 庚\n", encoding="utf-8")
    out = tmp_path / "out"
    result = _run("parse", str(doc), "--strict", "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.startswith(f"cqanalysis: error: {doc}:4: table 1: row has 4 cells")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_lenient_structural_problem_warns_on_one_line(tmp_path):
    doc = tmp_path / "bad.txt"
    doc.write_text("表1 建议\n方向 建议 成效\n甲 乙 丙\n丁 戊 己 庚\n", encoding="utf-8")
    result = _run("parse", str(doc), "--out", str(tmp_path / "out"))
    assert result.returncode == 0
    assert f"cqanalysis: warning: {doc}:4: table 1: row has 4 cells, header has 3" in \
        result.stderr
    residue = pd.read_csv(tmp_path / "out" / "residue.csv", encoding="utf-8-sig")
    assert residue[["line", "reason"]].values.tolist() == [[4, "table_row_cells"]]


@pytest.mark.parametrize("args", [[], ["parse"], ["parse", "x.txt"], ["frobnicate"]])
def test_usage_errors_exit_2(args):
    result = _run(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


# --- build: everything about --out, the inputs and --jobs is checked before any work ---------

def _no_staging(folder):
    return not list(folder.glob(".*-build-*"))


@pytest.mark.parametrize("case", ["out_is_file", "out_below_file", "jobs_zero", "jobs_negative",
                                  "missing_input", "out_is_input", "out_holds_input"])
def test_build_command_line_problems_exit_2_with_one_line(tmp_path, case):
    chapter = tmp_path / "thesis" / "chapter.txt"
    chapter.parent.mkdir()
    chapter.write_text("表1 建议\n方向 建议 成效\n甲 乙 丙\n", encoding="utf-8")
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    args, message = {
        "out_is_file": (["--out", str(tmp_path / "file.txt")], "is a file, not a folder"),
        "out_below_file": (["--out", str(tmp_path / "file.txt" / "r")],
                           "file.txt is a file, not a folder"),
        "jobs_zero": (["--jobs", "0"], "argument --jobs: must be a whole number of 1 or more"),
        "jobs_negative": (["--jobs", "-3"], "argument --jobs: must be a whole number of 1"),
        "missing_input": ([str(tmp_path / "nowhere")], "nowhere: no such file or folder"),
        "out_is_input": (["--out", str(chapter.parent)], "contains the input"),
        "out_holds_input": (["--out", str(tmp_path)], "contains the input"),
    }[case]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    if not any(a.startswith(str(tmp_path / "nowhere")) for a in args):
        args = [str(chapter.parent), *args]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "reports")]
    result = _run("build", *args, "--quiet")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cqanalysis: error: ")
    assert message in lines[0]
    assert sorted(p.name for p in tmp_path.rglob("*")) == before, "nothing written"
    assert _no_staging(tmp_path)


def test_build_reports_one_line_per_step_when_not_on_a_terminal(tmp_path):
    from .conftest import THIN_CHAPTERS, write_chapter

    chapter = write_chapter(tmp_path, "items.txt", THIN_CHAPTERS["items_only"])
    result = _run("build", str(chapter), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    steps = [line.removeprefix("cqanalysis build: ") for line in lines
             if line.startswith("cqanalysis build: ")]
    assert steps[:-1] == ["parse", "analyse", "tables", "crosstabs", "figures", "appendix",
                          "word", "word_document", "latex", "qda_tables", "qdpx", "publish"]
    assert steps[-1].startswith("built ") and "skipped" in steps[-1]
    warnings = [line for line in lines if line.startswith("cqanalysis: warning: skipped ")]
    assert "cqanalysis: warning: skipped figure 图4_编码共现网络: no table row is coded with a " \
           "policy instrument or an expected outcome" in warnings


def test_build_with_manifest_and_no_input_reads_only_the_manifest(tmp_path):
    from .conftest import THIN_CHAPTERS, write_chapter

    write_chapter(tmp_path, "items.txt", THIN_CHAPTERS["items_only"])
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,doc_id\nitems.txt,社区\n", encoding="utf-8")
    out = tmp_path / "out"
    result = _run("build", "--manifest", str(manifest), "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    docs = pd.read_csv(out / "tables" / "documents.csv", encoding="utf-8-sig")
    assert docs["doc_id"].tolist() == ["社区"]


def test_options_file_sets_parse_options_and_unknown_keys_exit_2(tmp_path):
    doc = tmp_path / "doc.txt"
    # a 12-character title before the colon: an item by default, prose with max_title_chars 5
    doc.write_text("一、总体要求\n加强基层治理能力建设:完善议事协商制度。\n", encoding="utf-8")
    options = tmp_path / "options.yaml"
    options.write_text("max_title_chars: 5\n", encoding="utf-8")
    assert main(["parse", str(doc), "--out", str(tmp_path / "a")]) == 0
    assert main(["parse", str(doc), "--out", str(tmp_path / "b"), "--options",
                 str(options)]) == 0
    items_a = pd.read_csv(tmp_path / "a" / "items.csv", encoding="utf-8-sig")
    items_b = pd.read_csv(tmp_path / "b" / "items.csv", encoding="utf-8-sig")
    assert items_a["title"].tolist() == ["加强基层治理能力建设"]
    assert items_b.empty
    options.write_text("max_title_chars: 5\nmax_titel_chars: 9\n", encoding="utf-8")
    result = _run("parse", str(doc), "--out", str(tmp_path / "c"), "--options", str(options))
    assert result.returncode == 2
    assert result.stderr == (
        f"cqanalysis: error: {options}: unknown parse option 'max_titel_chars'\n")
    assert not (tmp_path / "c").exists()


def test_parse_refuses_an_out_folder_inside_its_input_folder(tmp_path):
    doc = tmp_path / "docs" / "a.txt"
    doc.parent.mkdir()
    doc.write_text("表1 建议\n方向 建议 成效\n甲 乙 丙\n", encoding="utf-8")
    result = _run("parse", str(doc.parent), "--out", str(doc.parent / "csv"))
    assert result.returncode == 2
    assert "is inside the input folder" in result.stderr
    assert sorted(p.name for p in doc.parent.iterdir()) == ["a.txt"]
