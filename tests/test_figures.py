"""Publication figures: fonts, every figure type on the seed and on hand-made frames, saving.

Warnings are errors (pyproject), so a "Glyph … missing" warning or a LayoutWarning fails a test.
Converted fonts go to a test cache in the temporary folder, kept between runs, unless
CQANALYSIS_CACHE names another (see ``font_cache``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pdfplumber
import pytest
from fontTools.ttLib import TTFont
from matplotlib.patches import PathPatch, Rectangle
from PIL import Image

import cqanalysis.figures as cqf
from cqanalysis.figures import fonts
from cqanalysis.figures.network import spring_layout

from .conftest import SEED_SECTION_TITLES

ROOT = Path(__file__).resolve().parents[1]

SECTIONS = SEED_SECTION_TITLES

# A hand coding of the seed's 29 directions (read from tables 5.1.1-5.6.1): policy instrument
# type (supply / environment / demand side) and the outcome dimension the 预期成效 cell names.
HAND_CODES = {
    "区域观念强化": ("环境型", "协同意识"),
    "职能定位优化": ("供给型", "治理效能"),
    "清单管理": ("环境型", "规范透明"),
    "创新监管": ("环境型", "市场环境"),
    "提升权威性": ("供给型", "治理效能"),
    "明确权限": ("供给型", "治理效能"),
    "常态化协商": ("环境型", "协同意识"),
    "专业化机构": ("供给型", "治理效能"),
    "区域发展基金": ("环境型", "利益共享"),
    "专门立法": ("环境型", "规范透明"),
    "地方协同立法": ("环境型", "规范透明"),
    "政策衔接机制": ("环境型", "区域一体化"),
    "利益共享机制": ("环境型", "利益共享"),
    "规划衔接": ("环境型", "区域一体化"),
    "要素自由流动": ("需求型", "区域一体化"),
    "交通一体化": ("供给型", "区域一体化"),
    "产业协同": ("环境型", "区域一体化"),
    "公共服务共享": ("供给型", "民生福祉"),
    "环境联治": ("环境型", "生态环境"),
    "大数据平台": ("供给型", "治理效能"),
    "数据共享": ("供给型", "区域一体化"),
    "智慧应用": ("供给型", "治理效能"),
    "统一政务平台": ("供给型", "民生福祉"),
    "安全与隐私": ("供给型", "规范透明"),
    "复合型人才": ("供给型", "协同意识"),
    "干部交流": ("供给型", "协同意识"),
    "人才引进平台": ("供给型", "治理效能"),
    "绩效考核": ("环境型", "协同意识"),
    "智库支持": ("需求型", "治理效能"),
}
EN = {
    "供给型": "Supply-side",
    "环境型": "Environmental",
    "需求型": "Demand-side",
    "工具类型": "Instrument type",
    "成效维度": "Outcome dimension",
}


@pytest.fixture(scope="module", autouse=True)
def font_cache():
    """A font cache for the tests, outside the user's cache (unless the environment names one).

    It lives in the system's temporary folder and is kept between runs: converting the fonts
    (sans, serif, and the subsets with rare characters below) takes most of a minute, and the
    files are named by a hash of what they hold, so a kept file is never stale.  A fresh
    machine (or CI) converts them all, which tests the conversion itself.
    """
    if os.environ.get("CQANALYSIS_CACHE"):
        yield Path(os.environ["CQANALYSIS_CACHE"])
        return
    folder = Path(tempfile.gettempdir()) / "cqanalysis-test-fonts"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CQANALYSIS_CACHE", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def rows(seed) -> pd.DataFrame:
    frame = seed.rows
    return frame.assign(
        工具类型=frame["direction"].map(lambda d: HAND_CODES[d][0]),
        成效维度=frame["direction"].map(lambda d: HAND_CODES[d][1]),
    )


def tick_texts(labels, sep: str = "") -> list[str]:
    """Tick label texts with their wrapped lines joined (by ``sep``: " " for English)."""
    return [t.get_text().replace("\n", sep) for t in labels]


# --------------------------------------------------------------------------- fonts and style


def test_cache_dir_honours_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CQANALYSIS_CACHE", str(tmp_path / "c"))
    assert fonts.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("CQANALYSIS_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name == "posix" and os.uname().sysname == "Linux":
        assert fonts.cache_dir() == tmp_path / "xdg" / "cqanalysis"


def test_converted_font_has_truetype_outlines_and_covers_labels() -> None:
    path = cqf.font_path("sans")
    assert path.is_file()
    # Never inside the repository or the installed fonts.
    assert ROOT not in path.parents
    assert fonts.source_font("sans").parent not in path.parents
    font = TTFont(path)
    assert "glyf" in font and "CFF " not in font
    assert font.sfntVersion == "\x00\x01\x00\x00"
    assert font["name"].getDebugName(1) == "cqanalysis Sans CJK SC"
    cmap = font.getBestCmap()
    for text in [*SECTIONS, "结论", *HAND_CODES, "合计（%）−0123"]:
        assert all(ord(c) in cmap for c in text), text
    assert ord(" ") in cmap  # spaces take their width from this font too
    # 13 is the OFL licence, kept in the converted font.
    assert "Open Font License" in font["name"].getDebugName(13)


def test_conversion_is_cached_and_reused(monkeypatch) -> None:
    path = cqf.font_path("sans")
    monkeypatch.setenv("CQANALYSIS_CACHE", str(path.parent))  # wherever it was registered from
    before = path.stat().st_mtime_ns
    chars = fonts.covered_chars("sans")
    again = fonts._converted(fonts.source_font("sans"), fonts._SPECS["sans"], chars)
    assert again == path
    assert path.stat().st_mtime_ns == before


def test_paper_style_changes_nothing_outside_the_block() -> None:
    rc_file = Path(matplotlib.matplotlib_fname())
    rc_before = rc_file.read_bytes()
    keys = ["font.family", "pdf.fonttype", "figure.figsize", "svg.fonttype", "axes.prop_cycle"]
    before = {k: matplotlib.rcParams[k] for k in keys}
    with cqf.paper_style(width="double", font="sans") as style:
        assert matplotlib.rcParams["pdf.fonttype"] == 42
        assert matplotlib.rcParams["font.family"][0] == "cqanalysis Sans CJK SC"
        assert cqf.current_style() is style
        assert style.width_cm == 17.5
    assert {k: matplotlib.rcParams[k] for k in keys} == before
    assert cqf.current_style() is None
    assert rc_file.read_bytes() == rc_before


def test_journal_widths_and_minimum_text_size() -> None:
    with cqf.paper_style(width="single"):
        fig, _ = cqf.paper_figure()
        assert fig.get_size_inches()[0] * 2.54 == pytest.approx(8.5)
    with cqf.paper_style(width="double", aspect=0.5):
        fig, _ = cqf.paper_figure()
        assert tuple(fig.get_size_inches() * 2.54) == pytest.approx((17.5, 8.75))
    with pytest.raises(ValueError, match="at least 7"), cqf.paper_style(fontsize=6):
        pass


# ------------------------------------------------------------------------------- heatmap


def seed_crosstab(rows: pd.DataFrame) -> pd.DataFrame:
    table = pd.crosstab(rows["section_title"], rows["工具类型"], margins=True, margins_name="合计")
    return table.reindex([*SECTIONS, "合计"])


def test_heatmap_seed_counts_and_percentages(rows) -> None:
    with cqf.paper_style(width="single", aspect=0.8):
        fig, ax = cqf.paper_figure()
        out = cqf.heatmap(seed_crosstab(rows), annot="both", normalize="index", ax=ax)
        assert out is ax
        texts = [t.get_text() for t in ax.texts]
        # 政府职能转变: one supply-side (职能定位优化) and three environmental directions.
        assert texts[:3] == ["1\n(25%)", "3\n(75%)", "0\n(0%)"]
        # 信息共享与智慧协同: five supply-side directions.
        assert texts[12:15] == ["5\n(100%)", "0\n(0%)", "0\n(0%)"]
        assert tick_texts(ax.get_yticklabels()) == SECTIONS  # 合计 dropped
        assert tick_texts(ax.get_xticklabels()) == ["供给型", "环境型", "需求型"]
        assert ax.get_xlabel() == "工具类型" and ax.get_ylabel() == "领域"
        assert cqf.layout_problems(fig) == []


def test_heatmap_margins_shown_separately_in_english(rows) -> None:
    with cqf.paper_style(width="double", aspect=0.5):
        fig, ax = cqf.paper_figure()
        cqf.heatmap(seed_crosstab(rows), annot="count", margins="show", lang="en", labels=EN, ax=ax)
        assert tick_texts(ax.get_xticklabels())[-1] == "Total"
        assert tick_texts(ax.get_yticklabels(), " ")[0] == "Transforming government functions"
        texts = [t.get_text() for t in ax.texts]
        # Row totals 4 5 5 5 5 5, column totals 14 13 2, grand total 29.
        assert texts[-10:] == ["4", "5", "5", "5", "5", "5", "14", "13", "2", "29"]
        assert cqf.layout_problems(fig) == []


def test_heatmap_hand_frame_column_percentages() -> None:
    table = pd.DataFrame({"A": [2, 1], "B": [0, 1]}, index=["甲", "乙"])
    with cqf.paper_style():
        ax = cqf.heatmap(table, annot="percent", normalize="columns")
        assert [t.get_text() for t in ax.texts] == ["67%", "0%", "33%", "100%"]
    with pytest.raises(TypeError, match="numbers"):
        cqf.heatmap(pd.DataFrame({"A": ["x"]}))


# --------------------------------------------------------------------------------- bars


def test_bar_table_shares_by_hand() -> None:
    tidy = pd.DataFrame({"领域": ["甲", "甲", "甲", "乙"], "编码": ["x", "y", "x", "y"]})
    table = cqf.bar_table(tidy, x="领域", hue="编码")
    assert table.loc["甲", "x"] == pytest.approx(200 / 3)
    assert table.loc["乙"].tolist() == [0.0, 100.0]
    counts = cqf.bar_table(tidy, x="领域", hue="编码", stat="count")
    assert counts.to_numpy().tolist() == [[2.0, 1.0], [0.0, 1.0]]
    with pytest.raises(KeyError, match="缺失"):
        cqf.bar_table(tidy, x="领域", hue="缺失")


def test_stacked_bars_seed_percent(rows) -> None:
    with cqf.paper_style(width="single", aspect=0.8):
        fig, ax = cqf.paper_figure()
        cqf.stacked_bars(rows, x="section_title", hue="工具类型", ax=ax)
        # Hue order = first appearance in the seed: 环境型 (区域观念强化), 供给型, 需求型.
        bars = [p for p in ax.patches if isinstance(p, Rectangle)]
        assert [round(bars[i].get_width()) for i in (0, 6, 12)] == [75, 25, 0]
        assert bars[6].get_x() == pytest.approx(75)  # stacked after the environmental part
        texts = [t.get_text() for t in ax.texts]
        assert texts[:2] == ["75%", "40%"]
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["环境型", "供给型", "需求型"]
        assert tick_texts(ax.get_yticklabels()) == SECTIONS
        assert cqf.layout_problems(fig) == []


def test_grouped_bars_seed_counts_vertical_grayscale(rows) -> None:
    with cqf.paper_style(width="double", aspect=0.45, grayscale=True):
        fig, ax = cqf.paper_figure()
        cqf.stacked_bars(
            rows, x="section_title", hue="工具类型", stat="count", stacked=False, orient="v",
            lang="both", labels=EN, ax=ax,
        )  # fmt: skip
        bars = [p for p in ax.patches if isinstance(p, Rectangle)]
        assert [bars[i].get_height() for i in range(6)] == [3, 2, 5, 2, 0, 1]
        hatches = {bars[i * 6].get_hatch() for i in range(3)}
        assert len(hatches) == 3  # told apart without colour
        assert cqf.layout_problems(fig) == []


# ------------------------------------------------------------------------------ alluvial


def test_alluvial_seed_three_stages(rows) -> None:
    with cqf.paper_style(width="double", aspect=0.6):
        fig, ax = cqf.paper_figure()
        cqf.alluvial(rows, stages=["section_title", "工具类型", "成效维度"], ax=ax)
        nodes = [p for p in ax.patches if isinstance(p, Rectangle)]
        flows = [p for p in ax.patches if isinstance(p, PathPatch)]
        assert len(nodes) == 6 + 3 + 8
        # Section → instrument type pairs: 2 + 2 + 1 + 3 + 1 + 3.
        assert len(flows) >= 12
        texts = [t.get_text() for t in ax.texts]
        for expected in ["政府职能转变 (4)", "供给型 (14)", "环境型 (13)", "需求型 (2)", "领域"]:
            assert expected in texts
        by_x: dict[float, list[float]] = {}
        for node in nodes:
            by_x.setdefault(round(node.get_x(), 6), []).append(node.get_height())
        stage_totals = [sum(h) for _, h in sorted(by_x.items())]
        assert stage_totals[0] == pytest.approx(stage_totals[1]) == pytest.approx(stage_totals[2])
        middle = sorted(by_x.items())[1][1]
        assert max(middle) / min(middle) == pytest.approx(14 / 2)
        assert cqf.layout_problems(fig) == []


def test_alluvial_bilingual_two_stages_fits(rows) -> None:
    with cqf.paper_style(width="double", aspect=0.5, font="sans"):
        fig, ax = cqf.paper_figure()
        cqf.alluvial(rows, stages=["section_title", "工具类型"], lang="both", labels=EN, ax=ax)
        assert cqf.layout_problems(fig) == []
    with pytest.raises(ValueError, match="two stage"):
        cqf.alluvial(rows, stages=["section_title"])


# ------------------------------------------------------------------------------- network


def test_network_hand_matrix_sizes_and_edges() -> None:
    codes = ["甲", "乙", "丙"]
    matrix = pd.DataFrame([[3, 2, 0], [2, 2, 1], [0, 1, 1]], index=codes, columns=codes)
    with cqf.paper_style(width="single", aspect=1.0):
        fig, ax = cqf.paper_figure()
        cqf.cooccurrence_network(matrix, ax=ax)
        edges, nodes = ax.collections[0], ax.collections[1]
        assert len(edges.get_segments()) == 2  # 甲–乙 and 乙–丙
        assert sorted(edges.get_linewidths()) == pytest.approx([0.4 + 3.6 / 2, 4.0])
        sizes = nodes.get_sizes()
        assert sizes[0] / sizes[2] == pytest.approx(3.0)  # area ∝ frequency (diagonal)
        assert [t.get_text() for t in ax.texts] == codes
        assert cqf.layout_problems(fig) == []
    asymmetric = matrix.copy()
    asymmetric.iloc[0, 1] = 5
    with pytest.raises(ValueError, match="symmetric"):
        cqf.cooccurrence_network(asymmetric)


def test_network_seed_two_sided_spring_and_circular(rows) -> None:
    table = pd.crosstab(rows["工具类型"], rows["成效维度"])
    for layout in ("circular", "spring"):
        with cqf.paper_style(width="double", aspect=0.6):
            fig, ax = cqf.paper_figure()
            cqf.cooccurrence_network(table, layout=layout, ax=ax)
            assert len(ax.texts) == 3 + 8
            legend = [t.get_text() for t in ax.get_legend().get_texts()]
            assert legend[-2:] == ["工具类型", "成效维度"]
            assert cqf.layout_problems(fig) == []


def _overlap_px(a, b) -> float:
    """Area in pixels² two display boxes share."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


@pytest.mark.parametrize(("width", "aspect"), [("double", 0.8), ("single", 1.0)])
def test_network_key_circles_do_not_overlap(width, aspect) -> None:
    # Frequencies 18, 7, 1, 9: the key shows 1, 8 (the median) and 18 as circles of about
    # 5, 15 and 22 pt, taller than a line of 7 pt text; the key at the right of a wide
    # figure, below a square one.
    codes = ["甲", "乙", "丙", "丁"]
    matrix = pd.DataFrame(
        [[18, 2, 1, 0], [2, 7, 1, 1], [1, 1, 1, 0], [0, 1, 0, 9]], index=codes, columns=codes
    )
    with cqf.paper_style(width=width, aspect=aspect):
        fig, ax = cqf.paper_figure()
        cqf.cooccurrence_network(matrix, groups=dict(zip(codes, "AABB", strict=True)), ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend()
    handles = legend.legend_handles
    assert [h.get_label() for h in handles[:3]] == ["频次 1", "频次 8", "频次 18"]
    circles = [h.get_window_extent(renderer) for h in handles[:3]]
    heights = [c.height for c in circles]
    assert heights == sorted(heights) and heights[2] > 2.5 * 7 * fig.dpi / 72  # > 2.5 lines
    boxes = [h.get_window_extent(renderer) for h in handles]
    texts = [t.get_window_extent(renderer) for t in legend.get_texts()]
    for i, circle in enumerate(circles):
        for j in range(len(handles)):
            if j != i:
                assert _overlap_px(circle, boxes[j]) == 0, (handles[i].get_label(), j)
                assert _overlap_px(circle, texts[j]) == 0, (handles[i].get_label(), j)
        # Each circle sits on its own text line.
        assert texts[i].y0 < (circle.y0 + circle.y1) / 2 < texts[i].y1
    assert cqf.layout_problems(fig) == []


def test_spring_layout_is_deterministic_and_scaled() -> None:
    off = np.array([[0, 2, 0], [2, 0, 1], [0, 1, 0]], dtype=float)
    a, b = spring_layout(off), spring_layout(off)
    assert np.array_equal(a, b)
    assert np.abs(a).max() == pytest.approx(1.0)
    # The strongest tie (0–1) is the shortest edge.
    assert np.hypot(*(a[0] - a[1])) < np.hypot(*(a[0] - a[2]))


# ------------------------------------------------------------------------------- compare


def test_compare_documents_dot_and_heatmap(rows) -> None:
    whole = rows.assign(doc_id="甲")
    part = rows[rows["section_no"].isin(["5.1", "5.2", "5.3"])].assign(doc_id="乙")
    corpus = pd.concat([whole, part], ignore_index=True)
    with cqf.paper_style(width="single", aspect=0.9):
        fig, ax = cqf.paper_figure()
        cqf.compare_documents(corpus, doc="doc_id", category="section_title", ax=ax)
        first, second = ax.collections[1], ax.collections[2]  # after the range lines
        # 政府职能转变: 4 of 29 rows in 甲, 4 of 14 in 乙.
        assert first.get_offsets()[0][0] == pytest.approx(400 / 29)
        assert second.get_offsets()[0][0] == pytest.approx(400 / 14)
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["甲", "乙"]
        assert cqf.layout_problems(fig) == []
    with cqf.paper_style(width="double", aspect=0.4):
        fig, ax = cqf.paper_figure()
        cqf.compare_documents(corpus, category="section_title", kind="heatmap", ax=ax)
        texts = [t.get_text() for t in ax.texts]
        assert texts[6] == "29%"  # 乙, 政府职能转变: 4/14
        assert cqf.layout_problems(fig) == []


# --------------------------------------------------------------------------------- saving


def small_figure(rows: pd.DataFrame, font: str = "sans"):
    with cqf.paper_style(width="single", aspect=0.8, font=font):
        fig, ax = cqf.paper_figure()
        cqf.heatmap(seed_crosstab(rows), annot="count", ax=ax)
    return fig


@pytest.fixture(scope="module")
def seed_saved(rows, tmp_path_factory) -> list[Path]:
    """The seed heatmap saved once in every format, for the tests that only read the files."""
    return cqf.save_figure(small_figure(rows), tmp_path_factory.mktemp("seed") / "a" / "领域_工具")


def test_save_figure_formats_fonts_text_and_determinism(rows, seed_saved, tmp_path) -> None:
    paths = seed_saved
    assert [p.name for p in paths] == ["领域_工具.png", "领域_工具.pdf", "领域_工具.svg"]
    assert sorted(p.name for p in paths[0].parent.iterdir()) == sorted(p.name for p in paths)

    with Image.open(paths[0]) as png:
        assert png.size[0] == pytest.approx(8.5 / 2.54 * 300, abs=1)  # 8.5 cm at 300 dpi
        assert png.info["dpi"][0] == pytest.approx(300, abs=0.5)
        assert png.info.get("Software") == "cqanalysis"

    pdf = paths[1].read_bytes()
    assert b"/CIDFontType2" in pdf and b"/FontFile2" in pdf  # TrueType (Type 42)
    assert b"/Type3" not in pdf and b"/FontFile3" not in pdf
    assert b"D:19800101000000Z" in pdf  # fixed date when SOURCE_DATE_EPOCH is unset
    with pdfplumber.open(paths[1]) as doc:
        page = doc.pages[0]
        assert {c["fontname"].split("+")[-1] for c in page.chars} == {
            "cqanalysis-SansCJKSC-Regular"
        }
        text = page.extract_text()
    for title in ["政府职能转变", "区域协调机构建设", "人才队伍建设", "供给型", "工具类型"]:
        assert title in text.replace("\n", "")

    svg = paths[2].read_text(encoding="utf-8")
    assert "<text" not in svg and "<path" in svg  # text drawn as paths

    again = cqf.save_figure(small_figure(rows), tmp_path / "b" / "领域_工具")
    for one, two in zip(paths, again, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name


def test_save_figure_honours_source_date_epoch(rows, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    fig = small_figure(rows)
    (pdf,) = cqf.save_figure(fig, tmp_path / "x", formats=("pdf",))
    assert b"D:20231114221320Z" in pdf.read_bytes()
    with pytest.raises(ValueError, match="300"):
        cqf.save_figure(fig, tmp_path / "y", dpi=150)


def test_serif_font_in_pdf(rows, tmp_path) -> None:
    (pdf,) = cqf.save_figure(small_figure(rows, font="serif"), tmp_path / "s", formats=("pdf",))
    with pdfplumber.open(pdf) as doc:
        names = {c["fontname"].split("+")[-1] for c in doc.pages[0].chars}
        assert names == {"cqanalysis-SerifCJKSC-Regular"}
        assert "政府职能转变" in doc.pages[0].extract_text()


def test_layout_warning_for_text_cut_off(tmp_path) -> None:
    with cqf.paper_style():
        fig, _ = cqf.paper_figure()
        fig.text(0.9, 0.5, "这一行说明文字超出了图的右边界")
    assert any("cut off" in p for p in cqf.layout_problems(fig))
    with pytest.warns(cqf.LayoutWarning, match="cut off"):
        cqf.save_figure(fig, tmp_path / "cut", formats=("png",))


def test_characters_outside_the_subset_are_added_not_tofu(rows, seed_saved, tmp_path) -> None:
    # 堃 喆 玥 are not in GB 2312, so not in the cached subset; the source font has them.
    assert not {"堃", "喆", "玥"} & fonts._base_charset()
    before = seed_saved[1:]  # PDF and SVG, saved before the characters were added
    tidy = pd.DataFrame({"领域": ["堃喆", "堃喆", "乙"], "编码": ["x", "y", "x"]})
    with cqf.paper_style():
        fig, ax = cqf.paper_figure()
        cqf.stacked_bars(tidy, x="领域", hue="编码", ax=ax)  # would warn "Glyph … missing"
        ax.set_title("玥", fontfamily=cqf.font_families("sans"))  # added after plotting
    assert {"堃", "喆"} <= fonts.covered_chars("sans")
    (pdf,) = cqf.save_figure(fig, tmp_path / "rare", formats=("pdf",))
    assert "玥" in fonts.covered_chars("sans")
    with pdfplumber.open(pdf) as doc:
        text = doc.pages[0].extract_text()
    assert "堃喆" in text and "玥" in text
    # Glyph ids are kept from the source font, so a figure without the new characters comes
    # out byte-identical whichever subset is active.
    after = cqf.save_figure(small_figure(rows), tmp_path / "after", formats=("pdf", "svg"))
    for one, two in zip(before, after, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name


# --------------------------------------------- poppler and Ghostscript (skipped if missing)


def needs(*tools: str):
    missing = [t for t in tools if shutil.which(t) is None]
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)}")


@needs("pdffonts", "pdftotext")
def test_pdffonts_and_pdftotext(seed_saved) -> None:
    pdf = seed_saved[1]
    listing = subprocess.run(["pdffonts", pdf], capture_output=True, text=True, check=True)
    font_lines = listing.stdout.splitlines()[2:]
    assert font_lines and all("CID TrueType" in line for line in font_lines)
    assert "Type 3" not in listing.stdout
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True)
    assert "推动要素自由" in text.stdout and "人才队伍建设" in text.stdout


@needs("gs", "pdftoppm")
def test_ghostscript_draws_the_same_text_as_poppler(tmp_path) -> None:
    # Only text on the page: if Ghostscript dropped the font the page would be blank.
    with cqf.paper_style():
        fig = plt.figure(figsize=(3, 1))
        fig.text(0.5, 0.5, "政府职能转变 Test", ha="center", va="center", fontsize=20)
    (pdf,) = cqf.save_figure(fig, tmp_path / "t", formats=("pdf",), check=False)
    gs_png, pp_base = tmp_path / "gs.png", tmp_path / "pp"
    subprocess.run(
        ["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pnggray", "-r100",
         "-dTextAlphaBits=4", "-dGraphicsAlphaBits=4", f"-sOutputFile={gs_png}", str(pdf)],
        check=True,
    )  # fmt: skip
    subprocess.run(["pdftoppm", "-r", "100", "-gray", "-png", str(pdf), str(pp_base)], check=True)
    (pp_png,) = tmp_path.glob("pp*.png")
    ink = []
    for path in (gs_png, pp_png):
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("L"), dtype=float)
        ink.append(((255 - pixels) / 255).sum())
    assert ink[0] > 100 and ink[1] > 100
    assert ink[0] / ink[1] == pytest.approx(1.0, rel=0.15)


def test_no_stray_files_in_repository() -> None:
    stray = [p for p in ROOT.rglob("*.ttf") if ".venv" not in p.parts]
    assert stray == []
    assert not re.search(r"cqanalysis-.*\.ttf", " ".join(os.listdir(ROOT)))
