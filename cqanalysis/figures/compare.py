"""Document comparison for corpora: category shares per document as a dot plot or heatmap."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._base import _Plotter
from ._common import axes_size_pt, fit_row_labels, require_frame
from ._common import value_title as _value_title
from ._docstrings import DocstringComponents, core_params, core_returns
from .bars import bar_table
from .labels import Lang
from .matrix import heatmap
from .style import palette

__all__ = ["compare_documents"]

# Marker shapes tell documents apart without colour (grayscale print, colour blindness).
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")


class _DotPlotter(_Plotter):
    """A Cleveland dot plot of a documents × categories table: a row per category."""

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        doc: str,
        stat: str,
        wrap: int,
        legend: bool,
        lang: Lang,
        labels: Mapping[str, str] | None,
    ) -> None:
        super().__init__(lang=lang, labels=labels)
        self.values = table.to_numpy().T  # categories × documents
        self.categories, self.documents = list(table.columns), list(table.index)
        self.doc, self.stat, self.wrap, self.show_legend = doc, stat, wrap, legend

    def draw(self) -> None:
        n_cat = len(self.categories)
        _, ax_h = axes_size_pt(self.ax)
        cat_labels = fit_row_labels(
            self.categories,
            width=self.wrap,
            row_pt=ax_h / n_cat,
            fontsize=self.style.small,
            **self.lang_kw,
        )
        doc_labels = [self.label(d, 24) for d in self.documents]
        value_title = _value_title(self.stat, **self.lang_kw)
        doc_title = self.title(self.doc)
        self.ensure_glyphs([*cat_labels, *doc_labels, value_title, doc_title])
        handles = self._draw_dots(doc_labels)
        self._decorate(cat_labels, value_title)
        if self.show_legend:
            self.key_above(handles, doc_title)

    def _draw_dots(self, doc_labels: list[str]) -> list[Any]:
        """Range lines and one marker per document and category; returns legend handles."""
        from matplotlib.lines import Line2D

        values, grayscale = self.values, self.style.grayscale
        n_cat, n_doc = values.shape
        colours = palette(n_doc, grayscale=grayscale)
        edge = "#222222" if grayscale else "white"
        y = np.arange(n_cat, dtype=float)
        # Documents share a row; a small vertical offset keeps equal values from hiding
        # each other.
        jitter = (np.arange(n_doc) - (n_doc - 1) / 2) * min(0.12, 0.5 / max(n_doc, 1))
        self.ax.hlines(
            y, values.min(axis=1), values.max(axis=1), color="#bdbdbd", linewidth=1.2, zorder=1
        )
        handles = []
        for d in range(n_doc):
            marker = _MARKERS[d % len(_MARKERS)]
            self.ax.scatter(
                values[:, d],
                y + jitter[d],
                s=22,
                marker=marker,
                color=colours[d],
                edgecolors=edge,
                linewidths=0.5,
                zorder=2 + d,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker=marker,
                    markersize=5,
                    markerfacecolor=colours[d],
                    markeredgecolor=edge,
                    label=doc_labels[d],
                )
            )
        return handles

    def _decorate(self, cat_labels: list[str], value_title: str) -> None:
        ax, n_cat = self.ax, len(cat_labels)
        self.set_ticks("y", np.arange(n_cat, dtype=float), cat_labels)
        ax.set_ylim(n_cat - 0.5, -0.5)
        top = float(self.values.max()) if self.values.size else 1.0
        right = (100.0 if self.stat == "percent" and top > 60 else top) * 1.08 or 1.0
        # A little room left of zero so markers at 0 are not cut by the axis line.
        ax.set_xlim(-0.03 * right, right)
        ax.set_xlabel(value_title, **self.text_kw())
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="y", color="#eeeeee", linewidth=0.5, zorder=0)
        ax.set_axisbelow(True)


def compare_documents(
    data: pd.DataFrame,
    *,
    doc: str = "doc_id",
    category: str,
    weight: str | None = None,
    stat: Literal["percent", "count"] = "percent",
    kind: Literal["dot", "heatmap"] = "dot",
    order: Sequence[Hashable] | None = None,
    doc_order: Sequence[Hashable] | None = None,
    lang: Lang = "zh",
    labels: Mapping[str, str] | None = None,
    wrap: int = 16,
    legend: bool = True,
    ax: Any = None,
) -> Any:
    require_frame(data, "compare_documents")
    if kind not in ("dot", "heatmap"):
        raise ValueError(f"kind must be 'dot' or 'heatmap', got {kind!r}")
    # Documents × categories; bar_table checks the columns and computes the shares.
    table = bar_table(
        data, x=doc, hue=category, weight=weight, stat=stat, order=doc_order, hue_order=order
    )
    if kind == "dot":
        plotter = _DotPlotter(
            table, doc=doc, stat=stat, wrap=wrap, legend=legend, lang=lang, labels=labels
        )
        return plotter.plot(ax)
    counts = bar_table(
        data, x=doc, hue=category, weight=weight, stat="count", order=doc_order, hue_order=order
    )
    counts.index.name = doc
    counts.columns.name = category
    annot: Literal["percent", "count"] = "percent" if stat == "percent" else "count"
    return heatmap(
        counts, annot=annot, normalize="index", lang=lang, labels=labels, ywrap=wrap, ax=ax
    )


_params = DocstringComponents.from_nested_components(core=core_params)

compare_documents.__doc__ = f"""\
Compare how documents of a corpus distribute over categories.

``kind="dot"`` draws a Cleveland dot plot: one row per category, one marker per document
(colour and shape both differ, so it reads in grayscale), and a line spanning the
documents' range, so large differences stand out.  ``kind="heatmap"`` draws documents ×
categories with :func:`heatmap`, better for many documents.

Parameters
----------
data : DataFrame
    Tidy data, one row per unit (e.g. a table row or a coded clause) with its document.
doc : str
    Column identifying the document, e.g. ``"doc_id"``.
category : str
    Column of the categories compared, e.g. ``"section_title"`` or a code label.
{_params.core.weight}
stat : {{"percent", "count"}}
    Share of each category within its document (documents of different length become
    comparable) or counts.
kind : {{"dot", "heatmap"}}
    See above.
order, doc_order : sequence, optional
    Order of categories and documents; default the order of first appearance.
{_params.core.lang}
{_params.core.labels}
{_params.core.wrap}
legend : bool
    Legend of the documents (dot plot).
{_params.core.ax}

Returns
-------
{core_returns.ax}
"""
