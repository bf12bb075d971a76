"""Link each table row to the narrative items of its section that it summarises (``links``)."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

import pandas as pd

from .clauses import split_clauses
from .codebook import match_key
from .core.schema import FRAME_COLUMNS

__all__ = ["bigrams", "link_items", "normalize_text"]


def normalize_text(text: object) -> str:
    """The matching key of a text: NFKC, letters and digits only (punctuation and space removed).

    >>> normalize_text("打破户籍、社保 ,教育")
    '打破户籍社保教育'
    """
    return "".join(ch for ch in match_key(text) if unicodedata.category(ch)[0] in "LN")


def bigrams(text: object) -> frozenset[str]:
    """The set of character bigrams of ``normalize_text(text)`` (a one-character text: itself).

    >>> sorted(bigrams("统一市场"))
    ['一市', '市场', '统一']
    """
    key = normalize_text(text)
    if len(key) < 2:
        return frozenset({key}) if key else frozenset()
    return frozenset(key[i : i + 2] for i in range(len(key) - 1))


def _containment(piece: frozenset[str], item: frozenset[str], idf: dict[str, float]) -> float:
    total = math.fsum(idf[b] for b in piece)
    if total == 0:
        return 0.0
    return math.fsum(idf[b] for b in piece & item) / total


def link_items(
    rows: pd.DataFrame,
    items: pd.DataFrame,
    *,
    pieces: Sequence[str] = ("measure",),
    fallback: Sequence[str] = ("direction", "outcome"),
    min_score: float = 0.1,
    keep_all: bool = False,
) -> pd.DataFrame:
    """Match every table row to the narrative items of its section that it summarises.

    A recommendation table condenses the section's narrative items: each clause of a row's
    measure cell restates (part of) one item.  So each clause is attributed to the item of the
    same document and section that contains the largest share of its character bigrams, and
    the row is linked to every item one of its clauses is attributed to: many-to-many, as a
    row may merge two items (要素自由流动 → 打破户籍、社保、教育、医疗壁垒 and
    统一市场准入和监管标准) and an item may feed two rows.

    Parameters
    ----------
    rows, items
        The ``rows`` and ``items`` frames (doc_id, section_no, table_id, row_no and the text
        columns; items: item_no, title, body).
    pieces
        Row columns whose clauses are attributed to items.
    fallback
        Row columns tried, in order, for a row none of whose ``pieces`` reaches ``min_score``
        (the direction label usually mirrors an item title; the outcome last).
    min_score
        Smallest score for an attribution.  Scores are shares of a clause's bigram weight, so
        0.1 means a tenth of the clause (weighted) is found in the item; below that the overlap
        is a stray bigram or two, not shared content, and a clause with no counterpart among
        the items (content new in the table) should stay unattributed.  The choice of the
        best item, not the threshold, does the work: on the seed no clause's best item is a
        wrong one, the weakest right attribution scores 0.12 (明确权责边界), and the links are
        the same for any threshold from 0 to 0.25.
    keep_all
        Return every row × item pair of the same section, with a boolean ``linked`` column,
        instead of the links only (for inspecting or re-thresholding).

    Returns
    -------
    pandas.DataFrame
        The ``links`` frame: doc_id, table_id, row_no, section_no, item_no, score; then
        ``item_title`` and, with ``keep_all``, ``linked``.  Ordered like ``rows``, then like
        ``items``.  ``score`` (0–1) is the best score among the row's clauses attributed to the
        item; with ``keep_all``, an unlinked pair carries its best clause score.

    Notes
    -----
    Texts are compared on their normalised key (NFKC, case-folded, punctuation and white space
    removed) as sets of character bigrams, the usual unit for Chinese string similarity without a
    segmenter.  A clause's score for an item is the share of its bigrams found in the item's
    title and body, each bigram weighted by a smoothed inverse document frequency over the
    section's items, ``log((n + 1) / (df + 0.5))``: a bigram every item shares (机制, 建立)
    counts little, one that only the row and one item share counts most, and a bigram no item
    has counts most of all, so that new content lowers the score.  A clause tied between items
    is attributed to all of them.  Only items of the row's own section are candidates;
    a row whose section has no items gets no link.
    """
    _check_columns(rows, items, [*pieces, *fallback])
    by_section = _items_by_section(items)
    idf_by_section = {key: _Idf([b for _, _, b in its]) for key, its in by_section.items()}
    records: list[tuple[object, ...]] = []
    columns = ["doc_id", "section_no", "table_id", "row_no", *dict.fromkeys([*pieces, *fallback])]
    for row in rows[columns].itertuples(index=False, name=None):
        values = dict(zip(columns, row, strict=True))
        key = (values["doc_id"], values["section_no"])
        if by_section.get(key):
            records += _row_links(
                values, by_section[key], idf_by_section[key], pieces, fallback, min_score, keep_all
            )
    return _links_frame(records, rows, items, keep_all)


#: An item of a section as a candidate: item_no, title, bigrams of title and body.
_Candidate = tuple[object, object, frozenset[str]]


def _check_columns(rows: pd.DataFrame, items: pd.DataFrame, text_columns: list[str]) -> None:
    """Fail early, naming the frame and its missing columns, rather than with a KeyError."""
    for name, frame, cols in (
        ("rows", rows, ("doc_id", "section_no", "table_id", "row_no", *text_columns)),
        ("items", items, ("doc_id", "section_no", "item_no", "title", "body")),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(f"link_items: {name} lacks column(s) {', '.join(missing)}")


def _items_by_section(items: pd.DataFrame) -> dict[tuple[object, object], list[_Candidate]]:
    """The candidate items of each (doc_id, section_no): only these can be linked to its rows."""
    by_section: dict[tuple[object, object], list[_Candidate]] = {}
    for doc_id, section_no, item_no, title, body in items[
        ["doc_id", "section_no", "item_no", "title", "body"]
    ].itertuples(index=False, name=None):
        text = "".join(t for t in (title, body) if isinstance(t, str))
        by_section.setdefault((doc_id, section_no), []).append((item_no, title, bigrams(text)))
    return by_section


def _row_links(
    values: dict[str, object],
    candidates: list[_Candidate],
    idf: dict[str, float],
    pieces: Sequence[str],
    fallback: Sequence[str],
    min_score: float,
    keep_all: bool,
) -> list[tuple[object, ...]]:
    """The link records of one row of :func:`link_items`, in the order of its candidates.

    Its ``pieces`` are attributed, else the first ``fallback`` column that attributes
    something; with ``keep_all`` every candidate item gets a record, linked or not.
    """
    attributed, best = _attribute([values[c] for c in pieces], candidates, idf, min_score)
    for col in fallback:
        if attributed:
            break
        attributed, _ = _attribute([values[col]], candidates, idf, min_score)
    head = (values["doc_id"], values["table_id"], values["row_no"], values["section_no"])
    records: list[tuple[object, ...]] = []
    for item_no, title, _ in candidates:
        linked = item_no in attributed
        if keep_all or linked:
            score = attributed[item_no] if linked else best.get(item_no, 0.0)
            records.append((*head, item_no, score, title, linked))
    return records


def _links_frame(
    records: list[tuple[object, ...]], rows: pd.DataFrame, items: pd.DataFrame, keep_all: bool
) -> pd.DataFrame:
    """The ``links`` frame of the records, typed like its inputs even when it is empty."""
    out = pd.DataFrame.from_records(
        records, columns=[*FRAME_COLUMNS["links"], "item_title", "linked"]
    )
    out["score"] = out["score"].astype("float64")
    out["linked"] = out["linked"].astype("bool")
    if not records:
        for col in ("doc_id", "table_id", "row_no", "section_no"):
            out[col] = out[col].astype(rows[col].dtype)
        out["item_no"] = out["item_no"].astype(items["item_no"].dtype)
        out["item_title"] = out["item_title"].astype(items["title"].dtype)
    return out if keep_all else out.drop(columns="linked")


class _Idf(dict[str, float]):
    """Smoothed inverse document frequency over a section's items; unseen bigrams weigh most."""

    def __init__(self, docs: list[frozenset[str]]) -> None:
        n = len(docs)
        df: dict[str, int] = {}
        for d in docs:
            for b in d:
                df[b] = df.get(b, 0) + 1
        super().__init__({b: math.log((n + 1) / (c + 0.5)) for b, c in df.items()})
        self.unseen = math.log((n + 1) / 0.5)

    def __missing__(self, key: str) -> float:
        return self.unseen


def _attribute(
    texts: list[object],
    candidates: list[_Candidate],
    idf: dict[str, float],
    min_score: float,
) -> tuple[dict[object, float], dict[object, float]]:
    """Attribute each clause of ``texts`` to its best item(s).

    Returns the best score per item among the clauses attributed to it (only items with an
    attribution), and the best score per item among all clauses.
    """
    attributed: dict[object, float] = {}
    best: dict[object, float] = {}
    for text in texts:
        for clause in split_clauses(text):
            piece = bigrams(clause)
            if not piece:
                continue
            scores = [(k, _containment(piece, b, idf)) for k, _, b in candidates]
            top = max(s for _, s in scores)
            for k, s in scores:
                best[k] = max(best.get(k, 0.0), s)
                if s == top and s >= min_score and s > 0:
                    attributed[k] = max(attributed.get(k, 0.0), s)
    return attributed, best
