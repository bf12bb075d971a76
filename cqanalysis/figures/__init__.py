"""Publication figures with Chinese text (matplotlib; imported only by ``cqanalysis.figures``).

Plot functions follow seaborn: a tidy DataFrame as ``data``, keyword-only options, ``ax=None``
(draw on ``plt.gca()``), the Axes returned.  They apply :func:`paper_style` (Chinese fonts,
journal sizes, colour-blind-safe colours) unless one is already active; saving is the separate
:func:`save_figure`, which writes PNG, PDF and SVG atomically and byte-for-byte reproducibly.

>>> import cqanalysis.figures as cqf
>>> with cqf.paper_style(width="double", font="serif"):          # doctest: +SKIP
...     fig, ax = cqf.paper_figure(aspect=0.5)
...     cqf.heatmap(crosstab, annot="both", lang="both", ax=ax)
...     cqf.save_figure(fig, "reports/figures/领域_政策工具")
"""

from __future__ import annotations

from .bars import bar_table, stacked_bars
from .compare import compare_documents
from .flows import alluvial
from .fonts import FONT_STYLES, cache_dir, ensure_glyphs, font_families, font_path, register_font
from .labels import (
    codebook_labels,
    column_title,
    display_width,
    label,
    load_glossary,
    translate,
    wrap_label,
)
from .matrix import heatmap
from .network import cooccurrence_network
from .save import FORMATS, LayoutWarning, layout_problems, save_figure
from .style import (
    OKABE_ITO,
    WIDTHS_CM,
    PaperStyle,
    current_style,
    fills,
    palette,
    paper_figure,
    paper_style,
)

__all__ = [
    "FONT_STYLES",
    "FORMATS",
    "OKABE_ITO",
    "WIDTHS_CM",
    "LayoutWarning",
    "PaperStyle",
    "alluvial",
    "bar_table",
    "cache_dir",
    "codebook_labels",
    "column_title",
    "compare_documents",
    "cooccurrence_network",
    "current_style",
    "display_width",
    "ensure_glyphs",
    "fills",
    "font_families",
    "font_path",
    "heatmap",
    "label",
    "layout_problems",
    "load_glossary",
    "palette",
    "paper_figure",
    "paper_style",
    "register_font",
    "save_figure",
    "stacked_bars",
    "translate",
    "wrap_label",
]
