"""Fixture-driven parser tests: tests/fixtures/parse/<case>.txt|md beside <case>.yaml.

Every expected value in the YAML files was written by hand from reading the fixture text.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml

import cqanalysis as cq
from cqanalysis.parse.accounting import line_owners
from cqanalysis.sources.text import decode_text

from .conftest import FIXTURES

CASES = sorted(p for p in (FIXTURES / "parse").glob("*.yaml"))


def _source(case: Path) -> Path:
    spec = yaml.safe_load(case.read_text(encoding="utf-8"))
    if "source" in spec:
        return (case.parent / spec["source"]).resolve()
    for suffix in (".txt", ".md"):
        if case.with_suffix(suffix).exists():
            return case.with_suffix(suffix)
    raise FileNotFoundError(case)


def _na(value: object) -> object:
    return None if value is None or value is pd.NA or (isinstance(value, float) and
                                                        pd.isna(value)) else value


def _records(df: pd.DataFrame, columns: list[str]) -> list[list[object]]:
    return [[_na(v) for v in row] for row in df[columns].itertuples(index=False)]


@pytest.fixture(params=CASES, ids=[c.stem for c in CASES])
def case(request: pytest.FixtureRequest) -> tuple[dict, cq.Document, Path]:
    spec = yaml.safe_load(request.param.read_text(encoding="utf-8"))
    source = _source(request.param)
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
    for column, values in spec.get("extra_columns", {}).items():
        assert [_na(v) for v in doc.rows[column]] == values
    if "row_pages" in spec:
        assert doc.rows["page"].tolist() == spec["row_pages"]
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


def test_every_nonblank_line_is_accounted_for_exactly_once(case):
    _, doc, source = case
    text = decode_text(source.read_bytes(), source)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    expected = {n for n, line in enumerate(lines, 1) if line.strip(" \t\u3000\f\ufeff")}
    claims = Counter(line_owners(doc)["line"].tolist())
    assert set(claims) == expected
    assert {n: c for n, c in claims.items() if c != 1} == {}


def test_strict_mode_accepts_every_clean_fixture(case):
    spec, _, source = case
    doc = cq.parse(source, strict=True)
    assert len(doc.rows) == len(spec["rows"])
    assert doc.warnings == ()
