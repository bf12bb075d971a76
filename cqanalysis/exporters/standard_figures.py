"""The built-in figures of a build: heatmaps, instrument types, flows, network, documents.

Each figure is a top-level draw function ``(analysis, ax, lang, labels)`` and a predicate
saying whether the analysis has data for it, registered as a :class:`FigureSpec`.  The data
stay in Chinese; the figures translate them for ``lang="en"``/``"both"`` with the glossary
and the codebooks' English labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from ..analysis import instrument_types, measure_instruments
from ._common import crosstab_problem
from .figures import FigureSpec, register_figure

__all__ = [
    "codebook_heatmaps",
    "document_comparison",
    "documents_per_page",
    "draw_code_network",
    "draw_crosstab_heatmap",
    "draw_document_comparison",
    "draw_flows",
    "draw_instrument_types",
]

#: Axis titles: the data's Chinese names of the three dimensions.
AXES = {"domain": "领域", "instrument": "政策工具类型", "outcome": "预期成效维度"}


def _axis_titles(lang: str, labels: dict[str, str]) -> dict[str, str]:
    from ..figures import translate

    return {key: translate(zh, lang=lang, labels=labels) for key, zh in AXES.items()}


# --- predicates: True, False (does not apply) or the reason the data do not suffice ---------

def crosstab_drawable(analysis: Any, *, crosstab: str) -> bool | str:
    """A heatmap needs its crosstab to count something."""
    table = analysis.crosstabs.get(crosstab)
    if table is None:
        return f"no crosstab {crosstab}"
    return crosstab_problem(table) or True


def has_measures(analysis: Any) -> bool | str:
    if len(measure_instruments(analysis)):
        return True
    return "no table row is coded with a policy instrument"


def has_flows(analysis: Any) -> bool | str:
    from ..analysis import flows

    if len(flows(analysis)):
        return True
    return "no table row is coded with both a policy instrument and an expected outcome"


def has_network(analysis: Any) -> bool | str:
    coded = analysis.coded.dropna(subset=["code"])
    instruments = coded[(coded["codebook"] == "instruments") & (coded["field"] == "measure")]
    outcomes = coded[(coded["codebook"] == "outcomes") & (coded["field"] == "outcome")]
    if len(instruments) or len(outcomes):
        return True
    return "no table row is coded with a policy instrument or an expected outcome"


def _document_count(analysis: Any) -> int:
    return int(analysis.corpus.documents["doc_id"].nunique())


def several_documents(analysis: Any) -> bool | str:
    """Two documents or more, as many as :func:`documents_per_page`, coded with instruments."""
    count = _document_count(analysis)
    if count < 2:
        return False  # a comparison needs two documents: not a figure of this build
    limit = documents_per_page()
    if count > limit:
        return (f"{count} documents are too many to label on one page (at most {limit}); "
                "compare them in crosstabs/document_x_instrument.csv or the appendix")
    return has_measures(analysis)


# --- draw functions ---------------------------------------------------------------------------

def draw_crosstab_heatmap(analysis: Any, ax: Any, lang: str, labels: dict[str, str], *,
                          crosstab: str) -> Any:
    """Counts of a crosstab as a heatmap."""
    from ..figures import heatmap

    return heatmap(analysis.crosstabs[crosstab], annot="count", ax=ax, lang=lang, labels=labels)


def draw_instrument_types(analysis: Any, ax: Any, lang: str, labels: dict[str, str]) -> Any:
    """Stacked bars: the instrument types of the recommendations in each domain."""
    from ..figures import stacked_bars

    measures = measure_instruments(analysis)
    present = set(measures["label_zh"])
    title = _axis_titles(lang, labels)
    return stacked_bars(measures, x="section_title", hue="label_zh",
                        hue_order=[t for t in instrument_types(analysis) if t in present],
                        legend_title=title["instrument"], ylabel=title["domain"], ax=ax,
                        lang=lang, labels=labels)


def draw_flows(analysis: Any, ax: Any, lang: str, labels: dict[str, str]) -> Any:
    """Alluvial diagram domain → instrument → outcome."""
    from ..analysis import flows
    from ..figures import alluvial

    # flows weigh each recommendation 1 over its code pairs: node values are fractional,
    # so they are not printed
    return alluvial(flows(analysis), stages=["domain", "instrument", "outcome"],
                    weight="weight", stage_labels=list(_axis_titles(lang, labels).values()),
                    values=False, orders={"instrument": instrument_types(analysis)}, ax=ax,
                    lang=lang, labels=labels)


def draw_code_network(analysis: Any, ax: Any, lang: str, labels: dict[str, str]) -> Any:
    """Co-occurrence network of instrument types and outcome dimensions."""
    from ..analysis import code_groups, code_network
    from ..figures import cooccurrence_network

    network = code_network(analysis, depth=1)
    kinds = code_groups(analysis, depth=1)
    # long English labels around a circle crowd it: wrap them when English is shown
    wrap = None if lang == "zh" else 12
    return cooccurrence_network(network, groups=kinds, wrap=wrap, ax=ax, lang=lang,
                                labels=labels)


def draw_document_comparison(analysis: Any, ax: Any, lang: str, labels: dict[str, str], *,
                             kind: str = "dot") -> Any:
    """Instrument types by document: a dot plot, or a heatmap with a row per document."""
    from ..figures import compare_documents

    return compare_documents(measure_instruments(analysis), doc="doc_id", category="label_zh",
                             kind=kind, ax=ax, lang=lang, labels=labels)


# --- the size of the document comparison --------------------------------------------------------

#: Up to this many documents the comparison is a dot plot in which every document has a colour
#: (Paul Tol's muted scheme has nine) and a marker of its own; more would repeat colours and
#: crowd each row with markers, so the heatmap with a row per document is drawn instead.
DOT_PLOT_DOCUMENTS = 9

#: Height of a heatmap row in lines of tick-label text: one line (at matplotlib's 1.2 line
#: spacing) and a quarter line between rows, so a row's label and cell values stay apart.
ROW_LINES = 1.25

#: Text lines around the heatmap's rows, at the base font size: its column labels (up to three
#: lines a language, two languages with ``lang="both"``), the column title and the margins.
FRAME_LINES = 8


def _row_pt() -> float:
    from ..figures._common import LINE_SPACING
    from ..figures.style import PaperStyle

    return ROW_LINES * LINE_SPACING * PaperStyle().small


def _frame_pt() -> float:
    from ..figures._common import LINE_SPACING
    from ..figures.style import PaperStyle

    return FRAME_LINES * LINE_SPACING * PaperStyle().fontsize


def documents_per_page() -> int:
    """How many documents' rows fit a page at the build's paper style (54 at 8 pt).

    A row is :data:`ROW_LINES` lines of tick labels; the rows share
    :data:`~cqanalysis.figures.style.PAGE_HEIGHT_CM` with :data:`FRAME_LINES` lines of text.
    """
    from ..figures.style import CM, PAGE_HEIGHT_CM

    return int((PAGE_HEIGHT_CM * CM * 72 - _frame_pt()) // _row_pt())


def _comparison_aspect(count: int, width_cm: float, aspect: float) -> float:
    """``aspect``, or the taller one a heatmap of ``count`` rows needs (a page at most)."""
    from ..figures.style import CM, PAGE_HEIGHT_CM

    needed_cm = (_frame_pt() + count * _row_pt()) / 72 / CM
    if count <= DOT_PLOT_DOCUMENTS or needed_cm <= width_cm * aspect:
        return aspect
    return min(PAGE_HEIGHT_CM, needed_cm) / width_cm


# --- the plan -----------------------------------------------------------------------------------

SHIPPED = ("instruments", "outcomes", "levels")


@register_figure
def codebook_heatmaps(analysis: Any) -> Iterator[FigureSpec]:
    """A domain heatmap for each of the user's own codebooks (not the shipped ones)."""
    for book in analysis.codebooks:
        name = getattr(book, "name", "")
        if name in SHIPPED:
            continue
        crosstab = f"domain_x_{name}"
        yield FigureSpec(
            f"图1_领域_{book.zh}热力图", f"Fig1_domain_{name}",
            f"领域×{book.zh}", f"Domain × {getattr(book, 'en', '') or name}",
            draw=partial(draw_crosstab_heatmap, crosstab=crosstab), needs=(name,),
            aspect=0.55, when=partial(crosstab_drawable, crosstab=crosstab))


register_figure(FigureSpec(
    "图1_领域_政策工具热力图", "Fig1_domain_instruments",
    "领域×政策工具", "Domain × policy instrument",
    draw=partial(draw_crosstab_heatmap, crosstab="domain_x_instrument_detail"),
    needs=("instruments",), aspect=0.55,
    when=partial(crosstab_drawable, crosstab="domain_x_instrument_detail")))
register_figure(FigureSpec(
    "图2_领域_政策工具类型构成", "Fig2_instrument_types",
    "各领域政策工具类型构成", "Instrument types per domain",
    draw=draw_instrument_types, needs=("instruments",), aspect=0.45, when=has_measures))
register_figure(FigureSpec(
    "图3_领域_工具_成效流向", "Fig3_instrument_flows",
    "领域→政策工具→预期成效", "Domain → instrument → outcome",
    draw=draw_flows, needs=("instruments", "outcomes"), aspect=0.7, when=has_flows))
register_figure(FigureSpec(
    "图4_编码共现网络", "Fig4_code_network",
    "政策工具与预期成效共现网络", "Co-occurrence of codes",
    draw=draw_code_network, needs=("instruments", "outcomes"), aspect=0.8, when=has_network))


@register_figure
def document_comparison(analysis: Any) -> Iterator[FigureSpec]:
    """Instrument types by document: its kind and height follow the number of documents."""
    from ..figures.style import WIDTHS_CM

    count = _document_count(analysis)
    yield FigureSpec(
        "图5_文档比较", "Fig5_documents",
        "文档间政策工具构成比较", "Instrument types by document",
        draw=partial(draw_document_comparison,
                     kind="dot" if count <= DOT_PLOT_DOCUMENTS else "heatmap"),
        needs=("instruments",), width="double",
        aspect=_comparison_aspect(count, WIDTHS_CM["double"], 0.6),
        when=several_documents)
