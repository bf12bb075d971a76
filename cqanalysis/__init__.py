"""cqanalysis: policy recommendation chapters as tidy data.

Parse a recommendation chapter (.txt .md .docx .pdf .xlsx .csv) into tidy pandas DataFrames
with provenance, split cells into clauses, code them with a codebook, cross-tabulate, link
tables to narrative items, check intercoder agreement, and write figures, an Excel appendix
and Word/LaTeX tables.

``import cqanalysis`` stays light: the plotting and office-format modules (matplotlib,
openpyxl, python-docx, pdfplumber) are imported only when first used.
"""

from __future__ import annotations

import importlib
from typing import Any

from .core.document import Corpus, Document
from .core.errors import ArgumentError, CodebookError, CqError, InputError, ParseError
from .core.limits import Limits
from .core.version import __version__

# Imported eagerly, and after the subpackage, so that the name ``cqanalysis.parse`` is the
# function: Python binds a subpackage to its parent's attribute only when first loading it.
from .parse import ParseOptions, ParseWarning, parse, parse_blocks, parse_text

# name -> module that defines it; resolved on first attribute access (PEP 562) so that the
# heavy dependencies of analysis and output modules load only when used.
_LAZY: dict[str, str] = {
    "parse_corpus": "cqanalysis.corpus",
    "explode_clauses": "cqanalysis.clauses",
    "load_codebook": "cqanalysis.codebook",
    "default_codebooks": "cqanalysis.codebook",
    "Codebook": "cqanalysis.codebook",
    "code_units": "cqanalysis.coding",
    "coding_units": "cqanalysis.coding",
    "crosstab": "cqanalysis.crosstabs",
    "chi2_test": "cqanalysis.crosstabs",
    "cooccurrence": "cqanalysis.crosstabs",
    "link_items": "cqanalysis.links",
    "cohen_kappa": "cqanalysis.agreement",
    "krippendorff_alpha": "cqanalysis.agreement",
    "percent_agreement": "cqanalysis.agreement",
    "agreement_report": "cqanalysis.agreement",
    "disagreements": "cqanalysis.agreement",
    "write_coding_sheet": "cqanalysis.codingsheet",
    "read_coding_sheets": "cqanalysis.codingsheet",
    "write_appendix": "cqanalysis.writers.appendix",
    "write_word_tables": "cqanalysis.writers.word",
    "write_latex_tables": "cqanalysis.writers.latex",
    "build": "cqanalysis.builder",
    "analyse": "cqanalysis.analysis",
    "Analysis": "cqanalysis.analysis",
    "read_manifest": "cqanalysis.corpus",
    "stream_corpus": "cqanalysis.stream",
    "open_corpus": "cqanalysis.stream",
    "split_clauses": "cqanalysis.clauses",
    "uncoded": "cqanalysis.coding",
    "unit_codes": "cqanalysis.coding",
    "rollup": "cqanalysis.coding",
    "alpha_bootstrap": "cqanalysis.agreement",
    "coding_matrix": "cqanalysis.agreement",
    "line_owners": "cqanalysis.parse.accounting",
    "code_network": "cqanalysis.analysis",
    "code_groups": "cqanalysis.analysis",
    "flows": "cqanalysis.analysis",
    "measure_instruments": "cqanalysis.analysis",
    "rolled_codings": "cqanalysis.analysis",
    "instrument_types": "cqanalysis.analysis",
    "CROSSTABS": "cqanalysis.analysis",
    "CrosstabSpec": "cqanalysis.analysis",
    "export": "cqanalysis.exporters",
    "register_exporter": "cqanalysis.exporters",
    "codebook_frames": "cqanalysis.codebook",
    "write_qdc": "cqanalysis.writers.refi",
    "write_qdpx": "cqanalysis.writers.refi",
    "read_qdc": "cqanalysis.refi_read",
    "read_qdpx": "cqanalysis.refi_read",
    "write_word_document": "cqanalysis.writers.word",
    "code_presence": "cqanalysis.qda",
    "coded_segments": "cqanalysis.qda",
    "codebook_table": "cqanalysis.qda",
    "unit_offsets": "cqanalysis.offsets",
    "document_texts": "cqanalysis.offsets",
    "source_blocks": "cqanalysis.offsets",
    "suggest_keywords": "cqanalysis.learn",
    "machine_agreement": "cqanalysis.learn",
    "coverage_summary": "cqanalysis.learn",
    "keyword_patch": "cqanalysis.learn",
    "extend_codebook": "cqanalysis.learn",
    "tidy_codings": "cqanalysis.learn",
    "review_order": "cqanalysis.checking",
    "apply_checks": "cqanalysis.checking",
}

_SUBMODULES = {"figures", "writers", "sources", "analysis"}

__all__ = [
    "ArgumentError",
    "CodebookError",
    "Corpus",
    "CqError",
    "Document",
    "InputError",
    "Limits",
    "ParseError",
    "ParseOptions",
    "ParseWarning",
    "__version__",
    "parse",
    "parse_blocks",
    "parse_text",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"cqanalysis.{name}")
    raise AttributeError(f"module 'cqanalysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_SUBMODULES})
