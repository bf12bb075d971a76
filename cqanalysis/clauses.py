"""Split the measure and outcome cells of table rows into atomic clauses (the ``clauses`` frame)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from .core.schema import FRAME_COLUMNS

__all__ = ["CLAUSE_SEPARATORS", "QUOTE_PAIRS", "explode_clauses", "split_clauses"]

#: Characters that end a clause: ASCII and full-width comma and semicolon, and the ideographic
#: full stop.  The enumeration comma 、 is deliberately absent: it lists objects inside one
#: clause (推行权力、责任、负面清单 is one measure, not three).
CLAUSE_SEPARATORS = ",，;；。"

#: Opening → closing marks of spans inside which separators do not split.  A quoted slogan
#: (“议而不决,决而不行”) or a bracketed gloss is one unit of meaning: splitting it would leave
#: two halves that each misstate the recommendation.
QUOTE_PAIRS = {
    "“": "”",
    "‘": "’",
    "「": "」",
    "『": "』",
    "《": "》",
    "〈": "〉",
    "（": "）",
    "(": ")",
    "【": "】",
    "[": "]",
    '"': '"',
}

# Trimmed from both ends of every clause: ASCII and full-width (U+3000) white space.
_STRIP = " \t\r\n\u3000\u00a0"

_CONTEXT_COLUMNS = ("section_no", "section_title", "direction", "line", "page")


def split_clauses(text: object, *, separators: str = CLAUSE_SEPARATORS) -> list[str]:
    """Split one cell into clauses.

    Parameters
    ----------
    text
        The cell text.  ``None``/NaN and non-strings other than numbers give no clauses.
    separators
        Characters that end a clause (default :data:`CLAUSE_SEPARATORS`).

    Returns
    -------
    list of str
        The trimmed, non-empty clauses in source order.

    Notes
    -----
    A separator inside a balanced pair of quotation marks or brackets (:data:`QUOTE_PAIRS`) does
    not split.  An opening mark whose closing mark never follows is treated as an ordinary
    character, so a stray quote cannot swallow the rest of the cell.

    Examples
    --------
    >>> split_clauses("促进大局意识,减少地方保护")
    ['促进大局意识', '减少地方保护']
    >>> split_clauses("避免“议而不决,决而不行”,推动实际工作")
    ['避免“议而不决,决而不行”', '推动实际工作']
    """
    if not isinstance(text, str):
        if text is None or pd.isna(text):
            return []
        text = str(text)
    pieces: list[str] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        close = QUOTE_PAIRS.get(ch)
        if close is not None:
            end = text.find(close, i + 1)
            if end != -1:
                i = end + 1
                continue
        elif ch in separators:
            pieces.append(text[start:i])
            start = i + 1
        i += 1
    pieces.append(text[start:])
    return [p for p in (piece.strip(_STRIP) for piece in pieces) if p]


def explode_clauses(
    rows: pd.DataFrame,
    *,
    fields: Sequence[str] = ("measure", "outcome"),
    separators: str = CLAUSE_SEPARATORS,
) -> pd.DataFrame:
    """One row per atomic clause of the measure and outcome cells of ``rows``.

    Parameters
    ----------
    rows
        A ``rows`` frame (one document's or a corpus's): at least doc_id, table_id, row_no and
        the columns named in ``fields``.
    fields
        Cell columns to split, in the order their clauses are listed within a row.
    separators
        Characters that end a clause; see :func:`split_clauses` for quotes and brackets.

    Returns
    -------
    pandas.DataFrame
        The ``clauses`` frame: doc_id, table_id, row_no, field, clause_no (1-based within the
        cell), text; then the row's section_no, section_title, direction, line and page where
        ``rows`` has them, so clauses join back to domains and directions.  Rows keep the order
        of ``rows``; within a row, clauses follow ``fields`` and then source order.  An empty
        or missing cell contributes no clause.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"doc_id": ["d"], "table_id": ["5.1.1"], "row_no": [1],
    ...                      "measure": ["树立“一盘棋”思想,摒弃“行政区经济”"],
    ...                      "outcome": ["促进大局意识,减少地方保护"]})
    >>> explode_clauses(rows)[["field", "clause_no", "text"]]
         field  clause_no       text
    0  measure          1  树立“一盘棋”思想
    1  measure          2  摒弃“行政区经济”
    2  outcome          1     促进大局意识
    3  outcome          2     减少地方保护
    """
    if isinstance(fields, str):
        fields = (fields,)
    required = ("doc_id", "table_id", "row_no", *fields)
    missing = [c for c in required if c not in rows.columns]
    if missing:
        raise ValueError(f"explode_clauses: rows lacks column(s) {', '.join(missing)}")
    context = [c for c in _CONTEXT_COLUMNS if c in rows.columns and c not in fields]
    records: list[tuple[object, ...]] = []
    keys = rows[["doc_id", "table_id", "row_no", *context]].itertuples(index=False, name=None)
    cells: Iterable[tuple[object, ...]] = rows[list(fields)].itertuples(index=False, name=None)
    for key, values in zip(keys, cells, strict=True):
        doc_id, table_id, row_no, *ctx = key
        for field, cell in zip(fields, values, strict=True):
            for no, clause in enumerate(split_clauses(cell, separators=separators), start=1):
                records.append((doc_id, table_id, row_no, field, no, clause, *ctx))
    columns = [*FRAME_COLUMNS["clauses"], *context]
    out = pd.DataFrame.from_records(records, columns=columns)
    if out.empty:
        # Keep the input's dtypes so an empty result still concatenates cleanly.
        for col in ("doc_id", "table_id", "row_no", *context):
            out[col] = out[col].astype(rows[col].dtype)
        out["field"] = out["field"].astype("str")
        out["text"] = out["text"].astype("str")
    out["clause_no"] = out["clause_no"].astype("int64")
    return out
