"""Property tests: random and mutated documents never crash the parser or lose a line."""

from __future__ import annotations

import os
import warnings
from collections import Counter

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import cqanalysis as cq
from cqanalysis.parse import ParseWarning
from cqanalysis.parse.accounting import line_owners

from .conftest import FIXTURES, SEED_PATH

SEED_LINES = SEED_PATH.read_text(encoding="utf-8").split("\n")
NOISE = ["", "  ", "44", "- 45 -", "第45页", "45/60", "浏览", "续表5.2.1", "表9.9.9 无表之题",
         "优化方向 具体建议 预期成效", "\t\t续\t", "| a | b |", "|---|---|", "\x00", "\f",
         "一是", "(一)", "5.7", "第七章", "x" * 5000, "甲 乙 丙 丁 戊 己", "：", "表"]


def _nonblank(text: str) -> set[int]:
    # a leading byte-order mark is the encoding's signature, not text on line 1
    text = text.removeprefix("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return {n for n, line in enumerate(lines, 1)
            if line.replace("\f", "").strip() and not line.replace("\f", "").isspace()}


def _check(text: str, *, markdown: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ParseWarning)
        doc = cq.parse_text(text, doc_id="fuzz", markdown=markdown)
    claims = Counter(line_owners(doc)["line"].tolist())
    assert set(claims) == _nonblank(text)
    assert all(count == 1 for count in claims.values()), claims
    try:
        cq.parse_text(text, doc_id="fuzz", markdown=markdown, strict=True)
    except cq.ParseError as exc:
        assert exc.line in claims


mutated_seed = st.lists(
    st.one_of(st.sampled_from(SEED_LINES), st.sampled_from(NOISE),
              st.sampled_from(SEED_LINES).map(lambda s: s[: len(s) // 2]),
              st.sampled_from(SEED_LINES).map(lambda s: s.replace(" ", "\t"))),
    max_size=60,
).map("\n".join)

random_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400
)

settings.register_profile("ci", deadline=None,
                          max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")


@given(text=mutated_seed, markdown=st.booleans())
def test_mutated_seed_keeps_line_accounting(text, markdown):
    _check(text, markdown=markdown)


@given(text=random_text, markdown=st.booleans())
def test_random_unicode_never_crashes(text, markdown):
    _check(text, markdown=markdown)


@given(lines=st.permutations(SEED_LINES))
def test_shuffled_seed_keeps_line_accounting(lines):
    _check("\n".join(lines), markdown=False)


LAYOUT_LINES = (FIXTURES / "parse" / "seed_layout.txt").read_text(encoding="utf-8").split("\n")


@given(lines=st.lists(st.one_of(st.sampled_from(LAYOUT_LINES), st.sampled_from(NOISE)),
                      max_size=60))
def test_mutated_layout_text_keeps_line_accounting(lines):
    _check("\n".join(lines), markdown=False)


_CJK = st.text(alphabet="城乡区域协同治理机制平台服务数据资源", min_size=1, max_size=14)


@given(rows=st.lists(st.tuples(_CJK, _CJK, _CJK), min_size=1, max_size=6),
       width=st.integers(min_value=3, max_value=8))
def test_generated_fixed_width_table_gives_back_its_cells(rows, width):
    # a three-column table typed in display width; cells longer than ``width`` characters
    # wrap under their own column, top-aligned.  One cell of each row fits its line: when
    # every cell wraps, the wrapped line is full and no geometry tells it from a new row
    assume(all(min(len(c) for c in cells) <= width for cells in rows))
    from cqanalysis.core.text import display_width

    starts = (0, 2 * width + 4, 4 * width + 8)

    def line(parts: tuple[str, ...]) -> str:
        out = ""
        for start, part in zip(starts, parts, strict=True):
            if part:
                out += " " * (start - display_width(out)) + part
        return out

    lines = ["表1.1 测试", line(("方向", "措施", "成效"))]
    for cells in rows:
        chunks = [[c[i:i + width] for i in range(0, len(c), width)] for c in cells]
        for k in range(max(len(c) for c in chunks)):
            lines.append(line(tuple(c[k] if k < len(c) else "" for c in chunks)))
    doc = cq.parse_text("\n".join(lines) + "\n", doc_id="gen")
    got = doc.rows[["direction", "measure", "outcome"]].values.tolist()
    assert got == [list(r) for r in rows]
