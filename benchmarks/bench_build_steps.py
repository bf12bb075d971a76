"""Time each step of ``cqanalysis build`` on a synthetic corpus: cold, then with a changed codebook.

    python benchmarks/bench_build_steps.py --docs 1000

The corpus is :func:`bench_corpus.write_corpus`'s; the changed codebook is the shipped
``instruments`` with one keyword more (:func:`bench_corpus._changed_codebook`), so every
output that depends on the coding is redone while the caches (parse, analysis, rendered
tables) serve the rest.  The step times come from the builder's progress hook; the table is
what docs/scaling.md reports.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

import bench_corpus

import cqanalysis.builder as builder


class _TimedSteps(builder._Steps):
    """The builder's progress hook, recording how long each step took instead of printing."""

    def __init__(self, progress: bool | None) -> None:
        super().__init__(False)
        self.times: dict[str, float] = {}
        self.name, self.start = "", time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        if self.name:
            self.times[self.name] = now - self.start
        self.name, self.start = name, now
        _RUNS[-1] = self.times

    def done(self, message: str) -> None:
        self("")


_RUNS: list[dict[str, float]] = []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=1000)
    args = ap.parse_args()
    builder._Steps = _TimedSteps  # type: ignore[misc]
    print(f"load average {os.getloadavg()[0]:.1f} at start", flush=True)
    with tempfile.TemporaryDirectory(prefix="cq-steps-") as tmp:
        docs, out = Path(tmp) / "docs", Path(tmp) / "reports"
        docs.mkdir()
        bench_corpus.write_corpus(docs, args.docs)
        changed = bench_corpus._changed_codebook(Path(tmp))
        totals = []
        for codebooks in (None, [changed, "outcomes", "levels"]):
            _RUNS.append({})
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # skipped figures on large corpora
                builder.build([docs], out=out, codebooks=codebooks, progress=False)
            totals.append(time.perf_counter() - start)
    print(f"{'step':<16}{'cold s':>10}{'changed codebook s':>20}")
    for name in _RUNS[0]:
        print(f"{name:<16}{_RUNS[0][name]:>10.1f}{_RUNS[1].get(name, float('nan')):>20.1f}")
    print(f"{'whole build':<16}{totals[0]:>10.1f}{totals[1]:>20.1f}  "
          f"({totals[0] / totals[1]:.2f}x)")
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
