"""Agreement statistics against published worked examples and the ``krippendorff`` package."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest

from cqanalysis.agreement import (
    agreement_report,
    alpha_bootstrap,
    coding_matrix,
    cohen_kappa,
    disagreements,
    krippendorff_alpha,
    percent_agreement,
)

NA = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: reliability data
# of 4 observers (A-D) × 12 units with missing values, written as in the publication
# (observers as rows) and transposed to our units × coders orientation.
K2011_OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],  # A
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],  # B
    [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],  # C
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],  # D
]
K2011 = pd.DataFrame(np.array(K2011_OBSERVERS).T, columns=list("ABCD"))


def test_krippendorff_2011_nominal():
    # By hand: unit 12 has one value and is not pairable; 40 pairable values with
    # n_1..n_5 = 9, 13, 10, 5, 3. Disagreeing coincidences (both directions): unit 2 (2,2,2,3)
    # 2·1, unit 6 (1,2,3,4) 12·1/3, unit 8 (1,1,2,1) 2·1 → 8.
    # α = 1 − (n−1)·8 / (n² − Σn_c²) = 1 − 39·8 / (1600 − 384).
    alpha = krippendorff_alpha(K2011, level="nominal")
    assert alpha == pytest.approx(1 - 39 * 8 / 1216)
    assert round(alpha, 3) == 0.743  # the published value


@pytest.mark.parametrize(
    ("level", "published"), [("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]
)
def test_krippendorff_2011_other_levels(level, published):
    assert round(krippendorff_alpha(K2011, level=level), 3) == published


def test_nominal_alpha_does_not_depend_on_labels():
    labels = K2011.apply(lambda col: col.map({1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}))
    assert krippendorff_alpha(labels) == pytest.approx(1 - 39 * 8 / 1216)
    # With the order given, ordinal labels behave like the numbers 1..5.
    order = ["一", "二", "三", "四", "五"]
    assert round(krippendorff_alpha(labels, level="ordinal", values=order), 3) == 0.815


def test_krippendorff_2011_binary_two_observers():
    # Section A of Krippendorff (2011): binary data, two observers, 10 units; α = 0.095.
    # By hand: 4 disagreeing units (o_01 = 4), n_0 = 14, n_1 = 6, α = 1 − 19·4/(14·6).
    ben = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    gerry = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    alpha = krippendorff_alpha(np.array([ben, gerry]).T)
    assert alpha == pytest.approx(1 - 19 * 4 / 84)
    assert round(alpha, 3) == 0.095
    # Cohen's κ on the same data: p_o = 6/10, p_e = .2·.4 + .8·.6 = .56, κ = .04/.44.
    assert cohen_kappa(ben, gerry) == pytest.approx(0.04 / 0.44)


def _two_by_two(yes_yes: int, yes_no: int, no_yes: int, no_no: int) -> tuple[list, list]:
    a = ["yes"] * (yes_yes + yes_no) + ["no"] * (no_yes + no_no)
    b = ["yes"] * yes_yes + ["no"] * yes_no + ["yes"] * no_yes + ["no"] * no_no
    return a, b


@pytest.mark.parametrize(
    ("table", "kappa"),
    [
        # Wikipedia "Cohen's kappa": 50 grant proposals, p_o = .7, p_e = .5·.6 + .5·.4 = .5.
        ((20, 5, 10, 15), 0.4),
        # Same article, equal agreement (60/100) but different κ: p_e = .54 and .46.
        ((45, 15, 25, 15), 0.06 / 0.46),
        ((25, 35, 5, 35), 0.14 / 0.54),
    ],
)
def test_cohen_kappa_textbook(table, kappa):
    a, b = _two_by_two(*table)
    assert cohen_kappa(a, b) == pytest.approx(kappa)
    assert cohen_kappa(b, a) == pytest.approx(kappa)


def test_cohen_kappa_degenerate_cases():
    # Both coders used one and the same category: p_e = 1, κ = 0/0.
    assert math.isnan(cohen_kappa(["S1"] * 4, ["S1"] * 4))
    # Each used a single, different category: p_o = p_e = 0.
    assert cohen_kappa(["S1"] * 4, ["S2"] * 4) == 0.0
    # No unit coded by both.
    assert math.isnan(cohen_kappa(["S1", None], [None, "S1"]))
    assert math.isnan(cohen_kappa([], []))
    # Only pairwise-complete units count: units 1 and 2 agree, p_e = (1·1 + 1·1)/4.
    assert cohen_kappa([1, 2, NA, 1], [1, 2, 1, None]) == 1.0
    with pytest.raises(ValueError, match="equal length"):
        cohen_kappa([1, 2], [1])


def test_alpha_degenerate_cases():
    # No variation among pairable values: D_e = 0.
    assert math.isnan(krippendorff_alpha([[1, 1], [1, 1], [2, NA]]))
    # No unit coded by two coders.
    assert math.isnan(krippendorff_alpha([[1, NA], [NA, 2]]))
    assert math.isnan(krippendorff_alpha([[1], [2]]))
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha([[1, 2]], level="circular")
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha([["a", "b"], ["a", "a"]], level="interval")
    with pytest.raises(ValueError, match="non-negative"):
        krippendorff_alpha([[-1, 2], [1, 1]], level="ratio")
    with pytest.raises(ValueError, match="not in values"):
        krippendorff_alpha([["a", "b"]], values=["a"])


def test_percent_agreement_krippendorff_2011():
    # Per pairable unit, share of agreeing coder pairs: units 2 and 8 have 3 of 6 pairs,
    # unit 6 none, the other 8 pairable units all: (8 + .5 + .5 + 0) / 11.
    assert percent_agreement(K2011) == pytest.approx(9 / 11)
    # Two coders: the plain share of units both coded on which they agree.
    assert percent_agreement([[1, 1], [1, 2], [2, 2], [3, NA]]) == pytest.approx(2 / 3)
    assert math.isnan(percent_agreement([[1, NA]]))


def test_alpha_matches_krippendorff_package_on_random_data():
    rng = np.random.default_rng(20240501)
    compared = 0
    for trial in range(60):
        n_units = int(rng.integers(3, 25))
        n_coders = int(rng.integers(2, 6))
        n_values = int(rng.integers(2, 6))
        # Ratio data includes 0 so that the (c − k)/(c + k) = 0/0 case is exercised.
        data = rng.integers(0, n_values, size=(n_units, n_coders)).astype(float)
        data[rng.random(data.shape) < rng.uniform(0, 0.4)] = np.nan
        level = ("nominal", "ordinal", "interval", "ratio")[trial % 4]
        ours = krippendorff_alpha(data, level=level)
        pairable = (~np.isnan(data)).sum(axis=1) >= 2
        if len(np.unique(data[pairable][~np.isnan(data[pairable])])) < 2:
            assert math.isnan(ours)
            continue
        theirs = krippendorff.alpha(data.T, level_of_measurement=level)
        assert ours == pytest.approx(theirs, abs=1e-12), (trial, level)
        compared += 1
    assert compared >= 50


def test_alpha_bootstrap_is_reproducible():
    first = alpha_bootstrap(K2011, n_boot=200, seed=7)
    again = alpha_bootstrap(K2011, n_boot=200, seed=7)
    other = alpha_bootstrap(K2011, n_boot=200, seed=8)
    assert first.equals(again)
    assert not first.equals(other)
    assert first["alpha"] == pytest.approx(1 - 39 * 8 / 1216)
    assert first["n_units"] == 11
    assert first["ci_low"] <= first["alpha"] <= first["ci_high"] <= 1.0
    none = alpha_bootstrap(K2011, n_boot=0)
    assert math.isnan(none["ci_low"]) and math.isnan(none["ci_high"])


def test_alpha_bootstrap_perfect_agreement_interval():
    # Every replicate with variation has α = 1; replicates of one value only are undefined
    # and left out.
    data = [[1, 1], [2, 2], [3, 3], [1, 1]]
    boot = alpha_bootstrap(data, n_boot=100, seed=1)
    assert (boot["alpha"], boot["ci_low"], boot["ci_high"]) == (1.0, 1.0, 1.0)


def _coding_frame() -> pd.DataFrame:
    # Coder A: u1 {S1}, u2 {S1, S2}, u3 {S2}, u4 none applies.
    # Coder B: u1 {S1}, u2 {S1}, u3 {S2}, u4 not coded.
    rows = [
        ("u1", "A", "S1"), ("u2", "A", "S1"), ("u2", "A", "S2"), ("u3", "A", "S2"),
        ("u4", "A", "none"), ("u1", "B", "S1"), ("u2", "B", "S1"), ("u3", "B", "S2"),
    ]  # fmt: skip
    return pd.DataFrame(
        {
            "doc_id": "d",
            "clause_no": [int(r[0][1]) for r in rows],
            "coder": [r[1] for r in rows],
            "codebook": "instrument",
            "code": [r[2] for r in rows],
        }
    )


def test_coding_matrix_sets_and_presence():
    data = _coding_frame()
    overall = coding_matrix(data)
    assert list(overall.columns) == ["A", "B"]
    assert list(overall.index) == [("d", 1), ("d", 2), ("d", 3), ("d", 4)]
    # "none" (no code applies) is the empty set, as a missing code in the coded frame is
    assert overall["A"].tolist() == ["S1", "S1|S2", "S2", ""]
    assert overall["B"].tolist()[:3] == ["S1", "S1", "S2"]
    assert pd.isna(overall.loc[("d", 4), "B"])
    s2 = coding_matrix(data, code="S2")
    assert s2["A"].tolist() == [0.0, 1.0, 1.0, 0.0]
    assert s2["B"].tolist()[:3] == [0.0, 0.0, 1.0]
    assert math.isnan(s2.loc[("d", 4), "B"])
    assert data.equals(_coding_frame())  # input untouched


def test_coding_matrix_needs_a_codebook_when_several():
    data = pd.concat([_coding_frame(), _coding_frame().assign(codebook="outcome")])
    with pytest.raises(ValueError, match="codebook="):
        coding_matrix(data)
    assert coding_matrix(data, codebook="outcome").shape == (4, 2)


def test_coding_matrix_missing_key_values_form_units():
    data = pd.DataFrame(
        {
            "table_id": ["5.1.1", None, None, "5.1.1"],
            "row_no": [1, 2, 2, 1],
            "coder": ["A", "A", "B", "B"],
            "codebook": "c",
            "code": ["x", "y", "y", "x"],
        }
    )
    matrix = coding_matrix(data)
    assert matrix.shape == (2, 2)
    assert matrix.to_numpy().tolist() == [["x", "x"], ["y", "y"]]


def test_agreement_report_by_hand():
    codebooks = {"instrument": [("S1", "组织建设", "organisation"), ("S2", "法规", "law"),
                                ("S3", "财政", "fiscal")]}  # fmt: skip
    report = agreement_report(_coding_frame(), codebooks=codebooks, n_boot=50, seed=3)
    # "none" (no code applies) is not a code: it is the empty set of the overall scope
    assert report["scope"].tolist() == ["overall", "code", "code", "code"]
    assert report["code"].tolist()[1:] == ["S1", "S2", "S3"]
    rows = report.set_index(report["code"].fillna("*"))
    assert rows.loc["S1", "label_zh"] == "组织建设"
    assert (rows["n_units"] == 3).all() and (rows["n_coders"] == 2).all()
    # S1 present/absent: u1 (1,1) u2 (1,1) u3 (0,0): perfect agreement with variation.
    assert rows.loc["S1", ["percent_agreement", "kappa", "alpha"]].tolist() == [1.0, 1.0, 1.0]
    assert rows.loc["S1", "n_assigned"] == 4
    # S2: u1 (0,0) u2 (1,0) u3 (1,1). κ: p_o = 2/3, chance = 2·1 + 1·2 over 9 → (6−4)/(9−4).
    # α: n_0 = n_1 = 3, o_01 = 1 → 1 − 5·1/9.
    s2 = rows.loc["S2"]
    assert s2["percent_agreement"] == pytest.approx(2 / 3)
    assert s2["kappa"] == pytest.approx(2 / 5)
    assert s2["alpha"] == pytest.approx(4 / 9)
    assert s2["alpha_ci_low"] <= s2["alpha_ci_high"]
    # Overall on code sets: u1 (S1,S1) u2 (S1|S2,S1) u3 (S2,S2).
    # κ: p_o = 2/3, chance = 1·2 + 1·0 + 1·1 → (6−3)/(9−3).
    # α: n = (S1 3, S1|S2 1, S2 2), one disagreeing pair → 1 − 5·2/(36 − 14).
    overall = rows.loc["*"]
    assert overall["percent_agreement"] == pytest.approx(2 / 3)
    assert overall["kappa"] == pytest.approx(0.5)
    assert overall["alpha"] == pytest.approx(1 - 10 / 22)
    assert overall["n_assigned"] == 7
    # S3 unused: no variation, α and κ undefined.
    for code in ("S3",):
        assert rows.loc[code, "percent_agreement"] == 1.0
        assert math.isnan(rows.loc[code, "alpha"]) and math.isnan(rows.loc[code, "kappa"])
    assert rows.loc["S3", "n_assigned"] == 0
    again = agreement_report(_coding_frame(), codebooks=codebooks, n_boot=50, seed=3)
    pd.testing.assert_frame_equal(report, again)


def test_agreement_report_three_coders_has_no_kappa():
    data = pd.concat([_coding_frame(), _coding_frame().query("coder == 'A'").assign(coder="C")])
    report = agreement_report(data, n_boot=0)
    assert report["kappa"].isna().all()
    assert (report["n_coders"] == 3).all()
    # S1 present/absent: u1 (1,1,1) u2 (1,1,1) u3 (0,0,0), u4 (0,·,0).
    s1 = report.set_index("code").loc["S1"]
    assert s1["alpha"] == 1.0 and s1["n_units"] == 4


def test_disagreements_table():
    units = pd.DataFrame({"doc_id": "d", "clause_no": [1, 2, 3, 4], "text": list("甲乙丙丁")})
    table = disagreements(_coding_frame(), units=units)
    assert table.columns.tolist() == ["doc_id", "clause_no", "codebook", "coder", "codes", "text"]
    # Only u2 differs; u4 was coded by A alone.
    assert table.to_dict("records") == [
        {"doc_id": "d", "clause_no": 2, "codebook": "instrument", "coder": "A",
         "codes": "S1; S2", "text": "乙"},
        {"doc_id": "d", "clause_no": 2, "codebook": "instrument", "coder": "B",
         "codes": "S1", "text": "乙"},
    ]  # fmt: skip
    agreeing = _coding_frame().query("clause_no != 2")
    assert disagreements(agreeing).empty


def test_sheet_none_agrees_with_an_uncoded_dictionary_unit():
    sheet = pd.DataFrame(
        {
            "clause_no": [1, 1],
            "coder": ["student", "dictionary"],
            "codebook": "levels",
            "code": ["none", None],
        }
    )
    matrix = coding_matrix(sheet)
    assert matrix.loc[1].tolist() == ["", ""]


def test_no_function_mutates_its_input():
    frame = _coding_frame()
    before = frame.copy(deep=True)
    matrix = pd.DataFrame({"A": [1, 2, NA, "x"], "B": [1, 3, 2, None]}, dtype=object)
    matrix_before = matrix.copy(deep=True)
    units = pd.DataFrame({"doc_id": "d", "clause_no": [1, 2, 3, 4], "text": list("abcd")})
    units_before = units.copy(deep=True)
    coding_matrix(frame, code="S1")
    agreement_report(frame, n_boot=5)
    disagreements(frame, units=units)
    krippendorff_alpha(matrix)
    alpha_bootstrap(matrix, n_boot=5)
    percent_agreement(matrix)
    cohen_kappa(matrix["A"], matrix["B"])
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(matrix, matrix_before)
    pd.testing.assert_frame_equal(units, units_before)
