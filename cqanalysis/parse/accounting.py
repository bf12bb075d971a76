"""Line accounting: which frame owns each source line, so nothing can disappear unnoticed."""

from __future__ import annotations

import pandas as pd

from ..core.document import Document

__all__ = ["line_owners"]

# frame -> columns holding a single line it owns, or a (first, last) span.
_SINGLE = (("sections", "line"), ("tables", "line"), ("tables", "header_line"))
_SPANS = ("rows", "items", "paragraphs", "cells")


def line_owners(doc: Document) -> pd.DataFrame:
    """One row per (doc_id, line, frame) claim: every line a frame says it came from.

    A row, item or paragraph claims its whole span ``line..line_end`` except lines that are
    residue (a page number inside a wrapped row belongs to ``residue``, not to the row) and
    lines that hold no text (``Document.block_lines``): a fixed-width table row that a page
    break splits runs over the blank lines around the break.
    Residue fragments stripped from a line used elsewhere (``partial``) claim nothing.
    For a correct parse each non-blank source line appears exactly once.
    """
    claims: list[tuple[str, int, str]] = []
    residue = doc.residue[~doc.residue["partial"]]
    pairs = [(d, int(n)) for d, n in zip(residue["doc_id"], residue["line"], strict=True)]
    residue_lines = set(pairs)
    claims.extend((d, n, "residue") for d, n in pairs)
    for frame, col in _SINGLE:
        df = getattr(doc, frame)
        for d, n in zip(df["doc_id"], df[col], strict=True):
            if not pd.isna(n):
                claims.append((d, int(n), frame))
    # a Corpus (or a Document built by hand) does not record its lines: whole spans count
    held = frozenset(getattr(doc, "block_lines", ()))
    for frame in _SPANS:
        df = getattr(doc, frame)
        if frame == "cells":  # every cell of a row carries the row's span: claim it once
            df = df.drop_duplicates(["doc_id", "table_id", "row_no"])
        for d, a, b in zip(df["doc_id"], df["line"], df["line_end"], strict=True):
            claims.extend((d, n, frame) for n in range(int(a), int(b) + 1)
                          if n in (a, b) or ((d, n) not in residue_lines
                                             and (not held or n in held)))
    out = pd.DataFrame(claims, columns=["doc_id", "line", "frame"])
    return out.sort_values(["doc_id", "line", "frame"], kind="stable").reset_index(drop=True)
