"""Office Open XML helpers: byte-reproducible .xlsx/.docx zips and inert, lossless Excel cells."""

from __future__ import annotations

import math
import os
import re
import zipfile
from datetime import datetime
from typing import Any

import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES

from ..core.io import atomic_path, normalize_ooxml

__all__ = [
    "column_values",
    "normalize_ooxml",
    "number_cell",
    "save_workbook",
    "text_cell",
    "unescape_text",
]

# Characters XML 1.0 cannot carry; openpyxl refuses them. Excel and LibreOffice decode the
# OOXML escape _xHHHH_ back to the character, so text that already looks like such an escape
# has its underscore escaped (_x005F_) to stay literal.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_ERROR_CODES = frozenset(ERROR_CODES)
#: Excel's limit on the characters of one cell.
EXCEL_MAX_CHARS = 32_767
# Integers beyond 2**53 lose digits in openpyxl's "%.16g" number formatting.
_EXACT_INT = 2**53


# --------------------------------------------------------------------------- inert cells


def _escape_illegal(text: str) -> str:
    return _NEEDS_ESCAPE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def unescape_text(text: str) -> str:
    """Undo the ``_xHHHH_`` escapes :func:`text_cell` writes (as Excel does on reading)."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _needs_text_cell(value: str) -> bool:
    # openpyxl turns a str starting with "=" into a formula and "#N/A" & co. into error cells;
    # anything else that starts with + - @ is already written as a plain string.
    return value[:1] == "=" or value in _ERROR_CODES or _NEEDS_ESCAPE.search(value) is not None


def text_cell(ws: Any, value: str, **style: Any) -> WriteOnlyCell:
    """A write-only cell holding ``value`` as a string, never a formula or an error code.

    ``style`` sets cell attributes such as ``font``, ``alignment`` or ``number_format``.
    """
    cell = WriteOnlyCell(ws)
    # Bypass openpyxl's type guessing: data_type "s" is always written as an inline string.
    # Cut at Excel's cell limit as openpyxl cuts a plain string (a longer cell makes Excel
    # call the workbook damaged); the CSV keeps the whole text.
    cell._value = _escape_illegal(value[:EXCEL_MAX_CHARS])
    cell.data_type = "s"
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def number_cell(ws: Any, value: float | int, **style: Any) -> WriteOnlyCell | None:
    """A write-only numeric cell whose text reads back as exactly ``value``.

    openpyxl writes numbers with ``"%.16g"``, which drops the 17th digit some floats need and
    the ``.0`` that tells a float from an int on reading; ``repr`` keeps both. Infinite values
    become the text ``inf``/``-inf`` (a spreadsheet number cannot hold them); NaN gives ``None``.
    """
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return text_cell(ws, "inf" if value > 0 else "-inf", **style)
        text = repr(value)
    else:
        text = str(int(value))
    cell = WriteOnlyCell(ws)
    cell._value = text
    cell.data_type = "n"
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def is_nullable_numeric(series: pd.Series) -> bool:
    """A nullable (Int64, boolean, Float64) column: it holds pd.NA."""
    return series.dtype.kind in "biuf" and isinstance(series.dtype,
                                                      pd.api.extensions.ExtensionDtype)


def nullable_values(series: pd.Series, convert: Any) -> list[Any]:
    """A nullable column's values: ``None`` (an empty cell) for pd.NA, ``convert`` of the rest
    as a numpy column."""
    present = series.notna().to_numpy()
    values = convert(series[present].astype(series.dtype.numpy_dtype))
    out: list[Any] = [None] * len(series)
    for pos, value in zip(present.nonzero()[0], values, strict=True):
        out[pos] = value
    return out


def column_values(series: pd.Series, ws: Any) -> list[Any]:
    """The values of ``series`` ready for ``WriteOnlyWorksheet.append``, losslessly.

    Missing values (NaN, None, pd.NA, NaT) become absent cells and ``""`` an empty text cell
    (the two differ on reading with :func:`cqanalysis.writers.appendix.read_appendix`); bools and
    integers stay numbers of their kind; floats keep every digit and their float-ness; strings
    stay strings whatever they start with. Other objects (lists, dicts) are written as their
    ``str``. Timezone-aware datetimes are converted to naive UTC (Excel has no time zones).
    """
    kind = series.dtype.kind
    if is_nullable_numeric(series):
        return nullable_values(series, lambda s: column_values(s, ws))
    if kind == "b":
        return [bool(v) for v in series.tolist()]
    if kind in "iu":
        values = series.tolist()
        if values and max(abs(int(series.max())), abs(int(series.min()))) >= _EXACT_INT:
            return [number_cell(ws, v) if abs(v) >= _EXACT_INT else v for v in values]
        return values
    if kind == "f":
        return [number_cell(ws, v) for v in series.tolist()]
    if kind == "M":
        if getattr(series.dtype, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return [None if pd.isna(v) else v.to_pydatetime() for v in series]
    missing = series.isna().tolist()
    objects = series.astype(object).tolist()
    return [None if na else _object_value(v, ws) for v, na in zip(objects, missing, strict=True)]


def _object_value(v: Any, ws: Any) -> Any:
    if isinstance(v, str):
        return text_cell(ws, v) if _needs_text_cell(v) else v
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return number_cell(ws, v) if abs(v) >= _EXACT_INT else v
    if isinstance(v, float):
        return number_cell(ws, v)
    if isinstance(v, datetime):
        if v.tzinfo is not None:
            v = pd.Timestamp(v).tz_convert("UTC").tz_localize(None)
        return v.to_pydatetime() if isinstance(v, pd.Timestamp) else v
    if hasattr(v, "item") and not isinstance(v, (list, tuple, dict)):  # numpy scalars
        return _object_value(v.item(), ws)
    return _object_value(str(v), ws)


def save_workbook(wb: Any, path: str | os.PathLike[str]) -> None:
    """Save ``wb`` atomically and byte-reproducibly (:func:`~cqanalysis.core.io.normalize_ooxml`).

    openpyxl's own save deflates every part and normalize_ooxml would inflate and deflate
    them again to repack them deterministically; stored here, they are deflated once there.
    """
    from openpyxl.writer.excel import ExcelWriter

    if wb.write_only and not wb.worksheets:  # as Workbook.save: a workbook has a sheet
        wb.create_sheet()
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            ExcelWriter(wb, archive).save()
        normalize_ooxml(tmp)
