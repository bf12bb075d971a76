"""Exporters ``qda_tables`` and ``qdpx``: what QDA users ask for, and the REFI-QDA project.

``qda_tables`` writes ``tables/{code_presence,coded_segments,codebook}.csv``,
``tables/codebook.qdc`` and ``tables/qda_tables.xlsx``; ``qdpx`` writes ``project.qdpx`` for
NVivo, ATLAS.ti, MAXQDA and QualCoder (cqanalysis.writers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import register_exporter, skip
from ._common import table_lang

__all__ = ["export_qda_tables", "export_qdpx"]


@register_exporter("qda_tables")
def export_qda_tables(analysis: Any, folder: Path, *, lang: str) -> list[Path]:
    """Unit × code 0/1 matrix, coded segments with code paths, the codebooks as CSV and QDC."""
    from ..writers.qda_tables import write_qda_tables

    return write_qda_tables(analysis, folder / "tables", lang=table_lang(lang))


@register_exporter("qdpx")
def export_qdpx(analysis: Any, folder: Path, *, lang: str) -> list[Path]:
    """The documents, their coded clauses and items, and the codebooks as one .qdpx."""
    from ..writers.refi import write_qdpx

    if analysis.coded.dropna(subset=["code"]).empty:
        skip("project.qdpx", "no unit is coded")
        return []
    return [write_qdpx(analysis, folder / "project.qdpx", lang=table_lang(lang))]
