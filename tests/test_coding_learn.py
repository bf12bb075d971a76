"""cq.tidy_codings (answers one row per unit → tidy codings) and the learning loop at the root."""

from __future__ import annotations

import pandas as pd
import pytest

import cqanalysis as cq
from cqanalysis import learn

KEY = ["doc_id", "row_no", "field", "clause_no"]


def _wide() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("d", 1, "measure", 1, "supply.organisation", "supply.organisation；environment.law"),
            ("d", 1, "outcome", 1, "efficiency.capacity", None),
            ("d", 2, "measure", 1, "none", " environment.fiscal "),
        ],
        columns=[*KEY, "A", "B"],
    )


def test_tidy_codings_one_row_per_unit_coder_code():
    wide = _wide()
    before = wide.copy()
    tidy = cq.tidy_codings(wide, coders=["A", "B"], key=KEY)
    pd.testing.assert_frame_equal(wide, before)  # input untouched
    assert list(tidy.columns) == [*KEY, "coder", "codebook", "code"]
    rows = [
        tuple(r)
        for r in tidy[["row_no", "field", "coder", "codebook", "code"]].itertuples(index=False)
    ]
    assert rows == [
        (1, "measure", "A", "instruments", "supply.organisation"),
        (1, "measure", "B", "instruments", "supply.organisation"),
        (1, "measure", "B", "instruments", "environment.law"),
        (1, "outcome", "A", "outcomes", "efficiency.capacity"),
        # a blank cell is "not coded": no row; "none" goes to the codebook of the field
        (2, "measure", "A", "instruments", "none"),
        (2, "measure", "B", "instruments", "environment.fiscal"),
    ]


def test_tidy_codings_feeds_agreement():
    tidy = cq.tidy_codings(_wide(), coders=["A", "B"], key=KEY)
    report = cq.agreement_report(tidy, codebooks=[cq.load_codebook("instruments")])
    overall = report.query("scope == 'overall'").iloc[0]
    # two measure units; A and B differ on both (extra law on unit 1, none vs fiscal on 2)
    assert overall["n_units"] == 2
    assert overall["percent_agreement"] == 0


def test_tidy_codings_other_separator_and_errors():
    wide = pd.DataFrame({"u": [1], "field": ["measure"], "A": ["demand.pilot;demand.market"]})
    tidy = cq.tidy_codings(wide, coders=["A"], key=["u", "field"], sep=";")
    assert list(tidy["code"]) == ["demand.pilot", "demand.market"]
    with pytest.raises(ValueError, match=r"'demand\.lottery' of coder 'A'"):
        cq.tidy_codings(wide.assign(A="demand.lottery"), coders=["A"], key=["u", "field"])
    with pytest.raises(ValueError, match="no column"):
        cq.tidy_codings(wide, coders=["B"], key=["u"])


def test_learning_loop_at_the_root():
    assert cq.keyword_patch is learn.keyword_patch
    assert cq.extend_codebook is learn.extend_codebook
    assert "tidy_codings" in cq.__all__ and "keyword_patch" in dir(cq)
