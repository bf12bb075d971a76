"""The analysis cache (issue 14): a rebuild with another codebook redoes only the coding.

Clauses, coding units, links and the offsets of units and rows in the sources depend on the
parse alone; ``cqanalysis build`` keeps them in ``CACHE/analysis`` and reads them back.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cqanalysis as cq
import cqanalysis.analysis_cache as ac
from cqanalysis.builder import build
from cqanalysis.core.store import code_digest
from cqanalysis.corpus import CacheWarning
from cqanalysis.qda import coded_segments
from cqanalysis.sources.text import text_blocks

from .conftest import SEED_PATH

# A second document of our own: an item list and a table whose measure cell repeats a clause.
OWN = """一、推进数据共享
1.建设共享平台：统一数据标准,打通部门壁垒。

表1 数据共享对策建议
方向\t具体建议\t预期成效
平台建设\t建设共享平台,统一数据标准\t提高共享效率
"""


def _docs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED_PATH, folder / SEED_PATH.name)
    (folder / "own.txt").write_text(OWN, encoding="utf-8")
    return folder


def _assert_same(got: ac.Groundwork, want: ac.Groundwork) -> None:
    for name in ("clauses", "units", "links"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name), check_dtype=True,
                                      check_exact=True)
    pd.testing.assert_frame_equal(got.locations.units, want.locations.units, check_dtype=True)
    pd.testing.assert_frame_equal(got.locations.rows, want.locations.rows, check_dtype=True)
    assert got.locations.texts == want.locations.texts


@pytest.fixture
def computed(monkeypatch) -> list[int]:
    """How many documents each call of compute_groundwork computed, in order."""
    calls: list[int] = []
    compute = ac.compute_groundwork

    def counting(corpus, **kwargs):
        calls.append(len(corpus.documents))
        return compute(corpus, **kwargs)

    monkeypatch.setattr(ac, "compute_groundwork", counting)
    return calls


def test_read_back_frames_equal_computed_ones_dtype_for_dtype(tmp_path, computed):
    corpus = cq.parse_corpus(_docs(tmp_path / "docs"))
    want = ac.compute_groundwork(corpus)
    cold = ac.cached_groundwork(corpus, folder=tmp_path / "cache")
    warm = ac.cached_groundwork(corpus, folder=tmp_path / "cache")
    assert computed == [2, 2]  # the direct call and the cold one; the warm one read
    _assert_same(cold, want)
    _assert_same(warm, want)
    # one entry per frame: clauses, units, links, unit offsets, row offsets, texts
    assert len(list((tmp_path / "cache").glob("??/*"))) == 6
    own = warm.locations.texts["own"]
    assert own.splitlines()[0] == "一、推进数据共享"  # blank lines are not in the plain text
    units = warm.units[warm.units["doc_id"] == "own"]
    # the measure's two clauses, the outcome, then the item (the direction is not coded)
    assert units["text"].tolist() == ["建设共享平台", "统一数据标准", "提高共享效率",
                                      "建设共享平台：统一数据标准,打通部门壁垒。"]
    located = warm.locations.units.set_index("unit_id").loc[units["unit_id"]]
    assert [own[s:e] for s, e in zip(located["start"], located["end"], strict=True)] == (
        units["text"].tolist())


def test_a_changed_document_is_computed_again_and_old_entries_go(tmp_path, computed):
    docs = _docs(tmp_path / "docs")
    cache = tmp_path / "cache"
    ac.cached_groundwork(cq.parse_corpus(docs), folder=cache)
    first = {p.name for p in cache.glob("??/*")}
    (docs / "own.txt").write_text(OWN.replace("打通部门壁垒", "打通层级壁垒"), encoding="utf-8")
    corpus = cq.parse_corpus(docs)
    got = ac.cached_groundwork(corpus, folder=cache)
    assert computed == [2, 2]
    item = got.units[(got.units["field"] == "item") & (got.units["doc_id"] == "own")]
    assert item["text"].item() == "建设共享平台：统一数据标准,打通层级壁垒。"
    _assert_same(got, ac.compute_groundwork(corpus))
    # bounded: the folder holds the last call's six entries only
    now = {p.name for p in cache.glob("??/*")}
    assert len(now) == 6 and not now & first


def test_a_corrupt_entry_warns_once_and_is_rewritten(tmp_path, computed):
    corpus = cq.parse_corpus(_docs(tmp_path / "docs"))
    cache = tmp_path / "cache"
    want = ac.cached_groundwork(corpus, folder=cache)
    entries = sorted(cache.glob("??/*"))
    raw = entries[0].read_bytes()
    entries[0].write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))  # one bit of the data flipped
    entries[1].write_bytes(b"not an entry\n" + raw)
    with pytest.warns(CacheWarning, match="corrupt or foreign analysis cache entry") as caught:
        got = ac.cached_groundwork(corpus, folder=cache)
    assert len(caught) == 1
    _assert_same(got, want)
    assert computed == [2, 2]
    ac.cached_groundwork(corpus, folder=cache)  # rewritten: no warning, nothing computed
    assert computed == [2, 2]


def test_an_entry_of_another_cache_is_foreign(tmp_path):
    from cqanalysis.core.store import EntryStore

    render = EntryStore(tmp_path, "render")
    render.put("ab" * 32, b"bytes")
    analysis = EntryStore(tmp_path, "analysis")
    assert analysis.get("ab" * 32) is None
    assert analysis.notes == [f"{tmp_path / 'ab' / ('ab' * 32)}: ignored a corrupt or foreign "
                              "analysis cache entry"]


def test_an_edited_module_misses_and_an_unrelated_one_does_not(tmp_path, monkeypatch, computed):
    package = tmp_path / "cqanalysis"
    shutil.copytree(ac._PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    corpus = cq.parse_corpus(_docs(tmp_path / "docs"))
    cache = tmp_path / "cache"
    monkeypatch.setattr(ac, "_PACKAGE", package)
    try:
        code_digest.cache_clear()
        ac.cached_groundwork(corpus, folder=cache)
        with (package / "figures" / "__init__.py").open("a", encoding="utf-8") as fh:
            fh.write("\n# an edit that cannot change the cached results\n")
        code_digest.cache_clear()
        ac.cached_groundwork(corpus, folder=cache)
        assert computed == [2]
        with (package / "links.py").open("a", encoding="utf-8") as fh:
            fh.write("\n# an edit of a module that computes them\n")
        code_digest.cache_clear()
        ac.cached_groundwork(corpus, folder=cache)
        assert computed == [2, 2]
    finally:
        code_digest.cache_clear()


def test_a_corpus_parsed_with_other_options_misses(tmp_path, computed):
    corpus = cq.parse_corpus(_docs(tmp_path / "docs"))
    key = ac.groundwork_key(corpus)
    assert key is not None and ac.groundwork_key(corpus, strict=True) != key
    renamed = corpus.documents.assign(doc_id=["a", "b"])
    assert ac.groundwork_key(cq.Corpus(**{**corpus.frames(), "documents": renamed})) != key
    unhashed = corpus.documents.assign(sha256=pd.array([None, None], dtype="str"))
    lost = cq.Corpus(**{**corpus.frames(), "documents": unhashed})
    assert ac.groundwork_key(lost) is None
    ac.cached_groundwork(lost, folder=tmp_path / "cache")
    assert computed == [2] and not (tmp_path / "cache").exists()


def test_object_columns_come_back_as_they_were():
    frame = pd.DataFrame({
        "page": pd.Series([None, pd.NA, math.nan, 3, 2.5, "iv", True], dtype=object),
        "line": pd.array([1, None, 3, 4, 5, 6, 7], dtype="Int64"),
        "text": pd.array(["甲", None, "", "\t", "null", "NaN", "乙"], dtype="str"),
        "score": [0.5, math.nan, 1.0, 2.0, 3.0, 4.0, 5.0],
    })
    back = ac._bytes_frame(ac._frame_bytes(frame))
    pd.testing.assert_frame_equal(back, frame, check_dtype=True, check_exact=True)
    assert [repr(v) for v in back["page"]] == ["None", "<NA>", "nan", "3", "2.5", "'iv'", "True"]
    with pytest.raises(TypeError, match="int64"):
        ac._frame_bytes(frame.assign(page=pd.Series([np.int64(3)] * 7, dtype=object)))


def test_rebuild_with_another_codebook_computes_no_groundwork(seed_build, tmp_path, monkeypatch):
    import cqanalysis.clauses
    import cqanalysis.links
    import cqanalysis.offsets

    built, _ = seed_build
    assert len(list((built / ".cache" / "analysis").glob("??/*"))) == 6
    warm = tmp_path / "warm"
    shutil.copytree(built, warm)

    def refuse(*args, **kwargs):
        raise AssertionError("computed again")

    for module, name in [(ac, "compute_groundwork"), (cqanalysis.clauses, "explode_clauses"),
                         (cqanalysis.links, "link_items"), (cqanalysis.offsets, "source_blocks"),
                         (cqanalysis.offsets, "locations")]:
        monkeypatch.setattr(module, name, refuse)
    build([SEED_PATH], out=warm, codebooks=["instruments", "levels"], progress=False)
    monkeypatch.undo()
    cold = tmp_path / "cold"
    build([SEED_PATH], out=cold, codebooks=["instruments", "levels"], progress=False,
          cache=False)
    files = {p.relative_to(cold).as_posix() for p in cold.rglob("*") if p.is_file()}
    assert {"project.qdpx", "tables/qda_tables.xlsx", "tables/coded_segments.csv"} <= files
    assert [f for f in sorted(files) if (warm / f).read_bytes() != (cold / f).read_bytes()] == []


def test_the_library_analysis_reads_sources_only_when_asked(seed):
    plain = cq.analyse(seed)
    assert plain.locations is None
    corpus = plain.corpus
    work = ac.compute_groundwork(corpus)
    given = cq.analyse(corpus, groundwork=work)
    assert given.locations is work.locations
    for name in ("clauses", "coded", "links"):
        pd.testing.assert_frame_equal(getattr(given, name), getattr(plain, name))
    pd.testing.assert_frame_equal(coded_segments(given), coded_segments(plain))


# Two clauses with the same words in one cell, each with two codes.
TWICE = """一、加强区域协调

表1 区域协调对策建议
方向\t具体建议\t预期成效
机构建设\t设立协调办公室,设立协调办公室\t提高协调效率
"""
BOTH = cq.Codebook.from_dict({
    "name": "both", "zh": "两码", "en": "Two codes", "fields": ["measure"],
    "codes": [{"id": "office", "zh": "办公室", "en": "Office", "keywords": ["办公室"]},
              {"id": "set_up", "zh": "设立", "en": "Set up", "keywords": ["设立"]}]})


def test_each_unit_is_located_once_whatever_its_codes():
    analysis = cq.analyse(cq.parse_text(TWICE, doc_id="t"), codebooks=[BOTH], crosstabs={})
    blocks = {"t": text_blocks(TWICE)}
    seg = coded_segments(analysis, blocks=blocks)
    plain = "\n".join(b.text for b in blocks["t"])
    first = plain.index("设立协调办公室")
    second = plain.index("设立协调办公室", first + 1)
    assert second == first + len("设立协调办公室,")
    # two units, two codes each: both codes of a unit share its offsets
    assert seg[["code", "start", "end"]].values.tolist() == [
        ["office", first, first + 7], ["set_up", first, first + 7],
        ["office", second, second + 7], ["set_up", second, second + 7]]
