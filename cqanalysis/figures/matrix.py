"""Heatmap of a crosstab (a matrix of counts), annotated with counts, percentages or both."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from ..core.constants import MARGIN_NAMES
from ._base import _Plotter
from ._common import axes_size_pt, cell_size_pt, fit_column_labels, fit_row_labels, label_size_pt
from ._common import require_frame as _require_frame
from ._docstrings import DocstringComponents, core_params, core_returns
from .labels import Lang
from .style import text_colour

__all__ = ["heatmap"]

_MARGIN_GAP = 0.25  # cells between the table and its margin row/column
_MARGIN_FACE = "#e6e6e6"

Annot = Literal["count", "percent", "both"] | None


def _split_margins(
    table: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.Series | None, pd.Series | None, float | None]:
    """Separate margin rows/columns (合计, Total, All) from the body of a crosstab.

    Returns the body, the row totals, the column totals and the grand total (``None`` where
    the crosstab has no such margin).
    """
    rows = [r for r in table.index if str(r) in MARGIN_NAMES]
    cols = [c for c in table.columns if str(c) in MARGIN_NAMES]
    body = table.drop(index=rows, columns=cols)
    # One label and a list of labels select a Series (pandas-stubs cannot tell).
    col_total = cast("pd.Series", table.loc[rows[0], body.columns]) if rows else None
    row_total = cast("pd.Series", table.loc[body.index, cols[0]]) if cols else None
    grand = float(table.loc[rows[0], cols[0]]) if rows and cols else None
    return body, row_total, col_total, grand


def _shares(body: np.ndarray, normalize: str) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        if normalize == "index":
            total = body.sum(axis=1, keepdims=True)
        elif normalize == "columns":
            total = body.sum(axis=0, keepdims=True)
        else:
            total = np.full_like(body, body.sum())
        return np.where(total > 0, 100 * body / np.where(total > 0, total, 1), 0.0)


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _check_choice(name: str, value: object, choices: tuple[object, ...]) -> None:
    if value not in choices:
        names = ", ".join(repr(c) for c in choices[:-1]) + f" or {choices[-1]!r}"
        raise ValueError(f"{name} must be {names}, got {value!r}")


class _HeatmapPlotter(_Plotter):
    """A crosstab split into body and margins, its shares, and how to draw them."""

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        annot: Annot,
        normalize: str,
        color: str | None,
        margins: str,
        decimals: int,
        xwrap: int,
        ywrap: int,
        xlabel: str | None,
        ylabel: str | None,
        cmap: str | None,
        colorbar: bool,
        lang: Lang,
        labels: Mapping[str, str] | None,
    ) -> None:
        super().__init__(lang=lang, labels=labels)
        table = _require_frame(data, "heatmap")
        _check_choice("annot", annot, ("count", "percent", "both", None))
        _check_choice("normalize", normalize, ("index", "columns", "all"))
        _check_choice("margins", margins, ("drop", "show"))
        try:
            numeric = table.apply(pd.to_numeric, errors="raise")
        except (TypeError, ValueError) as exc:
            raise TypeError("heatmap: the crosstab must hold numbers") from exc
        body, self.row_total, self.col_total, self.grand = _split_margins(numeric.astype(float))
        if body.empty:
            raise ValueError("heatmap: no cells left after removing the margins")
        self.body = body
        self.counts = body.fillna(0).to_numpy()
        self.shares = _shares(self.counts, normalize)
        self.annot, self.decimals, self.show_margins = annot, decimals, margins == "show"
        self.color = color or ("count" if annot in ("count", None) else "percent")
        self.values = self.shares if self.color == "percent" else self.counts
        self.xwrap, self.ywrap, self.cmap, self.colorbar = xwrap, ywrap, cmap, colorbar
        self.xlabel, self.ylabel = xlabel, ylabel

    def draw(self) -> None:
        row_labels, col_labels, rotation = self._fit_labels()
        total_label = self.label("合计", None)
        xtitle = self.xlabel if self.xlabel is not None else self.title(self.body.columns.name)
        ytitle = self.ylabel if self.ylabel is not None else self.title(self.body.index.name)
        self.ensure_glyphs([*row_labels, *col_labels, total_label, xtitle, ytitle, "%0123456789"])
        mesh = self._draw_cells()
        n_rows, n_cols = self.counts.shape
        x_ticks = [j + 0.5 for j in range(n_cols)]
        y_ticks = [i + 0.5 for i in range(n_rows)]
        x_max, y_max = float(n_cols), float(n_rows)
        if self.show_margins:
            x0, y0 = self._draw_margins()
            x_ticks.append(x0 + 0.5)
            y_ticks.append(y0 + 0.5)
            col_labels.append(total_label)
            row_labels.append(total_label)
            x_max, y_max = x0 + 1, y0 + 1
        self._decorate((x_ticks, col_labels, x_max), (y_ticks, row_labels, y_max), rotation)
        self.ax.set_xlabel(xtitle, **self.text_kw())
        self.ax.set_ylabel(ytitle, **self.text_kw())
        if self.colorbar:
            self._draw_colorbar(mesh)

    def _fit_labels(self) -> tuple[list[str], list[str], float]:
        """Row labels, column labels and their rotation, fitted to the cells.

        Rows first (with a cautious Axes height), then columns in the width the row labels
        leave, then rows again in the height the columns leave.
        """
        style, kw = self.style, self.lang_kw
        n_rows, n_cols = self.counts.shape
        extra = 1 + _MARGIN_GAP if self.show_margins else 0.0
        room_w, room_h = cell_size_pt(self.ax)
        _, ax_h = axes_size_pt(self.ax)
        small = style.small
        rows = fit_row_labels(
            self.body.index, width=self.ywrap, row_pt=ax_h / (n_rows + extra), fontsize=small, **kw
        )
        side_pt = label_size_pt(rows, small)[0] + 2.5 * style.fontsize + 6
        if self.colorbar:
            side_pt += 4 * small + 20
        cols, rotation = fit_column_labels(
            self.body.columns,
            width=self.xwrap,
            column_pt=(room_w - side_pt) / (n_cols + extra),
            fontsize=small,
            **kw,
        )
        head_pt = label_size_pt(cols, small)[1] + 2.5 * style.fontsize + 6
        if not rotation:
            row_pt = (room_h - head_pt) / (n_rows + extra)
            rows = fit_row_labels(
                self.body.index, width=self.ywrap, row_pt=row_pt, fontsize=small, **kw
            )
        return rows, cols, rotation

    def _cell_text(self, count: float, share: float) -> str:
        if self.annot == "count":
            return _number(count)
        if self.annot == "percent":
            return f"{share:.{self.decimals}f}%"
        return f"{_number(count)}\n({share:.{self.decimals}f}%)"

    def _draw_cells(self) -> Any:
        """The coloured body of the table and its cell texts; returns the mesh."""
        n_rows, n_cols = self.counts.shape
        mesh = self.ax.pcolormesh(
            np.arange(n_cols + 1),
            np.arange(n_rows + 1),
            self.values,
            cmap=self.cmap or self.style.cmap,
            vmin=0,
            vmax=max(float(np.nanmax(self.values)), 1e-9),
            edgecolors="white",
            linewidth=0.8,
        )
        if self.annot is None:
            return mesh
        for i in range(n_rows):
            for j in range(n_cols):
                face = mesh.cmap(mesh.norm(self.values[i, j]))
                self.ax.text(
                    j + 0.5,
                    i + 0.5,
                    self._cell_text(self.counts[i, j], self.shares[i, j]),
                    ha="center",
                    va="center",
                    color=text_colour(face),
                    **self.text_kw(self.style.small),
                )
        return mesh

    def _draw_margins(self) -> tuple[float, float]:
        """Gray margin cells beside and below the table; returns their column and row."""
        from matplotlib.patches import Rectangle

        n_rows, n_cols = self.counts.shape
        body = self.body
        rows_sum = self.row_total if self.row_total is not None else body.sum(axis=1)
        cols_sum = self.col_total if self.col_total is not None else body.sum(axis=0)
        grand = self.grand if self.grand is not None else float(self.counts.sum())
        x0, y0 = n_cols + _MARGIN_GAP, n_rows + _MARGIN_GAP
        cells: list[tuple[float, float, float]]
        cells = [(x0, i, v) for i, v in enumerate(rows_sum.fillna(0))]
        cells += [(j, y0, v) for j, v in enumerate(cols_sum.fillna(0))]
        cells.append((x0, y0, grand))
        for x, y, v in cells:
            self.ax.add_patch(Rectangle((x, y), 1, 1, facecolor=_MARGIN_FACE, edgecolor="white"))
            if self.annot is not None:
                self.ax.text(
                    x + 0.5,
                    y + 0.5,
                    _number(v),
                    ha="center",
                    va="center",
                    color="black",
                    **self.text_kw(self.style.small),
                )
        return x0, y0

    def _decorate(
        self,
        x: tuple[list[float], list[str], float],
        y: tuple[list[float], list[str], float],
        rotation: float,
    ) -> None:
        """Limits, ticks at the top and left, no spines; ``x``/``y``: ticks, labels, end."""
        ax = self.ax
        ax.set_xlim(0, x[2])
        ax.set_ylim(y[2], 0)  # first row at the top, as in the table
        self.set_ticks(
            "x",
            x[0],
            x[1],
            rotation=rotation,
            ha="left" if rotation else "center",
            rotation_mode="anchor",
        )
        self.set_ticks("y", y[0], y[1])
        ax.tick_params(length=0)
        ax.xaxis.tick_top()
        ax.xaxis.set_label_position("top")
        for spine in ax.spines.values():
            spine.set_visible(False)

    def _draw_colorbar(self, mesh: Any) -> None:
        small = self.style.small
        bar = self.ax.figure.colorbar(mesh, ax=self.ax, shrink=0.8, pad=0.02)
        bar.ax.tick_params(labelfontfamily=list(self.style.families), labelsize=small)
        title = "%" if self.color == "percent" else self.title("计数")
        bar.set_label(title, **self.text_kw(small))
        bar.outline.set_visible(False)


def heatmap(
    data: pd.DataFrame,
    *,
    annot: Annot = "count",
    normalize: Literal["index", "columns", "all"] = "index",
    color: Literal["count", "percent"] | None = None,
    margins: Literal["drop", "show"] = "drop",
    decimals: int = 0,
    lang: Lang = "zh",
    labels: Mapping[str, str] | None = None,
    xwrap: int = 16,
    ywrap: int = 16,
    xlabel: str | None = None,
    ylabel: str | None = None,
    cmap: str | None = None,
    colorbar: bool = False,
    ax: Any = None,
) -> Any:
    plotter = _HeatmapPlotter(
        data,
        annot=annot,
        normalize=normalize,
        color=color,
        margins=margins,
        decimals=decimals,
        xwrap=xwrap,
        ywrap=ywrap,
        xlabel=xlabel,
        ylabel=ylabel,
        cmap=cmap,
        colorbar=colorbar,
        lang=lang,
        labels=labels,
    )
    return plotter.plot(ax)


_heatmap_params = DocstringComponents(
    {
        "data": """
data : DataFrame
    A crosstab: index = row categories, columns = column categories, numeric counts.
    Margin rows/columns named 合计, 总计, Total or All are not coloured with the body:
    ``margins="drop"`` leaves them out, ``"show"`` draws them in gray beside the table
    (annotated with their counts; when the crosstab has none, the body's sums).
""",
    }
)

_params = DocstringComponents.from_nested_components(core=core_params, heatmap=_heatmap_params)

heatmap.__doc__ = f"""\
Draw a crosstab (rows × columns of counts) as an annotated heatmap.

Parameters
----------
{_params.heatmap.data}
annot : {{"count", "percent", "both"}} or None
    Cell text: the count, the percentage (see ``normalize``), both (count above
    percentage) or nothing.
normalize : {{"index", "columns", "all"}}
    Percentages of the row total, the column total or the grand total, computed from
    the cells shown (margins excluded).
color : {{"count", "percent"}}, optional
    What the colour encodes; default percentages when they are annotated, else counts.
margins : {{"drop", "show"}}
    See ``data``.
decimals : int
    Decimals of the percentages.
{_params.core.lang}
{_params.core.labels}
xwrap, ywrap : int
    Wrap width of column and row labels, in columns (a hanzi is 2); column labels wrap
    narrower when the cells are narrower, row labels wider when the rows are too low.
xlabel, ylabel : str, optional
    Axis titles; default the translated ``columns.name`` and ``index.name``.
cmap : str, optional
    Colour map; default the style's single-hue map (Blues, Greys in grayscale).
colorbar : bool
    Add a colour bar.
{_params.core.ax}

Returns
-------
{core_returns.ax}
"""
