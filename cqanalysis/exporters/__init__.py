"""Exporters: thin functions that write one kind of report from an :class:`~cqanalysis.Analysis`.

An exporter takes the analysis (tableone's style: one result object, thin writers), a folder
and the label language, writes its files into the folder and returns their paths.  It is
registered under a name; :func:`cqanalysis.build` runs every registered exporter in
registration order.  A new export format is one module and one ``@register_exporter``:

>>> from cqanalysis.exporters import register_exporter
>>> @register_exporter("counts")                                  # doctest: +SKIP
... def export_counts(analysis, folder, *, lang):
...     path = folder / "counts.txt"
...     path.write_text(f"{len(analysis.coded)} codings\\n", encoding="utf-8")
...     return [path]

Something an exporter cannot write because its data are empty or degenerate (a crosstab that
counts nothing, a figure with nothing to draw) is not written: the exporter calls
:func:`skip` with the reason, which the build lists in ``README.md`` and reports as a
:class:`SkippedOutput` warning.  Figures have their own registry,
:mod:`cqanalysis.exporters.figures`.

The built-in exporters import their writers (openpyxl, python-docx) only when they run.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "EXPORTERS",
    "Exporter",
    "SkippedOutput",
    "export",
    "register_exporter",
    "skip",
    "unregister_exporter",
]


class Exporter(Protocol):
    """``(analysis, folder, *, lang) -> list[Path]``: write files into ``folder``."""

    def __call__(self, analysis: Any, folder: Path, *, lang: str) -> list[Path]: ...


class SkippedOutput(UserWarning):
    """A report that was not written because its data are empty or degenerate."""


#: Registered exporters by name, in the order a build runs them.
EXPORTERS: dict[str, Exporter] = {}


def register_exporter(name: str) -> Callable[[Exporter], Exporter]:
    """Register ``func`` as the exporter ``name`` (a decorator); a name is registered once.

    Parameters
    ----------
    name
        Short unique name (``"tables"``, ``"word"``).

    Raises
    ------
    ValueError
        ``name`` is already registered (:func:`unregister_exporter` it first).
    """

    def register(func: Exporter) -> Exporter:
        if name in EXPORTERS:
            raise ValueError(f"an exporter named {name!r} is already registered")
        EXPORTERS[name] = func
        return func

    return register


def unregister_exporter(name: str) -> Exporter:
    """Remove the exporter ``name`` and return it."""
    return EXPORTERS.pop(name)


def export(analysis: Any, formats: str | Iterable[str] | None = None,
           folder: str | os.PathLike[str] = ".", *, lang: str = "zh") -> list[Path]:
    """Write an analysis in registered formats, as ``cqanalysis build`` does after analysing.

    Parameters
    ----------
    analysis
        ``cq.analyse(...)``.
    formats
        Exporter names (``"tables"``, ``"crosstabs"``, ``"figures"``, ``"appendix"``,
        ``"word"``, ``"latex"`` and any registered since); ``None``: all, in build order.
    folder
        Output folder (created); files go where a build puts them (``word/…``).
    lang
        ``"zh"``, ``"en"`` or ``"both"``.

    Returns
    -------
    list of Path
        The files written.  Outputs with no data are skipped with a :class:`SkippedOutput`
        warning.

    Raises
    ------
    KeyError
        An unknown format name.
    """
    names = list(EXPORTERS) if formats is None else [formats] if isinstance(formats, str) \
        else list(formats)
    unknown = [n for n in names if n not in EXPORTERS]
    if unknown:
        raise KeyError(f"unknown export format(s) {unknown}; registered: {list(EXPORTERS)}")
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    return [path for name in names for path in EXPORTERS[name](analysis, root, lang=lang)]


def skip(what: str, reason: str) -> None:
    """Report that ``what`` (a file or report) is not written, and why."""
    warnings.warn(f"skipped {what}: {reason}", SkippedOutput, stacklevel=2)


# The built-in exporters register on import, in the order of a build (the appendix embeds the
# figures' PNGs, so figures come first).
from . import tables  # noqa: E402, F401, I001
from . import crosstabs  # noqa: E402, F401
from . import figures  # noqa: E402, F401
from . import appendix  # noqa: E402, F401
from . import word  # noqa: E402, F401
from . import latex  # noqa: E402, F401
from . import qda  # noqa: E402, F401
