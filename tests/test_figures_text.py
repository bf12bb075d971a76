"""Text the plot functions draw: labels with ``$`` are plain text, never mathtext (issue #15).

Each figure is drawn once (module fixtures) and only inspected by the tests.  Warnings are
errors, so a "Glyph … missing" warning (hanzi sent to the math font) fails here, and an
unknown TeX command (``\\foo``) raises while drawing.
"""

from __future__ import annotations

import logging

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.text import Text

import cqanalysis.figures as cqf

# Two labels of the issue: a money range (two $ make a "formula" of 5亿至) and a TeX command
# matplotlib does not know.
MONEY = "投入$5亿至$10亿"
TEX = r"$\foo{x}$ 指标"


@pytest.fixture(scope="module")
def dollar_figures():
    """Every plot function with both labels as title, tick label, legend entry and node label."""
    tidy = pd.DataFrame(
        {
            "领域": [MONEY, MONEY, TEX, "其他"],
            "编码": [TEX, MONEY, MONEY, TEX],
            "文件": [MONEY, TEX, MONEY, TEX],
        }
    )
    crosstab = pd.crosstab(tidy["领域"], tidy["编码"]).rename_axis(index=MONEY, columns=TEX)
    codes = [MONEY, TEX, "乙"]
    matrix = pd.DataFrame([[3, 2, 1], [2, 2, 1], [1, 1, 1]], index=codes, columns=codes)
    groups = {MONEY: TEX, TEX: MONEY, "乙": MONEY}
    draws = {
        "heatmap": lambda ax: cqf.heatmap(crosstab, colorbar=True, ax=ax),
        "bars": lambda ax: cqf.stacked_bars(
            tidy, x="领域", hue="编码", legend_title=MONEY, xlabel=TEX, ylabel=MONEY, ax=ax
        ),
        "alluvial": lambda ax: cqf.alluvial(
            tidy, stages=["领域", "编码"], stage_labels=[MONEY, TEX], ax=ax
        ),
        "network": lambda ax: cqf.cooccurrence_network(matrix, groups=groups, ax=ax),
        "spring": lambda ax: cqf.cooccurrence_network(matrix, layout="spring", ax=ax),
        "compare": lambda ax: cqf.compare_documents(tidy, doc="文件", category="领域", ax=ax),
    }
    figures: dict[str, object] = {}
    logged = _Records()
    logger = logging.getLogger("matplotlib")
    logger.addHandler(logged)
    try:
        for name, draw in draws.items():
            with cqf.paper_style(width="double", aspect=0.6):
                fig, ax = cqf.paper_figure()
                draw(ax)
            fig.canvas.draw()  # a full Agg render: mathtext would raise or log here
            figures[name] = fig
    finally:
        logger.removeHandler(logged)
    figures["logged"] = logged.messages
    yield figures
    for fig in figures.values():
        if not isinstance(fig, list):
            plt.close(fig)


class _Records(logging.Handler):
    """Messages matplotlib logs (missing glyphs in the math font are logged, not warned)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_nothing_logged_while_drawing(dollar_figures) -> None:
    assert dollar_figures["logged"] == []


def texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def shown(fig) -> set[str]:
    return {t.get_text().replace("\n", "") for t in texts(fig)}


@pytest.mark.parametrize("name", ["heatmap", "bars", "alluvial", "network", "spring", "compare"])
def test_labels_with_dollars_are_drawn_as_they_are(dollar_figures, name) -> None:
    fig = dollar_figures[name]
    with_dollar = [t for t in texts(fig) if "$" in t.get_text()]
    assert with_dollar, "the labels should be in the figure"
    for text in with_dollar:
        # What matplotlib will draw: the string itself, not a formula.
        assert text._preprocess_math(text.get_text()) == (text.get_text(), False)
    assert cqf.layout_problems(fig) == []


def test_dollars_in_titles_ticks_legends_and_node_labels(dollar_figures) -> None:
    heatmap = dollar_figures["heatmap"].axes[0]
    assert heatmap.get_xlabel() == TEX and heatmap.get_ylabel() == MONEY  # from the axis names
    assert {t.get_text().replace("\n", "") for t in heatmap.get_xticklabels()} == {MONEY, TEX}
    bars = dollar_figures["bars"].axes[0]
    assert bars.get_xlabel() == TEX and bars.get_ylabel() == MONEY
    legend = bars.get_legend()
    assert legend.get_title().get_text() == MONEY
    assert [t.get_text().replace("\n", "") for t in legend.get_texts()] == [TEX, MONEY]
    assert {MONEY, TEX} <= shown(dollar_figures["alluvial"])  # stage headings
    network = dollar_figures["network"].axes[0]
    assert [t.get_text().replace("\n", "") for t in network.texts] == [MONEY, TEX, "乙"]
    groups = [t.get_text() for t in network.get_legend().get_texts()][-2:]
    assert groups == [TEX, MONEY]
    compare = dollar_figures["compare"].axes[0]
    assert [t.get_text() for t in compare.get_legend().get_texts()] == [MONEY, TEX]


def test_saved_with_dollars_in_the_pdf_text(dollar_figures, tmp_path) -> None:
    pdfplumber = pytest.importorskip("pdfplumber")
    (pdf,) = cqf.save_figure(dollar_figures["bars"], tmp_path / "dollars", formats=("pdf",))
    with pdfplumber.open(pdf) as doc:
        text = doc.pages[0].extract_text().replace("\n", "")
    assert "投入$5亿至$10亿" in text
    assert r"$\foo{x}$" in text


def test_money_range_alone_draws_without_missing_glyphs(caplog) -> None:
    # As mathtext, "5亿至" would be set in the math font, which has no hanzi: matplotlib logs
    # "Font 'default' does not have a glyph for '亿' …, substituting with a dummy symbol"
    # and the page shows 投入5▯▯10亿.
    table = pd.DataFrame({"甲": [1, 2]}, index=[MONEY, "乙"])
    with caplog.at_level(logging.WARNING, logger="matplotlib"):
        with cqf.paper_style():
            fig, ax = cqf.paper_figure()
            cqf.heatmap(table, ax=ax)
        fig.canvas.draw()
    assert [r.getMessage() for r in caplog.records] == []
    assert ax.get_yticklabels()[0].get_text() == MONEY
    plt.close(fig)


def test_every_text_call_of_the_plotters_is_plain_text() -> None:
    # The one place: text calls take **self.text_kw(...) (parse_math=False), and ticks and
    # legends are made only by _Plotter.set_ticks / _Plotter.legend in _base.py.
    import ast
    from pathlib import Path

    folder = Path(cqf.__file__).parent
    texts = {"text", "annotate", "set_xlabel", "set_ylabel", "set_label", "set_title"}
    made_in_base = {"legend", "set_xticks", "set_yticks", "set_xticklabels", "set_yticklabels"}
    bad = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name, owner = node.func.attr, ast.unparse(node.func.value)
            if name in texts and "ax" in owner:
                literal = any(
                    k.arg is None and ast.unparse(k.value).startswith("self.text_kw(")
                    for k in node.keywords
                )
                if not literal:
                    bad.append(f"{path.name}:{node.lineno} {owner}.{name}")
            if name in made_in_base and "ax" in owner and path.name != "_base.py":
                bad.append(f"{path.name}:{node.lineno} {owner}.{name}")
    assert bad == []
