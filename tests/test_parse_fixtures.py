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
from cqanalysis.sources import read
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


# The keys every expected record must give; a record may add any other column of its frame
# (numbering, body, text, page, line_end, responsible, an unknown header …), checked as well.
REQUIRED = {
    "sections": ("section_no", "level", "title", "subtitle", "inferred"),
    "tables": ("table_id", "section_no", "title", "header", "kind", "n_rows", "line",
               "header_line"),
    "rows": ("table_id", "row_no", "direction", "measure", "outcome"),
    "items": ("section_no", "item_no", "title", "line"),
    "paragraphs": ("section_no", "kind", "line"),
    "residue": ("line", "reason"),
    "cells": ("table_id", "row_no", "col_no", "header", "text"),
}


@pytest.fixture(params=CASES, ids=[c.stem for c in CASES])
def case(request: pytest.FixtureRequest) -> tuple[dict, cq.Document, Path]:
    spec = yaml.safe_load(request.param.read_text(encoding="utf-8"))
    source = _source(request.param)
    return spec, cq.parse(source, doc_id=request.param.stem), source


@pytest.mark.parametrize("frame", list(REQUIRED))
def test_frame(case, frame):
    spec, doc, _ = case
    expected = spec.get(frame) or []
    actual = getattr(doc, frame)
    for record in expected:
        missing = [k for k in REQUIRED[frame] if k not in record]
        assert not missing, f"{frame} record {record} lacks {missing}"
    got = [{key: _na(row.get(key)) for key in want}
           for want, row in zip(expected, actual.to_dict("records"), strict=False)]
    assert got == expected
    assert len(actual) == len(expected)


def test_every_nonblank_line_is_accounted_for_exactly_once(case):
    _, doc, source = case
    if source.suffix in (".txt", ".md"):
        text = decode_text(source.read_bytes(), source)
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        expected = {n for n, line in enumerate(lines, 1) if line.strip(" \t\u3000\f\ufeff")}
    else:  # an HTML page: its blocks are numbered in reading order
        expected = {block.line for block in read(source).blocks}
    claims = Counter(line_owners(doc)["line"].tolist())
    assert set(claims) == expected
    assert {n: c for n, c in claims.items() if c != 1} == {}


def test_strict_mode_accepts_every_clean_fixture(case):
    spec, _, source = case
    doc = cq.parse(source, strict=True)
    assert len(doc.rows) == len(spec["rows"])
    assert doc.warnings == ()
