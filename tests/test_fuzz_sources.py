"""Fuzzing the binary readers: mutated .docx, .xlsx and .pdf files (issue #15).

The claim: whatever the bytes, reading raises nothing but :class:`cq.CqError` subclasses,
and no mutated file takes the process past 1 GB.  Mutations are made here from small seeds
(flipped bytes, and attribute values replaced inside the XML parts or the PDF syntax), by
hypothesis and by a fixed-seed random corpus; nothing hostile is stored in the repository.
The budget is bounded by the example counts, not by asserting time.
"""

from __future__ import annotations

import io
import random
import re
import resource
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cqanalysis as cq
from cqanalysis.core.limits import Limits
from cqanalysis.parse import ParseWarning
from cqanalysis.sources import read_blocks
from tests import _hostile as make

# small limits keep a mutated file that grows (a span, a start value) cheap to refuse
LIMITS = Limits(max_columns=200, max_rows=2_000, max_cells=100_000, max_xml_elements=50_000,
                max_decoded_bytes=8 << 20, max_stream_tokens=200_000, timeout=20)
_ATTR = re.compile(rb'(w:val|w:ilvl|r|ref|w:numId|w:abstractNumId)="([^"]*)"')
_VALUES = [b"", b"abc", b"-1", b"0", b"99999999999", b"1e3", b"A1:XFD1048576", b"XFD1048576",
           b"\xe4\xb8\xad", b"%1", b"2000000000", b"<", b"&amp;", b"9" * 40]


def _seed_docx(tmp: Path) -> bytes:
    body = (make.para("一、总体要求", num_id="1") + make.para("加强跨区域协同", num_id="1")
            + make.table([[("方向", None), ("措施", "2")], [("协同", None), ("联席会议", None),
                                                          ("评估", None)]]))
    return make.docx(tmp / "seed.docx", body,
                     numbering=make.numbering("chineseCounting", "1")).read_bytes()


def _seed_xlsx(tmp: Path) -> bytes:
    data = (make.inline_row(1, ("A1", "方向"), ("B1", "措施"))
            + make.inline_row(2, ("A2", "协同"), ("B2", "建立联席会议"))
            + make.inline_row(3, ("A3", "治理"), ("B3", "完善考核")))
    return make.xlsx(tmp / "seed.xlsx", data, merges=("A2:A3",)).read_bytes()


def _seed_pdf(tmp: Path) -> bytes:
    page = make.text_page("Regional coordination", "Measures and outcomes")
    return make.pdf(tmp / "seed.pdf", [page, page], compress=False).read_bytes()


def _mutate_zip(data: bytes, rng: random.Random) -> bytes:
    """Replace attribute values inside the XML parts, then maybe flip a few bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            raw = src.read(info)
            matches = list(_ATTR.finditer(raw))
            for m in rng.sample(matches, min(len(matches), rng.randint(0, 3))):
                raw = raw.replace(m.group(0), m.group(1) + b'="' + rng.choice(_VALUES) + b'"', 1)
            dst.writestr(info.filename, raw)
    return _flip(out.getvalue(), rng, rng.choice([0, 0, 1, 3]))


def _mutate_pdf(data: bytes, rng: random.Random) -> bytes:
    """Change numbers of the PDF syntax and content stream, then maybe flip bytes."""
    numbers = list(re.finditer(rb"\d+", data))
    for m in rng.sample(numbers, min(len(numbers), rng.randint(0, 4))):
        data = data[: m.start()] + rng.choice(_VALUES) + data[m.end():]
    return _flip(data, rng, rng.choice([0, 1, 4]))


def _flip(data: bytes, rng: random.Random, n: int) -> bytes:
    buf = bytearray(data)
    for _ in range(n):
        buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


def _read(path: Path) -> None:
    """Read ``path``; anything but a CqError fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ParseWarning)
        try:
            read_blocks(path, limits=LIMITS)
        except cq.CqError as exc:
            assert "\n" not in str(exc)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("seeds")
    return {".docx": _seed_docx(tmp), ".xlsx": _seed_xlsx(tmp), ".pdf": _seed_pdf(tmp)}


def test_seeds_read(seeds, tmp_path):
    # the mutations start from files that read, so they probe the readers, not the checks
    for suffix, data in seeds.items():
        path = tmp_path / f"seed{suffix}"
        path.write_bytes(data)
        assert any(b.text for b in read_blocks(path, limits=LIMITS))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(suffix=st.sampled_from([".docx", ".xlsx", ".pdf"]), seed=st.integers(0, 2**32 - 1))
def test_mutated_sources_raise_only_cq_errors(seeds, tmp_path, suffix, seed):
    rng = random.Random(seed)
    mutate = _mutate_pdf if suffix == ".pdf" else _mutate_zip
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(mutate(seeds[suffix], rng))
    _read(path)


def test_fixed_corpus_of_mutations_in_bounded_memory(seeds, tmp_path):
    rng = random.Random(15)
    for i in range(90):
        suffix = (".docx", ".xlsx", ".pdf")[i % 3]
        mutate = _mutate_pdf if suffix == ".pdf" else _mutate_zip
        path = tmp_path / f"m{i}{suffix}"
        path.write_bytes(mutate(seeds[suffix], rng))
        _read(path)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert peak_kib < 1024 * 1024
