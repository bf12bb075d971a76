"""The parser: blocks → tokens (lexer) → document records (assembler) → tidy frames."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.blocks import Block, Source
from ..core.document import Document
from ..core.schema import FRAME_COLUMNS, PARSE_FRAMES
from ..core.text import document_text, record_spans
from ..sources import read
from .assemble import Assembled, ParseWarning, assemble
from .lexer import lex
from .options import DEFAULT_OPTIONS, ParseOptions

__all__ = [
    "Block",
    "ParseOptions",
    "ParseWarning",
    "frames_from_records",
    "parse",
    "parse_blocks",
    "parse_records",
    "parse_source",
    "parse_text",
]

_INT_COLUMNS = frozenset({"level", "line", "line_end", "page", "header_line", "n_rows",
                          "start", "end", "row_no", "item_no", "col_no"})
_BOOL_COLUMNS = frozenset({"inferred", "partial"})


def parse(
    path: str | os.PathLike[str],
    *,
    doc_id: str | None = None,
    strict: bool = False,
    options: ParseOptions | None = None,
) -> Document:
    """Parse a recommendation document of any supported type into tidy frames.

    Parameters
    ----------
    path
        A ``.txt``, ``.md``, ``.docx``, ``.pdf``, ``.xlsx`` or ``.csv`` file.
    doc_id
        Stable document id; defaults to the file name without suffix.
    strict
        Raise :class:`~cqanalysis.ParseError` on the first structural problem (a table row with
        the wrong number of cells, a table with no header, a caption with no table) instead of
        warning (:class:`ParseWarning`) and keeping the text in ``residue``.
    options
        Noise patterns, column-role keywords and limits (:class:`ParseOptions`).

    Returns
    -------
    Document
        ``.sections``, ``.tables``, ``.rows``, ``.items``, ``.paragraphs``, ``.residue`` and
        ``.cells`` (the text of tables that are not recommendation tables).

    Raises
    ------
    InputError
        The file cannot be read (missing, empty, binary, undecodable, unsupported, corrupt).
    ParseError
        With ``strict=True``, a structural problem; it names the file, line and text.
    """
    source = read(Path(path), limits=(options or DEFAULT_OPTIONS).limits)
    doc_id = doc_id or Path(path).stem
    records = parse_source(source, doc_id=doc_id, strict=strict, options=options)
    frames = frames_from_records([records])
    return Document(**frames, warnings=tuple(records.warnings), doc_id=doc_id, path=source.path,
                    text=document_text(source.blocks),
                    block_lines=tuple(b.line for b in source.blocks))


def parse_source(
    source: Source,
    *,
    doc_id: str,
    strict: bool = False,
    options: ParseOptions | None = None,
) -> Assembled:
    """Parse a read source into plain records, its reader's notes added to the warnings."""
    records = parse_records(source.blocks, doc_id=doc_id, path=source.path, strict=strict,
                            options=options, markdown=source.markdown)
    records.warnings.extend(source.notes)
    return records


def parse_text(
    text: str,
    *,
    doc_id: str = "doc",
    markdown: bool = False,
    strict: bool = False,
    options: ParseOptions | None = None,
) -> Document:
    """Parse a document given as a string (see :func:`parse`); for tests and notebooks."""
    if markdown:
        from ..sources.markdown import markdown_blocks

        blocks = markdown_blocks(text)
    else:
        from ..sources.text import text_blocks

        blocks = text_blocks(text)
    return parse_blocks(blocks, doc_id=doc_id, path=None, strict=strict, options=options,
                        markdown=markdown)


def parse_records(
    blocks: Sequence[Block],
    *,
    doc_id: str,
    path: str | None = None,
    strict: bool = False,
    options: ParseOptions | None = None,
    markdown: bool = False,
) -> Assembled:
    """Parse blocks into plain records (lists of dicts), the step before DataFrames.

    A corpus stacks records of many documents and builds each frame once.
    """
    opts = options or DEFAULT_OPTIONS
    tokens = lex(blocks, opts, markdown=markdown)
    records = assemble(tokens, doc_id=doc_id, path=path, strict=strict, options=opts,
                       markdown=markdown)
    _add_offsets(records, blocks)
    return records


#: Frames whose records get the character span of their source lines.
_SPANNED = ("rows", "items", "paragraphs", "cells")


def _add_offsets(records: Assembled, blocks: Sequence[Block]) -> None:
    """``start``/``end``: the span of a record's source lines in the document's plain text.

    The plain text is the blocks' texts joined by newlines (:func:`document_text`), the same
    for every source kind, so a REFI-QDA selection or an exact quote can be cut from it.
    """
    for name in _SPANNED:
        found = getattr(records, name)
        spans = record_spans(blocks, [(r["line"], r.get("line_end"), r.get("page"))
                                      for r in found])
        for record, span in zip(found, spans, strict=True):
            record["start"], record["end"] = span if span else (None, None)


def parse_blocks(
    blocks: Sequence[Block],
    *,
    doc_id: str,
    path: str | None = None,
    strict: bool = False,
    options: ParseOptions | None = None,
    markdown: bool = False,
) -> Document:
    """Parse blocks from any source into a :class:`~cqanalysis.Document`."""
    records = parse_records(blocks, doc_id=doc_id, path=path, strict=strict, options=options,
                            markdown=markdown)
    frames = frames_from_records([records])
    return Document(**frames, warnings=tuple(records.warnings), doc_id=doc_id, path=path,
                    text=document_text(blocks), block_lines=tuple(b.line for b in blocks))


def frames_from_records(parts: Sequence[Assembled]) -> dict[str, pd.DataFrame]:
    """Stack the records of one or more documents into the parse frames (``PARSE_FRAMES``)."""
    return {name: _frame(name, [r for part in parts for r in getattr(part, name)])
            for name in PARSE_FRAMES}


def _frame(name: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    base = FRAME_COLUMNS[name]
    extra: dict[str, None] = {}
    if name == "rows":
        for record in records:
            for key in record:
                if key not in extra and key not in base:
                    extra[key] = None
    columns = [*base, *extra]
    data: dict[str, Any] = {}
    for col in columns:
        values = [r.get(col) for r in records]
        if col in _INT_COLUMNS:
            data[col] = pd.array(values, dtype="Int64")
        elif col in _BOOL_COLUMNS:
            data[col] = pd.array(values, dtype="bool")
        elif any(v is not None for v in values):
            data[col] = values  # inferred as pandas' string dtype, cheaper than pd.array
        else:
            data[col] = pd.array(values, dtype="str")
    return pd.DataFrame(data, columns=columns)
