"""Corpus throughput, memory and the parse cache (issues 3 and 14), all in one run.

    .venv/bin/python benchmarks/bench_corpus.py                       # the full table
    .venv/bin/python benchmarks/bench_corpus.py --sizes 1000 10000 --modes pool stream dask
    .venv/bin/python benchmarks/bench_corpus.py --sizes --cache-docs 1000   # cache only

Writes a synthetic corpus into a temporary folder (never into the repository): half plain
text, half Markdown (``##`` headings, pipe tables), each a seed variant with its chapter
renumbered.  Every measurement runs in a fresh process so that its peak memory (the parent's
and the largest child's resident set) is its own.  Modes:

pool    ``parse_corpus`` on the local process pool, every frame in memory (issue 3)
stream  ``stream_corpus`` on the local pool: frames written to Parquet as they arrive
dask    ``stream_corpus`` on a Dask ``LocalCluster`` (one worker process per core)

Then a build of ``--cache-docs`` documents: cold (empty cache), and again with a changed
codebook (every document from the cache); and the parse step alone, cold against cached.
Targets (issue 14): 100k documents under 2 GB; 10x documents within 11x the time; Dask
identical to the pool with at most 1.3x its time at 10k; the codebook rebuild 5x faster.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = (ROOT / "data" / "raw" / "城市群跨区域行政体制协同_对策建议.txt").read_text("utf-8")
_CN = "一二三四五六七八九十"


def variant(i: int) -> tuple[str, str]:
    """(suffix, text) of document ``i``: the seed with chapter 5 renumbered and a numbered
    closing line, as .txt or .md."""
    chapter = 1 + i % 9
    lines = []
    for line in SEED.split("\n"):
        line = re.sub(r"^(表?)5\.", rf"\g<1>{chapter}.", line)
        line = line.replace("第六章", f"第{_CN[chapter % 10]}章")
        lines.append(line)
    # a closing paragraph of its own makes every document distinct (the parse cache keys on
    # the bytes); it adds one paragraph and no row or item
    lines.append(f"（文档{i}）")
    if i % 2 == 0:
        return ".txt", "\n".join(lines)
    md = []
    for line in lines:
        cells = line.split(" ")
        if re.match(r"^\d+\.\d+\D", line) or line.startswith("第"):
            md.append("## " + line)
        elif len(cells) == 3 and not line.startswith("表"):
            md.append("| " + " | ".join(cells) + " |")
            if cells[1] == "具体建议":  # header row: add the rule line
                md.append("| --- | --- | --- |")
        else:
            md.append(line)
    return ".md", "\n".join(md)


def write_corpus(folder: Path, n: int) -> None:
    for i in range(n):
        suffix, text = variant(i)
        (folder / f"doc{i:05d}{suffix}").write_text(text, encoding="utf-8")


def _rss() -> dict[str, float]:
    return {"rss_parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def run_one(folder: Path, jobs: int | None, mode: str) -> dict[str, Any]:
    """Parse ``folder`` in one mode; counts, wall time and a digest of the rows frame."""
    import hashlib

    from cqanalysis.corpus import parse_corpus
    from cqanalysis.stream import stream_corpus

    out = folder.parent / f"parquet-{mode}"
    t0 = time.perf_counter()
    if mode == "pool":
        corpus = parse_corpus(folder, jobs=jobs, progress=False)
        wall = time.perf_counter() - t0
        counts = (len(corpus.documents), len(corpus.rows), len(corpus.items),
                  len(corpus.errors))
        digest = hashlib.sha256(corpus.rows.to_csv(index=False).encode()).hexdigest()
        return {"wall": wall, "counts": counts, "digest": digest, **_rss()}
    if mode == "dask":
        from distributed import Client, LocalCluster

        workers = jobs or len(os.sched_getaffinity(0))
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            start = time.perf_counter() - t0  # cluster start-up, reported apart
            t0 = time.perf_counter()
            result = stream_corpus(folder, out=out, executor=client.get_executor(),
                                   progress=False)
            wall = time.perf_counter() - t0
    else:
        start = 0.0
        result = stream_corpus(folder, out=out, jobs=jobs, progress=False)
        wall = time.perf_counter() - t0
    import pyarrow.parquet as pq

    def n(name: str) -> int:
        return sum(pq.read_metadata(p).num_rows for p in result.parts(name))

    counts = (len(result.documents), n("rows"), n("items"), len(result.errors))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in result.parts("rows"))).hexdigest()
    return {"wall": wall, "startup": start, "counts": counts, "digest": digest, **_rss()}


def run_cache(folder: Path, full: bool) -> dict[str, Any]:
    """Parse without cache, with a cold cache and with every document cached; the analysis
    with two codebook sets; with ``full``, a cold build and a rebuild with another codebook."""
    from cqanalysis import analyse, build, parse_corpus

    times = {}

    def timed(name: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        value = func(*args, **kwargs)
        times[name] = time.perf_counter() - t0
        return value

    cache = folder.parent / "cache"
    timed("parse_nocache", parse_corpus, folder, progress=False)
    timed("parse_cold", parse_corpus, folder, cache=cache, progress=False)
    corpus = timed("parse_cached", parse_corpus, folder, cache=cache, progress=False)
    timed("analyse", analyse, corpus)
    timed("analyse_other", analyse, corpus, codebooks=["instruments", "levels"])
    if full:
        out = folder.parent / "reports"
        changed = _changed_codebook(folder.parent)
        timed("build_cold", build, [folder], out=out, progress=False)
        timed("build_cached", build, [folder], out=out,
              codebooks=[changed, "outcomes", "levels"], progress=False)
    return times


def _changed_codebook(folder: Path) -> Path:
    """The shipped instruments codebook with one keyword more: what a user's edit looks like
    (the codings change, so every codebook-dependent output must be redone)."""
    from importlib import resources

    import yaml

    shipped = resources.files("cqanalysis") / "codebooks" / "instruments.yaml"
    book = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    pilot = next(c for c in book["codes"] if c["id"] == "demand.pilot")
    pilot["keywords"] = [*pilot["keywords"], "探索"]
    path = folder / "instruments_changed.yaml"
    path.write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def _child(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    ap.add_argument("--modes", nargs="+", default=["pool", "stream", "dask"],
                    choices=["pool", "stream", "dask"])
    ap.add_argument("--big-modes", nargs="*", default=["stream"],
                    help="modes run above 10,000 documents (pool keeps them all in memory)")
    ap.add_argument("--cache-docs", type=int, default=1000, help="0: no cache benchmark")
    ap.add_argument("--full-build", action="store_true",
                    help="also time whole builds (cold, then with a changed codebook): minutes")
    ap.add_argument("--jobs", default="auto", help="'auto' (jobs=None) or a number")
    ap.add_argument("--_child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    jobs = None if args.jobs == "auto" else int(args.jobs)
    if args._child:
        folder, mode = Path(args._child[0]), args._child[1]
        result = (run_cache(folder, full=False) if mode == "cache" else
                  run_cache(folder, full=True) if mode == "cache-full" else
                  run_one(folder, jobs, mode))
        print(json.dumps(result))
        return

    print(f"cores available: {len(os.sched_getaffinity(0))}, jobs={args.jobs}, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    print(f"{'mode':>6} {'docs':>7} {'wall s':>8} {'docs/s':>8} {'x time':>7} "
          f"{'peak RSS MB':>12} {'start s':>8} {'same rows':>9}")
    base: dict[str, float] = {}
    digests: dict[int, str] = {}
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="cq-bench-") as tmp:
            folder = Path(tmp) / "docs"
            folder.mkdir()
            write_corpus(folder, n)
            for mode in args.modes if n <= 10000 else args.big_modes:
                r = _child("--jobs", args.jobs, "--_child", str(folder), mode)
                assert r["counts"] == [n, 29 * n, 30 * n, 0], r
                same = "-"
                if mode != "pool":  # stream and dask write byte-identical parts
                    same = "yes" if digests.setdefault(n, r["digest"]) == r["digest"] else "NO"
                base.setdefault(mode, r["wall"])  # time at this mode's smallest size
                peak = max(r["rss_parent_mb"], r["rss_worker_mb"])
                print(f"{mode:>6} {n:>7} {r['wall']:>8.2f} {n / r['wall']:>8.0f} "
                      f"{r['wall'] / base[mode]:>7.2f} "
                      f"{peak:>12.0f} {r.get('startup', 0):>8.1f} {same:>9}", flush=True)
    if args.cache_docs:
        with tempfile.TemporaryDirectory(prefix="cq-bench-") as tmp:
            folder = Path(tmp) / "docs"
            folder.mkdir()
            write_corpus(folder, args.cache_docs)
            mode = "cache-full" if args.full_build else "cache"
            t = _child("--jobs", args.jobs, "--_child", str(folder), mode)
        print(f"\n{args.cache_docs} documents, parse: no cache {t['parse_nocache']:.2f} s, "
              f"cold cache (writing it) {t['parse_cold']:.2f} s, all cached "
              f"{t['parse_cached']:.2f} s ({t['parse_nocache'] / t['parse_cached']:.1f}x "
              f"faster); analysis {t['analyse']:.1f} s (shipped codebooks), "
              f"{t['analyse_other']:.1f} s (two of them)")
        if args.full_build:
            print(f"build: cold {t['build_cold']:.1f} s, rebuild with a changed codebook "
                  f"{t['build_cached']:.1f} s ({t['build_cold'] / t['build_cached']:.1f}x)")
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
