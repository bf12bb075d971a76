"""Exporter ``word``: Word three-line tables ``word/*.docx`` (cqanalysis.writers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import register_exporter, skip
from ._common import crosstab_parts, table_lang

__all__ = ["export_word"]


@register_exporter("word")
def export_word(analysis: Any, folder: Path, *, lang: str) -> list[Path]:
    """Write the source tables and the crosstabs with data into ``folder/word``."""
    from ..writers import write_word_tables

    frames = analysis.frames()
    parts = crosstab_parts(analysis, lang)
    if frames["tables"].empty and not parts["crosstabs"]:
        skip("word/*.docx", "no source table and no crosstab with data")
        return []
    return list(write_word_tables(folder / "word", tables=frames["tables"], rows=frames["rows"],
                                  **parts, lang=table_lang(lang)))
