"""Markdown read as Markdown: tests/fixtures/markdown/<case>.md beside <case>.yaml.

Every expected value in the YAML files was written by hand from reading the fixture text.
Besides the frames, a fixture may list the reader's ``blocks`` as ``[line, style, text]``
(and ``cells`` for table rows as ``[line, [cells...]]``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml

import cqanalysis as cq
from cqanalysis.parse.accounting import line_owners
from cqanalysis.sources.markdown import markdown_blocks
from cqanalysis.sources.text import decode_text

from .conftest import FIXTURES

CASES = sorted((FIXTURES / "markdown").glob("*.yaml"))


def _na(value: object) -> object:
    return None if value is None or value is pd.NA or (isinstance(value, float) and
                                                        pd.isna(value)) else value


def _records(df: pd.DataFrame, columns: list[str]) -> list[list[object]]:
    return [[_na(v) for v in row] for row in df[columns].itertuples(index=False)]


@pytest.fixture(params=CASES, ids=[c.stem for c in CASES])
def case(request: pytest.FixtureRequest) -> tuple[dict, cq.Document, Path]:
    spec = yaml.safe_load(request.param.read_text(encoding="utf-8"))
    source = request.param.with_suffix(".md")
    return spec, cq.parse(source, doc_id=request.param.stem), source


def test_sections(case):
    spec, doc, _ = case
    cols = ["section_no", "level", "title", "subtitle", "inferred"]
    assert _records(doc.sections, cols) == spec["sections"]
    if "section_numbering" in spec:
        assert doc.sections["numbering"].tolist() == spec["section_numbering"]


def test_tables(case):
    spec, doc, _ = case
    cols = ["table_id", "section_no", "title", "header", "n_rows", "line", "header_line"]
    assert _records(doc.tables, cols) == spec["tables"]


def test_rows(case):
    spec, doc, _ = case
    cols = ["table_id", "row_no", "direction", "measure", "outcome"]
    assert _records(doc.rows, cols) == spec["rows"]
    if "row_lines" in spec:
        assert _records(doc.rows, ["line", "line_end"]) == spec["row_lines"]


def test_items(case):
    spec, doc, _ = case
    assert _records(doc.items, ["section_no", "item_no", "title", "line"]) == spec["items"]
    if "item_numbering" in spec:
        assert doc.items["numbering"].tolist() == spec["item_numbering"]
    if "item_bodies" in spec:
        assert doc.items["body"].tolist() == spec["item_bodies"]


def test_paragraphs(case):
    spec, doc, _ = case
    assert _records(doc.paragraphs, ["section_no", "kind", "line"]) == spec["paragraphs"]
    if "paragraph_texts" in spec:
        assert doc.paragraphs["text"].tolist() == spec["paragraph_texts"]


def test_residue(case):
    spec, doc, _ = case
    assert _records(doc.residue, ["line", "reason"]) == spec["residue"]
    if "residue_texts" in spec:
        assert doc.residue["text"].tolist() == spec["residue_texts"]


def test_warnings(case):
    spec, doc, _ = case
    assert len(doc.warnings) == spec.get("warnings", 0), doc.warnings


def test_reader_blocks(case):
    spec, _, source = case
    if "blocks" not in spec and "cells" not in spec:
        pytest.skip("no reader expectations in this fixture")
    blocks = markdown_blocks(decode_text(source.read_bytes(), source))
    by_line = {b.line: b for b in blocks}
    for line, style, text in spec.get("blocks", []):
        assert (by_line[line].style, by_line[line].text) == (style, text), line
    for line, cells in spec.get("cells", []):
        assert list(by_line[line].cells or ()) == cells, line


def test_every_nonblank_line_is_accounted_for_exactly_once(case):
    _, doc, source = case
    text = decode_text(source.read_bytes(), source)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    expected = {n for n, line in enumerate(lines, 1) if line.strip(" \t\u3000\f\ufeff")}
    claims = Counter(line_owners(doc)["line"].tolist())
    assert set(claims) == expected
    assert {n: c for n, c in claims.items() if c != 1} == {}
