"""``start``/``end`` of rows, items, paragraphs and cells point into ``doc.text`` for every
source kind: the record's own text lies inside its span."""

from __future__ import annotations

import pytest

import cqanalysis as cq

from . import _make_sources as make


def _key(text: str) -> str:
    return "".join(str(text).split()).replace(",", "，").replace(":", "：")


def _check(doc: cq.Document) -> None:
    assert doc.text
    for _, row in doc.rows.iterrows():
        span = _key(doc.text[row["start"]:row["end"]])
        assert _key(row["measure"]) in span, (row["line"], span)
    for _, item in doc.items.iterrows():
        span = _key(doc.text[item["start"]:item["end"]])
        assert _key(item["title"]) in span, (item["line"], span)
    assert doc.rows["start"].is_monotonic_increasing


def test_seed_text_rows_and_items_point_into_the_plain_text(seed):
    _check(seed)
    first = seed.rows.iloc[0]
    # row 1 of 表5.1.1, written out by hand from the seed (cells joined by single spaces)
    assert seed.text[first["start"]:first["end"]] == (
        "区域观念强化 树立“一盘棋”思想,摒弃“行政区经济” 促进大局意识,减少地方保护")
    body = seed.paragraphs[seed.paragraphs["kind"] == "conclusion"].iloc[0]
    assert seed.text[body["start"]:body["end"]].strip().startswith(body["text"][:10])


@pytest.mark.parametrize("maker", [make.make_seed_docx, make.make_seed_pdf])
def test_word_and_pdf_sources_point_into_their_plain_text(tmp_path, maker):
    doc = cq.parse(maker(tmp_path / ("seed" + (".docx" if "docx" in maker.__name__ else ".pdf"))))
    assert len(doc.rows) == 29
    _check(doc)


def test_markdown_and_other_tables(tmp_path):
    doc = cq.parse_text("# 二、建议\n\n| 风险 | 影响 |\n|---|---|\n| 数据泄露 | 高 |\n",
                        markdown=True)
    cell = doc.cells[doc.cells["text"] == "数据泄露"].iloc[0]
    assert "数据泄露" in doc.text[cell["start"]:cell["end"]]
