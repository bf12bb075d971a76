"""The unit every source hands to the parser: one block of text with its provenance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Block", "Source"]


@dataclass(frozen=True, slots=True)
class Block:
    """One line of a text file, one Word paragraph, one table row of a Word/PDF/xlsx table.

    Sources (``cqanalysis.sources``) turn bytes into a list of blocks; the parser
    (``cqanalysis.parse.parse_blocks``) classifies and assembles them.  Nothing else about the
    source format reaches the parser.

    Attributes
    ----------
    text
        The text as it stands in the source (for a table row: the cells joined by a tab).
    line
        1-based provenance: source line for text, paragraph index for .docx, line on the page
        for .pdf, spreadsheet row for .xlsx.
    page
        Page number where the source has real pages (.pdf, form feeds in .txt), else ``None``.
    cells
        Set when the source already knows the cells of a table row (Word, PDF, spreadsheet
        tables).  Then the parser does not split ``text``; consecutive blocks with the same
        ``table`` form one table whose first block is the header.
    table
        Index of the source table the row belongs to (``None`` for text lines).
    style
        A source hint such as ``"heading 2"`` (Word paragraph style); ``None`` for plain text.
    lead
        An emphasised phrase that opens the line (Markdown ``**加快平台整合。**将……``), as
        visible text; the parser may take it as an item's title.  ``None`` otherwise.
    """

    text: str
    line: int
    page: int | None = None
    cells: tuple[str, ...] | None = None
    table: int | None = None
    style: str | None = None
    lead: str | None = None


@dataclass(frozen=True)
class Source:
    """A whole source as the parser receives it: its blocks and what the reader knew.

    Attributes
    ----------
    path
        The file the blocks came from.
    blocks
        The blocks in source order.
    markdown
        The text is Markdown (``#`` headings, pipe tables, emphasis to strip).
    notes
        What the reader skipped (an empty table row, a repeated header on a continuation
        page), one ``"path:line: what"`` string each; the parser adds them to the warnings.
    """

    path: str
    blocks: Sequence[Block]
    markdown: bool = False
    notes: tuple[str, ...] = ()
