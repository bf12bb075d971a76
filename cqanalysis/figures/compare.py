"""Document comparison for corpora: category shares per document as a dot plot or heatmap."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._common import axes_size_pt, fit_row_labels, render, require_frame, title_for
from ._common import value_title as _value_title
from .bars import _legend, bar_table
from .labels import Lang
from .matrix import heatmap
from .style import _ensure_text, _plotting, _prepare_axes, palette

__all__ = ["compare_documents"]

# Marker shapes tell documents apart without colour (grayscale print, colour blindness).
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")


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
    """Compare how documents of a corpus distribute over categories.

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
    weight : str, optional
        Column of non-negative weights; default: count rows.
    stat : {"percent", "count"}
        Share of each category within its document (documents of different length become
        comparable) or counts.
    kind : {"dot", "heatmap"}
        See above.
    order, doc_order : sequence, optional
        Order of categories and documents; default the order of first appearance.
    lang : {"zh", "en", "both"}
        Label language; see :func:`cqanalysis.figures.translate`.
    labels : mapping, optional
        Extra zh → en translations (e.g. codebook labels, document titles).
    wrap : int
        Wrap width of category labels, in columns (a hanzi is 2).
    legend : bool
        Legend of the documents (dot plot).
    ax : matplotlib Axes, optional
        Axes to draw on; default ``plt.gca()``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    require_frame(data, "compare_documents")
    if kind not in ("dot", "heatmap"):
        raise ValueError(f"kind must be 'dot' or 'heatmap', got {kind!r}")
    # Documents × categories; bar_table checks the columns and computes the shares.
    table = bar_table(
        data, x=doc, hue=category, weight=weight, stat=stat, order=doc_order, hue_order=order
    )
    if kind == "heatmap":
        counts = bar_table(
            data,
            x=doc,
            hue=category,
            weight=weight,
            stat="count",
            order=doc_order,
            hue_order=order,
        )
        counts.index.name = doc
        counts.columns.name = category
        return heatmap(
            counts,
            annot="percent" if stat == "percent" else "count",
            normalize="index",
            lang=lang,
            labels=labels,
            ywrap=wrap,
            ax=ax,
        )

    values = table.to_numpy().T  # categories × documents
    categories, documents = list(table.columns), list(table.index)
    n_cat, n_doc = values.shape

    with _plotting() as style:
        ax = ax if ax is not None else plt.gca()
        _prepare_axes(ax, style)
        kw = {"lang": lang, "labels": labels}
        _, ax_h = axes_size_pt(ax)
        cat_labels = fit_row_labels(
            categories, width=wrap, row_pt=ax_h / n_cat, fontsize=style.small, **kw
        )
        doc_labels = [render(d, width=24, **kw) for d in documents]
        value_title = _value_title(stat, **kw)
        doc_title = title_for(doc, **kw)
        _ensure_text(style, [*cat_labels, *doc_labels, value_title, doc_title])

        colours = palette(n_doc, grayscale=style.grayscale)
        y = np.arange(n_cat, dtype=float)
        # Documents share a row; a small vertical offset keeps equal values from hiding
        # each other.
        jitter = (np.arange(n_doc) - (n_doc - 1) / 2) * min(0.12, 0.5 / max(n_doc, 1))
        ax.hlines(
            y, values.min(axis=1), values.max(axis=1), color="#bdbdbd", linewidth=1.2, zorder=1
        )
        handles = []
        for d in range(n_doc):
            marker = _MARKERS[d % len(_MARKERS)]
            ax.scatter(
                values[:, d],
                y + jitter[d],
                s=22,
                marker=marker,
                color=colours[d],
                edgecolors="#222222" if style.grayscale else "white",
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
                    markeredgecolor="#222222" if style.grayscale else "white",
                    label=doc_labels[d],
                )
            )
        ax.set_yticks(y, cat_labels)
        ax.set_ylim(n_cat - 0.5, -0.5)
        top = float(values.max()) if values.size else 1.0
        right = (100.0 if stat == "percent" and top > 60 else top) * 1.08 or 1.0
        # A little room left of zero so markers at 0 are not cut by the axis line.
        ax.set_xlim(-0.03 * right, right)
        ax.set_xlabel(value_title, **style.text_kw())
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="y", color="#eeeeee", linewidth=0.5, zorder=0)
        ax.set_axisbelow(True)
        if legend:
            _legend(ax, handles, style, doc_title)
    return ax
