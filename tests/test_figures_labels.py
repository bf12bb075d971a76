"""Figure labels: the shipped glossary, zh/en/bilingual lookup, wrapping, palettes (no drawing)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cqanalysis.figures import (
    OKABE_ITO,
    codebook_labels,
    column_title,
    display_width,
    fills,
    label,
    load_glossary,
    palette,
    translate,
    wrap_label,
)

from .conftest import SEED_SECTION_TITLES

# Read from the seed chapter: the six section titles (5.1 inferred from its table caption)
# and the 29 optimisation directions of tables 5.1.1-5.6.1.
SEED_SECTIONS = SEED_SECTION_TITLES
SEED_DIRECTIONS = [
    "区域观念强化", "职能定位优化", "清单管理", "创新监管",
    "提升权威性", "明确权限", "常态化协商", "专业化机构", "区域发展基金",
    "专门立法", "地方协同立法", "政策衔接机制", "利益共享机制", "规划衔接",
    "要素自由流动", "交通一体化", "产业协同", "公共服务共享", "环境联治",
    "大数据平台", "数据共享", "智慧应用", "统一政务平台", "安全与隐私",
    "复合型人才", "干部交流", "人才引进平台", "绩效考核", "智库支持",
]  # fmt: skip


def test_import_cqanalysis_and_figures_do_not_import_matplotlib() -> None:
    code = (
        "import sys, cqanalysis, cqanalysis.figures; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_glossary_covers_the_seed_sections_directions_and_conclusion() -> None:
    glossary = load_glossary()
    assert len(SEED_DIRECTIONS) == 29
    for zh in [*SEED_SECTIONS, "结论", *SEED_DIRECTIONS]:
        assert glossary.get(zh), zh
    assert glossary["政府职能转变"] == "Transforming government functions"
    assert glossary["智库支持"] == "Think-tank support"
    assert glossary["结论"] == "Conclusions"


def test_glossary_covers_every_parsed_seed_label(seed) -> None:
    glossary = load_glossary()
    parsed = {*seed.rows["section_title"], *seed.rows["direction"], *seed.sections["title"]}
    assert parsed <= set(glossary), parsed - set(glossary)


def test_translate_zh_en_both_and_fallback() -> None:
    assert translate("区域观念强化", lang="zh") == "区域观念强化"
    assert translate("区域观念强化", lang="en") == "Stronger regional mindset"
    assert translate("区域观念强化", lang="both") == "区域观念强化\nStronger regional mindset"
    # Whitespace and full-width forms do not hide a glossary entry.
    assert translate(" 清单 管理 ", lang="en") == "List-based management"
    # A label without translation stays Chinese rather than disappearing.
    assert translate("未登记的标签", lang="en") == "未登记的标签"
    assert translate("未登记的标签", lang="both") == "未登记的标签"
    # labels= (e.g. a codebook) wins over the glossary.
    assert translate("清单管理", lang="en", labels={"清单管理": "Lists"}) == "Lists"
    with pytest.raises(ValueError, match="lang"):
        translate("清单管理", lang="fr")  # type: ignore[arg-type]


def test_column_titles() -> None:
    assert column_title("section_title") == "领域"
    assert column_title("section_title", lang="en") == "Domain"
    assert column_title("section_title", lang="both") == "领域 / Domain"
    assert column_title("政策工具", lang="en") == "Policy instrument"
    assert column_title("政策工具", lang="both") == "政策工具 / Policy instrument"


def test_codebook_labels_from_the_shipped_codebooks() -> None:
    mapping = codebook_labels()
    # From cqanalysis/codebooks/instruments.yaml.
    assert mapping["政策工具"] == "Policy instruments"
    assert mapping["组织机构与职能配置"] == "Organisation, functions and authority"


def test_display_width_counts_hanzi_and_fullwidth_as_two() -> None:
    assert display_width("政府") == 4
    assert display_width("ab") == 2
    assert display_width("（%）") == 5  # full-width brackets 2 + 2, ASCII % 1


def test_wrap_label_chinese() -> None:
    # 17 hanzi at 8 per line need three lines; the breaks fall between words (推动/要素,
    # 自由/流动, after 与), never inside one (not 公共服 / 务 as by the hanzi count).
    assert wrap_label("推动要素自由流动与公共服务共建共享", 16) == (
        "推动要素\n自由流动与\n公共服务共建共享"
    )
    # Six hanzi a line: a fourth line rather than 公共 / 服务 on two lines.
    assert wrap_label("推动要素自由流动与公共服务共建共享", 12) == (
        "推动要素\n自由流动与\n公共服务\n共建共享"
    )
    # 10 hanzi in two lines, the break after the conjunction 与.
    assert wrap_label("法律法规与政策体系完善", 16) == "法律法规与\n政策体系完善"
    assert wrap_label("政府职能转变", 16) == "政府职能转变"
    # Three hanzi a line: 政府 / 职能 / 转变 rather than 政府职 / 能转变.
    assert wrap_label("政府职能转变", 6) == "政府\n职能\n转变"


def test_wrap_label_breaks_between_words_of_code_labels() -> None:
    # Issue #13: heatmap ticks read 组织机 / 构与 / 职能配置.
    assert wrap_label("组织机构与职能配置", 10) == "组织机构与\n职能配置"
    assert wrap_label("组织机构与职能配置", 18) == "组织机构与职能配置"
    # Four hanzi a line: the 与 on its own rather than inside a word.
    assert wrap_label("组织机构与职能配置", 8) == "组织机构\n与\n职能配置"
    # The first 与 belongs to 参与; the second joins the two parts.
    assert wrap_label("社会参与与智力支持", 10) == "社会参与与\n智力支持"
    assert wrap_label("社会参与与智力支持", 8) == "社会参与\n与\n智力支持"
    assert wrap_label("基础设施建设", 8) == "基础设施\n建设"
    assert wrap_label("信息与数字化", 8) == "信息与\n数字化"  # 数字化 ends in 化
    assert wrap_label("复合型人才", 6) == "复合型\n人才"
    # A word wider than the line is broken, but only then.
    assert wrap_label("组织机构", 6) == "组织\n机构"


def test_wrap_label_keeps_punctuation_rules_and_latin_words() -> None:
    # Closing punctuation never starts a line, opening punctuation never ends one.
    for line in wrap_label("变重审批为重事中事后监管，运用大数据、信用管理", 8).split("\n"):
        assert line[0] not in "，。、）”"
        assert line[-1] not in "（“"
    assert wrap_label("Free factor flows and shared public services", 16) == (
        "Free factor\nflows and shared\npublic services"
    )
    # A word longer than the width stays whole.
    assert wrap_label("Interdisciplinary", 6) == "Interdisciplinary"


def test_label_wraps_each_language_of_a_bilingual_label() -> None:
    text = label("推动要素自由流动与公共服务共建共享", lang="both", width=16)
    lines = text.split("\n")
    assert "".join(lines[:3]) == "推动要素自由流动与公共服务共建共享"
    assert " ".join(lines[3:]) == "Free factor flows and shared public services"
    assert all(display_width(line) <= 24 for line in lines)
    assert label("区域观念强化", lang="en", width=None) == "Stronger regional mindset"


def test_palettes_colour_blind_safe_and_grayscale() -> None:
    assert palette(3) == list(OKABE_ITO[:3])
    assert palette(3)[0] == "#E69F00"
    grays = palette(5, grayscale=True)
    levels = [int(g[1:3], 16) for g in grays]
    assert all(g[1:3] == g[3:5] == g[5:7] for g in grays)  # neutral gray
    assert levels == sorted(levels) and len(set(levels)) == 5  # a lightness ramp
    hatched = fills(4, grayscale=True)
    assert len({f["hatch"] for f in hatched}) == 4
    assert all("hatch" not in f for f in fills(4))
    assert len(palette(12)) == 12
