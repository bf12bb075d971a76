"""The tables QDA users ask for: a unit × code 0/1 matrix, coded segments with code paths, and
the codebooks as one flat table.

tableone style: each function computes one frame from an :class:`~cqanalysis.Analysis`; the
writers (appendix sheets, CSV/xlsx under ``reports/tables/``) only lay them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .codebook import Codebook
from .core.memo import object_memo
from .offsets import Locations, unit_locations

__all__ = [
    "analysis_locations",
    "code_paths",
    "code_presence",
    "codebook_table",
    "coded_segments",
    "qda_frames",
]

_UNIT_KEY = ["doc_id", "unit_id", "field", "text"]


def _books(codebooks: Iterable[Any]) -> list[Codebook]:
    return [b for b in codebooks if isinstance(b, Codebook)]


def code_paths(codebooks: Iterable[Any], *, lang: str = "zh",
               sep: str = " > ") -> dict[tuple[str, str], str]:
    """(codebook, code) → the code's path from its codebook down: ``政策工具 > 供给型工具 > …``."""
    out = {}
    for book in _books(codebooks):
        title = book.zh if lang == "zh" else book.en
        for code in book:
            chain = [book[c].label(lang) for c in book.ancestors(code.id)]
            out[(book.name, code.id)] = sep.join([title, *chain])
    return out


def code_presence(analysis: Any, *, depth: int | None = None) -> pd.DataFrame:
    """One row per coded unit, one 0/1 column per code: the matrix QDA tools export.

    Parameters
    ----------
    analysis
        :func:`cqanalysis.analyse`'s result.
    depth
        Roll codes up to this depth first (1: instrument types …); default the codes as given.

    Returns
    -------
    pandas.DataFrame
        doc_id, unit_id, field, text, then ``<codebook>:<code>`` for every code of every
        codebook in codebook order (at ``depth``, the codes of that depth and shallower
        leaves), 1 where the unit has the code, else 0.  Units are in ``coded`` order; a
        unit no code matched is a row of zeros, so the row count is the number of units.
    """
    from .analysis import rolled_codings

    coded = analysis.coded if depth is None else rolled_codings(analysis, depth=depth)
    units = coded[_UNIT_KEY].drop_duplicates("unit_id").reset_index(drop=True)
    columns = []
    for book in _books(analysis.codebooks):
        ids = dict.fromkeys(book.at_depth(c.id, depth) if depth else c.id for c in book)
        columns += [f"{book.name}:{code}" for code in ids]
    hits = coded.dropna(subset=["code"])
    names = hits["codebook"].astype(str) + ":" + hits["code"].astype(str)
    # mark each (unit, code) pair straight into the matrix; codes of no codebook drop out
    distinct = pd.Index(list(dict.fromkeys(columns)))
    row_of = pd.Index(units["unit_id"]).get_indexer(hits["unit_id"])
    col_of = distinct.get_indexer(names)
    keep = (row_of >= 0) & (col_of >= 0) & hits["unit_id"].notna().to_numpy()
    marks = np.zeros((len(units), len(distinct)), dtype="int64")
    marks[row_of[keep], col_of[keep]] = 1
    matrix = pd.DataFrame(marks[:, distinct.get_indexer(columns)], columns=pd.Index(columns))
    return pd.concat([units, matrix], axis=1)


def coded_segments(
    analysis: Any,
    *,
    blocks: Mapping[str, Sequence[Any]] | None = None,
    lang: str = "zh",
) -> pd.DataFrame:
    """Every coding as a segment: its text, where it is, and its code with the code's path.

    Parameters
    ----------
    analysis
        :func:`cqanalysis.analyse`'s result.
    blocks
        doc_id → blocks for character offsets; default the analysis' locations
        (:func:`analysis_locations`: read from the sources once per analysis).  Documents
        without blocks (parsed from a string) get missing start/end.
    lang
        Language of ``label`` and ``code_path``.

    Returns
    -------
    pandas.DataFrame
        doc_id, unit_id, field, section_no, table_id, row_no, clause_no, item_no, line,
        start, end, offset_match, codebook, code, label, code_path, evidence, text; one row
        per (unit, code) of ``coded``, in its order; units no code matched are left out.
    """
    from .offsets import locations

    coded = analysis.coded.dropna(subset=["code"]).reset_index(drop=True)
    # offsets belong to the unit, not to its codes: each unit is located once
    found = (analysis_locations(analysis) if blocks is None
             else locations(analysis.coded, analysis.corpus, blocks))
    at = unit_locations(coded, found)
    paths = code_paths(analysis.codebooks, lang=lang)
    return pd.DataFrame({
        "doc_id": coded["doc_id"], "unit_id": coded["unit_id"], "field": coded["field"],
        "section_no": coded["section_no"], "table_id": coded["table_id"],
        "row_no": coded["row_no"], "clause_no": coded["clause_no"],
        "item_no": coded["item_no"], "line": coded.get("line"),
        "start": at["start"], "end": at["end"], "offset_match": at["offset_match"].astype(object),
        "codebook": coded["codebook"], "code": coded["code"],
        "label": coded["label_zh" if lang == "zh" else "label_en"],
        "code_path": [paths.get((b, c), "") for b, c in
                      coded[["codebook", "code"]].itertuples(index=False, name=None)],
        "evidence": coded["evidence"], "text": coded["text"],
    })


def codebook_table(codebooks: Iterable[Any], *, lang: str = "zh") -> pd.DataFrame:
    """All codebooks as one flat table (xlsx/csv export): one row per code, with its path.

    Columns of :meth:`Codebook.to_frame` (codebook, code, parent, depth, label_zh, label_en,
    description, fields, keywords, regex, exclude) with ``path`` after ``depth`` (the
    column Taguette reads a codebook CSV by).
    """
    books = _books(codebooks)
    if not books:
        raise ValueError("codebook_table: no codebook given")
    paths = code_paths(books, lang=lang)
    frame = pd.concat([b.to_frame() for b in books], ignore_index=True)
    frame.insert(4, "path", [paths[(b, c)] for b, c in
                                  frame[["codebook", "code"]].itertuples(index=False, name=None)])
    return frame


def qda_frames(analysis: Any, *, blocks: Mapping[str, Sequence[Any]] | None = None,
               lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The three QDA tables by the names the appendix and ``reports/tables/`` use.

    ``code_presence`` (:func:`code_presence`), ``coded_segments`` (:func:`coded_segments`)
    and ``codebook`` (:func:`codebook_table`).  Without ``blocks`` they are computed once
    per analysis and language (the appendix and ``reports/tables/`` share them); each call
    returns its own frames (copies on write), so changing them changes no other caller's.
    The analysis is taken as it is the first time: change its frames in place and later
    calls do not see it (:func:`dataclasses.replace` makes a new analysis, which is fine).
    """
    if blocks is not None:
        return _qda_frames(analysis, blocks, lang)
    memo = object_memo(analysis)
    key = ("qda_frames", lang)
    if key not in memo:
        memo[key] = _qda_frames(analysis, None, lang)
    return {name: frame.copy(deep=False) for name, frame in memo[key].items()}


def _qda_frames(analysis: Any, blocks: Mapping[str, Sequence[Any]] | None,
                lang: str) -> dict[str, pd.DataFrame]:
    return {
        "code_presence": code_presence(analysis),
        "coded_segments": coded_segments(analysis, blocks=blocks, lang=lang),
        "codebook": codebook_table(analysis.codebooks, lang=lang),
    }


def analysis_locations(analysis: Any) -> Locations:
    """Where the analysis' units and table rows are in their sources, found once per analysis.

    ``analysis.locations`` when the analysis has them (a build reads them from its cache),
    else :func:`cqanalysis.offsets.locations` of its coded units in the blocks of its source
    files (:func:`cqanalysis.offsets.source_blocks`, with the paths of ``analysis.sources``),
    read once.  The coded segments and the REFI-QDA project read the same.
    """
    from . import offsets

    given = getattr(analysis, "locations", None)
    if given is not None:
        return given
    memo = object_memo(analysis)
    if "locations" not in memo:
        blocks = offsets.source_blocks(analysis.corpus, getattr(analysis, "sources", None))
        memo["locations"] = offsets.locations(analysis.coded, analysis.corpus, blocks)
    return memo["locations"]
