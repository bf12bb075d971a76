"""Saving figures: PNG/PDF/SVG written atomically and byte-for-byte reproducibly."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.io import atomic_path, build_timestamp
from . import fonts
from .style import MIN_FONT_PT

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = ["FORMATS", "LayoutWarning", "layout_problems", "save_figure"]

#: Formats :func:`save_figure` writes.
FORMATS = ("png", "pdf", "svg")

# Everything that makes output differ between runs or machines is fixed here.
_SAVE_RC: dict[RcKeyType, Any] = {
    "pdf.fonttype": 42,  # TrueType (CID) fonts, never Type 3
    "ps.fonttype": 42,
    # Text as paths: an SVG then looks the same in every browser and editor, none of which
    # has the converted font installed; naming the font (svg.fonttype "none") would show
    # tofu or a substitute font wherever it is missing.  Searchable text is in the PDF.
    "svg.fonttype": "path",
    "svg.hashsalt": "cqanalysis",
    "svg.image_inline": True,
    "pdf.compression": 6,
    "savefig.bbox": None,
    "savefig.transparent": False,
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
}


class LayoutWarning(UserWarning):
    """A figure has text outside the canvas, overlapping text, or text below 7 pt."""


def _metadata(fmt: str) -> dict[str, Any]:
    stamp = build_timestamp()
    if fmt == "pdf":
        return {"Creator": "cqanalysis", "Producer": "cqanalysis", "CreationDate": stamp}
    if fmt == "svg":
        return {"Creator": "cqanalysis", "Date": stamp.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return {"Software": "cqanalysis"}


def _undrawn_tick_labels(fig: Any) -> set[int]:
    """Tick labels matplotlib keeps but does not draw: their tick is outside the view."""
    hidden: set[int] = set()
    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            tol = (high - low) * 1e-9
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                loc = tick.get_loc()
                if loc is None or not (low - tol <= loc <= high + tol):
                    hidden.update({id(tick.label1), id(tick.label2)})
    return hidden


def _texts(fig: Any) -> list[Any]:
    from matplotlib.text import Text

    hidden = _undrawn_tick_labels(fig)
    return [
        t
        for t in fig.findobj(Text)
        if t.get_visible()
        and t.get_text().strip()
        and t.get_figure(root=True) is fig
        and id(t) not in hidden
    ]


def _ensure_fonts(fig: Any) -> None:
    """Add to the converted fonts any character the figure's text needs but they lack."""
    from matplotlib.font_manager import FontProperties

    by_style: dict[str, list[str]] = {}
    families = {fonts.font_families(style)[0]: style for style in fonts.FONT_STYLES}
    for text in _texts(fig):
        props = text.get_fontproperties()
        assert isinstance(props, FontProperties)
        for family in props.get_family():
            if family in families:
                by_style.setdefault(families[family], []).append(text.get_text())
    for style, strings in sorted(by_style.items()):
        fonts.ensure_glyphs(strings, style=style)


def _outline(text: Any, box: Any, renderer: Any) -> Any:
    """Corners of the text's own (possibly rotated) rectangle, in display pixels.

    The axis-aligned extent of rotated text is much larger than the text, so neighbouring
    rotated tick labels would always seem to overlap.  The rectangle is centred on that
    extent; its size is the extent of the same text unrotated.
    """
    import numpy as np

    original = text.get_rotation()
    angle = original % 180
    if angle in (0.0, 90.0):
        return np.array([[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]])
    text.set_rotation(0)
    try:
        flat = text.get_window_extent(renderer)
    finally:
        text.set_rotation(original)
    half = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * [flat.width / 2, flat.height / 2]
    theta = np.deg2rad(angle)
    turn = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    centre = np.array([(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2])
    return half @ turn.T + centre


def _quads_overlap(a: Any, b: Any, tolerance: float = 1.0) -> bool:
    """Separating-axis test for two convex quadrilaterals (overlap deeper than 1 pixel)."""
    import numpy as np

    for quad in (a, b):
        for k in range(4):
            edge = quad[(k + 1) % 4] - quad[k]
            axis = np.array([-edge[1], edge[0]])
            norm = np.hypot(*axis)
            if norm == 0:
                continue
            axis = axis / norm
            pa, pb = a @ axis, b @ axis
            if min(pa.max(), pb.max()) - max(pa.min(), pb.min()) <= tolerance:
                return False
    return True


def layout_problems(fig: Any, *, min_size: float = MIN_FONT_PT) -> list[str]:
    """Text that is cut off at the figure edge, overlaps other text, or is too small.

    The figure is laid out (constrained layout included) before measuring.  Text inside
    a legend is compared with itself only through its own boxes; tick labels hidden behind
    others by matplotlib are not drawn and not counted.

    Returns
    -------
    list of str
        One line per problem; empty when the figure is clean.
    """
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    slack = 0.5  # pixels of rounding
    problems: list[str] = []
    boxes = []
    for text in _texts(fig):
        if text.get_clip_on() and text.get_clip_box() is not None:
            clip = text.get_clip_box()
            box = text.get_window_extent(renderer)
            if not box.overlaps(clip):
                continue  # clipped away entirely (e.g. tick labels beyond the limits)
        box = text.get_window_extent(renderer)
        label = text.get_text().replace("\n", " ")
        if text.get_fontsize() < min_size - 1e-6:
            problems.append(f"text below {min_size:g} pt ({text.get_fontsize():g} pt): {label!r}")
        if (
            box.x0 < canvas.x0 - slack
            or box.y0 < canvas.y0 - slack
            or box.x1 > canvas.x1 + slack
            or box.y1 > canvas.y1 + slack
        ):
            problems.append(f"text cut off at the figure edge: {label!r}")
        boxes.append((_outline(text, box, renderer), label))
    for i, (quad, label) in enumerate(boxes):
        for other, other_label in boxes[i + 1 :]:
            if _quads_overlap(quad, other):
                problems.append(f"text overlaps: {label!r} and {other_label!r}")
    return problems


def save_figure(
    fig: Any,
    path_stem: str | os.PathLike[str],
    formats: Sequence[str] = FORMATS,
    dpi: int = 300,
    *,
    check: bool = True,
) -> list[Path]:
    """Write ``fig`` as ``<path_stem>.png``, ``.pdf`` and ``.svg``, atomically and reproducibly.

    PDF fonts are embedded as TrueType (Type 42, ``CID TrueType`` in ``pdffonts``) with a
    ToUnicode map, so the Chinese text is extractable; SVG text is drawn as paths; PNG is
    rendered at ``dpi``.  Metadata is fixed and dated with
    :func:`cqanalysis.core.io.build_timestamp` (``SOURCE_DATE_EPOCH``), so the same figure gives
    byte-identical files.  Characters missing from the cached font subset are added before
    drawing (see :func:`cqanalysis.figures.fonts.ensure_glyphs`).  The figure keeps its size:
    nothing is cropped (make figures with constrained layout, as :func:`paper_style` does).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path_stem : path
        Output path without suffix; parent directories are created.
    formats : sequence of {"png", "pdf", "svg"}
    dpi : int
        Resolution of the PNG (and of any raster image inside the PDF/SVG); at least 300.
    check : bool
        Warn (:class:`LayoutWarning`) about text cut off at the edge, overlapping or below 7 pt.

    Returns
    -------
    list of Path
        The files written, in ``formats`` order.
    """
    import matplotlib as mpl

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown figure format(s) {unknown}; choose from {FORMATS}")
    if dpi < 300:
        raise ValueError("dpi must be at least 300 for print")
    stem = Path(path_stem)
    _ensure_fonts(fig)
    if check:
        problems = layout_problems(fig)
        if problems:
            warnings.warn(
                f"figure {stem.name}: " + "; ".join(problems), LayoutWarning, stacklevel=2
            )
    written = []
    with mpl.rc_context(_SAVE_RC):
        for fmt in formats:
            target = stem.with_name(f"{stem.name}.{fmt}")
            with atomic_path(target) as tmp:
                fig.savefig(tmp, format=fmt, dpi=dpi, metadata=_metadata(fmt))
            written.append(target)
    return written
