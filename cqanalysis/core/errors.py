"""The exceptions cqanalysis raises for bad input, bad structure and bad codebooks."""

from __future__ import annotations

import re

__all__ = ["ArgumentError", "CodebookError", "CqError", "InputError", "ParseError"]


class CqError(Exception):
    """Base class: an error the user can fix by changing the input, not a bug."""


def _one_line(reason: str) -> str:
    # messages of lxml, openpyxl, YAML and pdfminer run over several lines; ours are one line
    return re.sub(r"\s*[\r\n]+\s*", " ", reason).strip()


class InputError(CqError):
    """A source that cannot be read at all (binary, undecodable, empty, unsupported, corrupt)."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = _one_line(reason)
        super().__init__(f"{self.path}: {self.reason}")


class ParseError(CqError):
    """A structural problem found with ``strict=True``; carries file, line and offending text."""

    def __init__(self, path: object, line: int | None, reason: str, text: str = "") -> None:
        self.path = str(path)
        self.line = line
        self.reason = _one_line(reason)
        self.text = text
        where = f"{self.path}:{line}" if line is not None else self.path
        shown = text if len(text) <= 60 else text[:57] + "…"
        super().__init__(f"{where}: {self.reason}" + (f": {shown!r}" if text else ""))


class CodebookError(CqError):
    """An invalid codebook; names the file and the code at fault."""

    def __init__(self, path: object, reason: str, code: str | None = None) -> None:
        self.path = str(path)
        self.code = code
        self.reason = _one_line(reason)
        where = f"{self.path} (code {code!r})" if code else self.path
        super().__init__(f"{where}: {self.reason}")


class ArgumentError(CqError, ValueError):
    """An option value no run could use (``jobs=0``); a :class:`ValueError` as well, so code
    that catches either keeps working."""
