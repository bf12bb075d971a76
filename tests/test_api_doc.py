"""docs/api.md is generated from the docstrings (docs/make_api.py) and must be up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _make_api():
    spec = importlib.util.spec_from_file_location("make_api", DOCS / "make_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_is_up_to_date():
    current = (DOCS / "api.md").read_text(encoding="utf-8")
    assert current == _make_api().render(), "run: python docs/make_api.py"


def test_api_reference_covers_the_new_public_functions():
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    for name in ("write_qdpx", "read_qdpx", "write_qdc", "read_qdc", "write_word_document",
                 "code_presence", "coded_segments", "codebook_table", "parse_corpus"):
        assert f"### `{name}(" in text
    assert "**Parameters**" in text and "0x" not in text
