"""Stacked or grouped bars: the shares (or counts) of codes within each domain."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._common import (
    axes_size_pt,
    category_order,
    fit_column_labels,
    fit_row_labels,
    render,
    require_columns,
    require_frame,
    title_for,
    weights,
)
from ._common import value_title as _value_title
from .labels import Lang, text_width_em
from .style import PaperStyle, _ensure_text, _plotting, _prepare_axes, fills, text_colour

__all__ = ["bar_table", "stacked_bars"]


def bar_table(
    data: pd.DataFrame,
    *,
    x: str,
    hue: str,
    weight: str | None = None,
    stat: Literal["percent", "count"] = "percent",
    order: Sequence[Hashable] | None = None,
    hue_order: Sequence[Hashable] | None = None,
) -> pd.DataFrame:
    """The numbers :func:`stacked_bars` draws: one row per ``x`` category, one column per hue.

    Counts are summed ``weight`` (rows counted when ``None``); ``stat="percent"`` divides each
    row by its total, so a row sums to 100 (a category with no weight stays 0).
    """
    require_columns(data, [x, hue, weight], "stacked_bars")
    if stat not in ("percent", "count"):
        raise ValueError(f"stat must be 'percent' or 'count', got {stat!r}")
    frame = data[[x, hue]].assign(_w=weights(data, weight)).dropna(subset=[x, hue])
    rows = category_order(frame[x], order)
    cols = category_order(frame[hue], hue_order)
    table = (
        frame.groupby([x, hue], sort=False, observed=True)["_w"]
        .sum()
        .unstack(hue)
        .reindex(index=rows, columns=cols)
        .fillna(0.0)
    )
    table.index.name, table.columns.name = x, hue
    if stat == "percent":
        totals = table.sum(axis=1).replace(0.0, np.nan)
        table = table.div(totals, axis=0).mul(100).fillna(0.0)
    return table


def _legend(ax: Any, handles: list[Any], style: PaperStyle, title: str) -> None:
    """Legend above the Axes, in as many columns as fit; at the right only if one column
    would fit above and the figure is wide."""
    width_pt, _ = axes_size_pt(ax)
    texts = [h.get_label() for h in handles]
    entry_pt = max(
        (max(text_width_em(line) for line in t.split("\n")) + 2.8) * style.small for t in texts
    )
    ncols = max(1, min(len(handles), int(width_pt // entry_pt)))
    fig_w, fig_h = ax.get_figure(root=True).get_size_inches()
    if ncols == 1 and len(handles) > 2 and fig_w / fig_h >= 1.25:
        kw = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "ncols": 1}
    else:
        kw = {"loc": "lower left", "bbox_to_anchor": (0.0, 1.01), "ncols": ncols}
    ax.legend(
        handles=handles,
        title=title or None,
        prop=style.font_properties(),
        title_fontproperties=style.font_properties(),
        borderaxespad=0.2,
        handlelength=1.2,
        handleheight=1.0,
        columnspacing=1.0,
        alignment="left",
        **kw,
    )


def stacked_bars(
    data: pd.DataFrame,
    *,
    x: str,
    hue: str,
    weight: str | None = None,
    stat: Literal["percent", "count"] = "percent",
    stacked: bool = True,
    orient: Literal["h", "v"] = "h",
    order: Sequence[Hashable] | None = None,
    hue_order: Sequence[Hashable] | None = None,
    annot: bool = True,
    lang: Lang = "zh",
    labels: Mapping[str, str] | None = None,
    wrap: int = 16,
    legend: bool = True,
    legend_title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Any = None,
) -> Any:
    """Bars of code shares (or counts) per domain, stacked or side by side.

    Parameters
    ----------
    data : DataFrame
        Tidy data, one row per coded unit (or per category pair with a ``weight``).
    x : str
        Column of the domains, one bar (or group of bars) each, e.g. ``"section_title"``.
    hue : str
        Column of the codes that split each bar, e.g. a code label.
    weight : str, optional
        Column of non-negative weights summed per cell; default: count rows.
    stat : {"percent", "count"}
        Shares within each domain (each stacked bar reaches 100) or raw counts.
    stacked : bool
        Stack the codes in one bar per domain, or draw them side by side.
    orient : {"h", "v"}
        Horizontal bars (domains down the side: room for long Chinese labels) or vertical.
    order, hue_order : sequence, optional
        Order of domains and codes; default the order of first appearance.
    annot : bool
        Write values inside the bar segments that are wide enough to hold them.
    lang : {"zh", "en", "both"}
        Label language; see :func:`cqanalysis.figures.translate`.
    labels : mapping, optional
        Extra zh → en translations (e.g. codebook labels).
    wrap : int
        Wrap width of domain labels, in columns (a hanzi is 2).
    legend : bool
        Draw a legend of the codes (above the bars when it fits, else at the right).
    legend_title : str, optional
        Legend title; default the translated ``hue`` column name (``""`` for none).
    xlabel, ylabel : str, optional
        Axis titles; default the value axis names the statistic, the category axis ``x``.
    ax : matplotlib Axes, optional
        Axes to draw on; default ``plt.gca()``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    require_frame(data, "stacked_bars")
    if orient not in ("h", "v"):
        raise ValueError(f"orient must be 'h' or 'v', got {orient!r}")
    table = bar_table(
        data, x=x, hue=hue, weight=weight, stat=stat, order=order, hue_order=hue_order
    )
    values = table.to_numpy()
    n_cat, n_hue = values.shape

    with _plotting() as style:
        ax = ax if ax is not None else plt.gca()
        _prepare_axes(ax, style)
        kw = {"lang": lang, "labels": labels}
        ax_w, ax_h = axes_size_pt(ax)
        if orient == "h":
            cat_labels = fit_row_labels(
                table.index, width=wrap, row_pt=ax_h / n_cat, fontsize=style.small, **kw
            )
            rotation = 0.0
        else:
            cat_labels, rotation = fit_column_labels(
                table.index, width=wrap, column_pt=ax_w / n_cat, fontsize=style.small, **kw
            )
        hue_labels = [render(h, width=wrap, **kw) for h in table.columns]
        value_title = _value_title(stat, **kw)
        cat_title = title_for(x, **kw)
        hue_title = legend_title if legend_title is not None else title_for(hue, **kw)
        _ensure_text(style, [*cat_labels, *hue_labels, value_title, cat_title, hue_title])

        styles = fills(n_hue, grayscale=style.grayscale)
        positions = np.arange(n_cat, dtype=float)
        thickness = 0.7
        bar = ax.barh if orient == "h" else ax.bar
        handles = []
        value_max = values.sum(axis=1).max() if stacked else values.max()
        value_max = max(float(value_max), 1e-9)
        length_pt = ax_w if orient == "h" else ax_h
        offset = np.zeros(n_cat)
        for k in range(n_hue):
            if stacked:
                where, size = positions, thickness
            else:
                size = thickness / n_hue
                where = positions - thickness / 2 + size * (k + 0.5)
            base = offset if stacked else np.zeros(n_cat)
            kwargs = {"left": base} if orient == "h" else {"bottom": base}
            rects = bar(where, values[:, k], size, linewidth=0.5, **styles[k], **kwargs)
            handles.append(Patch(label=hue_labels[k], linewidth=0.5, **styles[k]))
            if annot:
                for i, rect in enumerate(rects):
                    v = values[i, k]
                    text = f"{v:.0f}" + ("%" if stat == "percent" else "")
                    seg_pt = v / value_max * length_pt
                    across_pt = (ax_h if orient == "h" else ax_w) / n_cat * size
                    need = text_width_em(text) * style.small
                    fits = (
                        seg_pt >= need + 2 and across_pt >= style.small * 1.1
                        if orient == "h"
                        else seg_pt >= style.small * 1.3 and across_pt >= need + 2
                    )
                    if v <= 0 or not fits:
                        continue
                    cx = rect.get_x() + rect.get_width() / 2
                    cy = rect.get_y() + rect.get_height() / 2
                    ax.text(
                        cx,
                        cy,
                        text,
                        ha="center",
                        va="center",
                        color=text_colour(styles[k]["facecolor"]),
                        bbox={
                            "boxstyle": "square,pad=0.15",
                            "facecolor": styles[k]["facecolor"],
                            "edgecolor": "none",
                        }
                        if styles[k].get("hatch")
                        else None,
                        **style.text_kw(style.small),
                    )
            offset = offset + values[:, k]

        if orient == "h":
            ax.set_yticks(positions, cat_labels)
            ax.set_ylim(n_cat - 0.5, -0.5)
            ax.set_xlim(0, 100 if stacked and stat == "percent" else value_max * 1.05)
            ax.set_xlabel(xlabel if xlabel is not None else value_title, **style.text_kw())
            ax.set_ylabel(ylabel if ylabel is not None else "", **style.text_kw())
            ax.tick_params(axis="y", length=0)
        else:
            ax.set_xticks(
                positions,
                cat_labels,
                rotation=rotation,
                ha="right" if rotation else "center",
                rotation_mode="anchor",
            )
            ax.set_xlim(-0.5, n_cat - 0.5)
            ax.set_ylim(0, 100 if stacked and stat == "percent" else value_max * 1.05)
            ax.set_ylabel(ylabel if ylabel is not None else value_title, **style.text_kw())
            ax.set_xlabel(xlabel if xlabel is not None else "", **style.text_kw())
            ax.tick_params(axis="x", length=0)
        if legend:
            _legend(ax, handles, style, hue_title)
    return ax
