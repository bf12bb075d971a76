"""Column names of every tidy frame: the data contract in one place."""

from __future__ import annotations

__all__ = ["FRAME_COLUMNS", "PARSE_FRAMES"]

#: Frames produced by parsing, in the order the CLI writes them.
PARSE_FRAMES = ("sections", "tables", "rows", "items", "paragraphs", "residue", "cells")

#: Columns each frame always has, in this order.  Rows may carry extra columns after these:
#: a table's unknown header columns are kept under their original names.
FRAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "sections": (
        "doc_id", "section_no", "level", "numbering", "title", "subtitle",
        "inferred", "inferred_from", "line", "page",
    ),
    "tables": (
        "doc_id", "table_id", "title", "section_no", "header", "roles", "kind", "n_rows",
        "line", "header_line", "page",
    ),
    "rows": (
        "doc_id", "table_id", "row_no", "section_no", "section_title",
        "direction", "measure", "outcome", "line", "line_end", "page", "start", "end",
    ),
    "items": (
        "doc_id", "section_no", "item_no", "numbering", "title", "body",
        "line", "line_end", "page", "start", "end",
    ),
    "paragraphs": ("doc_id", "section_no", "kind", "text", "line", "line_end", "page", "start",
                   "end"),
    "residue": ("doc_id", "line", "text", "reason", "partial", "page"),
    # the text of tables that are not recommendation tables (kind "other"), one cell a row
    "cells": ("doc_id", "table_id", "row_no", "col_no", "header", "text", "line", "line_end",
              "page", "start", "end"),
    "errors": ("doc_id", "path", "error"),
    "clauses": ("doc_id", "table_id", "row_no", "field", "clause_no", "text"),
    "coded": (
        "doc_id", "table_id", "row_no", "field", "clause_no", "codebook", "code",
        "label_zh", "label_en", "evidence",
    ),
    "links": ("doc_id", "table_id", "row_no", "section_no", "item_no", "score"),
}
