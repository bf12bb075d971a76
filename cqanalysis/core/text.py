"""Text helpers shared by the parser and the analysis modules: keys, numerals, cell splitting."""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Sequence

from .blocks import Block

__all__ = [
    "TERMINAL_PUNCT",
    "cn_numeral",
    "display_width",
    "document_text",
    "is_wide",
    "join_wrapped",
    "norm_key",
    "record_spans",
    "split_cells",
]

TERMINAL_PUNCT = frozenset("。！？!?；;…")
_WS = re.compile(r"\s+")
_SEP_MULTI = re.compile(r"[ \u3000\xa0]{2,}")
_SEP_SINGLE = re.compile(r"[ \u3000\xa0]+")
_PIPE_SPLIT = re.compile(r"(?<!\\)\|")

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


def norm_key(text: str) -> str:
    """The matching key of a text: NFKC, all whitespace removed, case-folded.

    Used for comparison only; frames keep the source text.
    """
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def cn_numeral(text: str) -> int | None:
    """Value of a Chinese or Arabic numeral below 10,000 (``"十二"`` → 12), else ``None``."""
    if text.isdigit():
        return int(unicodedata.normalize("NFKC", text))
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in "十百千":
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (current or 1) * unit
            current = 0
        else:
            return None
    return total + current


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def display_width(text: str) -> int:
    """Width of ``text`` in half-width columns: wide (W) and full-width (F) characters count 2.

    Combining marks count 0. Multi-line text measures its widest line, as a wrapped cell or a
    table column needs.
    """
    widest = 0
    for line in str(text).split("\n"):
        width = len(line) if line.isascii() else sum(_char_width(ch) for ch in line)
        widest = max(widest, width)
    return widest


def split_cells(raw: str, *, pipe: bool = False) -> tuple[str, ...]:
    """Split one line of a text table into cells.

    Separators, strongest first: a Markdown pipe (``pipe=True``), a tab, two or more spaces,
    a single space.  The strongest separator present decides, so a cell that contains one
    space survives in a table separated by tabs or wider gaps.  Positions matter for tabs:
    empty cells between tabs are kept (a wrapped row continues under its column).
    """
    line = raw.strip("\r\n")
    if pipe:
        body = line.strip()
        if body.startswith("|"):
            body = body[1:]
        if body.endswith("|") and not body.endswith("\\|"):
            body = body[:-1]
        return tuple(c.strip().replace("\\|", "|") for c in _PIPE_SPLIT.split(body))
    if "\t" in line:
        cells = [c.strip() for c in line.split("\t")]
        if not any(cells[1:]) and len(cells) > 1 and cells[0]:
            return (cells[0],)
        return tuple(cells)
    stripped = line.strip()
    if _SEP_MULTI.search(stripped):
        return tuple(_SEP_MULTI.split(stripped))
    if " " in stripped or "\u3000" in stripped or "\xa0" in stripped:
        return tuple(_SEP_SINGLE.split(stripped))
    return (stripped,)


# Characters that sit inside Chinese text without spaces around them although Unicode calls
# them "ambiguous" width (curly quotes, ellipsis, dashes, middle dot).
_CJK_PUNCT = frozenset("“”‘’…—–·")


def is_wide(ch: str) -> bool:
    """Whether ``ch`` is set without spaces in Chinese text (wide, or CJK punctuation)."""
    return ch in _CJK_PUNCT or unicodedata.east_asian_width(ch) in ("W", "F")


def join_wrapped(parts: Iterable[str]) -> str:
    """Join the visual lines of one wrapped text back into one string.

    Lines are joined directly when either side of the break is a CJK (wide) character, so no
    space lands inside Chinese text; between two Latin words one space is inserted.  A line
    ending in a hyphen is joined without a space and keeps its hyphen.

    Parameters
    ----------
    parts
        The visual lines, top to bottom.

    Returns
    -------
    str
        The joined, trimmed text.
    """
    out = ""
    for raw in parts:
        part = raw.strip()
        if not part:
            continue
        if out and not (is_wide(out[-1]) or is_wide(part[0]) or out[-1] in "-/"):
            out += " "
        out += part
    return out


def document_text(blocks: Iterable[Block]) -> str:
    """The plain text of a document: its blocks' texts joined by ``"\\n"`` in source order.

    Character offsets (``start``, ``end`` of the frames, REFI-QDA selections) count in it.
    """
    return "\n".join(b.text for b in blocks)


def record_spans(
    blocks: Sequence[Block],
    records: Iterable[tuple[int | None, int | None, int | None]],
) -> list[tuple[int, int] | None]:
    """Character span in :func:`document_text` of each record's source lines.

    ``records`` gives (line, line_end, page) per record (``line_end`` ``None``: one line).
    A PDF numbers lines per page, so the first line is looked up with its page, then by line
    alone; the last line is the first block at or after it with that number, so a record may
    run onto the next page.  ``None`` where the first line is not a block.
    """
    starts, pos = [], 0
    for b in blocks:
        starts.append(pos)
        pos += len(b.text) + 1
    by_key: dict[tuple[int | None, int], int] = {}
    # line number → indices of the blocks with it, ascending (a PDF repeats numbers per page)
    at_line: dict[int, list[int]] = {}
    for i, b in enumerate(blocks):
        by_key.setdefault((b.page, b.line), i)
        at_line.setdefault(b.line, []).append(i)
    out: list[tuple[int, int] | None] = []
    for line, end, page in records:
        first = None if line is None else by_key.get(
            (page, line), at_line[line][0] if line in at_line else None)
        if first is None or line is None:
            out.append(None)
            continue
        candidates = at_line.get(line if end is None else end, [])
        k = bisect.bisect_left(candidates, first)
        last = candidates[k] if k < len(candidates) else first
        out.append((starts[first], starts[last] + len(blocks[last].text)))
    return out
