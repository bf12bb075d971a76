"""Display widths of CJK text and names that are safe as Excel sheets, Excel tables and files."""

from __future__ import annotations

import re

from ..core.text import display_width

__all__ = [
    "REPLACEMENT",
    "clip_utf16",
    "display_width",
    "escape_cdata",
    "safe_filename",
    "sheet_title",
    "table_name",
    "xml_safe",
]

# Excel forbids these in sheet names; control characters are not valid XML either.
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
# Windows forbids these in file names; keeping to the strictest file system makes the output
# folder portable (a thesis folder often travels on a USB stick to a Windows machine).
_BAD_FILE_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_WINDOWS_RESERVED = {
    "CON", "PRN", "AUX", "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}  # fmt: skip
_SHEET_MAX = 31

#: What an XML-illegal character becomes: visible, so the reader sees something was there.
REPLACEMENT = "\ufffd"
# Characters XML 1.0 forbids (C0 controls but tab, LF, CR; lone surrogates; U+FFFE, U+FFFF),
# plus DEL, which XML allows but no reader can show.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# Word's manual line break (vertical tab) and a form feed are breaks, not garbage.
_BREAKS = {"\x0b", "\x0c"}


def escape_cdata(text: str) -> str:
    """Character data as lxml serialises it: ``& < >`` escaped and a carriage return as
    ``&#13;``, so that it parses back to ``text`` exactly (Word XML, sheet rows)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def xml_safe(text: str, *, line_break: str = "\n") -> tuple[str, int]:
    """``text`` with every XML-illegal character replaced, and how many were not line breaks.

    Word, REFI-QDA XML and LaTeX all use this one rule: ``\\x0b`` (Word's manual line break)
    and ``\\f`` become ``line_break``; every other character XML 1.0 forbids (C0 controls
    other than tab, LF and CR; lone surrogates; U+FFFE; U+FFFF) and DEL becomes
    :data:`REPLACEMENT` (U+FFFD ``�``), so nothing vanishes silently.  Each character is
    replaced by one character (with the default ``line_break``), so character offsets into
    the text stay valid.  The count lets a writer note the replacements under a table.

    >>> xml_safe("a\x0bb\x1bc")
    ('a\\nb�c', 1)
    """
    replaced = 0

    def swap(match: re.Match[str]) -> str:
        nonlocal replaced
        if match.group() in _BREAKS:
            return line_break
        replaced += 1
        return REPLACEMENT

    return _XML_ILLEGAL.sub(swap, text), replaced


def clip_utf16(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` UTF-16 code units (Excel counts lengths that way)."""
    out, used = [], 0
    for ch in text:
        units = 2 if ord(ch) > 0xFFFF else 1
        if used + units > limit:
            break
        out.append(ch)
        used += units
    return "".join(out)


def _unique(base: str, used: set[str], limit: int, fmt: str) -> str:
    """``base`` or ``base`` with a numbered suffix, unique case-insensitively within ``used``."""
    name, k = base, 2
    while name.casefold() in used:
        suffix = fmt.format(k)
        name = clip_utf16(base, limit - len(suffix)) + suffix
        k += 1
    used.add(name.casefold())
    return name


def sheet_title(name: object, used: set[str]) -> str:
    """A valid, unique Excel sheet name for ``name``; records it in ``used``.

    Excel's rules: 1–31 characters, none of ``[]:*?/\\``, not beginning or ending with an
    apostrophe, not ``History``, unique ignoring case. Chinese is allowed and kept.
    """
    base = _BAD_SHEET_CHARS.sub("_", str(name)).strip()
    base = clip_utf16(base, _SHEET_MAX).strip().strip("'") or "Sheet"
    if base.casefold() == "history":
        base = "History_"
    return _unique(base, used, _SHEET_MAX, " ({})")


def table_name(name: object, used: set[str]) -> str:
    """A valid, unique Excel table (ListObject) name for ``name``; records it in ``used``.

    Excel's rules: begins with a letter or underscore, then letters, digits, underscores or
    periods, no spaces, not a cell reference (``A1``, ``R1C1``), unique ignoring case. The
    ``tbl_`` prefix makes the first two rules and the cell-reference rule hold for any input.
    """
    body = re.sub(r"[^\w.]", "_", str(name))
    return _unique(f"tbl_{body}"[:200], used, 255, "_{}")


def safe_filename(stem: str, used: set[str], *, suffix: str, limit: int = 80) -> str:
    """A file name from ``stem`` that is valid on Windows, macOS and Linux, unique in ``used``.

    Chinese characters are kept; forbidden characters and spaces become ``_``; the name is cut to
    ``limit`` characters (many Chinese characters still fit common 255-byte limits).
    """
    base = _BAD_FILE_CHARS.sub("_", stem)
    # Spaces become underscores: such names need no quoting in shells or in LaTeX's \input.
    base = re.sub(r"\s+", "_", base.strip()).rstrip(".") or "table"
    base = base[:limit].rstrip(".")
    if base.split(".")[0].upper() in _WINDOWS_RESERVED:
        base = f"_{base}"
    name, k = base + suffix, 2
    while name.casefold() in used:
        name = f"{base}_{k}{suffix}"
        k += 1
    used.add(name.casefold())
    return name
