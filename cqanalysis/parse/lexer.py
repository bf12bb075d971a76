"""Lexer: classify every block into a token (heading, caption, item, paragraph, furniture …).

Classification here is context-free except for page furniture, which needs page boundaries;
whether a line with several cells is a table row is decided by the assembler, which knows
whether a table is open.  Every token keeps its block, so provenance is never lost.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .blocks import Block
from .options import ParseOptions
from .text_utils import TERMINAL_PUNCT, cn_numeral, norm_key, split_cells

__all__ = ["Token", "column_role", "lex"]

# Token kinds.
PAGE_NUMBER = "page_number"
RUNNING_HEADER = "running_header"
VIEWER = "viewer_artifact"
UNRECOGNISED = "unrecognised"
MARKUP = "markup"
CAPTION = "caption"
HEADING = "heading"
ITEM = "item"
PARAGRAPH = "paragraph"
NOTE = "note"
FURNITURE = frozenset({PAGE_NUMBER, RUNNING_HEADER, VIEWER, UNRECOGNISED, MARKUP})

_CN = "一二三四五六七八九十"
_CN_BIG = _CN + "百零〇两"

# Numbering prefixes: (style, pattern).  Styles with an intrinsic level come first.
_CHAPTER = re.compile(rf"第\s*([{_CN_BIG}\d]{{1,4}})\s*章\s*[:：.、]?\s*(.*)")
_SECTION = re.compile(rf"第\s*([{_CN_BIG}\d]{{1,4}})\s*节\s*[:：.、]?\s*(.*)")
_CHAPTER_EN = re.compile(r"(?i:chapter)\s+(\d{1,3})\s*[.:]?\s*(.*)")
# A decimal section number must not be a quantity: 2.5亿, 3.2% and 1.5倍 are prose.
_DECIMAL = re.compile(
    r"(\d{1,2}(?:[.．]\d{1,2}){1,4})(?![\d.．])[.．、]?\s*(?![亿万千百%‰倍个元年月日])(.+)"
)
_ARABIC = re.compile(r"(\d{1,2})[.．、](?![\d])\s*(.+)")
_PAREN_ARABIC = re.compile(r"[(（](\d{1,2})[)）]\s*(.+)")
_CN_ENUM = re.compile(rf"([{_CN}]{{1,3}})[、.．]\s*(.+)")
_PAREN_CN = re.compile(rf"[(（]([{_CN}]{{1,3}})[)）]\s*(.+)")
_CIRCLED = re.compile(r"([①-⑳])\s*(.+)")
_SHI = re.compile(rf"([{_CN}]{{1,3}})是\s*(.+)")

_CAPTION_RE = re.compile(
    r"(续)?\s*表\s*([A-Za-z]?\d{1,3}(?:\s*[.．\-－–—]\s*\d{1,3}){0,3})(?![\d])\s*[:：.、]?\s*(.*)"
)
_CAPTION_EN = re.compile(
    r"(?i:table)\s+([A-Za-z]?\d{1,3}(?:[.\-]\d{1,3}){0,3})\s*[.:]?\s*(.*?)\s*(\((?i:continued)\))?"
)
_MD_HEADING = re.compile(r"(#{1,6})\s+(.*?)\s*#*")
_MD_LIST = re.compile(r"(?:[-*+]|>)\s+")
_MD_TABLE_RULE = re.compile(r"\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?")
_MD_RULE = re.compile(r"(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,}")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")

_COLONS = (":", "：")
_WORD_CHAR = re.compile(r"[^\W_]")
_NOTE_MAX = 12  # longest note title considered (资料来源, Sources …)
_BARE_MAX = 24  # longest unnumbered heading line considered (结论与展望, References …)
_TITLE_BREAKER = re.compile(r"[，,。；;！？!?]")
_SUBTITLE_SEPS = re.compile(r"[:：]|——|—")


@dataclass(slots=True)
class Token:
    """One classified block.

    ``kind`` is one of the module constants; the other fields are filled as the kind needs.
    ``text`` is the block text with surrounding space, Markdown markup and a stripped viewer
    word removed; ``stripped`` holds that viewer word.
    """

    kind: str
    block: Block
    text: str
    cells: tuple[str, ...] = ()
    style: str = ""
    numbering: str = ""
    number: str = ""
    level: int = 0
    title: str = ""
    subtitle: str = ""
    body: str = ""
    table_id: str = ""
    continued: bool = False
    stripped: str = ""
    pipe: bool = False
    rule: bool = False


@lru_cache(maxsize=16)
def _compiled(options: ParseOptions) -> tuple[re.Pattern[str], tuple[str, ...], frozenset[str],
                                                frozenset[str], frozenset[str]]:
    page = re.compile("|".join(f"(?:{p})" for p in options.page_number_patterns))
    viewers = tuple(sorted(options.viewer_words, key=len, reverse=True))
    notes = frozenset(norm_key(t) for t in options.note_titles)
    bare = frozenset(norm_key(t) for t in options.bare_headings)
    conclusion = frozenset(norm_key(t) for t in options.conclusion_words)
    return page, viewers, notes, bare, conclusion


@lru_cache(maxsize=4096)
def _role_cached(key: str, options: ParseOptions) -> str | None:
    best, best_end = None, -1
    for role, words in options.role_keywords.items():
        for word in words:
            w = _role_key(word)
            if not w:
                continue
            if w.isascii():
                # ASCII keywords ("no", "id", "area") must be whole words, not substrings.
                ends = [m.end() for m in re.finditer(rf"(?<![a-z]){re.escape(w)}(?![a-z])", key)]
                end = ends[-1] if ends else -1
            else:
                pos = key.rfind(w)
                end = pos + len(w) if pos >= 0 else -1
            if end > best_end:
                best, best_end = role, end
    return best


def _role_key(text: str) -> str:
    """NFKC, case-folded, spaces kept between ASCII words but dropped around CJK."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def column_role(header: str, options: ParseOptions) -> str | None:
    """The role of a table column from its header text, or ``None`` for an unknown column.

    When several role keywords occur, the one ending last wins: Chinese compounds are
    head-final (预期成效 is an outcome, 建议目标 is a goal), and so are English noun phrases.
    """
    return _role_cached(_role_key(header), options)


def header_roles(cells: Sequence[str], options: ParseOptions) -> list[str | None]:
    """Roles for every header cell (see :func:`column_role`)."""
    return [column_role(c, options) if c else None for c in cells]


def lex(blocks: Sequence[Block], options: ParseOptions, *, markdown: bool = False) -> list[Token]:
    """Classify blocks into tokens, marking page furniture using page boundaries."""
    page_re, viewers, notes, bare, _ = _compiled(options)
    n = len(blocks)
    texts = [b.text.strip() for b in blocks]
    is_page_number = [
        b.cells is None and len(t) <= 24 and page_re.fullmatch(t) is not None
        for b, t in zip(blocks, texts, strict=True)
    ]
    # A boundary lies between i-1 and i when either is a page number or the page changes.
    after_boundary = [False] * n
    before_boundary = [False] * n
    for i in range(n):
        if is_page_number[i]:
            continue
        prev_pn = i > 0 and (is_page_number[i - 1] or blocks[i - 1].page != blocks[i].page)
        next_pn = i + 1 < n and (is_page_number[i + 1] or blocks[i + 1].page != blocks[i].page)
        after_boundary[i] = prev_pn
        before_boundary[i] = next_pn
    running = _running_headers(blocks, texts, is_page_number, after_boundary, before_boundary,
                               options)

    tokens: list[Token] = []
    append = tokens.append
    for i, block in enumerate(blocks):
        text = texts[i]
        if is_page_number[i]:
            append(Token(PAGE_NUMBER, block, text))
            continue
        if i in running:
            append(Token(RUNNING_HEADER, block, text))
            continue
        if block.cells is not None:
            append(Token(PARAGRAPH, block, text, cells=block.cells))
            continue
        if text in viewers:
            append(Token(VIEWER, block, text))
            continue
        stripped = ""
        if i == 0 or after_boundary[i]:
            for word in viewers:
                if text.startswith(word) and len(text) > len(word):
                    stripped, text = word, text[len(word):].lstrip()
                    break
        token = _classify(block, text, markdown, notes, bare, options)
        token.stripped = stripped
        append(token)
    return tokens


def _running_headers(
    blocks: Sequence[Block],
    texts: list[str],
    is_page_number: list[bool],
    after_boundary: list[bool],
    before_boundary: list[bool],
    options: ParseOptions,
) -> set[int]:
    """Indices of running headers/footers: a short line repeated next to page boundaries.

    Every occurrence must touch a page boundary (or the document's start or end) and at least
    one must touch a real one.  Table header lines are excluded: a table continued on a new page
    repeats its header there, which the assembler handles.
    """
    if not any(after_boundary) and not any(before_boundary):
        return set()
    places: dict[str, list[int]] = defaultdict(list)
    n = len(blocks)
    for i, text in enumerate(texts):
        # every occurrence must touch a boundary, so other lines need no key at all
        if (after_boundary[i] or before_boundary[i] or i == 0 or i == n - 1) and \
                not is_page_number[i] and blocks[i].cells is None and \
                len(text) <= options.running_header_max_chars:
            places[norm_key(text)].append(i)
    found: set[int] = set()
    keys_elsewhere: set[str] | None = None
    for key, idx in places.items():
        if len(idx) < 2 or not key or not any(after_boundary[i] or before_boundary[i]
                                               for i in idx):
            continue
        if keys_elsewhere is None:  # lines away from boundaries, keyed only when needed
            keys_elsewhere = {norm_key(t) for i, t in enumerate(texts)
                              if not (after_boundary[i] or before_boundary[i] or i == 0
                                      or i == n - 1)
                              and len(t) <= options.running_header_max_chars}
        if key in keys_elsewhere:
            continue
        cells = split_cells(blocks[idx[0]].text)
        if len(cells) >= 2 and sum(r is not None for r in header_roles(cells, options)) >= 2:
            continue
        found.update(idx)
    return found


def _classify(
    block: Block,
    text: str,
    markdown: bool,
    notes: frozenset[str],
    bare: frozenset[str],
    options: ParseOptions,
) -> Token:
    if not text:
        return Token(UNRECOGNISED, block, text)
    first = text[0]
    raw = block.text
    if markdown:
        if first == "|":
            if _MD_TABLE_RULE.fullmatch(text):
                return Token(MARKUP, block, text, rule=True)
            return Token(PARAGRAPH, block, text, cells=split_cells(text, pipe=True), pipe=True)
        if first == "#":
            m = _MD_HEADING.fullmatch(text)
            if m:
                return _heading_from_markdown(block, text, len(m.group(1)), m.group(2), options)
        if _MD_RULE.fullmatch(text):
            return Token(MARKUP, block, text)
        m = _MD_LIST.match(text)
        if m:
            text = text[m.end():]
        if "**" in text or "__" in text:
            text = _MD_EMPHASIS.sub(r"\2", text)
        raw = text
        if not text:
            return Token(MARKUP, block, text)
        first = text[0]
    if _WORD_CHAR.search(text) is None:
        return Token(UNRECOGNISED, block, text)

    if first in "表续Tt":
        token = _caption(block, text, options)
        if token is not None:
            return token

    token = _numbered(block, text, options)
    if token is not None:
        return token

    if len(text) <= _BARE_MAX and norm_key(text) in bare:
        return Token(HEADING, block, text, style="bare", level=1, title=text)

    token = _colon_item(block, text, "", "", notes, options, numbered=False)
    if token is not None:
        return token
    return Token(PARAGRAPH, block, text, cells=split_cells(raw))


def _caption(block: Block, text: str, options: ParseOptions) -> Token | None:
    if len(text) > 80 or text[-1] in TERMINAL_PUNCT:
        return None
    m = _CAPTION_RE.fullmatch(text)
    if m:
        table_id = re.sub(r"\s+", "", m.group(2)).replace("．", ".")
        table_id = re.sub(r"[－–—]", "-", table_id)
        return Token(CAPTION, block, text, table_id=table_id, title=m.group(3).strip(),
                     continued=bool(m.group(1)))
    m = _CAPTION_EN.fullmatch(text)
    if m:
        return Token(CAPTION, block, text, table_id=m.group(1), title=m.group(2).strip(),
                     continued=bool(m.group(3)))
    return None


def _split_subtitle(rest: str) -> tuple[str, str]:
    m = _SUBTITLE_SEPS.search(rest)
    if m and m.start() > 0 and rest[m.end():].strip():
        return rest[: m.start()].strip(), rest[m.end():].strip()
    return rest.strip(), ""


def _numbering_candidates(first: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    if first == "第":
        return (("chapter", _CHAPTER), ("section", _SECTION))
    if "①" <= first <= "⑳":  # before isdigit(), which is true for circled digits
        return (("circled", _CIRCLED),)
    if first.isdigit():
        return (("decimal", _DECIMAL), ("arabic", _ARABIC))
    if first in "(（":
        return (("paren_cn", _PAREN_CN), ("paren_arabic", _PAREN_ARABIC))
    if first in _CN:
        return (("cn", _CN_ENUM), ("shi", _SHI))
    if first in "Cc":
        return (("chapter", _CHAPTER_EN),)
    return ()


def _match_numbering(text: str) -> tuple[str, re.Match[str] | None]:
    for style, pattern in _numbering_candidates(text[0]):
        match = pattern.fullmatch(text)
        if match:
            return style, match
    return "", None


def _numbered(block: Block, text: str, options: ParseOptions) -> Token | None:
    """A line that starts with a numbering prefix: heading, numbered item, or numbered prose."""
    style, match = _match_numbering(text)
    if match is None:
        return None
    label, rest = match.group(1), match.group(2).strip()
    numbering = text[: match.start(2)].strip() if rest else text
    if style == "decimal":
        number = label.replace("．", ".")
    elif style == "circled":
        number = str(ord(label) - ord("①") + 1)
    else:
        value = cn_numeral(label)
        if value is None:
            return None
        number = str(value)

    if style in ("chapter", "section"):
        if len(rest) <= options.max_heading_chars and (not rest or rest[-1] not in TERMINAL_PUNCT):
            title, subtitle = _split_subtitle(rest)
            level = 1 if style == "chapter" else 2
            return Token(HEADING, block, text, style=style, numbering=numbering, number=number,
                         level=level, title=title, subtitle=subtitle)
        return Token(PARAGRAPH, block, text, cells=(text,))

    if style != "decimal" or len(rest) > options.max_heading_chars:
        item = _colon_item(block, rest, numbering, style, frozenset(), options, numbered=True)
        if item is not None:
            item.text = text
            return item
    if len(rest) <= options.max_heading_chars and rest[-1] not in TERMINAL_PUNCT and \
            rest[-1] not in "，,、":
        title, subtitle = _split_subtitle(rest)
        level = number.count(".") + 1 if style == "decimal" else 0
        return Token(HEADING, block, text, style=style, numbering=numbering, number=number,
                     level=level, title=title, subtitle=subtitle)
    return Token(PARAGRAPH, block, text, cells=(text,), numbering=numbering)


def _heading_from_markdown(
    block: Block, text: str, level: int, inner: str, options: ParseOptions
) -> Token:
    inner = _MD_EMPHASIS.sub(r"\2", inner).strip()
    numbered = _numbered(block, inner, options) if inner else None
    if numbered is not None and numbered.kind == HEADING:
        numbered.text = text
        # 第五章 and 5.2 carry their own number and level, whatever the number of hashes;
        # 一、 or (一) are numbered within the parent heading at the hashes' level
        if numbered.style not in ("chapter", "section", "decimal"):
            numbered.style, numbered.level = "markdown", level
        return numbered
    title, subtitle = _split_subtitle(inner)
    return Token(HEADING, block, text, style="markdown", level=level, title=title,
                 subtitle=subtitle)


def _colon_item(
    block: Block,
    rest: str,
    numbering: str,
    style: str,
    notes: frozenset[str],
    options: ParseOptions,
    *,
    numbered: bool,
) -> Token | None:
    """``标题:说明`` → an item; ``注:…``/``资料来源:…`` → a note; else ``None``.

    A numbered line may also separate its title with 。 (``(一)加强顶层设计。要……``).
    """
    cut = -1
    for colon in _COLONS:
        pos = rest.find(colon)
        if pos > 0 and (cut < 0 or pos < cut):
            cut = pos
    sep_len = 1
    if cut < 0 and numbered:
        cut = rest.find("。")
        if cut <= 0 or cut == len(rest) - 1:
            return None
    if cut <= 0:
        return None
    title, body = rest[:cut].strip(), rest[cut + sep_len:].strip()
    if not body:
        return None
    if len(title) <= _NOTE_MAX and norm_key(title) in notes:
        return Token(NOTE, block, rest, title=title, body=body)
    if len(title) > options.max_title_chars or len(title) < 2 or _TITLE_BREAKER.search(title):
        return None
    if numbered and body[-1] not in TERMINAL_PUNCT and len(body) <= 20:
        return None  # "5.2区域协调机构建设:提升权威性与执行力" is a heading with a subtitle
    return Token(ITEM, block, rest, style=style, numbering=numbering, title=title, body=body)


def is_conclusion_title(title: str, options: ParseOptions) -> bool:
    """Whether a section title names a conclusion chapter (结论, 结语 …)."""
    key = norm_key(title)
    return any(word in key for word in _compiled(options)[4])
