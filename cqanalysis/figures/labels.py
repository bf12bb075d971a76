"""Figure labels: zh/en/bilingual lookup in the shipped glossary, and wrapping by display width."""

from __future__ import annotations

import importlib.resources
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

import yaml

from ..core.text import display_width

__all__ = [
    "LANGS",
    "codebook_labels",
    "column_title",
    "display_width",
    "has_wide",
    "label",
    "load_glossary",
    "text_width_em",
    "translate",
    "wrap_label",
]

Lang = Literal["zh", "en", "both"]

#: Label languages: Chinese as in the source, English, or both (Chinese above English).
LANGS: tuple[str, ...] = ("zh", "en", "both")

# Characters that must not begin a line (closing punctuation) or end one (opening punctuation):
# the usual Chinese line-breaking rules (避头尾).
_NO_LINE_START = set("，。、；：！？）》」』】〕〉”’…—·%％,.;:!?)]}")
_NO_LINE_END = set("（《「『【〔〈“‘([{")
# Natural break points: after punctuation (and conjunctions, see below), or before an opening
# bracket or a conjunction.
_SOFT_BREAK_AFTER = set("，。、；：！？）》」』”’,.;:!?)")
_SOFT_BREAK_BEFORE = set("（《“(")
# Conjunctions that join the parts of a label (组织机构与职能配置), and the words in which the
# same characters are not conjunctions (社会参与与智力支持: the first 与 belongs to 参与).
_CONJUNCTIONS = set("与和及或")
_NOT_CONJUNCTION = frozenset({
    "参与", "给与", "赋与", "与会", "与其", "和谐", "和平", "总和", "缓和", "调和", "温和", "柔和",
    "以及", "涉及", "普及", "及时", "危及", "波及", "顾及", "或者", "或许",
})  # fmt: skip
# Characters that end a word (数字化, 复合型, 权威性, 城市群): no break just before them.
_WORD_END = set("化型性者率度式群")
# Cost of a line break inside a run of hanzi, by where it falls (see _inner_cost).
_WORD_BREAK = 4  # between two words of a long phrase, on a four-hanzi step
_ODD_PHRASE_BREAK = 12  # elsewhere in a phrase of odd length
_WEAK_BREAK = 50  # off the four-hanzi steps of an even phrase: maybe inside a word
_FORBIDDEN = 100  # inside a word; taken only when a word is wider than the line


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@cache
def _glossary() -> Mapping[str, str]:
    raw = (
        importlib.resources.files("cqanalysis")
        .joinpath("data", "glossary.yaml")
        .read_text(encoding="utf-8")
    )
    groups = yaml.safe_load(raw)
    merged: dict[str, str] = {}
    for group, entries in groups.items():
        if group == "columns":
            continue
        for zh, en in entries.items():
            key = _key(str(zh))
            if key in merged and merged[key] != str(en):
                raise ValueError(f"glossary: {zh!r} translated twice (group {group!r})")
            merged[key] = str(en)
    return MappingProxyType(merged)


@cache
def _columns() -> Mapping[str, Mapping[str, str]]:
    raw = (
        importlib.resources.files("cqanalysis")
        .joinpath("data", "glossary.yaml")
        .read_text(encoding="utf-8")
    )
    columns = yaml.safe_load(raw).get("columns", {})
    return MappingProxyType({str(k): MappingProxyType(dict(v)) for k, v in columns.items()})


def column_title(
    name: object, *, lang: Lang = "zh", labels: Mapping[str, str] | None = None
) -> str:
    """Heading for a column: known cqanalysis columns get their zh/en names, others translate.

    ``section_title`` becomes 领域 / Domain / "领域 / Domain"; a Chinese column name such as
    政策工具 goes through :func:`translate` (bilingual on one line, joined by " / ").
    """
    known = _columns().get(str(name))
    if known is None:
        return translate(name, lang=lang, labels=labels).replace("\n", " / ")
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    if lang == "both":
        return f"{known['zh']} / {known['en']}"
    return known[lang]


def load_glossary() -> dict[str, str]:
    """The shipped Chinese → English glossary (``cqanalysis/data/glossary.yaml``), merged.

    Keys are normalised (NFKC, whitespace removed), as :func:`translate` looks them up.
    """
    return dict(_glossary())


def translate(
    text: object,
    *,
    lang: Lang = "zh",
    labels: Mapping[str, str] | None = None,
) -> str:
    """Render a Chinese label in ``lang``.

    ``labels`` (e.g. a codebook's zh → en labels) is consulted before the glossary.  A label
    with no English entry stays Chinese for ``lang="en"`` and is shown once for ``"both"``:
    a figure keeps every category readable rather than dropping it.

    Parameters
    ----------
    text : object
        The label as it appears in the data (converted with ``str``).
    lang : {"zh", "en", "both"}
        ``"both"`` puts the Chinese above the English.
    labels : mapping, optional
        Extra translations, zh → en; they take precedence over the glossary.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    zh = str(text)
    if lang == "zh":
        return zh
    en = None
    if labels:
        en = labels.get(zh)
        if en is None:
            en = {_key(k): v for k, v in labels.items()}.get(_key(zh))
    if en is None:
        en = _glossary().get(_key(zh))
    if en is None or en == zh:
        return zh
    return en if lang == "en" else f"{zh}\n{en}"


def codebook_labels(codebooks: Iterable[Any] | None = None) -> dict[str, str]:
    """Chinese → English labels of codebooks (their titles and codes), for ``labels=``.

    Parameters
    ----------
    codebooks : iterable of Codebook, name or path, optional
        Default: the codebooks shipped with cqanalysis (:func:`cqanalysis.default_codebooks`).
        Names and paths are loaded with :func:`cqanalysis.load_codebook`.

    Returns
    -------
    dict
        ``{label_zh: label_en}``; when two codebooks label the same Chinese text
        differently, the first one wins.
    """
    from ..codebook import default_codebooks, load_codebook

    books = default_codebooks() if codebooks is None else [load_codebook(b) for b in codebooks]
    mapping: dict[str, str] = {}
    for book in books:
        mapping.setdefault(book.zh, book.en)
        for code in book.codes:
            mapping.setdefault(code.zh, code.en)
    return mapping


def _units(text: str) -> list[str]:
    """Split into unbreakable pieces: one hanzi each, Latin words whole, punctuation attached."""
    pieces: list[str] = []
    word = ""
    for char in text:
        wide = unicodedata.east_asian_width(char) in "WF"
        if char.isspace():
            if word:
                pieces.append(word)
                word = ""
            if pieces:
                pieces[-1] += " "
        elif wide:
            if word:
                pieces.append(word)
                word = ""
            pieces.append(char)
        else:
            word += char
    if word:
        pieces.append(word)
    merged: list[str] = []
    carry = ""
    for piece in pieces:
        if merged and piece[0] in _NO_LINE_START:
            merged[-1] += piece
        elif piece.rstrip() and piece.rstrip()[-1] in _NO_LINE_END:
            carry += piece
        else:
            merged.append(carry + piece)
            carry = ""
    if carry:
        merged.append(carry)
    return merged


def _fill(units: list[str], width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for unit in units:
        if line and display_width((line + unit).rstrip()) > width:
            lines.append(line.rstrip())
            line = unit
        else:
            line += unit
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _hanzi(unit: str) -> str:
    """The hanzi of a unit that is one hanzi (with any punctuation attached), else ``""``."""
    core = unit.strip().strip("".join(_NO_LINE_START | _NO_LINE_END))
    wide = len(core) == 1 and unicodedata.east_asian_width(core) in "WF"
    return core if wide and core not in _NO_LINE_START | _NO_LINE_END else ""


def _conjunctions(units: list[str]) -> set[int]:
    """Positions of units that are conjunctions joining two phrases of hanzi."""
    chars = [_hanzi(u) for u in units]
    found = set()
    for i in range(1, len(units) - 1):
        if chars[i] not in _CONJUNCTIONS or not (chars[i - 1] and chars[i + 1]):
            continue
        if chars[i - 1] + chars[i] in _NOT_CONJUNCTION:
            continue
        if chars[i] + chars[i + 1] in _NOT_CONJUNCTION:
            continue
        found.add(i)
    return found


def _separates(units: list[str], i: int, conj: set[int]) -> bool:
    """Whether the boundary before unit ``i`` lies between two phrases (not inside one)."""
    before, after = units[i - 1], units[i]
    return (
        not (_hanzi(before) and _hanzi(after))
        or i in conj
        or i - 1 in conj
        or before.endswith(" ")
        or before.rstrip()[-1:] in _SOFT_BREAK_AFTER
        or after[:1] in _SOFT_BREAK_BEFORE
    )


def _inner_cost(units: list[str], offset: int, length: int, i: int) -> int:
    """Cost of a break ``offset`` hanzi into a phrase of ``length`` hanzi (before unit ``i``).

    A phrase of up to four hanzi is taken as one word.  A longer one is taken as words of
    two and four hanzi (推动要素 / 自由流动), plus one of three when its length is odd
    (复合型 / 人才): breaks on a four-hanzi step from either end are preferred, other ones
    only where the length is odd, and a single hanzi is never left on either side.
    """
    if length <= 4 or offset < 2 or length - offset < 2 or _hanzi(units[i]) in _WORD_END:
        return _FORBIDDEN
    if _hanzi(units[i - 1]) in _WORD_END or offset % 4 == 0 or (length - offset) % 4 == 0:
        return _WORD_BREAK
    if length % 2:
        return _ODD_PHRASE_BREAK  # the three-hanzi word may be on either side
    # 公共|服务共建共享: a two-hanzi step that may split a four-hanzi word.
    return _WEAK_BREAK if offset % 2 == 0 else _FORBIDDEN


def _break_costs(units: list[str]) -> list[int]:
    """Cost of a line break before each unit (the first entry is unused).

    Free after punctuation, a space or a conjunction; 2 before a conjunction or an opening
    bracket; between hanzi of one phrase see :func:`_inner_cost`; 5 elsewhere (e.g. between
    a hanzi and a Latin word).
    """
    conj = _conjunctions(units)
    costs = [0] * len(units)
    run_start = 0
    for i in range(1, len(units) + 1):
        if i < len(units) and not _separates(units, i, conj):
            continue
        # units[run_start:i] is a phrase: price the breaks inside it.
        for j in range(run_start + 1, i):
            costs[j] = _inner_cost(units, j - run_start, i - run_start, j)
        if i == len(units):
            break
        before, after = units[i - 1], units[i]
        if i - 1 in conj or before.endswith(" ") or before.rstrip()[-1:] in _SOFT_BREAK_AFTER:
            costs[i] = 0
        elif i in conj or after[:1] in _SOFT_BREAK_BEFORE:
            costs[i] = 2
        else:
            costs[i] = 5
        run_start = i
    return costs


def _balanced(
    units: list[str], width: int, n_lines: int, costs: list[int], *, limit: int
) -> list[str] | None:
    """Split ``units`` into ``n_lines`` lines no wider than ``width``, as evenly as possible.

    Minimises the squared deviation of line widths from their mean (in hanzi) plus the cost
    of each break (:func:`_break_costs`), using only breaks that cost less than ``limit``
    (dynamic programming over break positions; labels are short).  ``None`` if impossible.
    """
    m = len(units)
    mean = display_width("".join(units).strip()) / n_lines
    inf = float("inf")
    # best[k][j]: cost of the first j units laid out in k lines; back[k][j]: previous break.
    best = [[inf] * (m + 1) for _ in range(n_lines + 1)]
    back = [[0] * (m + 1) for _ in range(n_lines + 1)]
    best[0][0] = 0.0
    for k in range(1, n_lines + 1):
        for j in range(1, m + 1):
            if j < m and costs[j] >= limit:
                continue  # no line may end here
            for i in range(j - 1, -1, -1):
                w = display_width("".join(units[i:j]).rstrip())
                if w > width and j - i > 1:
                    break
                if best[k - 1][i] == inf:
                    continue
                cost = best[k - 1][i] + ((mean - w) / 2) ** 2 + (costs[i] if i > 0 else 0)
                if cost < best[k][j]:
                    best[k][j], back[k][j] = cost, i
    if best[n_lines][m] == inf:
        return None
    lines: list[str] = []
    j = m
    for k in range(n_lines, 0, -1):
        i = back[k][j]
        lines.append("".join(units[i:j]).strip())
        j = i
    return lines[::-1]


def _lines(units: list[str], width: int) -> list[str]:
    """Lines of a paragraph: as few as breaking between words allows, then balanced."""
    lines = _fill(units, width)
    if len(lines) <= 1:
        return lines
    costs = _break_costs(units)
    # Up to two lines more than filling needs, to break between words; failing that, on
    # two-hanzi steps of long phrases.
    for limit in (_WEAK_BREAK, _FORBIDDEN):
        for n_lines in range(len(lines), len(lines) + 3):
            found = _balanced(units, width, n_lines, costs, limit=limit)
            if found is not None:
                return found
    # Some word is wider than the line: break inside words, as few times as possible.
    return _balanced(units, width, len(lines), costs, limit=_FORBIDDEN + 1) or lines


def wrap_label(text: str, width: int = 16) -> str:
    """Wrap a label to lines of at most ``width`` columns (a hanzi is 2 columns).

    Chinese has no spaces, and no dictionary is used: lines break after punctuation and the
    conjunctions 与、和、及、或 (not the 与 of 参与 or the 及 of 以及), and inside a longer
    phrase on a four-hanzi step (two two-hanzi words), so a word of up to four hanzi stays
    whole; never before closing or after opening punctuation, and Latin words are never
    split.  A label takes as few lines as that allows (at most two more than filling hanzi
    by hanzi would), balanced in length: 组织机构与职能配置 at ``width=10`` becomes
    组织机构与 / 职能配置 (not 组织机构与职 / 能配置), 推动要素自由流动与公共服务共建共享
    at ``width=16`` 推动要素 / 自由流动与 / 公共服务共建共享.  Only a word wider than the
    line itself is broken.  Existing line breaks are kept.
    """
    if width < 2:
        raise ValueError("width must be at least 2 columns")
    out: list[str] = []
    for paragraph in str(text).split("\n"):
        out.extend(_lines(_units(paragraph.strip()), width) or [""])
    return "\n".join(out)


def label(
    text: object,
    *,
    lang: Lang = "zh",
    labels: Mapping[str, str] | None = None,
    width: int | None = 16,
    latin_width: int | None = None,
) -> str:
    """Translate with :func:`translate`, then wrap each language with :func:`wrap_label`.

    ``width=None`` leaves the label unwrapped.  Text without hanzi (English) wraps at
    ``latin_width``, default 1.5 times ``width``: a Latin letter is about half a hanzi wide,
    but English labels run longer than their Chinese originals and would otherwise take
    twice the lines.
    """
    rendered = translate(text, lang=lang, labels=labels)
    if width is None:
        return rendered
    latin = latin_width if latin_width is not None else round(width * 1.5)
    return "\n".join(
        wrap_label(part, width if has_wide(part) else latin) for part in rendered.split("\n")
    )


def has_wide(text: str) -> bool:
    """Whether ``text`` has wide characters (hanzi, full-width punctuation)."""
    return any(unicodedata.east_asian_width(c) in "WF" for c in text)


def text_width_em(text: str) -> float:
    """Approximate width of one line in ems: a hanzi is 1 em, other characters about 0.55."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.55 for c in text)
