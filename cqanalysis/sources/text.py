"""Plain text and Markdown sources: bytes → str (strict decode chain) → one Block per line.

A .txt file is read line by line; a .md/.markdown file goes, once decoded, through the
CommonMark reader (:mod:`cqanalysis.sources.markdown`), which styles each line by its role.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ..core.blocks import Block
from ..core.errors import InputError
from . import MARKDOWN_SUFFIXES

__all__ = ["decode_text", "read_text_blocks", "text_blocks"]

# Strict decoders tried in order.  GB18030 is a superset of GBK and GB2312, so one entry covers
# the encodings Chinese Windows tools produce.  A detector is only the last resort because it
# guesses wrongly on short texts, where a strict decode failure is a far more reliable signal.
_DECODE_CHAIN = ("utf-8", "gb18030")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters that never occur in a text document (everything below U+0020 except tab,
# newline, carriage return and form feed).
_BINARY_CONTROLS = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r", "\f"}


def decode_text(data: bytes, path: object = "<bytes>") -> str:
    """Decode document bytes: BOM, then strict UTF-8, then strict GB18030, then a detector.

    Raises
    ------
    InputError
        For an empty file, a binary file, or bytes no encoding in the chain decodes.
    """
    if not data.strip():
        raise InputError(path, "empty file (no text)")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(encoding), path)
            except UnicodeDecodeError as exc:
                # utf-8-sig counts error positions after its BOM, utf-16/32 from the start
                start = exc.start + (len(bom) if encoding == "utf-8-sig" else 0)
                line = data[:start].decode(encoding, errors="replace").count("\n") + 1
                reason = f"line {line}: starts with a {encoding} byte-order mark but {exc.reason}"
                raise InputError(path, reason) from None
    if b"\x00" in data:
        raise InputError(path, "binary file (contains NUL bytes), not a text document")
    for encoding in _DECODE_CHAIN:
        try:
            return _check_text(data.decode(encoding), path)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        try:
            data.decode("utf-8")
            where = ""
        except UnicodeDecodeError as exc:
            where = f"line {_line_of(data, exc.start)}: "
        raise InputError(path, f"{where}cannot decode: not UTF-8 (the first bad byte is on "
                               "this line), GB18030/GBK or another known encoding")
    return _check_text(str(best), path)


def _line_of(data: bytes, offset: int) -> int:
    """1-based line of a byte offset (LF, CRLF and CR line ends)."""
    head = data[:offset].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return head.count(b"\n") + 1


def _check_text(text: str, path: object) -> str:
    sample = text[:65536]
    bad = sum(1 for ch in sample if ch in _BINARY_CONTROLS)
    if bad > max(8, len(sample) // 100):
        raise InputError(path, "binary file (control characters), not a text document")
    return text


def text_blocks(text: str) -> list[Block]:
    """One Block per non-blank line; LF, CRLF and CR line ends; form feeds start a new page.

    Line numbers count ``\\n`` after CRLF/CR are normalised, as an editor shows them (not
    ``str.splitlines``, which also breaks on U+2028, U+0085 and other separators).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    paged = "\f" in text
    page = 1
    blocks: list[Block] = []
    append = blocks.append
    for number, raw in enumerate(text.split("\n"), start=1):
        line_page = page
        if paged and "\f" in raw:
            # pdftotext puts the form feed at the start of a page's first line; text on both
            # sides of one stays one block (one line, one owner) on the page where it starts.
            pieces = raw.split("\f")
            page += len(pieces) - 1
            kept = [p for p in pieces if p.strip()]
            line_page = page if not pieces[0].strip() else line_page
            raw = " ".join(kept)
        if raw and not raw.isspace():
            append(Block(raw, number, line_page if paged else None))
    return blocks


def read_text_blocks(path: Path) -> list[Block]:
    """Read a .txt or .md file into blocks (see :func:`decode_text`, :func:`text_blocks`).

    Markdown (``.md``, ``.markdown``) is read by its CommonMark structure
    (:func:`cqanalysis.sources.markdown.markdown_blocks`), other text line by line.
    """
    path = Path(path)
    text = decode_text(path.read_bytes(), path)
    if path.suffix.lower() in MARKDOWN_SUFFIXES:
        from .markdown import markdown_blocks

        return markdown_blocks(text)
    return text_blocks(text)
