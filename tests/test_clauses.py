"""Clauses: splitting measure and outcome cells into atomic clauses."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqanalysis.clauses import CLAUSE_SEPARATORS, explode_clauses, split_clauses
from cqanalysis.core.schema import FRAME_COLUMNS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("促进大局意识,减少地方保护", ["促进大局意识", "减少地方保护"]),
        ("促进沟通,形成共识,及时解决问题", ["促进沟通", "形成共识", "及时解决问题"]),
        # 、 lists objects inside one clause
        ("推行权力、责任、负面清单", ["推行权力、责任、负面清单"]),
        # full-width separators, a full stop, surrounding space (incl. U+3000) trimmed
        ("提升效率， 降低成本；形成合力。", ["提升效率", "降低成本", "形成合力"]),
        ("甲;乙", ["甲", "乙"]),
        ("\u3000甲\u3000,乙 ", ["甲", "乙"]),
        # empty pieces dropped
        ("甲,,乙,", ["甲", "乙"]),
        (",;。", []),
        ("", []),
        # a separator inside quotation marks or brackets does not split
        ("避免“议而不决,决而不行”,推动实际工作", ["避免“议而不决,决而不行”", "推动实际工作"]),
        ("实施《城市群发展规划，2021》,落实责任", ["实施《城市群发展规划，2021》", "落实责任"]),
        ("设立基金（财政出资,社会参与）,共享收益", ["设立基金（财政出资,社会参与）", "共享收益"]),
        # quotes that close before the comma change nothing
        ("避免“议而不决”,推动实际工作", ["避免“议而不决”", "推动实际工作"]),
        # an unclosed quote is an ordinary character and cannot swallow the cell
        ("树立“一盘棋思想,摒弃行政区经济", ["树立“一盘棋思想", "摒弃行政区经济"]),
    ],
)
def test_split_clauses(text, expected):
    assert split_clauses(text) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA])
def test_split_clauses_missing(missing):
    assert split_clauses(missing) == []


def test_split_clauses_custom_separators():
    assert split_clauses("甲、乙,丙", separators="、") == ["甲", "乙,丙"]


@given(st.text(alphabet="甲乙丙、,，;；。 ", max_size=30))
def test_split_clauses_loses_only_separators(text):
    clauses = split_clauses(text)
    assert all(c and c == c.strip() for c in clauses)
    assert not any(ch in CLAUSE_SEPARATORS for c in clauses for ch in c)
    keep = "".join(ch for ch in text if ch not in CLAUSE_SEPARATORS and ch != " ")
    assert "".join(clauses).replace(" ", "") == keep


# Clause counts per table, counted by hand from the seed's six tables (lines 8–82).
MEASURE_PER_TABLE = {"5.1.1": 7, "5.2.1": 7, "5.3.1": 7, "5.4.1": 9, "5.5.1": 9, "5.6.1": 7}
OUTCOME_PER_TABLE = {"5.1.1": 8, "5.2.1": 11, "5.3.1": 10, "5.4.1": 9, "5.5.1": 10, "5.6.1": 7}


def test_seed_clause_counts(seed):
    clauses = explode_clauses(seed.rows)
    assert (clauses["field"] == "measure").sum() == 46
    assert (clauses["field"] == "outcome").sum() == 55
    per_table = clauses.groupby(["field", "table_id"]).size()
    assert per_table["measure"].to_dict() == MEASURE_PER_TABLE
    assert per_table["outcome"].to_dict() == OUTCOME_PER_TABLE


def test_seed_clause_text_and_order(seed):
    clauses = explode_clauses(seed.rows)
    assert list(clauses.columns[:6]) == list(FRAME_COLUMNS["clauses"])
    first = clauses[(clauses["table_id"] == "5.1.1") & (clauses["row_no"] == 1)]
    assert first[["field", "clause_no", "text"]].values.tolist() == [
        ["measure", 1, "树立“一盘棋”思想"],
        ["measure", 2, "摒弃“行政区经济”"],
        ["outcome", 1, "促进大局意识"],
        ["outcome", 2, "减少地方保护"],
    ]
    row = clauses[(clauses["table_id"] == "5.2.1") & (clauses["row_no"] == 2)]
    assert row["text"].tolist() == [
        "赋予规划、项目审批、政策协调、利益平衡等权限",
        "避免“议而不决”",
        "推动实际工作",
    ]
    # one clause, although it names four kinds of infrastructure
    row = clauses[(clauses["table_id"] == "5.4.1") & (clauses["row_no"] == 2)]
    assert row.loc[row["field"] == "measure", "text"].tolist() == [
        "建设城际铁路、高速公路、轨道交通等互联网络"
    ]


def test_seed_clauses_join_back_to_domain_and_direction(seed):
    clauses = explode_clauses(seed.rows)
    for col in ("section_no", "section_title", "direction", "line"):
        assert col in clauses.columns
    flow = clauses[clauses["direction"] == "要素自由流动"]
    assert set(flow["section_no"]) == {"5.4"}
    assert set(flow["section_title"]) == {"推动要素自由流动与公共服务共建共享"}
    assert flow["line"].tolist() == [50, 50, 50]
    keyed = clauses.merge(seed.rows, on=["doc_id", "table_id", "row_no"], how="left")
    assert keyed["measure"].notna().all()


def test_explode_does_not_mutate_and_keeps_row_order():
    rows = pd.DataFrame(
        {
            "doc_id": ["d", "d"],
            "table_id": ["1.1", "1.1"],
            "row_no": [2, 1],
            "measure": ["乙,丙", None],
            "outcome": ["丁", ""],
        }
    )
    before = rows.copy()
    out = explode_clauses(rows)
    pd.testing.assert_frame_equal(rows, before)
    assert out[["row_no", "field", "clause_no", "text"]].values.tolist() == [
        [2, "measure", 1, "乙"],
        [2, "measure", 2, "丙"],
        [2, "outcome", 1, "丁"],
    ]


def test_explode_fields_option_and_errors():
    rows = pd.DataFrame(
        {"doc_id": ["d"], "table_id": ["1.1"], "row_no": [1], "measure": ["甲,乙"], "goal": ["丙"]}
    )
    out = explode_clauses(rows, fields=("goal",))
    assert out[["field", "text"]].values.tolist() == [["goal", "丙"]]
    with pytest.raises(ValueError, match="outcome"):
        explode_clauses(rows)


def test_explode_empty_rows_keeps_columns():
    rows = pd.DataFrame(
        {
            "doc_id": pd.Series([], dtype="str"),
            "table_id": pd.Series([], dtype="str"),
            "row_no": pd.Series([], dtype="int64"),
            "measure": pd.Series([], dtype="str"),
            "outcome": pd.Series([], dtype="str"),
        }
    )
    out = explode_clauses(rows)
    assert out.empty
    assert list(out.columns) == list(FRAME_COLUMNS["clauses"])
    assert out["clause_no"].dtype == "int64"
