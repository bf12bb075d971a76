"""``cqanalysis build``: parse → analyse → every registered exporter → one folder of reports.

The builder only loops: over the exporters of :mod:`cqanalysis.exporters` (tables, crosstabs,
figures, appendix, Word, LaTeX, in registration order) and, through the ``figures`` exporter,
over the figure plan of :mod:`cqanalysis.exporters.figures`.  A new export format or figure
is a module and a registration; this file does not change.

Everything is written into a staging folder beside ``out`` and swapped in whole only when
the build succeeded (:mod:`cqanalysis.publish`), so a failed or interrupted build leaves the
previous reports.  Outputs are byte-identical for identical inputs: no absolute paths, no
clock times (``SOURCE_DATE_EPOCH`` dates the files that need a date).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .analysis import Analysis, analyse
from .analysis_cache import Groundwork, cached_groundwork
from .codebook import Codebook
from .coding import resolve_codebooks
from .codingsheet import read_coding_sheets
from .core.document import Corpus
from .core.errors import InputError
from .core.io import atomic_write, file_sha256
from .exporters import EXPORTERS, SkippedOutput
from .exporters._common import crosstab_problem
from .exporters.figures import draw_figures
from .exporters.tables import TABLE_FRAMES
from .publish import check_out, publish, remove_stale, staging
from .writers._render_cache import render_cache
from .writers._sheetdata import shared_rows

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BuildResult", "build", "draw_figures"]


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote: the analysis, the output files (relative to ``out``) and what it
    skipped for want of data (one message each)."""

    out: Path
    analysis: Analysis
    files: tuple[str, ...]
    skipped: tuple[str, ...] = ()


def _display_path(path: object) -> str:
    """A path as shown in outputs: relative to the working folder when inside it."""
    p = Path(str(path))
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.name


def build(
    inputs: Sequence[str | os.PathLike[str]] | None = ("data/raw",),
    *,
    out: str | os.PathLike[str] = "reports",
    codebooks: Sequence[str | os.PathLike[str]] | None = None,
    lang: str = "zh",
    manifest: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    strict: bool = False,
    progress: bool | None = None,
    options: object | None = None,
    executor: object | None = None,
    cache: str | os.PathLike[str] | bool = True,
    checked: str | os.PathLike[str] | None = None,
) -> BuildResult:
    """Build every table, figure and appendix for a paper from source documents.

    Parameters
    ----------
    inputs
        Files or directories; default the bundled ``data/raw``; ``None`` or empty: the
        documents of ``manifest``.
    out
        Output folder (default ``reports``): what every registered exporter writes, a
        ``README.md`` of what was built from what, and ``.cqanalysis-manifest.json`` listing
        the files the build wrote.  Other files in ``out`` are the user's: kept.
    codebooks
        Codebook YAML files or shipped names; default the shipped codebooks.
    lang
        ``"zh"``, ``"en"`` or ``"both"``: labels of figures, tables and the appendix; with
        ``"en"`` the figure files have English names too.
    manifest, jobs, strict, options, executor
        As in :func:`cqanalysis.parse_corpus` (``options``: :class:`cqanalysis.ParseOptions`;
        ``executor``: any :class:`concurrent.futures.Executor`, e.g. a Dask cluster's).
    cache
        The cache folder; ``True`` (default): ``out/.cache``: a rebuild with other codebooks
        parses nothing, reuses clauses, links, offsets and unchanged tables; ``False``: none.
    checked
        A checked coding sheet (``cqanalysis sheet --check``; :func:`cqanalysis.apply_checks`).
    progress
        Steps and a summary on stderr (a terminal: one updating line, else one line per
        step); ``False`` is silent.

    Returns
    -------
    BuildResult

    Warns
    -----
    SkippedOutput
        For each figure, crosstab or file not written because its data are empty or
        degenerate; ``README.md`` lists them too.

    Raises
    ------
    InputError
        A missing input, no readable document, (``strict``) the first unreadable one, or a
        ``checked`` sheet whose units or codes do not fit the documents and codebooks.
    OutputError
        ``out`` is a file, overlaps an input, or holds a user's file where the build writes.
    ParseError
        With ``strict=True``, the first structural problem.
    """
    from .corpus import parse_corpus, require_readable

    given = list(inputs) if inputs else []
    target, folder, books, checks = _prepare(given, out, manifest, cache, codebooks, checked)
    steps = _Steps(progress)
    steps("parse")
    corpus = parse_corpus(given or None, manifest=manifest, jobs=jobs, strict=strict,
                          progress=False, options=options, executor=executor,  # type: ignore[arg-type]
                          cache=folder)
    corpus, sources = _with_display_paths(require_readable(corpus))
    steps("analyse")
    analysis = _analyse(corpus, sources, codebooks=books, cache=folder, options=options,
                        strict=strict, checks=checks, checked=checked)
    files, skipped = _write_and_publish(analysis, target, lang=lang, steps=steps, cache=folder)
    _report_done(steps, out, files, skipped)
    return BuildResult(out=Path(out), analysis=analysis, files=tuple(files),
                       skipped=tuple(skipped))


def _prepare(
    given: list[str | os.PathLike[str]], out: str | os.PathLike[str],
    manifest: str | os.PathLike[str] | None, cache: str | os.PathLike[str] | bool,
    codebooks: Sequence[str | os.PathLike[str]] | None, checked: str | os.PathLike[str] | None,
) -> tuple[Path, Path | None, tuple[Codebook, ...], pd.DataFrame | None]:
    """The output and cache folders, the codebooks and the checks, each checked before any
    file is written (a checked sheet that cannot be read stops the build here)."""
    target = _check_paths(given, out, manifest)
    folder = target / ".cache" if cache is True else (Path(cache) if cache else None)
    books = resolve_codebooks(list(codebooks) if codebooks else None)
    return target, folder, books, read_coding_sheets(checked, books) if checked else None


def _report_done(steps: _Steps, out: str | os.PathLike[str], files: list[str],
                 skipped: list[str]) -> None:
    for message in skipped:
        warnings.warn(message, SkippedOutput, stacklevel=3)
    summary = f"built {len(files)} files in {Path(out)}/"
    steps.done(summary + (f", skipped {len(skipped)} (see README.md)" if skipped else ""))


def _analyse(corpus: Corpus, sources: dict[str, str], *, codebooks: tuple[Codebook, ...],
             cache: Path | None, options: object | None, strict: bool,
             checks: pd.DataFrame | None = None,
             checked: str | os.PathLike[str] | None = None) -> Analysis:
    """The analysis of ``corpus``; with a cache, its codebook-independent part is read back.

    Clauses, coding units, links and the offsets of units and rows in the sources do not
    depend on the codebooks: a rebuild with other codebooks takes them from
    ``cache/analysis`` (:func:`~cqanalysis.analysis_cache.cached_groundwork`).  ``checks``
    (read from the sheet ``checked``) replace the dictionary's codes of their units.
    """
    work = (cached_groundwork(corpus, folder=cache / "analysis", sources=sources,
                              options=options, strict=strict) if cache else None)
    analysis = analyse_checked(corpus, codebooks=codebooks, checks=checks, checked=checked,
                               groundwork=work)
    return analysis.with_sources(sources)


def analyse_checked(corpus: Corpus, *, codebooks: Sequence[Codebook],
                    checks: pd.DataFrame | None, checked: str | os.PathLike[str] | None,
                    groundwork: Groundwork | None = None) -> Analysis:
    """:func:`~cqanalysis.analyse` with the checks read from the sheet ``checked``; checks
    that do not fit the documents are an :class:`InputError` naming the sheet."""
    try:
        return analyse(corpus, codebooks=codebooks, groundwork=groundwork, checks=checks)
    except ValueError as exc:
        if checks is None:
            raise
        raise InputError(checked, str(exc).removeprefix("apply_checks: ")) from None


def _write_and_publish(analysis: Analysis, target: Path, *, lang: str, steps: _Steps,
                       cache: Path | None) -> tuple[list[str], list[str]]:
    """Run the exporters into a staging folder, add README.md, swap it in as ``target``.

    Rendered files (one Word/LaTeX file per table) are cached in ``cache/render``: a rebuild
    with another codebook copies the source tables instead of rendering them again.  Damaged
    entries are rendered again with a :class:`~cqanalysis.corpus.CacheWarning`.
    """
    with render_cache(cache / "render" if cache else None), shared_rows(), \
            staging(target) as root:
        written, skipped = _export(analysis, root, lang=lang, steps=steps)
        files = sorted(p.relative_to(root).as_posix() for p in written)
        files.append("README.md")
        _write_readme(root / "README.md", analysis, files, skipped)
        steps("publish")
        publish(root, target, files)
    return files, skipped


def _check_paths(given: list[str | os.PathLike[str]], out: str | os.PathLike[str],
                 manifest: str | os.PathLike[str] | None) -> Path:
    """The output folder, checked before any work: inputs exist, ``out`` is usable."""
    missing = [path for path in given if not os.path.lexists(path)]
    if missing:
        raise InputError(missing[0], "no such file or folder")
    target = check_out(out, [*given, *([manifest] if manifest is not None else [])])
    # a build killed mid-swap left the reports in its staging folder: put them back before
    # anything (the parse cache under OUT) writes into OUT
    remove_stale(target)
    return target


def _with_display_paths(corpus: Corpus) -> tuple[Corpus, dict[str, str]]:
    """The corpus with paths as outputs show them, and doc_id → the real path.

    Outputs show paths relative to the working folder (nothing depends on where the
    repository lies); exporters that read the sources again (REFI-QDA texts) need the real
    ones.
    """
    docs = corpus.documents
    sources = dict(zip(docs["doc_id"].astype(str), docs["path"].astype(str), strict=True))
    documents = docs.assign(path=[_display_path(p) for p in docs["path"]])
    errors = corpus.errors.assign(path=[_display_path(p) for p in corpus.errors["path"]])
    return replace(corpus, documents=documents, errors=errors), sources


class _Steps:
    """Progress on stderr: one updating line on a terminal, else one line per step."""

    def __init__(self, progress: bool | None) -> None:
        self.show = progress is not False
        self.terminal = sys.stderr.isatty()

    def __call__(self, name: str) -> None:
        if self.show and self.terminal:
            print(f"\rcqanalysis build: {name:<12}", end="", file=sys.stderr, flush=True)
        elif self.show:
            print(f"cqanalysis build: {name}", file=sys.stderr, flush=True)

    def done(self, message: str) -> None:
        if self.show:
            start = "\r" if self.terminal else ""
            print(f"{start}cqanalysis build: {message}", file=sys.stderr, flush=True)


def _export(analysis: Analysis, root: Path, *, lang: str,
            steps: _Steps) -> tuple[list[Path], list[str]]:
    """Run every registered exporter; collect the files written and the reports skipped."""
    written: list[Path] = []
    skipped: list[str] = []
    for name, exporter in EXPORTERS.items():
        steps(name)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SkippedOutput)
            written += exporter(analysis, root, lang=lang)
        for w in caught:
            if issubclass(w.category, SkippedOutput):
                skipped.append(str(w.message))
            else:  # not ours to swallow
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                                       source=w.source)
    return written, skipped


def _codebook_lines(analysis: Analysis) -> list[str]:
    """README lines: the codebooks with their files' hashes, and how much of the text they coded."""
    from .learn import FIRST_PASS_NOTE, coverage_summary

    lines = ["", "## Codebooks", "", "| name | title | codes | SHA-256 |", "|---|---|---|---|"]
    for book in analysis.codebooks:
        digest = file_sha256(book.path) if book.path else ""
        lines.append(f"| {book.name} | {book.zh} | {len(book)} | `{digest}` |")
    coverage = coverage_summary(analysis.coded, codebooks=analysis.codebooks)
    lines += ["", "## Coding coverage", "",
              "| codebook | units it applies to | coded | coverage | checked by hand |",
              "|---|---|---|---|---|"]
    lines += [f"| {r.codebook} | {r.n_units} | {r.n_coded} | {r.coverage:.0%} | {r.n_checked} |"
              for r in coverage.itertuples()]
    return [*lines, "", FIRST_PASS_NOTE]


def _write_readme(path: Path, analysis: Analysis, files: list[str],
                  skipped: list[str]) -> None:
    from .core.version import __version__

    corpus = analysis.corpus
    lines = [
        "# cqanalysis build",
        "",
        f"Built by cqanalysis {__version__} with `cqanalysis build`. Every file here is "
        "regenerated by that command; do not edit by hand.",
        "",
        "## Inputs",
        "",
        "| doc_id | path | SHA-256 |",
        "|---|---|---|",
    ]
    for _, doc in corpus.documents.iterrows():
        lines.append(f"| {doc['doc_id']} | {doc['path']} | `{doc.get('sha256', '')}` |")
    if len(corpus.errors):
        lines += ["", "Not readable (see `tables/errors.csv`):", ""]
        lines += [f"- {e['path']}: {e['error']}" for _, e in corpus.errors.iterrows()]
    lines += _codebook_lines(analysis)
    lines += ["", "## Counts", "", "| frame | rows |", "|---|---|"]
    frames = {**analysis.frames(), "documents": corpus.documents}
    lines += [f"| {name} | {len(frames[name])} |" for name in TABLE_FRAMES]
    residue = corpus.residue["reason"].value_counts().sort_index()
    lines += ["", "## Residue (text that is not content)", ""]
    lines += [f"- {reason}: {n}" for reason, n in residue.items()] or ["- none"]
    lines += ["", "## Parse warnings", ""]
    lines += [f"- {w}" for w in corpus.warnings] or ["- none"]
    published = [name for name, table in analysis.crosstabs.items()
                 if crosstab_problem(table) is None]
    notes = analysis.tests.dropna(subset=["note"]) if "note" in analysis.tests else analysis.tests
    notes = notes[notes["note"].astype(str) != ""] if len(notes) else notes
    notes = notes[notes["crosstab"].isin(published)] if len(notes) else notes
    notes = notes.drop_duplicates("crosstab") if len(notes) else notes  # one per crosstab
    if len(notes):
        lines += ["", "## Notes on the tests", ""]
        lines += [f"- {r['crosstab']}: {r['note']}" for _, r in notes.iterrows()]
    if skipped:
        lines += ["", "## Skipped (no data, or too much to draw)", ""]
        lines += [f"- {message}" for message in skipped]
    lines += ["", "## Files", ""] + [f"- `{f}`" for f in files] + [""]
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines))
