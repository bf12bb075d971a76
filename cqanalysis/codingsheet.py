"""Manual coding sheets: write an xlsx for human coders, read their filled sheets back as tidy data.

A coding workbook has three sheets:

``说明 instructions``
    Bilingual instructions, the coder's name (cell to the right of ``编码员 coder``) and a
    dictionary of the columns.
``编码 coding``
    One row per unit: the unit key columns (provenance), ``text``, one coding column per
    codebook (``name``, or ``name_1`` … ``name_k`` when a unit may take up to *k* codes of that
    codebook) with a drop-down list of the codebook's codes, and a free ``note`` column. The
    header row holds these machine-readable names; the instructions sheet explains them.
``编码表 codebook``
    Every codebook's codes (id, Chinese and English label, description) and the drop-down
    choices, which the data validations refer to.

A blank coding cell means *not coded yet* and counts as missing in agreement statistics; a coder
who finds that no code of a codebook applies chooses ``none 无适用编码``.

Codebooks are passed as a mapping ``{codebook name: codes}`` where ``codes`` is a DataFrame with
columns ``id``, ``label_zh``, ``label_en`` (``description`` optional), a list of tuples
``(id, label_zh, label_en[, description])``, or an object with a ``codes`` DataFrame of that
shape (such as a ``cqanalysis.codebook.Codebook``).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .codebook import _text, codebook_fields, codebook_frames
from .core.constants import NO_CODE
from .core.errors import CqError, InputError
from .core.io import atomic_path, build_timestamp
from .core.io import normalize_ooxml as normalize_xlsx

__all__ = [
    "CLAUSE_KEY",
    "NO_CODE",
    "SHEET_CODEBOOK",
    "SHEET_CODING",
    "SHEET_INSTRUCTIONS",
    "CodingSheetError",
    "normalize_xlsx",
    "read_coding_sheets",
    "write_coding_sheet",
]

SHEET_INSTRUCTIONS = "说明 instructions"
SHEET_CODING = "编码 coding"
SHEET_CODEBOOK = "编码表 codebook"
CODER_LABEL = "编码员 coder"
#: Unit key of the clauses frame, used by default when these columns are present.
CLAUSE_KEY: tuple[str, ...] = ("doc_id", "table_id", "row_no", "field", "clause_no")
#: The choice a coder makes when no code of a codebook applies to a unit.
_NO_CODE_ZH = "无适用编码"
_NO_CODE_EN = "no code applies"
_TEXT_WIDTH = 60
#: The column where a checker marks a row of a pre-filled sheet as checked.
CHECKED_COLUMN = "checked"
_CHECKED_MARK = "已核对 checked"
#: Suffix of the hidden column that keeps a codebook's pre-filled (machine) codes.
_MACHINE_SUFFIX = "_machine"

_INSTRUCTIONS: tuple[tuple[str, str], ...] = (
    (
        "请独立编码，不要与其他编码员讨论；先在上方填写你的姓名或代号。",
        "Code independently, without discussing with other coders; first enter your name or "
        "code name above.",
    ),
    (
        "在“编码 coding”工作表中逐行阅读 text 列，在每个编码列的下拉列表中选择一个编码。",
        "In sheet “编码 coding”, read the text of each row and choose a code from the drop-down "
        "list of each coding column.",
    ),
    (
        "一个编码表有多列（如 instrument_1、instrument_2）时，每列选一个编码，用不到的列留空。",
        "Where a codebook has several columns (e.g. instrument_1, instrument_2), choose one "
        "code per column and leave unused columns blank.",
    ),
    (
        f"若该编码表没有适用的编码，请选“{NO_CODE} {_NO_CODE_ZH}”；留空表示尚未编码，计为缺失。",
        f"If no code of the codebook applies, choose “{NO_CODE} {_NO_CODE_ZH}”; a blank cell "
        "means not coded yet and counts as missing.",
    ),
    (
        "不要修改 text 及其左侧的来源列；可以排序或筛选；备注写在 note 列。",
        "Do not edit text or the provenance columns to its left; sorting and filtering are "
        "fine; write remarks in the note column.",
    ),
    (
        "灰色单元格表示该编码表不适用于此行的字段（field），请留空。",
        "A grey cell means the codebook does not apply to the row's field; leave it blank.",
    ),
    (
        "各编码的定义见“编码表 codebook”工作表。",
        "Definitions of the codes are in sheet “编码表 codebook”.",
    ),
)

_PREFILL_INSTRUCTIONS: tuple[tuple[str, str], ...] = (
    (
        "本表已预填词典编码，最可能出错的行排在最前：请从上往下核对，改正错误的编码。",
        "The sheet is pre-filled with the dictionary's codes, the rows likeliest to be wrong "
        "first: check from the top down and correct the wrong codes.",
    ),
    (
        f"核对过的行在 {CHECKED_COLUMN} 列选“{_CHECKED_MARK}”；改动过编码的行自动算作已核对。"
        "未核对的行不会读入。",
        f"Mark each row you have checked with “{_CHECKED_MARK}” in column {CHECKED_COLUMN}; a "
        "row whose codes you changed counts as checked anyway. Rows not checked are not read.",
    ),
    (
        "已核对的行中，某编码表的格子全空表示该编码表没有适用的编码。",
        "In a checked row, a codebook whose cells are all blank has no code that applies.",
    ),
)

_KEY_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "doc_id": ("文档编号", "document id"),
    "table_id": ("表格编号", "table id"),
    "row_no": ("表内行号", "row number within the table"),
    "field": ("字段：measure 具体建议 / outcome 预期成效", "field: measure or outcome"),
    "clause_no": ("单元格内分句序号", "clause number within the cell"),
    "section_no": ("节编号", "section number"),
    "item_no": ("条目序号", "item number"),
}


class CodingSheetError(CqError):
    """A filled coding sheet that cannot be read; names the file, sheet and row at fault."""

    def __init__(
        self,
        path: object,
        reason: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = str(path)
        self.reason = reason
        self.sheet = sheet
        self.row = row
        self.column = column
        where = [self.path]
        if sheet is not None:
            where.append(f"sheet '{sheet}'")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(", ".join(where) + f": {reason}")


def _choice(code_id: str, label_zh: str) -> str:
    return f"{code_id} {label_zh}" if label_zh else code_id


# ------------------------------------------------------------------------------ writing


def _strip_illegal(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _put(ws: Any, row: int, col: int, value: Any) -> Any:
    """Write a cell; strings are always inert string cells, never formulas or error values."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ws.cell(row=row, column=col)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        cell = ws.cell(row=row, column=col, value=_strip_illegal(value))
        # openpyxl turns "=…" into a formula and "#N/A" into an error; keep the text as text.
        cell.data_type = "s"
        return cell
    return ws.cell(row=row, column=col, value=value)


def _blocked(fields: frozenset[str] | None, unit_fields: list[str] | None, i: int) -> bool:
    return fields is not None and unit_fields is not None and unit_fields[i] not in fields


def _scope(fields: frozenset[str] | None, lead: str) -> str:
    return f"{lead}{', '.join(sorted(fields))}" if fields else ""


def _slot_columns(name: str, slots: int) -> list[str]:
    return [name] if slots == 1 else [f"{name}_{i}" for i in range(1, slots + 1)]


def write_coding_sheet(
    units: pd.DataFrame,
    codebooks: Mapping[str, Any] | Iterable[Any],
    path: str | os.PathLike[str],
    *,
    coder: str | None = None,
    key: Sequence[str] | None = None,
    text: str = "text",
    slots: int | Mapping[str, int] | None = None,
    choices: Literal["id_label", "id"] = "id_label",
    prefill: pd.DataFrame | None = None,
) -> Path:
    """Write an xlsx coding sheet for one coder, atomically and byte-identically for equal input.

    Parameters
    ----------
    units : DataFrame
        One row per unit to code, with the key columns and a text column, e.g. the clauses frame
        (doc_id, table_id, row_no, field, clause_no, text). Rows are written in this order.
    codebooks : mapping or iterable
        ``{codebook name: codes}`` (see :func:`codebook_frame`), or codebook objects with a
        ``name`` (``cqanalysis.default_codebooks()``); one coding column (or ``slots`` columns)
        per codebook, in the given order. A codebook with a ``fields`` attribute applies only
        to units of those fields (``field`` key column): its other cells are greyed out and
        must stay blank.
    path : path-like
        The ``.xlsx`` file to write.
    coder : str, optional
        Pre-filled coder name; left blank for the coder to fill in otherwise.
    key : sequence of str, optional
        Unit key columns; default the columns of :data:`CLAUSE_KEY` present in ``units``.
        Must identify the rows uniquely.
    text : str
        Name of the text column.
    slots : int or mapping, optional
        How many codes of a codebook a coder may give one unit (columns ``name_1`` …); an int
        for all codebooks or ``{name: k}``.  Default 1, or with ``prefill`` the most codes
        of a codebook any unit has (at least 1).
    choices : {"id_label", "id"}
        Drop-down entries as ``"id label_zh"`` or bare ids; :func:`read_coding_sheets` reads both.
    prefill : DataFrame, optional
        Codes to start from, one row per unit × codebook × code with the key columns,
        ``codebook`` and ``code`` (a ``coded`` frame: the dictionary's codes, to be checked
        rather than coded from scratch; put ``units`` in :func:`cqanalysis.review_order`
        first).  The sheet then has a ``checked`` column; :func:`read_coding_sheets` reads
        only the rows marked there or whose codes were changed.

    Returns
    -------
    Path
        ``path``.
    """
    from openpyxl import Workbook

    books = codebook_frames(codebooks)
    key_cols = _checked_key(units, key, text, choices)
    filled = None if prefill is None else _prefill_codes(units, key_cols, prefill, books)
    layout = _layout(books, codebook_fields(codebooks), key_cols, text, slots, filled)
    styles = _Styles.make()
    wb = Workbook()
    guide = wb.active
    guide.title = SHEET_INSTRUCTIONS
    sheet = wb.create_sheet(SHEET_CODING)
    book_ws = wb.create_sheet(SHEET_CODEBOOK)
    # Codebook sheet first: the drop-downs refer to its ranges.
    ranges = _write_codebooks(book_ws, books, choices, styles)
    _write_units(sheet, units, layout, styles)
    _add_code_columns(sheet, len(units) + 1, units, layout, ranges, styles)
    if filled is not None:
        _write_prefill(sheet, units, layout, filled, books, choices, styles)
    _write_instructions(guide, coder, layout, styles)
    stamp = build_timestamp().replace(tzinfo=None)
    wb.properties.creator = "cqanalysis"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.active = 0
    with atomic_path(path) as tmp:
        wb.save(tmp)
        normalize_xlsx(tmp)
    return Path(path)


def _layout(
    books: Mapping[str, pd.DataFrame],
    applies: dict[str, frozenset[str] | None],
    key_cols: list[str],
    text: str,
    slots: int | Mapping[str, int] | None,
    filled: list[dict[str, list[str]]] | None,
) -> _Layout:
    """The sheet's columns; by default a codebook gets as many slots as it has pre-filled codes
    in one unit (at least one)."""
    if slots is None:
        slots = 1 if filled is None else {
            name: max([len(f.get(name, ())) for f in filled] + [1]) for name in books
        }
    prefilled = filled is not None
    coding_cols = _coding_columns(books, slots, key_cols, text, prefilled=prefilled)
    return _Layout(key_cols, text, coding_cols, applies, prefilled=prefilled)


def _checked_key(
    units: pd.DataFrame, key: Sequence[str] | None, text: str, choices: str
) -> list[str]:
    """The unit key columns, once ``units`` and ``choices`` are known to make a usable sheet."""
    key_cols = list(key) if key is not None else [c for c in CLAUSE_KEY if c in units.columns]
    if not key_cols:
        raise ValueError(f"units need key columns (default: any of {CLAUSE_KEY})")
    absent = [c for c in [*key_cols, text] if c not in units.columns]
    if absent:
        raise ValueError(f"units lack column(s) {absent}")
    if len(units) == 0:
        raise ValueError("no units to code")
    if units.duplicated(subset=key_cols).any():
        raise ValueError(f"the key columns {key_cols} do not identify the units uniquely")
    if choices not in ("id_label", "id"):
        raise ValueError(f"choices must be 'id_label' or 'id', got {choices!r}")
    return key_cols


def _coding_columns(
    books: Mapping[str, pd.DataFrame],
    slots: int | Mapping[str, int],
    key_cols: list[str],
    text: str,
    *,
    prefilled: bool = False,
) -> dict[str, list[str]]:
    """The coding column names of each codebook, checked not to clash with the other columns."""
    per_book = {
        name: int(slots.get(name, 1) if isinstance(slots, Mapping) else slots) for name in books
    }
    coding_cols = {name: _slot_columns(name, k) for name, k in per_book.items()}
    header = _Layout(key_cols, text, coding_cols, {}, prefilled=prefilled).header
    clash = {c for c in header if header.count(c) > 1} | ({NO_CODE} & set(books))
    if clash or any(k < 1 for k in per_book.values()):
        raise ValueError(f"bad codebook names or slots: {sorted(clash) or per_book}")
    return coding_cols


@dataclass(frozen=True)
class _Layout:
    """The columns of the coding sheet: unit key, text, each codebook's coding slots, note."""

    key_cols: list[str]
    text: str
    coding_cols: dict[str, list[str]]
    applies: dict[str, frozenset[str] | None]  # codebook -> unit fields it codes (None: all)
    prefilled: bool = False

    @property
    def header(self) -> list[str]:
        slots = (c for cols in self.coding_cols.values() for c in cols)
        if not self.prefilled:
            return [*self.key_cols, self.text, *slots, "note"]
        machine = (f"{name}{_MACHINE_SUFFIX}" for name in self.coding_cols)
        return [*self.key_cols, self.text, *slots, CHECKED_COLUMN, "note", *machine]

    @property
    def text_col(self) -> int:
        return len(self.key_cols) + 1


@dataclass(frozen=True)
class _Styles:
    """Fonts and fills shared by the three sheets (openpyxl is imported only when writing)."""

    bold: Any
    head_fill: Any
    input_fill: Any
    blocked_fill: Any
    wrap: Any

    @classmethod
    def make(cls) -> _Styles:
        from openpyxl.styles import Alignment, Font, PatternFill

        return cls(
            bold=Font(bold=True),
            head_fill=PatternFill("solid", fgColor="D9D9D9"),
            input_fill=PatternFill("solid", fgColor="FFF2CC"),
            blocked_fill=PatternFill("solid", fgColor="BFBFBF"),
            wrap=Alignment(wrap_text=True, vertical="top"),
        )


def _write_codebooks(
    book_ws: Any, books: Mapping[str, pd.DataFrame], choices: str, styles: _Styles
) -> dict[str, str]:
    """Fill the codebook sheet; returns each codebook's range of choices for its drop-down."""
    from openpyxl.utils import quote_sheetname

    book_header = ["codebook", "id", "label_zh", "label_en", "description", "choice"]
    for j, name in enumerate(book_header, start=1):
        _put(book_ws, 1, j, name).font = styles.bold
    ranges: dict[str, str] = {}
    r = 2
    for name, codes in books.items():
        start = r
        rows = [*codes.itertuples(index=False), (NO_CODE, _NO_CODE_ZH, _NO_CODE_EN, "")]
        for code_id, zh, en, desc in rows:
            shown = _choice(code_id, zh) if choices == "id_label" else code_id
            for j, value in enumerate((name, code_id, zh, en, desc, shown), start=1):
                _put(book_ws, r, j, value or None)
            r += 1
        ranges[name] = f"{quote_sheetname(SHEET_CODEBOOK)}!$F${start}:$F${r - 1}"
    for letter, width in zip("ABCDEF", (14, 10, 24, 30, 50, 30), strict=True):
        book_ws.column_dimensions[letter].width = width
    book_ws.freeze_panes = "A2"
    return ranges


def _write_units(sheet: Any, units: pd.DataFrame, layout: _Layout, styles: _Styles) -> None:
    """The coding sheet's header row and one row per unit: its key columns and wrapped text."""
    for j, name in enumerate(layout.header, start=1):
        cell = _put(sheet, 1, j, name)
        cell.font = styles.bold
        cell.fill = styles.head_fill
    text_col = layout.text_col
    for i, rec in enumerate(units[[*layout.key_cols, layout.text]].itertuples(index=False), 2):
        for j, value in enumerate(rec[:-1], start=1):
            _put(sheet, i, j, value)
        _put(sheet, i, text_col, _text(rec[-1]) or None).alignment = styles.wrap


def _add_code_columns(
    sheet: Any,
    last_row: int,
    units: pd.DataFrame,
    layout: _Layout,
    ranges: dict[str, str],
    styles: _Styles,
) -> None:
    """Drop-downs and input colours of the coding columns; widths, frozen header, filter.

    A cell whose codebook does not apply to the unit's field is grey instead of yellow.
    """
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    unit_fields = [str(f) for f in units["field"]] if "field" in layout.key_cols else None
    col_no = layout.text_col + 1
    for name, cols in layout.coding_cols.items():
        dv = DataValidation(
            type="list",
            formula1=ranges[name],
            allow_blank=True,
            showErrorMessage=True,
            showInputMessage=True,
            errorTitle="不在编码表中 Not a code",
            error=f"请从下拉列表选择 {name} 的编码。Choose a code of {name} from the list.",
            promptTitle=name[:32],
            prompt=f"选择一个编码 Choose a code ({name})",
        )
        sheet.add_data_validation(dv)
        for _ in cols:
            letter = get_column_letter(col_no)
            dv.add(f"{letter}2:{letter}{last_row}")
            sheet.column_dimensions[letter].width = 24
            for i in range(2, last_row + 1):
                blocked = _blocked(layout.applies[name], unit_fields, i - 2)
                fill = styles.blocked_fill if blocked else styles.input_fill
                sheet.cell(row=i, column=col_no).fill = fill
            col_no += 1
    for j in range(1, layout.text_col):
        sheet.column_dimensions[get_column_letter(j)].width = 12
    sheet.column_dimensions[get_column_letter(layout.text_col)].width = _TEXT_WIDTH
    sheet.column_dimensions[get_column_letter(col_no)].width = 30
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(layout.header))}{last_row}"


def _prefill_codes(
    units: pd.DataFrame, key_cols: list[str], prefill: pd.DataFrame,
    books: Mapping[str, pd.DataFrame],
) -> list[dict[str, list[str]]]:
    """Each unit's pre-filled codes per codebook of the sheet, in ``units`` order."""
    from .checking import unit_key

    absent = [c for c in (*key_cols, "codebook", "code") if c not in prefill.columns]
    if absent:
        raise ValueError(f"prefill lacks column(s) {absent}")
    known = {name: set(codes["id"]) for name, codes in books.items()}
    table: dict[tuple[Any, ...], dict[str, list[str]]] = {}
    rows = prefill[[*key_cols, "codebook", "code"]].itertuples(index=False, name=None)
    for *key, name, code in rows:
        if name not in known or code is None or pd.isna(code):
            continue  # a codebook not on the sheet, or a unit it found nothing in
        if code not in known[name]:
            unit = dict(zip(key_cols, key, strict=True))
            raise ValueError(f"prefill: {code!r} at {unit} is no code of {name}")
        codes = table.setdefault(unit_key(key), {}).setdefault(name, [])
        if code not in codes:
            codes.append(code)
    return [table.get(unit_key(k), {})
            for k in units[key_cols].itertuples(index=False, name=None)]


def _write_prefill(
    sheet: Any,
    units: pd.DataFrame,
    layout: _Layout,
    filled: list[dict[str, list[str]]],
    books: Mapping[str, pd.DataFrame],
    choices: str,
    styles: _Styles,
) -> None:
    """The pre-filled codes in the slots and (hidden) machine columns; the checked column."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    column = {name: j for j, name in enumerate(layout.header, start=1)}
    labels = {name: dict(zip(codes["id"], codes["label_zh"], strict=True))
              for name, codes in books.items()}
    for i, codes in enumerate(filled, start=2):
        for name, cols in layout.coding_cols.items():
            found = codes.get(name, [])
            if len(found) > len(cols):
                unit = dict(zip(layout.key_cols, units[layout.key_cols].iloc[i - 2], strict=True))
                raise ValueError(
                    f"prefill: {unit} has {len(found)} codes of {name}, more than its "
                    f"{len(cols)} column(s); pass slots={{{name!r}: {len(found)}}}"
                )
            for col, code in zip(cols, found, strict=False):
                shown = _choice(code, labels[name][code] or "") if choices == "id_label" else code
                _put(sheet, i, column[col], shown)
            _put(sheet, i, column[f"{name}{_MACHINE_SUFFIX}"], ";".join(found) or None)
    last_row = len(filled) + 1
    checked = get_column_letter(column[CHECKED_COLUMN])
    dv = DataValidation(type="list", formula1=f'"{_CHECKED_MARK}"', allow_blank=True)
    sheet.add_data_validation(dv)
    dv.add(f"{checked}2:{checked}{last_row}")
    for i in range(2, last_row + 1):
        sheet.cell(row=i, column=column[CHECKED_COLUMN]).fill = styles.input_fill
    sheet.column_dimensions[checked].width = 16
    sheet.column_dimensions[get_column_letter(column["note"])].width = 30
    for name in layout.coding_cols:
        sheet.column_dimensions[get_column_letter(column[f"{name}{_MACHINE_SUFFIX}"])].hidden = True


def _write_instructions(guide: Any, coder: str | None, layout: _Layout, styles: _Styles) -> None:
    """The instructions sheet: title, coder cell, the steps, and what every column means."""
    from openpyxl.styles import Font

    _put(guide, 1, 1, "编码说明 Coding instructions").font = Font(bold=True, size=14)
    _put(guide, 3, 1, CODER_LABEL).font = styles.bold
    _put(guide, 3, 2, coder).fill = styles.input_fill
    r = 5
    steps = (*_INSTRUCTIONS, *_PREFILL_INSTRUCTIONS) if layout.prefilled else _INSTRUCTIONS
    for zh, en in steps:
        _put(guide, r, 1, zh).alignment = styles.wrap
        _put(guide, r, 2, en).alignment = styles.wrap
        r += 1
    r += 1
    for j, value in enumerate(("列 column", "含义", "meaning"), start=1):
        _put(guide, r, j, value).font = styles.bold
    for column, zh, en in _column_meanings(layout):
        r += 1
        for j, value in enumerate((column, zh, en), start=1):
            _put(guide, r, j, value)
    guide.column_dimensions["A"].width = 50
    guide.column_dimensions["B"].width = 60
    guide.column_dimensions["C"].width = 40


def _column_meanings(layout: _Layout) -> list[tuple[str, str, str]]:
    """``(column, 含义, meaning)`` of every column of the coding sheet, in order."""
    applies = layout.applies
    return [
        *((c, *_KEY_DESCRIPTIONS.get(c, ("来源列", "provenance column"))) for c in layout.key_cols),
        (layout.text, "待编码文本", "text to code"),
        *(
            (
                c,
                f"编码表 {name} 的编码{_scope(applies[name], '，适用于 ')}",
                f"a code of codebook {name}{_scope(applies[name], '; applies to ')}",
            )
            for name, cols in layout.coding_cols.items()
            for c in cols
        ),
        *(
            [(CHECKED_COLUMN, "核对过的行在此标记", "mark the rows you have checked")]
            if layout.prefilled else []
        ),
        ("note", "备注（可选）", "remarks (optional)"),
        *(
            (f"{name}{_MACHINE_SUFFIX}", f"（隐藏）{name} 的预填编码，供读回时比较",
             f"(hidden) the pre-filled codes of {name}, compared when read back")
            for name in (layout.coding_cols if layout.prefilled else ())
        ),
    ]


# ------------------------------------------------------------------------------ reading


def _norm(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).split())


def _lookup(codes: pd.DataFrame) -> dict[str, str]:
    """Every accepted spelling of a code → its id; labels only where they are unambiguous."""
    table: dict[str, str] = {}
    labels: dict[str, set[str]] = {}
    entries = [*codes.itertuples(index=False), (NO_CODE, _NO_CODE_ZH, _NO_CODE_EN, "")]
    for code_id, zh, en, _ in entries:
        table[_norm(code_id)] = code_id
        for label in (zh, en):
            if label:
                table.setdefault(_norm(f"{code_id} {label}"), code_id)
                labels.setdefault(_norm(label), set()).add(code_id)
    for label, ids in labels.items():
        if len(ids) == 1:
            table.setdefault(label, next(iter(ids)))
    return table


_SEPARATORS = re.compile(r"[;\n]")


def _parse_cell(value: Any, table: dict[str, str]) -> list[str] | None:
    """Code ids in a cell ([] if blank); None if some entry is not a code."""
    if value is None:
        return []
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        value = _text(value)
    raw = _norm(str(value))
    if not raw:
        return []
    if raw in table:
        return [table[raw]]
    parts = [_norm(p) for p in _SEPARATORS.split(unicodedata.normalize("NFKC", str(value)))]
    parts = [p for p in parts if p]
    if len(parts) > 1 and all(p in table for p in parts):
        return [table[p] for p in parts]
    return None


def _load(path: Path) -> Any:
    from openpyxl import load_workbook

    try:
        # Not read_only: a read-only workbook keeps the file open through any row iterator
        # left unfinished (an error mid-sheet), and coding sheets are small.
        return load_workbook(path, data_only=True)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except Exception as exc:  # openpyxl raises many types for a corrupt or non-xlsx file
        raise InputError(path, f"not a readable xlsx workbook ({type(exc).__name__})") from exc


def _coder_name(wb: Any, path: Path) -> str:
    if SHEET_INSTRUCTIONS in wb.sheetnames:
        for row in wb[SHEET_INSTRUCTIONS].iter_rows(min_row=1, max_row=30, max_col=2):
            cells = [c.value for c in row] + [None, None]
            if isinstance(cells[0], str) and _norm(cells[0]) == _norm(CODER_LABEL):
                name = _text(cells[1])
                if name:
                    return name
                break
    return path.stem


def _read_one(
    path: Path,
    tables: dict[str, dict[str, str]],
    applies: dict[str, frozenset[str] | None],
    with_text: bool = False,
) -> tuple[str, list[str], list[dict[str, Any]]]:
    wb = _load(path)
    if SHEET_CODING not in wb.sheetnames:
        raise CodingSheetError(path, f"no sheet '{SHEET_CODING}'")
    coder = _coder_name(wb, path)
    rows = wb[SHEET_CODING].iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, ())]
    if "text" not in header:
        raise CodingSheetError(path, "no 'text' column in the header", sheet=SHEET_CODING, row=1)
    key_cols = header[: header.index("text")]
    if not key_cols:
        raise CodingSheetError(path, "no unit key columns before 'text'", sheet=SHEET_CODING, row=1)
    columns: dict[str, list[int]] = {}
    for name in tables:
        slot = re.compile(rf"{re.escape(name)}(_\d+)?")
        columns[name] = [j for j, h in enumerate(header) if slot.fullmatch(h)]
        if not columns[name]:
            raise CodingSheetError(
                path, f"no column for codebook '{name}'", sheet=SHEET_CODING, row=1
            )
    # A pre-filled sheet: only rows marked checked, or whose codes differ from the
    # pre-filled ones, are a person's coding; the others still hold the machine's codes.
    checked_at = header.index(CHECKED_COLUMN) if CHECKED_COLUMN in header else None
    machine_at = {name: header.index(f"{name}{_MACHINE_SUFFIX}") for name in tables
                  if f"{name}{_MACHINE_SUFFIX}" in header}
    records: list[dict[str, Any]] = []
    seen: dict[tuple, int] = {}
    for row_no, values in enumerate(rows, start=2):
        values = tuple(values) + (None,) * (len(header) - len(values))
        keys = values[: len(key_cols)]
        if all(v is None or v == "" for v in values):
            continue
        if all(v is None or v == "" for v in keys):
            raise CodingSheetError(path, "row has no unit key", sheet=SHEET_CODING, row=row_no)
        if keys in seen:
            raise CodingSheetError(
                path, f"same unit as row {seen[keys]}", sheet=SHEET_CODING, row=row_no
            )
        seen[keys] = row_no
        unit = dict(zip(key_cols, keys, strict=True))
        if with_text:
            unit["text"] = _text(values[len(key_cols)])
        unit_field = [str(unit["field"])] if "field" in unit else None
        coding: dict[str, list[str]] = {}
        for name, cols in columns.items():
            found: list[str] = []
            for j in cols:
                codes = _parse_cell(values[j], tables[name])
                if codes and _blocked(applies[name], unit_field, 0):
                    raise CodingSheetError(
                        path,
                        f"codebook '{name}' does not apply to field {unit['field']!r}; "
                        "leave the cell blank",
                        sheet=SHEET_CODING,
                        row=row_no,
                        column=header[j],
                    )
                if codes is None:
                    raise CodingSheetError(
                        path,
                        f"{values[j]!r} is not a code of codebook '{name}'",
                        sheet=SHEET_CODING,
                        row=row_no,
                        column=header[j],
                    )
                found.extend(c for c in codes if c not in found)
            coding[name] = found
        if checked_at is not None and not _checked_row(
            coding, values, checked_at, machine_at, tables, applies, unit_field
        ):
            continue
        for name, found in coding.items():
            for code in found:
                records.append({**unit, "coder": coder, "codebook": name, "code": code})
    return coder, key_cols, records


def _checked_row(
    coding: dict[str, list[str]],
    values: tuple[Any, ...],
    checked_at: int,
    machine_at: dict[str, int],
    tables: dict[str, dict[str, str]],
    applies: dict[str, frozenset[str] | None],
    unit_field: list[str] | None,
) -> bool:
    """Whether a row of a pre-filled sheet was checked: marked, or its codes changed.  A
    checked row's blank codebook (one that applies) means no code applies: ``coding`` gets
    ``none`` there."""
    marked = _text(values[checked_at]) != ""
    before = {name: set(_parse_cell(values[j], tables[name]) or [])
              for name, j in machine_at.items()}
    if not marked and all(set(f) == before.get(n, set()) for n, f in coding.items()):
        return False
    for name, found in coding.items():
        if not found and not _blocked(applies[name], unit_field, 0):
            found.append(NO_CODE)
    return True


def read_coding_sheets(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    codebooks: Mapping[str, Any] | Iterable[Any],
    *,
    with_text: bool = False,
) -> pd.DataFrame:
    """Read filled coding sheets into one tidy frame: one row per unit × coder × codebook × code.

    Parameters
    ----------
    paths : path-like or iterable of path-likes
        Workbooks written by :func:`write_coding_sheet` and filled in by coders, one per coder.
    codebooks : mapping or iterable
        The codebooks, as for :func:`write_coding_sheet`; every codebook needs a
        coding column in every sheet. A cell may hold a code id, the ``"id label"`` drop-down
        text, an unambiguous label, ``none`` (no code applies), or several of these separated
        by ``;`` or line breaks; full-width characters and extra spaces are tolerated.
    with_text : bool
        Also return the unit's ``text`` (after the key columns), e.g. for
        :func:`cqanalysis.suggest_keywords`.

    Returns
    -------
    DataFrame
        The unit key columns (the header cells left of ``text``), ``coder``, ``codebook``,
        ``code`` (``"none"`` where the coder chose no code applies). Blank cells (not coded)
        give no rows. Files in the given order, then sheet rows, codebooks and code columns.
        The coder is the name next to ``编码员 coder`` on the instructions sheet, or else the
        file name without suffix. Turn it into units × coders matrices with
        :func:`cqanalysis.agreement.coding_matrix`.

    Raises
    ------
    CodingSheetError
        A value that is not a code, or in a cell whose codebook does not apply to the unit's
        field (naming file, sheet, row and column), a missing sheet or
        column, a repeated unit, two files of the same coder, or files with different keys.
    InputError
        A file that is missing or not an xlsx workbook.
    """
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not items:
        raise ValueError("no coding sheets given")
    tables = {name: _lookup(codes) for name, codes in codebook_frames(codebooks).items()}
    applies = codebook_fields(codebooks)
    key_cols: list[str] | None = None
    coders: dict[str, Path] = {}
    records: list[dict[str, Any]] = []
    for item in items:
        path = Path(item)
        coder, keys, rows = _read_one(path, tables, applies, with_text)
        if coder in coders:
            raise CodingSheetError(path, f"coder '{coder}' also coded {coders[coder]}")
        coders[coder] = path
        if key_cols is None:
            key_cols = keys
        elif keys != key_cols:
            raise CodingSheetError(
                path,
                f"key columns {keys} differ from {key_cols} of the first sheet",
                sheet=SHEET_CODING,
                row=1,
            )
        records.extend(rows)
    assert key_cols is not None
    text = ["text"] if with_text else []
    return pd.DataFrame(records, columns=[*key_cols, *text, "coder", "codebook", "code"])
