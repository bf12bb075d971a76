"""Exporter ``latex``: LaTeX booktabs tables ``latex/*.tex`` (cqanalysis.writers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import register_exporter, skip
from ._common import crosstab_parts, table_lang

__all__ = ["export_latex"]


@register_exporter("latex")
def export_latex(analysis: Any, folder: Path, *, lang: str) -> list[Path]:
    """Write the source tables and the crosstabs with data into ``folder/latex``."""
    from ..writers import write_latex_tables

    frames = analysis.frames()
    parts = crosstab_parts(analysis, lang)
    if frames["tables"].empty and not parts["crosstabs"]:
        skip("latex/*.tex", "no source table and no crosstab with data")
        return []
    return list(write_latex_tables(folder / "latex", tables=frames["tables"], rows=frames["rows"],
                                  **parts, lang=table_lang(lang)))
