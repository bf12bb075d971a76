"""Shared test fixtures: paths and the parsed seed chapter."""

from __future__ import annotations

from pathlib import Path

import pytest

import cqanalysis as cq

ROOT = Path(__file__).resolve().parents[1]
SEED_PATH = ROOT / "data" / "raw" / "城市群跨区域行政体制协同_对策建议.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED_PATH


@pytest.fixture(scope="session")
def seed() -> cq.Document:
    """The bundled seed chapter, parsed once per test session."""
    return cq.parse(SEED_PATH)
