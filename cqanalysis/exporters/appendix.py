"""Exporter ``appendix``: the Excel appendix ``appendix.xlsx`` (cqanalysis.writers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import register_exporter, skip
from ._common import crosstab_parts, table_lang
from .figures import figure_plan

__all__ = ["export_appendix"]

#: The tidy frames given a sheet each, in this order; ``cells`` (tables that are not
#: recommendation tables) only when a document has such tables.
APPENDIX_FRAMES = ("rows", "items", "clauses", "coded", "links", "sections", "paragraphs",
                   "residue", "cells")


@register_exporter("appendix")
def export_appendix(analysis: Any, folder: Path, *, lang: str) -> list[Path]:
    """Write ``folder/appendix.xlsx`` with the frames, crosstabs, codebooks and figures.

    The figures are the PNGs the ``figures`` exporter wrote into ``folder/figures``.
    """
    from ..codebook import codebook_frames
    from ..learn import coverage_summary
    from ..qda import qda_frames
    from ..writers import write_appendix

    frames = analysis.frames()
    # cells exist only where a document has tables other than recommendation tables
    empty = [name for name in APPENDIX_FRAMES if frames[name].empty and name != "cells"]
    if empty:
        skip(f"appendix sheets {', '.join(empty)}", "no rows")
    pngs = {spec.stem(lang): folder / "figures" / f"{spec.stem(lang)}.png"
            for spec in figure_plan(analysis)}
    tidy = {name: frames[name] for name in APPENDIX_FRAMES if not frames[name].empty}
    tidy.update(qda_frames(analysis, lang=table_lang(lang)))
    return [write_appendix(
        folder / "appendix.xlsx", frames=tidy,
        tables=frames["tables"], rows=frames["rows"], **crosstab_parts(analysis, lang),
        codebooks=_with_file_hashes(codebook_frames(analysis.codebooks), analysis.codebooks),
        coverage=coverage_summary(analysis.coded, codebooks=analysis.codebooks),
        sources=analysis.corpus.documents,
        warnings=list(analysis.corpus.warnings),
        figures={stem: png for stem, png in pngs.items() if png.is_file()},
        lang=table_lang(lang))]


def _with_file_hashes(frames: dict[str, Any], codebooks: Any) -> dict[str, Any]:
    """The codebook frames, each carrying its YAML file's SHA-256 for the cover.

    The cover then shows the hash of the file a reader can check (as ``README.md`` does),
    not a hash of the table.
    """
    from ..core.io import file_sha256

    for book in codebooks:
        if book.path and Path(book.path).is_file() and book.name in frames:
            frames[book.name].attrs["sha256"] = file_sha256(book.path)
    return frames
