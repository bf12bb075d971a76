"""Excel appendix speed against ``DataFrame.to_excel`` of the same frames, in the same run.

    .venv/bin/python benchmarks/bench_appendix.py [--docs 10000] [--repeat 1]

Builds the frames of a synthetic corpus by repeating the parsed seed's frames ``--docs`` times
under new ``doc_id`` values (10,000 documents: 290,000 table rows, 300,000 items, 60,000
tables, 70,000 sections, 110,000 paragraphs, 20,000 residue lines), then times

* baseline:  ``pd.ExcelWriter(engine="openpyxl")`` and ``frame.to_excel(sheet, index=False)``
             for every frame — what a user would write by hand;
* appendix:  ``write_appendix(frames=…, sources=…)`` of the same frames: the cover with its
             contents, one Excel table per frame, the hidden layout sheet, the zip rewritten
             for reproducibility. With more than ``max_table_sheets`` (500) source tables the
             per-table print sheets are left out, as they would be for such a corpus.

and, on the seed itself, the full appendix (six print-ready source tables included), the
Word tables and the LaTeX tables. Reports seconds and the ratio appendix / baseline.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

import cqanalysis as cq
from cqanalysis.writers.appendix import write_appendix
from cqanalysis.writers.latex import write_latex_tables
from cqanalysis.writers.word import write_word_tables

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "城市群跨区域行政体制协同_对策建议.txt"


def corpus_frames(doc: cq.Document, n: int) -> dict[str, pd.DataFrame]:
    """Each frame of ``doc`` repeated ``n`` times, doc_id ``doc00000`` … ``doc{n-1}``."""
    out = {}
    for name, frame in doc.frames().items():
        ids = [f"doc{i:05d}" for i in range(n)]
        big = pd.concat([frame] * n, ignore_index=True)
        big["doc_id"] = pd.Series(ids).repeat(len(frame)).to_numpy()
        out[name] = big
    return out


def timed(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs")
    args = parser.parse_args()

    doc = cq.parse(SEED)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        seed_xlsx = timed(
            lambda: write_appendix(out / "seed.xlsx", frames=doc.frames(), sources=[SEED]),
            max(args.repeat, 3),
        )
        seed_word = timed(lambda: write_word_tables(out / "word", frames=doc.frames()), 3)
        seed_tex = timed(lambda: write_latex_tables(out / "latex", frames=doc.frames()), 3)
        print(f"seed: appendix {seed_xlsx:.3f} s, word {seed_word:.3f} s, latex {seed_tex:.3f} s")

        frames = corpus_frames(doc, args.docs)
        sizes = ", ".join(f"{k} {len(v):,}" for k, v in frames.items())
        print(f"corpus of {args.docs:,} documents: {sizes} rows")

        def baseline() -> None:
            with pd.ExcelWriter(out / "baseline.xlsx", engine="openpyxl") as writer:
                for name, frame in frames.items():
                    frame.to_excel(writer, sheet_name=name, index=False)

        def appendix() -> None:
            write_appendix(out / "appendix.xlsx", frames=frames, sources=[SEED])

        t_base = timed(baseline, args.repeat)
        print(f"baseline DataFrame.to_excel: {t_base:.1f} s")
        t_app = timed(appendix, args.repeat)
        print(f"write_appendix:              {t_app:.1f} s  ({t_app / t_base:.2f}x the baseline)")
        size_base = (out / "baseline.xlsx").stat().st_size / 1e6
        size_app = (out / "appendix.xlsx").stat().st_size / 1e6
        print(f"file size: baseline {size_base:.1f} MB, appendix {size_app:.1f} MB")


if __name__ == "__main__":
    main()
