"""Read a PDF with a text layer into blocks: paragraphs, page furniture and table rows as cells.

Ruled tables come from pdfplumber's table finder; unruled tables in plain-text exports
(fixed-width columns, wrapped cells continuing under the same column) are rebuilt from the
x positions of the text.  Wrapped lines are joined back into paragraphs and cells without
putting spaces into Chinese.  Running headers, footers and page numbers stay as ordinary
blocks; the parser recognises them at the page boundaries (a change of ``Block.page``).
"""

from __future__ import annotations

import bisect
import itertools
import logging
import re
import statistics
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.blocks import Block
from ..core.errors import InputError
from ..core.limits import DEFAULT_LIMITS, Deadline, Limits, exceeded
from ._common import (
    SourceBlocks,
    check_source,
    is_wide,
    join_wrapped,
    looks_like_text,
    one_line,
)

__all__ = ["read_pdf_blocks"]

# pdfminer logs damaged objects as warnings; without a handler of its own Python's last-resort
# handler prints them to stderr, around our one-line error.  What matters reaches the user
# as an InputError or a note.
logging.getLogger("pdfminer").addHandler(logging.NullHandler())
logging.getLogger("pdfplumber").addHandler(logging.NullHandler())

# Gaps are measured in units of the font size ("em").  A gap this much wider than the
# line's usual letter spacing is a word space; twice a half-width space separates columns.
_WORD_GAP = 0.15
_COLUMN_GAP = 0.9
# Page furniture lives in the top/bottom band of the page.
_BAND = 0.12
_PAGE_NUMBER_RE = re.compile(
    r"^[-–—\s]*(?:第\s*)?(?:\d+|[ivxlcdm]+)(?:\s*页)?(?:\s*[/／]\s*(?:共\s*)?\d+\s*页?)?[-–—\s]*$"
    r"|^(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?$",
    re.IGNORECASE,
)
_CAPTION_RE = re.compile(r"^\s*(?:续?表|table)\s*[\d一二三四五六七八九十]", re.IGNORECASE)
_RULE_RE = re.compile(r"^[-=_+|:\s]+$")


@dataclass
class _Line:
    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    chunks: list[tuple[float, float, str]]  # (x0, x1, text), split at column-wide gaps
    page_width: float = 0.0
    furniture: bool = False
    in_band: bool = False
    col: int = 0  # 0 full width, 1 left column, 2 right column (two-column pages)
    seg: int = 0  # band of the page between full-width lines, top to bottom
    chars: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return " ".join(c[2] for c in self.chunks)


@dataclass
class _Table:
    page: int
    top: float
    bottom: float
    right: float
    rows: list[tuple[str, ...]]
    left: float
    ncols: int
    ruled: bool
    line_count: list[int] = field(default_factory=list)  # physical lines per row (fixed-width)
    col: int = 0
    seg: int = 0


def read_pdf_blocks(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> SourceBlocks:
    """Read a PDF into blocks.

    Text lines that wrap are joined into one block per paragraph (``line`` = running line
    number of its first line in the document, ``page`` = its page).  Each table row becomes a
    block with ``cells`` and ``table`` (1-based); a caption-less table at the top of a page
    with as many columns as the table ending the previous page continues that table (same
    ``table``; a repeated header row there is skipped and noted).  Merged cells: a vertical
    merge fills its value down; a horizontal merge is one cell, not repeated (its text in the
    first column it covers, the others empty).  Page numbers and running
    headers/footers are kept as their own blocks.

    Parameters
    ----------
    path
        The .pdf file.
    limits
        Pages, decoded stream size, operators per content stream, time.

    Returns
    -------
    SourceBlocks
        The blocks, with ``notes`` naming anything skipped.

    Raises
    ------
    InputError
        Empty, missing, not a PDF, encrypted with a password, corrupt or truncated, or without
        a text layer (a scanned image; OCR is not done), or a breached limit.
    """
    import pdfplumber

    path = Path(path)
    deadline = limits.deadline(path)
    head = check_source(path, "a PDF")
    if b"%PDF-" not in head[:1024]:
        hint = " (it looks like a text file)" if looks_like_text(head) else ""
        raise InputError(path, f"not a PDF file: no %PDF header{hint}")
    with open(path, "rb") as fh:
        fh.seek(max(path.stat().st_size - 4096, 0))
        tail = fh.read()
    if b"%%EOF" not in tail:
        # pdfminer recovers what it can from a cut file; refuse rather than lose pages quietly
        raise InputError(path, "truncated PDF: the end-of-file marker is missing")
    data = path.read_bytes()
    _check_streams(path, data, limits)
    fast = _open_pdfium(data)
    try:
        # a file object we close: pdfplumber leaves its own open when pdfminer fails in open()
        with open(path, "rb") as fh, pdfplumber.open(fh) as pdf:
            if len(pdf.pages) > limits.max_pages:
                raise exceeded(path, "max_pages", f"the PDF has {len(pdf.pages):,} pages")
            if fast is not None and len(fast) != len(pdf.pages):
                fast.close()
                fast = None
            lines, tables, notes, n_chars = _read_pages(pdf, path, deadline, fast)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(path, _pdf_failure(exc)) from None
    finally:
        if fast is not None:
            fast.close()
    if n_chars == 0:
        raise InputError(
            path, "the PDF has no text layer (scanned images only); OCR is not supported"
        )
    return _assemble(lines, tables, notes, path)


def _pdf_failure(exc: Exception) -> str:
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    name = type(inner).__name__
    if name in ("PDFPasswordIncorrect", "PDFEncryptionError", "PDFEncryptionWarning"):
        return "encrypted PDF: it needs a password to open; save an unencrypted copy"
    if name == "PDFTextExtractionNotAllowed":
        return "the PDF forbids text extraction"
    module = type(inner).__module__
    if module.startswith(("pdfminer", "pdfplumber")) or isinstance(inner, ValueError | KeyError):
        return f"corrupt or truncated PDF ({name}: {one_line(inner, 120)})".replace(": )", ")")
    raise exc


_STREAM = re.compile(rb"(?<!end)stream\r?\n")


def _check_streams(path: Path, data: bytes, limits: Limits) -> None:
    """Inflate every Flate stream except images once, in bounded pieces, before parsing.

    pdfminer inflates a stream whole, so a 1 MB file of compressed zeros reaches gigabytes
    before any page is read.  Here the decoded bytes are counted as they come and the pass
    stops at ``max_decoded_bytes``; the tokens (operators and operands) of content streams
    are counted on the way (``max_stream_tokens``).  Other filters (rare in text PDFs) are
    left to pdfminer.
    """
    total = 0
    for m in _STREAM.finditer(data):
        start = m.end()
        head = data[max(0, m.start() - 2048) : m.start()]
        head = head[head.rfind(b"obj") + 3 :] if b"obj" in head else head
        if b"/FlateDecode" not in head or b"/Image" in head or b"/DecodeParms" in head:
            continue
        end = data.find(b"endstream", start)
        content = b"/Subtype" not in head and b"/Length1" not in head and b"/ObjStm" not in head
        total, tokens = _inflate(data[start : end if end > 0 else len(data)],
                                    total, limits.max_decoded_bytes, content)
        if total > limits.max_decoded_bytes:
            raise exceeded(path, "max_decoded_bytes",
                           f"the PDF's streams inflate to over {limits.max_decoded_bytes:,} bytes")
        if tokens > limits.max_stream_tokens:
            raise exceeded(path, "max_stream_tokens",
                           f"a content stream holds over {limits.max_stream_tokens:,} tokens")


def _inflate(raw: bytes, total: int, limit: int, content: bool) -> tuple[int, int]:
    """Decode ``raw`` piece by piece; return the running total and the tokens counted."""
    inflater = zlib.decompressobj()
    tokens = 0
    pending = raw
    try:
        while pending and not inflater.eof and total <= limit:
            piece = inflater.decompress(pending, 1 << 20)
            pending = inflater.unconsumed_tail
            total += len(piece)
            if content:  # separators bound the operators and operands from above, cheaply
                tokens += piece.count(b" ") + piece.count(b"\n") + piece.count(b"\r")
            if not piece:
                break
    except zlib.error:
        pass  # damaged data: pdfminer decides what it can recover
    return total, tokens


# --------------------------------------------------------------------------- page reading


def _read_pages(
    pdf: Any, path: Path, deadline: Deadline, fast: Any
) -> tuple[list[_Line], list[_Table], list[str], int]:
    lines: list[_Line] = []
    tables: list[_Table] = []
    notes: list[str] = []
    n_chars = 0
    for page in pdf.pages:
        deadline.check()
        pno = page.page_number
        quick = _pdfium_chars(fast[pno - 1], page) if fast is not None else None
        if quick is None:  # ruling lines, rotation or glyphs pdfium cannot name: pdfminer
            _parse_objects(page)
            chars = [c for c in page.chars if c.get("text")]
        else:
            chars = quick
        n_chars += sum(1 for c in chars if not c["text"].isspace())
        if not chars:
            if (page.images if quick is None else _has_objects(fast[pno - 1], "IMAGE")):
                notes.append(f"{path}: page {pno} has no text layer (image only); not read")
            continue
        # a page without path objects has no ruling lines, so no ruled table to find
        found = [] if quick is not None else [
            t for t in page.find_tables() if _ncols(t) >= 2]
        boxes = [t.bbox for t in found]
        for t in found:
            tables.append(_ruled_table(t, chars, pno))
        free = [c for c in chars if not any(_inside(c, b) for b in boxes)]
        page_lines = _lines(free, pno, float(page.width))
        gutter = _gutter(page_lines, float(page.width), float(page.height))
        if gutter is not None:
            page_lines = _split_columns(page_lines, gutter, tables[len(tables) - len(found) :])
        _mark_furniture_band(page_lines, float(page.height))
        lines.extend(page_lines)
    _mark_furniture(lines)
    return lines, tables, notes, n_chars


def _open_pdfium(data: bytes) -> Any:
    """The PDF opened with pdfium for fast character reading, or ``None`` if it will not open."""
    try:
        import pypdfium2 as pdfium

        return pdfium.PdfDocument(data)
    except Exception:  # pdfminer reads it, or says what is wrong in one line
        return None


def _has_objects(fpage: Any, kind: str) -> bool:
    """Whether the page draws an object of ``kind`` (``"PATH"``, ``"IMAGE"``), forms included."""
    import pypdfium2.raw as pdfium_c

    wanted = getattr(pdfium_c, f"FPDF_PAGEOBJ_{kind}")
    form = pdfium_c.FPDF_PAGEOBJ_FORM
    # raw calls: pypdfium2's object wrappers cost more than the rest of reading a text page
    page_objects = [pdfium_c.FPDFPage_GetObject(fpage.raw, k)
                    for k in range(pdfium_c.FPDFPage_CountObjects(fpage.raw))]
    stack: list[list[Any]] = [page_objects]
    depth = 0
    while stack and depth < 64:
        depth += 1
        for obj in stack.pop():
            kind_k = pdfium_c.FPDFPageObj_GetType(obj)
            if kind_k == wanted:
                return True
            if kind_k == form:
                stack.append([pdfium_c.FPDFFormObj_GetObject(obj, j)
                              for j in range(pdfium_c.FPDFFormObj_CountObjects(obj))])
    return bool(stack)  # forms nested deeper than anyone draws: treat as having it


def _pdfium_chars(fpage: Any, page: Any) -> list[dict[str, Any]] | None:
    """The characters of a page as pdfminer boxes them, read by pdfium; ``None`` when the page
    needs pdfminer (path objects, a rotated or offset page, rotated text, unnamed glyphs).

    pdfminer boxes a glyph from its advance width, the baseline plus the font's descent, and a
    height of one font size; pdfium gives the origin, the size, the descent and the advance
    box, from which the same box is rebuilt (``top`` measured from the top of the page).
    """
    import ctypes

    import pypdfium2.raw as pdfium_c

    box = tuple(float(v) for v in page.mediabox)
    if (page.rotation or tuple(float(v) for v in page.cropbox) != box or box[:2] != (0.0, 0.0)
            or _has_objects(fpage, "PATH")):
        return None
    descents = _font_descents(page)
    height = float(page.height)
    textpage = fpage.get_textpage()
    try:
        raw = textpage.raw
        out: list[dict[str, Any]] = []
        x, y = ctypes.c_double(), ctypes.c_double()
        rect = pdfium_c.FS_RECTF()
        name_buf = ctypes.create_string_buffer(256)
        flags = ctypes.c_int()
        by_name = {name.encode("latin-1"): d for name, d in descents.items()}
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count) if count else ""
        if len(text) != count:
            return None  # characters beyond the BMP: indices and text positions part ways
        for i, ch in enumerate(text):
            # only whitespace can be generated (spaces and line ends pdfium infers)
            if ch.isspace() and pdfium_c.FPDFText_IsGenerated(raw, i) == 1:
                continue
            code = ord(ch)
            if (code < 32 or 0xD800 <= code <= 0xDFFF or code >= 0xFFFD
                    or pdfium_c.FPDFText_GetCharAngle(raw, i) != 0):
                return None
            pdfium_c.FPDFText_GetCharOrigin(raw, i, x, y)
            size = pdfium_c.FPDFText_GetFontSize(raw, i)
            pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect)
            if pdfium_c.FPDFText_GetFontInfo(raw, i, name_buf, 256, flags) > 256:
                return None
            descent = by_name.get(name_buf.value)
            if descent is None:
                return None  # a font pdfminer would take from elsewhere (a form's resources)
            bottom = y.value + descent * size
            out.append({"text": ch, "size": size, "x0": rect.left, "x1": rect.right,
                        "top": height - (bottom + size), "bottom": height - bottom})
        return out
    finally:
        textpage.close()


def _font_descents(page: Any) -> dict[str, float]:
    """Descent per unit of font size of each font of the page, as pdfminer computes it.

    pdfium's own descent comes from the font program, pdfminer's from the font descriptor;
    the fonts are loaded through pdfminer's resource manager (cached across pages), so the
    boxes match pdfminer's to the last digit.  Fonts named twice with different descents
    (two subsets of one font, say) are left out, so their characters go the pdfminer way.
    """
    from pdfminer.pdftypes import PDFObjRef, dict_value
    from pdfminer.psparser import PSLiteral

    out: dict[str, float] = {}
    clash: set[str] = set()
    resources = dict_value(page.page_obj.resources or {})
    for spec in dict_value(resources.get("Font", {})).values():
        objid = spec.objid if isinstance(spec, PDFObjRef) else None
        spec = dict_value(spec)
        base = spec.get("BaseFont")
        if not isinstance(base, PSLiteral) or spec.get("Subtype") is None:
            continue
        full = base.name if isinstance(base.name, str) else base.name.decode("latin-1")
        font = page.pdf.rsrcmgr.get_font(objid, spec)
        descent = font.get_descent()
        # pdfium names a font with or without its subset tag (ABCDEF+), depending on the font
        for name in {full, re.sub(r"^[A-Z]{6}\+", "", full)}:
            if font.is_vertical() or getattr(font, "vscale", 0.001) != 0.001:
                clash.add(name)  # vertical and Type3 fonts box glyphs otherwise
            if out.get(name, descent) != descent:
                clash.add(name)
            out[name] = descent
    return {k: v for k, v in out.items() if k not in clash}


def _parse_objects(page: Any) -> None:
    """Fill ``page.objects`` as pdfplumber would, building character dicts cheaply.

    pdfplumber turns every pdfminer object into a dict of some twenty resolved attributes
    (colours, font names, matrices); for characters that is most of the reading time.  The
    reader needs only their text and box, taken here from the same pdfminer layout with
    pdfplumber's coordinate rules (``top`` from the page top, MediaBox offsets), so the
    frames are unchanged.  Lines, rectangles, curves and images still go through pdfplumber,
    whose table finder reads them.
    """
    from pdfminer.layout import LTChar, LTContainer

    objects: dict[str, list[dict[str, Any]]] = {}
    chars: list[dict[str, Any]] = []
    mb_x0, mb_top = page.mediabox[0], page.mediabox[1]
    height = page.height
    laparams = page.pdf.laparams is not None

    def add(obj: Any) -> None:
        attr = page.process_object(obj)
        if attr["object_type"] != "anno":
            objects.setdefault(attr["object_type"], []).append(attr)

    def walk(items: Any) -> None:
        for obj in items:
            if isinstance(obj, LTChar):
                chars.append({
                    "object_type": "char", "text": obj.get_text(), "size": obj.size,
                    "x0": obj.x0 + mb_x0, "x1": obj.x1 + mb_x0,
                    "top": (height - obj.y1) + mb_top, "bottom": (height - obj.y0) + mb_top,
                })  # fmt: skip
            elif isinstance(obj, LTContainer):
                if laparams:
                    add(obj)
                walk(obj._objs)
            else:
                add(obj)

    walk(page.layout._objs)
    if chars:
        objects["char"] = chars
    page._objects = objects


def _ncols(table: Any) -> int:
    return max((len(r.cells) for r in table.rows), default=0)


def _inside(char: dict[str, Any], bbox: tuple[float, float, float, float]) -> bool:
    h = (char["x0"] + char["x1"]) / 2
    v = (char["top"] + char["bottom"]) / 2
    return bbox[0] <= h < bbox[2] and bbox[1] <= v < bbox[3]


def _visual_lines(chars: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Group characters into visual lines (top to bottom), each sorted left to right."""
    out: list[list[dict[str, Any]]] = []
    mids: list[float] = []
    for c in sorted(chars, key=lambda c: (c["top"] + c["bottom"]) / 2):
        mid = (c["top"] + c["bottom"]) / 2
        if out and abs(mid - mids[-1]) <= 0.5 * max(c["size"], 1.0):
            out[-1].append(c)
        else:
            out.append([c])
            mids.append(mid)
    return [sorted(group, key=lambda c: c["x0"]) for group in out]


def _split(chars: list[dict[str, Any]], column_gap: float) -> list[tuple[float, float, str]]:
    """Split one visual line into chunks at gaps of ``column_gap`` em; text per chunk.

    A space goes into the text where the PDF has a space character or where two characters
    stand further apart than the line's usual letter spacing allows.
    """
    ink = [c for c in chars if not c["text"].isspace()]
    if not ink:
        return []
    size = statistics.median(c["size"] for c in ink) or 1.0
    gaps = [max(b["x0"] - a["x1"], 0.0) for a, b in itertools.pairwise(ink)]
    # justified text spreads its letters evenly; only a long line shows that spacing reliably
    usual = min(statistics.median(gaps), 0.35 * size) if len(gaps) >= 8 else 0.0
    spaces = sorted((c["x0"] + c["x1"]) / 2 for c in chars if c["text"].isspace())
    chunks: list[tuple[float, float, str]] = []
    start = prev = ink[0]
    text = ink[0]["text"]
    for c, gap in zip(ink[1:], gaps, strict=False):
        if gap >= column_gap * size + usual:
            chunks.append((start["x0"], prev["x1"], text))
            start, text = c, c["text"]
        else:
            spaced = any(prev["x1"] - 0.1 <= m <= c["x0"] + 0.1 for m in spaces)
            if spaced or gap > _WORD_GAP * size + usual:
                text += " "
            text += c["text"]
        prev = c
    chunks.append((start["x0"], prev["x1"], text))
    return chunks


def _lines(chars: list[dict[str, Any]], pno: int, width: float) -> list[_Line]:
    out = []
    for group in _visual_lines(chars):
        chunks = _split(group, _COLUMN_GAP)
        if not chunks:
            continue
        ink = [c for c in group if not c["text"].isspace()]
        out.append(
            _Line(
                page=pno,
                top=min(c["top"] for c in ink),
                bottom=max(c["bottom"] for c in ink),
                x0=chunks[0][0],
                x1=chunks[-1][1],
                size=statistics.median(c["size"] for c in ink),
                chunks=chunks,
                page_width=width,
                chars=group,
            )
        )
    return out


# --------------------------------------------------------------------------- two columns


def _gutter(lines: list[_Line], width: float, height: float) -> float | None:
    """x of the gap between two columns of prose, or ``None`` for a one-column page.

    A gutter is a vertical strip in the middle of the page that (almost) no line crosses,
    with text on both sides, the left column's lines ending at a common right edge and the
    right column's starting at a common left edge (a fixed-width table is ragged there).
    """
    body = [ln for ln in lines if height * _BAND < ln.top < height * (1 - _BAND)]
    if len(body) < 10:
        return None
    size = statistics.median(ln.size for ln in body)
    allowed = max(1, len(body) // 10)
    a, b = 0.3 * width, 0.7 * width
    if sum(1 for ln in body if any(c[0] < a and c[1] > b for c in ln.chunks)) > allowed:
        return None  # most lines run across the middle: one column (the usual case, cheaply)
    runs: list[tuple[int, int]] = []
    start = None
    for x in range(int(0.3 * width), int(0.7 * width) + 1):
        crossing = sum(1 for ln in body for c in ln.chunks if c[0] < x < c[1])
        if crossing <= allowed:
            start = x if start is None else start
        elif start is not None:
            runs.append((start, x))
            start = None
    if start is not None:
        runs.append((start, int(0.7 * width) + 1))
    if not runs:
        return None
    lo, hi = max(runs, key=lambda r: r[1] - r[0])
    if hi - lo < 0.8 * size:
        return None
    left_ends = [c[1] for ln in body for c in ln.chunks if c[1] <= lo + 1]
    right_starts = [c[0] for ln in body for c in ln.chunks if c[0] >= hi - 1]
    if len(left_ends) < 5 or len(right_starts) < 5:
        return None
    edge, start_x = max(left_ends), min(right_starts)
    flush_left = sum(1 for x in left_ends if x >= edge - 1.5 * size) / len(left_ends)
    flush_right = sum(1 for x in right_starts if x <= start_x + 1.0 * size) / len(right_starts)
    if flush_left < 0.4 or flush_right < 0.6:
        return None
    return (lo + hi) / 2


def _split_columns(lines: list[_Line], gutter: float, tables: list[_Table]) -> list[_Line]:
    """Cut lines at the gutter and order the page: full-width bands, left then right column."""
    full: list[_Line] = []
    parts: list[_Line] = []
    for ln in lines:
        if any(c[0] < gutter < c[1] for c in ln.chunks):
            full.append(ln)
            continue
        for col, group in (
            (1, [c for c in ln.chars if (c["x0"] + c["x1"]) / 2 < gutter]),
            (2, [c for c in ln.chars if (c["x0"] + c["x1"]) / 2 >= gutter]),
        ):
            for part in _lines(group, ln.page, ln.page_width):
                part.col = col
                parts.append(part)
    bounds = sorted(ln.top for ln in full)
    for ln in full + parts:
        ln.seg = bisect.bisect_right(bounds, ln.top)
    for t in tables:
        t.col = 1 if t.right <= gutter else (2 if t.left >= gutter else 0)
        t.seg = bisect.bisect_right(bounds, t.top)
    return sorted(full + parts, key=lambda ln: (ln.seg, ln.col, ln.top))


def _cell_text(chars: list[dict[str, Any]]) -> str:
    parts = [" ".join(ch[2] for ch in _split(g, 10.0)) for g in _visual_lines(chars)]
    return join_wrapped(parts)


def _ruled_table(table: Any, chars: list[dict[str, Any]], pno: int) -> _Table:
    rows = table.rows
    ncols = _ncols(table)
    xs = sorted({cell[0] for r in rows for cell in r.cells if cell is not None})
    texts: list[list[str | None]] = []
    for r in rows:
        row_chars = [c for c in chars if _inside(c, r.bbox)]
        texts.append(
            [None if cell is None else _cell_text([c for c in row_chars if _inside(c, cell)])
             for cell in r.cells]
        )  # fmt: skip
    out: list[tuple[str, ...]] = []
    for i, r in enumerate(rows):
        cells: list[str] = []
        for j, cell in enumerate(r.cells):
            if cell is not None:
                cells.append(texts[i][j] or "")
                continue
            # covered by a neighbour: horizontal merge (one cell) or vertical merge (fill down)
            left = next((r.cells[k] for k in range(j - 1, -1, -1) if r.cells[k]), None)
            if left is not None and j < len(xs) and left[2] > xs[j] + 1:
                cells.append("")  # text stays in the first column, not repeated
                continue
            for k in range(i - 1, -1, -1):
                above = rows[k].cells[j] if j < len(rows[k].cells) else None
                if above is not None:
                    cells.append((texts[k][j] or "") if above[3] > r.bbox[1] + 1 else "")
                    break
            else:
                cells.append("")
        out.append(tuple(cells))
    left, top, right, bottom = table.bbox
    return _Table(pno, top, bottom, right, rows=out, left=left, ncols=ncols, ruled=True)


# --------------------------------------------------------------------------- page furniture


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _mark_furniture_band(lines: list[_Line], height: float) -> None:
    """Flag page-number lines in the top/bottom band of a page."""
    if not lines:
        return
    for ln in lines[:2] + lines[-2:]:
        ln.in_band = ln.bottom <= height * _BAND or ln.top >= height * (1 - _BAND)
        if ln.in_band and _PAGE_NUMBER_RE.match(ln.text.strip()):
            ln.furniture = True


def _mark_furniture(lines: list[_Line]) -> None:
    """Flag running headers/footers: band lines whose text (digits aside) repeats on pages."""
    pages = sorted({ln.page for ln in lines})
    if len(pages) < 2:
        return
    by_key: dict[str, set[int]] = {}
    for ln in lines:
        if ln.in_band:
            by_key.setdefault(_key(ln.text), set()).add(ln.page)
    need = max(2, (len(pages) + 1) // 2) if len(pages) > 3 else 2
    for ln in lines:
        if ln.in_band and len(by_key.get(_key(ln.text), ())) >= need:
            ln.furniture = True


# --------------------------------------------------------------------------- fixed-width tables


def _fixed_width_tables(lines: list[_Line]) -> list[tuple[int, int, _Table]]:
    """Find unruled tables: runs of lines whose text chunks start at shared column positions.

    Returns ``(first, last, table)`` with inclusive indices into ``lines`` (one page's body).
    """
    found = []
    i = 0
    while i < len(lines):
        head = lines[i]
        if len(head.chunks) < 2:
            i += 1
            continue
        cols = [c[0] for c in head.chunks]
        tol = 0.6 * head.size
        run = [i]
        pitch = None
        j = i + 1
        while j < len(lines):
            ln = lines[j]
            gap = ln.top - lines[run[-1]].top
            if ln.furniture or not 0 <= gap <= 3.2 * max(head.bottom - head.top, 1.0):
                break
            if _RULE_RE.match(ln.text):
                run.append(j)
                j += 1
                continue
            if _column_of(ln, cols, tol) is None:
                break
            pitch = gap if pitch is None else min(pitch, gap)
            run.append(j)
            j += 1
        multi = sum(1 for k in run if len(lines[k].chunks) >= 2)
        if multi >= 2:
            table = _rows_by_column([lines[k] for k in run], cols, tol, pitch)
            if len(table.rows) >= 2:
                found.append((run[0], run[-1], table))
                i = run[-1] + 1
                continue
        i += 1
    return found


def _column_of(ln: _Line, cols: list[float], tol: float) -> list[int] | None:
    """Column index of each chunk of ``ln``, or ``None`` if the line does not fit the grid."""
    out: list[int] = []
    for x0, x1, _ in ln.chunks:
        k = next((k for k, c in enumerate(cols) if abs(x0 - c) <= tol), None)
        if k is None or (out and k <= out[-1]):
            return None
        if k + 1 < len(cols) and x1 > cols[k + 1] - tol / 2:
            return None  # runs into the next column: prose, not a cell
        out.append(k)
    return out


def _rows_by_column(run: list[_Line], cols: list[float], tol: float, pitch: float | None) -> _Table:
    # Rows separated by blank lines when the run has them; else a row starts at column one.
    gaps = [b.top - a.top for a, b in itertools.pairwise(run)]
    blank_sep = pitch is not None and any(g > 1.6 * pitch for g in gaps)
    rows: list[list[list[str]]] = []
    counts: list[int] = []
    prev: _Line | None = None
    for ln in run:
        if _RULE_RE.match(ln.text):
            prev = None  # a rule line separates rows
            continue
        idx = _column_of(ln, cols, tol) or []
        if blank_sep:
            new = prev is None or (pitch is not None and ln.top - prev.top > 1.6 * pitch)
        else:
            new = prev is None or idx[:1] == [0]
        if new or not rows:
            rows.append([[] for _ in cols])
            counts.append(0)
        for k, chunk in zip(idx, ln.chunks, strict=False):
            rows[-1][k].append(chunk[2])
        counts[-1] += 1
        prev = ln
    cells = [tuple(join_wrapped(parts) for parts in row) for row in rows]
    return _Table(
        page=run[0].page,
        top=run[0].top,
        bottom=run[-1].bottom,
        right=max(ln.x1 for ln in run),
        left=min(ln.x0 for ln in run),
        col=run[0].col,
        seg=run[0].seg,
        rows=cells,
        ncols=len(cols),
        ruled=False,
        line_count=counts,
    )


# --------------------------------------------------------------------------- assembly


def _reading_order(lines: list[_Line], tables: list[_Table]) -> list[tuple[str, Any]]:
    """Lines and tables of every page as one stream, ``("line", _Line)``/``("table", _Table)``.

    Fixed-width tables are found here, per page, so the lines they cover leave the stream;
    elements are ordered by page segment, column, then position, a table after a line
    starting at the same height.
    """
    stream: list[tuple[str, Any]] = []
    for pno in sorted({ln.page for ln in lines} | {t.page for t in tables}):
        page_lines = [ln for ln in lines if ln.page == pno]
        body = [ln for ln in page_lines if not ln.furniture]
        fixed = _fixed_width_tables(body)
        covered = {id(body[k]) for a, b, _ in fixed for k in range(a, b + 1)}
        items: list[tuple[tuple[int, int, float, int], str, Any]] = []
        for ln in page_lines:
            if id(ln) not in covered:
                items.append(((ln.seg, ln.col, ln.top, 0), "line", ln))
        for found in [t for _, _, t in fixed] + [t for t in tables if t.page == pno]:
            items.append(((found.seg, found.col, found.top, 1), "table", found))
        items.sort(key=lambda it: it[0])
        stream.extend((kind, obj) for _, kind, obj in items)
    return stream


def _column_margins(lines: list[_Line], tables: list[_Table]) -> dict[int, tuple[float, float]]:
    """Left and right margin of each text column, which tell a wrapped line from a full one."""
    body_lines = [ln for ln in lines if not ln.furniture]
    margins: dict[int, tuple[float, float]] = {}
    for col in sorted({ln.col for ln in body_lines}):
        col_lines = [ln for ln in body_lines if ln.col == col]
        left = _mode([round(ln.x0) for ln in col_lines])
        col_tables = [t for t in tables if t.col == col]
        margins[col] = (left, _right_margin(col_lines, col_tables, left, mirror=col == 0))
    return margins


def _assemble(
    lines: list[_Line], tables: list[_Table], notes: list[str], path: Path
) -> SourceBlocks:
    """The blocks of a PDF's lines and tables, in reading order.

    Wrapped lines are joined into paragraphs, furniture is kept apart, table rows are numbered
    across pages (a table's header repeated on the next page is skipped, with a note).
    """
    stream = _reading_order(lines, tables)
    margins = _column_margins([ln for kind, ln in stream if kind == "line"], tables)
    out = SourceBlocks(notes=notes)
    line_no = 0
    table_no = 0
    last_table: _Table | None = None  # the table the previous body element was
    last_table_no = 0
    para: list[_Line] = []
    para_start = (0, 0)  # (line_no, position in out) of the open paragraph
    held: list[Block] = []  # furniture met while a paragraph may still continue

    def close() -> None:
        if para:
            text = join_wrapped(ln.text for ln in para)
            out.insert(para_start[1], Block(text=text, line=para_start[0], page=para[0].page))
            para.clear()
        out.extend(held)
        held.clear()

    for kind, obj in stream:
        if kind == "line" and obj.furniture:
            line_no += 1
            held.append(Block(text=obj.text, line=line_no, page=obj.page))
            continue
        if kind == "line":
            line_no += 1
            if para and _continues(para[-1], obj, margins):
                para.append(obj)
                continue
            close()
            para.append(obj)
            para_start = (line_no, len(out))
            last_table = None
            continue
        close()
        t: _Table = obj
        continued = (
            last_table is not None and t.page == last_table.page + 1 and t.ncols == last_table.ncols
        )
        if continued:
            number = last_table_no
        else:
            table_no += 1
            number = table_no
        rows = list(t.rows)
        counts = t.line_count or [1] * len(rows)
        if continued and rows and last_table is not None and _same(rows[0], last_table.rows[0]):
            line_no += counts[0]
            out.notes.append(
                f"{path}:{line_no}: repeated table header on page {t.page} skipped (table {number})"
            )
            rows, counts = rows[1:], counts[1:]
        for cells, n in zip(rows, counts, strict=False):
            line_no += 1
            first = line_no
            line_no += n - 1
            if not any(c.strip() for c in cells):
                out.notes.append(f"{path}:{first}: empty table row skipped (table {number})")
                continue
            out.append(Block("\t".join(cells), line=first, page=t.page, cells=cells, table=number))
        last_table = t
        last_table_no = number
    close()
    return out


def _same(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return [re.sub(r"\s+", "", x) for x in a] == [re.sub(r"\s+", "", x) for x in b]


def _right_margin(
    lines: list[_Line], tables: list[_Table], left: float, *, mirror: bool = True
) -> float:
    """The right edge of the text frame; infinite (no line counts as full) when unknown.

    Known when a ruled table reaches it, several lines end at it, or it mirrors the left
    margin: a document of short lines must not have them all taken for full lines that wrap.
    """
    edge = max([ln.x1 for ln in lines] + [t.right for t in tables if t.ruled], default=0.0)
    at_edge = sum(1 for ln in lines if ln.x1 >= edge - 1.5 * ln.size)
    mirrored = mirror and any(abs(ln.page_width - left - ln.x1) <= 2 * ln.size for ln in lines)
    if any(t.ruled and t.right >= edge - 1 for t in tables) or at_edge >= 3 or mirrored:
        return edge
    return float("inf")


def _mode(values: list[int]) -> float:
    return float(Counter(values).most_common(1)[0][0])


def _continues(a: _Line, b: _Line, margins: dict[int, tuple[float, float]]) -> bool:
    """Whether line ``b`` continues the paragraph whose last line is ``a``.

    ``b`` may follow directly below, at the top of the next column or on the next page.
    """
    if abs(a.size - b.size) > 0.1 * a.size or _CAPTION_RE.match(b.text):
        return False
    if b.page == a.page and (b.seg, b.col) == (a.seg, a.col):
        if b.top - a.bottom > 1.2 * (a.bottom - a.top):
            return False
        jump = False
    elif (b.page == a.page and b.seg == a.seg and (a.col, b.col) == (1, 2)) or (
        b.page == a.page + 1
    ):
        jump = True  # on to the next column or page
    else:
        return False
    left, right = margins[a.col]
    last = a.chunks[-1][2][-1:]
    slack = 1.5 * a.size if last and is_wide(last) else max(1.5 * a.size, 0.12 * (right - left))
    if a.x1 < right - slack:
        return False  # a short line ends its paragraph
    b_left = margins[b.col][0]
    return b.x0 <= (b_left if jump else min(a.x0, b_left)) + 0.5 * b.size
