"""The type checker runs clean on the typed rooms, with no ``# type: ignore`` in the lower ones.

mypy's settings and the checked folders are in ``pyproject.toml`` (``[tool.mypy] files``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNIGNORED = ("core", "sources", "parse")


def test_mypy_is_clean(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_no_type_ignore_in_core_sources_and_parse():
    found = [f"{path.relative_to(ROOT)}:{n}"
             for room in UNIGNORED for path in sorted((ROOT / "cqanalysis" / room).rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if "type: ignore" in line]
    assert found == []
