"""Exporter ``word``: Word three-line tables ``word/*.docx`` (cqanalysis.writers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import register_exporter, skip
from ._common import crosstab_parts, paper_tables, table_lang
from .figures import figure_plan

__all__ = ["export_word", "export_word_document"]


@register_exporter("word")
def export_word(analysis: Any, folder: Path, *, lang: str) -> list[Path]:
    """Write the source tables and the crosstabs with data into ``folder/word``."""
    from ..writers import write_word_tables

    return paper_tables(analysis, folder, lang=lang, writer=write_word_tables, sub="word",
                        pattern="*.docx")


#: File name of the thesis document under ``word/``, by table language.
DOCUMENT_NAME = {"zh": "对策建议表图.docx", "en": "tables_and_figures.docx"}


@register_exporter("word_document")
def export_word_document(analysis: Any, folder: Path, *, lang: str) -> list[Path]:
    """One Word document with every source table, crosstab and figure, captions numbered.

    The figures are the PNGs the ``figures`` exporter wrote into ``folder/figures``.
    """
    from ..writers import write_word_document

    frames = analysis.frames()
    parts = crosstab_parts(analysis, lang)
    figures = {}
    for spec in figure_plan(analysis):
        png = folder / "figures" / f"{spec.stem(lang)}.png"
        if png.is_file():
            figures[spec.stem(lang)] = (png, spec.title_en if lang == "en" else spec.title_zh)
    if frames["tables"].empty and not parts["crosstabs"] and not figures:
        skip("the thesis Word document", "no source table, crosstab or figure")
        return []
    name = DOCUMENT_NAME[table_lang(lang)]
    return [write_word_document(folder / "word" / name, tables=frames["tables"],
                                rows=frames["rows"], **parts, figures=figures,
                                lang=table_lang(lang))]
