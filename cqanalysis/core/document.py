"""The parsed result: a document (or a corpus) as a set of tidy pandas DataFrames."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .schema import FRAME_COLUMNS, PARSE_FRAMES

__all__ = ["Corpus", "Document", "empty_frame"]


def empty_frame(name: str) -> pd.DataFrame:
    """An empty frame with the contract's columns for ``name``."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in FRAME_COLUMNS[name]})


@dataclass(frozen=True, repr=False)
class _Frames:
    sections: pd.DataFrame
    tables: pd.DataFrame
    rows: pd.DataFrame
    items: pd.DataFrame
    paragraphs: pd.DataFrame
    residue: pd.DataFrame
    cells: pd.DataFrame = field(default_factory=lambda: empty_frame("cells"))
    warnings: tuple[str, ...] = ()

    def frames(self) -> dict[str, pd.DataFrame]:
        """The parse frames by name, in contract order."""
        return {name: getattr(self, name) for name in PARSE_FRAMES}

    def _summary(self) -> str:
        return ", ".join(f"{len(df)} {name}" for name, df in self.frames().items())


@dataclass(frozen=True, repr=False)
class Document(_Frames):
    """One parsed source document.

    Attributes
    ----------
    sections, tables, rows, items, paragraphs, residue, cells
        The tidy frames of the data contract (see ``cqanalysis.core.schema.FRAME_COLUMNS``).
    warnings
        Structural problems met in lenient mode, each ``"path:line: reason"``.
    doc_id, path
        Stable document id and the source path (``None`` for text parsed from a string).
    text
        The document's plain text: its source blocks' texts joined by newlines, the same for
        every source kind.  ``start``/``end`` of rows, cells, items and paragraphs are
        character offsets into it (``doc.text[start:end]`` is the record's source lines).
    block_lines
        The provenance line of each source block, in order: for a text file, the lines that
        hold text.  A record's span ``line..line_end`` may run over blank lines (a
        fixed-width table row split by a page break), which no frame owns
        (:func:`cqanalysis.parse.accounting.line_owners`).
    """

    doc_id: str = ""
    path: str | None = None
    text: str = field(default="", compare=False)
    block_lines: tuple[int, ...] = field(default=(), compare=False)

    def __repr__(self) -> str:
        return f"<Document {self.doc_id!r}: {self._summary()}>"


@dataclass(frozen=True, repr=False)
class Corpus(_Frames):
    """Many parsed documents: the same frames stacked, plus ``documents`` and ``errors``.

    ``documents`` has one row per source (doc_id, path, sha256, plus manifest variables such as
    year or region); ``errors`` one row per source that could not be read (doc_id, path, error).
    """

    documents: pd.DataFrame = field(default_factory=pd.DataFrame)
    errors: pd.DataFrame = field(default_factory=lambda: empty_frame("errors"))

    def frames(self) -> dict[str, pd.DataFrame]:
        return {**super().frames(), "errors": self.errors}

    def __repr__(self) -> str:
        return f"<Corpus {len(self.documents)} documents: {self._summary()}>"
