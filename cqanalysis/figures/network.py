"""Code co-occurrence network: nodes sized by frequency, edges by co-occurrence (numpy layout)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..core.constants import MARGIN_NAMES
from ._common import LINE_SPACING, cell_size_pt, n_lines, render, require_frame
from .labels import Lang, text_width_em, translate
from .style import _ensure_text, _plotting, _prepare_axes, palette

__all__ = ["circular_layout", "cooccurrence_network", "spring_layout"]


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


def _place_labels(
    pos: np.ndarray,
    share: np.ndarray,
    sizes_pt: list[tuple[float, float]],
    room_pt: tuple[float, float],
    *,
    radial: bool,
) -> tuple[list[tuple[float, float, str, str, float]], tuple[float, ...], np.ndarray]:
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
    limits = (-1.1, 1.1, -1.1, 1.1)
    placement: list[tuple[float, float, str, str, float]] = []
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
        placed: dict[int, tuple[float, float, str, str, float]] = {}
        boxes: list[np.ndarray] = []
        for k in range(n) if radial else sorted(range(n), key=lambda i: -radii[i]):
            gap = radii[k] + 2.0
            rel = pts[k] - centre
            away = float(np.arctan2(rel[1], rel[0])) if np.hypot(*rel) > 1e-9 else np.pi / 2
            if radial:
                deg = np.degrees(away) % 360
                if 60 < deg < 120 or 240 < deg < 300:
                    # near the top or bottom a radial label would stand vertical, which is
                    # hard to read in Chinese: set it level, above or below the node
                    up = deg < 180
                    offset = np.array([0.0, gap if up else -gap])
                    box = _box(pts[k] + offset, sizes_pt[k], "center", "bottom" if up else "top")
                    placed[k] = (0.0, float(offset[1]), "center", "bottom" if up else "top", 0.0)
                    extent.append(box)
                    continue
                right = deg <= 90 or deg >= 270
                unit = np.array([np.cos(away), np.sin(away)])
                placed[k] = (
                    float(gap * unit[0]),
                    float(gap * unit[1]),
                    "left" if right else "right",
                    "center",
                    deg if right else deg - 180,
                )
                w, h = sizes_pt[k]
                tip = pts[k] + (gap + w) * unit
                side = h / 2 * np.array([-unit[1], unit[0]])
                corners = np.array([pts[k] + side, pts[k] - side, tip + side, tip - side])
                extent.append(np.r_[corners.min(axis=0), corners.max(axis=0)])
                continue
            best = None
            for step in range(8):
                angle = step * np.pi / 4
                unit = np.array([np.cos(angle), np.sin(angle)])
                ha = "left" if unit[0] > 0.3 else "right" if unit[0] < -0.3 else "center"
                va = "bottom" if unit[1] > 0.3 else "top" if unit[1] < -0.3 else "center"
                box = _box(pts[k] + gap * unit, sizes_pt[k], ha, va)
                clash = sum(_overlap(box, other) for other in boxes)
                clash += sum(_overlap(box, node) for j, node in enumerate(nodes) if j != k)
                turn = abs((angle - away + np.pi) % (2 * np.pi) - np.pi)
                if best is None or (clash, turn) < best[0]:
                    best = ((clash, turn), gap * unit, ha, va, box)
            assert best is not None
            _, offset, ha, va, box = best
            boxes.append(box)
            extent.append(box)
            placed[k] = (float(offset[0]), float(offset[1]), ha, va, 0.0)
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
    """Draw a code co-occurrence matrix as a network.

    Parameters
    ----------
    data : DataFrame
        Either a square, symmetric code × code matrix (off-diagonal cells count the units
        coded with both codes, the diagonal the units coded with each: its frequency), or a
        rows × columns matrix of two different code sets, such as the instrument × outcome
        output of :func:`cqanalysis.cooccurrence`, drawn as a two-sided (bipartite) network
        whose node sizes are the codes' total co-occurrence.  Margin rows/columns (合计,
        Total, All) are ignored.
    layout : {"circular", "spring"}
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
    lang : {"zh", "en", "both"}
        Label language; see :func:`cqanalysis.figures.translate`.
    labels : mapping, optional
        Extra zh → en translations (e.g. codebook labels).
    wrap : int, optional
        Wrap width of node labels in columns (a hanzi is 2); default 10 for the spring
        layout, and for radial labels none, or as narrow as needed for neighbouring labels
        not to touch.
    legend : bool
        Add a key to node sizes (frequency), edge widths (co-occurrence) and groups: at the
        right of wide figures, else below.
    ax : matplotlib Axes, optional
        Axes to draw on; default ``plt.gca()``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    require_frame(data, "cooccurrence_network")
    if layout not in ("circular", "spring"):
        raise ValueError(f"layout must be 'circular' or 'spring', got {layout!r}")
    codes, off, freq, sides = _graph(data)
    n = len(codes)
    if sizes is not None:
        freq = np.array([float(pd.Series(sizes).get(c, 0.0)) for c in codes])
    if (freq < 0).any():
        raise ValueError("cooccurrence_network: frequencies cannot be negative")
    share = freq / freq.max() if freq.max() > 0 else np.ones(n)
    # Group of each node (by position: a bipartite code may appear on both sides).
    if groups is not None:
        node_group = {i: groups.get(c) for i, c in enumerate(codes)}
    elif sides is not None:
        node_group = sides
    else:
        node_group = {}

    if layout == "circular":
        pos = circular_layout(n)
        if node_group:
            # Codes of a group sit together on the circle (matrix order within a group).
            rank = {g: i for i, g in enumerate(dict.fromkeys(node_group.get(i) for i in range(n)))}
            slots = sorted(range(n), key=lambda i: rank[node_group.get(i)])
            pos = pos[np.argsort(slots)]
    else:
        pos = spring_layout(off, min_weight=min_weight)

    with _plotting() as style:
        ax = ax if ax is not None else plt.gca()
        _prepare_axes(ax, style)
        kw = {"lang": lang, "labels": labels}
        group_names = [
            g for g in dict.fromkeys(node_group.get(i) for i in range(n)) if g is not None
        ]
        group_labels = [translate(g, **kw).replace("\n", " / ") for g in group_names]
        key_titles = [translate(t, **kw).replace("\n", " / ") for t in ("频次", "共现")]
        fig_w, fig_h = ax.get_figure(root=True).get_size_inches()
        beside = fig_w / fig_h >= 1.25
        room_w, room_h = cell_size_pt(ax)
        if legend:
            if beside:
                texts = [f"{t} 00" for t in key_titles] + group_labels
                room_w -= max(text_width_em(t) for t in texts) * style.small + 40
            else:
                rows = -(-(5 + len(group_names)) // 3)
                room_h -= rows * style.small * 2.2 + 6

        def place(width: int | None) -> tuple[list[str], Any, Any, Any, float]:
            texts = [render(c, width=width, **kw) for c in codes]
            sizes_pt = [
                (
                    max(text_width_em(line) for line in t.split("\n")) * style.small,
                    n_lines(t) * style.small * LINE_SPACING,
                )
                for t in texts
            ]
            placement, limits, radii = _place_labels(
                pos, share, sizes_pt, (room_w, room_h), radial=layout == "circular"
            )
            scale = min(room_w / (limits[1] - limits[0]), room_h / (limits[3] - limits[2]))
            # Radial labels need neighbouring nodes at least a label height apart.
            spacing = 2 * np.sin(np.pi / max(n, 2)) * scale
            slack = spacing - max(h for _, h in sizes_pt)
            return texts, placement, limits, radii, slack

        if wrap is not None or layout != "circular":
            trials: list[int | None] = [wrap if wrap is not None else 10]
        else:
            # Long radial labels shrink the circle until neighbours collide: wrap them
            # narrower (two lines instead of one) until the circle is large enough.
            trials = [None, 40, 32, 24, 20, 16, 12]
        for trial in trials:
            node_labels, placement, limits, radii, slack = place(trial)
            if slack >= 0:
                break
        _ensure_text(style, [*node_labels, *group_labels, *key_titles])

        # Edges: width 0.4-4 pt in proportion to the count, heavy ones drawn last.
        i_idx, j_idx = np.triu_indices(n, k=1)
        weights = off[i_idx, j_idx]
        keep = weights >= min_weight
        i_idx, j_idx, weights = i_idx[keep], j_idx[keep], weights[keep]
        w_max = float(weights.max()) if len(weights) else 1.0

        def edge_width(w: float) -> float:
            return 0.4 + 3.6 * w / w_max

        if len(weights):
            order = np.argsort(weights, kind="stable")
            ax.add_collection(
                LineCollection(
                    [[pos[i_idx[e]], pos[j_idx[e]]] for e in order],
                    linewidths=[edge_width(weights[e]) for e in order],
                    colors="#9a9a9a",
                    alpha=0.7,
                    capstyle="round",
                    zorder=1,
                )
            )

        colours: dict[Hashable, str] = {}
        if group_names:
            colours = dict(
                zip(group_names, palette(len(group_names), grayscale=style.grayscale), strict=True)
            )
            faces = [colours.get(node_group.get(i), "#bbbbbb") for i in range(n)]
        else:
            faces = ["#555555" if style.grayscale else "#0072B2"] * n
        ax.scatter(
            pos[:, 0],
            pos[:, 1],
            s=(2 * radii) ** 2,
            c=faces,
            edgecolors="#333333" if style.grayscale else "white",
            linewidths=0.5,
            zorder=2,
        )
        for k, (dx, dy, ha, va, rotation) in enumerate(placement):
            ax.annotate(
                node_labels[k],
                tuple(pos[k]),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                rotation=rotation,
                rotation_mode="anchor",
                zorder=3,
                **style.text_kw(style.small),
            )

        if legend:
            handles = []
            f_max = float(freq.max()) if freq.max() > 0 else 1.0
            for f in sorted({float(freq.min()), float(np.median(freq)), f_max}):
                if f <= 0:
                    continue
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
            if len(weights):
                for w in sorted({float(weights.min()), w_max}):
                    handles.append(
                        Line2D(
                            [],
                            [],
                            color="#9a9a9a",
                            linewidth=edge_width(w),
                            label=f"{key_titles[1]} {w:g}",
                        )
                    )
            for name, text in zip(group_names, group_labels, strict=True):
                handles.append(
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
                )
            where = (
                {"loc": "center left", "bbox_to_anchor": (1.0, 0.5), "ncols": 1}
                if beside
                else {"loc": "upper center", "bbox_to_anchor": (0.5, 0.0), "ncols": 3}
            )
            ax.legend(
                handles=handles,
                prop=style.font_properties(),
                labelspacing=0.8,
                borderaxespad=0.0,
                handlelength=2.0,
                columnspacing=1.2,
                **where,
            )
        ax.update_datalim([(limits[0], limits[2]), (limits[1], limits[3])])
        ax.margins(0)
        ax.autoscale_view()
        # datalim: if the final Axes is shaped differently from the estimate, the limits grow
        # (labels stay inside) instead of the drawing shrinking.
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_axis_off()
    return ax
