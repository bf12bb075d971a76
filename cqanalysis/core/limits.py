"""Resource limits on one source document, checked before the work they bound.

A hostile or damaged file (a ZIP bomb, a spreadsheet claiming a million rows, a Word table
cell spanning thirty million columns, a PDF stream inflating to gigabytes) must fail fast with
one line naming the limit, not exhaust a worker's memory or run for hours.  The defaults fit a
worker with 2 cores and 2 GB of memory and are far above any real recommendation chapter.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields

from .errors import CqError, InputError

__all__ = ["DEFAULT_LIMITS", "Deadline", "Limits", "exceeded"]

_MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Limits on one source document (``ParseOptions.limits``); each breach is an InputError.

    Parameters
    ----------
    max_file_bytes
        Size of the file on disk (200 MiB).
    max_text_bytes
        Size of a file read as text: .txt, .md, .csv, .html (32 MiB, about 11 million Chinese
        characters).  Parsing holds a few objects per line, so memory grows about 15× the
        text; 32 MiB stays under 1 GB and a minute on a 2-core machine.
    max_unzipped_bytes
        Total uncompressed size of the members of a .docx/.xlsx package, read from the ZIP
        directory before any member is opened (128 MiB).
    max_zip_entries
        Members of a .docx/.xlsx package (10,000).
    max_xml_elements
        XML elements of the main part of a .docx (``word/document.xml``) or of one sheet of a
        .xlsx, counted in a streaming pass before the part is loaded (1,000,000; a 300-page
        report has about 150,000).
    max_columns
        Columns of a Word table row (grid spans included) or of a spreadsheet (1,000; Word
        allows 63, Excel 16,384).
    max_rows
        Rows of one spreadsheet, merged ranges included (100,000).
    max_cells
        Cells of the rectangle a spreadsheet's cells and merged ranges span (1,000,000).
    max_list_number
        Start value of a Word list numbering (32,767, Word's own maximum).
    max_pages
        Pages of a PDF (2,000).
    max_decoded_bytes
        Total decoded size of a PDF's compressed streams other than images, measured while
        inflating in a pass before the PDF is parsed (64 MiB).
    max_stream_tokens
        Operators and operands in one content stream of a PDF (a page or a form drawn on
        it), counted in the same pass (2,000,000; a dense page of text has about 10,000).
    timeout
        Seconds of reading per document, ``None`` for no limit (the default).  Checked
        between pages, paragraphs and rows, so a step already running finishes first.
    """

    max_file_bytes: int = 200 * _MIB
    max_text_bytes: int = 32 * _MIB
    max_unzipped_bytes: int = 128 * _MIB
    max_zip_entries: int = 10_000
    max_xml_elements: int = 1_000_000
    max_columns: int = 1_000
    max_rows: int = 100_000
    max_cells: int = 1_000_000
    max_list_number: int = 32_767
    max_pages: int = 2_000
    max_decoded_bytes: int = 64 * _MIB
    max_stream_tokens: int = 2_000_000
    timeout: float | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.name == "timeout":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise CqError(f"Limits.{f.name} must be a positive number, not {value!r}")

    def deadline(self, path: object) -> Deadline:
        """A :class:`Deadline` for reading ``path`` under :attr:`timeout`."""
        return Deadline(path, self.timeout)


DEFAULT_LIMITS = Limits()


def exceeded(path: object, name: str, what: str) -> InputError:
    """The error for a breach of limit ``name``: ``what`` says what was found."""
    return InputError(path, f"{what}: over the limit {name} (cqanalysis.Limits)")


class Deadline:
    """Wall-clock budget of one document; :meth:`check` raises once it is spent."""

    __slots__ = ("end", "path", "seconds")

    def __init__(self, path: object, seconds: float | None) -> None:
        self.path = path
        self.seconds = seconds
        self.end = None if seconds is None else time.monotonic() + seconds

    def check(self) -> None:
        """Raise :class:`InputError` naming the ``timeout`` limit if the time is up."""
        if self.end is not None and time.monotonic() > self.end:
            raise exceeded(self.path, "timeout", f"reading took over {self.seconds:g} s")
