"""Command line: ``cqanalysis parse`` (frames as CSV) and ``cqanalysis build`` (everything).

Exit status: 0 done, 2 bad input or usage (one line on stderr naming the file and line),
1 internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .cli_workflow import WORKFLOW_COMMANDS, add_workflow_commands
from .core.errors import CqError

__all__ = ["main"]

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2
DEFAULT_INPUT = Path("data/raw")
DEFAULT_OUT = Path("reports")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit status is already 2
        self.exit(EXIT_USAGE, f"cqanalysis: error: {message}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {text!r}")
    return value


def _add_input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--manifest", type=Path, help="CSV or YAML manifest with document variables")
    p.add_argument("--jobs", type=_positive_int, default=None,
                   help="worker processes, 1 or more (default: automatic)")
    p.add_argument("--strict", action="store_true",
                   help="stop at the first structural problem or unreadable document")
    p.add_argument("--options", type=Path, default=None, metavar="FILE.yaml",
                   help="parser options (cqanalysis.ParseOptions fields) as a YAML mapping")
    _add_scale_options(p)


# --------------------------------------------------------------------------- scale (issue 14)


def _add_scale_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="parse on a Dask cluster, e.g. tcp://host:8786 (pip install "
                   "'cqanalysis[scale]')")
    p.add_argument("--cache", type=Path, default=None, metavar="DIR",
                   help="cache folder for parsed documents and (build) rendered "
                   "tables (default: OUT/.cache)")
    p.add_argument("--no-cache", action="store_true", help="parse (and render) everything again")


def _cache_dir(args: argparse.Namespace) -> Path | None:
    return None if args.no_cache else (args.cache or args.out / ".cache")


@contextlib.contextmanager
def _executor(address: str | None) -> Iterator[Any]:
    """A Dask cluster's executor for ``--scheduler``, closed afterwards; else ``None``."""
    if address is None:
        yield None
        return
    try:
        from distributed import Client
    except ImportError:
        raise _UsageError("--scheduler needs Dask: pip install 'cqanalysis[scale]'") from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise _UsageError(f"cannot reach the Dask scheduler at {address} ({exc})") from None
    try:
        yield client.get_executor()
    finally:
        client.close()


def _parse_to_parquet(args: argparse.Namespace) -> int:
    from .corpus import require_readable
    from .stream import stream_corpus

    with _executor(args.scheduler) as executor:
        result = stream_corpus(args.inputs or None, out=args.out / "parquet",
                               manifest=args.manifest, jobs=args.jobs, strict=args.strict,
                               options=_load_options(args.options), executor=executor,
                               cache=_cache_dir(args))
    require_readable(result)  # type: ignore[arg-type]
    _report(result)
    n_docs = len(result.documents) - len(result.errors)
    print(f"parsed {n_docs} document(s) → {args.out}/parquet/<frame>/", file=sys.stderr)
    return EXIT_OK


# --------------------------------------------------------------------------- commands


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cqanalysis", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("parse", help="parse documents into CSV frames")
    p.add_argument("inputs", nargs="*", type=Path, metavar="INPUT",
                   help="files or directories (.txt .md .docx .pdf .xlsx .csv .html); "
                   "may be omitted with --manifest")
    p.add_argument("--out", type=Path, required=True, metavar="DIR")
    p.add_argument("--parquet", action="store_true",
                   help="write OUT/parquet/<frame>/part-*.parquet as documents arrive, in "
                   "flat memory, instead of CSV (for corpora of 10^5+ documents)")
    _add_input_options(p)

    b = sub.add_parser("build", help="frames, coded data, crosstabs, figures and appendices")
    b.add_argument("inputs", nargs="*", type=Path, metavar="INPUT",
                   help=f"files or directories (default: {DEFAULT_INPUT})")
    b.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                   help=f"output folder (default: {DEFAULT_OUT})")
    b.add_argument("--codebook", action="append", default=None, metavar="YAML_OR_NAME",
                   help="a codebook YAML file or a shipped name (instruments, outcomes, "
                   "levels); repeatable; default: the three shipped codebooks")
    b.add_argument("--lang", choices=("zh", "en", "both"), default="zh",
                   help="label language of figures and tables")
    b.add_argument("--quiet", action="store_true", help="no progress display")
    b.add_argument("--checked", type=Path, default=None, metavar="SHEET.xlsx",
                   help="a coding sheet checked by one coder (cqanalysis sheet --check): its "
                   "checked rows' codes replace the dictionary's")
    _add_input_options(b)
    add_workflow_commands(sub)
    return parser


def _version() -> str:
    from .core.version import __version__

    return __version__


def _load_options(path: Path | None) -> Any:
    """``--options FILE.yaml`` as a ParseOptions; an unknown key is an error naming it."""
    if path is None:
        return None
    from .parse import ParseOptions

    return ParseOptions.from_yaml(path)


def _check_inputs(inputs: Sequence[Path]) -> None:
    for path in inputs:
        if not os.path.lexists(path):
            raise _UsageError(f"{path}: no such file or folder")


def _cmd_parse(args: argparse.Namespace) -> int:
    from .core.io import write_csv
    from .corpus import parse_corpus, require_readable
    from .publish import check_out

    if not args.inputs and args.manifest is None:
        raise _UsageError("parse: give INPUT files or directories, or --manifest")
    _check_inputs(args.inputs)
    check_out(args.out, [*args.inputs, *([args.manifest] if args.manifest else [])],
              whole_folder=False)
    if args.parquet:
        return _parse_to_parquet(args)
    with _executor(args.scheduler) as executor:
        corpus = parse_corpus(args.inputs or None, manifest=args.manifest, jobs=args.jobs,
                              strict=args.strict, options=_load_options(args.options),
                              executor=executor, cache=_cache_dir(args))
    require_readable(corpus)
    for name, frame in {**corpus.frames(), "documents": corpus.documents}.items():
        write_csv(frame, args.out / f"{name}.csv")
    _report(corpus)
    n_docs = len(corpus.documents) - len(corpus.errors)
    print(f"parsed {n_docs} document(s): {len(corpus.rows)} table rows, {len(corpus.items)} "
          f"items, {len(corpus.residue)} residue lines → {args.out}/", file=sys.stderr)
    return EXIT_OK


def _cmd_build(args: argparse.Namespace) -> int:
    from .builder import build

    _check_inputs(args.inputs)
    # with --manifest and no INPUT, the manifest names the documents: not the bundled chapter
    inputs = args.inputs or ([DEFAULT_INPUT] if args.manifest is None else None)
    with _executor(args.scheduler) as executor:
        build(inputs, out=args.out, codebooks=args.codebook, lang=args.lang,
              manifest=args.manifest, jobs=args.jobs, strict=args.strict,
              progress=None if not args.quiet else False, options=_load_options(args.options),
              executor=executor, cache=_cache_dir(args) or False, checked=args.checked)
    return EXIT_OK


class _UsageError(Exception):
    """A command line that cannot run (exit status 2), beyond what argparse checks."""


def _report(corpus: Any) -> None:
    """Lenient-mode problems, one line each: what was skipped and what went to residue."""
    for _, err in corpus.errors.iterrows():
        print(f"cqanalysis: skipped {err['path']}: {err['error']}", file=sys.stderr)
    for message in corpus.warnings:
        print(f"cqanalysis: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cqanalysis`` command."""
    args = build_parser().parse_args(argv)
    command = {"parse": _cmd_parse, "build": _cmd_build, **WORKFLOW_COMMANDS}[args.command]
    from .exporters import SkippedOutput
    from .parse import ParseWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ParseWarning)
        warnings.simplefilter("always", SkippedOutput)
        try:
            status = command(args)
        except (CqError, _UsageError) as exc:
            print(f"cqanalysis: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            return 130
    for w in caught:
        if issubclass(w.category, ParseWarning | SkippedOutput):
            print(f"cqanalysis: warning: {w.message}", file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return status


if __name__ == "__main__":
    sys.exit(main())
