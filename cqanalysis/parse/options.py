"""Parser settings: noise patterns, column-role keywords and limits, all overridable."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from ..core.errors import CqError
from ..core.limits import DEFAULT_LIMITS, Limits

__all__ = ["DEFAULT_OPTIONS", "CaptionRule", "ParseOptions"]

# Page furniture.  Each pattern must match a whole (stripped) line.
_PAGE_NUMBER_PATTERNS = (
    r"[-–—−·•]?\s*\d{1,4}\s*[-–—−·•]?",  # 44  - 45 -  — 45 —  · 45 ·
    r"第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?",  # 第45页  第45页 共60页
    r"\d{1,4}\s*/\s*\d{1,4}",  # 45/60
    r"(?i:page|p\.)\s*\d{1,4}(?:\s*(?i:of|/)\s*\d{1,4})?",  # Page 3, Page 3 of 60
    r"[ivxlc]{1,6}",  # roman front-matter page numbers
)

# Words that web document viewers (Baidu Wenku, Doc88 …) glue onto extracted text.
_VIEWER_WORDS = (
    "浏览", "下载", "打印", "收藏", "分享", "举报", "阅读全文", "展开全文", "全屏", "复制",
    "立即下载", "免费下载", "继续阅读",
)

# Column roles from header text.  Chinese compounds are head-final (预期成效: the head is 成效),
# so when several keywords occur in one header the one that ends last decides the role; at the
# same end the longer keyword wins (文件路径 is a neutral path, 实施路径 a measure).
#
# direction    what a recommendation is about (a domain, an area, a task heading)
# measure      what is to be done
# outcome      what it should achieve
# problem      the problem it answers (问题 | 对策)
# responsible  who carries it out (责任单位, 牵头部门)
# deadline     by when (完成时限)
# index        a running number (序号); dropped from ``rows``
# none         neutral heads: a header ending in one has no role (影响程度, 建议数, 文件路径)
_ROLE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "direction": (
        "方向", "维度", "领域", "层面", "类别", "类型", "主题", "板块", "重点", "方面", "环节",
        "direction", "dimension", "domain", "area", "field", "category", "theme", "aspect",
    ),
    "measure": (
        "建议", "措施", "对策", "举措", "路径", "做法", "策略", "行动", "方案", "任务",
        "measure", "recommendation", "action", "policy", "instrument", "strategy",
        "suggestion", "proposal", "solution", "task",
    ),
    "outcome": (
        "成效", "效果", "目标", "预期", "效益", "成果", "影响", "收益",
        "outcome", "effect", "result", "impact", "goal", "target", "objective", "benefit",
        "expected",
    ),
    "problem": (
        "问题", "短板", "痛点", "难点", "不足", "困境", "挑战", "症结",
        "problem", "issue", "challenge", "weakness",
    ),
    "responsible": (
        "责任单位", "牵头单位", "配合单位", "实施单位", "责任部门", "牵头部门", "配合部门",
        "主管部门", "负责部门", "责任主体", "实施主体", "责任人", "负责人",
        "responsible", "lead agency", "agency", "owner",
    ),
    "deadline": (
        "时限", "期限", "完成时间", "时间节点", "时间安排", "进度安排", "时间表",
        "deadline", "timeline", "timeframe", "schedule", "due",
    ),
    "index": ("序号", "编号", "no.", "no", "#", "number", "id"),
    "none": (
        "程度", "等级", "级别", "评分", "得分", "分值", "权重", "概率", "可能性", "数量",
        "文件", "字段", "数", "率", "比例", "金额", "文件路径", "路由路径", "存储路径",
        "访问路径", "severity", "score", "weight", "probability", "likelihood", "file",
        "count", "rate",
    ),
}

# Roles that make a table a recommendation table: a measure and at least one of these.
_RECOMMENDATION_PARTNERS = ("direction", "outcome", "problem")

# A column holding only ratings (高/中/低, ★★★, 5, 80%) is a scale, not text of its role:
# 影响 | 高 is a severity, not an outcome.
_RATING = r"[高中低较偏很极强弱大小重轻等一般无有是否★☆●○◎✓✔✗✘√×\d.%％+\-－~～/／ ]{1,8}"

# The first cell of a total row (after markup such as ** and a trailing colon is removed).
_TOTAL_WORDS = ("合计", "总计", "小计", "共计", "总和", "总体", "total", "subtotal",
                "grand total", "sum", "overall")

# Title words that make "X:Y" a note, not a recommendation item.
_NOTE_TITLES = (
    "注", "资料来源", "数据来源", "来源", "说明", "备注", "附注", "source", "sources", "note",
    "notes",
)

# Verbs a recommendation starts with (加强…, 推进…).  An unnumbered "标题:说明" whose text
# after the colon is a short value (a date, a path, "P0", "8人天") is metadata, not an item,
# unless its title reads as an action in this way (加强抽检: 每月一次).
_ACTION_WORDS = (
    "加强", "加快", "加大", "强化", "推进", "推动", "推行", "促进", "建立", "建设", "健全", "完善",
    "优化", "提升", "提高", "深化", "实施", "落实", "开展", "创新", "构建", "打造", "培育", "发展",
    "支持", "鼓励", "引导", "规范", "明确", "扩大", "降低", "减少", "统筹", "坚持", "探索", "设立",
    "制定", "组建", "实行", "保障", "做好", "抓好", "严格", "增强", "拓展", "整合", "改革", "确保",
    "成立", "设置", "开发", "引入", "采用", "提供", "推广", "扶持",
    "add", "build", "create", "develop", "ensure", "establish", "expand", "implement",
    "improve", "increase", "introduce", "promote", "reduce", "set up", "strengthen", "support",
)

# Unnumbered lines that are headings on their own.
_BARE_HEADINGS = (
    "摘要", "引言", "绪论", "前言", "结论", "结语", "总结", "结论与展望", "结论与建议",
    "参考文献", "致谢", "附录", "abstract", "introduction", "conclusion", "conclusions",
    "references", "appendix",
)

_CONCLUSION_WORDS = ("结论", "结语", "总结", "conclusion")

# Titles of a table of contents; the entries below one (and any line with a dot leader
# running into a page number, "5.2 区域协调机构建设……12") go to residue.
_TOC_TITLES = ("目录", "目次", "contents", "table of contents")
_TOC_LEADER = r"(?:\.{3,}|…{3,}|⋯{3,}|·{3,}|．{3,}|_{3,}|(?:\.\s){3,})\s*\d{1,4}"

# Caption suffixes dropped to name a section inferred from a caption (表5.1.1政府职能转变对策建议).
_CAPTION_SUFFIXES = (
    "对策建议汇总表", "对策建议一览表", "对策建议表", "对策建议", "政策建议", "建议汇总",
    "优化路径", "对策", "建议", "措施", "举措", "一览表", "汇总表",
)


@dataclass(frozen=True)
class CaptionRule:
    """What a table caption looks like: one rule, kept as data, from which the lexer's
    patterns and its first-character gate are derived.

    A caption is a caption word and a table number, then an optional title: ``表5.1.1 …``,
    ``表 3-2：…``, ``Table 2.1 …``.  It continues an earlier table when a continuation
    prefix comes first (``续表3``, also ``续表`` with no number) or a continuation mark in
    brackets ends it (``表3（续）``, ``Table 3 (continued)``).  The number's parts
    (5.1.1, 3-2) name the section a table belongs to, which the assembler may infer.

    Parameters
    ----------
    words
        Caption words.  A Chinese word may touch the number (表5.1); a Latin one is followed
        by a space (``Table 2``) and matches in any case.
    continued_prefixes
        Words before a caption word that make the caption a continuation (续).
    continued_marks
        Words in brackets at the end of a caption that make it a continuation.
    number
        Regular expression for a table number; its parts are separated by ``.`` or a dash.
    max_chars
        Longest line read as a caption; a caption never ends a sentence either.
    bare_title_chars
        Longest title after a continuation with no number (``续表 城市名单``).
    """

    words: tuple[str, ...] = ("表", "table")
    continued_prefixes: tuple[str, ...] = ("续",)
    continued_marks: tuple[str, ...] = ("续表", "续", "continued")
    number: str = r"[A-Za-z]?\d{1,3}(?:\s*[.．\-－–—]\s*\d{1,3}){0,3}"
    max_chars: int = 80
    bare_title_chars: int = 40

    @cached_property
    def first_chars(self) -> frozenset[str]:
        """Characters a caption can start with (the lexer's cheap gate before any regex)."""
        starts = {w[:1] for w in (*self.words, *self.continued_prefixes) if w}
        return frozenset(c for ch in starts for c in (ch.lower(), ch.upper()))

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """A numbered caption: groups ``continued``, ``number``, ``title``."""
        prefix = _alternation(self.continued_prefixes)
        return re.compile(rf"(?P<continued>{prefix})?\s*{self._words}(?P<number>{self.number})"
                          rf"(?![\d])\s*[:：.、]?\s*(?P<title>.*)")

    @cached_property
    def bare_pattern(self) -> re.Pattern[str]:
        """A continuation without a number (续表): group ``title``."""
        prefix = _alternation(self.continued_prefixes)
        return re.compile(rf"(?:{prefix})\s*{self._words}\s*[:：.、]?\s*"
                          rf"(?P<title>.{{0,{self.bare_title_chars}}})")

    @cached_property
    def mark_pattern(self) -> re.Pattern[str]:
        """A continuation mark in brackets, searched for at the end of a caption's title."""
        return re.compile(rf"\s*[(（]\s*(?i:{_alternation(self.continued_marks)})\s*[)）]\s*$")

    @cached_property
    def _words(self) -> str:
        # a Latin word needs a space after it (Table 2, not Tablespoon); a Chinese one does not
        parts = [rf"(?i:{re.escape(w)})\s+" if w.isascii() else rf"{re.escape(w)}\s*"
                 for w in sorted(self.words, key=len, reverse=True)]
        return "(?:" + "|".join(parts) + ")"

    def normalise_number(self, number: str) -> str:
        """``5．1 - 2`` → ``5.1-2``: no spaces, ASCII separators."""
        number = re.sub(r"\s+", "", number).replace("．", ".")
        return re.sub(r"[－–—]", "-", number)

    @staticmethod
    def number_parts(number: str) -> list[str]:
        """The parts of a normalised table number (``5.1-2`` → ``["5", "1", "2"]``)."""
        return re.split(r"[.\-]", number)


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True, eq=False)
class ParseOptions:
    """Everything the parser treats as configurable.

    Parameters
    ----------
    page_number_patterns
        Regular expressions, each matching a whole line that is a page number.
    viewer_words
        Words of web document viewers.  A line that is only such a word is residue anywhere; a
        word glued to the start of a line is stripped only on the first line after a page
        boundary (document start, page number, form feed, new PDF page), where viewer chrome
        lands in an extraction, so genuine text starting with the same characters elsewhere is
        left alone.
    role_keywords
        Header keywords for the column roles ``direction``, ``measure``, ``outcome``,
        ``problem``, ``responsible``, ``deadline``, ``index`` (dropped from ``rows``) and
        ``none`` (neutral heads such as 程度 or 建议数 that leave a header without a role).
        The keyword that ends last in a header decides (Chinese compounds are head-final).
    recommendation_partners
        A table is a recommendation table when its header has a ``measure`` column and a
        column of at least one of these roles; every other table is ``other`` and its text goes
        to the ``cells`` frame instead of ``rows``.
    rating_pattern
        A column whose every non-empty cell matches this (高, 中, 低, ★★★, 80%) is a rating
        scale and loses a content role (影响 | 高 is a severity, not an outcome).
    total_words
        First cells of total and subtotal rows (合计, 总计, Total); such a row of a
        recommendation table is never a recommendation: it goes to ``residue`` as ``total_row``.
    note_titles, bare_headings, conclusion_words, caption_suffixes
        Word lists described beside their defaults in ``cqanalysis/parse/options.py``.
    action_words
        Verbs a recommendation title starts with.  An unnumbered ``标题:说明`` line whose text
        after the colon is a short value (no sentence: a date, a path, ``P0``, ``8人天``) is
        metadata, a paragraph and not an item, unless its title starts with one of these.
    max_value_chars
        Longest text after a colon still read as a value (see ``action_words``).
    caption
        What a table caption looks like (:class:`CaptionRule`).
    max_title_chars
        Longest title of a narrative item "标题:说明" (longer text before a colon is prose).
    max_heading_chars
        Longest heading text after its number.
    running_header_max_chars
        Longest line considered as a running header or footer.
    toc_titles
        Headings of a table of contents ("目录"); the entries that follow, each ending in a page
        number, are residue, not headings.
    toc_leader
        Regular expression for a dot leader and page number ending a contents entry anywhere.
    limits
        Resource limits on each source file (:class:`~cqanalysis.Limits`): size, unpacked
        size, pages, table extents, numbering values, time; a breach is an InputError.
    """

    page_number_patterns: tuple[str, ...] = _PAGE_NUMBER_PATTERNS
    viewer_words: tuple[str, ...] = _VIEWER_WORDS
    role_keywords: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(_ROLE_KEYWORDS))
    recommendation_partners: tuple[str, ...] = _RECOMMENDATION_PARTNERS
    rating_pattern: str = _RATING
    total_words: tuple[str, ...] = _TOTAL_WORDS
    note_titles: tuple[str, ...] = _NOTE_TITLES
    bare_headings: tuple[str, ...] = _BARE_HEADINGS
    conclusion_words: tuple[str, ...] = _CONCLUSION_WORDS
    caption_suffixes: tuple[str, ...] = _CAPTION_SUFFIXES
    caption: CaptionRule = field(default_factory=CaptionRule)
    action_words: tuple[str, ...] = _ACTION_WORDS
    max_value_chars: int = 30
    max_title_chars: int = 30
    max_heading_chars: int = 40
    running_header_max_chars: int = 50
    toc_titles: tuple[str, ...] = _TOC_TITLES
    toc_leader: str = _TOC_LEADER
    limits: Limits = DEFAULT_LIMITS

    _key: tuple[Any, ...] = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> ParseOptions:
        """Options from a YAML mapping of option names to values; unset options keep defaults.

        Raises
        ------
        CqError
            The file cannot be read or parsed, or a key is not an option (naming key and file).
        """
        import yaml

        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise CqError(f"{path}: cannot read parse options ({exc})") from None
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise CqError(f"{path}: parse options must be a mapping of option names to values")
        names = {f.name for f in fields(cls) if not f.name.startswith("_")}
        for key in data:
            if key not in names:
                raise CqError(f"{path}: unknown parse option {key!r}")
        defaults = cls()
        changes: dict[str, Any] = {}
        for key, value in data.items():
            default = getattr(defaults, key)
            if isinstance(default, Limits) and isinstance(value, dict):
                value = replace(default, **value)
            elif isinstance(default, tuple):
                value = tuple(value)
            elif isinstance(default, CaptionRule):
                if not isinstance(value, dict):
                    raise CqError(f"{path}: parse option caption must be a mapping")
                rule: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                                        for k, v in value.items()}
                unknown = set(rule) - {f.name for f in fields(CaptionRule)}
                if unknown:
                    raise CqError(f"{path}: unknown caption option {sorted(unknown)[0]!r}")
                value = replace(default, **rule)
            elif isinstance(default, dict):
                value = {role: tuple(words) for role, words in value.items()}
            changes[key] = value
        return replace(defaults, **changes)

    def with_(self, **changes: Any) -> ParseOptions:
        """A copy with some options changed."""
        return replace(self, **changes)

    def __post_init__(self) -> None:
        # options key several caches; hash the (dict-holding) value once, not on every lookup.
        # The key is every public field, so a new option can never be left out of it.
        key = tuple(_hashable(getattr(self, f.name)) for f in fields(self)
                    if not f.name.startswith("_"))
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_hash", hash(key))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParseOptions):
            return NotImplemented
        return self._key == other._key


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    return value


DEFAULT_OPTIONS = ParseOptions()
