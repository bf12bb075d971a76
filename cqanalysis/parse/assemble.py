"""Assembler: tokens → document model (sections, tables, items, paragraphs, residue).

A single pass with a little state (the open section, the open table).  Two things look back:
a caption such as 表5.1.1 may prove that a section 5.1 exists whose heading is missing, and
then the content since the last heading moves into that inferred section; and a caption that
follows a Word table instead of preceding it is attached to that table.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..core.errors import ParseError
from ..core.schema import FRAME_COLUMNS
from ..core.text import TERMINAL_PUNCT, display_width, join_wrapped, norm_key, split_cells
from .layout import Layout, group_rows, layout_from_header, near_start, segments, wrap_fits
from .lexer import (
    CAPTION,
    FURNITURE,
    HEADING,
    ITEM,
    NOTE,
    PAGE_NUMBER,
    PARAGRAPH,
    RUNNING_HEADER,
    TABLE_RULE,
    UNRECOGNISED,
    VIEWER,
    Token,
    header_roles,
    is_conclusion_title,
)
from .options import ParseOptions

__all__ = ["ParseWarning", "assemble"]

_INTRINSIC = frozenset({"chapter", "section", "decimal", "markdown", "bare"})
_CONTENT_ROLES = frozenset({"direction", "measure", "outcome", "problem"})
_PAGE_FURNITURE = frozenset({PAGE_NUMBER, RUNNING_HEADER, VIEWER})
# furniture that marks a page break where the text has no form feeds (a viewer's copy)
_PAGE_BREAK = frozenset({PAGE_NUMBER, RUNNING_HEADER})
# A paragraph ending in one of these stops mid-sentence: the next line continues it.
_MID_SENTENCE = frozenset("，,、")


class ParseWarning(UserWarning):
    """A structural problem met in lenient mode; the text went to ``residue``."""


@dataclass(eq=False)
class _Section:
    section_no: str
    level: int
    title: str
    subtitle: str = ""
    numbering: str = ""
    number: str = ""  # the heading's own number (4 for 四、), which decimal children extend
    style: str = ""  # numbering style (cn, paren_cn, arabic …)
    relative: bool = False  # numbered by a style whose level depends on the order (一、 (一))
    inferred: bool = False
    inferred_from: str = ""
    line: int | None = None
    page: int | None = None
    conclusion: bool = False


@dataclass(eq=False)
class _Table:
    table_id: str
    title: str
    section: _Section | None
    line: int | None
    page: int | None
    source_table: int | None = None
    pipe: bool = False
    header: tuple[str, ...] = ()
    header_key: tuple[str, ...] = ()
    roles: list[str | None] = field(default_factory=list)
    header_line: int | None = None
    rows: list[_Row] = field(default_factory=list)
    layout: Layout | None = None  # a fixed-width table (pdftotext -layout)


@dataclass(eq=False)
class _Row:
    """One table row as assembled: its cells and the lines it spans."""

    cells: list[str]
    line: int
    line_end: int
    page: int | None


@dataclass
class Assembled:
    """Plain records of a parsed document, before they become DataFrames."""

    sections: list[dict[str, Any]]
    tables: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    items: list[dict[str, Any]]
    paragraphs: list[dict[str, Any]]
    residue: list[dict[str, Any]]
    cells: list[dict[str, Any]]
    warnings: list[str]


class _Assembler:
    def __init__(self, tokens: Sequence[Token], doc_id: str, path: str | None, strict: bool,
                 options: ParseOptions, markdown: bool) -> None:
        self.tokens = tokens
        self.blocks = {t.block.line: t.block for t in tokens}  # by line: the lines with text
        self.doc_id = doc_id
        self.where = path or doc_id
        self.strict = strict
        self.options = options
        self.markdown = markdown
        self.sections: list[_Section] = []
        self.tables: list[_Table] = []
        # kept beside the lists so that each heading and caption costs the same however long
        # the document: lowest section level so far, ids of self.tables, and per id base the
        # first "-n" suffix not known to be taken (cleared whenever an id is given up)
        self.min_level: int | None = None
        self.table_ids: Counter[str] = Counter()
        self.id_hint: dict[str, int] = {}
        self.items: list[dict[str, Any]] = []
        self.paragraphs: list[dict[str, Any]] = []
        self.residue: list[dict[str, Any]] = []
        self.warnings: list[str] = []
        self.current: _Section | None = None
        self.base_level = 0
        self.rel_stack: list[str] = []
        self.chapter_no = ""
        self.unnumbered = 0
        self.content_started = False
        # record counts at the last heading: what a section inferred later may take over
        self.mark = (0, 0, 0)
        self.table: _Table | None = None
        self.index = 0  # position of the token being assembled
        self.expect_header: _Table | None = None
        self.partial: _Row | None = None  # a row with too few cells so far
        self.partial_tokens: list[Token] = []
        self.last_closed: _Table | None = None
        self.last_paragraph_line = -1
        # the item or paragraph that the next line may continue: (record, key of its text)
        self.open_text: tuple[dict[str, Any], str] | None = None
        self.gap: set[int] = set()  # page furniture lines since the open item or paragraph
        self.note_open: int | None = None  # last line of a note whose numbered lines follow

    # -- problems -------------------------------------------------------------------------
    def problem(self, token: Token, reason: str, residue_reason: str | None,
                text: str | None = None) -> None:
        text = token.block.text.strip() if text is None else text
        if self.strict:
            raise ParseError(self.where, token.block.line, reason, text)
        message = f"{self.where}:{token.block.line}: {reason}"
        self.warnings.append(message)
        warnings.warn(message, ParseWarning, stacklevel=4)
        if residue_reason:
            self.add_residue(token.block.line, text, residue_reason, token.block.page)

    def add_residue(self, line: int, text: str, reason: str, page: int | None,
                    partial: bool = False) -> None:
        self.residue.append({"line": line, "text": text, "reason": reason, "partial": partial,
                             "page": page})

    # -- main loop ------------------------------------------------------------------------
    def run(self) -> Assembled:
        tokens = self.tokens
        for index, token in enumerate(tokens):
            self.index = index
            if token.stripped:
                self.add_residue(token.block.line, token.stripped, "viewer_artifact",
                                 token.block.page, partial=True)
            kind = token.kind
            if kind == UNRECOGNISED and self.table is not None and \
                    self.table.layout is not None and self.layout_line(token):
                continue  # a lone "”" wrapped onto its own line inside a fixed-width table
            if kind in FURNITURE:
                self.add_residue(token.block.line, token.block.text.strip(), kind.value,
                                 token.block.page)
                if kind in _PAGE_FURNITURE:
                    self.gap.add(token.block.line)
                continue
            open_text, self.open_text = self.open_text, None
            if kind == CAPTION:
                self.caption(token, index)
                continue
            if self.expect_header is not None and self.header(token):
                continue
            if self.table is not None and self.table_line(token):
                continue
            note_open, self.note_open = self.note_open, None
            if note_open is not None and self.note_line(token, note_open):
                continue
            if kind == HEADING and self.sibling_of_last_item(token):
                self.item(_item_from_heading(token))
            elif kind == HEADING:
                self.heading(token)
            elif kind == ITEM:
                self.item(token)
            elif self.sibling_of_last_item(token):
                self.item(_item_from_prose(token))
            elif self.start_table_without_caption(token) or (
                    open_text is not None and self.continue_text(open_text, token)):
                continue
            else:
                self.paragraph(token, "note" if kind == NOTE else None)
                if kind == NOTE and not token.body:
                    self.note_open = token.block.line  # a bare 注： heads the lines below
        self.close_table()
        if self.expect_header is not None:
            self.caption_without_table()
        return self.result()

    # -- sections -------------------------------------------------------------------------
    def heading(self, token: Token) -> None:
        self.close_table()
        style = token.style
        if style in _INTRINSIC:
            level = token.level or 1
            if style == "chapter":
                section_no = token.number
                self.chapter_no = section_no
            elif style == "section":
                section_no = f"{self.chapter_no}.{token.number}" if self.chapter_no else \
                    token.number
            elif style == "decimal":
                section_no = token.number
                under = self.decimal_parent(token.number)
                if under is not None:
                    level = under.level + 1
                    if under.relative:
                        # 4.1 under 四、: the next 五、 is still a sibling of 四、
                        self.add_section(token, section_no, level)
                        return
            elif token.number:
                parent = self.parent_of(level)
                section_no = f"{parent.section_no}.{token.number}" if parent else token.number
            else:
                self.unnumbered += 1
                section_no = f"S{self.unnumbered}"
            self.base_level = level
            self.rel_stack = []
        else:
            if style in self.rel_stack:
                del self.rel_stack[self.rel_stack.index(style) + 1:]
            else:
                self.rel_stack.append(style)
            level = self.base_level + len(self.rel_stack)
            parent = self.parent_of(level)
            section_no = f"{parent.section_no}.{token.number}" if parent else token.number
        self.add_section(token, section_no, level, relative=style not in _INTRINSIC)

    def add_section(self, token: Token, section_no: str, level: int,
                    relative: bool = False) -> None:
        parent = self.parent_of(level)
        section = _Section(
            section_no=section_no, level=level, title=token.title, subtitle=token.subtitle,
            numbering=token.numbering, number=token.number, style=token.style,
            relative=relative,
            line=token.block.line, page=token.block.page,
            conclusion=is_conclusion_title(token.title, self.options)
            or bool(parent and parent.conclusion),
        )
        self.sections.append(section)
        self.min_level = level if self.min_level is None else min(self.min_level, level)
        self.enter(section)

    def decimal_parent(self, number: str) -> _Section | None:
        """The heading a decimal heading's number extends, which is then its parent.

        ``## 2.`` then ``### 2.1``, or ``四、`` then ``4.1``: 2.1 is a child of the nearest
        heading before it numbered 2, whatever level that heading has.
        """
        prefix = number.rpartition(".")[0]
        for section in reversed(self.sections):
            if section.number == prefix or section.section_no == prefix:
                return section
        return None

    def enter(self, section: _Section) -> None:
        self.current = section
        self.content_started = False
        self.mark = (len(self.items), len(self.paragraphs), len(self.tables))

    def parent_of(self, level: int) -> _Section | None:
        if self.min_level is None or self.min_level >= level:
            return None  # no section is above this level: do not walk back through all
        for section in reversed(self.sections):
            if section.level < level:
                return section
        return None

    def infer_section(self, table_id: str, title: str, token: Token) -> None:
        """A caption 表5.1.1 whose section 5.1 has no heading: add 5.1 as an inferred section."""
        parts = self.options.caption.number_parts(table_id)
        if len(parts) < 2 or not all(p.isdigit() for p in parts):
            return
        implied = ".".join(parts[:-1])
        if any(s.section_no == implied for s in self.sections):
            return
        current = self.current
        if current is not None and current.section_no.startswith(implied + "."):
            # 表5-1 under heading 5.1: numbered by chapter, and the chapter encloses the current
            # section; the caption names the table, not the chapter, so nothing is inferred
            return
        name = title
        for suffix in self.options.caption_suffixes:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                break
        section = _Section(
            section_no=implied, level=implied.count(".") + 1, title=name, inferred=True,
            inferred_from=f"表{table_id} (line {token.block.line})",
        )
        ancestor = current is None or implied.startswith(current.section_no + ".")
        position = self.sections.index(current) + 1 if current is not None else 0
        self.sections.insert(position, section)
        self.min_level = (section.level if self.min_level is None
                          else min(self.min_level, section.level))
        if ancestor:
            # The content since the ancestor's heading (after its intro) belongs to the inferred
            # section: the seed opens inside 5.1 with four items before 表5.1.1.
            n_items, n_paras, n_tables = self.mark
            moved_items = self.items[n_items:]
            for number, item in enumerate(moved_items, start=1):
                item["_section"], item["item_no"] = section, number
            for para in self.paragraphs[n_paras:]:
                if para["kind"] != "intro" or current is None:
                    para["_section"] = section
            for table in self.tables[n_tables:]:
                table.section = section
            self.current = section
            self.mark = (n_items, n_paras, n_tables)
        else:
            self.enter(section)
        section.conclusion = is_conclusion_title(name, self.options)
        self.base_level = section.level
        self.rel_stack = []

    # -- items and paragraphs -------------------------------------------------------------
    def item(self, token: Token) -> None:
        self.close_table()
        self.content_started = True
        section = self.current
        number = 1 + sum(1 for it in self.items[self.mark[0]:] if it["_section"] is section)
        self.items.append({
            "_section": section, "_style": token.style, "item_no": number,
            "numbering": token.numbering,
            "title": token.title, "body": token.body, "line": token.block.line,
            "line_end": token.block.line, "page": token.block.page,
        })
        self.keep_open(self.items[-1], "body", token)

    def sibling_of_last_item(self, token: Token) -> bool:
        """Whether numbered prose continues a run of numbered items of its own style.

        ``1.标题:说明`` then ``2.一句没有冒号的长句，……``: the second is an item too, its title
        the first clause, so a list is numbered the same way whatever the length of its lines.
        """
        if token.kind not in (PARAGRAPH, HEADING) or not token.numbering or \
                token.style in _INTRINSIC or token.block.cells is not None or not self.items:
            return False
        last = self.items[-1]
        if last["_section"] is not self.current or last["_style"] != token.style:
            return False
        # a heading-like short line is a title-only item; prose needs a clause to title it
        return token.kind == HEADING or \
            _CLAUSE_END.search(token.text[len(token.numbering):]) is not None

    def leaf_headings_to_items(self) -> None:
        """Numbered headings with only prose under them are items: title and body.

        Siblings numbered in one relative style (一、, （一）, 1., (1)) below the same parent,
        none of which has a subsection, item or table of its own, become items of the parent:
        the heading is the title and the paragraphs below it the body.  Either all siblings
        convert or none, so a list is numbered one way.
        """
        groups: list[list[_Section]] = []
        for index, section in enumerate(self.sections):
            if not section.relative or section.conclusion:
                continue
            parent = self.parent_before(index)
            group = groups[-1] if groups else None
            if group and group[-1].style == section.style and \
                    self.parent_before(self.sections.index(group[-1])) is parent:
                group.append(section)
            else:
                groups.append([section])
        for group in groups:
            if len(group) >= 2 and all(self.is_leaf(s) and self.is_contiguous(s) for s in group) \
                    and any(p["_section"] in group for p in self.paragraphs):
                for section in group:
                    self.section_to_item(section)
        self.renumber_items()

    def parent_before(self, index: int) -> _Section | None:
        level = self.sections[index].level
        for section in reversed(self.sections[:index]):
            if section.level < level:
                return section
        return None

    def is_leaf(self, section: _Section) -> bool:
        index = self.sections.index(section)
        nxt = self.sections[index + 1] if index + 1 < len(self.sections) else None
        if nxt is not None and nxt.level > section.level:
            return False
        if any(it["_section"] is section for it in self.items) or \
                any(t.section is section for t in self.tables):
            return False
        return all(p["kind"] in ("intro", "body") for p in self.paragraphs
                   if p["_section"] is section)

    def is_contiguous(self, section: _Section) -> bool:
        """Whether a heading and the paragraphs under it have no blank line between them, so
        that as one item its span ``line..line_end`` holds only its own lines."""
        if section.line is None:
            return False
        ends = [p["line_end"] for p in self.paragraphs if p["_section"] is section]
        return self.adjacent(section.line, max(ends, default=section.line) + 1)

    def section_to_item(self, section: _Section) -> None:
        parent = self.parent_before(self.sections.index(section))
        paragraphs = [p for p in self.paragraphs if p["_section"] is section]
        body = "\n".join(t for t in [section.subtitle, *(p["text"] for p in paragraphs)] if t)
        line_end = max([p["line_end"] for p in paragraphs], default=section.line)
        self.items.append({
            "_section": parent, "_style": section.style, "item_no": 0,
            "numbering": section.numbering, "title": section.title, "body": body,
            "line": section.line, "line_end": line_end, "page": section.page})
        self.paragraphs = [p for p in self.paragraphs if p["_section"] is not section]
        self.sections.remove(section)

    def renumber_items(self) -> None:
        self.items.sort(key=lambda it: it["line"])
        counts: dict[int, int] = {}
        for it in self.items:
            key = id(it["_section"])
            counts[key] = counts.get(key, 0) + 1
            it["item_no"] = counts[key]

    def keep_open(self, record: dict[str, Any], key: str, token: Token) -> None:
        self.open_text = (record, key)
        self.gap = set()

    def continue_text(self, open_text: tuple[dict[str, Any], str], token: Token) -> bool:
        """Join a line to the item or paragraph it continues (a wrap, or across a page break).

        An item whose body does not end a sentence continues on the next plain line, directly
        below it or after page furniture; a paragraph only when it stops mid-sentence (on a
        comma).  A blank line or any other content between them ends both, so the record's
        span ``line..line_end`` holds nothing but its own lines and page furniture (owned by
        ``residue``).
        """
        record, key = open_text
        if token.kind != PARAGRAPH or token.block.cells is not None or token.pipe or \
                token.numbering or token.block.style == "list_item":
            return False  # a Markdown list item starts anew, whatever the line above
        text = record[key]
        if not text and key == "body" and record["line_end"] + 1 == token.block.line:
            # a title-only item （一）加强组织领导。 takes the paragraph right below as its text
            record[key], record["line_end"] = token.text, token.block.line
            self.keep_open(record, key, token)
            return True
        if not text or text[-1] in TERMINAL_PUNCT:
            return False
        if key == "text" and text[-1] not in _MID_SENTENCE:
            return False
        gap = self.gap
        if any(n not in gap for n in range(record["line_end"] + 1, token.block.line)):
            return False
        record[key] = join_wrapped((text, token.text))
        record["line_end"] = token.block.line
        self.keep_open(record, key, token)
        return True

    def note_line(self, token: Token, last: int) -> bool:
        """A numbered line right below a bare note title (注： then 1. … 2. …) is note text,
        not a recommendation item."""
        if token.block.line != last + 1 or token.block.cells is not None or \
                token.kind not in (ITEM, PARAGRAPH, HEADING) or not token.numbering or \
                token.style in ("chapter", "section"):
            return False
        self.paragraph(token, "note")
        self.note_open = token.block.line
        return True

    def paragraph(self, token: Token, kind: str | None) -> None:
        self.close_table()
        text = token.text
        line = token.block.line
        if (self.markdown and self.paragraphs and self.last_paragraph_line == line - 1
                and kind is None):
            last = self.paragraphs[-1]
            last["text"] = join_wrapped((last["text"], text))
            last["line_end"] = line
            self.last_paragraph_line = line
            self.keep_open(last, "text", token)
            return
        section = self.current
        if kind is None:
            if section is not None and section.conclusion:
                kind = "conclusion"
            elif section is not None and not self.content_started:
                kind = "intro"
            else:
                kind = "body"
        self.paragraphs.append({"_section": section, "kind": kind, "text": text, "line": line,
                                "line_end": line, "page": token.block.page})
        self.last_paragraph_line = line
        self.keep_open(self.paragraphs[-1], "text", token)

    # -- tables ---------------------------------------------------------------------------
    def caption(self, token: Token, index: int) -> None:
        self.close_table()
        if self.expect_header is not None:
            self.caption_without_table()
        self.content_started = True
        if token.continued:
            target = next((t for t in reversed(self.tables) if t.table_id == token.table_id),
                          None)
            if target is None and self.tables and (not token.table_id or
                                                   self.continues_table(self.tables[-1], index)):
                # 续表 without a number, or with one that matches no table (a typo, or a
                # table renumbered in one place only): the table above, if the lines agree
                target = self.tables[-1]
            if target is not None:
                self.add_residue(token.block.line, token.block.text.strip(),
                                 "continuation_caption", token.block.page)
                self.table = target
                return
        if self.attach_caption_below(token, index):
            return
        self.infer_section(token.table_id, token.title, token)
        table_id = self.unique_table_id(token.table_id)
        table = _Table(table_id=table_id, title=token.title, section=self.current,
                       line=token.block.line, page=token.block.page)
        self.tables.append(table)
        self.table_ids[table_id] += 1
        self.expect_header = table

    def continues_table(self, table: _Table, index: int) -> bool:
        """Whether the line after a caption repeats ``table``'s header or fits its rows."""
        nxt = next((t for t in self.tokens_after(index) if t.kind not in FURNITURE), None)
        if nxt is None or not table.header:
            return False
        cells = self.cells_of(nxt)
        if tuple(norm_key(c) for c in cells) == table.header_key:
            return True
        return len(cells) == len(table.header) and not any(header_roles(cells, self.options))

    def attach_caption_below(self, token: Token, index: int) -> bool:
        """Word puts some captions under their table: attach one to the table just closed."""
        last = self.last_closed
        if last is None or last.line is not None or not self.tables or self.tables[-1] is not last:
            return False
        nxt = next((t for t in self.tokens_after(index) if t.kind not in FURNITURE), None)
        if nxt is not None and self.cells_of(nxt) and len(self.cells_of(nxt)) >= 2:
            return False
        last.line, last.title = token.block.line, token.title
        new_id = self.unique_table_id(token.table_id, exclude=last)
        self.give_up_id(last.table_id)
        last.table_id = new_id
        self.table_ids[new_id] += 1
        return True

    def tokens_after(self, index: int) -> Iterator[Token]:
        # not self.tokens[index + 1:]: a copy of the rest of the document per caption
        return (self.tokens[i] for i in range(index + 1, len(self.tokens)))

    def unique_table_id(self, table_id: str, exclude: _Table | None = None) -> str:
        base = table_id or f"T{len(self.tables) + 1}"
        n = self.id_hint.get(base, 1)
        candidate = base if n == 1 else f"{base}-{n}"
        own = exclude.table_id if exclude is not None else None
        while self.table_ids[candidate] - (candidate == own) > 0:
            n += 1
            candidate = f"{base}-{n}"
        self.id_hint[base] = n
        return candidate

    def give_up_id(self, table_id: str) -> None:
        self.table_ids[table_id] -= 1
        self.id_hint.clear()  # a freed id may be a smaller suffix than a hint says

    def cells_of(self, token: Token) -> tuple[str, ...]:
        if token.cells:
            return token.cells
        if token.kind in FURNITURE or token.kind == CAPTION:
            return ()
        return split_cells(token.block.text, pipe=token.pipe)

    def caption_without_table(self) -> None:
        table = self.expect_header
        assert table is not None
        self.expect_header = None
        self.tables.remove(table)
        self.give_up_id(table.table_id)
        caption = next(t for t in self.tokens if t.block.line == table.line and t.kind == CAPTION)
        self.problem(caption, f"caption 表{table.table_id} is not followed by a table",
                     "caption_without_table")

    def header(self, token: Token) -> bool:
        table = self.expect_header
        assert table is not None
        cells = self.cells_of(token)
        if len(cells) < 2 or (token.kind == HEADING and token.style in _INTRINSIC):
            self.caption_without_table()
            return False
        self.expect_header = None
        roles = header_roles(cells, self.options)
        if not any(roles) and not self.header_marked(token) and \
                not any(c.endswith(_COLON_END) for c in cells):  # a key：value form has none
            self.problem(token, f"table {table.table_id} has no header (no column role in "
                         f"{' | '.join(cells)})", None)
        table.header, table.roles = tuple(cells), roles
        table.header_key = tuple(norm_key(c) for c in cells)
        table.header_line = token.block.line
        table.pipe = token.pipe
        table.source_table = token.block.table
        if token.block.cells is None and not token.pipe and "\t" not in token.block.text:
            body, page_tops = self.body_after_header()
            table.layout = layout_from_header(token.block.text, body, page_tops=page_tops)
        self.table = table
        return True

    def body_after_header(self) -> tuple[list[str], frozenset[int]]:
        """The raw lines after a table's header up to a blank line (a page break aside), a
        caption or a heading: the lines a fixed-width table may span; and the indices of
        the lines of one text run that open a page, which may be running titles."""
        raws: list[str] = []
        page_tops: set[int] = set()
        last = self.tokens[self.index].block
        broken = False  # a page number or running header since the last line
        for token in self.tokens[self.index + 1:self.index + 400]:
            block = token.block
            if token.kind in FURNITURE:
                broken = broken or token.kind in _PAGE_BREAK
                continue
            if token.kind == CAPTION or (token.kind == HEADING and token.style in _INTRINSIC):
                break
            if block.line > last.line + 1 and block.page == last.page and \
                    not self.adjacent(last.line, block.line):
                break
            if (broken or block.page != last.page) and len(segments(block.text, "chars")) == 1:
                # the blank lines under a running title do not end the table either
                page_tops.add(len(raws))
                raws.append(block.text)
                continue
            raws.append(block.text)
            last, broken = block, False
        return raws, frozenset(page_tops)

    def layout_line(self, token: Token) -> bool:
        """A line of an open fixed-width table; ``False`` ends the table.

        The line must follow the table's last line with no blank line between (blank lines
        around a page break aside), and every text run on it must fit a column.  The first
        line after a page break must also sit under a column (:meth:`Layout.under_column`);
        one that does not is a running title kept out of the rows (:meth:`page_top_title`)
        or ends the table.
        """
        table = self.table
        assert table is not None and table.layout is not None
        layout, block = table.layout, token.block
        last_line, last_page = (layout.lines[-1][:2] if layout.lines
                                else (table.header_line or 0, block.page))
        if not self.placeable(token, last_line, last_page):
            return False
        cols = self.layout_columns(token)
        n = len(table.header)
        if cols is not None and len(cols) == n and \
                tuple(norm_key(cols[j]) for j in range(n)) == table.header_key:
            self.add_residue(block.line, block.text.strip(), "repeated_header", block.page)
            return True
        # after a page break only a line under the table's columns goes on with a row
        broken = self.after_page_break(last_line, token)
        if cols is None or (broken and not layout.under_column(block.text)):
            return broken and self.page_top_title(
                token, last_line, lambda nxt: self.goes_on_by_place(nxt, last_line, last_page))
        layout.lines.append((block.line, block.page, cols))
        return True

    def layout_columns(self, token: Token) -> dict[int, str] | None:
        """The columns of a line that fits the open fixed-width table, else ``None``."""
        layout = self.table.layout if self.table is not None else None
        assert layout is not None
        cols = layout.columns(token.block.text)
        if cols is None or (set(cols) == {0} and token.text[-1] in TERMINAL_PUNCT):
            return None  # a sentence below the table is no wrapped first cell
        return cols

    def after_page_break(self, last_line: int, token: Token) -> bool:
        """Whether a page ends between the table's line ``last_line`` and ``token``: a form
        feed, or a page number or running header between them (a viewer's copy has no form
        feeds)."""
        last = self.blocks.get(last_line)
        if last is not None and last.page != token.block.page:
            return True
        return any(t.kind in _PAGE_BREAK for t in self.tokens_since(last_line))

    def tokens_since(self, last_line: int) -> Iterator[Token]:
        """The tokens between line ``last_line`` and the current one, nearest first."""
        k = self.index - 1
        while k >= 0 and self.tokens[k].block.line > last_line:
            yield self.tokens[k]
            k -= 1

    def page_top_title(self, token: Token, last_line: int,
                       goes_on: Callable[[Token], bool]) -> bool:
        """A line opening a page that cannot go on with the open table's last row: ``True``
        when it is page furniture inside the table (then residue), ``False`` when it ends
        the table.

        It is furniture, a running title the lexer could not see repeated, when it comes
        first on its page, is one short run with no closing punctuation, and the next line on
        its page goes on with the table (``goes_on``); otherwise the table ended at the foot
        of the page and the line is read as ordinary text.
        """
        block, text = token.block, token.text
        if token.kind not in (PARAGRAPH, UNRECOGNISED) or \
                len(segments(block.text, "chars")) != 1 or text[-1] in TERMINAL_PUNCT or \
                len(text) > self.options.running_header_max_chars:
            return False
        if any(t.kind not in FURNITURE for t in self.tokens_since(last_line)):
            return False  # only page furniture since the table's last line
        nxt = next((t for t in self.tokens[self.index + 1:] if t.kind not in FURNITURE), None)
        if nxt is None or nxt.block.page != block.page or not goes_on(nxt):
            return False
        self.add_residue(block.line, block.text.strip(), RUNNING_HEADER.value, block.page)
        return True

    def goes_on_by_place(self, token: Token, last_line: int, last_page: int | None) -> bool:
        """Whether a line after a page break goes on with the open fixed-width table."""
        layout = self.table.layout if self.table is not None else None
        return layout is not None and self.placeable(token, last_line, last_page) and \
            self.layout_columns(token) is not None and layout.under_column(token.block.text)

    def goes_on_by_cells(self, token: Token) -> bool:
        """Whether a line after a page break is a whole row of the open table read by cells."""
        table = self.table
        return table is not None and token.block.cells is None and not token.pipe and \
            token.kind not in (ITEM, NOTE, HEADING) and \
            len(self.cells_of(token)) == len(table.header)

    def placeable(self, token: Token, last_line: int, last_page: int | None) -> bool:
        """Whether a line may go on with a fixed-width table whose last line is ``last_line``:
        plain text, not a list item, a note or a numbered heading, and no blank line between
        unless a page break lies there."""
        block = token.block
        if block.cells is not None or token.pipe or "\t" in block.text or \
                token.kind in (ITEM, NOTE) or (token.kind == HEADING and token.style in _INTRINSIC):
            return False
        return self.adjacent(last_line, block.line) or block.page != last_page

    def close_layout(self, table: _Table) -> None:
        """Turn a fixed-width table's lines into rows (see :func:`group_rows`)."""
        layout = table.layout
        if layout is None or not layout.lines:
            return
        for cells, line, line_end, page in group_rows(layout.lines, len(table.header)):
            table.rows.append(_Row(cells, line, line_end, page))
        layout.lines.clear()

    def header_marked(self, token: Token) -> bool:
        """Whether the source marks the line as a header (a Markdown table's rule follows it).

        Such a table has a header even when no column has a role: it is an ``other`` table,
        not a table whose header is missing.
        """
        if token.pipe:
            return True
        nxt = self.tokens[self.index + 1] if self.index + 1 < len(self.tokens) else None
        return nxt is not None and nxt.block.style == TABLE_RULE

    def start_table_without_caption(self, token: Token) -> bool:
        cells = self.cells_of(token)
        if len(cells) < 2:
            return False
        if token.block.cells is None and not token.pipe:
            if any(c.endswith(_COLON_END) for c in cells):
                return False  # "收益: 策略自适应+25%" is a key and a value, not a header
            roles = {r for r in header_roles(cells, self.options) if r in _CONTENT_ROLES}
            if len(roles) < 2:
                return False
        self.close_table()
        self.content_started = True
        table = _Table(table_id=self.unique_table_id(""), title="", section=self.current,
                       line=None, page=token.block.page)
        self.tables.append(table)
        self.table_ids[table.table_id] += 1
        self.expect_header = table
        return self.header(token)

    def table_line(self, token: Token) -> bool:
        """Handle a line while a table is open; ``False`` closes the table."""
        table = self.table
        assert table is not None
        if table.layout is not None:
            return self.layout_line(token)
        block = token.block
        if token.kind == HEADING and (token.style in _INTRINSIC or
                                      not self.numbered_row(table, self.cells_of(token))):
            return False
        if block.cells is not None:
            if block.table != table.source_table:
                return False
            cells: tuple[str, ...] = block.cells
        elif table.source_table is not None or table.pipe != token.pipe:
            return False
        elif token.pipe and not self.adjacent(self.last_table_line(table), block.line):
            return False  # a blank line ends a Markdown table
        else:
            cells = self.cells_of(token)
        n = len(table.header)
        if (len(cells) == n and norm_key(cells[0]) == table.header_key[0]
                and tuple(norm_key(c) for c in cells) == table.header_key):
            self.add_residue(block.line, block.text.strip(), "repeated_header", block.page)
            return True
        text = block.text.strip()
        if self.partial is not None:
            merged = list(self.partial.cells)
            merged[-1] = join_wrapped((merged[-1], cells[0]))
            merged.extend(cells[1:])
            if (len(merged) <= n and self.may_continue(token, cells, text)
                    and self.adjacent(self.partial.line_end, block.line)
                    and self.continues_across_break(table, token, self.partial)):
                self.partial.cells, self.partial.line_end = merged, block.line
                self.partial_tokens.append(token)
                if len(merged) == n:
                    table.rows.append(self.partial)
                    self.partial = None
                return True
            self.flush_partial()
        if len(cells) == n:
            rows = table.rows
            if rows and not cells[0] and block.cells is None:
                previous = rows[-1].cells
                if any(not c for c in cells[1:]) and self.adjacent(rows[-1].line_end, block.line):
                    # a tab-separated wrap: the text continues under its own columns
                    rows[-1].cells = [join_wrapped(pair)
                                      for pair in zip(previous, cells, strict=True)]
                    rows[-1].line_end = block.line
                    return True
                # an empty leading cell under a vertically merged cell: fill it down
                cells = tuple(previous[j] if not c and all(not x for x in cells[:j + 1]) else c
                              for j, c in enumerate(cells))
            rows.append(_Row(list(cells), block.line, block.line, block.page))
            return True
        if len(cells) == 1:
            rows = table.rows
            if not (rows and self.may_continue(token, cells, text)
                    and self.adjacent(rows[-1].line_end, block.line)):
                return False
            last = rows[-1]
            if not self.continues_across_break(table, token, last):
                return self.page_top_title(token, last.line_end, self.goes_on_by_cells)
            last.cells[-1] = join_wrapped((last.cells[-1], text))
            last.line_end = block.line
            return True
        if len(cells) < n:
            self.partial = _Row(list(cells), block.line, block.line, block.page)
            self.partial_tokens = [token]
            return True
        if token.kind in (ITEM, NOTE) or (text[-1] in TERMINAL_PUNCT and block.cells is None):
            return False
        self.problem(token, f"table {table.table_id}: row has {len(cells)} cells, header has {n}",
                     "table_row_cells")
        return True

    @staticmethod
    def last_table_line(table: _Table) -> int:
        if table.rows:
            return table.rows[-1].line_end
        return table.header_line if table.header_line is not None else 0

    @staticmethod
    def numbered_row(table: _Table, cells: tuple[str, ...]) -> bool:
        """Whether a line that looks like a numbered heading ("（2） 公交互联 …") is a row.

        It is when it has the header's cells, or, under an index column (序号), when its number
        fills that column and the rest of the row wraps onto the next line.
        """
        n = len(table.header)
        if len(cells) == n:
            return True
        return bool(table.roles) and table.roles[0] == "index" and 2 <= len(cells) < n

    def adjacent(self, last_line: int, line: int) -> bool:
        """No blank line between ``last_line`` and ``line`` (page furniture may lie between).

        A wrapped row never crosses a blank line, and so its span ``line..line_end`` holds
        only its own lines and residue.
        """
        return all(n in self.blocks for n in range(last_line + 1, line))

    def continues_across_break(self, table: _Table, token: Token, row: _Row) -> bool:
        """Whether a line may continue ``row`` of a table read by cells, not by position.

        After a page break a line indented by spaces must start under one of the header's
        words (counted in characters or display columns) and be no wider than the cell it
        continues can wrap (:func:`~cqanalysis.parse.layout.wrap_fits`): a continuation set
        by spaces starts where its column does, while a running title centred on the page
        starts wherever its length puts it.  Lines on the same page are not judged here.
        """
        if not self.after_page_break(row.line_end, token):
            return True
        raw = token.block.text
        indent = len(raw) - len(raw.lstrip(" "))
        if indent < 2:
            return True  # text not set by spaces: its position tells nothing
        header = self.blocks.get(table.header_line) if table.header_line is not None else None
        if header is None:
            return False
        column = min(len(row.cells), len(table.header)) - 1  # the cell the line joins
        for metric in ("chars", "display"):
            heads = [run.start for run in segments(header.text, metric)]
            # under the header word of the column it joins, when the words are the columns
            if near_start(indent, heads[column:column + 1] if len(heads) == len(table.header)
                          else heads):
                return wrap_fits([row.cells[-1]], raw.strip(), "display",
                                 floor=display_width(table.header[column]))
        return False

    def may_continue(self, token: Token, cells: tuple[str, ...], text: str) -> bool:
        """Whether a line can be the wrapped rest of a table row rather than new content."""
        if token.block.cells is not None or token.kind in (ITEM, NOTE):
            return False
        if len(cells) > 1:
            return True
        return len(text) <= self.options.max_heading_chars and text[-1] not in TERMINAL_PUNCT

    def flush_partial(self) -> None:
        """A row left with too few cells: report it; its lines go to residue."""
        if self.partial is None:
            return
        cells = self.partial.cells
        tokens, self.partial, self.partial_tokens = self.partial_tokens, None, []
        table = self.table
        assert table is not None
        text = "\n".join(t.block.text.strip() for t in tokens)
        self.problem(tokens[0], f"table {table.table_id}: row has {len(cells)} cells, "
                     f"header has {len(table.header)}", None, text=text)
        for t in tokens:
            self.add_residue(t.block.line, t.block.text.strip(), "table_row_cells", t.block.page)

    def close_table(self) -> None:
        if self.table is not None:
            self.close_layout(self.table)
            self.flush_partial()
            self.last_closed = self.table
        self.table = None

    # -- output ---------------------------------------------------------------------------
    def recover_subtitles(self) -> None:
        """Fill an inferred section's subtitle from prose that lists "title,subtitle;"."""
        for section in self.sections:
            if not section.inferred or section.subtitle or not section.title:
                continue
            pattern = re.compile(re.escape(section.title) + r"\s*[,，:：]\s*([^;；。,，]+?"
                                 r"(?:[,，][^;；。]+?)?)\s*[;；。]")
            for para in self.paragraphs:
                m = pattern.search(para["text"])
                if m:
                    section.subtitle = m.group(1).strip()
                    section.inferred_from += f"; subtitle from line {para['line']}"
                    break

    def result(self) -> Assembled:
        self.recover_subtitles()
        self.leaf_headings_to_items()
        doc_id = self.doc_id
        sections = [{
            "doc_id": doc_id, "section_no": s.section_no, "level": s.level,
            "numbering": s.numbering, "title": s.title, "subtitle": s.subtitle,
            "inferred": s.inferred, "inferred_from": s.inferred_from, "line": s.line,
            "page": s.page,
        } for s in self.sections]
        tables: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        cells: list[dict[str, Any]] = []
        for t in self.tables:
            roles = _final_roles(t, self.options)
            kind = table_kind(roles, self.options)
            if kind == "recommendation":
                n_rows = self.recommendation_rows(t, roles, rows)
            else:
                n_rows = len(t.rows)
                cells.extend(_cell_records(doc_id, t))
            tables.append({
                "doc_id": doc_id, "table_id": t.table_id, "title": t.title,
                "section_no": _no(t.section), "header": " | ".join(t.header),
                "roles": " | ".join(r or "-" for r in roles), "kind": kind, "n_rows": n_rows,
                "line": t.line, "header_line": t.header_line, "page": t.page,
            })
        for it in self.items:
            del it["_style"]
        items = [{"doc_id": doc_id, "section_no": _no(it.pop("_section")), **it}
                 for it in self.items]
        paragraphs = [{"doc_id": doc_id, "section_no": _no(p.pop("_section")), **p}
                      for p in self.paragraphs]
        residue = [{"doc_id": doc_id, **r} for r in sorted(self.residue, key=_residue_order)]
        return Assembled(sections, tables, rows, items, paragraphs, residue, cells,
                         self.warnings)

    def unreserved(self, names: list[str | None], header: Sequence[str],
                   table_id: str) -> list[str | None]:
        """Rename source columns named like the rows frame's own (``page`` → ``src_page``).

        A source column named ``page`` or ``doc_id`` would otherwise overwrite the parser's
        value in each row record (or be dropped as an index column).  Each rename is a warning.
        """
        out: list[str | None] = []
        for name, cell in zip(names, header, strict=True):
            if cell in _RESERVED and name in (cell, None):
                new = "src_" + cell
                while new in names or new in out:
                    new += "_"
                message = (f"{self.where}: table {table_id}: source column {cell!r} renamed "
                           f"{new!r} (the name is one of the rows frame's own columns)")
                self.warnings.append(message)
                warnings.warn(message, ParseWarning, stacklevel=4)
                name = new
            out.append(name)
        return out



    def recommendation_rows(self, t: _Table, roles: list[str | None],
                            out: list[dict[str, Any]]) -> int:
        """Append the rows of a recommendation table; a total row goes to residue instead."""
        names = self.unreserved(_column_names(t.header, roles), t.header, t.table_id)
        sec_no = _no(t.section)
        sec_title = t.section.title if t.section else None
        total_re = _total_pattern(self.options)
        taken = {r["line"] for r in self.residue if not r["partial"]}
        row_no = 0
        for row in t.rows:
            if _is_total(row.cells, roles, total_re):
                for n in range(row.line, row.line_end + 1):
                    if n in self.blocks and n not in taken:
                        text = next(tok.block.text.strip() for tok in self.tokens
                                    if tok.block.line == n)
                        self.add_residue(n, text, "total_row", row.page)
                continue
            row_no += 1
            record: dict[str, Any] = {
                "doc_id": self.doc_id, "table_id": t.table_id, "row_no": row_no,
                "section_no": sec_no, "section_title": sec_title, "direction": None,
                "measure": None, "outcome": None, "line": row.line,
                "line_end": row.line_end, "page": row.page}
            for name, value in zip(names, row.cells, strict=False):
                if name is not None:
                    record[name] = value
            out.append(record)
        return row_no


def table_kind(roles: Sequence[str | None], options: ParseOptions) -> str:
    """``"recommendation"`` when the roles hold a measure and a partner role, else ``"other"``.

    The partners are ``options.recommendation_partners`` (direction, outcome, problem): a
    recommendation says what to do and about what, to what end or against which problem.
    """
    if "measure" not in roles:
        return "other"
    return "recommendation" if any(r in roles for r in options.recommendation_partners) \
        else "other"


def _final_roles(table: _Table, options: ParseOptions) -> list[str | None]:
    """The header's roles, corrected by what the columns hold.

    A content column whose every non-empty cell is a rating (高/中/低, ★★, 80%) is a scale and
    loses its role; of two measure columns with no direction column (重点任务 | 具体措施) the
    first names the task and becomes the direction.
    """
    roles = list(table.roles)
    rating = _rating_pattern(options)
    for j, role in enumerate(roles):
        if role not in _CONTENT_ROLES or not table.rows:
            continue
        values = [r.cells[j].strip() for r in table.rows if j < len(r.cells) and r.cells[j].strip()]
        if values and all(rating.fullmatch(v) for v in values):
            roles[j] = None
    measures = [j for j, r in enumerate(roles) if r == "measure"]
    if len(measures) >= 2 and "direction" not in roles:
        roles[measures[0]] = "direction"
    return roles


@lru_cache(maxsize=16)
def _rating_pattern(options: ParseOptions) -> re.Pattern[str]:
    return re.compile(options.rating_pattern)


@lru_cache(maxsize=16)
def _total_pattern(options: ParseOptions) -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in sorted(options.total_words, key=len, reverse=True))
    # markup around the word (**合计**) and a trailing colon are not part of it
    return re.compile(rf"[*_\s]*(?i:{words})[*_\s]*[:：]?[*_\s]*")


def _is_total(cells: Sequence[str], roles: Sequence[str | None], total: re.Pattern[str]) -> bool:
    """Whether a row is a total: a total word (合计, Total) in its index column (序号) or in
    its first non-empty other column."""
    for cell, role in zip(cells, roles, strict=False):
        if not cell.strip():
            continue
        if total.fullmatch(cell) is not None:
            return True
        if role != "index":
            return False
    return False


def _cell_records(doc_id: str, table: _Table) -> list[dict[str, Any]]:
    """The tidy cells of an ``other`` table: one record per row and column, nothing dropped."""
    records = []
    for row_no, row in enumerate(table.rows, start=1):
        for col_no, text in enumerate(row.cells, start=1):
            header = table.header[col_no - 1] if col_no <= len(table.header) else ""
            records.append({"doc_id": doc_id, "table_id": table.table_id, "row_no": row_no,
                            "col_no": col_no, "header": header, "text": text,
                            "line": row.line, "line_end": row.line_end, "page": row.page})
    return records


_CLAUSE_END = re.compile(r"[，,；;]")
_COLON_END = (":", "：")


def _item_from_prose(token: Token) -> Token:
    """A numbered prose line as an item: the first clause is the title, the rest the body."""
    rest = token.text[len(token.numbering):].strip()
    cut = _CLAUSE_END.search(rest)
    assert cut is not None
    return Token(ITEM, token.block, token.text, style=token.style, numbering=token.numbering,
                 title=rest[:cut.start()].strip(), body=rest[cut.end():].strip())


def _item_from_heading(token: Token) -> Token:
    """A short numbered line among numbered items: an item with its title (and subtitle)."""
    return Token(ITEM, token.block, token.text, style=token.style, numbering=token.numbering,
                 title=token.title, body=token.subtitle)


#: Columns of the rows frame the parser fills; a source column may not take their names
#: (the role columns are filled from the source columns with those roles).
_RESERVED = frozenset(FRAME_COLUMNS["rows"]) - {"direction", "measure", "outcome"}


def _residue_order(record: dict[str, Any]) -> tuple[int, bool]:
    return record["line"], not record["partial"]


def _no(section: _Section | None) -> str | None:
    return section.section_no if section is not None else None


def _column_names(header: Sequence[str], roles: Sequence[str | None]) -> list[str | None]:
    """Output column for each header cell: its role, or its own name; index columns dropped."""
    names: list[str | None] = []
    used: set[str] = set()
    for j, (cell, role) in enumerate(zip(header, roles, strict=True)):
        if role == "index":
            names.append(None)
            continue
        name = role if role is not None and role not in used else (cell or f"column_{j + 1}")
        while name in used:
            name += "_"
        used.add(name)
        names.append(name)
    return names


def assemble(tokens: Sequence[Token], *, doc_id: str, path: str | None, strict: bool,
             options: ParseOptions, markdown: bool) -> Assembled:
    """Build the document records from lexer tokens (see the module docstring)."""
    return _Assembler(tokens, doc_id, path, strict, options, markdown).run()
