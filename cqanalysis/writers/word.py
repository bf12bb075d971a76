"""Word tables in the three-line style (三线表) of Chinese theses, one .docx file per table."""

from __future__ import annotations

import functools
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import docx as _docx
import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.simpletypes import ST_HpsMeasure
from docx.shared import Cm, Emu, Pt
from lxml import etree

from ..core import io as _io
from ..core import text as _core_text
from ..core.io import (
    DeflatedPart,
    atomic_path,
    build_timestamp,
    deflate_part,
    normalize_ooxml,
    write_package,
)
from . import _text
from ._content import PaperTable, paper_tables
from ._render_cache import rendered, rendered_bytes
from ._text import display_width, escape_cdata, safe_filename, xml_safe

__all__ = ["write_word_document", "write_word_tables"]

# Thesis sizes: 五号 = 10.5 pt (caption), 小五 = 9 pt (table body and notes).
_CAPTION_PT = 10.5
_TABLE_PT = 9
# Rule widths in eighths of a point: 1.5 pt top and bottom, 0.75 pt under the header.
_THICK = 12
_THIN = 6
_LATIN_FONT = "Times New Roman"
_BODY_FONT = "宋体"
_CAPTION_FONT = "黑体"
_PAGE = (Cm(21), Cm(29.7))  # A4
_MARGINS = (Cm(2.54), Cm(3.17))  # top/bottom, left/right: Word's Chinese defaults
# What a table's .docx bytes depend on besides its content: this module, its text helpers,
# the zip normaliser, python-docx (its template), lxml (the XML) and zlib (the deflate stream).
_SOURCES = (__file__, _text.__file__, _core_text.__file__, _io.__file__)
_LIBRARIES = (_docx.__version__, etree.__version__, zlib.ZLIB_RUNTIME_VERSION)
# A half-width character of 9 pt text is 4.5 pt wide (EMU); cells add about 0.4 cm padding.
_HALF_CHAR = Pt(_TABLE_PT / 2)
_PAD = 3


def _rfonts(rpr: Any, east_asian: str) -> None:
    """Name the Latin and East-Asian fonts explicitly, replacing any theme fonts."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), _LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)


def _new_document(title: str, landscape: bool) -> Any:
    doc = Document()
    styles = doc.styles.element
    rpr_default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _rfonts(rpr_default, _BODY_FONT)
    lang = rpr_default.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(_CAPTION_PT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    section = doc.sections[0]
    width, height = _PAGE
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        width, height = height, width
    section.page_width, section.page_height = width, height
    section.top_margin = section.bottom_margin = _MARGINS[0]
    section.left_margin = section.right_margin = _MARGINS[1]
    props = doc.core_properties
    props.author = props.last_modified_by = "cqanalysis"
    props.title = title
    props.revision = 1
    props.created = props.modified = build_timestamp()
    return doc


def _units(length: int) -> float:
    """A length (EMU) in half-width characters of the 9 pt table text."""
    return length / _HALF_CHAR


def _natural_widths(
    header: Sequence[str], body: Sequence[Sequence[str]], numeric_from: int | None
) -> tuple[list[int], list[int]]:
    """Per column: the width that needs no wrapping, and the least it may wrap to.

    Widths are in half-width characters plus cell padding. Numbers never wrap; text may wrap
    down to four Chinese characters (or its header's width, if wider).
    """
    natural, least = [], []
    for j, head in enumerate(header):
        cells = [display_width(head), *(display_width(r[j]) for r in body)]
        widest = max(cells)
        numeric = numeric_from is not None and j >= numeric_from
        natural.append(widest + _PAD)
        least.append((widest if numeric else min(widest, max(8, display_width(head)))) + _PAD)
    return natural, least


def _column_widths(natural: Sequence[int], least: Sequence[int], total: int) -> list[int]:
    """Column widths (EMU) summing to ``total``: spare room goes to columns that would wrap."""
    room = _units(total)
    if sum(natural) <= room:
        scale = room / sum(natural)
        units = [w * scale for w in natural]
    elif sum(least) >= room:
        # Too many columns even at their least width (a wide crosstab): shrink all alike, so
        # headers wrap further, rather than overflow the page or give a negative width.
        scale = room / sum(least)
        units = [w * scale for w in least]
    else:
        # Every column gets its least width; the rest is shared in proportion to how much
        # more each would need to avoid wrapping.
        spare = max(room - sum(least), 0)
        need = [n - m for n, m in zip(natural, least, strict=True)]
        share = spare / sum(need) if sum(need) else 0
        units = [m + d * share for m, d in zip(least, need, strict=True)]
    widths = [int(u * _HALF_CHAR) for u in units]
    widths[-1] += total - sum(widths)
    return widths


# ------------------------------------------------------------ body XML, written as text
# A table is written as WordprocessingML text and parsed once, not built element by element
# through python-docx: the same elements, attributes and order as python-docx writes them
# (so the same bytes), without its per-cell lookups, and the body is appended to in one step
# (python-docx's add_paragraph/add_table and ``sections`` search the whole body each time,
# which made the thesis document quadratic in its number of tables).

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_EMPTY_TEXT = etree.XPath("//w:t[not(node())]", namespaces={"w": _W_NS})
_SECT_PR_TAG = f"{{{_W_NS}}}sectPr"
_PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True)
_CENTER = '<w:jc w:val="center"/>'
_TBL_PR_HEAD = ('<w:tblW w:type="auto" w:w="0"/>' + _CENTER + '<w:tblLayout w:type="fixed"/>'
                '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0"'
                ' w:noHBand="0" w:noVBand="1" w:val="04A0"/><w:tblLayout w:type="fixed"/>')


def _rule(edge: str, size: int | None) -> str:
    """One border edge: a size in eighths of a point, or ``None`` for no line."""
    if size is None:
        return f'<w:{edge} w:val="nil"/>'
    return f'<w:{edge} w:val="single" w:sz="{size}" w:space="0" w:color="000000"/>'


_TBL_BORDERS = ("<w:tblBorders>" + "".join(_rule(e, s) for e, s in (
    ("top", _THICK), ("left", None), ("bottom", _THICK), ("right", None), ("insideH", None),
    ("insideV", None))) + "</w:tblBorders>")
_HEAD_BORDER = f"<w:tcBorders>{_rule('bottom', _THIN)}</w:tcBorders>"
_TWIPS_3PT = str(Pt(3).twips)


def _t(text: str) -> str:
    """``<w:t>`` as python-docx writes it: spaces kept when the text has any at either end."""
    space = ' xml:space="preserve"' if len(text.strip()) < len(text) else ""
    return f"<w:t{space}>{escape_cdata(text)}</w:t>"


@functools.cache
def _rpr(font: str, size: float | None) -> str:
    """Run properties: Latin and East-Asian fonts named, then the size (half-points)."""
    fonts = (f'<w:rFonts w:ascii="{_LATIN_FONT}" w:hAnsi="{_LATIN_FONT}" w:cs="{_LATIN_FONT}"'
             f' w:eastAsia="{font}"/>')
    sz = f'<w:sz w:val="{ST_HpsMeasure.convert_to_xml(Pt(size))}"/>' if size else ""
    return f"<w:rPr>{fonts}{sz}</w:rPr>"


def _runs(text: str, *, size: float, font: str) -> str:
    """``text`` in ``font`` at ``size`` points, one run per line; line breaks stay breaks."""
    rpr = _rpr(font, size)
    return "".join(f"<w:r>{rpr}{'<w:br/>' if k else ''}{_t(line)}</w:r>"
                   for k, line in enumerate(text.split("\n")))


def _run_text(text: str) -> str:
    """A run's content as python-docx's ``Run.text`` writes it: tabs and breaks as elements."""
    out = []
    for piece in re.split(r"([\t\r\n])", text):
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            out.append("<w:br/>")
        elif piece:
            out.append(_t(piece))
    return "".join(out)


def _plain_caption(caption: str) -> str:
    """A caption paragraph in direct formatting: centred, kept with the table, 黑体 五号."""
    ppr = f'<w:pPr><w:keepNext/><w:spacing w:after="{_TWIPS_3PT}"/>{_CENTER}</w:pPr>'
    return f"<w:p>{ppr}{_runs(caption, size=_CAPTION_PT, font=_CAPTION_FONT)}</w:p>"


def _table(header: Sequence[str], body: Sequence[Sequence[str]], numeric_from: int | None,
           widths: Sequence[int]) -> str:
    """The three-line table: rules above and below, a thin one under the repeated header."""
    twips = [str(Emu(w).twips) for w in widths]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in twips)
    parts = [f"<w:tbl><w:tblPr>{_TBL_PR_HEAD}{_TBL_BORDERS}</w:tblPr><w:tblGrid>{grid}"
             "</w:tblGrid>"]
    for r, cells in enumerate([header, *body]):
        # rows never split; the header repeats at the top of every page the table runs on
        parts.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if r == 0
                     else "<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        for j, text in enumerate(cells):
            centred = r == 0 or (numeric_from is not None and j >= numeric_from)
            parts.append(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{twips[j]}"/>'
                         f"{_HEAD_BORDER if r == 0 else ''}</w:tcPr><w:p>"
                         f"{'<w:pPr>' + _CENTER + '</w:pPr>' if centred else ''}"
                         f"{_runs(text, size=_TABLE_PT, font=_BODY_FONT)}</w:p></w:tc>")
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


def _note(note: str) -> str:
    """The note under a table (source, statistics), 宋体 小五; nothing when there is none."""
    if not note:
        return ""
    ppr = f'<w:pPr><w:spacing w:before="{_TWIPS_3PT}"/></w:pPr>'
    return f"<w:p>{ppr}{_runs(note, size=_TABLE_PT, font=_BODY_FONT)}</w:p>"


def _fragment(*blocks: str) -> bytes:
    """Body blocks (paragraphs, tables) as one parseable piece of XML."""
    return f'<w:body xmlns:w="{_W_NS}">{"".join(blocks)}</w:body>'.encode()


def _append(doc: Any, fragment: bytes) -> None:
    """Parse ``fragment`` and add its blocks at the end of the body (before its sectPr)."""
    holder = etree.fromstring(fragment, _PARSER)
    for t in _EMPTY_TEXT(holder):  # (found by XPath: no Python object per other text)
        t.text = ""  # python-docx writes an empty <w:t></w:t>; parsing reads it as no text
    body = doc.element.body
    end = body[-1]  # the body's last section properties, where python-docx also inserts
    for block in list(holder):
        if end.tag == _SECT_PR_TAG:
            end.addprevious(block)
        else:
            body.append(block)


def _text_width(doc: Any) -> int:
    section = doc.sections[0]
    return int(section.page_width - section.left_margin - section.right_margin)


def _table_blocks(t: PaperTable, text_width: int) -> str:
    """A table and its note, at ``text_width`` (EMU); the caption is the caller's."""
    widths = _column_widths(*_natural_widths(t.header, t.body, t.numeric_from), text_width)
    return _table(t.header, t.body, t.numeric_from, widths) + _note(t.note)


def _landscape(
    header: Sequence[str], body: Sequence[Sequence[str]], numeric_from: int | None
) -> bool:
    """Landscape when the columns cannot fit portrait even wrapped to their least width."""
    portrait = _PAGE[0] - 2 * _MARGINS[1]
    return sum(_natural_widths(header, body, numeric_from)[1]) > _units(portrait)


def _save(doc: Any, path: Path) -> Path:
    with atomic_path(path) as tmp:
        doc.save(tmp)
        normalize_ooxml(tmp)
    return path


def write_word_tables(
    out_dir: str | os.PathLike[str],
    *,
    frames: Mapping[str, pd.DataFrame] | None = None,
    tables: pd.DataFrame | None = None,
    rows: pd.DataFrame | None = None,
    crosstabs: Mapping[str, pd.DataFrame] | None = None,
    crosstab_stats: Mapping[str, pd.DataFrame] | None = None,
    crosstab_titles: Mapping[str, str] | None = None,
    lang: str = "zh",
    percent: str | None = "row",
) -> list[Path]:
    """Write every source table and crosstab as a three-line table (三线表), one .docx each.

    The three-line style of Chinese theses: a 1.5 pt rule above and below the table, a
    0.75 pt rule under the header, no vertical lines; the caption above the table
    (``表5.1.1 政府职能转变对策建议``) in 黑体 五号 (10.5 pt); the table in 宋体 小五 (9 pt),
    Latin text in Times New Roman. Fonts are named (``w:eastAsia``), not embedded. The header
    row repeats on every page; rows do not split across pages; the page is A4, landscape when
    the header alone is wider than the portrait text width. Source tables carry a source note
    (资料来源); crosstabs show counts with percentages in parentheses, margins, and the test
    statistics of ``crosstab_stats[name]`` as a note.

    Parameters
    ----------
    out_dir
        The folder to write into (created if missing). Existing other files are left alone.
    frames, tables, rows
        The parse frames; ``tables``/``rows`` default to ``frames["tables"]``/``["rows"]``.
        Tables are rebuilt under their original headers as in :func:`write_appendix`.
    crosstabs, crosstab_stats
        Crosstab DataFrames and their test statistics, by name.
    crosstab_titles
        Captions for crosstabs by name (default ``交叉表 <name>``).
    lang
        ``"zh"`` or ``"en"``.
    percent
        Percentages shown beside counts: ``"row"``, ``"column"``, ``"all"`` or ``None``.

    Returns
    -------
    list of Path
        The files written, source tables first (in ``tables`` order), then crosstabs. File
        names are the captions made safe for every file system
        (``表5.1.1_政府职能转变对策建议.docx``; with several documents prefixed by the
        ``doc_id``). Identical input gives byte-identical files.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    written = []
    for t in paper_tables(
        frames=frames,
        tables=tables,
        rows=rows,
        crosstabs=crosstabs,
        crosstab_stats=crosstab_stats,
        crosstab_titles=crosstab_titles,
        lang=lang,
        percent=percent,
    ):
        path = folder / safe_filename(t.stem, used, suffix=".docx")
        written.append(rendered(path, kind="word-table", sources=_SOURCES,
                                parts=[*_LIBRARIES, t.caption, t.header, t.body,
                                       t.numeric_from, t.note],
                                render=functools.partial(_render_table, t)))
    return written


def _render_table(t: PaperTable, path: Path) -> None:
    """One table's .docx: caption, three-line table, note.

    The bytes python-docx gives for ``_new_document`` + ``_append`` + ``_save`` (tested),
    without building each document: only the body and the title differ between tables,
    so the other parts come from :func:`_one_table_package`, deflated once per build.
    """
    package = _one_table_package(_landscape(t.header, t.body, t.numeric_from),
                                 build_timestamp())
    body = _plain_caption(t.caption) + _table_blocks(t, package.text_width)
    write_package(path, [
        *package.parts,
        deflate_part("word/document.xml", package.body_head + body.encode() + package.body_tail),
        deflate_part("docProps/core.xml", package.core.replace(
            _TITLE_MARK, escape_cdata(t.caption).encode())),
    ])


# A title no caption holds, replaced by the caption's text in the document properties.
_TITLE_MARK = b"cqanalysis-title-7f3e9b"


@dataclass(frozen=True)
class _OneTablePackage:
    parts: tuple[DeflatedPart, ...]  # every part but the two below, deflated
    body_head: bytes  # word/document.xml up to the body's content …
    body_tail: bytes  # … and from its section properties on
    core: bytes  # docProps/core.xml, the title being _TITLE_MARK
    text_width: int


@functools.cache
def _one_table_package(landscape: bool, when: datetime) -> _OneTablePackage:
    """A one-table document with an empty body, saved once, cut into its reusable parts."""
    with tempfile.TemporaryDirectory(prefix="cqanalysis-docx.") as folder:
        doc = _new_document(_TITLE_MARK.decode(), landscape)
        path = _save(doc, Path(folder) / "empty.docx")
        with zipfile.ZipFile(path) as package:
            parts = {name: package.read(name) for name in package.namelist()}
    document = parts.pop("word/document.xml")
    cut = document.rindex(b"<w:sectPr")
    if not document[:cut].endswith(b"<w:body>"):
        raise RuntimeError("python-docx's template has a body of its own")
    return _OneTablePackage(
        parts=tuple(deflate_part(name, data) for name, data in parts.items()
                    if name != "docProps/core.xml"),
        body_head=document[:cut], body_tail=document[cut:],
        core=parts["docProps/core.xml"], text_width=_text_width(doc))


# ---------------------------------------------------------------- the thesis document


def _caption_style(doc: Any) -> str | None:
    """Word's built-in Caption style, as a thesis wants it: 黑体 五号, black, centred, upright.

    Using the built-in style (not direct formatting) is what makes Word's 题注 list, table of
    figures and cross-references find the captions.  Returns the id a paragraph names it by
    (``None`` were it the default paragraph style, as python-docx decides).
    """
    style = doc.styles["Caption"]
    style.font.size = Pt(_CAPTION_PT)
    style.font.bold = False
    style.font.italic = False
    style.font.color.rgb = None
    _rfonts(style.element.get_or_add_rPr(), _CAPTION_FONT)
    fmt = style.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt.space_before, fmt.space_after = Pt(6), Pt(3)
    style_id: str | None = doc.part.get_style_id("Caption", WD_STYLE_TYPE.PARAGRAPH)
    return style_id


#: A numbered caption: Caption style id, prefix (``表5-``), SEQ field instruction, number.
_CaptionNumber = tuple[str | None, str, str, int]


def _numbered_caption(number: _CaptionNumber, title: str, *, keep_with_next: bool) -> str:
    """A Caption-style paragraph: prefix, a complex ``SEQ`` field showing the number, title.

    The field is written as Word writes one (begin, instruction, separate, result, end).
    """
    style, prefix, instruction, shown = number
    rpr = _rpr(_CAPTION_FONT, None)
    keep = "<w:keepNext/>" if keep_with_next else '<w:keepNext w:val="0"/>'
    pstyle = f'<w:pStyle w:val="{style}"/>' if style else ""
    field = "".join(f"<w:r>{rpr}{part}</w:r>" for part in (
        '<w:fldChar w:fldCharType="begin"/>',
        f'<w:instrText xml:space="preserve">{escape_cdata(instruction)}</w:instrText>',
        '<w:fldChar w:fldCharType="separate"/>', _t(str(shown)),
        '<w:fldChar w:fldCharType="end"/>'))
    return (f"<w:p><w:pPr>{pstyle}{keep}</w:pPr><w:r>{rpr}{_run_text(prefix)}</w:r>{field}"
            f"<w:r>{rpr}{_run_text(' ' + title)}</w:r></w:p>")


class _Numbering:
    """Caption numbers: straight through (表1, 表2 …) or per chapter (表5-1, 表5-2 …)."""

    def __init__(self, per_chapter: bool, style: str | None) -> None:
        self.per_chapter = per_chapter
        self.style = style
        self.counts: dict[str, int] = {}
        self.chapter: dict[str, str | None] = {}

    def next(self, label: str, chapter: str | None) -> _CaptionNumber:
        """The next caption of ``label`` (``表``) in ``chapter``."""
        restart = self.per_chapter and self.chapter.get(label, "") != chapter
        number = 1 if restart else self.counts.get(label, 0) + 1
        self.counts[label], self.chapter[label] = number, chapter
        prefix = f"{label}{chapter}-" if self.per_chapter and chapter else label
        # \\r 1 restarts the sequence at a new chapter, so Word's own update keeps the numbers
        switch = " \\r 1" if restart else ""
        return self.style, prefix, f" SEQ {label.strip()} \\* ARABIC{switch} ", number


def _table_fragment(number: _CaptionNumber, t: PaperTable, text_width: int) -> bytes:
    """One table of the thesis document: its numbered caption, the table, its note."""
    return _fragment(_numbered_caption(number, t.title, keep_with_next=True),
                     _table_blocks(t, text_width))


def _chapter(table: Any) -> str | None:
    """The chapter a table belongs to: the first part of its source number (5.1.1 → 5)."""
    key = table.key[-1] if table.key else ""
    head = str(key).split(".")[0]
    return head if head.isdigit() else None


def write_word_document(
    path: str | os.PathLike[str],
    *,
    frames: Mapping[str, pd.DataFrame] | None = None,
    tables: pd.DataFrame | None = None,
    rows: pd.DataFrame | None = None,
    crosstabs: Mapping[str, pd.DataFrame] | None = None,
    crosstab_stats: Mapping[str, pd.DataFrame] | None = None,
    crosstab_titles: Mapping[str, str] | None = None,
    figures: Mapping[str, tuple[str | os.PathLike[str], str]] | None = None,
    numbering: str = "chapter",
    lang: str = "zh",
    percent: str | None = "row",
    title: str | None = None,
) -> Path:
    """Write every source table, crosstab and figure into one Word document for a thesis.

    Tables are three-line tables as in :func:`write_word_tables`; figures are PNGs at the text
    width.  Captions use Word's built-in Caption style with a ``SEQ`` field, so Word's 题注
    numbering, list of tables and cross-references work: above tables (``表5-1 …``), below
    figures (``图5-1 …``).  Notes are in ``lang``.

    Parameters
    ----------
    path
        The .docx file to write.
    frames, tables, rows, crosstabs, crosstab_stats, crosstab_titles, lang, percent
        As for :func:`write_word_tables`.
    figures
        Figure name → (PNG path, caption title), in order.
    numbering
        ``"chapter"``: numbered per chapter (the chapter is the first part of a source table's
        number; crosstabs and figures follow the last chapter); ``"straight"``: 表1, 表2 ….
    title
        Document title (core properties); default 对策建议表图 / Tables and figures.

    Returns
    -------
    Path
        ``path``; identical input gives a byte-identical file.
    """
    if numbering not in ("chapter", "straight"):
        raise ValueError(f"numbering must be 'chapter' or 'straight', not {numbering!r}")
    doc = _new_document(title or ("对策建议表图" if lang == "zh" else "Tables and figures"),
                        False)
    numbers = _Numbering(numbering == "chapter", _caption_style(doc))
    text_width = _text_width(doc)
    chapter: str | None = None
    table_label, figure_label = ("表", "图") if lang == "zh" else ("Table ", "Figure ")
    for t in paper_tables(frames=frames, tables=tables, rows=rows, crosstabs=crosstabs,
                          crosstab_stats=crosstab_stats, crosstab_titles=crosstab_titles,
                          lang=lang, percent=percent):
        chapter = _chapter(t) if t.numeric_from is None and _chapter(t) else chapter
        number = numbers.next(table_label, chapter)
        # a table whose caption, number and content are unchanged is taken from the render
        # cache (a rebuild with another codebook re-uses every source table)
        _append(doc, rendered_bytes(
            kind="word-document-table", sources=_SOURCES,
            parts=[*_LIBRARIES, *number, text_width, t.title, t.header, t.body,
                   t.numeric_from, t.note],
            render=functools.partial(_table_fragment, number, t, text_width)))
    for png, fig_title in (figures or {}).values():
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.paragraph_format.keep_with_next = True
        para.add_run().add_picture(str(png), width=text_width)
        number = numbers.next(figure_label, chapter)
        _append(doc, _fragment(_numbered_caption(number, xml_safe(fig_title)[0],
                                                 keep_with_next=False)))
    return _save(doc, Path(path))
