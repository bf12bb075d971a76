"""Write the QDA tables (:mod:`cqanalysis.qda`) as CSV and xlsx, and codebooks as xlsx/csv/qdc.

Thin writers: the frames are computed once by :func:`cqanalysis.qda.qda_frames`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.io import write_csv
from ._sheetdata import append_rows, close_with_rows
from ._text import sheet_title
from ._xlsx import save_workbook, text_cell

__all__ = ["CODEBOOK_FORMATS", "write_codebook", "write_frame_xlsx", "write_qda_tables"]

#: Formats :func:`write_codebook` writes, by file suffix.
CODEBOOK_FORMATS = ("xlsx", "csv", "qdc")


def write_frame_xlsx(frames: Mapping[str, pd.DataFrame], path: str | os.PathLike[str]) -> Path:
    """Write frames as sheets of one workbook: header in row 1, text kept as text, byte-identical.

    A cell starting with ``=`` stays text, never a formula; ``pd.read_excel(path, sheet_name=…)``
    reads each frame back.
    """
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    used: set[str] = set()
    for name, frame in frames.items():
        ws = wb.create_sheet(sheet_title(name, used))
        ws.append([text_cell(ws, str(c)) for c in frame.columns])
        close_with_rows(ws, append_rows(ws, frame))
    save_workbook(wb, path)
    return Path(path)


def write_codebook(codebooks: Iterable[Any], path: str | os.PathLike[str], *,
                   lang: str = "zh") -> Path:
    """Write codebooks as ``.xlsx``, ``.csv`` (:func:`cqanalysis.qda.codebook_table`) or ``.qdc``.

    The format follows the suffix of ``path``; the CSV has a ``path`` and a ``description``
    column, which is what Taguette's codebook import reads.

    Raises
    ------
    ValueError
        A suffix other than .xlsx, .csv, .qdc.
    """
    from ..qda import codebook_table
    from .refi import write_qdc

    target = Path(path)
    suffix = target.suffix.lower().lstrip(".")
    books = list(codebooks)
    if suffix == "qdc":
        return write_qdc(books, target, lang=lang)
    if suffix == "csv":
        return write_csv(codebook_table(books, lang=lang), target)
    if suffix == "xlsx":
        return write_frame_xlsx({"codebook": codebook_table(books, lang=lang)}, target)
    raise ValueError(f"{target}: a codebook is written as {', '.join(CODEBOOK_FORMATS)}")


def write_qda_tables(analysis: Any, folder: str | os.PathLike[str], *,
                     frames: Mapping[str, pd.DataFrame] | None = None,
                     lang: str = "zh") -> list[Path]:
    """Write the QDA tables into ``folder`` (``reports/tables/``): CSV each, one xlsx of all.

    Files: ``code_presence.csv``, ``coded_segments.csv``, ``codebook.csv``, ``codebook.qdc``
    and ``qda_tables.xlsx`` (one sheet per table).  ``frames`` defaults to
    :func:`cqanalysis.qda.qda_frames` of ``analysis``.
    """
    from ..qda import qda_frames
    from .refi import write_qdc

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    tables = dict(frames) if frames is not None else qda_frames(analysis, lang=lang)
    written = [write_csv(frame, out / f"{name}.csv") for name, frame in tables.items()]
    written.append(write_qdc(analysis.codebooks, out / "codebook.qdc", lang=lang))
    written.append(write_frame_xlsx(tables, out / "qda_tables.xlsx"))
    return written
