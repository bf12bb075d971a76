"""Command line for the manual-coding and QDA workflow: ``sheet``, ``agree`` and ``export``.

``cqanalysis sheet`` writes a coding sheet per coder; ``cqanalysis agree`` reads the filled
sheets and writes the agreement report; ``cqanalysis export`` writes REFI-QDA (.qdpx, .qdc)
or the QDA tables (xlsx, csv).  :func:`add_workflow_commands` adds them to the ``cqanalysis``
parser and :data:`WORKFLOW_COMMANDS` maps them to their handlers, which
:func:`cqanalysis.cli.main` runs.  Exit status as ``cqanalysis``: 0 done, 2 bad input (one
line), 1 internal error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .core.errors import CqError, InputError

__all__ = ["WORKFLOW_COMMANDS", "add_workflow_commands"]

EXPORT_FORMATS = ("qdpx", "qdc", "xlsx", "csv")


def _codebook_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--codebook", action="append", default=None, metavar="YAML_QDC_OR_NAME",
                   help="a codebook YAML or REFI-QDA .qdc file, or a shipped name "
                   "(instruments, outcomes, levels); repeatable; default: the shipped three")


def _input_options(p: argparse.ArgumentParser, *, required: bool) -> None:
    p.add_argument("inputs", nargs="+" if required else "*", type=Path, metavar="INPUT",
                   help="documents: files or directories (.txt .md .docx .pdf .xlsx .csv .html)")
    p.add_argument("--manifest", type=Path, help="CSV or YAML manifest with document variables")


def add_workflow_commands(sub: Any) -> None:
    """Add ``sheet``, ``agree`` and ``export`` to the subparsers ``sub`` of ``cqanalysis``."""
    s = sub.add_parser("sheet", help="write an xlsx coding sheet of the documents' clauses")
    _input_options(s, required=True)
    s.add_argument("--out", type=Path, required=True, metavar="XLSX")
    s.add_argument("--coder", help="coder name written on the sheet")
    s.add_argument("--slots", type=int, default=None,
                   help="codes a coder may give one clause (default 1; with --check, the most "
                   "the dictionary gave one clause)")
    s.add_argument("--check", action="store_true",
                   help="pre-fill the dictionary's codes, the clauses likeliest to be wrong "
                   "first, for a coder to check and correct (then: build --checked SHEET)")
    _codebook_option(s)

    a = sub.add_parser("agree", help="read filled coding sheets, write the agreement report")
    a.add_argument("sheets", nargs="+", type=Path, metavar="SHEET",
                   help="filled coding sheets, one per coder (at least two)")
    a.add_argument("--out", type=Path, required=True, metavar="DIR")
    _codebook_option(a)

    e = sub.add_parser("export", help="REFI-QDA project or codebook, or the QDA tables")
    _input_options(e, required=False)
    e.add_argument("--format", choices=EXPORT_FORMATS, required=True,
                   help="qdpx: coded project (needs INPUT); qdc: codebook; xlsx/csv: the QDA "
                   "tables with INPUT, else the codebook")
    e.add_argument("--out", type=Path, required=True, metavar="PATH",
                   help="file to write (a folder for csv)")
    e.add_argument("--lang", choices=("zh", "en"), default="zh", help="code label language")
    e.add_argument("--sheets", nargs="+", type=Path, default=None, metavar="SHEET",
                   help="filled coding sheets whose coders go into the .qdpx as users")
    e.add_argument("--checked", type=Path, default=None, metavar="SHEET.xlsx",
                   help="a coding sheet checked by one coder (sheet --check): its checked "
                   "rows' codes replace the dictionary's")
    _codebook_option(e)


def _codebooks(specs: Sequence[str] | None) -> tuple[Any, ...]:
    from .codebook import default_codebooks, load_codebook
    from .refi_read import read_qdc

    if not specs:
        return default_codebooks()
    books: list[Any] = []
    for spec in specs:
        books += read_qdc(spec) if spec.lower().endswith(".qdc") else [load_codebook(spec)]
    return tuple(books)


def _corpus(args: argparse.Namespace) -> Any:
    from .corpus import parse_corpus, require_readable

    missing = [p for p in args.inputs if not p.exists()]
    if missing:
        raise InputError(missing[0], "no such file or directory")
    corpus = parse_corpus(args.inputs or None, manifest=args.manifest)
    require_readable(corpus)
    return corpus


def cmd_sheet(args: argparse.Namespace) -> int:
    """``cqanalysis sheet``: the coding units of the documents (table clauses, then narrative
    items) as a coding sheet; with ``--check``, pre-filled and in review order."""
    from .checking import review_order
    from .clauses import explode_clauses
    from .coding import UNIT_KEY, code_units, coding_units
    from .codingsheet import write_coding_sheet

    books = _codebooks(args.codebook)
    corpus = _corpus(args)
    clauses = explode_clauses(corpus.rows)
    if clauses.empty and corpus.items.empty:
        raise InputError(args.inputs[0], "no table rows and no recommendation items to code")
    units = coding_units(None if clauses.empty else clauses,
                         None if corpus.items.empty else corpus.items)
    key = [c for c in UNIT_KEY if c in units.columns and units[c].notna().any()]
    if not args.check:
        write_coding_sheet(units, books, args.out, coder=args.coder, key=key, slots=args.slots)
        print(f"wrote {len(units)} units to code → {args.out}", file=sys.stderr)
        return 0
    coded = code_units(units, books)
    order = review_order(coded, codebooks=books)["unit_id"]
    units = units.set_index("unit_id").loc[order].reset_index()
    write_coding_sheet(units, books, args.out, coder=args.coder, key=key, slots=args.slots,
                       prefill=coded)
    print(f"wrote {len(units)} units with the dictionary's codes to check, likeliest errors "
          f"first → {args.out}", file=sys.stderr)
    return 0


def cmd_agree(args: argparse.Namespace) -> int:
    """``cqanalysis agree``: agreement.csv (and agreement.xlsx) from filled sheets."""
    from .agreement import agreement_report
    from .codingsheet import read_coding_sheets
    from .core.io import write_csv
    from .writers.qda_tables import write_frame_xlsx

    books = _codebooks(args.codebook)
    coded = read_coding_sheets(args.sheets, books)
    if coded["coder"].nunique() < 2:
        raise InputError(args.sheets[0], "agreement needs sheets of at least two coders")
    report = agreement_report(coded, codebooks=books)
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(report, args.out / "agreement.csv")
    write_frame_xlsx({"agreement": report, "codings": coded}, args.out / "agreement.xlsx")
    print(f"agreement of {coded['coder'].nunique()} coders → {args.out}/", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """``cqanalysis export --format qdpx|qdc|xlsx|csv``."""
    from .writers.qda_tables import write_codebook, write_frame_xlsx, write_qda_tables

    books = _codebooks(args.codebook)
    if args.format == "qdc" or (args.format in ("xlsx", "csv") and not args.inputs):
        path = args.out
        if args.format == "csv" and path.suffix.lower() != ".csv":
            path = path / "codebook.csv"
        elif path.suffix.lower() != f".{args.format}":
            raise _Usage(f"export --format {args.format}: --out must end in .{args.format}")
        write_codebook(books, path, lang=args.lang)
        print(f"wrote the codebook → {path}", file=sys.stderr)
        return 0
    if not args.inputs:
        raise _Usage("export --format qdpx: give INPUT documents")
    from .builder import analyse_checked
    from .codingsheet import read_coding_sheets

    checks = read_coding_sheets(args.checked, books) if args.checked else None
    analysis = analyse_checked(_corpus(args), codebooks=books, checks=checks,
                               checked=args.checked)
    if args.format == "qdpx":
        from .writers.refi import write_qdpx

        sheets = read_coding_sheets(args.sheets, books) if args.sheets else None
        write_qdpx(analysis, args.out, sheets=sheets, lang=args.lang)
    elif args.format == "csv":
        write_qda_tables(analysis, args.out, lang=args.lang)
    else:
        from .qda import qda_frames

        write_frame_xlsx(qda_frames(analysis, lang=args.lang), args.out)
    print(f"exported {args.format} → {args.out}", file=sys.stderr)
    return 0


class _Usage(CqError):
    """A command line that cannot run (exit status 2)."""


#: Command name → handler, for ``cqanalysis.cli.main``'s dispatch table.
WORKFLOW_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "sheet": cmd_sheet, "agree": cmd_agree, "export": cmd_export,
}
