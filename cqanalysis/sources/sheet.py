"""Read recommendations already tabulated in a spreadsheet (.xlsx, .csv) into table blocks.

Two layouts are understood: one table per sheet (the caption comes from a title cell above
the header or from the sheet name) and one long sheet with a table column (表号 / table),
optionally with 表题, 章节 and 节标题 columns.  Either way the parser receives what a
document would give it: an optional section heading, a caption ``表<id><title>``, then a
header row and data rows as blocks with ``cells``, so the header-driven column roles apply.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..core.blocks import Block
from ..core.errors import InputError
from ..core.limits import DEFAULT_LIMITS, Deadline, Limits, exceeded
from ._common import (
    SourceBlocks,
    check_package,
    check_source,
    count_xml_elements,
    one_line,
    zip_reason,
)

__all__ = ["read_sheet_blocks"]

# Header names of the layout columns (compared after NFKC, lower case, spaces removed).
_TABLE_COLS = {"表", "表号", "表格", "表编号", "表格编号", "表序号", "table", "tableid",
               "table_id", "tableno", "table_no"}  # fmt: skip
_TITLE_COLS = {"表题", "表名", "表标题", "表格标题", "表格名称", "tabletitle", "table_title",
               "caption"}  # fmt: skip
_SECTION_COLS = {"章节", "章节号", "节", "节号", "section", "sectionno", "section_no"}
_SECTION_TITLE_COLS = {"章节标题", "节标题", "章节名称", "节名", "sectiontitle", "section_title"}
_DEFAULT_SHEET = re.compile(r"^(?:sheet|工作表|表单)\s*\d*$", re.IGNORECASE)
_NUMBERED_CAPTION = re.compile(r"^(?:续)?\s*表\s*[A-Za-z]?\d|^table\s+[A-Za-z]?\d", re.IGNORECASE)
_TABLE_ID = re.compile(r"^[A-Za-z]?\d{1,3}(?:\s*[.．\-－–—]\s*\d{1,3}){0,3}(?!\d)")

_Row = tuple[int, list[str]]  # (1-based sheet row, cell texts)
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")


def read_sheet_blocks(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> SourceBlocks:
    """Read a .xlsx workbook or a .csv file of tabulated recommendations into blocks.

    Every visible sheet is read in workbook order (a .csv is one sheet named after the file).
    Per table the blocks are: a section heading when the sheet has a section column
    (``style="heading N"``), a caption ``表<id><title>``, the header row and the data rows
    (``cells`` set, ``table`` = 1-based table index).  ``line`` numbers the blocks in
    reading order (unique in the document; a caption made from a sheet name has no sheet row
    of its own); ``page`` is the sheet number for .xlsx, ``None`` for .csv.  Merged cells:
    a vertical merge fills its value down; a horizontal merge is one cell, not repeated (its
    text in the first column, the covered columns empty).  Formulas give their last computed
    value.

    Parameters
    ----------
    path
        The .xlsx or .csv file.
    limits
        Package size and entries, XML elements, rows, columns and cells of a sheet, time.

    Returns
    -------
    SourceBlocks
        The blocks, with ``notes`` naming skipped empty rows and hidden sheets.

    Raises
    ------
    InputError
        Empty, missing, corrupt, undecodable, no table found in any sheet, or a breached
        limit.
    """
    path = Path(path)
    deadline = limits.deadline(path)
    sheets: list[tuple[str, list[_Row], int | None]]
    if path.suffix.lower() == ".csv":
        sheets = [(path.stem, _csv_rows(path, limits), None)]
        notes: list[str] = []
    else:
        xlsx_sheets, notes = _xlsx_sheets(path, limits, deadline)
        sheets = list(xlsx_sheets)
    out = SourceBlocks(notes=notes)
    counter = [0]
    for name, rows, page in sheets:
        _sheet_blocks(out, name, rows, page, counter, path)
    if not any(b.cells for b in out):
        raise InputError(path, "no table found: every sheet is empty")
    # Captions made from sheet names and the header repeated for each table of a long sheet
    # have no row of their own, so lines are numbered in the order the parser reads them:
    # unique within the document, as line accounting needs.  Notes keep the sheet rows.
    numbered = SourceBlocks(notes=out.notes)
    numbered.extend(replace(b, line=i) for i, b in enumerate(out, start=1))
    return numbered


# --------------------------------------------------------------------------- file formats


def _csv_rows(path: Path, limits: Limits) -> list[_Row]:
    from .text import decode_text

    check_source(path, "a CSV file")
    text = decode_text(path.read_bytes(), path)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first else (";" if ";" in first and "," not in first else ",")
    records = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            records.append(record)
            if len(record) > limits.max_columns:
                raise exceeded(path, "max_columns",
                               f"line {len(records)} has {len(record):,} columns")
    except csv.Error as exc:
        raise InputError(path, f"malformed CSV near record {len(records) + 1} ({one_line(exc)})"
                         ) from None
    if len(records) > limits.max_rows:
        raise exceeded(path, "max_rows", f"the CSV has {len(records):,} rows")
    return [(i, [c.strip() for c in rec]) for i, rec in enumerate(records, start=1)]


def _xlsx_sheets(
    path: Path, limits: Limits, deadline: Deadline
) -> tuple[list[tuple[str, list[_Row], int]], list[str]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    head = check_source(path, "an Excel .xlsx workbook")
    reason = zip_reason(path, head, "an Excel .xlsx workbook", ".xlsx")
    if reason:
        raise InputError(path, reason)
    check_package(path, "xl/workbook.xml", "an Excel .xlsx workbook", ".xlsx", limits)
    count_xml_elements(path, limits, "the workbook")
    _check_extents(path, limits)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it drops; they hold no text
            warnings.simplefilter("ignore")
            # a file object we close: openpyxl leaves its own open when a part is damaged
            with open(path, "rb") as fh:
                wb = openpyxl.load_workbook(fh, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise InputError(
            path, f"corrupt or truncated .xlsx ({type(exc).__name__}: {one_line(exc)})"
        ) from None
    sheets = []
    notes = []
    for number, ws in enumerate(wb.worksheets, start=1):
        if ws.sheet_state != "visible":
            notes.append(f"{path}: hidden sheet {ws.title!r} not read")
            continue
        sheets.append((ws.title, _worksheet_rows(ws, deadline), number))
    wb.close()
    return sheets, notes


def _check_extents(path: Path, limits: Limits) -> None:
    """Refuse a sheet whose cells or merged ranges reach past the row, column or cell limits.

    openpyxl builds a cell object for every cell a merged range covers and iterates the
    whole rectangle from A1 to the last cell, so one cell at XFD1048576 or one merge
    ``A10:XFD1048576`` in a 5 KB file would exhaust memory.  The extent is read from the
    sheet XML in a streaming pass before openpyxl sees it.
    """
    from lxml import etree

    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            name = info.filename
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            try:
                with zf.open(info) as fh:
                    rows, cols, where = _sheet_extent(fh)
            except etree.XMLSyntaxError as exc:
                raise InputError(path, f"{name} is not well-formed XML ({one_line(exc)})"
                                 ) from None
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as exc:
                raise InputError(path, f"corrupt {name} ({one_line(exc)})") from None
            what = f"{name}: {where}"
            if rows > limits.max_rows:
                raise exceeded(path, "max_rows", f"{what} reaches row {rows:,}")
            if cols > limits.max_columns:
                raise exceeded(path, "max_columns", f"{what} reaches column {cols:,}")
            if rows * cols > limits.max_cells:
                raise exceeded(path, "max_cells", f"{what} spans {rows * cols:,} cells")


def _sheet_extent(fh: Any) -> tuple[int, int, str]:
    """Last row and column any cell or merged range of a sheet reaches, and where."""
    from lxml import etree

    max_row = max_col = row = col = 0
    where = "A1"
    for _, el in etree.iterparse(fh, events=("end",), resolve_entities=False, no_network=True):
        tag = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""
        refs: list[str] = []
        if tag == "row":
            row = _int_or(el.get("r"), row)  # a cell without r follows the one before
            col = 0
        elif tag == "c":
            ref = el.get("r")
            if ref is None:
                col += 1
                refs.append(f"{_column_letters(col)}{max(row, 1)}")
            else:
                refs.append(ref)
        elif tag == "mergeCell":
            refs.extend((el.get("ref") or "").split(":"))
        for ref in refs:
            m = _CELL_REF.fullmatch(ref.strip())
            if m is None:
                continue
            r, c = int(m.group(2)), _column_number(m.group(1))
            if tag == "c":
                col = c
            if r > max_row or c > max_col:
                where = ref if tag == "c" else f"merged range {el.get('ref')}"
            max_row, max_col = max(max_row, r), max(max_col, c)
        if tag in ("row", "mergeCell"):
            el.clear(keep_tail=False)
            while el.getprevious() is not None:
                del el.getparent()[0]
    return max_row, max_col, where


def _int_or(text: str | None, previous: int) -> int:
    return int(text) if text and text.isdigit() and len(text) < 9 else previous + 1


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _column_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def _worksheet_rows(ws: Any, deadline: Deadline) -> list[_Row]:
    grid: dict[int, list[str]] = {}
    for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if r % 256 == 0:
            deadline.check()
        grid[r] = [_cell_str(v) for v in values]
    for rng in ws.merged_cells.ranges:
        top = grid.get(rng.min_row)
        if top is None:
            continue
        value = top[rng.min_col - 1] if rng.min_col - 1 < len(top) else ""
        for r in range(rng.min_row, rng.max_row + 1):
            row = grid.get(r)
            if row is None:
                continue
            if rng.min_col - 1 < len(row):
                row[rng.min_col - 1] = value  # vertical merge: the value fills down
            for c in range(rng.min_col, min(rng.max_col, len(row))):
                row[c] = ""  # horizontal merge: one cell, not repeated
    return sorted(grid.items())


def _cell_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(part.strip() for part in text.split("\n")).strip()


# --------------------------------------------------------------------------- layout


def _key(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


def _filled(row: Sequence[str]) -> int:
    return sum(1 for c in row if c)


def _segments(rows: list[_Row], out: SourceBlocks, where: str) -> list[list[_Row]]:
    """Split a sheet at empty rows where a new titled table starts; drop empty rows."""
    segments: list[list[_Row]] = [[]]
    after_gap = False
    for i, (r, cells) in enumerate(rows):
        if not _filled(cells):
            after_gap = bool(segments[-1])
            continue
        if after_gap and _filled(cells) == 1 and i + 1 < len(rows):
            nxt = next((c for _, c in rows[i + 1 :] if _filled(c)), [])
            if _filled(nxt) >= 2:
                segments.append([])
        after_gap = False
        segments[-1].append((r, cells))
    # empty rows inside a table, not at its edges, are worth a note: they may be a lost row
    for seg in segments:
        if len(seg) >= 2:
            inside = {r for r in range(seg[0][0], seg[-1][0] + 1)} - {r for r, _ in seg}
            out.notes.extend(f"{where}:{r}: empty row skipped" for r in sorted(inside))
    return [seg for seg in segments if seg]


def _trim(seg: list[_Row]) -> list[_Row]:
    """Drop columns that are empty in every row (formatting often widens the used range)."""
    width = max(len(c) for _, c in seg)
    used = [k for k in range(width) if any(k < len(c) and c[k] for _, c in seg)]
    if not used:
        return []
    lo, hi = used[0], used[-1] + 1
    return [(r, [*(c + [""] * (hi - len(c)))[lo:hi]]) for r, c in seg]


def _caption(label: str, title: str, number: int) -> str:
    label, title = label.strip(), title.strip()
    text = label + title
    if _NUMBERED_CAPTION.match(text):
        return text
    if _TABLE_ID.match(label):
        return "表" + text
    if _DEFAULT_SHEET.match(label):
        label = ""
    return f"表{number}{label}{title}"


def _sheet_blocks(
    out: SourceBlocks,
    name: str,
    rows: list[_Row],
    page: int | None,
    counter: list[int],
    path: Path,
) -> None:
    where = f"{path}" + (f"[{name}]" if page is not None else "")
    for seg in _segments(rows, out, where):
        seg = _trim(seg)
        if not seg:
            continue
        title_row = None
        if _filled(seg[0][1]) == 1 and len(seg) >= 2 and _filled(seg[1][1]) >= 2:
            title_row, seg = seg[0], seg[1:]
        header_line, header = seg[0]
        keys = [_key(h) for h in header]
        table_col = next((k for k, h in enumerate(keys) if h in _TABLE_COLS), None)
        if table_col is None:
            counter[0] += 1
            if title_row is not None:
                line = title_row[0]
                caption = _caption(next(c for c in title_row[1] if c) or "", "", counter[0])
            else:
                line, caption = header_line, _caption(name, "", counter[0])
            out.append(Block(caption, line=line, page=page))
            _emit_table(out, seg, range(len(header)), counter[0], page)
            continue
        if title_row is not None:  # a sheet title above a long table: keep it as text
            text = next(c for c in title_row[1] if c) or ""
            out.append(Block(text, line=title_row[0], page=page))
        _long_sheet(out, seg, keys, table_col, page, counter)


def _emit_table(
    out: SourceBlocks, rows: list[_Row], keep: Sequence[int],
    table: int, page: int | None,
) -> None:  # fmt: skip
    for line, cells in rows:
        kept = tuple(cells[k] or "" for k in keep)
        if any(kept):
            out.append(Block("\t".join(kept), line=line, page=page, cells=kept, table=table))


def _long_sheet(
    out: SourceBlocks,
    seg: list[_Row],
    keys: list[str],
    table_col: int,
    page: int | None,
    counter: list[int],
) -> None:
    """One long sheet: rows grouped by the table column, in order of first appearance."""

    def find(names: set[str]) -> int | None:
        return next((k for k, h in enumerate(keys) if h in names), None)

    title_col = find(_TITLE_COLS)
    sec_col = find(_SECTION_COLS)
    sec_title_col = find(_SECTION_TITLE_COLS)
    layout = {table_col, title_col, sec_col, sec_title_col} - {None}
    keep = [k for k in range(len(keys)) if k not in layout]
    header = seg[0]
    groups: dict[str, list[_Row]] = {}
    for line, cells in seg[1:]:
        groups.setdefault(cells[table_col] or "", []).append((line, cells))
    section = None
    for label, members in groups.items():
        first = members[0][1]
        if sec_col is not None and (first[sec_col] or "") != section:
            section = first[sec_col] or ""
            sec_title = (first[sec_title_col] or "") if sec_title_col is not None else ""
            if section or sec_title:
                level = section.count(".") + 1 if section else 1
                out.append(Block(f"{section}{sec_title}", line=members[0][0], page=page,
                                 style=f"heading {level}"))  # fmt: skip
        counter[0] += 1
        title = next((c[title_col] for _, c in members if c[title_col]), "") if (
            title_col is not None) else ""  # fmt: skip
        out.append(Block(_caption(label, title or "", counter[0]), line=members[0][0], page=page))
        _emit_table(out, [header, *members], keep, counter[0], page)
