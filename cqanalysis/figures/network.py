"""Code co-occurrence network: nodes sized by frequency, edges by co-occurrence (numpy layout)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from functools import cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..core.constants import MARGIN_NAMES
from ._base import _Plotter
from ._common import LINE_SPACING, cell_size_pt, n_lines, require_frame
from ._docstrings import DocstringComponents, core_params, core_returns
from .labels import Lang, text_width_em, translate
from .style import palette

__all__ = ["circular_layout", "cooccurrence_network", "spring_layout"]

_KEY_GAP = 2.0  # points between the size circles of the key


def circular_layout(n: int) -> np.ndarray:
    """``n`` points on the unit circle, the first at the top, going clockwise."""
    angles = np.pi / 2 - 2 * np.pi * np.arange(n) / max(n, 1)
    return np.column_stack([np.cos(angles), np.sin(angles)])


def _graph_distances(weights: np.ndarray, min_weight: float) -> np.ndarray:
    """Shortest-path lengths (Floyd–Warshall); strong ties are shorter, 1 for the weakest."""
    n = len(weights)
    w = np.where(weights >= min_weight, weights, 0.0)
    np.fill_diagonal(w, 0.0)
    top = w.max() if w.max() > 0 else 1.0
    # Edge lengths from 1 (strongest tie) to 1.5 (weakest): strong ties pull a little closer
    # without letting nodes pile up.
    dist = np.where(w > 0, 1.5 - 0.5 * w / top, np.inf)
    np.fill_diagonal(dist, 0.0)
    for k in range(n):
        dist = np.minimum(dist, dist[:, k : k + 1] + dist[k : k + 1, :])
    finite = dist[np.isfinite(dist)]
    # Unconnected codes sit a little beyond the farthest connected pair, not infinitely far.
    far = (finite.max() if finite.size else 1.0) * 0.8 + 1.0
    return np.where(np.isfinite(dist), dist, far)


def spring_layout(weights: np.ndarray, *, min_weight: float = 1.0) -> np.ndarray:
    """Deterministic force-directed layout of a weighted graph, scaled into ``[-1, 1]²``.

    Stress majorisation (SMACOF) on shortest-path distances, started from classical
    multidimensional scaling: co-occurring codes end up close, strongly co-occurring ones
    closer, unconnected ones nearby rather than flung off, and no random seed is involved.
    """
    w = np.asarray(weights, dtype=float)
    n = len(w)
    if n <= 2:
        return circular_layout(n)
    d = _graph_distances(w, min_weight)
    # Classical MDS start: the two leading eigenvectors of the double-centred distances.
    j = np.eye(n) - 1.0 / n
    b = -0.5 * j @ (d**2) @ j
    vals, vecs = np.linalg.eigh(b)
    lead = np.argsort(vals)[::-1][:2]
    x = vecs[:, lead] * np.sqrt(np.maximum(vals[lead], 1e-9))
    x *= np.where(x[np.abs(x).argmax(axis=0), [0, 1]] < 0, -1.0, 1.0)  # fix the signs
    x += circular_layout(n) * 1e-3  # separate coincident points
    # SMACOF with weights 1/d² (Kamada–Kawai-like): Guttman transform via the pseudo-inverse.
    wt = np.zeros_like(d)
    off = ~np.eye(n, dtype=bool)
    wt[off] = 1.0 / d[off] ** 2
    v = -wt.copy()
    np.fill_diagonal(v, wt.sum(axis=1))
    v_pinv = np.linalg.pinv(v)
    for _ in range(200):
        diff = x[:, None, :] - x[None, :, :]
        cur = np.maximum(np.hypot(diff[..., 0], diff[..., 1]), 1e-9)
        bm = np.where(off, -wt * d / cur, 0.0)
        np.fill_diagonal(bm, -bm.sum(axis=1))
        new = v_pinv @ bm @ x
        if np.abs(new - x).max() < 1e-7:
            x = new
            break
        x = new
    x -= x.mean(axis=0)
    span = np.abs(x).max()
    return x / span if span > 0 else x


def _numbers(frame: pd.DataFrame) -> np.ndarray:
    try:
        values = frame.apply(pd.to_numeric, errors="raise").fillna(0).astype(float)
    except (TypeError, ValueError) as exc:
        raise TypeError("cooccurrence_network: the matrix must hold numbers") from exc
    arr = values.to_numpy()
    if (arr < 0).any():
        raise ValueError("cooccurrence_network: co-occurrence counts cannot be negative")
    return arr


def _graph(
    data: pd.DataFrame,
) -> tuple[list[Hashable], np.ndarray, np.ndarray, dict[int, Hashable] | None]:
    """Nodes, adjacency, default frequencies and (bipartite) default groups of a matrix.

    A square matrix with the same codes on both axes is a code × code co-occurrence matrix
    (symmetric; the diagonal holds frequencies).  Any other matrix is bipartite, e.g.
    instrument × outcome from :func:`cqanalysis.cooccurrence`: row codes and column codes are
    the two kinds of node, a cell the weight of the edge between them, and a code's total
    co-occurrence its size; the axis names (政策工具, 预期成效维度) become the groups.
    """
    rows = [r for r in data.index if str(r) not in MARGIN_NAMES]
    cols = [c for c in data.columns if str(c) not in MARGIN_NAMES]
    if not rows or not cols:
        raise ValueError("cooccurrence_network: no codes left after removing the margins")
    if len(rows) == len(cols) and set(rows) == set(cols):
        arr = _numbers(data.loc[rows, rows])
        if not np.allclose(arr, arr.T):
            raise ValueError(
                "cooccurrence_network: a code × code matrix must be symmetric "
                "(for rows × columns of different codes, give them different labels)"
            )
        off = arr.copy()
        np.fill_diagonal(off, 0.0)
        freq = np.diag(arr).copy() if np.diag(arr).any() else off.sum(axis=1)
        return rows, off, freq, None
    block = _numbers(data.loc[rows, cols])
    n_r, n_c = block.shape
    adjacency = np.zeros((n_r + n_c, n_r + n_c))
    adjacency[:n_r, n_r:] = block
    adjacency[n_r:, :n_r] = block.T
    freq = np.r_[block.sum(axis=1), block.sum(axis=0)]
    row_group = data.index.name if data.index.name is not None else "行"
    col_group = data.columns.name if data.columns.name is not None else "列"
    sides = {i: (row_group if i < n_r else col_group) for i in range(n_r + n_c)}
    return [*rows, *cols], adjacency, freq, sides


def _box(anchor: np.ndarray, size: tuple[float, float], ha: str, va: str) -> np.ndarray:
    """Text box [x0, y0, x1, y1] in points for an anchor point and alignment."""
    w, h = size
    x0 = anchor[0] - (w if ha == "right" else w / 2 if ha == "center" else 0.0)
    y0 = anchor[1] - (h if va == "top" else h / 2 if va == "center" else 0.0)
    return np.array([x0, y0, x0 + w, y0 + h])


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _radii(pts: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Node radii in points: area in proportion to frequency, the largest at most 11 pt and
    small enough that the nodes closest together do not touch."""
    n = len(pts)
    r_max = 11.0
    if n > 1:
        diff = pts[:, None, :] - pts[None, :, :]
        dist = np.hypot(diff[..., 0], diff[..., 1])
        np.fill_diagonal(dist, np.inf)
        r_max = float(np.clip(0.45 * dist.min(), 3.0, 11.0))
    return np.maximum(r_max * np.sqrt(share), 1.5)


Placement = tuple[float, float, str, str, float]  # offset x, y (points), ha, va, rotation


def _radial_label(
    pt: np.ndarray, gap: float, away: float, size: tuple[float, float]
) -> tuple[Placement, np.ndarray]:
    """A label along the radius through ``pt`` (angle ``away``), and its extent in points."""
    deg = np.degrees(away) % 360
    if 60 < deg < 120 or 240 < deg < 300:
        # near the top or bottom a radial label would stand vertical, which is hard to read
        # in Chinese: set it level, above or below the node
        up = deg < 180
        offset = np.array([0.0, gap if up else -gap])
        box = _box(pt + offset, size, "center", "bottom" if up else "top")
        return (0.0, float(offset[1]), "center", "bottom" if up else "top", 0.0), box
    right = deg <= 90 or deg >= 270
    unit = np.array([np.cos(away), np.sin(away)])
    placement = (
        float(gap * unit[0]),
        float(gap * unit[1]),
        "left" if right else "right",
        "center",
        deg if right else deg - 180,
    )
    w, h = size
    tip = pt + (gap + w) * unit
    side = h / 2 * np.array([-unit[1], unit[0]])
    corners = np.array([pt + side, pt - side, tip + side, tip - side])
    return placement, np.r_[corners.min(axis=0), corners.max(axis=0)]


def _free_label(
    k: int,
    pts: np.ndarray,
    gap: float,
    away: float,
    size: tuple[float, float],
    boxes: list[np.ndarray],
    nodes: list[np.ndarray],
) -> tuple[Placement, np.ndarray]:
    """Of eight positions around node ``k``, the one overlapping the labels placed so far
    (``boxes``) and the other nodes least; ties go to the one pointing away (``away``)."""
    best = None
    for step in range(8):
        angle = step * np.pi / 4
        unit = np.array([np.cos(angle), np.sin(angle)])
        ha = "left" if unit[0] > 0.3 else "right" if unit[0] < -0.3 else "center"
        va = "bottom" if unit[1] > 0.3 else "top" if unit[1] < -0.3 else "center"
        box = _box(pts[k] + gap * unit, size, ha, va)
        clash = sum(_overlap(box, other) for other in boxes)
        clash += sum(_overlap(box, node) for j, node in enumerate(nodes) if j != k)
        turn = abs((angle - away + np.pi) % (2 * np.pi) - np.pi)
        if best is None or (clash, turn) < best[0]:
            best = ((clash, turn), gap * unit, ha, va, box)
    assert best is not None
    _, offset, ha, va, box = best
    return (float(offset[0]), float(offset[1]), ha, va, 0.0), box


def _place_labels(
    pos: np.ndarray,
    share: np.ndarray,
    sizes_pt: list[tuple[float, float]],
    room_pt: tuple[float, float],
    *,
    radial: bool,
) -> tuple[list[Placement], tuple[float, ...], np.ndarray]:
    """Label offsets (points), alignments and rotations; data limits; node radii (points).

    Circular layouts get radial labels (rotated along the radius, never upside down, and level
    above or below nodes near the top or bottom, where they would stand vertical), which do
    not collide while neighbouring nodes are a line height apart.  Other layouts try eight
    positions around each node, biggest nodes first, and keep the one that overlaps the
    labels and nodes already placed least (ties: the one pointing away from the centre).
    The limits are widened until every label lies inside the Axes, so neither the key nor
    the figure edge cuts one; that fixes the scale, which in turn sizes labels in data units,
    so the two are iterated.
    """
    n = len(pos)
    limits: tuple[float, ...] = (-1.1, 1.1, -1.1, 1.1)
    placement: list[Placement] = []
    radii = np.zeros(n)
    for _ in range(12):
        xr, yr = limits[1] - limits[0], limits[3] - limits[2]
        scale = min(room_pt[0] / xr, room_pt[1] / yr)  # points per data unit (equal aspect)
        pts = pos * scale
        radii = _radii(pts, share)
        centre = pts.mean(axis=0)
        nodes = [
            np.array([p[0] - r, p[1] - r, p[0] + r, p[1] + r])
            for p, r in zip(pts, radii, strict=True)
        ]
        extent = list(nodes)
        placed: dict[int, Placement] = {}
        boxes: list[np.ndarray] = []
        for k in range(n) if radial else sorted(range(n), key=lambda i: -radii[i]):
            gap = radii[k] + 2.0
            rel = pts[k] - centre
            away = float(np.arctan2(rel[1], rel[0])) if np.hypot(*rel) > 1e-9 else np.pi / 2
            if radial:
                placed[k], box = _radial_label(pts[k], gap, away, sizes_pt[k])
            else:
                placed[k], box = _free_label(k, pts, gap, away, sizes_pt[k], boxes, nodes)
                boxes.append(box)
            extent.append(box)
        placement = [placed[k] for k in range(n)]
        every = np.array(extent)
        new = (
            float(every[:, 0].min() / scale) - 0.02,
            float(every[:, 2].max() / scale) + 0.02,
            float(every[:, 1].min() / scale) - 0.02,
            float(every[:, 3].max() / scale) + 0.02,
        )
        if np.allclose(new, limits, atol=1e-3):
            break
        limits = new
    return placement, limits, radii


def _node_groups(
    codes: list[Hashable],
    sides: dict[int, Hashable] | None,
    groups: Mapping[Hashable, Hashable] | None,
) -> dict[int, Hashable]:
    """Group of each node, by position: a bipartite code may appear on both sides."""
    if groups is not None:
        return {i: groups.get(c) for i, c in enumerate(codes)}
    return sides if sides is not None else {}


def _node_positions(
    layout: str, node_group: dict[int, Hashable], off: np.ndarray, min_weight: float
) -> np.ndarray:
    n = len(off)
    if layout != "circular":
        return spring_layout(off, min_weight=min_weight)
    pos = circular_layout(n)
    if node_group:
        # Codes of a group sit together on the circle (matrix order within a group).
        rank = {g: i for i, g in enumerate(dict.fromkeys(node_group.get(i) for i in range(n)))}
        slots = sorted(range(n), key=lambda i: rank[node_group.get(i)])
        pos = pos[np.argsort(slots)]
    return pos


class _NetworkPlotter(_Plotter):
    """Codes as nodes (area ∝ frequency), co-occurrences as edges (width ∝ count)."""

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        layout: str,
        sizes: Mapping[Hashable, float] | pd.Series | None,
        min_weight: float,
        groups: Mapping[Hashable, Hashable] | None,
        wrap: int | None,
        legend: bool,
        lang: Lang,
        labels: Mapping[str, str] | None,
    ) -> None:
        super().__init__(lang=lang, labels=labels)
        require_frame(data, "cooccurrence_network")
        if layout not in ("circular", "spring"):
            raise ValueError(f"layout must be 'circular' or 'spring', got {layout!r}")
        codes, off, freq, sides = _graph(data)
        n = len(codes)
        if sizes is not None:
            freq = np.array([float(pd.Series(sizes).get(c, 0.0)) for c in codes])
        if (freq < 0).any():
            raise ValueError("cooccurrence_network: frequencies cannot be negative")
        self.codes, self.freq = codes, freq
        self.share = freq / freq.max() if freq.max() > 0 else np.ones(n)
        self.node_group = _node_groups(codes, sides, groups)
        self.pos = _node_positions(layout, self.node_group, off, min_weight)
        # Edges at least min_weight strong, each pair once.
        i_idx, j_idx = np.triu_indices(n, k=1)
        weights = off[i_idx, j_idx]
        keep = weights >= min_weight
        self.edges = (i_idx[keep], j_idx[keep], weights[keep])
        self.w_max = float(self.edges[2].max()) if len(self.edges[2]) else 1.0
        self.radial, self.wrap, self.show_legend = layout == "circular", wrap, legend

    def edge_width(self, w: float) -> float:
        """Edge widths run from 0.4 to 4 pt in proportion to the count."""
        return 0.4 + 3.6 * w / self.w_max

    def draw(self) -> None:
        n = len(self.codes)
        group_names = [
            g for g in dict.fromkeys(self.node_group.get(i) for i in range(n)) if g is not None
        ]
        group_labels = [translate(g, **self.lang_kw).replace("\n", " / ") for g in group_names]
        key_titles = [translate(t, **self.lang_kw).replace("\n", " / ") for t in ("频次", "共现")]
        fig_w, fig_h = self.figure.get_size_inches()
        beside = fig_w / fig_h >= 1.25
        room = self._room(beside, key_titles, group_labels)
        node_labels, placement, limits, radii = self._fit_labels(room)
        self.ensure_glyphs([*node_labels, *group_labels, *key_titles])
        self._draw_edges()
        colours: dict[Hashable, str] = {}
        if group_names:
            grays = palette(len(group_names), grayscale=self.style.grayscale)
            colours = dict(zip(group_names, grays, strict=True))
        self._draw_nodes(radii, colours)
        self._draw_labels(node_labels, placement)
        if self.show_legend:
            handles = self._size_keys(radii, key_titles) + self._group_keys(
                group_names, group_labels, colours
            )
            self._draw_legend(handles, beside)
        ax = self.ax
        ax.update_datalim([(limits[0], limits[2]), (limits[1], limits[3])])
        ax.margins(0)
        ax.autoscale_view()
        # datalim: if the final Axes is shaped differently from the estimate, the limits grow
        # (labels stay inside) instead of the drawing shrinking.
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_axis_off()

    def _room(
        self, beside: bool, key_titles: list[str], group_labels: list[str]
    ) -> tuple[float, float]:
        """Points left for the network once the key has its room (beside or below)."""
        room_w, room_h = cell_size_pt(self.ax)
        if self.show_legend:
            if beside:
                texts = [f"{t} 00" for t in key_titles] + group_labels
                room_w -= max(text_width_em(t) for t in texts) * self.style.small + 40
            else:
                room_h -= self._key_height_pt(len(group_labels))
        return room_w, room_h

    def _key_sizes(self) -> list[float]:
        """Frequencies the key shows as circles: smallest, median and largest."""
        freq = self.freq
        f_max = float(freq.max()) if freq.max() > 0 else 1.0
        return [f for f in sorted({float(freq.min()), float(np.median(freq)), f_max}) if f > 0]

    def _key_height_pt(self, n_groups: int) -> float:
        """Height of the key below the network: its tallest column of three.

        Rows are spaced by their markers (see :func:`_marker_row_handler`); circles are taken
        at their largest possible size, 11 pt radius for the most frequent code.
        """
        small = self.style.small
        f_max = max(self._key_sizes(), default=1.0)
        circles = [2 * max(11.0 * np.sqrt(f / f_max), 1.5) + _KEY_GAP for f in self._key_sizes()]
        n_edges = len({float(self.edges[2].min()), self.w_max}) if len(self.edges[2]) else 0
        marks = circles + [0.0] * n_edges + [6 + _KEY_GAP] * n_groups
        rows = [max(mark, small * 1.4) + small * 0.8 for mark in marks]
        columns = np.array_split(np.array(rows), 3)  # as the legend fills its columns
        return max(float(column.sum()) for column in columns) + 6

    def _place(self, width: int | None, room: tuple[float, float]) -> tuple[Any, ...]:
        """Labels wrapped at ``width``, their placement, limits, radii and radial slack."""
        small = self.style.small
        texts = [self.label(c, width) for c in self.codes]
        sizes_pt = [
            (
                max(text_width_em(line) for line in t.split("\n")) * small,
                n_lines(t) * small * LINE_SPACING,
            )
            for t in texts
        ]
        placement, limits, radii = _place_labels(
            self.pos, self.share, sizes_pt, room, radial=self.radial
        )
        scale = min(room[0] / (limits[1] - limits[0]), room[1] / (limits[3] - limits[2]))
        # Radial labels need neighbouring nodes at least a label height apart.
        spacing = 2 * np.sin(np.pi / max(len(self.codes), 2)) * scale
        slack = spacing - max(h for _, h in sizes_pt)
        return texts, placement, limits, radii, slack

    def _fit_labels(self, room: tuple[float, float]) -> tuple[Any, ...]:
        if self.wrap is not None or not self.radial:
            trials: list[int | None] = [self.wrap if self.wrap is not None else 10]
        else:
            # Long radial labels shrink the circle until neighbours collide: wrap them
            # narrower (two lines instead of one) until the circle is large enough.
            trials = [None, 40, 32, 24, 20, 16, 12]
        for trial in trials:
            texts, placement, limits, radii, slack = self._place(trial, room)
            if slack >= 0:
                break
        return texts, placement, limits, radii

    def _draw_edges(self) -> None:
        """Edges, heavy ones drawn last."""
        from matplotlib.collections import LineCollection

        i_idx, j_idx, weights = self.edges
        if not len(weights):
            return
        order = np.argsort(weights, kind="stable")
        self.ax.add_collection(
            LineCollection(
                [[self.pos[i_idx[e]], self.pos[j_idx[e]]] for e in order],
                linewidths=[self.edge_width(weights[e]) for e in order],
                colors="#9a9a9a",
                alpha=0.7,
                capstyle="round",
                zorder=1,
            )
        )

    def _draw_nodes(self, radii: np.ndarray, colours: dict[Hashable, str]) -> None:
        n, grayscale = len(self.codes), self.style.grayscale
        if colours:
            faces = [colours.get(self.node_group.get(i), "#bbbbbb") for i in range(n)]
        else:
            faces = ["#555555" if grayscale else "#0072B2"] * n
        self.ax.scatter(
            self.pos[:, 0],
            self.pos[:, 1],
            s=(2 * radii) ** 2,
            c=faces,
            edgecolors="#333333" if grayscale else "white",
            linewidths=0.5,
            zorder=2,
        )

    def _draw_labels(self, node_labels: list[str], placement: list[Placement]) -> None:
        for k, (dx, dy, ha, va, rotation) in enumerate(placement):
            self.ax.annotate(
                node_labels[k],
                tuple(self.pos[k]),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                rotation=rotation,
                rotation_mode="anchor",
                zorder=3,
                **self.text_kw(self.style.small),
            )

    def _size_keys(self, radii: np.ndarray, key_titles: list[str]) -> list[Any]:
        """Legend handles of node sizes (smallest, median, largest) and edge widths."""
        from matplotlib.lines import Line2D

        handles = []
        f_max = float(self.freq.max()) if self.freq.max() > 0 else 1.0
        for f in self._key_sizes():
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker="o",
                    markersize=2 * max(radii.max() * np.sqrt(f / f_max), 1.5),
                    markerfacecolor="#bbbbbb",
                    markeredgecolor="white",
                    label=f"{key_titles[0]} {f:g}",
                )
            )
        weights = self.edges[2]
        if len(weights):
            for w in sorted({float(weights.min()), self.w_max}):
                width = self.edge_width(w)
                label = f"{key_titles[1]} {w:g}"
                handles.append(Line2D([], [], color="#9a9a9a", linewidth=width, label=label))
        return handles

    def _group_keys(
        self, names: list[Hashable], texts: list[str], colours: dict[Hashable, str]
    ) -> list[Any]:
        from matplotlib.lines import Line2D

        return [
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=6,
                markerfacecolor=colours[name],
                markeredgecolor="white",
                label=text,
            )
            for name, text in zip(names, texts, strict=True)
        ]

    def _draw_legend(self, handles: list[Any], beside: bool) -> None:
        """The key at the right of wide figures, else below."""
        where: dict[str, Any] = (
            {"loc": "center left", "bbox_to_anchor": (1.0, 0.5), "ncols": 1}
            if beside
            else {"loc": "upper center", "bbox_to_anchor": (0.5, 0.0), "ncols": 3}
        )
        sized = {h: _marker_row_handler() for h in handles if h.get_marker() == "o"}
        self.legend(
            handles,
            handler_map=sized,
            labelspacing=0.8,
            borderaxespad=0.0,
            handlelength=2.0,
            columnspacing=1.2,
            **where,
        )


@cache
def _marker_row_handler() -> Any:
    """A legend handler that makes an entry's row as tall as its marker.

    Legend rows are one text line high, so size keys of growing circles overlap their
    neighbours; with this handler each row is spaced by its own marker.  (A class made on
    first use: ``cqanalysis.figures`` does not import matplotlib until it draws.)
    """
    from matplotlib.legend_handler import HandlerLine2D

    class _MarkerRow(HandlerLine2D):
        def legend_artist(self, legend: Any, orig_handle: Any, fontsize: float, handlebox: Any):
            need = orig_handle.get_markersize() + _KEY_GAP  # points, as the box
            if need > handlebox.height:
                # Grow the box evenly above and below, so its centre stays on the text line.
                grow = need - handlebox.height
                handlebox.height = need
                handlebox.ydescent += grow / 2
            return super().legend_artist(legend, orig_handle, fontsize, handlebox)

        def create_artists(
            self,
            legend: Any,
            orig_handle: Any,
            xdescent: float,
            ydescent: float,
            width: float,
            height: float,
            fontsize: float,
            trans: Any,
        ) -> Any:
            # HandlerLine2D puts the marker at (height - ydescent) / 2; the centre of the
            # box is height / 2 - ydescent.
            return super().create_artists(
                legend, orig_handle, xdescent, 2 * ydescent, width, height, fontsize, trans
            )

    return _MarkerRow()


def cooccurrence_network(
    data: pd.DataFrame,
    *,
    layout: Literal["circular", "spring"] = "circular",
    sizes: Mapping[Hashable, float] | pd.Series | None = None,
    min_weight: float = 1.0,
    groups: Mapping[Hashable, Hashable] | None = None,
    lang: Lang = "zh",
    labels: Mapping[str, str] | None = None,
    wrap: int | None = None,
    legend: bool = True,
    ax: Any = None,
) -> Any:
    plotter = _NetworkPlotter(
        data,
        layout=layout,
        sizes=sizes,
        min_weight=min_weight,
        groups=groups,
        wrap=wrap,
        legend=legend,
        lang=lang,
        labels=labels,
    )
    return plotter.plot(ax)


_params = DocstringComponents.from_nested_components(core=core_params)

cooccurrence_network.__doc__ = f"""\
Draw a code co-occurrence matrix as a network.

Parameters
----------
data : DataFrame
    Either a square, symmetric code × code matrix (off-diagonal cells count the units
    coded with both codes, the diagonal the units coded with each: its frequency), or a
    rows × columns matrix of two different code sets, such as the instrument × outcome
    output of :func:`cqanalysis.cooccurrence`, drawn as a two-sided (bipartite) network
    whose node sizes are the codes' total co-occurrence.  Margin rows/columns (合计,
    Total, All) are ignored.
layout : {{"circular", "spring"}}
    Codes around a circle (grouped by ``groups``, else in matrix order, clockwise from
    the top) with radial labels, or a deterministic force-directed layout that pulls
    co-occurring codes together (numpy only).
sizes : mapping or Series, optional
    Node frequencies; default the diagonal, or each code's total co-occurrence when the
    diagonal is all zero.  Node area is proportional to frequency.
min_weight : float
    Edges with a smaller co-occurrence are not drawn (nor used by the spring layout).
groups : mapping, optional
    Code → group (e.g. the parent code); nodes are coloured by group.  Default for a
    two-sided matrix: its index and column names.
{_params.core.lang}
{_params.core.labels}
wrap : int, optional
    Wrap width of node labels in columns (a hanzi is 2); default 10 for the spring
    layout, and for radial labels none, or as narrow as needed for neighbouring labels
    not to touch.
legend : bool
    Add a key to node sizes (frequency), edge widths (co-occurrence) and groups: at the
    right of wide figures, else below.
{_params.core.ax}

Returns
-------
{core_returns.ax}
"""
