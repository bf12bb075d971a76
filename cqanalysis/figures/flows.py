"""Alluvial (Sankey-like) flow across stages, e.g. domain → instrument → outcome dimension."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._base import _Plotter
from ._common import (
    LINE_SPACING,
    axes_size_pt,
    category_order,
    n_lines,
    require_columns,
    require_frame,
    weights,
)
from ._docstrings import DocstringComponents, core_params, core_returns
from .labels import Lang
from .style import palette

__all__ = ["alluvial", "alluvial_layout"]

_NODE_WIDTH = 0.05  # in units of the distance between stages
_MIN_GAP = 0.012  # fraction of the height between neighbouring nodes
_LABEL_BOX = {
    "boxstyle": "round,pad=0.15",
    "facecolor": "white",
    "edgecolor": "none",
    "alpha": 0.85,
}


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
        centre = ((pos * weight).groupby(nodes, sort=False).sum() / total).to_dict()
        first = {v: i for i, v in enumerate(category_order(frame[stage], None))}
        result.append(sorted(centre, key=lambda v: (np.nan_to_num(centre[v]), first[v])))
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


def _flow_frame(
    data: pd.DataFrame, stages: list[str], weight: str | None, color_by: str | None
) -> tuple[pd.DataFrame, str]:
    """The rows to draw (every stage present, positive weight) and the colouring stage."""
    require_frame(data, "alluvial")
    if len(stages) < 2:
        raise ValueError("alluvial: give at least two stage columns")
    if len(set(stages)) != len(stages):
        raise ValueError("alluvial: stage columns must differ")
    color_by = stages[0] if color_by is None else color_by
    if color_by not in stages:
        raise ValueError(f"alluvial: color_by {color_by!r} is not one of the stages")
    require_columns(data, [*stages, weight], "alluvial")
    frame = data[stages].assign(cq_weight=weights(data, weight), cq_colour=data[color_by])
    frame = frame.dropna(subset=stages)
    frame = frame[frame["cq_weight"] > 0]
    if frame.empty:
        raise ValueError("alluvial: no rows with every stage present and a positive weight")
    return frame, color_by


class _AlluvialPlotter(_Plotter):
    """Stages side by side, a node per category, bands between successive stages."""

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        stages: Sequence[str],
        weight: str | None,
        orders: Mapping[str, Sequence[Hashable]] | None,
        color_by: str | None,
        values: bool,
        stage_labels: Sequence[str] | None,
        wrap: int,
        alpha: float,
        lang: Lang,
        labels: Mapping[str, str] | None,
    ) -> None:
        super().__init__(lang=lang, labels=labels)
        self.stages = list(stages)
        self.frame, self.color_by = _flow_frame(data, self.stages, weight, color_by)
        if stage_labels is not None and len(stage_labels) != len(self.stages):
            raise ValueError("alluvial: stage_labels needs one label per stage")
        self.node_order = _node_orders(self.frame, self.stages, dict(orders or {}))
        self.totals = [
            self.frame.groupby(stage, sort=False)["cq_weight"]
            .sum()
            .reindex(order)
            .fillna(0.0)
            .tolist()
            for stage, order in zip(self.stages, self.node_order, strict=True)
        ]
        self.colour_order = self.node_order[self.stages.index(self.color_by)]
        self.values, self.stage_labels, self.wrap, self.alpha = values, stage_labels, wrap, alpha

    def draw(self) -> None:
        # Widen the wrap (fewer lines per label) until the labels fit the height.
        for trial in range(self.wrap, max(self.wrap, 40) + 1, 4):
            node_labels, spans, fits = self._layout(trial)
            if fits:
                break
        if self.stage_labels is not None:
            headings = list(self.stage_labels)
        else:
            headings = [self.title(s) for s in self.stages]
        self.ensure_glyphs([t for stage in node_labels for t in stage] + headings)
        colours = dict(
            zip(
                self.colour_order,
                palette(len(self.colour_order), grayscale=self.style.grayscale),
                strict=True,
            )
        )
        for k in range(len(self.stages) - 1):
            self._draw_flows(k, spans, colours)
        for k in range(len(self.stages)):
            self._draw_stage(k, spans[k], node_labels[k], headings[k], colours)
        half = _NODE_WIDTH / 2
        self.ax.set_xlim(-half, len(self.stages) - 1 + half)
        self.ax.set_ylim(0, 1)
        self.ax.set_axis_off()

    def _layout(self, width: int) -> tuple[list[list[str]], list[list[tuple[float, float]]], bool]:
        """Node labels wrapped at ``width``, node spans, and whether the labels fit."""
        _, height_pt = axes_size_pt(self.ax)
        line = self.style.small * LINE_SPACING / height_pt
        texts = []
        for order, tot in zip(self.node_order, self.totals, strict=True):
            stage_text = []
            for node, total in zip(order, tot, strict=True):
                text = self.label(node, width)
                stage_text.append(text + f" ({total:g})" if self.values else text)
            texts.append(stage_text)
        heights = [[(n_lines(t) + 0.2) * line for t in stage] for stage in texts]
        fits, spans = alluvial_layout(self.totals, heights)
        return texts, spans, fits

    def _draw_flows(
        self, k: int, spans: list[list[tuple[float, float]]], colours: dict[Hashable, str]
    ) -> None:
        """Bands from stage ``k`` to ``k + 1``, split by the colouring category and stacked
        inside each node in the order of the node at the other end (then of the colour)."""
        from matplotlib.patches import PathPatch

        src, dst = self.stages[k], self.stages[k + 1]
        flows = (
            self.frame.groupby([src, dst, "cq_colour"], sort=False)["cq_weight"].sum().reset_index()
        )
        flows["cq_src"] = flows[src].map({v: i for i, v in enumerate(self.node_order[k])})
        flows["cq_dst"] = flows[dst].map({v: i for i, v in enumerate(self.node_order[k + 1])})
        flows["cq_col"] = flows["cq_colour"].map({v: i for i, v in enumerate(self.colour_order)})
        out_top = [span[1] for span in spans[k]]
        in_top = [span[1] for span in spans[k + 1]]
        scale = (spans[k][0][1] - spans[k][0][0]) / self.totals[k][0]
        out_start: dict[Hashable, float] = {}
        by_source = flows.sort_values(["cq_src", "cq_dst", "cq_col"])
        for index, src_at, weight in zip(
            by_source.index,
            by_source["cq_src"].tolist(),
            by_source["cq_weight"].tolist(),
            strict=True,
        ):
            out_start[index] = out_top[src_at]
            out_top[src_at] -= weight * scale
        half = _NODE_WIDTH / 2
        by_target = flows.sort_values(["cq_dst", "cq_src", "cq_col"])
        for index, dst_at, weight, colour in zip(
            by_target.index,
            by_target["cq_dst"].tolist(),
            by_target["cq_weight"].tolist(),
            by_target["cq_colour"].tolist(),
            strict=True,
        ):
            top0 = out_start[index]
            top1 = in_top[dst_at]
            in_top[dst_at] -= weight * scale
            thick = weight * scale
            path = _band(k + half, k + 1 - half, (top0 - thick, top0), (top1 - thick, top1))
            face = colours[colour]
            self.ax.add_patch(
                PathPatch(path, facecolor=face, edgecolor="none", alpha=self.alpha, linewidth=0)
            )

    def _draw_stage(
        self,
        k: int,
        spans: list[tuple[float, float]],
        node_labels: list[str],
        heading: str,
        colours: dict[Hashable, str],
    ) -> None:
        """The nodes of stage ``k`` with their labels, and the stage heading."""
        from matplotlib.patches import Rectangle

        half, last = _NODE_WIDTH / 2, len(self.stages) - 1
        coloured = self.stages[k] == self.color_by
        for node, (bottom, top), text in zip(self.node_order[k], spans, node_labels, strict=True):
            face = colours[node] if coloured else "#4d4d4d"
            self.ax.add_patch(
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
            x, ha = (k - half - 0.02, "right") if k == 0 else (k + half + 0.02, "left")
            # Labels of a middle stage sit on the bands: a white box keeps them readable.
            box = None if k in (0, last) else _LABEL_BOX
            self.ax.text(
                x,
                (bottom + top) / 2,
                text,
                ha=ha,
                va="center",
                zorder=4,
                bbox=box,
                **self.text_kw(self.style.small),
            )
        heading_ha = "right" if k == 0 else "left" if k == last else "center"
        heading_x = k + half if k == 0 else k - half if k == last else k
        self.ax.text(
            heading_x,
            1.0,
            heading,
            ha=heading_ha,
            va="bottom",
            transform=self.ax.get_xaxis_transform(),
            **self.text_kw(),
        )


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
    plotter = _AlluvialPlotter(
        data,
        stages=stages,
        weight=weight,
        orders=orders,
        color_by=color_by,
        values=values,
        stage_labels=stage_labels,
        wrap=wrap,
        alpha=alpha,
        lang=lang,
        labels=labels,
    )
    return plotter.plot(ax)


_params = DocstringComponents.from_nested_components(core=core_params)

alluvial.__doc__ = f"""\
Draw flows between the categories of successive columns (an alluvial diagram).

Each row of ``data`` flows through one category of every stage, e.g. domain → measure
instrument → outcome dimension; bands are as thick as the summed ``weight``.  Nodes and
bands are matplotlib patches (no extra dependency).  Rows with a missing stage value are
left out.

Parameters
----------
{_params.core.data_tidy}
stages : sequence of str
    Two or more columns, left to right.
{_params.core.weight}
orders : mapping, optional
    Node order (top to bottom) per stage column.  Default: first appearance for the first
    stage, the barycentre of incoming flows for later ones (few crossings).
color_by : str, optional
    Stage column whose categories colour the bands; default the first stage.
values : bool
    Append each node's total weight to its label, e.g. ``政府职能转变 (4)``.
stage_labels : sequence of str, optional
    Column headings; default the translated stage column names.
{_params.core.lang}
{_params.core.labels}
{_params.core.wrap}
alpha : float
    Opacity of the bands.
{_params.core.ax}

Returns
-------
{core_returns.ax}
"""
