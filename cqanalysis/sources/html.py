"""Read an HTML page into blocks: headings and paragraphs as text, table rows as cells."""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser
from pathlib import Path

from ..core.blocks import Block
from ..core.errors import InputError
from ._common import SourceBlocks, check_source, is_wide

__all__ = ["read_html_blocks"]

# Elements that end the running text block (their text is a block of its own).
_BREAKING = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})  # fmt: skip
# Elements whose content is not document text.
_HIDDEN = frozenset({"script", "style", "head", "template", "noscript", "svg", "math", "title"})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def _squeeze(text: str) -> str:
    """Collapse source whitespace: none between Chinese characters, one space elsewhere."""

    def repl(m: re.Match[str]) -> str:
        before = text[m.start() - 1] if m.start() > 0 else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if "\n" in m.group() and before and after and (is_wide(before) or is_wide(after)):
            return ""  # a line break in the HTML source inside Chinese text
        return " "

    return re.sub(r"[ \t\r\n\f]+", repl, text).strip()


class _LayoutTables(HTMLParser):
    """First pass: which tables (by the order of their ``<table>`` tags) lay out the page.

    A table that holds another table, or whose rows have one cell each, is no data grid
    (gov.cn wraps a whole document in six to eight such tables); its cells are read as
    running text.  Every other table is data.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.count = 0
        self.open: list[int] = []
        self.widest: dict[int, int] = {}  # table -> most cells in one of its rows
        self.cells = 0  # cells in the open row of the innermost open table
        self.layout: set[int] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.layout.update(self.open)
            self.open.append(self.count)
            self.widest[self.count] = 0
            self.count += 1
            self.cells = 0
        elif tag == "tr":
            self.cells = 0
        elif tag in ("td", "th") and self.open:
            self.cells += 1
            table = self.open[-1]
            self.widest[table] = max(self.widest[table], self.cells)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.open:
            table = self.open.pop()
            if self.widest[table] <= 1:
                self.layout.add(table)
            self.cells = 0


class _Reader(HTMLParser):
    def __init__(self, path: Path, layout: frozenset[int] = frozenset()) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.layout = layout  # ordinals of layout tables (see _LayoutTables)
        self.table_count = 0
        self.layout_open = 0
        self.out = SourceBlocks()
        self.line = 0
        self.hidden = 0
        self.buf: list[str] = []
        self.style: str | None = None
        self.pre = 0
        # outermost table being read: rows, current row, open cell, pending row spans
        self.table_depth = 0
        self.table_no = 0
        self.rows: list[tuple[int, tuple[str, ...]]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.cell_span = (1, 1)
        self.pending: dict[int, tuple[str, int]] = {}  # column -> (text, rows still covered)
        self.caption: list[str] | None = None

    # -- text blocks -----------------------------------------------------------------------
    def flush(self) -> None:
        raw = "".join(self.buf)
        self.buf = []
        for piece in raw.split("\x00"):  # <br> marks
            for text in piece.split("\n") if self.pre else [_squeeze(piece)]:
                if text.strip():
                    self.line += 1
                    self.out.append(Block(text.strip(), line=self.line, style=self.style))
        self.style = None

    # -- parser callbacks ------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ordinal = -1
        if tag == "table":
            ordinal, self.table_count = self.table_count, self.table_count + 1
        if tag in _HIDDEN:
            self.hidden += 1
            return
        if self.hidden:
            return
        if tag == "br":
            self._text("\x00")
            return
        if ordinal in self.layout and not self.table_depth:
            self.flush()  # a layout table: its cells are running text, like <div>s
            self.layout_open += 1
            return
        if self.table_depth:
            self._table_start(tag, dict(attrs))
            return
        if tag in _BREAKING:
            self.flush()
        if tag == "table":
            self.table_depth = 1
            self.table_no += 1
            self.rows, self.pending, self.caption = [], {}, None
        elif re.fullmatch(r"h[1-6]", tag):
            self.style = f"heading {tag[1]}"
        elif tag == "pre":
            self.pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
            return
        if self.hidden:
            return
        if self.table_depth:
            self._table_end(tag)
            return
        if tag == "table" and self.layout_open:
            self.layout_open -= 1
        if tag in _BREAKING:
            self.flush()
        if tag == "pre":
            self.pre = max(self.pre - 1, 0)

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self._text(data)

    def _text(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        elif self.caption is not None:
            self.caption.append(data)
        else:  # text loose inside <table> but outside cells is shown before the table
            self.buf.append(data)

    # -- tables ----------------------------------------------------------------------------
    def _table_start(self, tag: str, attrs: dict[str, str | None]) -> None:
        if tag == "table":
            self.table_depth += 1
            if self.cell is not None:
                self.cell.append("\n")
            return
        if self.table_depth > 1:  # a nested table: its text joins the enclosing cell
            if tag in ("tr", "td", "th", "p", "div", "li") and self.cell is not None:
                self.cell.append("\n" if tag == "tr" else " ")
            return
        if tag == "caption":
            self.caption = []
        elif tag == "tr":
            self._close_row()
            self.row = []
        elif tag in ("td", "th"):
            if self.row is None:
                self.row = []
            self._close_cell()
            self._fill_spans()
            self.cell = []
            self.cell_span = (_int(attrs.get("rowspan")), _int(attrs.get("colspan")))
        elif tag in ("p", "div", "li") and self.cell is not None:
            self.cell.append("\x00")

    def _table_end(self, tag: str) -> None:
        if tag == "table":
            self.table_depth -= 1
            if self.table_depth == 0:
                self._close_row()
                self._emit_table()
            return
        if self.table_depth > 1:
            return
        if tag == "caption" and self.caption is not None:
            self.line += 1
            text = _squeeze("".join(self.caption).replace("\x00", " "))
            if text:
                self.out.append(Block(text, line=self.line, style="caption"))
            self.caption = None
        elif tag in ("td", "th"):
            self._close_cell()
        elif tag == "tr":
            self._close_row()

    def _fill_spans(self) -> None:
        assert self.row is not None
        while len(self.row) in self.pending:
            text, left = self.pending.pop(len(self.row))
            if left > 1:
                self.pending[len(self.row)] = (text, left - 1)
            self.row.append(text)

    def _close_cell(self) -> None:
        if self.cell is None or self.row is None:
            return
        lines = [_squeeze(part) for part in "".join(self.cell).split("\x00")]
        text = "\n".join(line for line in lines if line)
        rowspan, colspan = self.cell_span
        if rowspan > 1:
            self.pending[len(self.row)] = (text, rowspan - 1)
        self.row.append(text)
        self.row.extend([""] * (colspan - 1))  # one cell, not repeated
        self.cell = None

    def _close_row(self) -> None:
        self._close_cell()
        if self.row is None:
            return
        self._fill_spans()
        self.line += 1
        if any(self.row):
            self.rows.append((self.line, tuple(self.row)))
        else:
            self.out.notes.append(
                f"{self.path}:{self.line}: empty table row skipped (table {self.table_no})"
            )
        self.row = None

    def _emit_table(self) -> None:
        if self.buf:
            self.flush()  # stray text inside <table> outside cells, shown before it
        for line, cells in self.rows:
            self.out.append(Block("\t".join(cells), line=line, cells=cells, table=self.table_no))
        self.rows = []


def _int(value: str | None) -> int:
    try:
        return max(1, min(int(str(value).strip()), 1000))
    except ValueError:
        return 1


def _decode(path: Path, data: bytes) -> str:
    from .text import decode_text

    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if data.startswith(bom):
            return data.decode(codec)
    m = _META_CHARSET.search(data[:4096])
    if m:
        try:
            return data.decode(m.group(1).decode("ascii").lower())
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: fall back to detection
    return decode_text(data, path)


def read_html_blocks(path: Path) -> SourceBlocks:
    """Read an .html page into blocks.

    Headings ``<h1>``–``<h6>`` become text blocks with ``style="heading N"``, a table's
    ``<caption>`` a block with ``style="caption"`` before its rows; paragraphs, list items
    and other block elements one block each (``<br>`` starts a new one).  Each row of an
    outermost data table becomes a block with ``cells`` and ``table`` (1-based); ``rowspan``
    fills its value down, ``colspan`` is one cell, not repeated (the covered columns empty).
    A table that holds another table lays out the page: its cells are read as running text
    (paragraphs, headings) and the tables inside it are read on their own.  A table nested in
    a data table is read as text of its cell.  Scripts, styles and the ``<head>`` are not text.
    ``line`` numbers blocks in reading order; ``page`` is ``None``.

    Parameters
    ----------
    path
        The .html or .htm file.

    Returns
    -------
    SourceBlocks
        The blocks, with ``notes`` naming skipped empty table rows.

    Raises
    ------
    InputError
        Empty, missing or undecodable file, or a page without any text.
    """
    path = Path(path)
    check_source(path, "HTML page")
    text = _decode(path, path.read_bytes())
    first = _LayoutTables()
    first.feed(text)
    first.close()
    reader = _Reader(path, frozenset(first.layout))
    reader.feed(text)
    reader.close()
    if reader.table_depth:
        reader.table_depth = 1
        reader._table_end("table")  # an unclosed table at the end of the file
    reader.flush()
    if not reader.out:
        raise InputError(path, "the HTML page has no text")
    return reader.out
