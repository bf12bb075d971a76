"""Helpers the Word, PDF, spreadsheet and HTML readers share: notes, file and package checks."""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..core.blocks import Block
from ..core.errors import InputError
from ..core.limits import Limits, exceeded
from ..core.text import is_wide, join_wrapped

__all__ = [
    "SourceBlocks",
    "check_file",
    "check_package",
    "check_source",
    "count_xml_elements",
    "file_sha256",
    "is_wide",
    "join_wrapped",
    "looks_like_text",
    "one_line",
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


def one_line(text: object, limit: int = 200) -> str:
    """``text`` on one line (third-party messages run over several), shortened to ``limit``."""
    flat = re.sub(r"\s+", " ", str(text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


#: Files read whole as text, bounded by ``Limits.max_text_bytes``.
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".csv", ".html", ".htm"})


def check_file(path: Path, limits: Limits) -> int:
    """Return the size of ``path``; raise :class:`InputError` unless it is a regular file
    with 1 to ``limits.max_file_bytes`` bytes.

    A FIFO would block a reader forever and ``/dev/zero`` never ends, so nothing may open a
    path before this check passes (symbolic links are followed to what they point at).
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read the file ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(path, "is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(path, "not a regular file (a device, FIFO or socket); not read")
    if st.st_size == 0:
        raise InputError(path, "empty file (0 bytes)")
    if st.st_size > limits.max_file_bytes:
        raise exceeded(path, "max_file_bytes", f"file too large ({st.st_size:,} bytes)")
    if path.suffix.lower() in TEXT_SUFFIXES and st.st_size > limits.max_text_bytes:
        raise exceeded(path, "max_text_bytes", f"text file too large ({st.st_size:,} bytes)")
    return st.st_size


def file_sha256(path: Path, limits: Limits) -> str | None:
    """SHA-256 of a regular file within the size limit (empty included), else ``None``."""
    from ..core.io import file_sha256 as sha256

    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limits.max_file_bytes:
            return None
        return sha256(path)
    except (OSError, InputError):
        return None


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
        raise InputError(path, f"empty file (0 bytes): not {kind}")
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
        return f"a plain-text file with a {suffix} name, not {kind}; rename it to .txt"
    return f"not {kind} ({suffix} files are ZIP packages; this one is not)"


_PACKAGE_KINDS = (
    ("word/document.xml", "a Word document"),
    ("xl/workbook.xml", "an Excel workbook"),
    ("ppt/presentation.xml", "a PowerPoint presentation"),
)


def check_package(path: Path, member: str, kind: str, suffix: str, limits: Limits) -> None:
    """Raise :class:`InputError` unless ``path`` is a complete ZIP holding ``member``, within
    the entry and uncompressed-size limits.

    The sizes come from the ZIP directory; :mod:`zipfile` (which python-docx and openpyxl
    read through) stops inflating a member at its declared size, so a member cannot grow
    past what is checked here.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise InputError(
            path, f"corrupt or truncated {suffix}: the ZIP archive is incomplete ({one_line(exc)})"
        ) from None
    if len(infos) > limits.max_zip_entries:
        raise exceeded(path, "max_zip_entries", f"the package has {len(infos):,} members")
    total = sum(info.file_size for info in infos)
    if total > limits.max_unzipped_bytes:
        raise exceeded(path, "max_unzipped_bytes", f"the package unpacks to {total:,} bytes")
    names = {info.filename for info in infos}
    if member not in names:
        what = next((name for m, name in _PACKAGE_KINDS if m in names), "a ZIP archive")
        raise InputError(path, f"{what} with a {suffix} name, not {kind}")


def count_xml_elements(path: Path, limits: Limits, what: str) -> None:
    """Stream every XML part of the package once and raise :class:`InputError` if together
    they hold more than ``limits.max_xml_elements`` elements, before any reader builds a tree.

    A few hundred kilobytes of ZIP can hold millions of empty paragraphs; counting in a
    streaming pass keeps memory flat however many there are.
    """
    from xml.parsers import expat

    count = 0
    member = ""
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                member = info.filename
                if not member.lower().endswith((".xml", ".rels")):
                    continue
                with zf.open(info) as fh:
                    count = _count_elements(fh, count, limits.max_xml_elements)
    except OverflowError:
        raise exceeded(path, "max_xml_elements",
                       f"{what} holds over {limits.max_xml_elements:,} XML elements") from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as exc:
        raise InputError(path, f"damaged package: {member} cannot be unpacked ({one_line(exc)})"
                         ) from None
    except expat.ExpatError as exc:
        raise InputError(path, f"{what}: {member} is not well-formed XML ({one_line(exc)})"
                         ) from None


def _count_elements(fh: Any, count: int, limit: int) -> int:
    """Add the elements of one XML stream to ``count`` (expat: no tree, no entities)."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    seen = [count]

    def start(name: str, attrs: Any) -> None:
        seen[0] += 1
        if seen[0] > limit:
            raise OverflowError

    parser.StartElementHandler = start
    parser.ParseFile(fh)
    return seen[0]
