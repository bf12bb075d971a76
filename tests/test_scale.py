"""Issue 14: any executor (Dask too), the Parquet stream and the parse cache.

The corpus is the bundled chapter copied under several names (each copy: 7 sections,
29 table rows, 30 items, residue ``44`` and ``浏览``) plus one empty file that cannot be read.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from cqanalysis import ParseOptions
from cqanalysis.corpus import CacheWarning, parse_corpus
from cqanalysis.parse.cache import options_digest
from cqanalysis.stream import open_corpus, stream_corpus

SEED = next((Path(__file__).resolve().parents[1] / "data" / "raw").glob("*.txt"))
N_COPIES = 12


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    for i in range(N_COPIES):
        sub = root / ("b" if i % 3 == 0 else "a")
        sub.mkdir(exist_ok=True)
        shutil.copy(SEED, sub / f"doc{i:02d}.txt")
    (root / "a" / "doc99.txt").write_bytes(b"")  # sorts last: a/doc99, then b/…
    return root


@pytest.fixture(scope="module")
def reference(folder):
    return parse_corpus(folder, jobs=1)


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    # threads, not processes: two workers start in about a second
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def dask_executor(dask_client):
    return dask_client.get_executor()


def _same(a, b):
    for name, frame in a.frames().items():
        pd.testing.assert_frame_equal(frame, b.frames()[name], obj=name)
    pd.testing.assert_frame_equal(a.documents, b.documents, obj="documents")
    assert a.warnings == b.warnings


def test_reference_counts(reference):
    assert len(reference.documents) == N_COPIES + 1
    assert len(reference.rows) == 29 * N_COPIES
    assert len(reference.items) == 30 * N_COPIES
    assert len(reference.sections) == 7 * N_COPIES
    assert reference.residue["text"].tolist() == ["44", "浏览"] * N_COPIES
    assert reference.errors["doc_id"].tolist() == ["doc99"]
    # input order: folder a (sorted), then folder b
    order = [f"doc{i:02d}" for i in range(N_COPIES) if i % 3] + ["doc99"] + [
        f"doc{i:02d}" for i in range(0, N_COPIES, 3)]
    assert reference.documents["doc_id"].tolist() == order


def test_any_executor_gives_the_same_corpus(folder, reference):
    with ThreadPoolExecutor(max_workers=3) as pool:
        _same(parse_corpus(folder, executor=pool, jobs=2), reference)


def test_dask_cluster_gives_the_same_corpus(folder, reference, dask_executor):
    _same(parse_corpus(folder, executor=dask_executor), reference)


def test_strict_stops_at_the_first_error_on_an_executor(folder):
    from cqanalysis import InputError

    with ThreadPoolExecutor(max_workers=2) as pool, \
            pytest.raises(InputError, match="doc99"):
        parse_corpus(folder, executor=pool, strict=True)


# --------------------------------------------------------------------------- stream


def test_stream_writes_parts_in_order_and_loads_the_same_corpus(folder, reference, tmp_path,
                                                                  monkeypatch):
    import cqanalysis.stream as stream

    monkeypatch.setattr(stream, "PART_DOCS", 5)  # 13 documents: parts of 5, 5 and 3
    out = tmp_path / "pq"
    (out / "rows").mkdir(parents=True)
    (out / "rows" / "part-000099.parquet").write_bytes(b"stale")  # an earlier, longer run
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    result = stream_corpus(folder, out=out, jobs=1)
    assert [p.name for p in result.parts("rows")] == [
        "part-000000.parquet", "part-000001.parquet", "part-000002.parquet"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    # the first part holds 5 documents: a/doc01 a/doc02 a/doc04 a/doc05 a/doc07
    first = pd.read_parquet(result.parts("rows")[0])
    assert first["doc_id"].unique().tolist() == ["doc01", "doc02", "doc04", "doc05", "doc07"]
    assert len(pd.read_parquet(out / "rows")) == 29 * N_COPIES
    _same(result.load(), reference)
    reopened = open_corpus(out)
    pd.testing.assert_frame_equal(reopened.errors, reference.errors)
    assert reopened.errors["doc_id"].tolist() == ["doc99"]


def test_stream_bytes_do_not_depend_on_the_executor(folder, tmp_path, dask_executor,
                                                     monkeypatch):
    import cqanalysis.stream as stream

    monkeypatch.setattr(stream, "PART_DOCS", 4)  # 13 documents: 4 parts of each parse frame
    one = stream_corpus(folder, out=tmp_path / "one", jobs=1)
    files = sorted(p.relative_to(one.folder) for p in one.folder.rglob("*.parquet"))
    assert len(files) == 7 * 4 + 3  # and one part each of documents, errors, warnings
    for other in (stream_corpus(folder, out=tmp_path / "dask", executor=dask_executor),
                  stream_corpus(folder, out=tmp_path / "pool", jobs=2)):
        for f in files:
            assert (one.folder / f).read_bytes() == (other.folder / f).read_bytes(), f


def test_dask_dataframe_reads_the_stream(folder, tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    stream_corpus(folder, out=tmp_path / "pq", jobs=1)
    rows = dd.read_parquet(tmp_path / "pq" / "rows")
    assert int(rows.shape[0].compute()) == 29 * N_COPIES


# --------------------------------------------------------------------------- cache


_parse_source = sys.modules["cqanalysis.parse"].parse_source


def _no_parsing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("parsed although cached")

    # ``cqanalysis.parse`` the attribute is the function; the module is in sys.modules
    monkeypatch.setattr(sys.modules["cqanalysis.parse"], "parse_source", refuse)


def test_cache_hit_parses_nothing_and_gives_the_same_corpus(folder, reference, tmp_path,
                                                            monkeypatch):
    cache = tmp_path / "cache"
    _same(parse_corpus(folder, jobs=1, cache=cache), reference)
    # every copy has the same bytes: one entry serves them all, renamed to each doc_id
    assert len(list(cache.rglob("*.json"))) == 1
    _no_parsing(monkeypatch)
    _same(parse_corpus(folder, jobs=1, cache=cache), reference)


def test_cache_key_holds_options_strict_and_suffix(folder, tmp_path):
    cache = tmp_path / "cache"
    parse_corpus(folder / "b", jobs=1, cache=cache)
    parse_corpus(folder / "b", jobs=1, cache=cache, options=ParseOptions(max_title_chars=12))
    parse_corpus(folder / "b", jobs=1, cache=cache, strict=True)
    md = tmp_path / "md"
    md.mkdir()
    shutil.copy(SEED, md / "same.md")  # the same bytes read as Markdown
    parse_corpus(md, jobs=1, cache=cache)
    assert len(list(cache.rglob("*.json"))) == 4


def test_options_digest_is_the_same_in_another_process():
    options = ParseOptions(max_title_chars=12)
    here = options_digest(options, strict=False, suffix=".TXT")
    code = ("from cqanalysis import ParseOptions; from cqanalysis.parse.cache import "
            "options_digest; print(options_digest(ParseOptions(max_title_chars=12), "
            "strict=False, suffix='.txt'))")
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={"PYTHONHASHSEED": "123",
                                            "PYTHONPATH": str(Path(__file__).parents[1])})
    assert there.stdout.strip() == here
    assert here != options_digest(None, strict=False, suffix=".txt")


@pytest.mark.parametrize("damage", ["garbage", "foreign", "tampered"])
def test_corrupt_or_foreign_entry_is_rebuilt_with_a_warning(damage, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED, docs / "one.txt")
    cache = tmp_path / "cache"
    good = parse_corpus(docs, jobs=1, cache=cache)
    (entry,) = cache.rglob("*.json")
    data = json.loads(entry.read_text(encoding="utf-8"))
    if damage == "garbage":
        entry.write_bytes(b"\x80not json")
    elif damage == "foreign":  # a valid entry of another file, copied under this name
        data["sha256"] = "0" * 64
        entry.write_text(json.dumps(data), encoding="utf-8")
    else:  # the key is right but a record belongs to another document
        data["rows"][0]["doc_id"] = "someone-else"
        data["rows"][0]["measure"] = "注入的文本"
        entry.write_text(json.dumps(data), encoding="utf-8")
    with pytest.warns(CacheWarning, match="corrupt or foreign parse cache entry"):
        again = parse_corpus(docs, jobs=1, cache=cache)
    _same(again, good)
    assert "注入的文本" not in again.rows["measure"].tolist()
    assert json.loads(entry.read_text(encoding="utf-8"))["rows"][0]["doc_id"] == "one"


def test_cache_hit_renames_warnings_to_the_new_path(tmp_path, monkeypatch):
    # 表5.1's second row has two cells under a three-cell header: one lenient warning
    text = "5.1 体制\n表5.1 建议\n方向 具体建议 预期成效\n协同 建立机制 提高效率\n甲 乙\n"
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.txt").write_text(text, encoding="utf-8")
    cache = tmp_path / "cache"
    one = parse_corpus(tmp_path / "first", jobs=1, cache=cache)
    _no_parsing(monkeypatch)
    two = parse_corpus(tmp_path / "second", jobs=1, cache=cache)
    first, second = tmp_path / "first" / "first.txt", tmp_path / "second" / "second.txt"
    assert one.warnings == (f"{first}:5: table 5.1: row has 2 cells, header has 3",)
    assert two.warnings == (f"{second}:5: table 5.1: row has 2 cells, header has 3",)
    assert two.rows["doc_id"].tolist() == ["second"]
    assert two.rows["measure"].tolist() == ["建立机制"]


# --------------------------------------------------------------------------- build and CLI


def test_rebuild_with_another_codebook_parses_nothing(tmp_path, monkeypatch):
    import cqanalysis.builder as builder
    from cqanalysis import build

    # the CSV tables only: figures and Office files do not touch the cache, and take seconds
    monkeypatch.setattr(builder, "EXPORTERS", {"tables": builder.EXPORTERS["tables"]})
    build([SEED], out=tmp_path / "out", progress=False)
    assert len(list((tmp_path / "out" / ".cache").rglob("*.json"))) == 1
    _no_parsing(monkeypatch)
    cached = build([SEED], out=tmp_path / "out", codebooks=["levels"], progress=False)
    monkeypatch.setattr(sys.modules["cqanalysis.parse"], "parse_source", _parse_source)
    cold = build([SEED], out=tmp_path / "cold", codebooks=["levels"], progress=False,
                 cache=False)
    assert not (tmp_path / "cold" / ".cache").exists()
    assert cached.files == cold.files
    assert "tables/coded.csv" in cold.files
    for name in [f for f in cold.files if f.endswith(".csv")]:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "cold" / name).read_bytes()


def test_cli_cache_flags_and_scheduler(tmp_path, dask_client):
    from cqanalysis.cli import main

    assert main(["parse", str(SEED), "--out", str(tmp_path / "a"), "--no-cache"]) == 0
    assert not (tmp_path / "a" / ".cache").exists()
    assert main(["parse", str(SEED), "--out", str(tmp_path / "b")]) == 0
    assert len(list((tmp_path / "b" / ".cache").rglob("*.json"))) == 1
    address = dask_client.scheduler.address
    assert main(["parse", str(SEED), "--out", str(tmp_path / "c"), "--scheduler", address,
                 "--cache", str(tmp_path / "shared")]) == 0
    assert len(list((tmp_path / "shared").rglob("*.json"))) == 1
    for frame in ("rows", "items", "residue", "documents"):
        a = (tmp_path / "a" / f"{frame}.csv").read_bytes()
        assert a == (tmp_path / "c" / f"{frame}.csv").read_bytes(), frame


def test_cli_parse_to_parquet(folder, reference, tmp_path):
    from cqanalysis.cli import main

    assert main(["parse", str(folder), "--out", str(tmp_path / "o"), "--parquet"]) == 0
    rows = pd.read_parquet(tmp_path / "o" / "parquet" / "rows")
    pd.testing.assert_frame_equal(rows, reference.rows)
    assert not list((tmp_path / "o").glob("*.csv"))


def test_an_edited_parser_changes_the_parse_cache_key(tmp_path, monkeypatch):
    # entries are keyed by the parser's code too: the version changes only at a release
    import importlib

    from cqanalysis.core.store import code_digest

    parse_cache = importlib.import_module("cqanalysis.parse.cache")  # cq.parse is a function

    copy = tmp_path / "parse"
    shutil.copytree(Path(parse_cache.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(parse_cache, "_PARSER_CODE", (str(copy),))
    try:
        before = options_digest(None, strict=False, suffix=".txt")
        assert options_digest(None, strict=False, suffix=".txt") == before
        with (copy / "layout.py").open("a", encoding="utf-8") as fh:
            fh.write("\n# an edit of the parser\n")
        code_digest.cache_clear()
        assert options_digest(None, strict=False, suffix=".txt") != before
    finally:
        code_digest.cache_clear()
