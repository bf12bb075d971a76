"""Write the QDA tables (:mod:`cqanalysis.qda`) as CSV and xlsx, and codebooks as xlsx/csv/qdc.

Thin writers: the frames are computed once by :func:`cqanalysis.qda.qda_frames`.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.cell.cell import Cell

from ..core.io import atomic_path, normalize_ooxml, write_csv
from ._text import sheet_title
from ._xlsx import column_values, text_cell

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
    rows_of: dict[str, list[list[Any]]] = {}  # sheet file → its columns' values, row 2 on
    for k, (name, frame) in enumerate(frames.items(), start=1):
        ws = wb.create_sheet(sheet_title(name, used))
        ws.append([text_cell(ws, str(c)) for c in frame.columns])
        columns = [column_values(frame[c], ws) for c in frame.columns]
        if all(_plain_cell(v) for column in columns for v in column):
            rows_of[f"xl/worksheets/sheet{k}.xml"] = columns
            continue
        for row in zip(*columns, strict=True):
            ws.append(list(row))
    with atomic_path(path) as tmp:
        wb.save(tmp)
        if rows_of:
            _add_rows(tmp, rows_of)
        normalize_ooxml(tmp)
    return Path(path)


# Sheets whose cells are all plain (text, integers, unstyled text or number cells, empty)
# get their rows written here, as openpyxl writes them, instead of one openpyxl cell at a
# time: the 0/1 matrix of a 1,000-document corpus has millions of cells.  Anything else
# (dates, booleans, styles) leaves the sheet to openpyxl.
def _plain_cell(value: Any) -> bool:
    kind = type(value)
    if kind is str or value is None:
        return True
    if kind is int:
        return abs(value) < 2**53  # openpyxl writes "%.16g", exact below 2**53
    return (isinstance(value, Cell) and not value.has_style and value._comment is None
            and value.hyperlink is None and value.data_type in ("s", "n")
            and type(value._value) is str)


def _cell_xml(ref: str, value: Any) -> str:
    """One plain cell as openpyxl's lxml writer writes it (non-ASCII escaped on encoding)."""
    kind = type(value)
    if kind is int:
        return f'<c r="{ref}" t="n"><v>{value}</v></c>'
    if kind is str:
        value = value[:32767]  # openpyxl cuts a string value to Excel's limit
    elif value.data_type == "n":
        return f'<c r="{ref}" t="n"><v>{value._value}</v></c>' if value._value else \
            f'<c r="{ref}" t="n"></c>'
    else:
        value = value._value
    if not value:
        return f'<c r="{ref}" t="inlineStr"></c>'
    space = ' xml:space="preserve"' if value != value.strip() else ""
    text = (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _add_rows(path: Path, rows_of: Mapping[str, list[list[Any]]], chunk: int = 2000) -> None:
    """Write the rows (from row 2) of the sheets ``rows_of`` names into the saved workbook."""
    from openpyxl.utils import get_column_letter

    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info)) for info in src.infolist()]
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as dst:
        for name, data in entries:
            if name not in rows_of:
                dst.writestr(name, data)
                continue
            head, end, tail = data.partition(b"</sheetData>")
            if not end or end in tail:
                raise RuntimeError(f"{name}: not one sheetData element")
            columns = rows_of[name]
            letters = [get_column_letter(j) for j in range(1, len(columns) + 1)]
            with dst.open(name, "w", force_zip64=True) as out:
                out.write(head)
                rows = list(zip(*columns, strict=True))
                for at in range(0, len(rows), chunk):
                    xml = "".join(
                        f'<row r="{r}">'
                        + "".join(_cell_xml(f"{col}{r}", v)
                                  for col, v in zip(letters, row, strict=True) if v is not None)
                        + "</row>"
                        for r, row in enumerate(rows[at:at + chunk], start=at + 2))
                    out.write(xml.encode("ascii", "xmlcharrefreplace"))
                out.write(end + tail)


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
