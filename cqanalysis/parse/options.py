"""Parser settings: noise patterns, column-role keywords and limits, all overridable."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..core.limits import DEFAULT_LIMITS, Limits

__all__ = ["DEFAULT_OPTIONS", "ParseOptions"]

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
# so when several keywords occur in one header the one that ends last decides the role.
_ROLE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "direction": (
        "方向", "维度", "领域", "层面", "类别", "类型", "主题", "板块", "重点", "方面",
        "direction", "dimension", "domain", "area", "field", "category", "theme", "aspect",
    ),
    "measure": (
        "建议", "措施", "对策", "举措", "路径", "做法", "策略", "内容", "行动",
        "measure", "recommendation", "action", "policy", "instrument", "strategy",
        "suggestion", "proposal",
    ),
    "outcome": (
        "成效", "效果", "目标", "预期", "效益", "成果", "影响",
        "outcome", "effect", "result", "impact", "goal", "target", "objective", "benefit",
        "expected",
    ),
    "index": ("序号", "编号", "no.", "no", "#", "number", "id"),
}

# Title words that make "X:Y" a note, not a recommendation item.
_NOTE_TITLES = (
    "注", "资料来源", "数据来源", "来源", "说明", "备注", "附注", "source", "sources", "note",
    "notes",
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
        Header keywords for the column roles ``direction``, ``measure``, ``outcome`` and
        ``index`` (an index column is dropped).
    note_titles, bare_headings, conclusion_words, caption_suffixes
        Word lists described beside their defaults in ``cqanalysis/parse/options.py``.
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
    note_titles: tuple[str, ...] = _NOTE_TITLES
    bare_headings: tuple[str, ...] = _BARE_HEADINGS
    conclusion_words: tuple[str, ...] = _CONCLUSION_WORDS
    caption_suffixes: tuple[str, ...] = _CAPTION_SUFFIXES
    max_title_chars: int = 30
    max_heading_chars: int = 40
    running_header_max_chars: int = 50
    toc_titles: tuple[str, ...] = _TOC_TITLES
    toc_leader: str = _TOC_LEADER
    limits: Limits = DEFAULT_LIMITS

    def with_(self, **changes: Any) -> ParseOptions:
        """A copy with some options changed."""
        return replace(self, **changes)

    def __post_init__(self) -> None:
        # options key several caches; hash the (dict-holding) value once, not on every lookup
        key = (self.page_number_patterns, self.viewer_words,
               tuple(sorted((k, tuple(v)) for k, v in self.role_keywords.items())),
               self.note_titles, self.bare_headings, self.conclusion_words,
               self.caption_suffixes, self.max_title_chars, self.max_heading_chars,
               self.running_header_max_chars, self.toc_titles, self.toc_leader)
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_hash", hash(key))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined, no-any-return]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParseOptions):
            return NotImplemented
        return self._key == other._key  # type: ignore[attr-defined, no-any-return]


DEFAULT_OPTIONS = ParseOptions()
