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
