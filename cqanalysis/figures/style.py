"""Journal style: the ``paper_style`` context (fonts, sizes, widths) and colour-blind-safe fills."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from . import fonts

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "CM",
    "GRAY_HATCHES",
    "OKABE_ITO",
    "PAGE_HEIGHT_CM",
    "TOL_MUTED",
    "WIDTHS_CM",
    "PaperStyle",
    "current_style",
    "fills",
    "palette",
    "paper_figure",
    "paper_style",
    "text_colour",
]

#: Inches per centimetre (matplotlib sizes figures in inches).
CM = 1 / 2.54

#: Journal column widths in cm: single column and double column (full page width).
WIDTHS_CM: dict[str, float] = {"single": 8.5, "onehalf": 12.5, "double": 17.5}

#: Tallest figure a page holds, in cm: an A4 page (29.7 cm) less 2.5 cm margins top and
#: bottom leaves a 24.7 cm text block, of which a two- or three-line caption takes about
#: 1.7 cm (journals' full-page figures are 23-24 cm tall at the 17.5 cm double width).
PAGE_HEIGHT_CM = 23.0

#: Okabe & Ito (2008) colour-blind-safe qualitative palette, black left out (it hides text).
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
)

#: Paul Tol's "muted" scheme, used when more than seven categories need colours.
TOL_MUTED: tuple[str, ...] = (
    "#CC6677",
    "#332288",
    "#DDCC77",
    "#117733",
    "#88CCEE",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
)

#: Hatches that keep categories apart in grayscale print (paired with a lightness ramp).
GRAY_HATCHES: tuple[str, ...] = ("", "////", "....", "xxxx", "\\\\\\\\", "oo", "----", "++++")

#: Minimum text size at print size, in points.
MIN_FONT_PT = 7.0


@dataclass(frozen=True)
class PaperStyle:
    """The settings of an active :func:`paper_style` (read them with :func:`current_style`)."""

    font: str = "sans"
    width_cm: float = WIDTHS_CM["single"]
    height_cm: float = WIDTHS_CM["single"] * 0.75
    fontsize: float = 8.0
    grayscale: bool = False
    families: list[str] = field(default_factory=list)

    @property
    def small(self) -> float:
        """Size for tick labels, annotations and legends: one point smaller, never below 7."""
        return max(MIN_FONT_PT, self.fontsize - 1)

    @property
    def cmap(self) -> str:
        """Sequential colour map: single-hue, so its lightness also orders the values."""
        return "Greys" if self.grayscale else "Blues"

    def text_kw(self, size: float | None = None) -> dict[str, Any]:
        """Font keywords for text artists, so they use this style even on outside Axes."""
        return {"fontfamily": list(self.families), "fontsize": size or self.fontsize}

    def font_properties(self, size: float | None = None) -> dict[str, Any]:
        """The same as :meth:`text_kw`, in the ``prop=`` form legends take."""
        return {"family": list(self.families), "size": size or self.small}


_active: contextvars.ContextVar[PaperStyle | None] = contextvars.ContextVar(
    "cqanalysis_paper_style", default=None
)


def _width(width: str | float) -> float:
    if isinstance(width, str):
        try:
            return WIDTHS_CM[width]
        except KeyError:
            raise ValueError(f"width must be one of {sorted(WIDTHS_CM)} or cm") from None
    if width <= 0:
        raise ValueError("width must be positive (cm)")
    return float(width)


def palette(n: int, *, grayscale: bool = False) -> list[str]:
    """``n`` fill colours: Okabe–Ito (≤ 7), Paul Tol muted (≤ 9, then cycled) or a gray ramp.

    The gray ramp runs from dark to light so that neighbouring categories differ in lightness;
    pair it with :data:`GRAY_HATCHES` (see :func:`fills`) when there are more than four.
    """
    if n <= 0:
        return []
    if grayscale:
        if n == 1:
            return ["#666666"]
        levels = [0.2 + 0.62 * i / (n - 1) for i in range(n)]
        return ["#" + f"{round(v * 255):02x}" * 3 for v in levels]
    base = OKABE_ITO if n <= len(OKABE_ITO) else TOL_MUTED
    return [base[i % len(base)] for i in range(n)]


def _luminance(colour: str) -> float:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_colour(facecolour: Any) -> str:
    """Black or white, whichever reads better on ``facecolour``."""
    from matplotlib.colors import to_hex

    return "black" if _luminance(to_hex(facecolour)) > 0.45 else "white"


def fills(n: int, *, grayscale: bool = False) -> list[dict[str, Any]]:
    """Patch keywords (face colour, edge, hatch) for ``n`` categories.

    Hatches are added in grayscale and when colours would repeat; the hatch colour contrasts
    with the fill so the pattern shows on dark grays too.
    """
    colours = palette(n, grayscale=grayscale)
    hatch = grayscale or n > len(TOL_MUTED)
    out = []
    for i, colour in enumerate(colours):
        kw: dict[str, Any] = {"facecolor": colour, "edgecolor": "white"}
        if hatch:
            kw["hatch"] = GRAY_HATCHES[i % len(GRAY_HATCHES)]
            kw["hatchcolor"] = "white" if _luminance(colour) < 0.45 else "#333333"
        out.append(kw)
    return out


def current_style() -> PaperStyle | None:
    """The innermost active :func:`paper_style`, or ``None`` outside one."""
    return _active.get()


def _rc(style: PaperStyle) -> dict[RcKeyType, Any]:
    """The ``rcParams`` of a paper style: fonts, sizes, colours, layout and save options."""
    from cycler import cycler

    fontsize, small = style.fontsize, style.small
    return {
        "font.family": style.families,
        "font.size": fontsize,
        "axes.titlesize": fontsize,
        "axes.labelsize": fontsize,
        "xtick.labelsize": small,
        "ytick.labelsize": small,
        "legend.fontsize": small,
        "legend.title_fontsize": small,
        "figure.titlesize": fontsize + 1,
        "figure.labelsize": fontsize,
        "axes.unicode_minus": True,  # the converted fonts have U+2212
        "axes.prop_cycle": cycler(color=palette(7, grayscale=style.grayscale)),
        "axes.linewidth": 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "lines.linewidth": 1.0,
        "hatch.linewidth": 0.5,
        "legend.frameon": False,
        "image.cmap": style.cmap,
        "figure.figsize": (style.width_cm * CM, style.height_cm * CM),
        "figure.dpi": 100,
        "figure.constrained_layout.use": True,
        "savefig.dpi": 300,
        "savefig.bbox": None,
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "path",
        "svg.hashsalt": "cqanalysis",
        "pdf.compression": 6,
    }


@contextlib.contextmanager
def paper_style(
    *,
    font: Literal["sans", "serif"] = "sans",
    width: str | float = "single",
    height: float | None = None,
    aspect: float = 0.75,
    fontsize: float = 8.0,
    grayscale: bool = False,
) -> Iterator[PaperStyle]:
    """Context manager: journal figure settings inside a :func:`matplotlib.rc_context`.

    Registers the Chinese font (converted and cached on first use, see
    :mod:`cqanalysis.figures.fonts`) and sets fonts, sizes, a constrained layout, the figure
    size and the save options (Type 42 PDF fonts, SVG text as paths, 300 dpi) for figures
    made inside the block.  Nothing outside the block changes: no matplotlibrc is written and
    global ``rcParams`` are restored on exit.

    Parameters
    ----------
    font : {"sans", "serif"}
        Noto Sans CJK SC (黑体-like) or Noto Serif CJK SC (宋体-like), with their own Latin.
    width : {"single", "onehalf", "double"} or float
        Figure width: a journal column preset (8.5, 12.5 or 17.5 cm) or centimetres.
    height : float, optional
        Figure height in cm; default ``width * aspect``.
    aspect : float
        Height / width when ``height`` is not given.
    fontsize : float
        Base text size in points at print size (tick labels one point smaller); at least 7.
    grayscale : bool
        Fills and colour maps that stay distinguishable in black-and-white print.

    Yields
    ------
    PaperStyle
        The settings, also available as :func:`current_style` inside the block.
    """
    import matplotlib as mpl

    if fontsize < MIN_FONT_PT:
        raise ValueError(f"fontsize must be at least {MIN_FONT_PT} pt at print size")
    fonts.register_font(font)
    families = fonts.font_families(font)
    width_cm = _width(width)
    height_cm = float(height) if height is not None else width_cm * aspect
    style = PaperStyle(font, width_cm, height_cm, float(fontsize), grayscale, families)
    token = _active.set(style)
    try:
        with mpl.rc_context(_rc(style)):
            yield style
    finally:
        _active.reset(token)


@contextlib.contextmanager
def _plotting() -> Iterator[PaperStyle]:
    """The active paper style, or the default one for the duration of a plotting call."""
    style = current_style()
    if style is not None:
        yield style
        return
    with paper_style() as default:
        yield default


def paper_figure(
    *,
    width: str | float | None = None,
    height: float | None = None,
    aspect: float | None = None,
    nrows: int = 1,
    ncols: int = 1,
    **subplot_kw: Any,
) -> tuple[Any, Any]:
    """A figure at journal size with constrained layout, like ``plt.subplots``.

    Sizes default to the active :func:`paper_style` (or its defaults); ``width`` takes the same
    presets.  Returns ``(fig, axes)``.
    """
    import matplotlib.pyplot as plt

    with _plotting() as style:
        width_cm = style.width_cm if width is None else _width(width)
        if height is not None:
            height_cm = float(height)
        elif aspect is not None:
            height_cm = width_cm * aspect
        elif width is None:
            height_cm = style.height_cm
        else:
            height_cm = width_cm * 0.75
        return plt.subplots(
            nrows,
            ncols,
            figsize=(width_cm * CM, height_cm * CM),
            layout="constrained",
            **subplot_kw,
        )


def _prepare_axes(ax: Any, style: PaperStyle) -> None:
    """Give an Axes made outside the style the style's tick fonts (ticks are made lazily)."""
    ax.tick_params(labelfontfamily=list(style.families), labelsize=style.small)


def _ensure_text(style: PaperStyle, texts: Sequence[str]) -> None:
    fonts.ensure_glyphs([str(t) for t in texts], style=style.font)
