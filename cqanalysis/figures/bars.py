"""Stacked or grouped bars: the shares (or counts) of codes within each domain."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._base import _Plotter
from ._common import (
    axes_size_pt,
    category_order,
    fit_column_labels,
    fit_row_labels,
    require_columns,
    require_frame,
    weights,
)
from ._common import value_title as _value_title
from ._docstrings import DocstringComponents, core_params, core_returns
from .labels import Lang, text_width_em
from .style import fills, text_colour

__all__ = ["bar_table", "stacked_bars"]

_THICKNESS = 0.7  # bar (or group) thickness, in category steps


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


class _BarPlotter(_Plotter):
    """Bars of a :func:`bar_table`, stacked or side by side, horizontal or vertical."""

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        x: str,
        hue: str,
        weight: str | None,
        stat: Literal["percent", "count"],
        stacked: bool,
        orient: str,
        order: Sequence[Hashable] | None,
        hue_order: Sequence[Hashable] | None,
        annot: bool,
        wrap: int,
        legend: bool,
        legend_title: str | None,
        xlabel: str | None,
        ylabel: str | None,
        lang: Lang,
        labels: Mapping[str, str] | None,
    ) -> None:
        super().__init__(lang=lang, labels=labels)
        require_frame(data, "stacked_bars")
        if orient not in ("h", "v"):
            raise ValueError(f"orient must be 'h' or 'v', got {orient!r}")
        self.table = bar_table(
            data, x=x, hue=hue, weight=weight, stat=stat, order=order, hue_order=hue_order
        )
        self.values = self.table.to_numpy()
        self.x, self.hue, self.stat, self.stacked = x, hue, stat, stacked
        self.horizontal = orient == "h"
        self.annot, self.wrap, self.legend_title = annot, wrap, legend_title
        self.show_legend = legend
        self.xlabel, self.ylabel = xlabel, ylabel

    def draw(self) -> None:
        n_cat = len(self.table.index)
        ax_w, ax_h = axes_size_pt(self.ax)
        kw, small = self.lang_kw, self.style.small
        if self.horizontal:
            cat_labels = fit_row_labels(
                self.table.index, width=self.wrap, row_pt=ax_h / n_cat, fontsize=small, **kw
            )
            rotation = 0.0
        else:
            cat_labels, rotation = fit_column_labels(
                self.table.index, width=self.wrap, column_pt=ax_w / n_cat, fontsize=small, **kw
            )
        hue_labels = [self.label(h, self.wrap) for h in self.table.columns]
        value_title = _value_title(self.stat, **kw)
        cat_title = self.title(self.x)
        hue_title = self.legend_title if self.legend_title is not None else self.title(self.hue)
        self.ensure_glyphs([*cat_labels, *hue_labels, value_title, cat_title, hue_title])
        handles = self._draw_bars(hue_labels, ax_w, ax_h)
        self._decorate(cat_labels, rotation, value_title)
        if self.show_legend:
            self.key_above(handles, hue_title)

    @property
    def value_max(self) -> float:
        """The longest bar (or stack), at least a tiny positive number."""
        values = self.values
        value_max = values.sum(axis=1).max() if self.stacked else values.max()
        return max(float(value_max), 1e-9)

    def _draw_bars(self, hue_labels: list[str], ax_w: float, ax_h: float) -> list[Any]:
        """One set of bars per hue; returns the legend handles."""
        from matplotlib.patches import Patch

        n_cat, n_hue = self.values.shape
        styles = fills(n_hue, grayscale=self.style.grayscale)
        positions = np.arange(n_cat, dtype=float)
        bar = self.ax.barh if self.horizontal else self.ax.bar
        handles = []
        offset = np.zeros(n_cat)
        for k in range(n_hue):
            if self.stacked:
                where, size = positions, _THICKNESS
            else:
                size = _THICKNESS / n_hue
                where = positions - _THICKNESS / 2 + size * (k + 0.5)
            base = offset if self.stacked else np.zeros(n_cat)
            kwargs: dict[str, Any] = {"left": base} if self.horizontal else {"bottom": base}
            rects = bar(where, self.values[:, k], size, linewidth=0.5, **styles[k], **kwargs)
            handles.append(Patch(label=hue_labels[k], linewidth=0.5, **styles[k]))
            if self.annot:
                across_pt = (ax_h if self.horizontal else ax_w) / n_cat * size
                length_pt = ax_w if self.horizontal else ax_h
                self._annotate(rects, k, styles[k], length_pt, across_pt)
            offset = offset + self.values[:, k]
        return handles

    def _annotate(
        self, rects: Any, k: int, fill: dict[str, Any], length_pt: float, across_pt: float
    ) -> None:
        """Values inside the segments of hue ``k`` that are large enough to hold them."""
        small = self.style.small
        for i, rect in enumerate(rects):
            v = self.values[i, k]
            text = f"{v:.0f}" + ("%" if self.stat == "percent" else "")
            seg_pt = v / self.value_max * length_pt
            need = text_width_em(text) * small
            fits = (
                seg_pt >= need + 2 and across_pt >= small * 1.1
                if self.horizontal
                else seg_pt >= small * 1.3 and across_pt >= need + 2
            )
            if v <= 0 or not fits:
                continue
            box = {
                "boxstyle": "square,pad=0.15",
                "facecolor": fill["facecolor"],
                "edgecolor": "none",
            }
            self.ax.text(
                rect.get_x() + rect.get_width() / 2,
                rect.get_y() + rect.get_height() / 2,
                text,
                ha="center",
                va="center",
                color=text_colour(fill["facecolor"]),
                bbox=box if fill.get("hatch") else None,
                **self.text_kw(small),
            )

    def _decorate(self, cat_labels: list[str], rotation: float, value_title: str) -> None:
        """Category ticks, limits and axis titles."""
        ax, n_cat = self.ax, len(cat_labels)
        positions = np.arange(n_cat, dtype=float)
        value_end = 100 if self.stacked and self.stat == "percent" else self.value_max * 1.05
        if self.horizontal:
            self.set_ticks("y", positions, cat_labels)
            ax.set_ylim(n_cat - 0.5, -0.5)
            ax.set_xlim(0, value_end)
            ax.set_xlabel(self.xlabel if self.xlabel is not None else value_title, **self.text_kw())
            ax.set_ylabel(self.ylabel if self.ylabel is not None else "", **self.text_kw())
            ax.tick_params(axis="y", length=0)
        else:
            self.set_ticks(
                "x",
                positions,
                cat_labels,
                rotation=rotation,
                ha="right" if rotation else "center",
                rotation_mode="anchor",
            )
            ax.set_xlim(-0.5, n_cat - 0.5)
            ax.set_ylim(0, value_end)
            ax.set_ylabel(self.ylabel if self.ylabel is not None else value_title, **self.text_kw())
            ax.set_xlabel(self.xlabel if self.xlabel is not None else "", **self.text_kw())
            ax.tick_params(axis="x", length=0)


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
    plotter = _BarPlotter(
        data,
        x=x,
        hue=hue,
        weight=weight,
        stat=stat,
        stacked=stacked,
        orient=orient,
        order=order,
        hue_order=hue_order,
        annot=annot,
        wrap=wrap,
        legend=legend,
        legend_title=legend_title,
        xlabel=xlabel,
        ylabel=ylabel,
        lang=lang,
        labels=labels,
    )
    return plotter.plot(ax)


_bar_params = DocstringComponents(
    {
        "order": """
order, hue_order : sequence, optional
    Order of domains and codes; default the order of first appearance.
""",
        "stat": """
stat : {"percent", "count"}
    Shares within each domain (each stacked bar reaches 100) or raw counts.
""",
    }
)
_params = DocstringComponents.from_nested_components(core=core_params, bars=_bar_params)

stacked_bars.__doc__ = f"""\
Bars of code shares (or counts) per domain, stacked or side by side.

Parameters
----------
{_params.core.data_tidy}
x : str
    Column of the domains, one bar (or group of bars) each, e.g. ``"section_title"``.
hue : str
    Column of the codes that split each bar, e.g. a code label.
{_params.core.weight}
{_params.bars.stat}
stacked : bool
    Stack the codes in one bar per domain, or draw them side by side.
orient : {{"h", "v"}}
    Horizontal bars (domains down the side: room for long Chinese labels) or vertical.
{_params.bars.order}
annot : bool
    Write values inside the bar segments that are wide enough to hold them.
{_params.core.lang}
{_params.core.labels}
{_params.core.wrap}
legend : bool
    Draw a legend of the codes (above the bars when it fits, else at the right).
legend_title : str, optional
    Legend title; default the translated ``hue`` column name (``""`` for none).
xlabel, ylabel : str, optional
    Axis titles; default the value axis names the statistic, the category axis ``x``.
{_params.core.ax}

Returns
-------
{core_returns.ax}
"""
