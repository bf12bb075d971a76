"""The figure registry and the exporter ``figures``: every registered figure as PNG, PDF, SVG.

The figure plan is data.  A :class:`FigureSpec` names the file stems and titles in both
languages, the codebooks the figure needs, its size, a predicate saying whether the analysis
has data for it, and a top-level draw function ``draw(analysis, ax, lang, labels)``.  Specs
and draw functions pickle, so any process pool can draw them.  A new figure is one draw
function and one :func:`register_figure`:

>>> from cqanalysis.exporters.figures import FigureSpec, register_figure
>>> def draw_counts(analysis, ax, lang, labels):                   # doctest: +SKIP
...     analysis.coded["codebook"].value_counts().plot.bar(ax=ax)
...     return ax
>>> register_figure(FigureSpec("图9_编码数", "Fig9_codings", "编码数", "Codings",
...                            draw=draw_counts))                  # doctest: +SKIP

Figures that exist once per codebook are registered as a function of the analysis that
returns specs (:func:`register_figure` accepts both).  The built-in figures are in
:mod:`cqanalysis.exporters.standard_figures`.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import register_exporter, skip

__all__ = [
    "FIGURES",
    "FigureSpec",
    "draw_figures",
    "export_figures",
    "figure_labels",
    "figure_plan",
    "register_figure",
    "unregister_figure",
]


def _always(analysis: Any) -> bool:
    return True


@dataclass(frozen=True)
class FigureSpec:
    """One figure of a build.

    Attributes
    ----------
    stem_zh, stem_en
        File stem (no suffix) under ``figures/``: ``stem_en`` for ``lang="en"``, else
        ``stem_zh``.  The PNG is also the appendix's figure sheet ``Figure <stem>``: keep
        ``stem_en`` to 24 characters so the sheet name fits Excel's 31.
    title_zh, title_en
        What the figure shows.
    draw
        A top-level function ``draw(analysis, ax, lang, labels)`` that draws on ``ax``
        (``functools.partial`` of one for options).  ``labels`` translates data labels.
    needs
        Names of the codebooks the figure needs; without them it is not part of the plan.
    width, aspect
        Size for :func:`cqanalysis.figures.paper_style`.
    when
        ``when(analysis)``: ``True`` to draw; ``False`` when the figure does not apply (silently
        left out, like the document comparison for one document); a string when it applies
        but its data are empty or degenerate: the reason it is skipped.
    """

    stem_zh: str
    stem_en: str
    title_zh: str
    title_en: str
    draw: Callable[..., Any]
    needs: tuple[str, ...] = ()
    width: str = "double"
    aspect: float = 0.6
    when: Callable[[Any], bool | str] = _always

    def stem(self, lang: str) -> str:
        """File stem for the label language ``lang``."""
        return self.stem_en if lang == "en" else self.stem_zh

    def title(self, lang: str) -> str:
        """Title for the label language ``lang``."""
        return self.title_en if lang == "en" else self.title_zh


SpecSource = FigureSpec | Callable[[Any], Iterable[FigureSpec]]

#: Registered figures (specs, or functions of the analysis returning specs), in drawing order.
FIGURES: list[SpecSource] = []


def register_figure(spec: SpecSource) -> SpecSource:
    """Add a figure (or a function of the analysis giving figures) to the plan; return it.

    Usable as a decorator on a function ``(analysis) -> Iterable[FigureSpec]``.
    """
    if spec in FIGURES:
        raise ValueError(f"figure already registered: {spec!r}")
    FIGURES.append(spec)
    return spec


def unregister_figure(spec: SpecSource) -> None:
    """Remove a registered figure."""
    FIGURES.remove(spec)


def _candidates(analysis: Any) -> list[FigureSpec]:
    books = {getattr(book, "name", "") for book in analysis.codebooks}
    specs = [s for source in FIGURES
             for s in ([source] if isinstance(source, FigureSpec) else source(analysis))]
    return [s for s in specs if set(s.needs) <= books]


def figure_plan(analysis: Any, *, report: bool = False) -> list[FigureSpec]:
    """The figures of ``analysis`` that have data, in drawing order.

    With ``report=True``, each figure whose data are empty or degenerate is reported with
    :func:`cqanalysis.exporters.skip`.
    """
    plan = []
    for spec in _candidates(analysis):
        verdict = spec.when(analysis)
        if verdict is True:
            plan.append(spec)
        elif isinstance(verdict, str) and report:
            skip(f"figure {spec.stem_zh}", verdict)
    return plan


def figure_labels(analysis: Any) -> dict[str, str]:
    """English labels of the codebooks' codes and of the standard axis titles."""
    from ..figures import codebook_labels

    labels = codebook_labels(analysis.codebooks)
    labels.update({"领域": "Domain", "政策工具类型": "Instrument type",
                   "预期成效维度": "Outcome dimension"})
    return labels


def draw_figures(analysis: Any, folder: str | os.PathLike[str], *, lang: str = "zh",
                 jobs: int | None = None) -> list[Path]:
    """Draw the figures of :func:`figure_plan` and save each as PNG, PDF and SVG.

    Figures whose data are empty or degenerate are skipped with a
    :class:`~cqanalysis.exporters.SkippedOutput` warning.  ``jobs``: worker processes
    (default: two on Linux with two or more cores, where drawing and font subsetting
    dominate a build); the files are the same either way.
    """
    folder = Path(folder)
    plan = figure_plan(analysis, report=True)
    labels = figure_labels(analysis)
    if jobs is None:
        jobs = min(2, os.cpu_count() or 1) if sys.platform.startswith("linux") else 1
    # fork is only safe while this process runs no other thread
    if jobs > 1 and len(plan) > 1 and threading.active_count() == 1:
        import multiprocessing

        from ..figures import register_font

        register_font("sans")  # convert the font once, before the workers start
        context = multiprocessing.get_context("fork")
        # Workers are born ignoring Ctrl-C (setting it in the initializer leaves a window in
        # which a worker dies of it and the pool waits for ever); the parent handles it.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            pool = context.Pool(min(jobs, len(plan)), initializer=_start_worker,
                                initargs=(analysis, labels))
        finally:
            signal.signal(signal.SIGINT, previous)
        with pool:
            done = pool.starmap(_draw_in_worker, [(spec, folder, lang) for spec in plan])
        return [path for paths in done for path in paths]
    return [path for spec in plan for path in draw_figure(spec, analysis, folder, lang=lang,
                                                          labels=labels)]


def draw_figure(spec: FigureSpec, analysis: Any, folder: Path, *, lang: str,
                labels: dict[str, str]) -> list[Path]:
    """Draw one figure and save it as ``folder/<stem>.{png,pdf,svg}``."""
    import matplotlib.pyplot as plt

    from ..figures import paper_figure, paper_style, save_figure

    with paper_style(width=spec.width, aspect=spec.aspect):
        fig, ax = paper_figure()
        try:
            spec.draw(analysis, ax, lang, labels)
            return save_figure(fig, folder / spec.stem(lang))
        finally:
            plt.close(fig)


_WORKER: dict[str, Any] = {}


def _start_worker(analysis: Any, labels: dict[str, str]) -> None:
    _WORKER.update(analysis=analysis, labels=labels)


def _draw_in_worker(spec: FigureSpec, folder: Path, lang: str) -> list[Path]:
    return draw_figure(spec, _WORKER["analysis"], folder, lang=lang, labels=_WORKER["labels"])


@register_exporter("figures")
def export_figures(analysis: Any, folder: Path, *, lang: str) -> list[Path]:
    """Draw every registered figure with data into ``folder/figures``."""
    return draw_figures(analysis, folder / "figures", lang=lang)


from . import standard_figures  # noqa: E402, F401  (registers the built-in figures)
