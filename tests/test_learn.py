"""Machine-versus-human agreement, keyword suggestions from human codes, coverage summaries."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

import cqanalysis as cq
from cqanalysis.codebook import Codebook, load_codebook
from cqanalysis.coding import code_units
from cqanalysis.codingsheet import SHEET_CODING
from cqanalysis.learn import (
    FIRST_PASS_NOTE,
    coverage_summary,
    extend_codebook,
    keyword_patch,
    machine_agreement,
    suggest_keywords,
)

from .conftest import measure_units

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "coding" / "clauses.csv"


def test_registered_at_top_level():
    assert cq.suggest_keywords is suggest_keywords
    assert cq.machine_agreement is machine_agreement
    assert cq.coverage_summary is coverage_summary


def test_machine_agreement_counts_by_hand():
    texts = ["设立区域协同发展基金", "建设人才公寓", "推进轨道交通建设", "树立一盘棋思想"]
    units = measure_units(texts)
    coded = code_units(units, "instruments")
    # the machine: fiscal (基金); public services (公寓); infrastructure (轨道); guidance
    human = pd.DataFrame(
        {
            "unit_id": units["unit_id"].repeat([1, 1, 2, 1]).to_numpy(),
            "code": [
                "environment.fiscal",
                "supply.public_services",
                "supply.infrastructure",
                "environment.planning",
                "none",
            ],
        }
    )
    result = machine_agreement(coded, human)
    micro = result.summary.set_index("scope").loc["micro"]
    # tp: fiscal, services, infrastructure = 3; fp: guidance on unit 4 = 1; fn: planning = 1
    assert (micro["tp"], micro["fp"], micro["fn"]) == (3, 1, 1)
    assert micro["precision"] == pytest.approx(0.75)
    assert micro["f1"] == pytest.approx(0.75)
    assert micro["coverage_machine"] == 1.0 and micro["coverage_human"] == 0.75
    family = result.summary.set_index("scope").loc["family"]
    # supply 2/2, environment: fiscal ok, planning→environment on unit 3 missed, guidance extra
    assert (family["tp"], family["fp"], family["fn"]) == (3, 1, 1)
    per = result.per_code.set_index("code")
    assert per.loc["environment.planning", ["n_human", "n_machine", "fn"]].tolist() == [1, 0, 1]
    assert per.loc["environment.fiscal", "kappa"] == pytest.approx(1.0)
    assert math.isnan(per.loc["demand.pilot", "precision"])
    dis = result.disagreements
    assert dis["unit_id"].tolist() == [units["unit_id"][2], units["unit_id"][3]]
    assert dis["missed"].tolist() == ["environment.planning", ""]
    assert dis["extra"].tolist() == ["", "environment.guidance"]
    assert "micro P=0.75" in repr(result)


def test_machine_agreement_joined_codes_and_text_key():
    units = measure_units(["设立区域协同发展基金", "建设人才公寓"])
    coded = code_units(units, "instruments")
    human = pd.DataFrame(
        {
            "text": ["设立区域协同发展基金", "建设人才公寓"],
            "gold": ["environment.fiscal；environment.coordination", "supply.public_services"],
        }
    )
    result = machine_agreement(coded.drop(columns="unit_id"), human, codes="gold")
    assert result.summary["fn"].iloc[0] == 1  # coordination is not named by any keyword
    assert result.disagreements["text"].tolist() == ["设立区域协同发展基金"]


def _without(book: Codebook, removed: list[str]) -> Codebook:
    return replace(
        book,
        codes=tuple(
            replace(c, keywords=tuple(k for k in c.keywords if k not in removed)) for c in book
        ),
    )


def test_suggest_keywords_recovers_removed_keywords():
    # chosen before running: keywords of several codes that the fixture uses at least twice
    removed = ["合力", "联动", "远程", "补助", "轨道", "一卡通", "程序", "协作", "试点", "采购"]
    stripped = _without(load_codebook("instruments"), removed)
    data = pd.read_csv(FIXTURE)
    got = suggest_keywords(data, stripped, codes="gold")
    recovered = set(got["keyword"]) & set(removed)
    assert len(recovered) >= len(removed) / 2, got
    row = got[got["keyword"] == "轨道"].iloc[0]
    # 轨道 is in three fixture clauses, all infrastructure, and no other keyword catches them
    assert (row["code"], row["n_units"], row["n_other"], row["n_missed"]) == (
        "supply.infrastructure",
        3,
        0,
        3,
    )
    assert row["precision"] == 1.0
    # the suggestions close the gaps they were learnt from
    before = machine_agreement(
        code_units(measure_units(list(data["text"])), stripped),
        measure_units(list(data["text"])).assign(gold=data["gold"].to_numpy()),
        codebook=stripped,
        codes="gold",
    )
    better = extend_codebook(stripped, got)
    after = machine_agreement(
        code_units(measure_units(list(data["text"])), better),
        measure_units(list(data["text"])).assign(gold=data["gold"].to_numpy()),
        codebook=better,
        codes="gold",
    )
    assert after.summary["recall"].iloc[0] > before.summary["recall"].iloc[0]


def test_keyword_patch_is_reviewable_yaml():
    import yaml

    frame = pd.DataFrame(
        {
            "codebook": ["instruments"] * 2,
            "code": ["supply.infrastructure"] * 2,
            "keyword": ["轨道", "快线"],
            "n_missed": [3, 2],
            "n_units": [3, 2],
            "n_other": [0, 1],
            "precision": [1.0, 2 / 3],
            "recall": [0.2, 0.1],
        }
    )
    text = keyword_patch(frame)
    assert "- 快线  # precision 0.67, recall 0.10, n 2/2/1" in text
    assert yaml.safe_load(text) == {
        "codes": [{"id": "supply.infrastructure", "keywords": ["轨道", "快线"]}]
    }
    book = extend_codebook("instruments", frame)
    # 轨道 is already a keyword and is not repeated; 快线 is appended
    old = load_codebook("instruments")["supply.infrastructure"].keywords
    assert book["supply.infrastructure"].keywords == (*old, "快线")
    with pytest.raises(ValueError, match="no code nothing"):
        extend_codebook("instruments", frame.assign(code="nothing"))


def test_suggest_keywords_from_coding_sheets(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    books = [load_codebook("instruments")]
    units = measure_units(["加密环线", "建成环线", "建设城际铁路", "推行政府采购"])
    sheet = tmp_path / "a.xlsx"
    cq.write_coding_sheet(units, books, sheet)
    wb = openpyxl.load_workbook(sheet)
    ws = wb[SHEET_CODING]
    header = [c.value for c in ws[1]]
    col = header.index("instruments") + 1
    for row, code in zip(
        range(2, 6), ["supply.infrastructure"] * 3 + ["demand.procurement"], strict=True
    ):
        ws.cell(row=row, column=col, value=code)
    wb.save(sheet)
    got = suggest_keywords(sheet, "instruments", min_units=2)
    # 环线 is no keyword yet; it is the only gram both missed clauses share
    assert got["keyword"].tolist() == ["环线"]
    assert got[["n_missed", "n_units", "n_other"]].values.tolist() == [[2, 2, 0]]


def test_coverage_summary():
    units = measure_units(["设立区域协同发展基金", "今天天气很好"])
    coded = code_units(units, ["instruments", "levels"])
    table = coverage_summary(coded, codebooks=["instruments", "levels"])
    assert table[["codebook", "n_units", "n_coded"]].values.tolist() == [
        ["instruments", 2, 1],
        ["levels", 2, 0],
    ]
    assert table["coverage"].tolist() == [0.5, 0.0]
    assert (table["note"] == FIRST_PASS_NOTE).all()
