"""Alluvial (Sankey-like) flow across stages, e.g. domain → instrument → outcome dimension."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._common import (
    LINE_SPACING,
    axes_size_pt,
    category_order,
    n_lines,
    render,
    require_columns,
    require_frame,
    title_for,
    weights,
)
from .labels import Lang
from .style import _ensure_text, _plotting, _prepare_axes, palette

__all__ = ["alluvial", "alluvial_layout"]

_NODE_WIDTH = 0.05  # in units of the distance between stages
_MIN_GAP = 0.012  # fraction of the height between neighbouring nodes


def _node_orders(
    frame: pd.DataFrame, stages: Sequence[str], orders: Mapping[str, Sequence[Hashable]]
) -> list[list[Hashable]]:
    """Node order per stage: given, else first appearance (stage 1) or barycentres.

    A later stage's nodes sit at the weighted mean position of the nodes they receive flows
    from, which removes most crossings without a search.
    """
    result: list[list[Hashable]] = []
    for k, stage in enumerate(stages):
        if stage in orders or k == 0:
            result.append(category_order(frame[stage], orders.get(stage)))
            continue
        previous = {v: i for i, v in enumerate(result[-1])}
        pos = frame[stages[k - 1]].map(previous).astype(float)
        weight, nodes = frame["cq_weight"], frame[stage]
        total = weight.groupby(nodes, sort=False).sum().replace(0.0, np.nan)
        centre = (pos * weight).groupby(nodes, sort=False).sum() / total
        first = {v: i for i, v in enumerate(category_order(frame[stage], None))}
        result.append(sorted(centre.index, key=lambda v: (np.nan_to_num(centre[v]), first[v])))
    return result


def alluvial_layout(
    totals: Sequence[Sequence[float]],
    label_heights: Sequence[Sequence[float]],
    *,
    min_gap: float = _MIN_GAP,
) -> tuple[bool, list[list[tuple[float, float]]]]:
    """Vertical positions of the nodes of each stage, in a unit-high column.

    Node heights are ``scale * weight`` with one ``scale`` for all stages (a flow keeps its
    thickness); gaps between nodes are at least ``min_gap`` and wide enough that neighbouring
    labels (``label_heights``, same unit) do not touch.  The largest scale that fits every
    stage is found by bisection (each stage's height grows with the scale).

    Returns
    -------
    fits : bool
        Whether the labels fit while the flows still take at least a fifth of the height;
        if not, the nodes are laid out ignoring the labels.
    spans : list of list of (bottom, top)
        Per stage, per node (top to bottom), its extent; stages are centred vertically.
    """

    def stage_height(scale: float, w: Sequence[float], lab: Sequence[float]) -> float:
        height = scale * sum(w)
        for a in range(len(w) - 1):
            need = (lab[a] + lab[a + 1]) / 2 - scale * (w[a] + w[a + 1]) / 2
            height += max(min_gap, need)
        height += max(0.0, lab[0] / 2 - scale * w[0] / 2)
        height += max(0.0, lab[-1] / 2 - scale * w[-1] / 2)
        return height

    grand = max(sum(w) for w in totals)

    def largest_scale(heights: Sequence[Sequence[float]]) -> float:
        lo, hi = 0.0, 1.0 / grand
        for _ in range(60):
            mid = (lo + hi) / 2
            tallest = max(stage_height(mid, w, lab) for w, lab in zip(totals, heights, strict=True))
            if tallest <= 1.0:
                lo = mid
            else:
                hi = mid
        return lo

    scale = largest_scale(label_heights)
    fits = scale >= 0.2 / grand
    if not fits:
        # Too many labels for the height: lay the nodes out as if labels were points, so the
        # flows stay inside the Axes; the labels will overlap and the layout check says so.
        label_heights = [[0.0] * len(w) for w in totals]
        scale = largest_scale(label_heights)
    spans: list[list[tuple[float, float]]] = []
    for w, lab in zip(totals, label_heights, strict=True):
        height = stage_height(scale, w, lab)
        top = 1.0 - (1.0 - height) / 2 - max(0.0, lab[0] / 2 - scale * w[0] / 2)
        column = []
        for a, weight in enumerate(w):
            column.append((top - scale * weight, top))
            if a + 1 < len(w):
                need = (lab[a] + lab[a + 1]) / 2 - scale * (weight + w[a + 1]) / 2
                top -= scale * weight + max(min_gap, need)
        spans.append(column)
    return fits, spans


def _band(x0: float, x1: float, s0: tuple[float, float], s1: tuple[float, float]) -> Any:
    """A flow band: cubic curves from span ``s0`` at ``x0`` to span ``s1`` at ``x1``."""
    from matplotlib.path import Path

    xm = (x0 + x1) / 2
    verts = [
        (x0, s0[1]),
        (xm, s0[1]),
        (xm, s1[1]),
        (x1, s1[1]),
        (x1, s1[0]),
        (xm, s1[0]),
        (xm, s0[0]),
        (x0, s0[0]),
        (x0, s0[1]),
    ]
    codes = [Path.MOVETO, *[Path.CURVE4] * 3, Path.LINETO, *[Path.CURVE4] * 3, Path.CLOSEPOLY]
    return Path(verts, codes)


def alluvial(
    data: pd.DataFrame,
    *,
    stages: Sequence[str],
    weight: str | None = None,
    orders: Mapping[str, Sequence[Hashable]] | None = None,
    color_by: str | None = None,
    values: bool = True,
    stage_labels: Sequence[str] | None = None,
    lang: Lang = "zh",
    labels: Mapping[str, str] | None = None,
    wrap: int = 12,
    alpha: float = 0.55,
    ax: Any = None,
) -> Any:
    """Draw flows between the categories of successive columns (an alluvial diagram).

    Each row of ``data`` flows through one category of every stage, e.g. domain → measure
    instrument → outcome dimension; bands are as thick as the summed ``weight``.  Nodes and
    bands are matplotlib patches (no extra dependency).  Rows with a missing stage value are
    left out.

    Parameters
    ----------
    data : DataFrame
        Tidy data, one row per unit (or per path with a ``weight``).
    stages : sequence of str
        Two or more columns, left to right.
    weight : str, optional
        Column of non-negative weights; default: count rows.
    orders : mapping, optional
        Node order (top to bottom) per stage column.  Default: first appearance for the first
        stage, the barycentre of incoming flows for later ones (few crossings).
    color_by : str, optional
        Stage column whose categories colour the bands; default the first stage.
    values : bool
        Append each node's total weight to its label, e.g. ``政府职能转变 (4)``.
    stage_labels : sequence of str, optional
        Column headings; default the translated stage column names.
    lang : {"zh", "en", "both"}
        Label language; see :func:`cqanalysis.figures.translate`.
    labels : mapping, optional
        Extra zh → en translations (e.g. codebook labels).
    wrap : int
        Wrap width of node labels, in columns (a hanzi is 2).
    alpha : float
        Opacity of the bands.
    ax : matplotlib Axes, optional
        Axes to draw on; default ``plt.gca()``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import PathPatch, Rectangle

    require_frame(data, "alluvial")
    stages = list(stages)
    if len(stages) < 2:
        raise ValueError("alluvial: give at least two stage columns")
    if len(set(stages)) != len(stages):
        raise ValueError("alluvial: stage columns must differ")
    color_by = stages[0] if color_by is None else color_by
    if color_by not in stages:
        raise ValueError(f"alluvial: color_by {color_by!r} is not one of the stages")
    if stage_labels is not None and len(stage_labels) != len(stages):
        raise ValueError("alluvial: stage_labels needs one label per stage")
    require_columns(data, [*stages, weight], "alluvial")
    frame = data[stages].assign(cq_weight=weights(data, weight), cq_colour=data[color_by])
    frame = frame.dropna(subset=stages)
    frame = frame[frame["cq_weight"] > 0]
    if frame.empty:
        raise ValueError("alluvial: no rows with every stage present and a positive weight")
    node_order = _node_orders(frame, stages, dict(orders or {}))
    totals = [
        frame.groupby(stage, sort=False)["cq_weight"].sum().reindex(order).fillna(0.0).tolist()
        for stage, order in zip(stages, node_order, strict=True)
    ]
    colour_order = node_order[stages.index(color_by)]

    with _plotting() as style:
        ax = ax if ax is not None else plt.gca()
        _prepare_axes(ax, style)
        kw = {"lang": lang, "labels": labels}
        _, height_pt = axes_size_pt(ax)
        line = style.small * LINE_SPACING / height_pt

        def layout_for(width: int) -> tuple[list[list[str]], list[list[tuple[float, float]]], bool]:
            texts = []
            for order, tot in zip(node_order, totals, strict=True):
                stage_text = []
                for node, total in zip(order, tot, strict=True):
                    text = render(node, width=width, **kw)
                    stage_text.append(text + f" ({total:g})" if values else text)
                texts.append(stage_text)
            heights = [[(n_lines(t) + 0.2) * line for t in stage] for stage in texts]
            fits, spans = alluvial_layout(totals, heights)
            return texts, spans, fits

        # Widen the wrap (fewer lines per label) until the labels fit the height.
        for trial in range(wrap, max(wrap, 40) + 1, 4):
            node_labels, spans, fits = layout_for(trial)
            if fits:
                break
        headings = (
            list(stage_labels) if stage_labels is not None else [title_for(s, **kw) for s in stages]
        )
        _ensure_text(style, [t for stage in node_labels for t in stage] + headings)

        colours = dict(
            zip(colour_order, palette(len(colour_order), grayscale=style.grayscale), strict=True)
        )
        half = _NODE_WIDTH / 2
        # Flows between successive stages, split by the colouring category and stacked inside
        # each node in the order of the node at the other end (then of the colour).
        for k in range(len(stages) - 1):
            src, dst = stages[k], stages[k + 1]
            flows = (
                frame.groupby([src, dst, "cq_colour"], sort=False)["cq_weight"].sum().reset_index()
            )
            src_pos = {v: i for i, v in enumerate(node_order[k])}
            dst_pos = {v: i for i, v in enumerate(node_order[k + 1])}
            col_pos = {v: i for i, v in enumerate(colour_order)}
            flows["cq_src"] = flows[src].map(src_pos)
            flows["cq_dst"] = flows[dst].map(dst_pos)
            flows["cq_col"] = flows["cq_colour"].map(col_pos)
            out_top = [span[1] for span in spans[k]]
            in_top = [span[1] for span in spans[k + 1]]
            scale = (spans[k][0][1] - spans[k][0][0]) / totals[k][0]
            out_start = {}
            for row in flows.sort_values(["cq_src", "cq_dst", "cq_col"]).itertuples():
                out_start[row.Index] = out_top[row.cq_src]
                out_top[row.cq_src] -= row.cq_weight * scale
            for row in flows.sort_values(["cq_dst", "cq_src", "cq_col"]).itertuples():
                top0 = out_start[row.Index]
                top1 = in_top[row.cq_dst]
                in_top[row.cq_dst] -= row.cq_weight * scale
                thick = row.cq_weight * scale
                path = _band(k + half, k + 1 - half, (top0 - thick, top0), (top1 - thick, top1))
                ax.add_patch(
                    PathPatch(
                        path,
                        facecolor=colours[row.cq_colour],
                        edgecolor="none",
                        alpha=alpha,
                        linewidth=0,
                    )
                )

        for k, (order, stage_spans) in enumerate(zip(node_order, spans, strict=True)):
            for a, (node, (bottom, top)) in enumerate(zip(order, stage_spans, strict=True)):
                face = colours[node] if stages[k] == color_by else "#4d4d4d"
                ax.add_patch(
                    Rectangle(
                        (k - half, bottom),
                        _NODE_WIDTH,
                        top - bottom,
                        facecolor=face,
                        edgecolor="white",
                        linewidth=0.4,
                        zorder=3,
                    )
                )
                centre = (bottom + top) / 2
                if k == 0:
                    x, ha = k - half - 0.02, "right"
                    box = None
                elif k == len(stages) - 1:
                    x, ha = k + half + 0.02, "left"
                    box = None
                else:
                    x, ha = k + half + 0.02, "left"
                    box = {
                        "boxstyle": "round,pad=0.15",
                        "facecolor": "white",
                        "edgecolor": "none",
                        "alpha": 0.85,
                    }
                ax.text(
                    x,
                    centre,
                    node_labels[k][a],
                    ha=ha,
                    va="center",
                    zorder=4,
                    bbox=box,
                    **style.text_kw(style.small),
                )
            heading_ha = "right" if k == 0 else "left" if k == len(stages) - 1 else "center"
            heading_x = k + half if k == 0 else k - half if k == len(stages) - 1 else k
            ax.text(
                heading_x,
                1.0,
                headings[k],
                ha=heading_ha,
                va="bottom",
                transform=ax.get_xaxis_transform(),
                **style.text_kw(),
            )
        ax.set_xlim(-half, len(stages) - 1 + half)
        ax.set_ylim(0, 1)
        ax.set_axis_off()
    return ax
