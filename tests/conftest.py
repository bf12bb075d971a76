"""Shared test fixtures: paths and the parsed seed chapter."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import cqanalysis as cq

ROOT = Path(__file__).resolve().parents[1]
SEED_PATH = ROOT / "data" / "raw" / "城市群跨区域行政体制协同_对策建议.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: The seed's six recommendation domains (section titles 5.1-5.6), read off the chapter.
SEED_SECTION_TITLES = [
    "政府职能转变",
    "区域协调机构建设",
    "法律法规与政策体系完善",
    "推动要素自由流动与公共服务共建共享",
    "信息共享与智慧协同",
    "人才队伍建设",
]


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED_PATH


@pytest.fixture(scope="session")
def seed() -> cq.Document:
    """The bundled seed chapter, parsed once per test session."""
    return cq.parse(SEED_PATH)


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory):
    """The bundled chapter built once per test session: ``(out, BuildResult)``.

    Tests that only read the reports share it; a test that changes the folder copies it.
    """
    from cqanalysis.builder import build

    out = tmp_path_factory.mktemp("seed") / "reports"
    return out, build([SEED_PATH], out=out, progress=False)


def write_chapter(folder: Path, name: str, text: str) -> Path:
    """A small chapter written by a test (the tests' own words, not a real document)."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


#: Chapters with little to analyse, in the tests' own words.
THIN_CHAPTERS = {
    # narrative items under two headings, no table
    "items_only": "3.1社区治理：让居民参与起来\n"
                  "建立议事会制度：每个社区每月召开一次居民议事会，讨论停车、绿化等日常事务。\n"
                  "推广积分激励：居民参加志愿服务可累计积分，兑换社区服务。\n"
                  "3.2养老服务：就近照护\n"
                  "发展社区食堂：在老旧小区改造中预留场地，为老年人提供午餐。\n",
    # two paragraphs of prose, no heading, item or table
    "prose_only": "本章讨论了城市更新中的几个难点。旧区改造往往牵涉多方利益，协调成本很高。\n\n"
                  "我们认为，改造方案应当在动工前充分听取居民意见，并公开资金来源和使用情况。\n",
    # a table whose clauses match no code of the shipped codebooks
    "no_code": "4.1校园生活\n表4.1.1校园生活建议\n方面 建议 效果\n"
               "食堂 增加素食窗口 学生满意\n宿舍 延长热水供应时段 住得舒服\n",
}


def measure_units(texts: list[str]) -> pd.DataFrame:
    """Coding units of measure clauses, one table row each (row_no 1, 2, …)."""
    from cqanalysis.coding import coding_units

    return coding_units(pd.DataFrame({
        "doc_id": "d", "table_id": "1", "row_no": range(1, len(texts) + 1),
        "field": "measure", "clause_no": 1, "text": texts,
    }))
