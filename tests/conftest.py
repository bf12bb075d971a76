"""Shared test fixtures: paths and the parsed seed chapter."""

from __future__ import annotations

from pathlib import Path

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
