"""Cross-tabulations, co-occurrence and the chi-square test."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cqanalysis.clauses import explode_clauses
from cqanalysis.coding import code_units, coding_units
from cqanalysis.crosstabs import (
    Chi2Result,
    SmallExpectedWarning,
    chi2_test,
    cooccurrence,
    crosstab,
)

from .conftest import SEED_SECTION_TITLES

DOMAINS = SEED_SECTION_TITLES

# Top-level instruments of the measure clauses per domain, counted by hand from the hand coding
# in test_coding.MEASURES (a clause with two codes under one top-level type counts once):
# supply, environment, demand.  (Codebook 2.0: 明确权责边界 is organisation and law, so the
# first domain has 6 environmental clauses, not 5.)
DOMAIN_X_INSTRUMENT = [[3, 6, 0], [4, 3, 0], [0, 7, 0], [4, 4, 2], [7, 2, 0], [5, 2, 2]]
# Table rows (recommendations) using each top-level instrument at least once.
ROWS_X_INSTRUMENT = [[3, 3, 0], [3, 2, 0], [0, 5, 0], [3, 2, 1], [5, 2, 0], [4, 2, 1]]


@pytest.fixture(scope="module")
def coded(seed):
    return code_units(coding_units(explode_clauses(seed.rows), seed.items))


def test_domain_by_instrument_counts(coded):
    tab = crosstab(coded, index="domain", columns="instrument", depth=1)
    assert tab.index.name == "领域" and tab.columns.name == "政策工具"
    assert list(tab.index) == [*DOMAINS, "合计"]
    assert list(tab.columns) == ["供给型工具", "环境型工具", "需求型工具", "合计"]
    body = tab.iloc[:-1, :-1].to_numpy().tolist()
    assert body == DOMAIN_X_INSTRUMENT
    assert tab["合计"].tolist() == [9, 7, 7, 10, 9, 9, 51]
    assert tab.loc["合计"].tolist() == [23, 24, 4, 51]
    assert (tab.dtypes == "int64").all()


def test_presence_counts_rows_once(coded):
    tab = crosstab(
        coded, index="domain", columns="instrument", depth=1, values="presence", by="row"
    )
    assert tab.iloc[:-1, :-1].to_numpy().tolist() == ROWS_X_INSTRUMENT
    # margins count recommendations, not cells: every table has 4 or 5 rows, 29 in all
    assert tab["合计"].tolist() == [4, 5, 5, 5, 5, 5, 29]
    assert tab.loc["合计"].tolist() == [18, 16, 2, 29]


def test_normalize_and_english_labels(coded):
    row = crosstab(coded, index="domain", columns="instrument", depth=1, normalize="row")
    assert row.loc["政府职能转变"].tolist() == [3 / 9, 6 / 9, 0.0, 1.0]
    assert np.allclose(row.iloc[:, :-1].sum(axis=1), 1.0)
    col = crosstab(coded, index="domain", columns="instrument", depth=1, normalize="column")
    assert col.loc["合计"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert col.loc["信息共享与智慧协同", "供给型工具"] == 7 / 23
    share = crosstab(coded, index="domain", columns="instrument", depth=1, normalize="all")
    assert share.loc["合计", "合计"] == 1.0
    assert share.loc["法律法规与政策体系完善", "环境型工具"] == 7 / 51
    en = crosstab(coded, index="domain", columns="instrument", depth=1, labels="en")
    assert en.index.name == "Domain" and en.columns.name == "Policy instruments"
    assert list(en.columns) == [
        "Supply-side instruments",
        "Environmental instruments",
        "Demand-side instruments",
        "Total",
    ]
    ids = crosstab(coded, index="domain", columns="instrument", depth=1, labels="id", margins=False)
    assert list(ids.columns) == ["supply", "environment", "demand"]
    assert ids.columns.name == "instrument"


def test_leaf_codes_follow_codebook_order(coded):
    tab = crosstab(coded, index="instrument", columns="domain", margins=False, labels="id")
    # codes never used on the seed (procurement, pilots) are left out; order is the codebook's
    assert list(tab.index) == [
        "supply.organisation",
        "supply.personnel",
        "supply.information",
        "supply.infrastructure",
        "supply.public_services",
        "environment.law",
        "environment.planning",
        "environment.fiscal",
        "environment.coordination",
        "environment.oversight",
        "environment.guidance",
        "demand.market",
        "demand.participation",
    ]
    # supply.organisation: 5.1 rows 2 and 3, 5.2 rows 1 (two clauses), 2 and 4
    assert tab.loc["supply.organisation"].tolist() == [2, 4, 0, 0, 0, 0]


def test_instrument_by_outcome_cooccurrence(coded):
    pairs = cooccurrence(coded, depth=1)
    assert pairs.index.name == "政策工具" and pairs.columns.name == "预期成效维度"
    # demand codes occur in 5.4.1 row 1 (two measure clauses; outcome: coordination) and
    # 5.6.1 row 5 (two clauses; outcome: efficiency and capacity)
    assert pairs.loc["需求型工具"].tolist() == [2, 2, 0, 0, 0, 0, 0]
    rows = cooccurrence(coded, depth=1, values="presence", margins=True)
    assert rows.loc["需求型工具"].to_dict() == {
        "协同与一体化": 1,
        "效能与能力": 1,
        "公平与共享": 0,
        "法治与问责": 0,
        "绿色发展": 0,
        "安全与信任": 0,
        "发展与创新": 0,
        "合计": 2,
    }
    # green development is expected only of 5.4.1 row 5, whose two clauses are coordination
    assert rows["绿色发展"].tolist() == [0, 1, 0, 1]
    assert rows.loc["合计", "合计"] == 29
    # auto: codes from two fields meet at the row
    assert crosstab(coded, index="instrument", columns="outcome", depth=1).attrs["by"] == "row"


def test_symmetric_cooccurrence(coded):
    mat = cooccurrence(
        coded, rows="outcome", columns="outcome", values="presence", depth=1, labels="id"
    )
    assert (mat.to_numpy() == mat.to_numpy().T).all()
    # rows whose outcomes include green development: only 5.4.1 row 5
    assert mat.loc["green", "green"] == 1
    assert mat.loc["security", "security"] == 1  # 5.5.1 row 5


def test_three_way_layer(coded):
    tab = crosstab(
        coded, index="instrument", columns="outcome", layer="domain", depth=1, margins=False
    )
    assert tab.index.names == ["领域", "政策工具"]
    law = tab.loc["法律法规与政策体系完善"]
    # every 5.3 measure is environmental; rule of law is expected by row 1 (two measure
    # clauses × two outcome clauses) and row 2 (one × one, 促进规则统一): 4 + 1 pairs
    assert list(law.index) == ["环境型工具"]
    assert law.loc["环境型工具", "法治与问责"] == 5
    flow = tab.loc["推动要素自由流动与公共服务共建共享"]
    assert flow.loc["需求型工具"].sum() == 2


def test_document_variables(seed):
    one = code_units(explode_clauses(seed.rows))
    two = one.assign(doc_id="other", unit_id="other:" + one["unit_id"])
    both = pd.concat([one, two], ignore_index=True)
    documents = pd.DataFrame({"doc_id": [seed.doc_id, "other"], "year": [2021, 2023]})
    tab = crosstab(both, index="year", columns="instrument", depth=1, documents=documents)
    assert tab.index.tolist() == [2021, 2023, "合计"]
    assert tab.loc[2021].tolist() == [23, 24, 4, 51]
    assert tab.loc["合计"].tolist() == [46, 48, 8, 102]
    # documents keep corpus order (order of appearance, or the documents frame's order)
    by_doc = crosstab(both, index="document", columns="instrument", depth=1, margins=False)
    assert by_doc.index.tolist() == [seed.doc_id, "other"]
    by_doc = crosstab(
        both,
        index="document",
        columns="instrument",
        depth=1,
        margins=False,
        documents=documents.iloc[::-1],
    )
    assert by_doc.index.tolist() == ["other", seed.doc_id]


def test_direction_and_errors(coded):
    tab = crosstab(coded, index="direction", columns="outcome", depth=1, margins=False)
    assert tab.index[0] == "区域观念强化"  # order of appearance
    assert len(tab) == 29
    with pytest.raises(ValueError, match="unknown variable 'weather'"):
        crosstab(coded, index="weather", columns="instrument")
    with pytest.raises(ValueError, match="normalize"):
        crosstab(coded, index="domain", columns="instrument", normalize="rows")
    with pytest.raises(ValueError, match="values"):
        crosstab(coded, index="domain", columns="instrument", values="sum")


def test_codebook_name_and_field_pair(coded):
    items = crosstab(coded, index="section", columns=("instruments", "item"), depth=1)
    assert items.index.tolist()[:-1] == ["5.1", "5.2", "5.3", "5.4", "5.5", "5.6"]
    all_fields = crosstab(coded, index="field", columns="instruments", depth=1, margins=False)
    assert all_fields.index.tolist() == ["item", "measure"]
    assert all_fields.loc["measure"].tolist() == [23, 24, 4]


def test_input_not_mutated(coded):
    before = coded.copy(deep=True)
    documents = pd.DataFrame({"doc_id": [coded["doc_id"].iloc[0]], "year": [2021.0]})
    documents_before = documents.copy(deep=True)
    crosstab(coded, index="domain", columns="outcome", depth=1)
    crosstab(
        coded,
        index="year",
        columns="instrument",
        layer="field",
        normalize="row",
        values="presence",
        documents=documents,
    )
    cooccurrence(coded, depth=1, values="presence", margins=True)
    table = crosstab(coded, index="domain", columns="instrument", depth=1)
    table_before = table.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallExpectedWarning)
        chi2_test(table)
        chi2_test(coded, index="domain", columns="instrument", depth=1)
    pd.testing.assert_frame_equal(coded, before)
    pd.testing.assert_frame_equal(documents, documents_before)
    pd.testing.assert_frame_equal(table, table_before)
    assert table.attrs == table_before.attrs


def test_presence_shares_do_not_depend_on_margins(coded):
    # 政府职能转变 has 4 recommendations; 3 use supply and 3 environment instruments
    # (ROWS_X_INSTRUMENT), so 3/4 of its recommendations use each, whether or not the
    # margins are shown.
    options = dict(index="domain", columns="instrument", depth=1, values="presence", by="row")
    shown = crosstab(coded, normalize="row", **options)
    hidden = crosstab(coded, normalize="row", margins=False, **options)
    assert shown.loc["政府职能转变"].tolist() == [0.75, 0.75, 0.0, 1.0]
    assert hidden.loc["政府职能转变"].tolist() == [0.75, 0.75, 0.0]
    pd.testing.assert_frame_equal(hidden, shown.iloc[:-1, :-1], check_names=False)
    # 18 of the 29 recommendations use a supply instrument, 3 of them in each of the first two
    column = crosstab(coded, normalize="column", margins=False, **options)
    assert column["供给型工具"].tolist()[:2] == [3 / 18, 3 / 18]
    share = crosstab(coded, normalize="all", margins=False, **options)
    assert share.loc["政府职能转变", "供给型工具"] == pytest.approx(3 / 29)


def test_document_variable_with_missing_value(seed):
    one = code_units(explode_clauses(seed.rows))
    two = one.assign(doc_id="other", unit_id="other:" + one["unit_id"])
    both = pd.concat([one, two], ignore_index=True)
    # the year of "other" is unknown: the column is float, and that document is left out
    documents = pd.DataFrame({"doc_id": [seed.doc_id, "other"], "year": [2021, None]})
    tab = crosstab(both, index="year", columns="instrument", depth=1, documents=documents)
    assert [str(v) for v in tab.index] == ["2021", "合计"]
    assert tab.loc[2021].tolist() == [23, 24, 4, 51]
    assert tab.loc["合计"].tolist() == [23, 24, 4, 51]
    assert (tab.dtypes == "int64").all()


def test_crosstab_needs_a_coded_frame(coded):
    with pytest.raises(ValueError, match=r"lacks column.*codebook"):
        crosstab(coded.drop(columns="codebook"), index="domain", columns="instrument")
    with pytest.raises(ValueError, match=r"lacks column.*field"):
        crosstab(coded.drop(columns="field"), index="domain", columns="instrument", depth=1)


def test_chi2_published_example():
    # Agresti (2007), An Introduction to Categorical Data Analysis, 2nd ed., Tables 2.5 and
    # 2.10: party identification by gender.  X² = 30.07 (df 2); adjusted residuals for
    # females 4.50, 0.70, −5.32.
    table = pd.DataFrame(
        [[762, 327, 468], [484, 239, 477]],
        index=["female", "male"],
        columns=["Democrat", "Independent", "Republican"],
    )
    res = chi2_test(table)
    assert isinstance(res, Chi2Result)
    pearson = res.stats.set_index("test").loc["pearson"]
    assert round(pearson["statistic"], 2) == 30.07
    assert pearson["dof"] == 2
    assert pearson["pval"] < 1e-6
    assert res.residuals.loc["female"].round(2).tolist() == [4.50, 0.70, -5.32]
    assert res.residuals.loc["male"].round(2).tolist() == [-4.50, -0.70, 5.32]
    # expected female Democrats: 1557 × 1246 / 2757
    assert res.expected.loc["female", "Democrat"] == pytest.approx(1557 * 1246 / 2757)
    assert list(res.stats["test"]) == ["pearson"]
    assert res.observed.equals(table)


def test_fisher_for_two_by_two_and_small_expected_warning():
    # Fisher's lady tasting tea: 3 of 4 cups right; exact two-sided p = 34/70 = 0.486.
    tea = pd.DataFrame([[3, 1], [1, 3]], index=["milk", "tea"], columns=["milk", "tea"])
    with pytest.warns(SmallExpectedWarning, match="4 of 4 expected counts are below 5"):
        res = chi2_test(tea)
    stats = res.stats.set_index("test")
    assert list(stats.index) == ["pearson", "yates", "fisher"]
    assert stats.loc["fisher", "pval"] == pytest.approx(34 / 70)
    assert stats.loc["fisher", "statistic"] == pytest.approx(9.0)  # odds ratio 3·3 / 1·1
    assert stats.loc["pearson", "statistic"] == pytest.approx(2.0)
    assert stats.loc["yates", "statistic"] == pytest.approx(0.5)
    assert (res.expected.to_numpy() == 2.0).all()


def test_chi2_on_coded_data(coded):
    with pytest.warns(SmallExpectedWarning):
        res = chi2_test(coded, index="domain", columns="instrument", depth=1)
    assert res.observed.to_numpy().tolist() == DOMAIN_X_INSTRUMENT
    assert res.stats.loc[0, "n"] == 51
    # margins of a crosstab result are stripped before testing
    tab = crosstab(coded, index="domain", columns="instrument", depth=1)
    with pytest.warns(SmallExpectedWarning):
        again = chi2_test(tab)
    pd.testing.assert_frame_equal(again.stats, res.stats)
    with pytest.raises(ValueError, match="normalized"):
        chi2_test(crosstab(coded, index="domain", columns="instrument", normalize="row"))
    with pytest.raises(ValueError, match="one layer"):
        chi2_test(crosstab(coded, index="domain", columns="outcome", layer="instrument"))


def test_chi2_strips_margins_of_a_table_read_back_from_csv(tmp_path):
    # The tea table with the margins a crosstab CSV carries: X² = 4 · (1 − 2)² / 2 = 2 on
    # n = 8; testing the margins as data would double n.
    for total in ("合计", "Total"):
        table = pd.DataFrame(
            [[3, 1, 4], [1, 3, 4], [4, 4, 8]],
            index=["milk", "tea", total],
            columns=["milk", "tea", total],
        )
        table.to_csv(tmp_path / "t.csv")
        back = pd.read_csv(tmp_path / "t.csv", index_col=0)
        assert back.attrs == {}
        with pytest.warns(SmallExpectedWarning):
            res = chi2_test(back)
        pearson = res.stats.set_index("test").loc["pearson"]
        assert pearson["statistic"] == pytest.approx(2.0)
        assert pearson["n"] == 8
        assert res.observed.shape == (2, 2)


def test_chi2_drops_empty_categories_and_rejects_degenerate_tables():
    table = pd.DataFrame([[10, 0, 20], [30, 0, 40], [0, 0, 0]], columns=["a", "b", "c"])
    res = chi2_test(table)
    assert res.observed.shape == (2, 2)
    with pytest.raises(ValueError, match="2×2"):
        chi2_test(pd.DataFrame([[1, 2, 3]]))
    with pytest.raises(ValueError, match="non-negative"):
        chi2_test(pd.DataFrame([[1, -2], [3, 4]]))


@pytest.mark.parametrize(
    "cells",
    [[[3, 1], [1, 3]], [[0, 5], [9, 2]], [[12, 7], [4, 30]], [[1, 0], [0, 0]], [[8, 2], [1, 5]]],
)
def test_two_by_two_agrees_with_scipy(cells):
    from scipy import stats as sps

    table = pd.DataFrame(cells)
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    if table.shape != (2, 2):
        with pytest.raises(ValueError):
            chi2_test(table)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallExpectedWarning)
        got = chi2_test(table).stats.set_index("test")
    odds, p_exact = sps.fisher_exact(table.to_numpy())
    assert got.loc["fisher", "pval"] == pytest.approx(p_exact, rel=1e-9)
    assert got.loc["fisher", "statistic"] == pytest.approx(odds)
    for test, correction in (("pearson", False), ("yates", True)):
        chi2, pval, _, _ = sps.chi2_contingency(table.to_numpy(), correction=correction)
        assert got.loc[test, "statistic"] == pytest.approx(chi2)
        assert got.loc[test, "pval"] == pytest.approx(pval)


def test_user_codebook_beside_the_defaults(seed):
    toy = Path(__file__).resolve().parent / "fixtures" / "codebooks" / "good.yaml"
    clauses = explode_clauses(seed.rows)
    both = pd.concat([code_units(clauses), code_units(clauses, toy)], ignore_index=True)
    # toy codes on the seed, by hand: 数据 in 运用大数据 (5.1), four 5.5 measures (two with a
    # platform) and two 5.5 outcomes (打破数据壁垒 is excluded); 人才/干部 in five 5.6
    # measures, one of them also a platform (人才引进平台)
    tab = crosstab(both, index="domain", columns="toy", depth=1, codebooks=[toy], labels="id")
    assert tab.to_dict("index") == {
        "政府职能转变": {"T": 1, "P": 0, "Total": 1},
        "信息共享与智慧协同": {"T": 6, "P": 0, "Total": 6},
        "人才队伍建设": {"T": 1, "P": 5, "Total": 6},
        "Total": {"T": 8, "P": 5, "Total": 13},
    }


def _exact_chi2_p(table: np.ndarray) -> float:
    """Exact p-value of Pearson's X² by enumerating every 2×3 table with the same margins."""
    from itertools import product
    from math import factorial, prod

    rows, cols = table.sum(axis=1), table.sum(axis=0)
    n = int(table.sum())
    exp = np.outer(rows, cols) / n

    def x2(t: np.ndarray) -> float:
        return float(((t - exp) ** 2 / exp).sum())

    observed = x2(table)
    total = 0.0
    for a, b in product(range(int(cols[0]) + 1), range(int(cols[1]) + 1)):
        c = int(rows[0]) - a - b
        if not 0 <= c <= cols[2]:
            continue
        t = np.array([[a, b, c], [cols[0] - a, cols[1] - b, cols[2] - c]])
        weight = (prod(factorial(int(v)) for v in (*rows, *cols))
                  / (factorial(n) * prod(factorial(int(v)) for v in t.ravel())))
        if x2(t) >= observed - 1e-9:
            total += weight
    return total


@pytest.mark.parametrize("permuted_limit", [20_000_000, 0], ids=["permuted", "patefield"])
def test_monte_carlo_p_for_sparse_tables_matches_exact_enumeration(monkeypatch, permuted_limit):
    import cqanalysis.crosstabs as ct

    monkeypatch.setattr(ct, "_PERMUTED_CELLS", permuted_limit)
    table = pd.DataFrame([[4, 0, 1], [0, 3, 2]], index=["甲", "乙"], columns=["a", "b", "c"])
    # enumerated by hand-checkable brute force above: the exact conditional p-value
    exact = _exact_chi2_p(table.to_numpy())
    with pytest.warns(SmallExpectedWarning, match="Monte Carlo p-value"):
        stats = chi2_test(table).stats
    assert stats["test"].tolist() == ["pearson", "monte_carlo"]
    mc = stats.set_index("test").loc["monte_carlo"]
    assert mc["simulations"] == 10_000
    assert abs(mc["pval"] - exact) < 0.02  # 4 standard errors of a 10,000-draw estimate
    # seeded: a rebuild gives the same p-value; another seed a slightly different one
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallExpectedWarning)
        again = chi2_test(table).stats.set_index("test").loc["monte_carlo", "pval"]
        other = chi2_test(table, seed=1).stats.set_index("test").loc["monte_carlo", "pval"]
        none = chi2_test(table, simulate=0).stats
    assert again == mc["pval"] and other != mc["pval"]
    assert none["test"].tolist() == ["pearson"]


def test_every_test_row_and_localised_notes_reach_the_analysis(seed):
    import re

    import cqanalysis as cq

    tests = cq.analyse(seed).tests
    rows = tests[tests["crosstab"] == "domain_x_instrument"]
    # 6 domains × 3 instrument types, 50 codes: all 18 expected counts are below 5
    assert rows["test"].tolist() == ["pearson", "monte_carlo"]
    note_zh = rows["note_zh"].iloc[0]
    assert note_zh.startswith("18个期望频数中有18个小于5")
    assert "蒙特卡洛" in note_zh
    assert re.search(r"[A-Za-z]", re.sub(r"p值", "", note_zh)) is None
    assert rows["note"].iloc[0].startswith("18 of 18 expected counts are below 5")


def test_analysis_rolls_codes_up_once_for_every_crosstab_and_figure(seed, monkeypatch):
    import cqanalysis as cq
    import cqanalysis.coding as coding
    from cqanalysis.analysis import CROSSTABS, code_network, flows, measure_instruments

    calls = []
    real = coding.rollup
    monkeypatch.setattr(coding, "rollup", lambda coded, **kw: calls.append(kw["depth"])
                        or real(coded, **kw))
    analysis = cq.analyse(seed)
    assert calls == [1]  # domain × instrument type and instrument × outcome share it
    measure_instruments(analysis), flows(analysis), code_network(analysis, depth=1)
    moved = analysis.with_sources({"doc": "elsewhere/doc.txt"})  # as a build sets them
    assert moved.sources == {"doc": "elsewhere/doc.txt"} and analysis.sources == {}
    measure_instruments(moved), flows(moved)
    assert calls == [1]
    monkeypatch.setattr(coding, "rollup", real)
    # the same tables crosstab(depth=1) gives on the leaf codes
    for name, spec in CROSSTABS.items():
        expected = crosstab(analysis.coded, codebooks=analysis.codebooks, **spec.options)
        pd.testing.assert_frame_equal(analysis.crosstabs[name], expected)
    # a caller's changes to its copy reach no other caller
    first = cq.rolled_codings(analysis, depth=1)
    first.loc[0, "code"] = "changed"
    assert cq.rolled_codings(analysis, depth=1).loc[0, "code"] != "changed"
