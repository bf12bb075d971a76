"""``cqanalysis build``: parse → analyse → tables, crosstabs, figures, appendix, Word, LaTeX.

Everything is written into a staging folder beside ``out`` and moved into place only when the
whole build succeeded, so a failed build never leaves half-written reports.  Outputs are
byte-identical for identical inputs: no absolute paths, no clock times (``SOURCE_DATE_EPOCH``
dates the files that need a date).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .analysis import Analysis, analyse, code_network, flows
from .core.io import atomic_write, write_csv

__all__ = ["BuildResult", "build", "draw_figures"]

#: Subfolders a build owns: files in them that the build did not write are removed.
OWNED_DIRS = ("tables", "crosstabs", "figures", "word", "latex")
TABLE_FRAMES = ("sections", "tables", "rows", "items", "paragraphs", "residue", "errors",
                "documents", "clauses", "coded", "links")


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote: the analysis and the output files (relative to ``out``)."""

    out: Path
    analysis: Analysis
    files: tuple[str, ...]


def _display_path(path: object) -> str:
    """A path as shown in outputs: relative to the working folder when inside it."""
    p = Path(str(path))
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.name


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(
    inputs: Sequence[str | os.PathLike[str]] = ("data/raw",),
    *,
    out: str | os.PathLike[str] = "reports",
    codebooks: Iterable[str | os.PathLike[str]] | None = None,
    lang: str = "zh",
    manifest: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    strict: bool = False,
    progress: bool | None = None,
) -> BuildResult:
    """Build every table, figure and appendix for a paper from source documents.

    Parameters
    ----------
    inputs
        Files or directories; default the bundled ``data/raw``.
    out
        Output folder (default ``reports``): ``tables/*.csv``, ``crosstabs/*.csv``,
        ``figures/*.{png,pdf,svg}``, ``appendix.xlsx``, ``word/*.docx``, ``latex/*.tex`` and
        ``README.md`` describing what was built from what.
    codebooks
        Codebook YAML files or shipped names; default the shipped codebooks.
    lang
        ``"zh"``, ``"en"`` or ``"both"``: labels of figures, tables and the appendix.
    manifest, jobs, strict
        As in :func:`cqanalysis.parse_corpus`.
    progress
        Show the steps on stderr; ``None``: only when stderr is a terminal.

    Returns
    -------
    BuildResult

    Raises
    ------
    InputError
        No readable document, or (``strict``) the first unreadable one.
    ParseError
        With ``strict=True``, the first structural problem.
    """
    from .corpus import parse_corpus, require_readable

    out = Path(out)
    show = sys.stderr.isatty() if progress is None else progress
    steps = _Steps(show)
    steps("parse")
    corpus = parse_corpus(list(inputs) if inputs else None, manifest=manifest, jobs=jobs,
                          strict=strict, progress=False)
    require_readable(corpus)
    documents = corpus.documents.assign(path=[_display_path(p) for p in corpus.documents["path"]])
    errors = corpus.errors.assign(path=[_display_path(p) for p in corpus.errors["path"]])
    corpus = type(corpus)(**{**corpus.frames(), "errors": errors}, warnings=corpus.warnings,
                          documents=documents)
    steps("analyse")
    books = list(codebooks) if codebooks else None
    analysis = analyse(corpus, codebooks=books)

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-build-", dir=out.parent))
    try:
        files = _write_all(analysis, staging, lang=lang, steps=steps)
        steps("publish")
        _publish(staging, out, files)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    steps.done(f"built {len(files)} files in {out}/")
    return BuildResult(out=out, analysis=analysis, files=tuple(files))


class _Steps:
    """A one-line progress display on a terminal; silent otherwise."""

    def __init__(self, show: bool) -> None:
        self.show = show

    def __call__(self, name: str) -> None:
        if self.show:
            print(f"\rcqanalysis build: {name:<12}", end="", file=sys.stderr, flush=True)

    def done(self, message: str) -> None:
        if self.show:
            print(f"\rcqanalysis build: {message}", file=sys.stderr)


def _write_all(analysis: Analysis, root: Path, *, lang: str,
               steps: Callable[[str], None]) -> list[str]:
    from .writers import write_appendix, write_latex_tables, write_word_tables

    written: list[Path] = []
    steps("tables")
    frames = {**analysis.frames(), "documents": analysis.corpus.documents}
    for name in TABLE_FRAMES:
        written.append(write_csv(frames[name], root / "tables" / f"{name}.csv"))
    for name, table in analysis.crosstabs.items():
        written.append(write_csv(table.reset_index(), root / "crosstabs" / f"{name}.csv"))
    written.append(write_csv(analysis.tests, root / "crosstabs" / "tests.csv"))

    steps("figures")
    figures = draw_figures(analysis, root / "figures", lang=lang)
    written.extend(figures)

    steps("appendix")
    titles = {name: (zh if lang != "en" else en) for name, (zh, en) in analysis.titles.items()}
    stats = {name: analysis.tests[analysis.tests["crosstab"] == name].drop(columns="crosstab")
             for name in analysis.crosstabs}
    tidy = {name: frames[name] for name in ("rows", "items", "clauses", "coded", "links",
                                            "sections", "paragraphs", "residue")}
    from .codebook import codebook_frames

    books = codebook_frames(analysis.codebooks)
    pngs = {p.stem: p for p in figures if p.suffix == ".png"}
    written.append(write_appendix(
        root / "appendix.xlsx", frames=tidy, tables=frames["tables"], rows=frames["rows"],
        crosstabs=analysis.crosstabs, crosstab_stats=stats, crosstab_titles=titles,
        codebooks=books, sources=analysis.corpus.documents,
        warnings=list(analysis.corpus.warnings), figures=pngs,
        lang="en" if lang == "en" else "zh"))
    steps("word, latex")
    common = {"tables": frames["tables"], "rows": frames["rows"],
              "crosstabs": analysis.crosstabs, "crosstab_stats": stats,
              "crosstab_titles": titles, "lang": "en" if lang == "en" else "zh"}
    written.extend(write_word_tables(root / "word", **common))
    written.extend(write_latex_tables(root / "latex", **common))
    relative = sorted(p.relative_to(root).as_posix() for p in written)
    relative.append("README.md")
    _write_readme(root / "README.md", analysis, relative)
    return relative


#: Figures of a build: file stem → (zh title, en title).
FIGURES = {
    "图1_领域_政策工具热力图": ("领域×政策工具", "Domain × policy instrument"),
    "图2_领域_政策工具类型构成": ("各领域政策工具类型构成", "Instrument types per domain"),
    "图3_领域_工具_成效流向": ("领域→政策工具→预期成效", "Domain → instrument → outcome"),
    "图4_编码共现网络": ("政策工具与预期成效共现网络", "Co-occurrence of codes"),
    "图5_文档比较": ("文档间政策工具构成比较", "Instrument types by document"),
}


# The figures of the running draw_figures call, read by forked workers (closures do not pickle).
_PENDING: list[tuple[str, dict[str, Any], Callable[[Any], Any]]] = []


def draw_figures(analysis: Analysis, folder: str | os.PathLike[str], *,
                 lang: str = "zh", jobs: int | None = None) -> list[Path]:
    """Draw the standard figures of an analysis and save them as PNG, PDF and SVG.

    The document comparison is drawn only for a corpus of two or more documents.
    ``jobs``: worker processes (default: two on Linux with two or more cores, where drawing
    and font subsetting dominate a build); the files are the same either way.
    """
    from . import figures as cqf

    folder = Path(folder)
    plan = _figure_plan(analysis, lang)
    if jobs is None:
        jobs = min(2, os.cpu_count() or 1) if sys.platform.startswith("linux") else 1
    # fork copies the drawing closures; only safe while this process runs no other thread
    if jobs > 1 and len(plan) > 1 and threading.active_count() == 1:
        import multiprocessing

        cqf.register_font("sans")  # convert the font once, before the workers start
        _PENDING[:] = plan
        try:
            with multiprocessing.get_context("fork").Pool(min(jobs, len(plan))) as pool:
                done = pool.starmap(_draw_one, [(i, folder) for i in range(len(plan))])
        finally:
            _PENDING.clear()
        return [path for paths in done for path in paths]
    _PENDING[:] = plan
    try:
        return [path for i in range(len(plan)) for path in _draw_one(i, folder)]
    finally:
        _PENDING.clear()


def _figure_plan(
    analysis: Analysis, lang: str
) -> list[tuple[str, dict[str, Any], Callable[[Any], Any]]]:
    """The figures a build draws: (file stem, size, drawing function of an Axes).

    The instrument figures need the shipped ``instruments`` codebook, the flow and network
    figures ``outcomes`` too; a user's own codebook gets a heatmap against the domains.
    """
    from . import figures as cqf
    from .coding import rollup

    books = {getattr(b, "name", ""): b for b in analysis.codebooks}
    # Data stay in Chinese; the figures translate them for lang="en"/"both" with the glossary
    # and the codebooks' own English labels.
    labels = cqf.codebook_labels(analysis.codebooks)
    names = {"domain": "领域", "instrument": "政策工具类型", "outcome": "预期成效维度"}
    labels.update({"领域": "Domain", "政策工具类型": "Instrument type",
                   "预期成效维度": "Outcome dimension"})
    common = {"lang": lang, "labels": labels}
    title = {key: cqf.translate(zh, lang=lang, labels=labels) for key, zh in names.items()}
    plan: list[tuple[str, dict[str, Any], Callable[[Any], Any]]] = []
    for name, book in books.items():
        if name not in ("instruments", "outcomes", "levels"):
            table = analysis.crosstabs[f"domain_x_{name}"]
            plan.append((f"图1_领域_{book.zh}热力图", {"width": "double", "aspect": 0.55},  # type: ignore[attr-defined]
                         lambda ax, t=table: cqf.heatmap(t, annot="count", ax=ax, **common)))
    if "instruments" not in books:
        return plan
    coded1 = rollup(analysis.coded, depth=1, codebooks=analysis.codebooks)
    measures = coded1[(coded1["codebook"] == "instruments") & (coded1["field"] == "measure")]
    measures = measures.dropna(subset=["code"])
    type_order = [c.zh for c in books["instruments"] if c.depth == 1]  # type: ignore[attr-defined]
    present = set(measures["label_zh"])
    plan += [
        ("图1_领域_政策工具热力图", {"width": "double", "aspect": 0.55},
         lambda ax: cqf.heatmap(analysis.crosstabs["domain_x_instrument_detail"],
                                annot="count", ax=ax, **common)),
        ("图2_领域_政策工具类型构成", {"width": "double", "aspect": 0.45},
         lambda ax: cqf.stacked_bars(measures, x="section_title", hue="label_zh",
                                     hue_order=[t for t in type_order if t in present],
                                     legend_title=title["instrument"], ylabel=title["domain"],
                                     ax=ax, **common)),
    ]
    if "outcomes" in books:
        network = code_network(analysis, depth=1)
        kinds = {label: names["instrument"] if label in present else names["outcome"]
                 for label in network.index}
        # long English labels around a circle crowd it: wrap them when English is shown
        wrap = None if lang == "zh" else 12
        plan += [
            # flows weigh each recommendation 1 over its code pairs: node values are
            # fractional, so they are not printed
            ("图3_领域_工具_成效流向", {"width": "double", "aspect": 0.7},
             lambda ax: cqf.alluvial(flows(analysis), stages=["domain", "instrument", "outcome"],
                                     weight="weight", stage_labels=list(title.values()),
                                     values=False, orders={"instrument": type_order}, ax=ax,
                                     **common)),
            ("图4_编码共现网络", {"width": "double", "aspect": 0.8},
             lambda ax: cqf.cooccurrence_network(network, groups=kinds, wrap=wrap, ax=ax,
                                                 **common)),
        ]
    if analysis.corpus.documents["doc_id"].nunique() > 1:
        plan.append(("图5_文档比较", {"width": "double", "aspect": 0.6},
                     lambda ax: cqf.compare_documents(measures, doc="doc_id",
                                                      category="label_zh", ax=ax, **common)))
    return plan


def _draw_one(index: int, folder: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    from . import figures as cqf

    stem, size, draw = _PENDING[index]
    with cqf.paper_style(width=size["width"], aspect=size["aspect"]):
        fig, ax = cqf.paper_figure()
        try:
            draw(ax)
            return cqf.save_figure(fig, folder / stem)
        finally:
            plt.close(fig)


def _publish(staging: Path, out: Path, files: list[str]) -> None:
    """Move the staged files into ``out``; drop stale files in the folders a build owns."""
    out.mkdir(parents=True, exist_ok=True)
    keep = set(files)
    for sub in OWNED_DIRS:
        for old in sorted((out / sub).rglob("*")) if (out / sub).is_dir() else []:
            if old.is_file() and old.relative_to(out).as_posix() not in keep:
                old.unlink()
    for rel in files:
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, target)


def _write_readme(path: Path, analysis: Analysis, files: list[str]) -> None:
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
    lines += ["", "## Codebooks", "", "| name | title | codes | SHA-256 |", "|---|---|---|---|"]
    for book in analysis.codebooks:
        digest = _sha256(Path(book.path)) if getattr(book, "path", "") else ""  # type: ignore[attr-defined]
        lines.append(f"| {book.name} | {book.zh} | {len(book)} | `{digest}` |")  # type: ignore[attr-defined]
    lines += ["", "## Counts", "", "| frame | rows |", "|---|---|"]
    frames = {**analysis.frames(), "documents": corpus.documents}
    lines += [f"| {name} | {len(frames[name])} |" for name in TABLE_FRAMES]
    residue = corpus.residue["reason"].value_counts().sort_index()
    lines += ["", "## Residue (text that is not content)", ""]
    lines += [f"- {reason}: {n}" for reason, n in residue.items()] or ["- none"]
    lines += ["", "## Parse warnings", ""]
    lines += [f"- {w}" for w in corpus.warnings] or ["- none"]
    notes = analysis.tests.dropna(subset=["note"])
    notes = notes[notes["note"].astype(str) != ""]
    if len(notes):
        lines += ["", "## Notes on the tests", ""]
        lines += [f"- {r['crosstab']}: {r['note']}" for _, r in notes.iterrows()]
    lines += ["", "## Files", ""] + [f"- `{f}`" for f in files] + [""]
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines))
