"""Heatmap of a crosstab (a matrix of counts), annotated with counts, percentages or both."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..core.constants import MARGIN_NAMES
from ._common import (
    axes_size_pt,
    cell_size_pt,
    fit_column_labels,
    fit_row_labels,
    label_size_pt,
    render,
    require_frame,
    title_for,
)
from .labels import Lang
from .style import _ensure_text, _plotting, _prepare_axes, text_colour

__all__ = ["heatmap"]

_MARGIN_GAP = 0.25  # cells between the table and its margin row/column


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
    col_total = table.loc[rows[0], body.columns] if rows else None
    row_total = table.loc[body.index, cols[0]] if cols else None
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


def heatmap(
    data: pd.DataFrame,
    *,
    annot: Literal["count", "percent", "both"] | None = "count",
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
    """Draw a crosstab (rows × columns of counts) as an annotated heatmap.

    Parameters
    ----------
    data : DataFrame
        A crosstab: index = row categories, columns = column categories, numeric counts.
        Margin rows/columns named 合计, 总计, Total or All are not coloured with the body:
        ``margins="drop"`` leaves them out, ``"show"`` draws them in gray beside the table
        (annotated with their counts; when the crosstab has none, the body's sums).
    annot : {"count", "percent", "both"} or None
        Cell text: the count, the percentage (see ``normalize``), both (count above
        percentage) or nothing.
    normalize : {"index", "columns", "all"}
        Percentages of the row total, the column total or the grand total, computed from
        the cells shown (margins excluded).
    color : {"count", "percent"}, optional
        What the colour encodes; default percentages when they are annotated, else counts.
    margins : {"drop", "show"}
        See ``data``.
    decimals : int
        Decimals of the percentages.
    lang : {"zh", "en", "both"}
        Category and axis labels in Chinese, English (glossary / ``labels``) or both.
    labels : mapping, optional
        Extra zh → en translations (e.g. codebook labels).
    xwrap, ywrap : int
        Wrap width of column and row labels, in columns (a hanzi is 2); column labels wrap
        narrower when the cells are narrower, row labels wider when the rows are too low.
    xlabel, ylabel : str, optional
        Axis titles; default the translated ``columns.name`` and ``index.name``.
    cmap : str, optional
        Colour map; default the style's single-hue map (Blues, Greys in grayscale).
    colorbar : bool
        Add a colour bar.
    ax : matplotlib Axes, optional
        Axes to draw on; default ``plt.gca()``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    table = require_frame(data, "heatmap")
    if annot not in ("count", "percent", "both", None):
        raise ValueError(f"annot must be 'count', 'percent', 'both' or None, got {annot!r}")
    if normalize not in ("index", "columns", "all"):
        raise ValueError(f"normalize must be 'index', 'columns' or 'all', got {normalize!r}")
    if margins not in ("drop", "show"):
        raise ValueError(f"margins must be 'drop' or 'show', got {margins!r}")
    try:
        numeric = table.apply(pd.to_numeric, errors="raise")
    except (TypeError, ValueError) as exc:
        raise TypeError("heatmap: the crosstab must hold numbers") from exc
    body, row_total, col_total, grand = _split_margins(numeric.astype(float))
    if body.empty:
        raise ValueError("heatmap: no cells left after removing the margins")
    counts = body.fillna(0).to_numpy()
    shares = _shares(counts, normalize)
    color = color or ("count" if annot in ("count", None) else "percent")
    values = shares if color == "percent" else counts

    with _plotting() as style:
        ax = ax if ax is not None else plt.gca()
        _prepare_axes(ax, style)
        kw = {"lang": lang, "labels": labels}
        n_rows, n_cols = counts.shape
        extra = 1 + _MARGIN_GAP if margins == "show" else 0.0
        # Fit labels to the cells: rows first (with a cautious Axes height), then columns in
        # the width the row labels leave, then rows again in the height the columns leave.
        room_w, room_h = cell_size_pt(ax)
        _, ax_h = axes_size_pt(ax)
        small = style.small
        row_labels = fit_row_labels(
            body.index, width=ywrap, row_pt=ax_h / (n_rows + extra), fontsize=small, **kw
        )
        side_pt = label_size_pt(row_labels, small)[0] + 2.5 * style.fontsize + 6
        if colorbar:
            side_pt += 4 * small + 20
        col_labels, rotation = fit_column_labels(
            body.columns,
            width=xwrap,
            column_pt=(room_w - side_pt) / (n_cols + extra),
            fontsize=small,
            **kw,
        )
        head_pt = label_size_pt(col_labels, small)[1] + 2.5 * style.fontsize + 6
        if not rotation:
            row_labels = fit_row_labels(
                body.index,
                width=ywrap,
                row_pt=(room_h - head_pt) / (n_rows + extra),
                fontsize=small,
                **kw,
            )
        total_label = render("合计", width=None, **kw)
        xtitle = xlabel if xlabel is not None else title_for(body.columns.name, **kw)
        ytitle = ylabel if ylabel is not None else title_for(body.index.name, **kw)
        _ensure_text(style, [*row_labels, *col_labels, total_label, xtitle, ytitle, "%0123456789"])

        mesh = ax.pcolormesh(
            np.arange(n_cols + 1),
            np.arange(n_rows + 1),
            values,
            cmap=cmap or style.cmap,
            vmin=0,
            vmax=max(float(np.nanmax(values)), 1e-9),
            edgecolors="white",
            linewidth=0.8,
        )

        def cell_text(count: float, share: float) -> str:
            if annot == "count":
                return _number(count)
            if annot == "percent":
                return f"{share:.{decimals}f}%"
            return f"{_number(count)}\n({share:.{decimals}f}%)"

        if annot is not None:
            for i in range(n_rows):
                for j in range(n_cols):
                    face = mesh.cmap(mesh.norm(values[i, j]))
                    ax.text(
                        j + 0.5,
                        i + 0.5,
                        cell_text(counts[i, j], shares[i, j]),
                        ha="center",
                        va="center",
                        color=text_colour(face),
                        **style.text_kw(small),
                    )

        x_ticks = [j + 0.5 for j in range(n_cols)]
        y_ticks = [i + 0.5 for i in range(n_rows)]
        x_max, y_max = float(n_cols), float(n_rows)
        if margins == "show":
            rows_sum = row_total if row_total is not None else body.sum(axis=1)
            cols_sum = col_total if col_total is not None else body.sum(axis=0)
            grand = grand if grand is not None else float(counts.sum())
            x0, y0 = n_cols + _MARGIN_GAP, n_rows + _MARGIN_GAP
            cells = [(x0, i, v) for i, v in enumerate(rows_sum.fillna(0))]
            cells += [(j, y0, v) for j, v in enumerate(cols_sum.fillna(0))]
            cells.append((x0, y0, grand))
            for x, y, v in cells:
                ax.add_patch(Rectangle((x, y), 1, 1, facecolor="#e6e6e6", edgecolor="white"))
                if annot is not None:
                    ax.text(
                        x + 0.5,
                        y + 0.5,
                        _number(v),
                        ha="center",
                        va="center",
                        color="black",
                        **style.text_kw(small),
                    )
            x_ticks.append(x0 + 0.5)
            y_ticks.append(y0 + 0.5)
            col_labels.append(total_label)
            row_labels.append(total_label)
            x_max, y_max = x0 + 1, y0 + 1

        ax.set_xlim(0, x_max)
        ax.set_ylim(y_max, 0)  # first row at the top, as in the table
        ax.set_xticks(
            x_ticks,
            col_labels,
            rotation=rotation,
            ha="left" if rotation else "center",
            rotation_mode="anchor",
        )
        ax.set_yticks(y_ticks, row_labels)
        ax.tick_params(length=0)
        ax.xaxis.tick_top()
        ax.xaxis.set_label_position("top")
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_xlabel(xtitle, **style.text_kw())
        ax.set_ylabel(ytitle, **style.text_kw())
        if colorbar:
            bar = ax.figure.colorbar(mesh, ax=ax, shrink=0.8, pad=0.02)
            bar.ax.tick_params(labelfontfamily=list(style.families), labelsize=small)
            bar.set_label(
                "%" if color == "percent" else title_for("计数", **kw), **style.text_kw(small)
            )
            bar.outline.set_visible(False)
    return ax
