"""What the writers lay out: source tables under their original headers, crosstabs with margins."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..core.constants import MARGIN_NAMES
from ..core.schema import FRAME_COLUMNS
from ._text import REPLACEMENT, xml_safe

__all__ = [
    "CrosstabLayout",
    "PaperTable",
    "SourceTable",
    "crosstab_caption",
    "crosstab_cells",
    "crosstab_layout",
    "crosstab_note",
    "format_number",
    "label",
    "paper_tables",
    "source_tables",
    "stats_note",
    "xml_safe_table",
]

_ROLE_COLUMNS = ("direction", "measure", "outcome")
#: Labels pandas and cqanalysis give a crosstab's margin row/column.

_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "table": "表", "direction": "方向", "measure": "具体建议", "outcome": "预期成效",
        "total": "合计", "note": "注：", "source": "资料来源：", "line": "第{}行", "page": "第{}页",
        "count": "频数", "row": "行百分比", "column": "列百分比", "all": "总百分比",
        "crosstab": "交叉表", "sep": "，", "p_small": "< 0.001", "mc_p": "蒙特卡洛模拟p",
    },
    "en": {
        "table": "Table ", "direction": "Direction", "measure": "Measure", "outcome": "Outcome",
        "total": "Total", "note": "Note: ", "source": "Source: ", "line": "line {}",
        "page": "page {}", "count": "Count", "row": "Row %", "column": "Column %",
        "all": "Total %", "crosstab": "Crosstab", "sep": ", ", "p_small": "< 0.001",
        "mc_p": "Monte Carlo p",
    },
}  # fmt: skip


def label(key: str, lang: str) -> str:
    """The ``zh`` or ``en`` wording of a fixed label."""
    if lang not in _LABELS:
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return _LABELS[lang][key]


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class SourceTable:
    """One recommendation table as it stood in its source: caption, original header, cells."""

    doc_id: str
    table_id: str
    title: str
    caption: str
    header: tuple[str, ...]
    body: tuple[tuple[str, ...], ...]
    line: int | None
    page: int | None

    def source_note(self, lang: str) -> str:
        """``资料来源:doc,第12行`` — where the table came from, for a note under it."""
        parts = [self.doc_id] if self.doc_id else []
        if self.page is not None:
            parts.append(label("page", lang).format(self.page))
        if self.line is not None:
            parts.append(label("line", lang).format(self.line))
        return label("source", lang) + label("sep", lang).join(parts)


def _int_or_none(value: object) -> int | None:
    try:
        return None if pd.isna(value) else int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _split(value: object) -> list[str]:
    text = _text(value)
    return [part.strip() for part in text.split(" | ")] if text else []


def _columns(meta: Mapping[str, object], rows: pd.DataFrame, lang: str) -> list[tuple[str, str]]:
    """(header, rows column or "" for row_no) for each column of the original table."""
    header, roles = _split(meta.get("header")), _split(meta.get("roles"))
    extra = [c for c in rows.columns if c not in FRAME_COLUMNS["rows"]]
    if not header or len(header) != len(roles):
        # No usable header record: the role columns under generic names, then extra columns.
        known = [(label(r, lang), r) for r in _ROLE_COLUMNS if r in rows.columns]
        return known + [(str(c), str(c)) for c in extra]
    out = []
    for name, role in zip(header, roles, strict=True):
        if role in _ROLE_COLUMNS and role in rows.columns:
            out.append((name, role))
        elif name in rows.columns:
            out.append((name, name))
        elif role == "index":
            # The parser drops index columns (序号); their values are the row numbers.
            out.append((name, "row_no"))
        elif role in rows.columns:
            out.append((name, role))
        else:
            out.append((name, ""))
    return out


def _row_order(rec: Mapping[str, object]) -> float:
    number = _int_or_none(rec.get("row_no"))
    return math.inf if number is None else number


def source_tables(
    tables: pd.DataFrame | None, rows: pd.DataFrame | None, *, lang: str = "zh"
) -> list[SourceTable]:
    """Rebuild each table of ``tables`` (in its order) from ``rows`` under its original header.

    The header and column roles come from ``tables.header`` and ``tables.roles`` (``" | "``
    separated). Role columns (direction, measure, outcome) take their cells from the ``rows``
    columns of that name; other columns from the ``rows`` column named by the header. An index
    column (role ``index``, e.g. 序号), which the parser drops, is refilled from ``row_no``.
    Rows are ordered by ``row_no``; missing cells are empty strings.
    """
    if tables is None or tables.empty:
        return []
    rows = rows if rows is not None else pd.DataFrame(columns=list(FRAME_COLUMNS["rows"]))
    # Plain records and one pass to group them: per-table DataFrame slicing is far slower.
    records = rows.to_dict("records")
    groups: dict[tuple[object, object], list[dict[str, object]]] = {}
    for rec in records:
        groups.setdefault((rec.get("doc_id"), rec.get("table_id")), []).append(rec)
    out = []
    for meta in tables.to_dict("records"):
        doc_id, table_id = _text(meta.get("doc_id")), _text(meta.get("table_id"))
        part = sorted(groups.get((meta.get("doc_id"), meta.get("table_id")), []), key=_row_order)
        columns = _columns(meta, rows, lang)
        body = tuple(
            tuple(_text(rec.get(col)) if col else "" for _, col in columns) for rec in part
        )
        title = _text(meta.get("title"))
        caption = f"{label('table', lang)}{table_id} {title}".strip()
        out.append(
            SourceTable(
                doc_id=doc_id,
                table_id=table_id,
                title=title,
                caption=caption,
                header=tuple(name for name, _ in columns),
                body=body,
                line=_int_or_none(meta.get("line")),
                page=_int_or_none(meta.get("page")),
            )
        )
    return out


# --------------------------------------------------------------------------- crosstabs


def _flat(lab: object) -> str:
    if isinstance(lab, tuple):
        return " / ".join(_text(p) for p in lab if _text(p))
    return _text(lab)


@dataclass(frozen=True)
class CrosstabLayout:
    """A crosstab ready to write: labels, values with margins, and percentages.

    ``values`` includes the margin rows and column. ``percent`` has the same shape, or is
    ``None`` when the table holds no counts. ``is_share`` marks values that are already
    proportions (a normalised crosstab), to be shown as percentages.
    """

    name: str
    index_names: tuple[str, ...]
    row_labels: tuple[tuple[str, ...], ...]
    col_labels: tuple[str, ...]
    values: np.ndarray
    percent: np.ndarray | None
    percent_kind: str
    is_count: bool
    is_share: bool
    share_kind: str

    def shown_labels(self) -> list[list[str]]:
        """Row labels with an outer level (a layer) shown only where it changes."""
        out, previous = [], None
        for labels in self.row_labels:
            outer = labels[:-1]
            out.append([*("" if outer == previous else lab for lab in outer), labels[-1]])
            previous = outer
        return out

    def layer_starts(self) -> list[int]:
        """Row positions where a new layer begins (none for a table with one index level)."""
        return [i for i in range(1, len(self.row_labels))
                if self.row_labels[i][:-1] != self.row_labels[i - 1][:-1]]  # fmt: skip


def _margin_matcher(table: pd.DataFrame) -> Callable[[object], bool]:
    if "margins" in table.attrs:  # cqanalysis.crosstabs records its margin label
        known = table.attrs["margins"]
        return lambda lab: known is not None and lab == known
    return lambda lab: isinstance(lab, str) and lab in MARGIN_NAMES


def crosstab_layout(
    name: str, table: pd.DataFrame, *, percent: str | None = "row", lang: str = "zh"
) -> CrosstabLayout:
    """Lay out a crosstab: counts with margins (added when missing) and percentages.

    A crosstab is a DataFrame of numbers whose index holds the row categories (one level, or
    an outer layer and the rows) and whose columns hold the column categories, as
    :func:`cqanalysis.crosstab` returns it. Margins are the rows/column labelled as recorded
    in ``table.attrs["margins"]``, or else labelled 合计, 总计, All, Total …; a layered table
    has a margin row per layer. When every value is a non-negative whole number the table
    holds counts: missing margins are added and ``percent`` (``"row"``, ``"column"``,
    ``"all"`` or ``None``) percentages computed, as fractions (0.25 = 25%), per layer. A
    normalised table (``attrs["normalize"]`` set) holds shares, shown as percentages; other
    tables (means …) are written as given.
    """
    if percent not in (None, "row", "column", "all"):
        raise ValueError(f"percent must be 'row', 'column', 'all' or None, not {percent!r}")
    try:
        values = table.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"crosstab {name!r} holds non-numeric values") from exc
    is_margin = _margin_matcher(table)
    nlev = table.index.nlevels
    labels = [lab if isinstance(lab, tuple) else (lab,) for lab in table.index]
    columns = list(table.columns)
    share_kind = str(table.attrs.get("normalize") or "")
    finite = values[np.isfinite(values)]
    is_count = (
        not share_kind
        and values.size > 0
        and bool(np.all(np.isfinite(values)) and np.all(finite >= 0))
        and bool(np.all(finite == np.round(finite)))
    )
    total = label("total", lang)
    pct = None
    # A presence table counts distinct units: a sum of its cells is not its total, so one
    # without margins is shown as it is, with neither margins nor percentages added.
    summable = not (table.attrs.get("values") == "presence" and not table.attrs.get("margins"))
    if is_count and summable:
        if not (columns and is_margin(columns[-1])):
            values = np.column_stack([values, values.sum(axis=1)])
            columns.append(total)
        values, labels, margin_of = _with_margin_rows(values, labels, is_margin, total)
        if percent:
            pct = _percentages(values, margin_of, percent)
    names = tuple(_text(n) for n in table.index.names)
    return CrosstabLayout(
        name=name,
        index_names=names if len(names) == nlev else ("",) * nlev,
        row_labels=tuple(tuple(_text(p) for p in lab) for lab in labels),
        col_labels=tuple(_flat(c) for c in columns),
        values=values,
        percent=pct,
        percent_kind=percent or "",
        is_count=is_count,
        is_share=bool(share_kind),
        share_kind=share_kind,
    )


def _with_margin_rows(
    values: np.ndarray,
    labels: list[tuple[object, ...]],
    is_margin: Callable[[object], bool],
    total: str,
) -> tuple[np.ndarray, list[tuple[object, ...]], list[int]]:
    """Rows grouped by layer, each layer closed by its margin row (added when missing).

    Returns the rows, their labels and, for every row, the position of its layer's margin
    row, which column percentages divide by.
    """
    groups: dict[tuple[object, ...], list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(lab[:-1], []).append(i)
    new_rows, new_labels, margin_of = [], [], []
    for key, members in groups.items():
        margins = [i for i in members if is_margin(labels[i][-1])]
        inner = [i for i in members if i not in margins]
        for i in inner + margins:
            new_rows.append(values[i])
            new_labels.append(labels[i])
        if not margins:
            new_rows.append(values[inner].sum(axis=0))
            new_labels.append((*key, total))
        margin_row = len(new_rows) - 1
        margin_of += [margin_row] * (len(inner) + max(len(margins), 1))
    return (np.vstack(new_rows) if new_rows else values), new_labels, margin_of


def _percentages(values: np.ndarray, margin_of: list[int], percent: str) -> np.ndarray:
    """Counts as fractions of their row total, layer column total or layer grand total.

    Cells whose total is zero get NaN (shown empty), not a division warning.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if percent == "row":
            pct = values / values[:, -1:]
        else:
            base = values[margin_of]
            pct = values / (base if percent == "column" else base[:, -1:])
    return np.where(np.isfinite(pct), pct, np.nan)


def format_number(value: float, *, decimals: int = 3) -> str:
    """A number as text for Word/LaTeX: whole numbers without decimals, others to ``decimals``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    f = float(value)
    if math.isinf(f):
        return "∞" if f > 0 else "-∞"
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    return f"{f:.{decimals}f}"


def _is_p(column: str) -> bool:
    key = column.lower().replace("-", "_").replace(" ", "_")
    return key in {"p", "p_value", "pvalue", "p值", "pval"}


# Display names of the columns of cqanalysis.chi2_test(...).stats; its diagnostics
# (min_expected, share_expected_lt5) stay in the Excel sheet, out of the printed note.
_STAT_NAMES = {"dof": "df", "pval": "p", "p_value": "p", "cramer_v": "Cramér's V", "n": "N"}
_TEST_STATISTIC = {"pearson": "χ²", "yates": "χ² (Yates)", "fisher": "Fisher OR"}
# In a Chinese note the test names are Chinese too; the symbols (χ², df, p, N) stay.
_TEST_STATISTIC_ZH = {"pearson": "χ²", "yates": "χ²（连续性校正）", "fisher": "Fisher精确检验OR"}
_NOTE_HIDDEN = {"min_expected", "share_expected_lt5", "cells_lt5", "simulations", "note",
                "note_zh"}


def stats_note(stats: pd.DataFrame | None, *, lang: str = "zh", prefix: bool = True) -> str:
    """Test statistics as one note line: ``注：χ² = 19.539，df = 10，p = 0.034``.

    Each row of ``stats`` becomes ``name = value`` pairs. The columns of
    :func:`cqanalysis.chi2_test`'s ``stats`` get their usual names (the ``statistic`` of a
    ``pearson`` test is χ², ``dof`` is df, ``pval`` p, ``cramer_v`` Cramér's V) and its
    diagnostics are left out; other columns appear under their own names. p-values below
    0.001 read ``p < 0.001``; rows are joined by semicolons. ``prefix=False`` leaves out 注：.
    """
    if stats is None or stats.empty:
        return ""
    sep = label("sep", lang)
    parts = []
    for rec in stats.to_dict("records"):
        if rec.get("test") == "monte_carlo":  # only its p-value differs from the X² row
            parts.append(_p_item(label("mc_p", lang), rec.get("pval"), lang))
            continue
        items = []
        names = _TEST_STATISTIC_ZH if lang == "zh" else _TEST_STATISTIC
        statistic = names.get(str(rec.get("test")), str(rec.get("test") or ""))
        for col, val in rec.items():
            if col in _NOTE_HIDDEN or (col == "test" and "statistic" in rec):
                continue
            name = statistic if col == "statistic" and statistic else _STAT_NAMES.get(col, col)
            if isinstance(val, (int, float, np.integer, np.floating)) and not isinstance(val, bool):
                if _is_p(str(col)):
                    items.append(_p_item(name, val, lang))
                    continue
                text = format_number(val)
            else:
                text = _text(val)
            if text:
                items.append(f"{name} = {text}")
        parts.append(sep.join(items))
    joiner = "；" if lang == "zh" else "; "
    text = joiner.join(p for p in parts if p)
    return (label("note", lang) + text) if prefix and text else text


def _p_item(name: str, value: object, lang: str) -> str:
    """``p = 0.034`` or ``p < 0.001``."""
    if isinstance(value, (int, float, np.integer, np.floating)) and 0 <= float(value) < 0.001:
        return f"{name} {label('p_small', lang)}"
    text = _text(value) if not isinstance(value, (float, np.floating)) else format_number(value)
    return f"{name} = {text}"


def sparse_note(stats: pd.DataFrame | None, lang: str) -> str:
    """The warning about small expected counts that :func:`cqanalysis.analyse` recorded."""
    column = "note_zh" if lang == "zh" else "note"
    if stats is None or column not in stats.columns:
        return ""
    notes = [_text(v) for v in stats[column] if _text(v)]
    return notes[0] if notes else ""


def crosstab_note(layout: CrosstabLayout, stats: pd.DataFrame | None, lang: str) -> str:
    """The note under a crosstab: its test statistics and what the parentheses hold."""
    parts = []
    text = stats_note(stats, lang=lang, prefix=False)
    if text:
        parts.append(text + ("。" if lang == "zh" else "."))
    warning = sparse_note(stats, lang)
    if warning:
        parts.append(warning + ("。" if lang == "zh" else "."))
    if layout.percent is not None:
        kind = label(layout.percent_kind, lang)
        parts.append(f"括号内为{kind}。" if lang == "zh" else f"{kind} in parentheses.")
    elif layout.is_share and layout.share_kind in ("row", "column", "all"):
        kind = label(layout.share_kind, lang)
        parts.append(f"表中数值为{kind}。" if lang == "zh" else f"Values are {kind}.")
    return label("note", lang) + ("" if lang == "zh" else " ").join(parts) if parts else ""


def crosstab_caption(name: str, titles: Mapping[str, str] | None, lang: str) -> str:
    """The caption of crosstab ``name``: ``titles[name]`` or 交叉表 name."""
    if titles and name in titles:
        return titles[name]
    return f"{label('crosstab', lang)} {name}"


def crosstab_cells(layout: CrosstabLayout) -> list[list[str]]:
    """Body rows as text for Word/LaTeX: labels, then counts with percentages in parentheses."""
    body = []
    for i, cells in enumerate(layout.shown_labels()):
        for j, v in enumerate(layout.values[i]):
            if layout.is_share:
                cells.append("" if math.isnan(v) else f"{v * 100:.1f}%")
                continue
            text = format_number(float(v))
            if layout.percent is not None and text and not math.isnan(layout.percent[i, j]):
                text += f" ({layout.percent[i, j] * 100:.1f}%)"
            cells.append(text)
        body.append(cells)
    return body


@dataclass(frozen=True)
class PaperTable:
    """One table as a paper shows it, whatever the format (Word, LaTeX).

    ``stem`` is the file name stem, ``key`` the parts of a cross-reference label, ``title`` the
    caption text without its number, ``numeric_from`` the first column holding numbers
    (``None`` for a source table), ``layer_starts`` the body rows that open a layer.
    """

    stem: str
    caption: str
    title: str
    key: tuple[str, ...]
    header: list[str]
    body: list[list[str]]
    numeric_from: int | None
    note: str
    layer_starts: tuple[int, ...] = ()
    doc_id: str | None = None


def paper_tables(
    *,
    frames: Mapping[str, pd.DataFrame] | None,
    tables: pd.DataFrame | None,
    rows: pd.DataFrame | None,
    crosstabs: Mapping[str, pd.DataFrame] | None,
    crosstab_stats: Mapping[str, pd.DataFrame] | None,
    crosstab_titles: Mapping[str, str] | None,
    lang: str,
    percent: str | None,
) -> list[PaperTable]:
    """The tables the Word and LaTeX writers render: source tables, then crosstabs.

    ``tables`` and ``rows`` default to ``frames["tables"]`` and ``frames["rows"]``; with several
    documents, file stems and labels carry the ``doc_id``.
    """
    frames = frames or {}
    tables = frames.get("tables") if tables is None else tables
    rows = frames.get("rows") if rows is None else rows
    out: list[PaperTable] = []
    originals = source_tables(tables, rows, lang=lang)
    several = len({t.doc_id for t in originals}) > 1
    for t in originals:
        out.append(
            PaperTable(
                stem=f"{t.doc_id}_{t.caption}" if several else t.caption,
                caption=t.caption,
                title=t.title or t.caption,
                key=(str(t.doc_id), str(t.table_id)) if several else (str(t.table_id),),
                header=list(t.header),
                body=[list(r) for r in t.body],
                numeric_from=None,
                note=t.source_note(lang),
                doc_id=str(t.doc_id),
            )
        )
    stats = crosstab_stats or {}
    for name, frame in (crosstabs or {}).items():
        layout = crosstab_layout(name, frame, percent=percent, lang=lang)
        caption = crosstab_caption(name, crosstab_titles, lang)
        out.append(
            PaperTable(
                stem=caption,
                caption=caption,
                title=caption,
                key=(f"ct-{name}",),
                header=[*(n or "" for n in layout.index_names), *layout.col_labels],
                body=crosstab_cells(layout),
                numeric_from=len(layout.index_names),
                note=crosstab_note(layout, stats.get(name), lang),
                layer_starts=tuple(layout.layer_starts()),
            )
        )
    return [xml_safe_table(t, lang) for t in out]


def xml_safe_table(table: PaperTable, lang: str) -> PaperTable:
    """``table`` with XML-illegal characters replaced (:func:`xml_safe`) and the fact noted.

    A vertical tab (Word's manual line break) becomes a line break; other control characters
    become ``�``, and a sentence in ``lang`` saying how many is added to the note, so a
    reader knows the cell held something the format cannot carry.
    """
    count = 0

    def clean(text: str) -> str:
        nonlocal count
        out, n = xml_safe(text)
        count += n
        return out

    header = [clean(h) for h in table.header]
    body = [[clean(c) for c in row] for row in table.body]
    caption, note = clean(table.caption), clean(table.note)
    title = xml_safe(table.title)[0]  # part of the caption: counted there
    if count:
        if lang == "zh":
            said = f"表中{count}个控制字符无法写入，已替换为“{REPLACEMENT}”。"
        else:
            said = (f"{count} control character{'s' if count > 1 else ''} could not be "
                    f"written and {'were' if count > 1 else 'was'} replaced by “{REPLACEMENT}”.")
        note = f"{note} {said}" if note else label("note", lang) + said
    return replace(table, header=header, body=body, caption=caption, title=title, note=note)
