"""QDA outputs: time and bytes of two checkouts of cqanalysis in one run (issue 14).

    .venv/bin/python benchmarks/bench_qda.py --base /tmp/base --docs 200        # timing
    .venv/bin/python benchmarks/bench_qda.py --base /tmp/base --check           # same bytes

``--base`` is another checkout (``git archive <commit> | tar -x -C /tmp/base``); this one is
the checkout the script lies in.  Each side runs in a fresh process with its own checkout
first on ``PYTHONPATH``, in the same working folder, so that outputs can be compared byte
for byte.  A side parses the corpus, analyses it as ``cqanalysis build`` does, then

* times :func:`cqanalysis.qda.qda_frames` on a copy of the analysis (a cold computation);
* runs the exporters ``appendix``, ``qda_tables`` and ``qdpx`` (the ones that use the QDA
  frames or the offsets), each timed, into its own folder.

``--exports`` picks the exporters (a 200-document run of all three takes longer than two
minutes on two cores).  ``--check`` runs both sides on the bundled chapter and on a
50-document synthetic corpus and compares every file written; it exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ("appendix", "qda_tables", "qdpx")


def side(corpus: str, out: str, exports: tuple[str, ...] = EXPORTS) -> dict[str, float]:
    """One side's run (in the checkout on ``sys.path``); seconds per step."""
    import warnings
    from dataclasses import replace

    import cqanalysis as cq
    from cqanalysis.builder import _with_display_paths
    from cqanalysis.corpus import parse_corpus, require_readable
    from cqanalysis.exporters import EXPORTERS, SkippedOutput
    from cqanalysis.qda import qda_frames

    warnings.simplefilter("ignore", SkippedOutput)
    times: dict[str, float] = {}
    start = time.perf_counter()
    corpus = parse_corpus([corpus], progress=False, jobs=1)
    corpus, sources = _with_display_paths(require_readable(corpus))
    analysis = replace(cq.analyse(corpus), sources=sources)
    times["parse+analyse"] = time.perf_counter() - start
    start = time.perf_counter()
    qda_frames(replace(analysis), lang="zh")
    times["qda_frames"] = time.perf_counter() - start
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for name in exports:
        start = time.perf_counter()
        EXPORTERS[name](analysis, folder, lang="zh")
        times[name] = time.perf_counter() - start
    return times


def run_side(checkout: Path, cwd: Path, corpus: str, out: str,
             exports: tuple[str, ...]) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    code = (f"import sys, json; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
            f"import bench_qda; "
            f"print(json.dumps(bench_qda.side({corpus!r}, {out!r}, {exports!r})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def prepare(work: Path, docs: int) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_corpus

    shutil.copytree(ROOT / "data" / "raw", work / "seed")
    (work / f"corpus{docs}").mkdir()
    bench_corpus.write_corpus(work / f"corpus{docs}", docs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="the other checkout")
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--check", action="store_true", help="compare bytes (seed + 50 docs)")
    parser.add_argument("--exports", nargs="*", default=list(EXPORTS),
                        help=f"exporters to run (default {' '.join(EXPORTS)})")
    args = parser.parse_args()
    docs = 50 if args.check else args.docs
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        prepare(work, docs)
        corpora = ["seed", f"corpus{docs}"] if args.check else [f"corpus{docs}"]
        failed = False
        for corpus in corpora:
            results = {}
            for label, checkout in (("before", args.base), ("after", ROOT)):
                out = f"out_{label}_{corpus}"
                results[label] = run_side(checkout, work, corpus, out, tuple(args.exports))
                print(corpus, label, json.dumps({k: round(v, 2)
                                                 for k, v in results[label].items()}))
            if args.check:
                before = digests(work / f"out_before_{corpus}")
                after = digests(work / f"out_after_{corpus}")
                diff = sorted(k for k in before.keys() | after.keys()
                              if before.get(k) != after.get(k))
                print(corpus, f"{len(before)} files before, {len(after)} after;",
                      "identical" if not diff else f"DIFFERENT: {diff}")
                failed |= bool(diff)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
