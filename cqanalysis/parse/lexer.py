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
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise

from ..core.blocks import Block
from ..core.text import TERMINAL_PUNCT, cn_numeral, norm_key, split_cells
from .options import ParseOptions

__all__ = ["Token", "TokenKind", "column_role", "lex"]

class TokenKind(StrEnum):
    """What a block is, as the lexer classifies it.

    The values are the residue reasons of the kinds that are not content (page numbers,
    running headers, viewer words, markup, code, contents, unrecognised lines).
    """

    PAGE_NUMBER = "page_number"
    RUNNING_HEADER = "running_header"
    VIEWER = "viewer_artifact"
    TOC = "toc"
    UNRECOGNISED = "unrecognised"
    MARKUP = "markup"
    CODE = "code"
    CAPTION = "caption"
    HEADING = "heading"
    ITEM = "item"
    PARAGRAPH = "paragraph"
    NOTE = "note"


PAGE_NUMBER = TokenKind.PAGE_NUMBER
RUNNING_HEADER = TokenKind.RUNNING_HEADER
VIEWER = TokenKind.VIEWER
TOC = TokenKind.TOC
UNRECOGNISED = TokenKind.UNRECOGNISED
MARKUP = TokenKind.MARKUP
CAPTION = TokenKind.CAPTION
HEADING = TokenKind.HEADING
ITEM = TokenKind.ITEM
PARAGRAPH = TokenKind.PARAGRAPH
NOTE = TokenKind.NOTE
CODE = TokenKind.CODE
# Styles a source gives through Block.style (a Markdown reader) for lines that are not
# content: code lines are residue ``code``, HTML, front matter and alignment rows ``markup``.
HTML = "html"
FRONT_MATTER = "front_matter"
TABLE_RULE = "table_rule"  # a pipe table's alignment row |---|:--:|, part of its table
FURNITURE = frozenset({PAGE_NUMBER, RUNNING_HEADER, VIEWER, UNRECOGNISED, MARKUP, TOC, CODE})
_STYLE_KINDS = {"code": CODE, HTML: MARKUP, FRONT_MATTER: MARKUP, TABLE_RULE: MARKUP}

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
# 首先……其次……最后……, 第一，……第二，……: ordinal words that number prose items, never headings
_ORDINAL = re.compile(r"(首先|其次|再次|最后)\s*[，,、:：]\s*(.+)")
_ORDINAL_DI = re.compile(rf"第([{_CN}]{{1,3}})\s*[，,、:：]\s*(.+)")
_ORDINAL_CLAUSE = re.compile(r"[，,；;。]")

_MD_HEADING = re.compile(r"(#{1,6})\s+(.*?)\s*#*")
_MD_LIST = re.compile(r"(?:[-*+]|>)\s+")
_MD_TABLE_RULE = re.compile(r"\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?")
_MD_RULE = re.compile(r"(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,}")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_MD_BOLD_LEAD = re.compile(r"\*\*([^*]+?)\*\*\s*[:：。]?\s*([^\s*].*)")

_COLONS = (":", "：")
_WORD_CHAR = re.compile(r"[^\W_]")
_NOTE_MAX = 12  # longest note title considered (资料来源, Sources …)
_BARE_MAX = 24  # longest unnumbered heading line considered (结论与展望, References …)
_TITLE_BREAKER = re.compile(r"[，,。；;！？!?]")
_SUBTITLE_SEPS = re.compile(r"[:：]|——|—")


@dataclass(slots=True)
class Token:
    """One classified block.

    ``kind`` says what the block is; the other fields are filled as the kind needs.
    ``text`` is the block text with surrounding space, Markdown markup and a stripped viewer
    word removed; ``stripped`` holds that viewer word.
    """

    kind: TokenKind
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


@dataclass(frozen=True, slots=True)
class _Compiled:
    page: re.Pattern[str]
    page_tail: re.Pattern[str]
    page_head: re.Pattern[str]
    viewers: tuple[str, ...]
    notes: frozenset[str]
    bare: frozenset[str]
    conclusion: frozenset[str]
    toc_titles: frozenset[str]
    toc_first: frozenset[str]
    toc_leader: re.Pattern[str]


@lru_cache(maxsize=16)
def _compiled(options: ParseOptions) -> _Compiled:
    toc_titles = frozenset(norm_key(t) for t in options.toc_titles)
    page = "|".join(f"(?:{p})" for p in options.page_number_patterns)
    return _Compiled(
        page=re.compile(page),
        # a running title and a page number on one line, either way round; the title ends in
        # a character that cannot start a page number, so "研究第12页" splits too
        page_tail=re.compile(rf"(?P<label>.*?[^\s\d])\s*(?P<page>{page})"),
        page_head=re.compile(rf"(?P<page>{page})\s+(?P<label>\S.*)"),
        viewers=tuple(sorted(options.viewer_words, key=len, reverse=True)),
        notes=frozenset(norm_key(t) for t in options.note_titles),
        bare=frozenset(norm_key(t) for t in options.bare_headings),
        conclusion=frozenset(norm_key(t) for t in options.conclusion_words),
        toc_titles=toc_titles,
        toc_first=frozenset(c for t in options.toc_titles for c in (t[:1].lower(), t[:1].upper())
                            if c),
        toc_leader=re.compile(rf"(?:{options.toc_leader})\s*"),
    )


@lru_cache(maxsize=4096)
def _role_cached(key: str, options: ParseOptions) -> str | None:
    best, best_end, best_len = None, -1, 0
    for role, words in options.role_keywords.items():
        for word in words:
            w = _role_key(word)
            if not w:
                continue
            if w.isascii():
                # ASCII keywords ("no", "id", "area") must be whole words, not substrings;
                # a plural is the same word ("Measures", "Expected outcomes")
                pattern = rf"(?<![a-z]){re.escape(w)}(?:s|es)?(?![a-z])"
                ends = [m.end() for m in re.finditer(pattern, key)]
                end = ends[-1] if ends else -1
            else:
                pos = key.rfind(w)
                end = pos + len(w) if pos >= 0 else -1
            if end > best_end or (end == best_end >= 0 and len(w) > best_len):
                best, best_end, best_len = role, end, len(w)
    return None if best == "none" else best


def _role_key(text: str) -> str:
    """NFKC, case-folded, spaces kept between ASCII words but dropped around CJK."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def column_role(header: str, options: ParseOptions) -> str | None:
    """The role of a table column from its header text, or ``None`` for an unknown column.

    When several role keywords occur, the one ending last wins: Chinese compounds are
    head-final (预期成效 is an outcome, 建议目标 is a goal), and so are English noun phrases.
    At the same end the longer keyword wins (文件路径 is neutral, 路径 a measure).  A header
    whose deciding keyword has the role ``none`` (影响程度, 建议数) has no role.
    """
    return _role_cached(_role_key(header), options)


def header_roles(cells: Sequence[str], options: ParseOptions) -> list[str | None]:
    """Roles for every header cell (see :func:`column_role`)."""
    return [column_role(c, options) if c else None for c in cells]


def lex(blocks: Sequence[Block], options: ParseOptions, *, markdown: bool = False) -> list[Token]:
    """Classify blocks into tokens, marking page furniture using page boundaries."""
    compiled = _compiled(options)
    page_re, viewers, notes, bare = compiled.page, compiled.viewers, compiled.notes, compiled.bare
    n = len(blocks)
    texts = [b.text.strip() for b in blocks]
    is_page_number = [
        b.cells is None and len(t) <= 24 and page_re.fullmatch(t) is not None
        for b, t in zip(blocks, texts, strict=True)
    ]
    # "书名  第 12 页": a running header or footer sharing its line with the page number
    # one scan for the lines that can hold a page number or belong to a table of contents
    edge, toc_first = _PAGE_EDGE, compiled.toc_first
    candidates = [i for i, t in enumerate(texts)
                  if t and (t[-1] in edge or t[0] in edge or t[0] in toc_first)]
    paged = _paged_headers(blocks, texts, candidates, is_page_number, compiled, options)
    for i in paged:
        is_page_number[i] = True
    toc = _contents(blocks, texts, candidates, compiled, options)
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
                               notes, options)

    tokens: list[Token] = []
    append = tokens.append
    for i, block in enumerate(blocks):
        text = texts[i]
        if markdown and block.style is not None and block.cells is None:
            styled = _markdown_styled(block, text, notes, bare, options)
            if styled is not None:
                append(styled)
                continue
        if is_page_number[i]:
            append(Token(RUNNING_HEADER if i in paged else PAGE_NUMBER, block, text))
            continue
        if i in toc:
            append(Token(TOC, block, text))
            continue
        if i in running:
            append(Token(RUNNING_HEADER, block, text))
            continue
        style = block.style
        if style is not None and style in _STYLE_KINDS:
            append(Token(_STYLE_KINDS[style], block, text))
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
        level = _heading_style_level(style) if markdown else 0
        if level:  # a Markdown reader that already took the hashes off: "heading 2"
            token = _heading_from_markdown(block, text, level, text.lstrip("#").strip(), options)
        else:
            token = _classify(block, text, markdown, notes, bare, options)
        token.stripped = stripped
        append(token)
    return tokens


_DIGITS = re.compile(r"\d+")
# characters an Arabic page number starts or ends with (44, - 45 -, ·46·, 第47页)
_PAGE_EDGE = frozenset("0123456789页-–—−·•")


def _split_page_number(text: str, compiled: _Compiled) -> tuple[str, int] | None:
    """``"书名  第 12 页"`` → ``("书名", 12)``: a label and a page number at either end."""
    m = compiled.page_tail.fullmatch(text) if text[-1] in _PAGE_EDGE else None
    if m is None and text[0] in _PAGE_EDGE:
        m = compiled.page_head.fullmatch(text)
    if m is None:
        return None
    label = m.group("label").strip()
    digits = _DIGITS.search(text, *(m.span("page")))
    if digits is None or _WORD_CHAR.search(label) is None or _SEP_GAP.search(label):
        return None
    return label, int(digits.group())


_SEP_GAP = re.compile(r"\t|[ \u3000\xa0]{2,}")


def _paged_headers(
    blocks: Sequence[Block],
    texts: list[str],
    candidates: list[int],
    is_page_number: list[bool],
    compiled: _Compiled,
    options: ParseOptions,
) -> set[int]:
    """Lines that are a running header/footer and a page number in one ("书名  第 12 页").

    The label, a title of at least four characters, must repeat on two or more lines whose page
    numbers strictly increase, which table rows such as "合计  12" practically never do.
    """
    places: dict[str, list[tuple[int, int]]] = defaultdict(list)
    limit = options.running_header_max_chars + 16
    for i in candidates:
        text = texts[i]
        if is_page_number[i] or blocks[i].cells is not None or len(text) > limit:
            continue
        split = _split_page_number(text, compiled)
        if split is not None:
            places[norm_key(split[0])].append((i, split[1]))
    found: set[int] = set()
    for key, occurrences in places.items():
        numbers = [number for _, number in occurrences]
        if len(key) >= 4 and len(occurrences) >= 2 and \
                all(a < b for a, b in pairwise(numbers)):
            found.update(i for i, _ in occurrences)
    return found


def _contents(
    blocks: Sequence[Block],
    texts: list[str],
    candidates: list[int],
    compiled: _Compiled,
    options: ParseOptions,
) -> set[int]:
    """Lines of a table of contents: its title, the entries after it, dot-leader entries."""
    found: set[int] = set()
    in_toc = False
    limit = options.max_heading_chars + 24
    first = compiled.toc_first
    previous = -2
    for i in candidates:  # a contents title or a line ending in a digit
        text = texts[i]
        if not (text[-1].isdigit() or text[0] in first):
            continue  # previous is not updated: this line ends the contents
        if i != previous + 1:
            in_toc = False  # a line in between that could not be an entry ended the contents
        previous = i
        if blocks[i].cells is not None:
            in_toc = False
            continue
        if text[0] in first and len(text) <= _BARE_MAX and \
                norm_key(text) in compiled.toc_titles:
            found.add(i)
            in_toc = True
            continue
        last = text[-1]
        if not last.isdigit() or len(text) > limit:
            in_toc = False
            continue
        leader = None if in_toc else compiled.toc_leader.search(text)
        if (in_toc and _TOC_ENTRY.fullmatch(text)) or (leader is not None and
                                                        leader.end() == len(text)):
            found.add(i)
        else:
            in_toc = False
    return found


# An entry under a contents title: text, a gap or dot leader, a page number.
_TOC_ENTRY = re.compile(r".*?\S(?:\s+|[.．·…⋯_\s]{2,})(?:第\s*)?\d{1,4}(?:\s*页)?")


def _running_headers(
    blocks: Sequence[Block],
    texts: list[str],
    is_page_number: list[bool],
    after_boundary: list[bool],
    before_boundary: list[bool],
    notes: frozenset[str],
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
        if key in keys_elsewhere or key.partition(":")[0] in notes:
            continue  # a note ("注:", "资料来源:…") under tables that end pages is no header
        cells = split_cells(blocks[idx[0]].text)
        if len(cells) >= 2 and sum(r is not None for r in header_roles(cells, options)) >= 2:
            continue
        found.update(idx)
    return found


# -- Markdown lines styled by cqanalysis.sources.markdown ---------------------------------------
_MD_MARKUP_STYLES = frozenset({"html", "front_matter", "markup", "table_rule"})


def _markdown_styled(
    block: Block, text: str, notes: frozenset[str], bare: frozenset[str], options: ParseOptions
) -> Token | None:
    """The token for a line the Markdown reader styled by its CommonMark role.

    Code lines go to residue as ``code``; HTML, front matter, a table's alignment row and pure
    syntax as ``markup``; a ``heading N`` is a heading unless it is a table caption
    (``### 表3-2 …``); a quoted line is read
    (item, note or prose) but is never a table or a heading.  ``None`` (``list_item``): the
    line is classified as usual.
    """
    style = block.style or ""
    if style == "code":
        return Token(CODE, block, text)
    if style in _MD_MARKUP_STYLES:
        return Token(MARKUP, block, text)
    if style.startswith("heading "):
        caption = _caption(block, text, options) if text[0] in options.caption.first_chars \
            else None
        if caption is not None:  # "### 表3-2 …": a caption set as a heading
            return caption
        hashes = int(style.removeprefix("heading "))
        token = _heading_from_markdown(block, text, hashes, text, options)
        if token.style == "decimal":
            # "### 4.1" under "## 四、" is its child: the hashes can deepen a decimal level
            token.level = max(token.level, hashes)
        return token
    if style == "quote":
        bullet = _MD_LIST.match(text)
        token = _classify(block, text[bullet.end():] if bullet else text, False, notes, bare,
                          options)
        if token.kind in (HEADING, CAPTION):
            return Token(PARAGRAPH, block, text, cells=(text,))
        if token.kind == PARAGRAPH:
            token.cells = (token.text,)
        return token
    return None


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
                return Token(MARKUP, block, text)
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
        lead = _MD_BOLD_LEAD.fullmatch(text)
        if block.lead is not None and len(block.lead) <= options.max_title_chars:
            # the Markdown reader found **加强顶层设计。**要……: the lead phrase titles the item
            body = text[text.find(block.lead) + len(block.lead):].lstrip(" :：。.")
            if body and not is_metadata(block.lead, body, options):
                return Token(ITEM, block, text, style="bold", title=block.lead.rstrip("。.:："),
                             body=body)
        if lead is not None and len(lead.group(1).strip()) <= options.max_title_chars and \
                not is_metadata(lead.group(1), lead.group(2), options):
            # **加强顶层设计。**要……: a bold lead phrase titles the item
            title = lead.group(1).strip().rstrip("。.:：")
            return Token(ITEM, block, text, style="bold", title=title,
                         body=lead.group(2).strip())
        if "**" in text or "__" in text:
            text = _MD_EMPHASIS.sub(r"\2", text)
        raw = text
        if not text:
            return Token(MARKUP, block, text)
        first = text[0]
    if _WORD_CHAR.search(text) is None:
        return Token(UNRECOGNISED, block, text)

    if first in options.caption.first_chars:
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


def _heading_style_level(style: str | None) -> int:
    if style is None or not style.startswith("heading "):
        return 0
    level = style[len("heading "):]
    return int(level) if level.isdigit() else 0


def _caption(block: Block, text: str, options: ParseOptions) -> Token | None:
    """A table caption by ``options.caption`` (:class:`~cqanalysis.parse.options.CaptionRule`)."""
    rule = options.caption
    if len(text) > rule.max_chars or text[-1] in TERMINAL_PUNCT:
        return None
    m = rule.pattern.fullmatch(text)
    if m:
        title, continued = m.group("title").strip(), m.group("continued") is not None
        mark = rule.mark_pattern.search(title)
        if mark is not None:
            title, continued = title[: mark.start()].strip(), True
        return Token(CAPTION, block, text, table_id=rule.normalise_number(m.group("number")),
                     title=title, continued=continued)
    m = rule.bare_pattern.fullmatch(text)
    if m:
        return Token(CAPTION, block, text, title=m.group("title").strip(), continued=True)
    return None


def _split_subtitle(rest: str) -> tuple[str, str]:
    m = _SUBTITLE_SEPS.search(rest)
    if m and m.start() > 0 and rest[m.end():].strip():
        return rest[: m.start()].strip(), rest[m.end():].strip()
    return rest.strip(), ""


def _numbering_candidates(first: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    if first == "第":
        return (("chapter", _CHAPTER), ("section", _SECTION), ("ordinal", _ORDINAL_DI))
    if first in "首其再最":
        return (("ordinal", _ORDINAL),)
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
    if style == "ordinal":
        return _ordinal_item(block, text, rest, numbering, options)
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
    # a tab inside the text separates cells (a table row such as "（2）\t公交互联\t…"), which
    # no heading has
    if len(rest) <= options.max_heading_chars and rest[-1] not in TERMINAL_PUNCT and \
            rest[-1] not in "，,、" and "\t" not in rest:
        title, subtitle = _split_subtitle(rest)
        level = number.count(".") + 1 if style == "decimal" else 0
        return Token(HEADING, block, text, style=style, numbering=numbering, number=number,
                     level=level, title=title, subtitle=subtitle)
    if style == "paren_cn" and rest[-1] == "。" and len(rest) <= options.max_title_chars and \
            _TITLE_BREAKER.search(rest[:-1]) is None:
        # （一）健全国家职业教育制度框架。: a title-only item, its text in the next paragraph
        return Token(ITEM, block, text, style=style, numbering=numbering, number=number,
                     title=rest[:-1].strip(), body="")
    # numbered prose stays one cell, but a tab or a wide gap after the number separates the
    # cells of a table row whose first column is a 序号 ("1.  Authority  Set up …")
    cells = split_cells(text) if _SEP_GAP.search(rest) else (text,)
    return Token(PARAGRAPH, block, text, cells=cells, numbering=numbering, style=style)


def _ordinal_item(block: Block, text: str, rest: str, numbering: str,
                  options: ParseOptions) -> Token:
    """首先，……: an item titled by its colon or 。 split, else by its first clause."""
    item = _colon_item(block, rest, numbering, "ordinal", frozenset(), options, numbered=True)
    if item is None:
        cut = _ORDINAL_CLAUSE.search(rest)
        if cut is None or cut.end() == len(rest) or cut.start() > options.max_title_chars:
            return Token(PARAGRAPH, block, text, cells=(text,), numbering=numbering,
                         style="ordinal")
        item = Token(ITEM, block, rest, style="ordinal", numbering=numbering,
                     title=rest[:cut.start()].strip(), body=rest[cut.end():].strip())
    item.text = text
    return item


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
    is_note = len(title) <= _NOTE_MAX and norm_key(title) in notes
    if is_note:  # also a bare "注：" whose text follows on the next lines
        return Token(NOTE, block, rest, title=title, body=body)
    if not body:
        return None
    if len(title) > options.max_title_chars or len(title) < 2 or _TITLE_BREAKER.search(title):
        return None
    if numbered and body[-1] not in TERMINAL_PUNCT and len(body) <= 20:
        return None  # "5.2区域协调机构建设:提升权威性与执行力" is a heading with a subtitle
    if not numbered and is_metadata(title, body, options):
        return None
    return Token(ITEM, block, rest, style=style, numbering=numbering, title=title, body=body)


# clause punctuation; an ASCII comma between digits groups thousands (8,323) and is none
_SENTENCE_PUNCT = re.compile(r"[，；;。！？!?]|,(?!\d{3})")
# twelve Chinese characters in a row are words of a sentence (a hard-wrapped line), no value
_PROSE_RUN = re.compile(r"[\u4e00-\u9fff]{12}")
_LABEL_MARKS = re.compile(r"^[\W_\d]+")  # emoji, ✅, ⭐ or bullets before a label


@lru_cache(maxsize=16)
def _total_keys(options: ParseOptions) -> frozenset[str]:
    return frozenset(w.casefold() for w in options.total_words)


def is_metadata(title: str, body: str, options: ParseOptions) -> bool:
    """Whether ``标题:说明`` is a key and a value (``报告日期: 2025-01``, ``收益: 胜率+10%``,
    ``📦 包名称: acne``) rather than a recommendation item.

    The value is short and no sentence (no clause punctuation, no run of twelve Chinese
    characters), and the key does not start with an action verb (加强…,
    ``options.action_words``); or the key is a total word (``**总计**: 12项``).  A value
    that starts with a verb is no sign of an item: reports write ``实现: 提供接口``.
    """
    key = _LABEL_MARKS.sub("", title).strip().casefold()
    if key in _total_keys(options):
        return True  # **总计**: 12项 sums up a table; it recommends nothing
    if len(body) > options.max_value_chars or _SENTENCE_PUNCT.search(body) or \
            _PROSE_RUN.search(body):
        return False
    return not key.startswith(tuple(w.casefold() for w in options.action_words))


def is_conclusion_title(title: str, options: ParseOptions) -> bool:
    """Whether a section title names a conclusion chapter (结论, 结语 …)."""
    key = norm_key(title)
    return any(word in key for word in _compiled(options).conclusion)
