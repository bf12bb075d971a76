"""Markdown sources: CommonMark block structure (markdown-it-py) → one Block per source line.

A Markdown file is read as Markdown, not as plain lines: code fences, HTML blocks, front
matter, tables, block quotes, lists and headings come from a CommonMark tokenizer with GFM
pipe tables, which records the source lines of every block.  Each non-blank source line
becomes exactly one :class:`~cqanalysis.core.blocks.Block` (line provenance and line
accounting hold), whose ``style`` tells the parser what the line is:

``"code"``
    a line of a fenced or indented code block, fences included (raw text)
``"html"``, ``"front_matter"``, ``"markup"``
    an HTML comment (or script, style, ``<pre>`` block), a line of an HTML block with no
    text outside its tags, YAML front matter, and lines that are pure syntax: thematic breaks,
    setext underlines, link reference definitions, an empty list item (raw text).  The other
    lines of an HTML block are read by their visible text (unstyled); a simple HTML table, one
    ``<tr>`` per line, is read as a table
``"table_rule"``
    the alignment row ``|---|:--:|`` of a pipe table (raw text)
``"heading N"``
    an ATX or setext heading of level N; the text is the visible heading text (numbering
    such as ``4.1`` or ``四、`` kept, the ``#`` marks dropped)
``"quote"``
    a line inside a block quote, without the ``>`` marks (a list item in it keeps its marker)
``"list_item"``
    the first line of a list item, its marker kept (``"1. 加强统筹：…"``, ``"- 完善机制：…"``)
``None``
    any other line of a paragraph (list item continuations included)

Table rows carry their visible ``cells`` and a shared ``table`` index; the header row comes
first.  Text columns hold visible text only: emphasis, code-span backticks, link targets,
images (their alt text stays), inline HTML tags and escapes are removed and entities decoded,
by reading markdown-it's inline tokens.  ``<br>`` becomes a line break inside a table cell and
joins the two sides like a wrapped line elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from ..core.blocks import Block
from ..core.text import join_wrapped, split_cells

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

__all__ = ["cell_text", "markdown_blocks", "markdown_parser", "visible_lines", "visible_pieces"]

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TEXT_TOKENS = frozenset({"text", "text_special", "code_inline"})
_BREAKS = frozenset({"softbreak", "hardbreak"})
# Blocks whose every line is kept verbatim under one style.
_RAW_STYLES = {"fence": "code", "code_block": "code", "html_block": "html",
               "front_matter": "front_matter", "hr": "markup"}
# A break between two inline pieces of one source line (``<br>`` outside a table cell).
_PIECE = "\n"


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """The CommonMark parser with GFM pipe tables, strikethrough and YAML front matter."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(front_matter_plugin)


@dataclass
class _Container:
    """An open block quote (``marker`` empty) or list item (``marker`` = its list marker)."""

    quote: bool
    first_line: int = -1
    marker: str = ""


class _Reader:
    """Walks markdown-it's block tokens and assigns each source line one Block."""

    def __init__(self, lines: Sequence[str], pages: Sequence[int | None]) -> None:
        self.lines = lines
        self.pages = pages
        self.blocks: dict[int, Block] = {}
        self.stack: list[_Container] = []
        self.n_tables = 0

    def put(self, index: int, text: str, style: str | None, *,
            cells: tuple[str, ...] | None = None, table: int | None = None,
            lead: str | None = None) -> None:
        """Assign line ``index`` (0-based); a line with no visible text keeps its raw text."""
        if not text.strip():
            text, style, cells, table, lead = self.lines[index], "markup", None, None, None
        self.blocks[index] = Block(text, index + 1, self.pages[index], style=style,
                                   cells=cells, table=table, lead=lead)

    def raw(self, start: int, end: int, style: str) -> None:
        for index in range(start, end):
            self.put(index, self.lines[index], style)

    @property
    def quoted(self) -> bool:
        return any(c.quote for c in self.stack)

    def run(self, tokens: Sequence[Token]) -> None:
        i = 0
        while i < len(tokens):
            token = tokens[i]
            kind = token.type
            if kind == "blockquote_open":
                self.stack.append(_Container(quote=True))
            elif kind == "list_item_open":
                marker = f"{token.info}{token.markup}" if token.info else token.markup
                first = token.map[0] if token.map else -1
                self.stack.append(_Container(quote=False, first_line=first, marker=marker))
            elif kind in ("blockquote_close", "list_item_close"):
                self.stack.pop()
            elif kind == "html_block" and token.map and (self.html_table(*token.map) or
                                                         self.html_text(token)):
                pass
            elif kind in _RAW_STYLES and token.map:
                self.raw(token.map[0], token.map[1], _RAW_STYLES[kind])
            elif kind == "heading_open":
                self.heading(token, tokens[i + 1])
            elif kind == "paragraph_open":
                self.paragraph(tokens[i + 1])
            elif kind == "table_open":
                i = self.table(tokens, i)
            i += 1

    def heading(self, token: Token, inline: Token) -> None:
        start, end = token.map or inline.map or (0, 0)
        if self.quoted:
            self.paragraph(inline)
        else:
            lines = visible_lines(inline)
            self.put(start, join_wrapped(lines), f"heading {int(token.tag[1:])}")
            self.raw(start + 1, end, "markup")  # a setext heading's further lines, underline

    def paragraph(self, inline: Token) -> None:
        if inline.map is None:
            return
        start = inline.map[0]
        item = self.stack[-1] if self.stack and not self.stack[-1].quote else None
        style = "quote" if self.quoted else None
        lead = bold_lead(inline.children or [])
        for offset, text in enumerate(visible_lines(inline)):
            index = start + offset
            first_lead = lead if offset == 0 and lead and text.startswith(lead) else None
            if item is not None and index == item.first_line:
                self.put(index, f"{item.marker} {text}", style or "list_item", lead=first_lead)
            else:
                self.put(index, text, style, lead=first_lead)

    def table(self, tokens: Sequence[Token], i: int) -> int:
        """Read one pipe table starting at ``tokens[i]``; return the index of its close."""
        self.n_tables += 1
        table = self.n_tables - 1
        cells: list[str] = []
        header_line = -1
        row_line = -1
        while tokens[i].type != "table_close":
            token = tokens[i]
            if token.type == "tr_open" and token.map:
                row_line, cells = token.map[0], []
                if header_line < 0:
                    header_line = row_line
            elif token.type == "inline":
                cells.append(cell_text(token.children or []))
            elif token.type == "tr_close":
                row = tuple(cells) + self.extra_cells(row_line, len(cells))
                self.put(row_line, "\t".join(row), None, cells=row, table=table)
                if row_line == header_line:
                    self.raw(row_line + 1, row_line + 2, "table_rule")
            i += 1
        return i

    def html_table(self, start: int, end: int) -> bool:
        """Read a simple HTML table (each ``<tr>…</tr>`` on one line, no spans) as a table.

        Its other lines (``<table>``, ``<thead>`` …) are ``html``.  ``False`` for any other
        HTML block, which then stays markup as a whole.
        """
        lines = self.lines[start:end]
        body = "\n".join(lines)
        if not _HTML_TABLE.fullmatch(body) or _HTML_SPAN.search(body) or \
                len(_HTML_TABLE_OPEN.findall(body)) != 1:
            return False
        rows: list[tuple[int, tuple[str, ...]]] = []
        for index, line in enumerate(lines, start=start):
            if "<tr" not in line.lower() and "</tr" not in line.lower():
                continue
            if not _HTML_ROW.fullmatch(line):
                return False
            cells = html_row_cells(line)
            if not cells:
                return False
            rows.append((index, cells))
        if not rows:
            return False
        self.n_tables += 1
        self.raw(start, end, "html")
        for index, cells in rows:
            self.put(index, "\t".join(cells), None, cells=cells, table=self.n_tables - 1)
        return True

    def html_text(self, token: Token) -> bool:
        """Read the visible text of an HTML block line by line (``<p>…</p>`` is prose).

        Lines with no text outside tags (``<div>``, ``<img …>``) are ``html``.  ``False`` for a
        comment, a script, style or ``<pre>`` block, which stays markup as a whole.
        """
        start, end = token.map or (0, 0)
        if _HTML_OPAQUE.match(token.content):
            return False
        for index in range(start, end):
            text = html_visible_text(self.lines[index])
            self.put(index, text if text else self.lines[index], None if text else "html")
        return True

    def extra_cells(self, index: int, n: int) -> tuple[str, ...]:
        """Cells beyond the header's count, which markdown-it drops: kept so none is lost."""
        line = self.lines[index].strip()
        while line.startswith(">"):
            line = line[1:].strip()
        found = split_cells(line, pipe=True)
        if len(found) <= n:
            return ()
        parser = markdown_parser()
        return tuple(cell_text(parser.parseInline(c)[0].children or []) for c in found[n:])

    def result(self) -> list[Block]:
        out = []
        for index, raw in enumerate(self.lines):
            if not raw or raw.isspace():
                continue
            block = self.blocks.get(index)
            out.append(block if block is not None else
                       Block(raw, index + 1, self.pages[index], style="markup"))
        return out


_HTML_TABLE = re.compile(r"\s*<table\b.*</table>\s*", re.IGNORECASE | re.DOTALL)
_HTML_TABLE_OPEN = re.compile(r"<table\b", re.IGNORECASE)
_HTML_SPAN = re.compile(r"\b(?:rowspan|colspan)\s*=", re.IGNORECASE)
_HTML_ROW = re.compile(r"\s*(?:<(?:table|thead|tbody|tfoot)\b[^>]*>\s*)*<tr\b[^>]*>.*</tr>"
                       r"\s*(?:</(?:table|thead|tbody|tfoot)>\s*)*", re.IGNORECASE)


class _RowCells(HTMLParser):
    """Cells of one HTML table row: text inside ``<td>``/``<th>``, ``<br>`` a line break."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[list[str]] = []
        self.open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("td", "th"):
            self.cells.append([])
            self.open = True
        elif tag == "br" and self.open:
            self.cells[-1].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self.open = False

    def handle_data(self, data: str) -> None:
        if self.open:
            self.cells[-1].append(data)


_HTML_OPAQUE = re.compile(r"\s*<(?:!--|\?|![A-Z]|!\[CDATA\[|script\b|style\b|pre\b|textarea\b)",
                          re.IGNORECASE)


class _VisibleText(HTMLParser):
    """Text of an HTML fragment outside tags and comments, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_visible_text(line: str) -> str:
    """The visible text of one line of an HTML block (``""`` if it is all tags)."""
    parser = _VisibleText()
    parser.feed(line)
    parser.close()
    return " ".join("".join(parser.parts).split())


def html_row_cells(line: str) -> tuple[str, ...]:
    """The visible cells of one ``<tr>…</tr>`` line (tags dropped, entities decoded)."""
    parser = _RowCells()
    parser.feed(line)
    parser.close()
    cells = []
    for parts in parser.cells:
        pieces = (" ".join(p.split()) for p in "".join(parts).split("\n"))
        cells.append("\n".join(p for p in pieces if p))
    return tuple(cells)


def cell_text(children: Sequence[Token]) -> str:
    """Visible text of a table cell; a ``<br>`` inside it becomes a line break."""
    pieces = " ".join(visible_pieces(children)).split(_PIECE)
    return "\n".join(p.strip() for p in pieces if p.strip())


def visible_pieces(children: Sequence[Token]) -> list[str]:
    """Visible text of inline tokens, one string per source line (soft and hard breaks).

    Inside a line, a ``<br>`` leaves a ``"\\n"`` for the caller to turn into a cell line break
    or a join.
    """
    lines = [""]
    for tok in children:
        kind = tok.type
        if kind in _TEXT_TOKENS:
            lines[-1] += tok.content
        elif kind in _BREAKS:
            lines.append("")
        elif kind == "image":
            lines[-1] += "".join(visible_pieces(tok.children or []))
        elif kind == "html_inline" and _BR.fullmatch(tok.content.strip()):
            lines[-1] += _PIECE
    return [line.strip() for line in lines]


def bold_lead(children: Sequence[Token]) -> str | None:
    """The visible text of a strong span that opens a paragraph and is followed by more text."""
    children = [t for t in children if not (t.type == "text" and not t.content.strip())]
    if len(children) < 4 or children[0].type != "strong_open":
        return None
    for end, tok in enumerate(children):
        if tok.type == "strong_close":
            rest = visible_pieces(children[end + 1:])
            if not rest or not rest[0].strip():
                return None  # the whole line is bold: a heading-like line, not a lead
            return "".join(visible_pieces(children[1:end])[:1]).strip() or None
        if tok.type in _BREAKS:
            return None
    return None


def visible_lines(inline: Token) -> list[str]:
    """One visible string per source line an inline token spans.

    An inline construct that spans a line break without a break token (a code span, an HTML
    tag across lines) would misalign the lines; then each line is rendered on its own.
    """
    expected = inline.map[1] - inline.map[0] if inline.map else 1
    pieces = visible_pieces(inline.children or [])
    if len(pieces) != expected:
        parser = markdown_parser()
        pieces = [" ".join(visible_pieces(parser.parseInline(line)[0].children or []))
                  if line.strip() else ""
                  for line in inline.content.split("\n")]
        pieces += [""] * (expected - len(pieces))
    return [join_wrapped(p.split(_PIECE)) for p in pieces[:expected]]


def markdown_blocks(text: str) -> list[Block]:
    """One Block per non-blank line of a Markdown text, styled by its CommonMark role.

    Line ends are LF, CRLF or CR, numbered as :func:`~cqanalysis.sources.text.text_blocks`
    numbers them; a form feed starts a new page.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    pages: list[int | None] = [None] * len(lines)
    if "\f" in text:
        page = 1
        for index, line in enumerate(lines):
            # as in text_blocks: a line that starts with form feeds is on the page they open
            starts = not line.split("\f")[0].strip()
            page += line.count("\f")
            pages[index] = page if starts else page - line.count("\f")
        lines = [line.replace("\f", " ") for line in lines]
    # front matter must open the text: parse from the first non-blank line so that a file
    # starting with a blank line still has its front matter recognised
    skip = next((i for i, line in enumerate(lines) if line.strip()), 0)
    tokens = markdown_parser().parse("\n".join(lines[skip:]))
    if skip:
        for token in tokens:
            if token.map:
                token.map = [token.map[0] + skip, token.map[1] + skip]
    reader = _Reader(lines, pages)
    reader.run(tokens)
    return reader.result()
