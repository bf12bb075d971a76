"""Codebooks: the shipped defaults, loading by name or path, and validation errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cqanalysis.codebook import (
    KNOWN_FIELDS,
    Codebook,
    default_codebooks,
    load_codebook,
    match_key,
)
from cqanalysis.core.errors import CodebookError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "codebooks"
PACKAGE = Path(__file__).resolve().parents[1] / "cqanalysis"


def test_defaults_are_the_three_shipped_codebooks():
    books = default_codebooks()
    assert [b.name for b in books] == ["instruments", "outcomes", "levels"]
    assert [b.zh for b in books] == ["政策工具", "预期成效维度", "治理层级与主体"]
    assert books[0].fields == ("measure", "item")
    assert books[1].fields == ("outcome", "item")
    assert books[2].fields == ("measure", "item")
    # parsed once, then shared (codebooks are immutable)
    assert load_codebook("instruments") is books[0]


def test_instruments_follow_rothwell_and_zegveld():
    book = load_codebook("instruments")
    assert [c.id for c in book.children(None)] == ["supply", "environment", "demand"]
    assert [c.zh for c in book.children(None)] == ["供给型工具", "环境型工具", "需求型工具"]
    sub = {c.id for c in book if c.depth == 2}
    assert {
        "supply.organisation",
        "supply.personnel",
        "supply.information",
        "supply.public_services",
        "environment.law",
        "environment.planning",
        "environment.fiscal",
        "environment.coordination",
        "demand.market",
    } <= sub
    assert any("Rothwell" in r and "1985" in r for r in book.references)
    assert "supply" in book.rationale and "demand" in book.rationale


def test_outcomes_and_levels_cover_the_required_dimensions():
    outcomes = load_codebook("outcomes")
    assert [c.id for c in outcomes.children(None)] == [
        "coordination",
        "efficiency",
        "equity",
        "rule_of_law",
        "green",
        "security",
        "development",
    ]
    levels = load_codebook("levels")
    ids = {c.id for c in levels}
    assert {"central", "provincial", "agglomeration", "municipal", "cross_body"} <= ids


@pytest.mark.parametrize("book", default_codebooks(), ids=lambda b: b.name)
def test_every_shipped_codebook_is_documented(book):
    assert len(book.rationale) > 200
    assert book.references
    assert book.version
    for code in book:
        assert code.zh and code.en and code.description
        assert set(code.fields) <= set(KNOWN_FIELDS)
        if not book.children(code.id):
            assert code.keywords or code.regex, code.id


def test_hierarchy_helpers():
    book = load_codebook("instruments")
    assert book["environment.fiscal"].parent == "environment"
    assert book["environment.fiscal"].depth == 2
    assert book.ancestors("environment.fiscal") == ("environment", "environment.fiscal")
    assert book.at_depth("environment.fiscal", 1) == "environment"
    assert book.at_depth("environment.fiscal", 5) == "environment.fiscal"
    assert book.at_depth("demand", 2) == "demand"
    assert "demand.market" in book and "nothing" not in book
    with pytest.raises(KeyError, match="nothing"):
        book["nothing"]
    assert book["supply.organisation"].label("en") == "Organisation, functions and authority"


def test_to_frame():
    frame = load_codebook("levels").to_frame()
    assert list(frame.columns) == [
        "codebook",
        "code",
        "parent",
        "depth",
        "label_zh",
        "label_en",
        "description",
        "fields",
        "keywords",
        "regex",
        "exclude",
        "context",
    ]
    row = frame.set_index("code").loc["cross_body"]
    assert row["parent"] == "regional"
    assert row["depth"] == 2
    assert row["fields"] == "measure；item"
    assert row["keywords"].startswith("协调机构；协调委员会；领导小组")


def test_load_by_name_and_by_path_agree():
    by_name = load_codebook("outcomes")
    by_path = load_codebook(PACKAGE / "codebooks" / "outcomes.yaml")
    by_str = load_codebook(str(PACKAGE / "codebooks" / "outcomes.yaml"))
    assert by_name.codes == by_path.codes == by_str.codes
    assert load_codebook(by_name) is by_name


def test_user_codebook():
    book = load_codebook(FIXTURES / "good.yaml")
    assert book.name == "toy"
    assert book.version == "0.1"
    assert book.references == ("Nobody (2024). A toy.",)
    assert book["T.data"].exclude == ("数据壁垒",)
    assert book["P"].fields == ("measure",)
    assert book["T.data"].fields == ("measure", "outcome")
    assert [c.id for c in book.applies_to("outcome")] == ["T.data", "T.platform"]


def test_from_dict_and_name_from_file_stem(tmp_path):
    data = {
        "zh": "小",
        "en": "Small",
        "fields": ["item"],
        "codes": [{"id": "x", "zh": "叉", "en": "X", "keywords": ["Ｘ 光"]}],
    }
    with pytest.raises(CodebookError, match="'name' must be a non-empty string"):
        Codebook.from_dict(data)
    book = Codebook.from_dict({"name": "small", **data})
    assert book.name == "small"
    assert book["x"].keywords == ("x光",)
    path = tmp_path / "mine.yaml"
    text = "zh: 小\nen: Small\nfields: [item]\ncodes:\n  - {id: x, zh: 叉, en: X, keywords: [叉]}\n"
    path.write_text(text, encoding="utf-8")
    assert load_codebook(path).name == "mine"


@pytest.mark.parametrize(
    ("fixture", "code", "reason"),
    [
        ("duplicate_id.yaml", "a", "duplicate id"),
        ("unknown_parent.yaml", "stray", "unknown parent 'nowhere'"),
        ("empty_keywords.yaml", "root.hollow", "leaf code has no keywords or regex"),
        ("bad_regex.yaml", "broken", "bad regex '跨(区域|行政区'"),
        ("unknown_field.yaml", "b", "unknown field 'measures'"),
        ("parent_cycle.yaml", "a", "parent cycle"),
        ("unknown_key.yaml", "a", "unknown key(s) 'exclusions'"),
        ("numeric_id.yaml", None, "'id' must be a string (got 1.1; quote numeric ids)"),
        ("missing_label.yaml", "b", "missing or empty 'en' label"),
        ("empty_regex.yaml", "a", "matches the empty string"),
        ("not_yaml.yaml", None, "not valid YAML"),
        ("not_mapping.yaml", None, "must be a YAML mapping"),
    ],
)
def test_invalid_codebooks(fixture, code, reason):
    path = FIXTURES / fixture
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    err = info.value
    assert err.path == str(path)
    assert err.code == code
    assert reason in err.reason
    assert fixture in str(err)
    if code is not None:
        assert repr(code) in str(err)


def test_missing_file_and_unknown_name(tmp_path):
    with pytest.raises(CodebookError, match="no such file"):
        load_codebook(tmp_path / "absent.yaml")
    with pytest.raises(CodebookError, match="shipped: instruments, outcomes, levels"):
        load_codebook("instrument")


def test_duplicate_labels_rejected():
    data = {
        "zh": "重",
        "en": "Dup",
        "fields": ["measure"],
        "codes": [
            {"id": "a", "zh": "同", "en": "A", "keywords": ["甲"]},
            {"id": "b", "zh": "同", "en": "B", "keywords": ["乙"]},
        ],
    }
    with pytest.raises(CodebookError, match="zh label '同' also used by 'a'") as info:
        Codebook.from_dict(data, path="mem.yaml")
    assert info.value.code == "b"


def test_match_key():
    assert match_key("ＰＰＰ 模式") == "ppp模式"
    assert match_key(" 打破 数据\u3000壁垒 ") == "打破数据壁垒"
    assert match_key(None) == ""


def test_analysis_modules_import_light():
    # pandas/numpy only at import; yaml and scipy load when first needed
    code = (
        "import sys; import cqanalysis.clauses, cqanalysis.codebook, cqanalysis.coding, "
        "cqanalysis.crosstabs, cqanalysis.links; "
        "print(sorted(m for m in ('scipy', 'yaml', 'matplotlib', 'openpyxl') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
