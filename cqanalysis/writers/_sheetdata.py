"""The data rows of a tidy-frame sheet as SpreadsheetML text, byte for byte what openpyxl writes.

openpyxl's write-only worksheet builds a cell object per value and serialises it through lxml:
about 10 µs a cell, 95% of an appendix's time (3.8 million cells for 200 documents). The values
of a tidy frame need none of that: each column has one kind of cell (inline text, number, bool,
date) and at most one style, so the ``<row>`` text can be built with string operations, text
escaped once per column block.

How it reaches the file (why this way): openpyxl streams a write-only sheet into a temporary
file through lxml's ``xmlfile``, which has no way to write ready-made markup, so the rows cannot
be fed to the open sheet (re-parsing them into elements would cost what we save). Splicing them
in during the zip re-pack (:func:`cqanalysis.core.io.normalize_ooxml`) would tie that generic
step to the appendix and keep every sheet's rows in memory until the save. Instead the sheet is
written by openpyxl with its header row only and closed (openpyxl's public ``close``; the save
then archives the closed sheet as it is), and the data rows, generated beforehand into a scratch
file, are inserted before its ``</sheetData>``: everything else in the sheet (columns, frozen
pane, filter, table part) stays openpyxl's own. Anything the generator does not reproduce
raises :class:`Unsupported` before the sheet is closed, and the caller appends the rows through
openpyxl instead. ``tests/test_appendix.py`` compares both paths byte for byte.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from ._text import escape_cdata
from ._xlsx import (
    _ERROR_CODES,
    _NEEDS_ESCAPE,
    EXCEL_MAX_CHARS,
    column_values,
    is_nullable_numeric,
    nullable_values,
)

__all__ = ["Unsupported", "append_rows", "close_with_rows", "shared_rows", "splice_rows",
           "write_rows_xml"]

#: Rows generated per block: bounds the memory of the strings of one block.
BLOCK_ROWS = 20_000
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_EMPTY_TEXT = ' t="inlineStr"></c>'
_TEXT = ' t="inlineStr"><is><t>'
_TEXT_SPACE = ' t="inlineStr"><is><t xml:space="preserve">'
_TEXT_END = "</t></is></c>"
_SHEET_DATA_END = b"</sheetData>"
_INFINITE = frozenset((math.inf, -math.inf))


class Unsupported(Exception):
    """A value this module does not write exactly as openpyxl would; use openpyxl."""


class _Inert(str):
    """Text already made inert by ``text_cell`` (written whole, never truncated)."""


class _Number(str):
    """A number's text as :func:`number_cell` writes it (ints beyond 2**53)."""


def _escape(texts: list[str]) -> list[str]:
    """XML-escape many texts in one pass, as lxml does (non-ASCII is escaped on encoding)."""
    if not texts:
        return []
    joined = "\x00".join(texts)
    if _SURROGATE.search(joined):
        raise Unsupported("lone surrogate")
    joined = escape_cdata(joined)
    parts = joined.split("\x00")
    if len(parts) != len(texts):
        raise Unsupported("NUL in text")
    return parts


def _text_payloads(texts: list[str]) -> list[str]:
    """The cell markup after ``<c r="A1"`` for each text (openpyxl's ``lxml_write_cell``)."""
    return [
        (_TEXT_SPACE if text != text.strip() else _TEXT) + escaped + _TEXT_END if text
        else _EMPTY_TEXT
        for text, escaped in zip(texts, _escape(texts), strict=True)
    ]  # fmt: skip


def _python_values(series: pd.Series, ws: Any) -> list[Any]:
    """What :func:`column_values` gives, but floats as floats and text cells as :class:`_Inert`."""
    kind = series.dtype.kind
    if is_nullable_numeric(series):
        return nullable_values(series, lambda s: _python_values(s, ws))
    if kind == "f":
        return series.tolist()
    if kind not in "biuM":
        texts = _plain_texts(series)
        if texts is not None:
            return texts
    values = column_values(series, ws)
    for i, v in enumerate(values):
        if isinstance(v, Cell):
            if v.data_type == "s":
                values[i] = _Inert(v._value)
            elif v.data_type == "n" and not v.has_style:
                values[i] = _Number(v._value)
            else:
                raise Unsupported(f"cell of type {v.data_type}")
    return values


def _plain_texts(series: pd.Series) -> list[Any] | None:
    """The values of a column of strings none of which ``text_cell`` must guard, else ``None``.

    The test :func:`cqanalysis.writers._xlsx.column_values` makes value by value, made on the
    whole column at once (a false alarm only sends the column down the value-by-value path).
    """
    missing = series.isna().to_numpy()
    values = series.astype(object).tolist()
    present = [v for v, na in zip(values, missing, strict=True) if not na] if missing.any() \
        else values
    try:
        joined = "\n".join(present)
    except TypeError:  # not all strings
        return None
    if joined.startswith("=") or "\n=" in joined or not _ERROR_CODES.isdisjoint(present):
        return None
    if _NEEDS_ESCAPE.search(joined):
        return None
    return [None if na else v for v, na in zip(values, missing, strict=True)] if missing.any() \
        else values


class _Column:
    """One column of a block: its values, and the ``s`` attribute of its styled cells."""

    def __init__(self, letter: str, values: list[Any], is_float: bool) -> None:
        self.letter = letter
        self.values = values
        self.is_float = is_float
        self.kinds = set(map(type, values))
        self.kinds.discard(type(None))

    def first_styled(self, float_format: str | None) -> tuple[int, Any] | None:
        """Position and value of the first cell openpyxl styles (a date, or a formatted float)."""
        if not (self.is_float and float_format) and not any(
            issubclass(k, datetime) for k in self.kinds
        ):
            return None
        for i, v in enumerate(self.values):
            if isinstance(v, datetime):
                return i, v
            if self.is_float and float_format and type(v) is float and math.isfinite(v):
                return i, v
        return None

    def payloads(self, style: str, epoch: Any) -> list[str | None]:
        """Each cell's markup after ``<c r="A1"``; ``None`` for an absent cell."""
        values = self.values
        kinds = self.kinds
        if kinds <= {str}:  # the common columns first, in one comprehension each
            present = [v[:EXCEL_MAX_CHARS] for v in values if v is not None]
            payloads = iter(_text_payloads(present))
            return [None if v is None else next(payloads) for v in values]
        if kinds <= {int}:
            return [None if v is None else f' t="n"><v>{v:.16g}</v></c>' for v in values]
        if kinds <= {float} and not _INFINITE.intersection(values):
            number = f'{style} t="n"><v>'
            return [None if v is None or v != v else f"{number}{v!r}</v></c>" for v in values]
        return self._mixed_payloads(style, epoch)

    def _mixed_payloads(self, style: str, epoch: Any) -> list[str | None]:
        values = self.values
        out: list[str | None] = [None] * len(values)
        texts = [(i, v) for i, v in enumerate(values) if isinstance(v, str)
                 and not isinstance(v, _Number)]  # fmt: skip
        plain = [v if isinstance(v, _Inert) else v[:EXCEL_MAX_CHARS] for _, v in texts]
        for (i, _), payload in zip(texts, _text_payloads(plain), strict=True):
            out[i] = payload
        number = f'{style} t="n"><v>' if self.is_float else ' t="n"><v>'
        for i, v in enumerate(values):
            if v is None or out[i] is not None:
                continue
            kind = type(v)
            if kind is float:
                if math.isnan(v):
                    continue
                if math.isinf(v):  # number_cell writes these as the text inf / -inf
                    out[i] = _TEXT + ("inf" if v > 0 else "-inf") + _TEXT_END
                else:
                    out[i] = f"{number}{v!r}</v></c>"
            elif kind is bool:
                out[i] = ' t="b"><v>1</v></c>' if v else ' t="b"><v>0</v></c>'
            elif kind is int:
                out[i] = f' t="n"><v>{v:.16g}</v></c>'  # openpyxl's safe_string
            elif kind is _Number:
                out[i] = f' t="n"><v>{v}</v></c>'
            elif isinstance(v, datetime):
                serial = to_excel(v, epoch)
                if serial is None:
                    raise Unsupported(f"date {v!r}")
                out[i] = f'{style} t="n"><v>{safe_string(serial)}</v></c>'
            else:
                raise Unsupported(f"value of type {kind.__name__}")
        return out


def _register_styles(
    ws: Any, columns: Sequence[_Column], styles: dict[int, str], float_format: str | None
) -> None:
    """Give each column's first styled cell its style id, in openpyxl's (row, column) order.

    openpyxl adds a cell's style to the workbook's list when it writes the cell, so style ids
    follow the order in which cells first use them; a real cell is styled here in that order.
    """
    firsts = []
    for j, column in enumerate(columns):
        if j not in styles:
            found = column.first_styled(float_format)
            if found is not None:
                firsts.append((found[0], j, found[1]))
    for _, j, value in sorted(firsts, key=lambda f: (f[0], f[1])):
        cell = WriteOnlyCell(ws)
        if isinstance(value, datetime):
            cell.value = value  # binding a date sets its number format, as openpyxl does
        else:
            cell._value, cell.data_type = repr(value), "n"
            cell.number_format = float_format
        styles[j] = f' s="{cell.style_id}"'


def _block_xml(df: pd.DataFrame, start: int, ws: Any, float_format: str | None,
               styles: dict[int, str]) -> str:
    """The ``<row>`` elements of rows ``start`` … of ``df`` (sheet row = frame row + 2)."""
    block = df.iloc[start : start + BLOCK_ROWS]
    columns = [
        _Column(get_column_letter(j + 1), _python_values(block.iloc[:, j], ws),
                block.iloc[:, j].dtype.kind == "f")
        for j in range(block.shape[1])
    ]  # fmt: skip
    _register_styles(ws, columns, styles, float_format)
    first = start + 2
    numbers = range(first, first + len(block))
    cells = []
    for j, column in enumerate(columns):
        letter = column.letter
        payloads = column.payloads(styles.get(j, ""), ws.parent.epoch)
        cells.append([f'<c r="{letter}{r}"{p}' if p is not None else ""
                      for r, p in zip(numbers, payloads, strict=True)])  # fmt: skip
    rows = zip(numbers, zip(*cells, strict=True), strict=True)
    return "".join(f'<row r="{r}">{"".join(row)}</row>' for r, row in rows)


def write_rows_xml(df: pd.DataFrame, ws: Any, float_format: str | None) -> Path:
    """Write the ``<row>`` elements of ``df``'s values (rows 2 …) to a scratch file.

    Registers the cells' styles with ``ws``'s workbook exactly as openpyxl would when writing
    them, so call it right after the header row is appended. Floats get ``float_format``.

    Raises
    ------
    Unsupported
        A value is not reproduced exactly; nothing is left behind and the caller appends the
        rows through openpyxl (styles registered so far are the ones openpyxl registers first).
    """
    if ws.parent.iso_dates:
        raise Unsupported("iso_dates")
    styles: dict[int, str] = {}
    formatted = bool(float_format) and any(
        df.iloc[:, j].dtype.kind == "f"
        and np.isfinite(df.iloc[:, j].to_numpy(dtype=float, na_value=np.nan)).any()
        for j in range(df.shape[1])
    )
    if formatted:
        # openpyxl's path sets the float format on every float cell before writing any row.
        WriteOnlyCell(ws).number_format = float_format
    shared = _SHARED.get()
    key = None if formatted or shared is None else _content_key(df)
    kept = shared[1].get(key) if shared and key else None
    fd, name = tempfile.mkstemp(suffix=".xml", prefix="cqanalysis-rows.")
    try:
        if kept is not None:
            os.close(fd)
            _link_or_copy(kept, Path(name))
            return Path(name)
        with os.fdopen(fd, "wb") as out:
            for start in range(0, len(df), BLOCK_ROWS):
                xml = _block_xml(df, start, ws, float_format, styles)
                out.write(xml.encode("ascii", "xmlcharrefreplace"))
    except BaseException:
        os.remove(name)
        raise
    if shared and key and not styles:  # no cell styled: the same text in every workbook
        _keep(shared, key, Path(name))
    return Path(name)


# A frame written into two workbooks of one build (the QDA tables go into the appendix and
# into qda_tables.xlsx) has its rows generated once: rows whose cells carry no style are the
# same text in every workbook.  Inside :func:`shared_rows` (a build), the last few are kept
# in a scratch folder by a digest of their content; the folder goes when the build ends.
_KEEP = 4
_SHARED: ContextVar[tuple[Path, OrderedDict[str, Path]] | None] = ContextVar(
    "cqanalysis_shared_rows", default=None)


@contextlib.contextmanager
def shared_rows() -> Iterator[None]:
    """Within the block, a large frame's rows written for one workbook serve the next ones."""
    with tempfile.TemporaryDirectory(prefix="cqanalysis-rows-kept.") as folder:
        token = _SHARED.set((Path(folder), OrderedDict()))
        try:
            yield
        finally:
            _SHARED.reset(token)


def _content_key(df: pd.DataFrame) -> str | None:
    """A digest of the frame's columns, dtypes and values (``None``: values not hashable)."""
    if len(df) < BLOCK_ROWS:  # small frames are cheaper to write again than to keep
        return None
    try:
        values = pd.util.hash_pandas_object(df, index=False).to_numpy()
    except TypeError:
        return None
    digest = hashlib.sha256(repr([str(t) for t in df.dtypes]).encode())
    digest.update(values.tobytes())
    digest.update(np.packbits(df.isna().to_numpy()).tobytes())
    for j, dtype in enumerate(df.dtypes):
        if isinstance(dtype, np.dtype) and dtype.kind == "O":  # pandas hashes 1 and "1" alike
            kinds = map(type, df.iloc[:, j].tolist())
            digest.update("\x00".join(k.__qualname__ for k in kinds).encode())
    return digest.hexdigest()


def _link_or_copy(source: Path, target: Path) -> None:
    """``target`` as a second name of ``source`` (rows files are never changed in place)."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _keep(shared: tuple[Path, OrderedDict[str, Path]], key: str, rows_file: Path) -> None:
    """Keep ``rows_file`` under ``key``, dropping the oldest beyond :data:`_KEEP`."""
    folder, kept = shared
    _link_or_copy(rows_file, folder / key)
    kept[key] = folder / key
    while len(kept) > _KEEP:
        kept.popitem(last=False)[1].unlink(missing_ok=True)


def splice_rows(sheet_file: str | os.PathLike[str], rows_file: Path) -> None:
    """Insert ``rows_file``'s rows before ``</sheetData>`` in a closed sheet's XML, then delete it.

    The sheet file holds only the header row, so it is small; the rows are copied in blocks.
    """
    try:
        head, found, tail = Path(sheet_file).read_bytes().partition(_SHEET_DATA_END)
        if not found or _SHEET_DATA_END in tail:
            raise RuntimeError(f"{sheet_file}: not a sheet with one <sheetData>")
        spliced = Path(f"{sheet_file}.rows")
        with open(spliced, "wb") as out, open(rows_file, "rb") as rows:
            out.write(head)
            shutil.copyfileobj(rows, out, 1 << 20)
            out.write(found + tail)
        os.replace(spliced, sheet_file)
    finally:
        rows_file.unlink(missing_ok=True)


def append_rows(ws: Any, df: pd.DataFrame, float_format: str | None = None) -> Path | None:
    """The data rows of ``df`` for ``ws``: as ready XML in a scratch file (returned, to be put in
    by :func:`close_with_rows`) or, for values this module does not reproduce, appended through
    openpyxl (``None``)."""
    if len(df) == 0:
        return None
    try:
        return write_rows_xml(df, ws, float_format)
    except Unsupported:
        pass
    values = [column_values(df.iloc[:, j], ws) for j in range(df.shape[1])]
    if float_format:
        for j in range(df.shape[1]):
            if df.iloc[:, j].dtype.kind == "f":
                for cell in values[j]:
                    if cell is not None and getattr(cell, "data_type", "") == "n":
                        cell.number_format = float_format
    for row in zip(*values, strict=True):
        ws.append(row)
    return None


def close_with_rows(ws: Any, rows_xml: Path | None) -> None:
    """Close a sheet complete but for its rows (the save archives it as it is) and put the rows
    of :func:`append_rows` in; nothing to do when they were appended already."""
    if rows_xml is not None:
        ws.close()
        splice_rows(ws._writer.out, rows_xml)
