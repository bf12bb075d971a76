"""Exporter ``crosstabs``: each crosstab with data as ``crosstabs/<name>.csv``, and the tests.

A crosstab that counts nothing is skipped with a reason rather than written as a table of
zeros; ``tests.csv`` holds the tests of the crosstabs written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.io import write_csv
from . import register_exporter, skip
from ._common import crosstab_problem

__all__ = ["export_crosstabs"]


@register_exporter("crosstabs")
def export_crosstabs(analysis: Any, folder: Path, *, lang: str) -> list[Path]:
    """Write ``folder/crosstabs/<name>.csv`` per crosstab and ``crosstabs/tests.csv``."""
    written: list[Path] = []
    for name, table in analysis.crosstabs.items():
        problem = crosstab_problem(table)
        if problem:
            skip(f"crosstab {name}", problem)
            continue
        written.append(write_csv(table.reset_index(), folder / "crosstabs" / f"{name}.csv"))
    kept = [path.stem for path in written]
    if not kept:
        skip("crosstabs/tests.csv", "no crosstab to test")
        return written
    tests = analysis.tests[analysis.tests["crosstab"].isin(kept)]
    written.append(write_csv(tests, folder / "crosstabs" / "tests.csv"))
    return written
