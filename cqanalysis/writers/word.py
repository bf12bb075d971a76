"""Word tables in the three-line style (三线表) of Chinese theses, one .docx file per table."""

from __future__ import annotations

import functools
import os
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import docx as _docx
import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ..core import io as _io
from ..core import text as _core_text
from ..core.io import atomic_path, build_timestamp, normalize_ooxml
from . import _text
from ._content import PaperTable, paper_tables
from ._render_cache import rendered
from ._text import display_width, safe_filename, xml_safe

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
# the zip normaliser, python-docx (its template) and zlib (the deflate stream).
_SOURCES = (__file__, _text.__file__, _core_text.__file__, _io.__file__)
_LIBRARIES = (_docx.__version__, zlib.ZLIB_RUNTIME_VERSION)
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


def _run(paragraph: Any, text: str, *, size: float, font: str) -> None:
    """Add ``text`` in ``font`` at ``size`` points; line breaks stay line breaks."""
    for k, line in enumerate(text.split("\n")):
        run = paragraph.add_run()
        if k:
            run.add_break()
        run.add_text(line)
        run.font.size = Pt(size)
        _rfonts(run._element.get_or_add_rPr(), font)


def _border(parent: Any, tag: str, edges: Mapping[str, int | None]) -> None:
    """Set ``<w:{tag}>`` borders: a size in eighths of a point, or ``None`` for no line."""
    box = parent.find(qn(f"w:{tag}"))
    if box is None:
        box = OxmlElement(f"w:{tag}")
        parent.append(box)
    for edge, size in edges.items():
        el = OxmlElement(f"w:{edge}")
        if size is None:
            el.set(qn("w:val"), "nil")
        else:
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        box.append(el)


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


def _add_table(
    doc: Any,
    caption: str,
    header: Sequence[str],
    body: Sequence[Sequence[str]],
    *,
    numeric_from: int | None,
    note: str,
    caption_paragraph: Any = None,
) -> None:
    """Caption above, then the three-line table, then an optional note below.

    ``caption_paragraph(doc)`` writes the caption instead (the thesis document's numbered
    Caption-style captions).
    """
    if caption_paragraph is not None:
        caption_paragraph(doc)
    else:
        cap = doc.add_paragraph()
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
        cap.paragraph_format.keep_with_next = True
        cap.paragraph_format.space_after = Pt(3)
        _run(cap, caption, size=_CAPTION_PT, font=_CAPTION_FONT)

    section = doc.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    widths = _column_widths(*_natural_widths(header, body, numeric_from), int(text_width))
    table = doc.add_table(rows=1 + len(body), cols=len(header))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid: LibreOffice lays out fixed tables by it
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    _border(
        tbl_pr,
        "tblBorders",
        {
            "top": _THICK,
            "left": None,
            "bottom": _THICK,
            "right": None,
            "insideH": None,
            "insideV": None,
        },
    )
    for r, cells in enumerate([header, *body]):
        row = table.rows[r]
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if r == 0:
            # Repeat the header at the top of every page the table continues on.
            tr_pr.append(OxmlElement("w:tblHeader"))
        for j, text in enumerate(cells):
            cell = row.cells[j]
            cell.width = widths[j]
            para = cell.paragraphs[0]
            numeric = numeric_from is not None and j >= numeric_from
            if r == 0 or numeric:
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(para, text, size=_TABLE_PT, font=_BODY_FONT)
            if r == 0:
                _border(cell._tc.get_or_add_tcPr(), "tcBorders", {"bottom": _THIN})
    if note:
        para = doc.add_paragraph()
        para.paragraph_format.space_before = Pt(3)
        _run(para, note, size=_TABLE_PT, font=_BODY_FONT)


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
    """One table's .docx: caption, three-line table, note."""
    doc = _new_document(t.caption, _landscape(t.header, t.body, t.numeric_from))
    _add_table(doc, t.caption, t.header, t.body, numeric_from=t.numeric_from, note=t.note)
    _save(doc, path)


# ---------------------------------------------------------------- the thesis document


def _caption_style(doc: Any) -> None:
    """Word's built-in Caption style, as a thesis wants it: 黑体 五号, black, centred, upright.

    Using the built-in style (not direct formatting) is what makes Word's 题注 list, table of
    figures and cross-references find the captions.
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


def _field(paragraph: Any, instruction: str, shown: str) -> None:
    """A complex field (``SEQ 表 \\* ARABIC``) with its current result, as Word writes one."""
    def part(kind: str | None = None, text: str | None = None, instr: bool = False) -> None:
        run = paragraph.add_run()
        _rfonts(run._element.get_or_add_rPr(), _CAPTION_FONT)
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._element.append(fld)
        elif instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instruction
            run._element.append(el)
        else:
            run.add_text(text or "")

    part("begin")
    part(instr=True)
    part("separate")
    part(text=shown)
    part("end")


class _Numbering:
    """Caption numbers: straight through (表1, 表2 …) or per chapter (表5-1, 表5-2 …)."""

    def __init__(self, per_chapter: bool) -> None:
        self.per_chapter = per_chapter
        self.counts: dict[str, int] = {}
        self.chapter: dict[str, str | None] = {}

    def caption(self, doc: Any, label: str, title: str, chapter: str | None, *,
                keep_with_next: bool) -> None:
        restart = self.per_chapter and self.chapter.get(label, "") != chapter
        number = 1 if restart else self.counts.get(label, 0) + 1
        self.counts[label], self.chapter[label] = number, chapter
        para = doc.add_paragraph(style="Caption")
        para.paragraph_format.keep_with_next = keep_with_next
        prefix = f"{label}{chapter}-" if self.per_chapter and chapter else label
        run = para.add_run(prefix)
        _rfonts(run._element.get_or_add_rPr(), _CAPTION_FONT)
        # \\r 1 restarts the sequence at a new chapter, so Word's own update keeps the numbers
        switch = " \\r 1" if restart else ""
        _field(para, f" SEQ {label.strip()} \\* ARABIC{switch} ", str(number))
        run = para.add_run(" " + title)
        _rfonts(run._element.get_or_add_rPr(), _CAPTION_FONT)


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
    _caption_style(doc)
    numbers = _Numbering(numbering == "chapter")
    section = doc.sections[0]
    text_width = int(section.page_width - section.left_margin - section.right_margin)
    chapter: str | None = None
    table_label, figure_label = ("表", "图") if lang == "zh" else ("Table ", "Figure ")
    for t in paper_tables(frames=frames, tables=tables, rows=rows, crosstabs=crosstabs,
                          crosstab_stats=crosstab_stats, crosstab_titles=crosstab_titles,
                          lang=lang, percent=percent):
        chapter = _chapter(t) if t.numeric_from is None and _chapter(t) else chapter
        here = chapter

        def caption(d: Any, title: str = t.title, here: str | None = here) -> None:
            numbers.caption(d, table_label, title, here, keep_with_next=True)

        _add_table(doc, t.caption, t.header, t.body, numeric_from=t.numeric_from, note=t.note,
                   caption_paragraph=caption)
    for png, fig_title in (figures or {}).values():
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.paragraph_format.keep_with_next = True
        para.add_run().add_picture(str(png), width=text_width)
        numbers.caption(doc, figure_label, xml_safe(fig_title)[0], chapter, keep_with_next=False)
    return _save(doc, Path(path))
