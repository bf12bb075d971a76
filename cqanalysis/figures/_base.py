"""The plotter base class: one drawing's options, style and Axes, and its text (seaborn-style).

A public plot function checks nothing itself: it builds a plotter from its arguments (the
plotter's constructor checks them and computes the numbers) and calls :meth:`_Plotter.plot`,
which enters the paper style, picks the Axes and calls the subclass's :meth:`_Plotter.draw`.

Every text a plotter draws goes through :meth:`_Plotter.text_kw` (or :meth:`_Plotter.legend`
for legend entries): labels are user text, so they are never read as mathtext and a ``$`` in
a label is a dollar sign.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ._common import axes_size_pt, render, title_for
from .labels import Lang, text_width_em
from .style import PaperStyle, _ensure_text, _plotting, _prepare_axes

if TYPE_CHECKING:
    from collections.abc import Mapping

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from numpy.typing import ArrayLike

__all__: list[str] = []

#: Text keywords that make matplotlib draw a string as it is (no ``$…$`` mathtext).
LITERAL: dict[str, Any] = {"parse_math": False}


class _Plotter:
    """Base of the plotters: label language, style and Axes of one drawing."""

    style: PaperStyle
    ax: Axes

    def __init__(self, *, lang: Lang, labels: Mapping[str, str] | None) -> None:
        self.lang: Lang = lang
        self.labels = labels

    # ----------------------------------------------------------------------------- drawing

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw on ``ax`` (default ``plt.gca()``) in the active paper style; return the Axes."""
        import matplotlib.pyplot as plt

        with _plotting() as style:
            self.style = style
            self.ax = ax if ax is not None else plt.gca()
            _prepare_axes(self.ax, style)
            self.draw()
        return self.ax

    def draw(self) -> None:
        raise NotImplementedError

    @property
    def figure(self) -> Figure:
        """The figure of the Axes drawn on."""
        figure = self.ax.get_figure(root=True)
        assert figure is not None, "the Axes belongs to no figure"
        return figure

    # ------------------------------------------------------------------------------ labels

    @property
    def lang_kw(self) -> dict[str, Any]:
        """``lang`` and ``labels``, for the label helpers of :mod:`._common`."""
        return {"lang": self.lang, "labels": self.labels}

    def label(self, value: Hashable, width: int | None) -> str:
        """A category label, translated and wrapped at ``width`` columns (``None``: unwrapped)."""
        return render(value, width=width, **self.lang_kw)

    def title(self, name: Hashable | None) -> str:
        """An axis or legend title from a column name, translated."""
        return title_for(name, **self.lang_kw)

    def ensure_glyphs(self, texts: Iterable[str]) -> None:
        """Add to the style's font any character of ``texts`` its cached subset lacks."""
        _ensure_text(self.style, list(texts))

    # -------------------------------------------------------------------------------- text

    def text_kw(self, size: float | None = None) -> dict[str, Any]:
        """Keywords of every text drawn: the style's font at ``size``, never mathtext."""
        return {**self.style.text_kw(size), **LITERAL}

    def set_ticks(self, axis: str, positions: ArrayLike, labels: Sequence[str], **kw: Any) -> Any:
        """Tick positions and labels of the ``"x"`` or ``"y"`` axis, drawn as plain text."""
        setter = self.ax.set_xticks if axis == "x" else self.ax.set_yticks
        return setter(positions, labels, **kw, **LITERAL)

    def legend(self, handles: Sequence[Any], title: str | None = None, **kw: Any) -> Legend:
        """A legend in the style's font whose entries and title are plain text."""
        legend = self.ax.legend(
            handles=handles, title=title, prop=self.style.font_properties(), **kw
        )
        for text in [*legend.get_texts(), legend.get_title()]:
            text.set_parse_math(False)
        return legend

    def key_above(self, handles: Sequence[Any], title: str) -> Legend:
        """Legend above the Axes, in as many columns as fit; at the right only if one column
        would fit above and the figure is wide."""
        width_pt, _ = axes_size_pt(self.ax)
        texts = [h.get_label() for h in handles]
        small = self.style.small
        entry_pt = max(
            (max(text_width_em(line) for line in t.split("\n")) + 2.8) * small for t in texts
        )
        ncols = max(1, min(len(handles), int(width_pt // entry_pt)))
        fig_w, fig_h = self.figure.get_size_inches()
        if ncols == 1 and len(handles) > 2 and fig_w / fig_h >= 1.25:
            kw = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "ncols": 1}
        else:
            kw = {"loc": "lower left", "bbox_to_anchor": (0.0, 1.01), "ncols": ncols}
        return self.legend(
            handles,
            title=title or None,
            title_fontproperties=self.style.font_properties(),
            borderaxespad=0.2,
            handlelength=1.2,
            handleheight=1.0,
            columnspacing=1.0,
            alignment="left",
            **kw,
        )
