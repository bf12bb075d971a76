"""Time the Word and LaTeX exporters of a cold build against a rebuild with another codebook.

    .venv/bin/python benchmarks/bench_render_cache.py [--docs 200] [--only-tables]

Writes ``--docs`` synthetic documents (:func:`bench_corpus.write_corpus`, six tables each),
builds them into a temporary folder (cold: empty parse and render caches), then rebuilds with
``codebooks=["instruments", "levels"]``.  Each exporter is timed by wrapping its entry in
``cqanalysis.exporters.EXPORTERS``; the report gives the ``word`` and ``latex`` exporters'
seconds, the whole build's, and the render cache's hits and misses.  ``--only-tables`` runs
only the exporters of tables (tables, crosstabs, word, latex) to keep the run short.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_corpus

import cqanalysis
from cqanalysis.exporters import EXPORTERS
from cqanalysis.writers import _render_cache

_TABLE_EXPORTERS = ("tables", "crosstabs", "word", "latex")


def _timed(seconds: dict[str, float], name: str, exporter):
    def run(analysis, folder, *, lang):
        t0 = time.perf_counter()
        try:
            return exporter(analysis, folder, lang=lang)
        finally:
            seconds[name] += time.perf_counter() - t0
    return run


def _counting(counts: dict[str, int]):
    prune = _render_cache.RenderCache.prune

    def counted(self):
        counts["hits"], counts["misses"] = self.hits, self.misses
        return prune(self)
    return counted


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--only-tables", action="store_true")
    args = ap.parse_args()
    if args.only_tables:
        for name in [n for n in EXPORTERS if n not in _TABLE_EXPORTERS]:
            cqanalysis.exporters.unregister_exporter(name)
    counts: dict[str, int] = {}
    _render_cache.RenderCache.prune = _counting(counts)  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        bench_corpus.write_corpus(corpus, args.docs)
        for label, codebooks in (("cold", None), ("rebuild", ["instruments", "levels"])):
            seconds: dict[str, float] = defaultdict(float)
            saved = dict(EXPORTERS)
            EXPORTERS.update({n: _timed(seconds, n, e) for n, e in saved.items()})
            t0 = time.perf_counter()
            try:
                cqanalysis.build([corpus], out=Path(tmp) / "out", codebooks=codebooks,
                                 progress=False)
            finally:
                EXPORTERS.update(saved)
            total = time.perf_counter() - t0
            print(f"{label:8s} build {total:6.1f} s  word {seconds['word']:6.1f} s  "
                  f"latex {seconds['latex']:5.1f} s  word+latex "
                  f"{seconds['word'] + seconds['latex']:6.1f} s  render cache hits "
                  f"{counts.get('hits')} misses {counts.get('misses')}", flush=True)


if __name__ == "__main__":
    main()
