"""The build's document comparison (图5) for corpora of a few, many and too many documents.

The chapters are two table rows in the tests' own words, one file per document, so a corpus
of 55 documents parses in well under a second.  ``filterwarnings = error``: a LayoutWarning
or a matplotlib layout warning fails a test.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from PIL import Image

import cqanalysis as cq
import cqanalysis.figures as cqf
from cqanalysis.exporters import SkippedOutput
from cqanalysis.exporters.figures import draw_figures, figure_labels, figure_plan
from cqanalysis.exporters.standard_figures import documents_per_page

from .test_figures import font_cache  # noqa: F401  (the tests' font cache)

# Two rows coded with instruments: 权力清单 (环境型, the rules around the actors) and 专项资金
# (供给型, resources supplied).
CHAPTER = ("1.1政府职能转变\n表1.1.1政府职能转变对策建议\n优化方向 具体建议 预期成效\n"
           "清单管理 推行权力清单和责任清单，明确权责边界 规范政府行为\n"
           "财政支持 设立专项资金，给予财政补贴 提升服务水平\n")

#: A4 page less margins and caption (style.PAGE_HEIGHT_CM), in points: 23 / 2.54 * 72.
PAGE_PT = 23 / 2.54 * 72  # 651.97
#: Eight lines of 8 pt text at 1.2 spacing around the rows; a row is 1.25 lines of 7 pt labels.
FRAME_PT, ROW_PT = 8 * 1.2 * 8, 1.25 * 1.2 * 7  # 76.8, 10.5


def corpus_of(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        (folder / f"doc{i:02d}.txt").write_text(f"{CHAPTER}（文档{i}）\n", encoding="utf-8")
    return folder


def analysis_of(folder: Path, count: int) -> cq.Analysis:
    return cq.analyse(cq.parse_corpus(corpus_of(folder, count), jobs=1, progress=False))


def comparison(analysis: cq.Analysis) -> list:
    return [s for s in figure_plan(analysis) if s.stem_en == "Fig5_documents"]


def test_documents_per_page_follows_page_height_and_font_size():
    # (651.97 - 76.8) / 10.5 = 54.8 rows
    assert documents_per_page() == 54


def test_a_few_documents_keep_the_dot_plot(tmp_path):
    analysis = analysis_of(tmp_path / "src", 4)
    (spec,) = comparison(analysis)
    assert (spec.width, spec.aspect) == ("double", 0.6)  # the size of the figure before
    with cqf.paper_style(width="double", aspect=spec.aspect):
        fig, ax = cqf.paper_figure()
        spec.draw(analysis, ax, "zh", figure_labels(analysis))
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["doc00", "doc01", "doc02", "doc03"]
    # a row per instrument type
    assert {t.get_text() for t in ax.get_yticklabels()} == {"环境型工具", "供给型工具"}
    plt.close(fig)


@pytest.mark.parametrize(("count", "height_cm"), [
    (10, 10.5),  # (76.8 + 105) pt = 6.4 cm: the default 17.5 × 0.6 = 10.5 cm
    (30, (76.8 + 315) / 72 * 2.54),  # 13.82 cm
    (54, (76.8 + 567) / 72 * 2.54),  # 22.71 cm, just under the page's 23 cm
])
def test_many_documents_a_heatmap_row_each_growing_to_the_page(tmp_path, count, height_cm):
    analysis = analysis_of(tmp_path / "src", count)
    (spec,) = comparison(analysis)
    assert spec.aspect * 17.5 == pytest.approx(height_cm)
    with cqf.paper_style(width="double", aspect=spec.aspect):
        fig, ax = cqf.paper_figure()
        spec.draw(analysis, ax, "zh", figure_labels(analysis))
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"doc{i:02d}" for i in range(count)]
    assert ax.get_legend() is None
    plt.close(fig)


def test_near_the_limit_draws_without_layout_warning(tmp_path):
    analysis = analysis_of(tmp_path / "src", 54)
    for lang in ("zh", "both"):  # both: two-line column labels, the tallest frame
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            draw_figures(analysis, tmp_path / lang, lang=lang, jobs=1)
        assert [str(w.message) for w in caught
                if not issubclass(w.category, SkippedOutput)] == []
        with Image.open(tmp_path / lang / "图5_文档比较.png") as png:
            # 17.5 cm × 22.71 cm at 300 dpi (matplotlib drops the fraction of a pixel)
            assert png.size == (int(17.5 / 2.54 * 300), int((76.8 + 567) / 72 * 300))


def test_over_the_limit_is_skipped_with_its_reason(tmp_path):
    analysis = analysis_of(tmp_path / "src", 55)
    with pytest.warns(SkippedOutput) as caught:
        written = draw_figures(analysis, tmp_path / "figures", jobs=1)
    reason = ("skipped figure 图5_文档比较: 55 documents are too many to label on one page "
              "(at most 54); compare them in crosstabs/document_x_instrument.csv or the appendix")
    messages = [str(w.message) for w in caught]
    assert messages.count(reason) == 1
    assert not [w for w in caught if issubclass(w.category, cqf.LayoutWarning)]
    assert comparison(analysis) == []
    assert not [p for p in written if p.stem == "图5_文档比较"]


def test_build_lists_the_skipped_comparison_and_keeps_its_crosstab(tmp_path):
    import openpyxl

    from cqanalysis.builder import build

    out = tmp_path / "reports"
    with pytest.warns(SkippedOutput) as caught:
        build([corpus_of(tmp_path / "src", 55)], out=out, progress=False)
    too_many = [str(w.message) for w in caught if "too many" in str(w.message)]
    assert len(too_many) == 1
    assert not [w for w in caught if issubclass(w.category, cqf.LayoutWarning)]
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert f"- {too_many[0]}\n" in readme
    assert not list((out / "figures").glob("图5_*"))
    assert (out / "crosstabs" / "document_x_instrument.csv").exists()
    sheets = openpyxl.load_workbook(out / "appendix.xlsx", read_only=True).sheetnames
    assert any("文档×政策工具类型" in name or "document_x" in name for name in sheets), sheets
