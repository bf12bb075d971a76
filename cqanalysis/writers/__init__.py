"""Writers for papers: the Excel appendix, Word three-line tables and LaTeX booktabs tables.

Each writer takes DataFrames computed elsewhere and only lays them out. The submodules import
openpyxl or python-docx, so they load on first use (PEP 562), like the package itself.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "normalize_ooxml",
    "read_appendix",
    "write_appendix",
    "write_latex_tables",
    "write_qdc",
    "write_qdpx",
    "write_word_document",
    "write_word_tables",
]

_LAZY = {
    "read_appendix": "cqanalysis.writers.appendix",
    "write_appendix": "cqanalysis.writers.appendix",
    "write_word_tables": "cqanalysis.writers.word",
    "write_latex_tables": "cqanalysis.writers.latex",
    "normalize_ooxml": "cqanalysis.writers._xlsx",
    "write_qdc": "cqanalysis.writers.refi",
    "write_qdpx": "cqanalysis.writers.refi",
    "write_word_document": "cqanalysis.writers.word",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cqanalysis.writers' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
