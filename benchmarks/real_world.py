"""Measure cqanalysis on documents written by others against hand counts.

    .venv/bin/python benchmarks/real_world.py DOCS_DIR COUNTS_CSV [--build] [--csv OUT.csv]
        [--no-folder-build]

``COUNTS_CSV`` has one row per document with at least the columns ``file, rec_tables,
rec_rows, items`` (hand counts: recommendation tables, their rows, prose items); other
columns (kind, source_url, notes …) are ignored.  Every listed file in ``DOCS_DIR`` is parsed
with :func:`cqanalysis.parse`; the recommendation tables are those of ``kind``
``"recommendation"``.  A document is

* ``exact``   when its recommendation tables and rows both match the hand counts,
* ``partial`` when only the number of tables matches,
* ``wrong``   otherwise, and ``error`` when parsing raised (one document never stops the run).

Items are reported beside, with the summed absolute difference from the hand counts.  Every
parse is also checked for line ownership (:func:`cqanalysis.parse.accounting.line_owners`:
each block line owned exactly once).  With ``--build``, ``cqanalysis build`` runs on every
document alone and on the whole folder, in fresh processes writing to a temporary folder,
and the exit codes are reported.  The documents themselves are never copied anywhere.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import cqanalysis
from cqanalysis.parse.accounting import line_owners
from cqanalysis.sources import read

VERDICTS = ("exact", "partial", "wrong", "error")


@dataclass
class Result:
    """Hand and parser counts for one document."""

    file: str
    hand: tuple[int, int, int]
    parser: tuple[int, int, int] | None = None
    owners_ok: bool | None = None
    build_exit: int | None = None
    error: str = ""

    @property
    def verdict(self) -> str:
        if self.parser is None:
            return "error"
        if self.parser[:2] == self.hand[:2]:
            return "exact"
        return "partial" if self.parser[0] == self.hand[0] else "wrong"


def owned_once(path: Path, doc: cqanalysis.Document) -> bool:
    """Whether every block line of the source is owned by exactly one frame."""
    expected = {block.line for block in read(path).blocks}
    claims = Counter(line_owners(doc)["line"].tolist())
    return set(claims) == expected and all(n == 1 for n in claims.values())


def measure(path: Path, hand: tuple[int, int, int]) -> Result:
    """Parse one document; any exception becomes an ``error`` result."""
    result = Result(path.name, hand)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            doc = cqanalysis.parse(path)
            tables = int((doc.tables["kind"] == "recommendation").sum())
            result.parser = (tables, len(doc.rows), len(doc.items))
            result.owners_ok = owned_once(path, doc)
    except Exception as exc:  # one bad document must not stop the run
        result.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
    return result


def build(inputs: list[Path], out: Path) -> tuple[int, str]:
    """Run ``cqanalysis build`` in a fresh process; its exit code and last stderr line."""
    command = [sys.executable, "-c", "import sys; from cqanalysis.cli import main; "
               "sys.exit(main())", "build", *map(str, inputs), "--out", str(out), "--quiet",
               "--jobs", "1"]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = proc.stderr.strip().splitlines()
    return proc.returncode, lines[-1][:160] if lines else ""


def read_counts(counts_csv: Path) -> pd.DataFrame:
    """The hand counts, one row per file."""
    counts = pd.read_csv(counts_csv, dtype={"file": str})
    missing = {"file", "rec_tables", "rec_rows", "items"} - set(counts.columns)
    if missing:
        raise SystemExit(f"{counts_csv}: missing columns {sorted(missing)}")
    return counts


def report(results: list[Result], folder_exit: int | None) -> str:
    """A fixed-width table of hand vs parser counts and a summary."""
    lines = [f"{'file':<52} {'hand t/r/i':>12} {'parser t/r/i':>14}  {'verdict':<8} owners"
             + ("  build" if any(r.build_exit is not None for r in results) else "")]
    for res in results:
        hand = "/".join(map(str, res.hand))
        found = "/".join(map(str, res.parser)) if res.parser else "-"
        owners = {True: "ok", False: "BAD", None: "-"}[res.owners_ok]
        built = f"  {res.build_exit}" if res.build_exit is not None else ""
        extra = f"  {res.error}" if res.error else ""
        lines.append(f"{res.file:<52} {hand:>12} {found:>14}  {res.verdict:<8} {owners:<6}"
                     f"{built}{extra}")
    tally = Counter(r.verdict for r in results)
    n = len(results)
    share = tally["exact"] / n if n else 0.0
    lines.append(f"summary: {n} documents, exact {tally['exact']} ({share:.0%}), partial "
                 f"{tally['partial']}, wrong {tally['wrong']}, error {tally['error']}")
    parsed = [r for r in results if r.parser is not None]
    item_error = sum(abs(r.parser[2] - r.hand[2]) for r in parsed if r.parser)
    lines.append(f"items: hand {sum(r.hand[2] for r in parsed)}, parser "
                 f"{sum(r.parser[2] for r in parsed if r.parser)}, summed |difference| "
                 f"{item_error}")
    invented = sum(max(r.parser[1] - r.hand[1], 0) for r in parsed if r.parser)
    lines.append(f"rows invented (parser rows above hand rows, summed): {invented}")
    lines.append(f"line ownership: {sum(r.owners_ok is True for r in results)} of {n} "
                 "documents own every line exactly once")
    if any(r.build_exit is not None for r in results):
        codes = Counter(r.build_exit for r in results if r.build_exit is not None)
        folder = f"; whole folder exit {folder_exit}" if folder_exit is not None else ""
        lines.append(f"build: exit codes per document {dict(sorted(codes.items()))}{folder}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("docs_dir", type=Path, help="folder holding the documents")
    parser.add_argument("counts_csv", type=Path, help="hand counts (file, rec_tables, …)")
    parser.add_argument("--build", action="store_true",
                        help="also run `cqanalysis build` per document and on the folder")
    parser.add_argument("--no-folder-build", action="store_true",
                        help="with --build, skip the build of the whole folder (to run the "
                             "per-document builds in batches)")
    parser.add_argument("--csv", type=Path, help="write the per-document results here")
    args = parser.parse_args(argv)
    results: list[Result] = []
    folder_exit = None
    with tempfile.TemporaryDirectory() as tmp:
        for n, row in enumerate(read_counts(args.counts_csv).itertuples(index=False)):
            hand = (int(row.rec_tables), int(row.rec_rows), int(row.items))
            path = args.docs_dir / str(row.file)
            if not path.is_file():
                results.append(Result(str(row.file), hand, error="not in DOCS_DIR"))
                continue
            result = measure(path, hand)
            if args.build:
                result.build_exit, message = build([path], Path(tmp) / f"doc{n}")
                if result.build_exit and not result.error:
                    result.error = message
            results.append(result)
        if args.build and not args.no_folder_build:
            folder_exit, _ = build([args.docs_dir], Path(tmp) / "folder")
    print(report(results, folder_exit))
    if args.csv is not None:
        pd.DataFrame([{
            "file": r.file, "hand_tables": r.hand[0], "hand_rows": r.hand[1],
            "hand_items": r.hand[2],
            "parser_tables": r.parser[0] if r.parser else None,
            "parser_rows": r.parser[1] if r.parser else None,
            "parser_items": r.parser[2] if r.parser else None,
            "verdict": r.verdict, "owners_ok": r.owners_ok, "build_exit": r.build_exit,
            "error": r.error,
        } for r in results]).to_csv(args.csv, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
