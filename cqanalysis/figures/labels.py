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
# Natural break points: after punctuation and conjunctions, or before a conjunction.
_SOFT_BREAK_AFTER = set("，。、；：！？）》」』”’,.;:!?)与和及或")
_SOFT_BREAK_BEFORE = set("与和及或（《“(")


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


def _break_penalty(before: str, after: str) -> int:
    """Cost of a line break between two units: free after punctuation or a conjunction."""
    if before.rstrip()[-1:] in _SOFT_BREAK_AFTER or before.endswith(" "):
        return 0
    if after[:1] in _SOFT_BREAK_BEFORE:
        return 2
    return 5


def _balanced(units: list[str], width: int, n_lines: int) -> list[str]:
    """Split ``units`` into ``n_lines`` lines no wider than ``width``, as evenly as possible.

    Minimises the squared deviation of line widths from their mean (in hanzi) plus a penalty
    for breaks inside a phrase (dynamic programming over break positions; labels are short).
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
            for i in range(j - 1, -1, -1):
                w = display_width("".join(units[i:j]).rstrip())
                if w > width and j - i > 1:
                    break
                if best[k - 1][i] == inf:
                    continue
                cost = best[k - 1][i] + ((mean - w) / 2) ** 2
                if i > 0:
                    cost += _break_penalty(units[i - 1], units[i])
                if cost < best[k][j]:
                    best[k][j], back[k][j] = cost, i
    if best[n_lines][m] == inf:
        return _fill(units, width)
    lines: list[str] = []
    j = m
    for k in range(n_lines, 0, -1):
        i = back[k][j]
        lines.append("".join(units[i:j]).strip())
        j = i
    return lines[::-1]


def wrap_label(text: str, width: int = 16) -> str:
    """Wrap a label to lines of at most ``width`` columns (a hanzi is 2 columns).

    Chinese has no spaces, so a break may fall between any two hanzi, except before closing
    and after opening punctuation; Latin words are never split.  The label takes as few lines
    as greedy filling needs, balanced in length and preferring breaks after punctuation or a
    conjunction (与、和、及): 推动要素自由流动与公共服务共建共享 at ``width=16`` becomes
    推动要素自由 / 流动与公共服 / 务共建共享 rather than 8 + 8 + 1 hanzi.  Existing line
    breaks are kept.
    """
    if width < 2:
        raise ValueError("width must be at least 2 columns")
    out: list[str] = []
    for paragraph in str(text).split("\n"):
        units = _units(paragraph.strip())
        lines = _fill(units, width)
        if len(lines) > 1:
            lines = _balanced(units, width, len(lines))
        out.extend(lines or [""])
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
