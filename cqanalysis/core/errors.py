"""The exceptions cqanalysis raises for bad input, bad structure and bad codebooks."""

from __future__ import annotations

__all__ = ["CodebookError", "CqError", "InputError", "ParseError"]


class CqError(Exception):
    """Base class: an error the user can fix by changing the input, not a bug."""


class InputError(CqError):
    """A source that cannot be read at all (binary, undecodable, empty, unsupported, corrupt)."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ParseError(CqError):
    """A structural problem found with ``strict=True``; carries file, line and offending text."""

    def __init__(self, path: object, line: int | None, reason: str, text: str = "") -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        self.text = text
        where = f"{self.path}:{line}" if line is not None else self.path
        shown = text if len(text) <= 60 else text[:57] + "…"
        super().__init__(f"{where}: {reason}" + (f": {shown!r}" if text else ""))


class CodebookError(CqError):
    """An invalid codebook; names the file and the code at fault."""

    def __init__(self, path: object, reason: str, code: str | None = None) -> None:
        self.path = str(path)
        self.code = code
        self.reason = reason
        where = f"{self.path} (code {code!r})" if code else self.path
        super().__init__(f"{where}: {reason}")
