"""Read a Word .docx file into blocks: paragraphs with heading/caption hints, table rows."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..core.blocks import Block
from ..core.errors import InputError
from ..core.limits import DEFAULT_LIMITS, Deadline, Limits, exceeded
from ._common import (
    SourceBlocks,
    check_package,
    check_source,
    count_xml_elements,
    one_line,
    zip_reason,
)

__all__ = ["read_docx_blocks"]


# --------------------------------------------------------------------------- Word numbering

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)  # fmt: skip


def _chinese_number(n: int, digits: str = _CN_DIGITS, ten: str = "十") -> str:
    if n <= 0 or n >= 1000:
        return str(n)
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += digits[hundreds] + "百"
        if rest and tens == 0:
            out += digits[0]
    if tens:
        out += ("" if tens == 1 and not hundreds else digits[tens]) + ten
    if ones:
        out += digits[ones]
    return out


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting"):
        return _chinese_number(n)
    if fmt == "chineseLegalSimplified":
        return _chinese_number(n, _CN_LEGAL, "拾")
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _DIZHI[(n - 1) % 12]
    # Roman numerals end at 3999 and Word's letters at 780 ("ZZ…Z", 30 letters); beyond,
    # a number is written in digits, so a label never grows with the counter.
    if fmt in ("upperRoman", "lowerRoman") and 0 < n < 4000:
        parts, rest = [], n
        for value, sym in _ROMAN:
            times, rest = divmod(rest, value)
            parts.append(sym * times)
        out = "".join(parts)
        return out if fmt == "upperRoman" else out.lower()
    if fmt in ("upperLetter", "lowerLetter") and 0 < n <= 780:
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)


class _Numbering:
    """Renders Word's automatic list and heading numbers ("5.2", "（一）") as text.

    Word stores the number outside the paragraph text; without it a heading numbered by a
    multilevel list would lose its section number.  Counters run per abstract numbering
    definition, as Word runs them.
    """

    def __init__(self, doc: Any, path: Path, limits: Limits) -> None:
        self.path = path
        self.limits = limits
        self.levels: dict[str, dict[int, dict[str, Any]]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        self.style_numpr: dict[str, tuple[str | None, int | None]] = {}
        try:
            root = doc.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            root = None
        if root is not None:
            self._read_definitions(root)
        self._read_styles(doc)

    def _read_definitions(self, root: Any) -> None:
        for absn in root.iter(f"{_W}abstractNum"):
            levels: dict[int, dict[str, Any]] = {}
            for lvl in absn.iter(f"{_W}lvl"):
                ilvl = _int(lvl, lvl.get(f"{_W}ilvl", "0"), "ilvl", self.path)
                levels[ilvl] = {
                    "start": self._start(lvl.find(f"{_W}start")),
                    "fmt": _val(lvl, "numFmt") or "decimal",
                    "text": _val(lvl, "lvlText") or "",
                    "suff": _val(lvl, "suff") or "tab",
                    "legal": lvl.find(f"{_W}isLgl") is not None,
                }
            self.levels[absn.get(f"{_W}abstractNumId", "")] = levels
        for num in root.iter(f"{_W}num"):
            overrides: dict[int, int] = {}
            for ov in num.iter(f"{_W}lvlOverride"):
                start_el = ov.find(f"{_W}startOverride")
                if start_el is not None:
                    lv = _int(ov, ov.get(f"{_W}ilvl", "0"), "ilvl", self.path)
                    overrides[lv] = self._start(start_el)
            self.nums[num.get(f"{_W}numId", "")] = (_val(num, "abstractNumId") or "", overrides)

    def _start(self, el: Any) -> int:
        """A level's start value (1 when absent), refused above ``max_list_number``."""
        if el is None:
            return 1
        n = _int(el, el.get(f"{_W}val", "1"), "start", self.path)
        if n > self.limits.max_list_number:
            raise exceeded(self.path, "max_list_number",
                           f"{_where(el)}: a list numbering starts at {n:,}")
        return n

    def _read_styles(self, doc: Any) -> None:
        try:
            styles = doc.styles.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        raw: dict[str, tuple[str | None, str | None, int | None]] = {}
        for st in styles.iter(f"{_W}style"):
            sid = st.get(f"{_W}styleId", "")
            based = _val(st, "basedOn")
            numpr = st.find(f"{_W}pPr/{_W}numPr")
            num_id = _val(numpr, "numId") if numpr is not None else None
            ilvl_s = _val(numpr, "ilvl") if numpr is not None else None
            if ilvl_s is None:
                outline = _val(st.find(f"{_W}pPr"), "outlineLvl") if num_id else None
                ilvl_s = outline
            ilvl = _int(st, ilvl_s, "ilvl", self.path) if ilvl_s is not None else None
            raw[sid] = (based, num_id, ilvl)
        for sid in raw:
            seen: set[str] = set()
            cur: str | None = sid
            while cur and cur in raw and cur not in seen:
                seen.add(cur)
                based, num_id, ilvl = raw[cur]
                if num_id is not None:
                    self.style_numpr[sid] = (num_id, ilvl)
                    break
                cur = based

    def label(self, p: Any) -> str:
        """The rendered number of paragraph element ``p`` plus its separator, or ``""``."""
        numpr = p.find(f"{_W}pPr/{_W}numPr")
        num_id = _val(numpr, "numId") if numpr is not None else None
        ilvl_s = _val(numpr, "ilvl") if numpr is not None else None
        if num_id is None:
            style_id = _val(p.find(f"{_W}pPr"), "pStyle")
            num_id, ilvl = self.style_numpr.get(style_id or "", (None, None))
        else:
            ilvl = _int(numpr, ilvl_s, "ilvl", self.path) if ilvl_s is not None else None
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abs_id, overrides = self.nums[num_id]
        levels = self.levels.get(abs_id, {})
        ilvl = ilvl or 0
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abs_id, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for lv, start in overrides.items():
                counters[lv] = start - 1
        counters[ilvl] = counters.get(ilvl, levels[ilvl]["start"] - 1) + 1
        for deeper in [lv for lv in counters if lv > ilvl]:
            del counters[deeper]
        spec = levels[ilvl]
        if spec["fmt"] == "bullet":
            return ""

        def sub(m: re.Match[str]) -> str:
            lv = int(m.group(1)) - 1
            lspec = levels.get(lv, {"start": 1, "fmt": "decimal"})
            n = counters.get(lv, lspec["start"])
            fmt = "decimal" if spec["legal"] and lv != ilvl else lspec["fmt"]
            return _format_number(n, fmt)

        text = re.sub(r"%(\d)", sub, spec["text"]).strip()
        if not text:
            return ""
        return text + {"nothing": ""}.get(spec["suff"], " ")


def _where(el: Any) -> str:
    """``"word/numbering.xml line N"``: where an element stands in its package part.

    python-docx parses parts from bytes, so the part is named after its root element
    (``w:document``, ``w:numbering``, ``w:styles``: the parts this reader looks into).
    """
    root = el.getroottree().getroot()
    local = root.tag.rsplit("}", 1)[-1] if isinstance(root.tag, str) else "document"
    line = getattr(el, "sourceline", None)
    return f"word/{local}.xml" + (f" line {line}" if line else "")


def _int(el: Any, text: str | None, name: str, path: Path) -> int:
    """A non-negative integer attribute of ``el``; a damaged value is an :class:`InputError`."""
    value = (text or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 30:
        raise InputError(path, f"{_where(el)}: invalid w:{name} value {one_line(value, 30)!r}")
    return int(value)


def _val(el: Any, tag: str) -> str | None:
    if el is None:
        return None
    child = el.find(f"{_W}{tag}")
    return None if child is None else child.get(f"{_W}val")


# --------------------------------------------------------------------------- the reader

_HEADING_RE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_CAPTION_NAMES = {"caption", "题注"}
_TABLE_CAPTION_RE = re.compile(r"^\s*(?:表|table)\s*[\d一二三四五六七八九十]", re.IGNORECASE)


def _style_hint(paragraph: Any) -> str | None:
    """``"heading N"`` / ``"caption"`` from the paragraph style or its outline level."""
    p = paragraph._p
    outline = _val(p.find(f"{_W}pPr"), "outlineLvl")
    try:
        style = paragraph.style
    except (KeyError, ValueError, AttributeError):
        style = None
    while style is not None:
        name = (style.name or "").strip()
        m = _HEADING_RE.match(name)
        if m:
            return f"heading {m.group(1)}"
        if name.lower() in _CAPTION_NAMES:
            return "caption"
        if outline is None:
            outline = _val(style.element.find(f"{_W}pPr"), "outlineLvl")
        style = style.base_style
    if outline is not None and outline.isdigit() and int(outline) < 9:
        return f"heading {int(outline) + 1}"
    return None


_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# Subtrees whose text is not the paragraph's own: text boxes (read separately), the duplicate
# fallback rendering of drawings, tracked deletions and moves, field instructions, properties.
_SKIP = frozenset(
    {f"{_W}txbxContent", f"{_MC}Fallback", f"{_W}del", f"{_W}moveFrom", f"{_W}delText",
     f"{_W}instrText", f"{_W}pPr", f"{_W}rPr"}
)  # fmt: skip


def _para_text(p: Any) -> str:
    """A paragraph's text, tracked insertions and hyperlinks included (python-docx skips them)."""
    parts: list[str] = []

    def walk(el: Any) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == f"{_W}t":
                parts.append(child.text or "")
            elif tag == f"{_W}tab":
                parts.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                if child.get(f"{_W}type") not in ("page", "column"):
                    parts.append("\n")
            elif tag == f"{_W}noBreakHyphen":
                parts.append("-")
            else:
                walk(child)

    walk(p)
    return "".join(parts)


def _text_box_paragraphs(p: Any) -> list[Any]:
    """Paragraphs inside the text boxes anchored in ``p`` (each drawn once, not its fallback)."""
    out = []
    for box in p.iter(f"{_W}txbxContent"):
        if any(a.tag == f"{_MC}Fallback" for a in box.iterancestors()):
            continue
        out.extend(box.iter(f"{_W}p"))
    return out


def _iter_body(element: Any) -> Iterator[Any]:
    """Body-level ``w:p`` and ``w:tbl`` in reading order, looking inside content controls."""
    for child in element.iterchildren():
        tag = child.tag
        if tag in (f"{_W}p", f"{_W}tbl"):
            yield child
        elif tag in (f"{_W}sdt", f"{_W}customXml", f"{_W}sdtContent"):
            yield from _iter_body(child.find(f"{_W}sdtContent") if tag == f"{_W}sdt" else child)


def _cell_text(tc: Any) -> str:
    # every paragraph of the cell, nested tables included; explicit breaks stay line breaks
    lines = [_para_text(p).strip() for p in tc.iter(f"{_W}p")]
    return "\n".join(line for line in lines if line)


def _span(el: Any, name: str, default: int, taken: int, path: Path, limits: Limits) -> int:
    """Grid columns given by ``w:<name>`` of ``el``, refused past ``max_columns`` in a row."""
    child = None if el is None else el.find(f"{_W}{name}")
    if child is None:
        return default
    n = _int(child, child.get(f"{_W}val"), name, path)
    if taken + n > limits.max_columns:
        raise exceeded(path, "max_columns",
                       f"{_where(child)}: a table row spans {taken + n:,} grid columns")
    return n


def _table_rows(
    tbl: Any, path: Path, limits: Limits
) -> Iterator[tuple[tuple[str, ...], bool]]:
    """Yield ``(cells, empty)`` per row, one cell per grid column.

    A vertical merge fills its value down; a horizontal merge keeps its text in its first
    column and leaves the other columns it covers empty, so cells stay under their header.
    """
    above: dict[int, str] = {}
    for tr in tbl.iterchildren(f"{_W}tr"):
        trpr = tr.find(f"{_W}trPr")
        cells = [""] * _span(trpr, "gridBefore", 0, 0, path, limits)
        own_text = False
        for tc in tr.iterchildren(f"{_W}tc"):
            tcpr = tc.find(f"{_W}tcPr")
            span = max(_span(tcpr, "gridSpan", 1, len(cells), path, limits), 1)
            vmerge_el = tcpr.find(f"{_W}vMerge") if tcpr is not None else None
            vmerge = None if vmerge_el is None else vmerge_el.get(f"{_W}val", "continue")
            hmerge_el = tcpr.find(f"{_W}hMerge") if tcpr is not None else None
            if hmerge_el is not None and hmerge_el.get(f"{_W}val", "continue") == "continue":
                cells.extend([""] * span)  # legacy horizontal merge: covered by the left cell
                continue
            col = len(cells)
            text = _cell_text(tc)
            if vmerge == "continue":
                text = text or above.get(col, "")
            elif text:
                own_text = True
            above[col] = text
            cells.append(text)
            cells.extend([""] * (span - 1))
        cells.extend([""] * _span(trpr, "gridAfter", 0, len(cells), path, limits))
        yield tuple(cells), not own_text


def read_docx_blocks(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> SourceBlocks:
    """Read a Word .docx file into blocks.

    Paragraphs become text blocks (``style`` = ``"heading N"`` for Word heading styles and
    outline levels, ``"caption"`` for the caption style); automatic list and heading numbers
    are rendered into the text.  Each table row becomes one block with ``cells`` and
    ``table`` (1-based table index), one cell per grid column: a vertical merge fills its
    value down every row it spans; a horizontal merge is one cell, not repeated (its text in
    the first column it covers, the others empty).  A table caption placed below its table is
    moved before the table's rows.  ``line`` counts paragraphs, soft line breaks and table
    rows in reading order (empty ones included, so the numbers are positions in the
    document); ``page`` is ``None`` (Word has no fixed pages).

    Parameters
    ----------
    path
        The .docx file.
    limits
        Package size and entries, XML elements, table columns, list numbers, time.

    Returns
    -------
    SourceBlocks
        The blocks, with ``notes`` naming skipped empty table rows.

    Raises
    ------
    InputError
        Empty, missing, truncated or corrupt file, a renamed text file, a legacy .doc, a
        password-protected document, a damaged attribute or a breached limit.
    """
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    path = Path(path)
    deadline = limits.deadline(path)
    head = check_source(path, "a Word .docx document")
    reason = zip_reason(path, head, "a Word .docx document", ".docx")
    if reason:
        raise InputError(path, reason)
    check_package(path, "word/document.xml", "a Word .docx document", ".docx", limits)
    count_xml_elements(path, limits, "the Word document")
    try:
        # from a file object we close: on a damaged package the library may leave its own open
        with open(path, "rb") as fh:
            document = docx.Document(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise InputError(path, f"corrupt or truncated .docx ({exc})") from None
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise InputError(path, f"not a readable Word .docx package ({one_line(exc)})") from None
    except Exception as exc:  # lxml syntax errors and friends from a damaged package part
        if type(exc).__module__.startswith(("lxml", "docx", "zipfile")):
            raise InputError(path, f"corrupt .docx ({type(exc).__name__}: {one_line(exc)})"
                             ) from None
        raise
    try:
        return _blocks(document, path, limits, deadline)
    except zipfile.BadZipFile as exc:
        raise InputError(path, f"corrupt or truncated .docx ({one_line(exc)})") from None


def _blocks(document: Any, path: Path, limits: Limits, deadline: Deadline) -> SourceBlocks:
    from docx.text.paragraph import Paragraph

    numbering = _Numbering(document, path, limits)
    body = document.element.body
    parent = document._body
    out = SourceBlocks()
    # one entry per body element: ("p", blocks, is_caption) or ("tbl", blocks)
    units: list[tuple[str, list[Block], bool]] = []
    line = 0
    table_no = 0
    for el in _iter_body(body):
        deadline.check()
        if el.tag == f"{_W}p":
            label = numbering.label(el)
            pieces = _para_text(el).split("\n")
            # the style lookup is the costly step: only paragraphs with text need it
            has_text = bool(label.strip()) or any(piece.strip() for piece in pieces)
            style = _style_hint(Paragraph(el, parent)) if has_text else None
            blocks = []
            for k, piece in enumerate(pieces):
                line += 1
                text = (label if k == 0 else "") + piece
                if text.strip():
                    blocks.append(Block(text=text.strip(), line=line, style=style))
            for inner in _text_box_paragraphs(el):
                for piece in _para_text(inner).split("\n"):
                    line += 1
                    if piece.strip():
                        blocks.append(Block(text=piece.strip(), line=line))
            is_caption = bool(blocks) and (
                style == "caption" or bool(_TABLE_CAPTION_RE.match(blocks[0].text))
            )
            units.append(("p", blocks, is_caption))
        else:
            table_no += 1
            rows = []
            for cells, empty in _table_rows(el, path, limits):
                line += 1
                if empty:
                    out.notes.append(f"{path}:{line}: empty table row skipped (table {table_no})")
                    continue
                rows.append(Block("\t".join(cells), line=line, cells=cells, table=table_no))
            units.append(("tbl", rows, False))
    units = _captions_first(units)
    for _, blocks, _ in units:
        out.extend(blocks)
    return out


def _captions_first(
    units: list[tuple[str, list[Block], bool]],
) -> list[tuple[str, list[Block], bool]]:
    """Move a caption that sits below its table to just before the table."""
    content = [u for u in units if u[1] or u[0] == "tbl"]  # blank paragraphs do not separate
    out: list[tuple[str, list[Block], bool]] = []
    i = 0
    while i < len(content):
        unit = content[i]
        if unit[0] == "tbl" and i + 1 < len(content):
            nxt = content[i + 1]
            before_is_caption = bool(out) and out[-1][0] == "p" and out[-1][2]
            after_is_table = i + 2 < len(content) and content[i + 2][0] == "tbl"
            if nxt[0] == "p" and nxt[2] and not before_is_caption and not after_is_table:
                out.extend([nxt, unit])
                i += 2
                continue
        out.append(unit)
        i += 1
    return out
