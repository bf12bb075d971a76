"""Readers that turn a source file of any supported kind into parser Blocks."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from ..core.blocks import Block, Source
from ..core.errors import CqError, InputError
from ..core.limits import DEFAULT_LIMITS, Limits
from ._common import check_file, file_sha256, one_line

__all__ = [
    "MARKDOWN_SUFFIXES",
    "MAX_BYTES",
    "SUFFIXES",
    "check_file",
    "file_sha256",
    "read",
    "read_blocks",
]

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

#: Readers that take ``limits`` (text and HTML readers have nothing to bound but the size).
_LIMITED = frozenset({"docx", "pdf", "sheet"})

#: Sources larger than this are refused by default (``Limits.max_file_bytes``): a
#: recommendation chapter is kilobytes, a 200 MB "document" is a mistake that would otherwise
#: exhaust memory in a corpus run.
MAX_BYTES = DEFAULT_LIMITS.max_file_bytes


def read_blocks(path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> list[Block]:
    """Read ``path`` into parser blocks, choosing the reader by file suffix.

    Parameters
    ----------
    path
        The source file; it must be a regular file (not a device, FIFO or socket).
    limits
        Resource limits checked before the work they bound (:class:`~cqanalysis.Limits`).

    Raises
    ------
    InputError
        Missing file, directory, special file, unsupported suffix, a breached limit, or
        anything the reader rejects; always one line.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        supported = " ".join(sorted(_READERS))
        kind = suffix or "(none)"
        raise InputError(path, f"unsupported file type {kind}; supported: {supported}")
    check_file(path, limits)
    module_name, func_name = _READERS[suffix]
    try:
        module = importlib.import_module(f"{__name__}.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith(__name__):
            raise InputError(path, f"no reader for {suffix} files in this version") from None
        raise
    reader = getattr(module, func_name)
    try:
        blocks: list[Block] = (reader(path, limits=limits) if module_name in _LIMITED
                               else reader(path))
        return blocks
    except CqError:
        raise
    except MemoryError:
        raise InputError(path, "out of memory while reading; the file is too complex") from None
    except RecursionError:
        raise InputError(path, "nested too deeply to read") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read: {one_line(exc)}") from None
    except Exception as exc:  # a damaged file trips a library on a path we did not foresee
        raise InputError(path, f"damaged {suffix} file ({type(exc).__name__}: "
                               f"{one_line(exc, 120)})") from None


def read(path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> Source:
    """Read ``path`` into a :class:`~cqanalysis.core.blocks.Source`: blocks, kind and notes.

    The one way in for :func:`cqanalysis.parse` and :func:`cqanalysis.parse_corpus`.

    Raises
    ------
    InputError
        As :func:`read_blocks`.
    """
    path = Path(path)
    blocks = read_blocks(path, limits=limits)
    return Source(path=str(path), blocks=blocks,
                  markdown=path.suffix.lower() in MARKDOWN_SUFFIXES,
                  notes=tuple(getattr(blocks, "notes", ())))
