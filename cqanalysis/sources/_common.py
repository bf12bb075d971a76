"""Helpers the Word, PDF, spreadsheet and HTML readers share: notes, file and package checks."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

from ..core.blocks import Block
from ..core.errors import InputError
from ..core.text import is_wide, join_wrapped

__all__ = [
    "SourceBlocks",
    "check_package",
    "check_source",
    "is_wide",
    "join_wrapped",
    "looks_like_text",
    "zip_reason",
]


class SourceBlocks(list[Block]):
    """A list of blocks that also carries reader notes.

    Readers skip things that hold no text (an empty table row, a repeated table header on a
    continuation page) and say so here instead of through :mod:`warnings` (which the test suite
    turns into errors).  The parser copies ``notes`` into ``Document.warnings``.

    Attributes
    ----------
    notes
        One ``"path:line: what was skipped"`` string per skipped item, in source order.
    """

    notes: list[str]

    def __init__(self, blocks: Iterable[Block] = (), notes: Iterable[str] = ()) -> None:
        super().__init__(blocks)
        self.notes = list(notes)


def check_source(path: Path, kind: str) -> bytes:
    """Return the first bytes of ``path``; raise :class:`InputError` if it is missing or empty."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read the file ({exc.strerror or exc})") from None
    if not head:
        raise InputError(path, f"empty file (0 bytes): not a {kind}")
    return head


def looks_like_text(head: bytes) -> bool:
    if b"\x00" in head[:1024]:
        return False
    for enc in ("utf-8", "gb18030"):
        try:
            head[:4000].decode(enc)
        except UnicodeDecodeError as exc:
            # a multi-byte character cut at the end of the sample is still text
            if exc.start >= len(head[:4000]) - 4:
                return True
            continue
        return True
    return False


def zip_reason(path: Path, head: bytes, kind: str, suffix: str) -> str | None:
    """Why ``head`` cannot be an Office Open XML package (``None`` if it may be one)."""
    if head.startswith(b"PK\x03\x04"):
        return None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return (
            f"an old-style (OLE) file, not a {suffix}: a legacy Office 97-2003 file or a "
            f"password-protected one; save it as an unprotected {suffix}"
        )
    if looks_like_text(head):
        return f"a plain-text file with a {suffix} name, not a {kind}; rename it to .txt"
    return f"not a {kind} ({suffix} files are ZIP packages; this one is not)"


_PACKAGE_KINDS = (
    ("word/document.xml", "a Word document"),
    ("xl/workbook.xml", "an Excel workbook"),
    ("ppt/presentation.xml", "a PowerPoint presentation"),
)


def check_package(path: Path, member: str, kind: str, suffix: str) -> None:
    """Raise :class:`InputError` unless ``path`` is a complete ZIP holding ``member``."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise InputError(
            path, f"corrupt or truncated {suffix}: the ZIP archive is incomplete ({exc})"
        ) from None
    if member not in names:
        what = next((name for m, name in _PACKAGE_KINDS if m in names), "a ZIP archive")
        raise InputError(path, f"{what} with a {suffix} name, not {kind}")
