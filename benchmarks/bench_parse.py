"""Parse throughput and memory against a bare line-splitting baseline, in the same run.

    .venv/bin/python benchmarks/bench_parse.py [--docs 2000]

Builds a synthetic corpus of seed variants in memory (section numbers shifted, rows and items
shuffled within their blocks, page numbers inserted), then measures

* baseline: split every document into lines and match one regex per line;
* parse:    the full parse, text → blocks → tokens → records → the six frames of the whole
            corpus (``parse_records`` per document, one ``frames_from_records`` at the end);
* parse+DataFrames per document: ``parse_text`` per document (six small frames each);

and reports MB/s of UTF-8 input, the ratio to the baseline, and peak traced memory of the
full parse relative to the input size.
"""

from __future__ import annotations

import argparse
import random
import re
import time
import tracemalloc
from pathlib import Path

from cqanalysis.parse import frames_from_records, parse_records, parse_text
from cqanalysis.sources.text import text_blocks

ROOT = Path(__file__).resolve().parents[1]
SEED = (ROOT / "data" / "raw" / "城市群跨区域行政体制协同_对策建议.txt").read_text("utf-8")
BASELINE_RE = re.compile(r"(\d+(?:\.\d+)+)\s*(.*)")


def variants(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    lines = SEED.split("\n")
    docs = []
    for i in range(n):
        chapter = 1 + i % 9
        body = [re.sub(r"^(表?)5\.", rf"\g<1>{chapter}.", line) for line in lines]
        body = [line.replace("第六章", f"第{'一二三四五六七八九十'[chapter % 10]}章")
                for line in body]
        # shuffle table rows inside each table: same structure, different text order
        for start in (7, 20, 34, 49, 63, 77):
            block = body[start:start + 5]
            rows = [r for r in block if r and not r.startswith(("表", "5", str(chapter)))]
            rng.shuffle(rows)
        if i % 3 == 0:
            body.insert(rng.randrange(20, 60), str(40 + i % 50))
        docs.append("\n".join(body))
    return docs


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=2000)
    args = ap.parse_args()
    docs = variants(args.docs)
    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6

    def baseline() -> None:
        match = BASELINE_RE.match
        for d in docs:
            for line in d.split("\n"):
                match(line)

    def full_parse() -> None:
        parts = [parse_records(text_blocks(d), doc_id=f"d{i}") for i, d in enumerate(docs)]
        frames = frames_from_records(parts)
        assert len(frames["rows"]) == 29 * len(docs)

    def per_document() -> None:
        for i, d in enumerate(docs):
            parse_text(d, doc_id=f"d{i}")

    t_base = timed(baseline)
    t_full = timed(full_parse)
    t_docs = timed(per_document, repeat=1)
    tracemalloc.start()
    full_parse()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()

    print(f"corpus: {len(docs)} documents, {mb:.1f} MB UTF-8")
    print(f"{'step':<40}{'seconds':>9}{'MB/s':>9}{'vs baseline':>13}")
    for name, t in [("baseline: split lines + 1 regex/line", t_base),
                    ("full parse → corpus frames", t_full),
                    ("parse_text per document (6 frames each)", t_docs)]:
        print(f"{name:<40}{t:>9.3f}{mb / t:>9.1f}{t_base / t:>12.1%}")
    print(f"peak traced memory of the full parse: {peak:.0f} MB = {peak / mb:.1f}× the input")


if __name__ == "__main__":
    main()
