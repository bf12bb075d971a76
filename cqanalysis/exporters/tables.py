"""Exporter ``tables``: every tidy frame as ``tables/<frame>.csv`` (UTF-8 with BOM).

A frame with no rows is still written, header only: the frames have a fixed schema, and an
empty ``errors.csv`` says that nothing failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.io import write_csv
from . import register_exporter

__all__ = ["TABLE_FRAMES", "export_tables"]

#: The frames written, in this order.
TABLE_FRAMES = ("sections", "tables", "rows", "cells", "items", "paragraphs", "residue", "errors",
                "documents", "clauses", "coded", "links")


@register_exporter("tables")
def export_tables(analysis: Any, folder: Path, *, lang: str) -> list[Path]:
    """Write the frames of :data:`TABLE_FRAMES` into ``folder/tables``."""
    frames = {**analysis.frames(), "documents": analysis.corpus.documents}
    return [write_csv(frames[name], folder / "tables" / f"{name}.csv") for name in TABLE_FRAMES]
