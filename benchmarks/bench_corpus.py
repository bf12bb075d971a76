"""Corpus throughput: 1,000 and 10,000 seed-like .txt/.md documents through parse_corpus.

    .venv/bin/python benchmarks/bench_corpus.py [--sizes 1000 10000] [--jobs auto]

Writes a synthetic corpus into a temporary folder (never into the repository): half plain
text, half Markdown (``##`` headings, pipe tables), each a seed variant with its chapter
renumbered.  Every size runs in a fresh process so that its peak memory (the parent's and
the largest worker's resident set) is its own.  Prints a small table: documents, wall time,
documents/s, time relative to the smallest size, peak RSS, rows parsed.  Targets (issue 3):
10,000 documents in at most 30 s on 2 cores, under 2 GB, and 10x the documents within 12x
the time.
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

ROOT = Path(__file__).resolve().parents[1]
SEED = (ROOT / "data" / "raw" / "城市群跨区域行政体制协同_对策建议.txt").read_text("utf-8")
_CN = "一二三四五六七八九十"


def variant(i: int) -> tuple[str, str]:
    """(suffix, text) of document ``i``: the seed with chapter 5 renumbered, as .txt or .md."""
    chapter = 1 + i % 9
    lines = []
    for line in SEED.split("\n"):
        line = re.sub(r"^(表?)5\.", rf"\g<1>{chapter}.", line)
        line = line.replace("第六章", f"第{_CN[chapter % 10]}章")
        lines.append(line)
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


def run_one(folder: Path, jobs: int | None) -> dict[str, float]:
    from cqanalysis.corpus import parse_corpus

    t0 = time.perf_counter()
    corpus = parse_corpus(folder, jobs=jobs, progress=False)
    wall = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "docs": len(corpus.documents),
        "wall": wall,
        "rss_parent_mb": own,
        "rss_worker_mb": children,
        "rows": len(corpus.rows),
        "items": len(corpus.items),
        "errors": len(corpus.errors),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--jobs", default="auto", help="'auto' (jobs=None) or a number")
    ap.add_argument("--_child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    jobs = None if args.jobs == "auto" else int(args.jobs)
    if args._child:
        print(json.dumps(run_one(Path(args._child[0]), jobs)))
        return

    print(f"cores available: {len(os.sched_getaffinity(0))}, jobs={args.jobs}")
    print(f"{'docs':>7} {'wall s':>8} {'docs/s':>8} {'x time':>7} {'peak RSS MB':>12} "
          f"{'rows':>8} {'items':>8} {'errors':>6}")  # fmt: skip
    base = None
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="cq-bench-") as tmp:
            write_corpus(Path(tmp), n)
            out = subprocess.run(
                [sys.executable, __file__, "--jobs", args.jobs, "--_child", tmp, "x"],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
        r = json.loads(out.stdout.strip().splitlines()[-1])
        assert r["rows"] == 29 * n and r["items"] == 30 * n and r["errors"] == 0, r
        base = base or r["wall"]
        peak = max(r["rss_parent_mb"], r["rss_worker_mb"])
        print(f"{r['docs']:>7} {r['wall']:>8.2f} {r['docs'] / r['wall']:>8.0f} "
              f"{r['wall'] / base:>7.2f} {peak:>12.0f} {r['rows']:>8} {r['items']:>8} "
              f"{r['errors']:>6}")  # fmt: skip


if __name__ == "__main__":
    main()
