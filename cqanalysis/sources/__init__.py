"""Readers that turn a source file of any supported kind into parser Blocks."""

from __future__ import annotations

import importlib
from pathlib import Path

from ..core.blocks import Block, Source
from ..core.errors import InputError

__all__ = ["MARKDOWN_SUFFIXES", "MAX_BYTES", "SUFFIXES", "read", "read_blocks"]

#: suffix -> (module, function); modules import their heavy dependency only when used.
_READERS: dict[str, tuple[str, str]] = {
    ".txt": ("text", "read_text_blocks"),
    ".md": ("text", "read_text_blocks"),
    ".markdown": ("text", "read_text_blocks"),
    ".docx": ("docx", "read_docx_blocks"),
    ".pdf": ("pdf", "read_pdf_blocks"),
    ".xlsx": ("sheet", "read_sheet_blocks"),
    ".csv": ("sheet", "read_sheet_blocks"),
    ".html": ("html", "read_html_blocks"),
    ".htm": ("html", "read_html_blocks"),
}
SUFFIXES = tuple(_READERS)
MARKDOWN_SUFFIXES = (".md", ".markdown")

#: Sources larger than this are refused: a recommendation chapter is kilobytes, a 200 MB
#: "document" is a mistake that would otherwise exhaust memory in a corpus run.
MAX_BYTES = 200 * 1024 * 1024


def read_blocks(path: str | Path) -> list[Block]:
    """Read ``path`` into parser blocks, choosing the reader by file suffix.

    Raises
    ------
    InputError
        Missing file, directory, unsupported suffix, oversize, or anything the reader rejects.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        supported = " ".join(sorted(_READERS))
        kind = suffix or "(none)"
        raise InputError(path, f"unsupported file type {kind}; supported: {supported}")
    if not path.exists():
        raise InputError(path, "no such file")
    if not path.is_file():
        raise InputError(path, "not a file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(path, "empty file (0 bytes)")
    if size > MAX_BYTES:
        raise InputError(path, f"file too large ({size} bytes; limit {MAX_BYTES})")
    module_name, func_name = _READERS[suffix]
    try:
        module = importlib.import_module(f"{__name__}.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith(__name__):
            raise InputError(path, f"no reader for {suffix} files in this version") from None
        raise
    reader = getattr(module, func_name)
    try:
        return reader(path)
    except InputError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read: {exc}") from None


def read(path: str | Path) -> Source:
    """Read ``path`` into a :class:`~cqanalysis.core.blocks.Source`: blocks, kind and notes.

    The one way in for :func:`cqanalysis.parse` and :func:`cqanalysis.parse_corpus`.

    Raises
    ------
    InputError
        As :func:`read_blocks`.
    """
    path = Path(path)
    blocks = read_blocks(path)
    return Source(path=str(path), blocks=blocks,
                  markdown=path.suffix.lower() in MARKDOWN_SUFFIXES,
                  notes=tuple(getattr(blocks, "notes", ())))
