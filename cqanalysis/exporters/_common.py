"""What several exporters share: the crosstabs worth writing, their titles and statistics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..core.constants import MARGIN_NAMES

__all__ = ["crosstab_parts", "crosstab_problem", "paper_tables", "table_lang"]


def table_lang(lang: str) -> str:
    """Tables and the appendix have one label language: English only for ``lang="en"``."""
    return "en" if lang == "en" else "zh"


def crosstab_problem(table: pd.DataFrame) -> str | None:
    """Why a crosstab is not worth a file (no cells, or nothing counted), or None."""
    body = table.drop(index=list(MARGIN_NAMES), columns=list(MARGIN_NAMES), errors="ignore")
    if body.shape[0] == 0 or body.shape[1] == 0:
        return "no categories to cross (nothing coded on one of its dimensions)"
    if body.to_numpy().sum() == 0:
        return "every cell is 0 (no coded unit falls in it)"
    return None


def crosstab_parts(analysis: Any, lang: str) -> dict[str, Any]:
    """Keyword arguments of the Word, LaTeX and appendix writers for the crosstabs with data."""
    kept = {name: table for name, table in analysis.crosstabs.items()
            if crosstab_problem(table) is None}
    titles = {name: (zh if lang != "en" else en)
              for name, (zh, en) in analysis.titles.items() if name in kept}
    tests = analysis.tests
    stats = {name: tests[tests["crosstab"] == name].drop(columns="crosstab") for name in kept}
    return {"crosstabs": kept, "crosstab_stats": stats, "crosstab_titles": titles}


def paper_tables(analysis: Any, folder: Path, *, lang: str, writer: Any, sub: str,
                 pattern: str) -> list[Path]:
    """Source tables and crosstabs with data through a per-table writer (Word, LaTeX).

    ``writer`` is :func:`cqanalysis.write_word_tables` or :func:`write_latex_tables`; the
    files go to ``folder/sub``; without any table to write, nothing is written and
    ``sub/pattern`` is reported as skipped.
    """
    from . import skip

    frames = analysis.frames()
    parts = crosstab_parts(analysis, lang)
    if frames["tables"].empty and not parts["crosstabs"]:
        skip(f"{sub}/{pattern}", "no source table and no crosstab with data")
        return []
    return list(writer(folder / sub, tables=frames["tables"], rows=frames["rows"], **parts,
                       lang=table_lang(lang)))
