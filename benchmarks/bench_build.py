"""Time `cqanalysis build` on the bundled chapter in fresh processes, against baselines.

    .venv/bin/python benchmarks/bench_build.py [--runs 5]

Baselines measured in the same run: a fresh interpreter that only imports cqanalysis, and
one that imports matplotlib, openpyxl and python-docx (what any build must load).  Reports
the median wall time of each and the build's peak RSS; output goes to a temporary folder.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        cases = {
            "python -c 'import cqanalysis'": [py, "-c", "import cqanalysis"],
            "import matplotlib, openpyxl, docx": [
                py, "-c", "import cqanalysis, matplotlib.pyplot, openpyxl, docx"],
            "cqanalysis build (seed)": [py, "-m", "cqanalysis.cli", "build", "--quiet",
                                        "--out", str(Path(tmp) / "reports")],
        }
        print(f"{'command':<36}{'median s':>10}{'min s':>8}{'peak RSS MB':>13}")
        for name, cmd in cases.items():
            times, peaks = [], []
            for _ in range(args.runs):
                seconds, peak = _run(cmd)
                times.append(seconds)
                peaks.append(peak)
            print(f"{name:<36}{statistics.median(times):>10.2f}{min(times):>8.2f}"
                  f"{max(peaks):>13.0f}")


if __name__ == "__main__":
    main()
