"""Exporter ``latex``: LaTeX booktabs tables ``latex/*.tex`` (cqanalysis.writers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import register_exporter
from ._common import paper_tables

__all__ = ["export_latex"]


@register_exporter("latex")
def export_latex(analysis: Any, folder: Path, *, lang: str) -> list[Path]:
    """Write the source tables and the crosstabs with data into ``folder/latex``."""
    from ..writers import write_latex_tables

    return paper_tables(analysis, folder, lang=lang, writer=write_latex_tables, sub="latex",
                        pattern="*.tex")
