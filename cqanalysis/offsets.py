"""Character offsets of units into their document's plain text, for QDA tools (REFI-QDA).

The parser gives each row and item its source lines (``line``, ``line_end``, ``page``) but no
character positions; a REFI-QDA ``PlainTextSelection`` needs them.  A document's plain text is
defined once, for every source kind, as its blocks' texts joined by ``"\\n"`` in source order
(:func:`document_text`): the lines of a .txt/.md file without blank lines, the paragraphs and
table rows (cells joined by a tab) of a .docx, the lines of a .pdf, the rows of a sheet.
:func:`locate` then finds each unit's text inside the span of its own lines.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .core.blocks import Block
from .core.document import Corpus, Document
from .core.errors import InputError
from .core.text import document_text, record_spans

__all__ = [
    "Locations",
    "document_text",
    "document_texts",
    "locate",
    "locations",
    "row_locations",
    "source_blocks",
    "unit_locations",
    "unit_offsets",
]

#: How a unit's offsets were found (column ``offset_match``).
MATCHES = ("exact", "pieces", "span")


def source_blocks(data: Document | Corpus,
                  paths: Mapping[str, str] | None = None) -> dict[str, list[Block]]:
    """doc_id → the blocks of its source file, read again with :func:`cqanalysis.sources.read`.

    ``paths`` (doc_id → file) overrides the paths the frames record (a build records them
    relative to the working folder).  A document parsed from a string (no ``path``), or one
    that cannot be read (it is in the corpus' ``errors``), is left out: pass
    ``{doc_id: cqanalysis.sources.text.text_blocks(text)}`` to :func:`unit_offsets` instead.
    """
    from .core.errors import CqError
    from .sources import read

    if isinstance(data, Document):
        pairs = [(data.doc_id, data.path)]
    else:
        docs = data.documents
        if "path" not in docs.columns:
            return {}
        pairs = list(docs[["doc_id", "path"]].itertuples(index=False, name=None))
    out: dict[str, list[Block]] = {}
    for doc_id, path in pairs:
        path = (paths or {}).get(str(doc_id), path)
        if not isinstance(path, str) or not path:
            continue
        try:
            out[str(doc_id)] = list(read(path).blocks)
        except CqError:
            continue  # listed in the corpus' errors frame already
    return out


def document_texts(blocks: Mapping[str, Sequence[Block]]) -> dict[str, str]:
    """doc_id → :func:`document_text` of its blocks (what a REFI-QDA TextSource holds)."""
    return {doc_id: document_text(b) for doc_id, b in blocks.items()}


class _FoldTable(dict[int, str]):
    """``str.translate`` table of :func:`_fold`, filled one character at a time as met."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char).casefold()
        value = self[code] = folded if len(folded) == 1 else char
        return value


_FOLD = _FoldTable()


def _fold(text: str) -> str:
    """NFKC and case folding character by character, so that positions stay the same.

    The parser normalises some characters (a full-width colon joins an item's title and
    body; ``，`` may be read as ``,``); folding both sides lets the search see past that.
    A character whose folding is not one character stays as it is.
    """
    # one table lookup per character: normalising each character again was most of the time
    return text.translate(_FOLD)


def _spans(frame: pd.DataFrame, blocks: Sequence[Block]) -> list[tuple[int, int] | None]:
    """(start, end) character span of each row's lines in the document text, or None."""
    def whole(value: Any) -> int | None:
        return None if value is None or pd.isna(value) else int(value)

    pages = frame["page"] if "page" in frame.columns else [None] * len(frame)
    ends = frame["line_end"] if "line_end" in frame.columns else [None] * len(frame)
    return record_spans(blocks, [(whole(line), whole(end), whole(page))
                                 for line, end, page in zip(frame["line"], ends, pages,
                                                            strict=True)])


def locate(frame: pd.DataFrame, blocks: Sequence[Block], *, text: str = "text") -> pd.DataFrame:
    """Character offsets of each row's ``text`` in one document's :func:`document_text`.

    Parameters
    ----------
    frame
        Rows of one document with ``line`` (and optionally ``line_end`` and ``page``) and a
        text column.
    blocks
        The document's blocks.
    text
        The text column.

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` with ``start``, ``end`` (``document_text(blocks)[start:end]``) and
        ``offset_match``: ``"exact"`` when the text was found in its lines (compared after
        NFKC and case folding, which keep positions); ``"pieces"`` when only its first and
        last pieces were (an item's title and body, joined by ``：``, with markup between);
        ``"span"`` when not even that (markup the parser stripped inside the text), and the
        offsets then cover the whole lines.  A row whose lines are not in the blocks gets
        missing offsets.  Equal texts in the same lines are found left to right, so two
        clauses with the same words get different offsets.
    """
    doc = _fold(document_text(blocks))
    out = frame.copy()
    found: list[tuple[object, object, object]] = []
    cursor: dict[tuple[int, int], int] = {}
    for span, value in zip(_spans(frame, blocks), frame[text], strict=True):
        if span is None:
            found.append((pd.NA, pd.NA, pd.NA))
            continue
        lo, hi = span
        needle = _fold(value.strip()) if isinstance(value, str) else ""
        at = doc.find(needle, cursor.get(span, lo), hi) if needle else -1
        if at < 0 and needle:
            at = doc.find(needle, lo, hi)
        if at >= 0:
            cursor[span] = at + len(needle)
            found.append((at, at + len(needle), "exact"))
            continue
        found.append(_pieces(doc, needle, lo, hi))
    out["start"] = pd.array([f[0] for f in found], dtype="Int64")
    out["end"] = pd.array([f[1] for f in found], dtype="Int64")
    out["offset_match"] = pd.array([f[2] for f in found], dtype="string")
    return out


def _pieces(doc: str, needle: str, lo: int, hi: int) -> tuple[int, int, str]:
    """From the first piece's start to the last piece's end, else the whole span."""
    parts = [p for p in needle.replace("：", ":").split(":") if p.strip()]
    if len(parts) > 1:
        first = doc.find(parts[0].strip(), lo, hi)
        last = doc.rfind(parts[-1].strip(), lo, hi)
        if 0 <= first < last:
            return first, last + len(parts[-1].strip()), "pieces"
    return lo, hi, "span"


def unit_offsets(
    frame: pd.DataFrame,
    data: Document | Corpus,
    *,
    blocks: Mapping[str, Sequence[Block]] | None = None,
) -> pd.DataFrame:
    """Offsets (:func:`locate`) of a clauses, units or ``coded`` frame, document by document.

    Clause rows take ``line_end`` from their table row and item rows from their item, so a
    unit is searched in exactly the lines its row or item spans.

    Parameters
    ----------
    frame
        Rows with doc_id, line and text; clause rows with table_id and row_no, item rows with
        section_no and item_no.
    data
        The parse the frame came from (its ``rows`` and ``items``).
    blocks
        doc_id → blocks; default :func:`source_blocks` (read from the source files).

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame``, same order, with ``start``, ``end`` and ``offset_match``.

    Raises
    ------
    InputError
        A document of ``frame`` with neither blocks nor a readable source file.
    """
    blocks = source_blocks(data) if blocks is None else blocks
    spans = _with_line_end(frame, data)
    parts = []
    for doc_id, part in spans.groupby("doc_id", sort=False):
        if doc_id not in blocks:
            raise InputError(doc_id, "no source text to compute offsets from")
        parts.append(locate(part, blocks[doc_id]))
    located = (pd.concat(parts) if parts
               else spans.assign(start=pd.NA, end=pd.NA, offset_match=pd.NA))
    out = frame.copy()
    for col in ("start", "end", "offset_match"):
        out[col] = located[col].reindex(frame.index)
    return out


def _with_line_end(frame: pd.DataFrame, data: Document | Corpus) -> pd.DataFrame:
    """``frame`` (index kept) with line/line_end/page taken from its row or item."""
    out = frame.copy()
    end = pd.Series(pd.NA, index=out.index, dtype="Int64")
    if "table_id" in out.columns and len(data.rows):
        key = ["doc_id", "table_id", "row_no"]
        rows = data.rows[[*key, "line_end"]].drop_duplicates(key)
        merged = out[key].astype(object).merge(rows.astype(object), on=key, how="left")
        end = end.fillna(pd.Series(merged["line_end"].to_numpy(), index=out.index).astype("Int64"))
    if "item_no" in out.columns and len(data.items):
        key = ["doc_id", "section_no", "item_no"]
        items = data.items[[*key, "line_end"]].drop_duplicates(key)
        merged = out[key].astype(object).merge(items.astype(object), on=key, how="left")
        end = end.fillna(pd.Series(merged["line_end"].to_numpy(), index=out.index).astype("Int64"))
    out["line_end"] = end
    return out


@dataclass(frozen=True)
class Locations:
    """Where a corpus' units and table rows lie in their documents' plain texts.

    What the QDA tables and the REFI-QDA project need from the source files, computed once
    (:func:`locations`); none of it depends on a codebook, so a build caches it.

    Attributes
    ----------
    units
        unit_id, start, end, offset_match: one row per distinct unit (clause or item) of a
        document with blocks, in the order of the units it was computed from.
    rows
        doc_id, table_id, row_no, start, end, offset_match: one row per table row of a
        document with blocks, spanning the row's whole lines (``offset_match`` ``"span"``).
    texts
        doc_id → :func:`document_text` of its blocks; the documents located.
    """

    units: pd.DataFrame
    rows: pd.DataFrame
    texts: dict[str, str]


def locations(units: pd.DataFrame, data: Document | Corpus,
              blocks: Mapping[str, Sequence[Block]]) -> Locations:
    """Offsets of every distinct unit of ``units`` and every table row of ``data``.

    Parameters
    ----------
    units
        Units (:func:`cqanalysis.coding_units`) or a ``coded`` frame, several rows per unit
        allowed: each unit is located once, in order of first appearance, so two units with
        the same text in the same lines get different offsets whatever their codes.
    data
        The parse the units came from.
    blocks
        doc_id → blocks; units and rows of other documents are left out.

    Returns
    -------
    Locations
    """
    distinct = units.drop_duplicates("unit_id")
    distinct = distinct[distinct["doc_id"].astype(str).isin(list(blocks))]
    found = unit_offsets(distinct, data, blocks=blocks)
    located = pd.DataFrame({
        "unit_id": found["unit_id"].astype("str"),
        "start": found["start"].astype("Int64"), "end": found["end"].astype("Int64"),
        "offset_match": found["offset_match"].astype("string"),
    }).reset_index(drop=True)
    rows = data.rows
    rows = rows[rows["doc_id"].astype(str).isin(list(blocks))] if len(rows) else rows
    # a row is its whole line span: its lines' offsets, not those of its joined cells
    spans = unit_offsets(pd.DataFrame({
        "doc_id": rows["doc_id"], "table_id": rows["table_id"], "row_no": rows["row_no"],
        "line": rows["line"], "page": rows["page"], "text": "",
    }), data, blocks=blocks)
    row_spans = pd.DataFrame({
        "doc_id": spans["doc_id"].astype("str"), "table_id": spans["table_id"].astype("str"),
        "row_no": spans["row_no"].astype("Int64"),
        "start": spans["start"].astype("Int64"), "end": spans["end"].astype("Int64"),
        "offset_match": spans["offset_match"].astype("string"),
    }).reset_index(drop=True)
    return Locations(units=located, rows=row_spans, texts=document_texts(blocks))


def unit_locations(frame: pd.DataFrame, found: Locations) -> pd.DataFrame:
    """start, end, offset_match of each row of ``frame`` (by ``unit_id``; index kept).

    Rows whose unit was not located (no blocks for its document) get missing values.
    """
    where = pd.Index(found.units["unit_id"]).get_indexer(frame["unit_id"])
    return _taken(found.units, where, frame.index)


def row_locations(frame: pd.DataFrame, found: Locations) -> pd.DataFrame:
    """start, end, offset_match of each table row of ``frame`` (by doc_id, table_id, row_no).

    Index kept; rows not located (no blocks for their document) get missing values.
    """
    key = ["doc_id", "table_id", "row_no"]
    where = pd.MultiIndex.from_frame(found.rows[key].astype(object)).get_indexer(
        pd.MultiIndex.from_frame(frame[key].astype(object)))
    return _taken(found.rows, where, frame.index)


def _taken(located: pd.DataFrame, where: Any, index: pd.Index) -> pd.DataFrame:
    """start, end, offset_match of ``located``'s rows at ``where`` (-1: missing), on ``index``."""
    return pd.DataFrame({col: located[col].array.take(where, allow_fill=True)
                         for col in ("start", "end", "offset_match")}, index=index)
