"""Codebooks as data: load and validate hierarchical YAML codebooks, shipped or a user's."""

from __future__ import annotations

import functools
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from .core.constants import NO_CODE
from .core.errors import CodebookError

__all__ = [
    "KNOWN_FIELDS",
    "SHIPPED_CODEBOOKS",
    "Code",
    "Codebook",
    "CompoundRule",
    "ContextRule",
    "EnumerationRule",
    "codebook_fields",
    "codebook_frame",
    "codebook_frames",
    "default_codebooks",
    "load_codebook",
    "match_key",
]

#: Unit fields a code can apply to: the clauses of a table row's measure and outcome cells,
#: the row's direction label, and a narrative item (title and body).
KNOWN_FIELDS = ("measure", "outcome", "direction", "item")

#: Codebooks shipped in ``cqanalysis/codebooks/``, in the order :func:`default_codebooks` uses.
SHIPPED_CODEBOOKS = ("instruments", "outcomes", "levels")

_TOP_KEYS = {
    "name", "version", "zh", "en", "fields", "rationale", "references", "codes", "exclude",
    "compounds", "enumerations", "sparse",
}  # fmt: skip
_CODE_KEYS = {
    "id", "zh", "en", "description", "parent", "fields", "keywords", "regex", "exclude", "context",
    "fallback",
}  # fmt: skip
_RULE_KEYS = {"keywords", "near", "not_near", "window"}
_COMPOUND_KEYS = {"heads", "modifiers", "gap", "breaks"}
_ENUMERATION_KEYS = {"separator", "closers", "item", "means", "titles"}
_WS = re.compile(r"\s+")
_FRAME_COLUMNS = (
    "codebook", "code", "parent", "depth", "label_zh", "label_en", "description", "fields",
    "keywords", "regex", "exclude", "context",
)  # fmt: skip


def _describe_rule(rule: ContextRule) -> str:
    words = "、".join(rule.keywords)
    parts = [f"near {'/'.join(rule.near)}"] if rule.near else []
    parts += [f"not near {'/'.join(rule.not_near)}"] if rule.not_near else []
    span = f" (±{rule.window})" if rule.window is not None else ""
    return f"{words} {' '.join(parts)}{span}"


def match_key(text: object) -> str:
    """The form texts and keywords are matched in: NFKC, case-folded, white space removed.

    Punctuation is kept, so a keyword never matches across 、 or a quotation mark.

    >>> match_key("ＡＰＰ 平台")
    'app平台'
    """
    if not isinstance(text, str):
        if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
            return ""
        text = str(text)
    return _WS.sub("", unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class ContextRule:
    """When some keywords of a code count: only near certain words, or never near others.

    A keyword that names a topic as often as an instrument (人才 talent, 机构 body, 制度
    system) is a code only in the right company: 人才 is personnel where people are trained,
    recruited or exchanged (``near``), 制度 is not law in 联席会议制度 (``not_near``).

    Attributes
    ----------
    keywords
        Keywords of the code the rule governs (:func:`match_key` form).
    near
        The occurrence counts only if one of these occurs within ``window`` (empty: no
        requirement).
    not_near
        The occurrence does not count if one of these occurs within ``window``.
    window
        Characters either side of the occurrence searched for ``near``/``not_near`` words
        (``None``: the whole unit).
    """

    keywords: tuple[str, ...]
    near: tuple[str, ...] = ()
    not_near: tuple[str, ...] = ()
    window: int | None = None

    def admits(self, key: str, start: int, end: int) -> bool:
        """Whether the keyword occurrence ``key[start:end]`` counts under this rule."""
        lo, hi = (0, len(key)) if self.window is None else (start - self.window, end + self.window)
        around = key[max(0, lo) : hi]
        if self.near and not any(w in around for w in self.near):
            return False
        return not any(w in around for w in self.not_near)


@dataclass(frozen=True)
class CompoundRule:
    """Which keyword of a noun compound names the instrument: the head, bar generic heads.

    Chinese compounds put the head last: in 执法信息系统 the instrument is the information
    system and 执法 (enforcement) its topic; in 收费制度 the fee names the instrument and
    制度 (a system of rules) only says it is formalised.  Keyword hits are *joined* in one
    compound when at most ``gap`` characters lie between them and none of those is
    punctuation or a ``breaks`` word (和, 与 join two nouns, not a modifier and its head).

    Attributes
    ----------
    heads
        Generic head nouns (制度): a hit of one yields to a joined hit of another code right
        before it, unless that hit is itself a modifier word.
    modifiers
        Topic words (执法, 教育): a hit of one yields when its compound, followed through
        joined hits of its own code, reaches a hit of another code.
    gap
        Characters allowed between two joined hits (0: adjacent only).
    breaks
        Words that end a compound when they lie between two hits.
    """

    heads: tuple[str, ...] = ()
    modifiers: tuple[str, ...] = ()
    gap: int = 0
    breaks: tuple[str, ...] = ()

    def joined(self, key: str, end: int, start: int) -> bool:
        """Whether a hit ending at ``end`` and one starting at ``start`` form one compound."""
        between = key[end:start]
        return (
            0 <= start - end <= self.gap
            and all(ch.isalnum() for ch in between)
            and not any(b in between for b in self.breaks)
        )


@dataclass(frozen=True)
class EnumerationRule:
    """Lists such as 交通、能源、信息等专项规划 name the topics a measure covers.

    An enumeration is two or more items of at most ``item`` characters joined by
    ``separator`` and closed by one of ``closers`` (等) that a noun follows.  A keyword or
    regex hit lying inside one counts only when the unit has no hit outside every
    enumeration: the measure is the word the list qualifies (专项规划), and the listed areas
    are its topics; a clause that is nothing but a list keeps their codes.  A list that ends
    the sentence (…等。) gives examples, and one that qualifies a word of ``means`` (等手段,
    等方式) lists the instruments themselves: both keep their codes.  The words inside a
    title between the two marks of ``titles`` (《…》) are read the same way: the title names
    a document, and what the measure does with it is said outside the marks or by a pattern
    that spans them (《…办法》 is a rule, whatever its topic).

    Attributes
    ----------
    separator
        The mark between items (、).
    closers
        Words that close the list (等).
    item
        Most characters of one item; the first item, whose start is not marked, is taken
        at most half as long.
    means
        Words after the closer that make the items instruments (手段, 方式, 措施).
    titles
        The opening and closing mark of a document title (``"《》"``), or empty.
    """

    separator: str = "、"
    closers: tuple[str, ...] = ()
    item: int = 8
    means: tuple[str, ...] = ()
    titles: str = ""

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        """Matches one enumeration in :func:`match_key` form."""
        sep, n = re.escape(self.separator), self.item
        closers = "|".join(re.escape(c) for c in self.closers)
        # the first item's start is unmarked: take at most half an item's length of it, the
        # usual two to four characters of a listed noun, not the verb before it
        first = max(1, n // 2)
        means = "".join(f"(?!{re.escape(m)})" for m in self.means)
        return re.compile(
            rf"\w{{1,{first}}}{sep}(?:\w{{1,{n}}}{sep})*\w{{1,{n}}}?(?:{closers})(?=\w){means}"
        )

    def spans(self, key: str) -> list[tuple[int, int]]:
        """Start and end of every enumeration and of the inside of every title in ``key``."""
        found = []
        if self.closers and self.separator in key:
            found = [m.span() for m in self.pattern.finditer(key)]
        if self.titles and self.titles[0] in key:
            found += [(m.start() + 1, m.end() - 1) for m in self._title_pattern.finditer(key)]
        return found

    @functools.cached_property
    def _title_pattern(self) -> re.Pattern[str]:
        opening, closing = (re.escape(mark) for mark in self.titles)
        return re.compile(rf"{opening}[^{opening}{closing}]{{1,60}}{closing}")


@dataclass(frozen=True)
class Code:
    """One code of a codebook.

    Attributes
    ----------
    id, zh, en, description
        Identifier, Chinese and English labels, and the coding rule in words.
    parent
        Id of the parent code, or ``None`` for a top-level code.
    depth
        1 for a top-level code, 2 for its children, …
    fields
        Unit fields the code applies to (a subset of :data:`KNOWN_FIELDS`).
    keywords, exclude
        Plain substrings in :func:`match_key` form.  A keyword occurrence lying inside an
        occurrence of an ``exclude`` phrase does not count.
    regex
        Regular expressions (searched in the :func:`match_key` form of the text).
    context
        :class:`ContextRule` s deciding when some of the keywords (or fallback words) count.
    fallback
        Weak keywords (:func:`match_key` form): they count only when no other code of the
        codebook matched the unit (a generic word such as 机制 says little beside a
        specific one, but is the best reading of a clause that has nothing else).
    """

    id: str
    zh: str
    en: str
    description: str
    parent: str | None
    depth: int
    fields: tuple[str, ...]
    keywords: tuple[str, ...]
    regex: tuple[str, ...]
    exclude: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = field(repr=False, compare=False, default=())
    context: tuple[ContextRule, ...] = ()
    fallback: tuple[str, ...] = ()

    @functools.cached_property
    def rules(self) -> dict[str, tuple[ContextRule, ...]]:
        """Context rules by the keyword they govern."""
        out: dict[str, list[ContextRule]] = {}
        for rule in self.context:
            for kw in rule.keywords:
                out.setdefault(kw, []).append(rule)
        return {kw: tuple(rules) for kw, rules in out.items()}

    def label(self, lang: str = "zh") -> str:
        """The label in ``lang`` ("zh" or "en"), or the id for ``lang="id"``."""
        return {"zh": self.zh, "en": self.en, "id": self.id}[lang]


@dataclass(frozen=True)
class Codebook:
    """A validated codebook: an ordered, hierarchical set of :class:`Code`.

    Build one with :func:`load_codebook` (a YAML file or a shipped name) or
    :meth:`Codebook.from_dict`.  Codes keep their file order, which is also the order of
    categories in cross-tabulations.

    Attributes
    ----------
    name
        Short name, written to the ``codebook`` column of the ``coded`` frame.
    zh, en
        Title of the codebook in Chinese and English.
    fields
        Default unit fields of its codes.
    codes
        The codes, in file order.
    rationale, references, version, path
        Documentation carried in the file, and where it was read from.
    compounds, enumerations
        Codebook-wide phrase rules (:class:`CompoundRule`, :class:`EnumerationRule`):
        which hit of a noun compound or of a list names the instrument.
    sparse
        Whether most units are meant to have no code (``levels``: most measures name no
        actor), so that an uncoded unit is no sign of a gap in the dictionary
        (:func:`cqanalysis.review_order` does not put it first).
    """

    name: str
    zh: str
    en: str
    fields: tuple[str, ...]
    codes: tuple[Code, ...]
    rationale: str = ""
    references: tuple[str, ...] = ()
    version: str = ""
    path: str = ""
    compounds: CompoundRule = CompoundRule()
    enumerations: EnumerationRule = EnumerationRule()
    sparse: bool = False

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __contains__(self, code_id: object) -> bool:
        return code_id in self._index

    def __getitem__(self, code_id: str) -> Code:
        try:
            return self.codes[self._index[code_id]]
        except KeyError:
            raise KeyError(f"codebook {self.name!r} has no code {code_id!r}") from None

    def __repr__(self) -> str:
        return f"<Codebook {self.name!r}: {len(self.codes)} codes, fields {list(self.fields)}>"

    @functools.cached_property
    def _index(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.codes)}

    def children(self, code_id: str | None) -> tuple[Code, ...]:
        """The direct children of ``code_id`` (``None``: the top-level codes)."""
        return tuple(c for c in self.codes if c.parent == code_id)

    def ancestors(self, code_id: str) -> tuple[str, ...]:
        """Ids from the top-level code down to ``code_id`` itself."""
        chain = [code_id]
        while (parent := self[chain[-1]].parent) is not None:
            chain.append(parent)
        return tuple(reversed(chain))

    def at_depth(self, code_id: str, depth: int) -> str:
        """The ancestor of ``code_id`` at ``depth`` (1 = top level); the code itself if shallower.

        >>> cb = default_codebooks()[0]
        >>> cb.at_depth("supply.organisation", 1)
        'supply'
        """
        chain = self.ancestors(code_id)
        return chain[min(depth, len(chain)) - 1]

    def applies_to(self, unit_field: str) -> tuple[Code, ...]:
        """Codes with matching rules that apply to units of ``unit_field``."""
        return tuple(
            c
            for c in self.codes
            if unit_field in c.fields and (c.keywords or c.patterns or c.fallback)
        )

    def to_frame(self) -> pd.DataFrame:
        """The codebook as a table (for appendices and coding instructions).

        Columns: codebook, code, parent, depth, label_zh, label_en, description, fields,
        keywords, regex, exclude, context; list-valued entries joined by ``"；"``; a context
        rule reads ``人才 near 培养/引进 (±10)`` or ``制度 not near 联席会议``.
        """
        records = [
            {
                "codebook": self.name,
                "code": c.id,
                "parent": c.parent,
                "depth": c.depth,
                "label_zh": c.zh,
                "label_en": c.en,
                "description": c.description,
                "fields": "；".join(c.fields),
                "keywords": "；".join(c.keywords),
                "regex": "；".join(c.regex),
                "exclude": "；".join(c.exclude),
                "context": "；".join(_describe_rule(r) for r in c.context),
            }
            for c in self.codes
        ]
        out = pd.DataFrame.from_records(records, columns=list(_FRAME_COLUMNS))
        out["depth"] = out["depth"].astype("int64")
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, path: str = "<dict>") -> Codebook:
        """Validate a parsed codebook mapping (the YAML document) and build the codebook.

        Raises
        ------
        CodebookError
            Naming ``path`` and, where one is at fault, the code.
        """
        return _build(data, path)


def load_codebook(source: str | os.PathLike[str] | Codebook) -> Codebook:
    """Load and validate a codebook from a YAML file or by the name of a shipped one.

    Parameters
    ----------
    source
        A path to a ``.yaml``/``.yml`` file; or the name of a shipped codebook
        (:data:`SHIPPED_CODEBOOKS`: ``"instruments"``, ``"outcomes"``, ``"levels"``); or a
        :class:`Codebook`, returned unchanged.

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        The file is missing, not YAML, or not a valid codebook: duplicate id, unknown parent,
        a parent cycle, a leaf without keywords or regex, a bad regex, an unknown field or key,
        a missing label.  The message names the file and the code.

    Examples
    --------
    >>> load_codebook("instruments").en
    'Policy instruments'
    """
    if isinstance(source, Codebook):
        return source
    if isinstance(source, str) and _is_name(source):
        if source not in SHIPPED_CODEBOOKS:
            shipped = ", ".join(SHIPPED_CODEBOOKS)
            raise CodebookError(source, f"no shipped codebook of that name (shipped: {shipped})")
        return _shipped(source)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CodebookError(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CodebookError(path, f"cannot read: {exc}") from None
    return _build(_parse_yaml(text, str(path)), str(path))


@functools.cache
def _shipped(name: str) -> Codebook:
    resource = resources.files("cqanalysis") / "codebooks" / f"{name}.yaml"
    text = resource.read_text(encoding="utf-8")
    return _build(_parse_yaml(text, str(resource)), str(resource))


def default_codebooks() -> tuple[Codebook, ...]:
    """The shipped codebooks: policy instruments, outcome dimensions, governance level / actor."""
    return tuple(_shipped(name) for name in SHIPPED_CODEBOOKS)


def _is_name(source: str) -> bool:
    return not any(sep in source for sep in ("/", "\\", os.sep)) and "." not in source


def _parse_yaml(text: str, path: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CodebookError(path, f"not valid YAML{where}: {problem}") from None


def _strings(value: Any, what: str, path: str, code: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CodebookError(path, f"{what} must be a list of strings", code=code)
    return tuple(value)


def _label(entry: Mapping[str, Any], key: str, path: str, code: str | None) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CodebookError(path, f"missing or empty {key!r} label", code=code)
    return value.strip()


def _fields(value: Any, path: str, code: str | None) -> tuple[str, ...]:
    fields = _strings(value, "fields", path, code)
    for f in fields:
        if f not in KNOWN_FIELDS:
            known = ", ".join(KNOWN_FIELDS)
            raise CodebookError(path, f"unknown field {f!r} (known: {known})", code=code)
    return fields


def _keys(values: tuple[str, ...], what: str, path: str, code: str) -> tuple[str, ...]:
    keys = []
    for v in values:
        key = match_key(v)
        if not key:
            raise CodebookError(path, f"empty {what} {v!r}", code=code)
        keys.append(key)
    return tuple(dict.fromkeys(keys))


def _context(
    value: Any, keywords: tuple[str, ...], path: str, code: str
) -> tuple[ContextRule, ...]:
    """Validate a code's ``context`` list into :class:`ContextRule` s."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CodebookError(path, "'context' must be a list of rules", code=code)
    rules = []
    for n, entry in enumerate(value, start=1):
        where = f"context rule {n}"
        if not isinstance(entry, Mapping):
            raise CodebookError(path, f"{where} is not a mapping", code=code)
        bad = sorted(set(entry) - _RULE_KEYS, key=str)
        if bad:
            raise CodebookError(
                path, f"{where}: unknown key(s) {', '.join(map(repr, bad))}", code=code
            )
        governed = _keys(
            _strings(entry.get("keywords"), "keywords", path, code), "keyword", path, code
        )
        if not governed:
            raise CodebookError(path, f"{where} names no keywords", code=code)
        strangers = [k for k in governed if k not in keywords]
        if strangers:
            raise CodebookError(
                path, f"{where}: {strangers[0]!r} is not a keyword of the code", code=code
            )
        near = _keys(_strings(entry.get("near"), "near", path, code), "near word", path, code)
        not_near = _keys(
            _strings(entry.get("not_near"), "not_near", path, code), "not_near word", path, code
        )
        if not (near or not_near):
            raise CodebookError(path, f"{where} needs 'near' or 'not_near' words", code=code)
        window = entry.get("window")
        if window is not None and (
            isinstance(window, bool) or not isinstance(window, int) or window < 1
        ):
            raise CodebookError(path, f"{where}: 'window' must be a positive integer", code=code)
        rules.append(ContextRule(governed, near, not_near, window))
    return tuple(rules)


def _build(data: Any, path: str) -> Codebook:
    if not isinstance(data, Mapping):
        raise CodebookError(path, "a codebook must be a YAML mapping with a 'codes' list")
    unknown = sorted(set(data) - _TOP_KEYS, key=str)
    if unknown:
        raise CodebookError(path, f"unknown key(s) {', '.join(map(repr, unknown))}")
    name = data.get("name") or ("" if path.startswith("<") else Path(path).stem)
    if not isinstance(name, str) or not name.strip() or _WS.search(name):
        raise CodebookError(path, "'name' must be a non-empty string without white space")
    default_fields = _fields(data.get("fields"), path, None)
    # Phrases no keyword of any code may lie inside (names of government agencies: 财政部 is
    # an actor, not a fiscal instrument); merged into every code's own exclusions.
    shared_exclude = _keys(
        _strings(data.get("exclude"), "exclude", path, None), "exclude phrase", path, "(codebook)"
    )
    entries = data.get("codes")
    if not isinstance(entries, list) or not entries:
        raise CodebookError(path, "'codes' must be a non-empty list")
    raw: list[dict[str, Any]] = []
    for n, entry in enumerate(entries, start=1):
        code = _code_entry(entry, n, path, default_fields, shared_exclude)
        if any(r["id"] == code["id"] for r in raw):
            raise CodebookError(path, "duplicate id", code=code["id"])
        raw.append(code)
    codes = _code_tree(raw, path)
    compounds = _compounds(data.get("compounds"), codes, path)
    sparse = data.get("sparse", False)
    if not isinstance(sparse, bool):
        raise CodebookError(path, "'sparse' must be true or false")
    references = data.get("references")
    if isinstance(references, str):
        references = [references]
    return Codebook(
        name=name.strip(),
        zh=_label(data, "zh", path, None),
        en=_label(data, "en", path, None),
        fields=default_fields or tuple(dict.fromkeys(f for c in codes for f in c.fields)),
        codes=tuple(codes),
        rationale=" ".join(str(data.get("rationale") or "").split()),
        references=_strings(references, "references", path, None),
        version=str(data.get("version") or ""),
        path=path,
        compounds=compounds,
        enumerations=_enumerations(data.get("enumerations"), path),
        sparse=sparse,
    )


def _check_rule_mapping(value: Any, name: str, allowed: set[str],
                        path: str) -> None:
    """A codebook-wide rule (``compounds``, ``enumerations``) is a mapping of known keys."""
    if not isinstance(value, Mapping):
        raise CodebookError(path, f"'{name}' must be a mapping", code="(codebook)")
    bad = sorted(set(value) - allowed, key=str)
    if bad:
        raise CodebookError(path, f"{name}: unknown key(s) {', '.join(map(repr, bad))}",
                            code="(codebook)")


def _enumerations(value: Any, path: str) -> EnumerationRule:
    """Validate the codebook's ``enumerations`` mapping into an :class:`EnumerationRule`."""
    if value is None:
        return EnumerationRule()
    where = "(codebook)"
    _check_rule_mapping(value, "enumerations", _ENUMERATION_KEYS, path)
    closers = _keys(_strings(value.get("closers"), "closers", path, where), "closer", path, where)
    if not closers:
        raise CodebookError(path, "enumerations: name the 'closers' (等)", code=where)
    separator = value.get("separator", "、")
    if not isinstance(separator, str) or len(separator) != 1 or separator.isalnum():
        raise CodebookError(
            path, "enumerations: 'separator' must be one punctuation mark", code=where
        )
    means = _keys(_strings(value.get("means"), "means", path, where), "means word", path, where)
    item = value.get("item", 8)
    if isinstance(item, bool) or not isinstance(item, int) or item < 1:
        raise CodebookError(path, "enumerations: 'item' must be a positive integer", code=where)
    titles = value.get("titles", "")
    if not isinstance(titles, str) or (
        titles and (len(titles) != 2 or titles[0] == titles[1] or any(c.isalnum() for c in titles))
    ):
        raise CodebookError(
            path, "enumerations: 'titles' must be two different marks, e.g. 《》", code=where
        )
    return EnumerationRule(
        separator=separator, closers=closers, item=item, means=means, titles=titles
    )


def _compounds(value: Any, codes: list[Code], path: str) -> CompoundRule:
    """Validate the codebook's ``compounds`` mapping into a :class:`CompoundRule`."""
    if value is None:
        return CompoundRule()
    where = "(codebook)"
    _check_rule_mapping(value, "compounds", _COMPOUND_KEYS, path)
    known = {w for c in codes for w in (*c.keywords, *c.fallback)}

    def words(key: str) -> tuple[str, ...]:
        found = _keys(_strings(value.get(key), key, path, where), f"{key} word", path, where)
        strangers = [w for w in found if w not in known]
        if strangers:
            raise CodebookError(
                path, f"compounds: {key} word {strangers[0]!r} is no code's keyword", code=where
            )
        return found

    gap = value.get("gap", 0)
    if isinstance(gap, bool) or not isinstance(gap, int) or gap < 0:
        raise CodebookError(path, "compounds: 'gap' must be an integer >= 0", code=where)
    breaks = _keys(_strings(value.get("breaks"), "breaks", path, where), "break", path, where)
    heads, modifiers = words("heads"), words("modifiers")
    if not (heads or modifiers):
        raise CodebookError(path, "compounds: name 'heads' or 'modifiers'", code=where)
    return CompoundRule(heads=heads, modifiers=modifiers, gap=gap, breaks=breaks)


def _code_entry(entry: Any, n: int, path: str, default_fields: tuple[str, ...],
                shared_exclude: tuple[str, ...]) -> dict[str, Any]:
    """The validated fields of code entry ``n`` (1-based) of a codebook file."""
    if not isinstance(entry, Mapping):
        raise CodebookError(path, f"code entry {n} is not a mapping")
    code_id = entry.get("id")
    if not isinstance(code_id, str) or not code_id.strip() or _WS.search(code_id):
        shown = f" (got {code_id!r}; quote numeric ids)" if code_id is not None else ""
        raise CodebookError(path, f"code entry {n}: 'id' must be a string{shown}")
    bad = sorted(set(entry) - _CODE_KEYS, key=str)
    if bad:
        raise CodebookError(path, f"unknown key(s) {', '.join(map(repr, bad))}", code=code_id)
    parent = entry.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise CodebookError(path, "'parent' must be a code id", code=code_id)
    fields = _fields(entry.get("fields"), path, code_id) or default_fields
    if not fields:
        raise CodebookError(
            path, "no fields (set 'fields' on the codebook or the code)", code=code_id
        )

    def words(key: str, what: str) -> tuple[str, ...]:
        return _keys(_strings(entry.get(key), key, path, code_id), what, path, code_id)

    keywords, fallback = words("keywords", "keyword"), words("fallback", "fallback")
    regex = _strings(entry.get("regex"), "regex", path, code_id)
    description = entry.get("description") or ""
    if not isinstance(description, str):
        raise CodebookError(path, "'description' must be a string", code=code_id)
    return dict(
        id=code_id,
        zh=_label(entry, "zh", path, code_id),
        en=_label(entry, "en", path, code_id),
        description=" ".join(description.split()),
        parent=parent,
        fields=fields,
        keywords=keywords,
        regex=regex,
        exclude=tuple(dict.fromkeys([*words("exclude", "exclude phrase"), *shared_exclude])),
        patterns=_patterns(regex, path, code_id),
        # a context rule may govern a fallback word too (协调 beside 负责 is a task, not a
        # mechanism, even when nothing else matched)
        context=_context(entry.get("context"), (*keywords, *fallback), path, code_id),
        fallback=fallback,
    )


def _patterns(regex: tuple[str, ...], path: str, code_id: str) -> tuple[re.Pattern[str], ...]:
    """The compiled regular expressions of a code; none may match the empty string."""
    patterns = []
    for pattern in regex:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise CodebookError(path, f"bad regex {pattern!r}: {exc}", code=code_id) from None
        if compiled.search("") is not None:
            raise CodebookError(path, f"regex {pattern!r} matches the empty string", code=code_id)
        patterns.append(compiled)
    return tuple(patterns)


def _code_tree(raw: list[dict[str, Any]], path: str) -> list[Code]:
    """Codes with their depth, after checking parents, leaves and labels."""
    by_id = {r["id"]: r for r in raw}
    for r in raw:
        if r["parent"] is not None and r["parent"] not in by_id:
            raise CodebookError(path, f"unknown parent {r['parent']!r}", code=r["id"])
    has_children = {r["parent"] for r in raw if r["parent"] is not None}
    for r in raw:
        if r["id"] not in has_children and not (r["keywords"] or r["regex"] or r["fallback"]):
            raise CodebookError(path, "leaf code has no keywords or regex", code=r["id"])
    for lang in ("zh", "en"):
        labels: dict[str, str] = {}
        for r in raw:
            if r[lang] in labels:
                other = labels[r[lang]]
                raise CodebookError(
                    path, f"{lang} label {r[lang]!r} also used by {other!r}", code=r["id"]
                )
            labels[r[lang]] = r["id"]
    codes = []
    for r in raw:
        depth, node, visited = 1, r, {r["id"]}
        while node["parent"] is not None:
            node = by_id[node["parent"]]
            if node["id"] in visited:
                raise CodebookError(path, "parent cycle", code=r["id"])
            visited.add(node["id"])
            depth += 1
        codes.append(Code(depth=depth, **r))
    return codes


# -------------------------------------------------- codebooks of any shape as frames


def _text(value: Any) -> str:
    """A cell value as stripped text: missing → "", 3.0 → "3"."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def codebook_frame(name: str, codes: Any) -> pd.DataFrame:
    """Normalise one codebook to a DataFrame with columns id, label_zh, label_en, description.

    Parameters
    ----------
    name : str
        The codebook's name (a coding column of the sheet is named after it).
    codes : Codebook, DataFrame, sequence of tuples, or object with a ``codes`` DataFrame
        A :class:`Codebook` (read through :meth:`Codebook.to_frame`, so both give the same
        labels and descriptions), or codes with ``id`` (or ``code``), ``label_zh``,
        ``label_en`` and optionally ``description``.

    Returns
    -------
    DataFrame
        A new frame, codes in the given order, all values strings.

    Raises
    ------
    CodebookError
        No codes, an empty or duplicate id, or the reserved id ``"none"``.
    """
    if not isinstance(name, str) or not name.strip():
        raise CodebookError(repr(name), "a codebook name must be a non-empty string")
    if isinstance(codes, Codebook):
        frame: Any = codes.to_frame()
    else:
        frame = codes if isinstance(codes, pd.DataFrame) else getattr(codes, "codes", codes)
    if isinstance(frame, pd.DataFrame):
        if "id" not in frame.columns and "code" in frame.columns:
            frame = frame.rename(columns={"code": "id"})
        absent = [c for c in ("id", "label_zh", "label_en") if c not in frame.columns]
        if absent:
            raise CodebookError(name, f"codes lack column(s) {absent}")
        records = frame.to_dict("records")
    else:
        records = []
        for entry in frame:
            if hasattr(entry, "id"):  # a cqanalysis.codebook.Code or any object like it
                records.append(
                    {
                        "id": entry.id,
                        "label_zh": getattr(entry, "zh", getattr(entry, "label_zh", "")),
                        "label_en": getattr(entry, "en", getattr(entry, "label_en", "")),
                        "description": getattr(entry, "description", ""),
                    }
                )
                continue
            entry = tuple(entry)
            if len(entry) not in (3, 4):
                raise CodebookError(
                    name, f"a code must be (id, label_zh, label_en[, description]): {entry!r}"
                )
            fields = ("id", "label_zh", "label_en", "description")[: len(entry)]
            records.append(dict(zip(fields, entry, strict=True)))
    if not records:
        raise CodebookError(name, "the codebook has no codes")
    out = pd.DataFrame(
        {
            col: [_text(rec.get(col)) for rec in records]
            for col in ("id", "label_zh", "label_en", "description")
        }
    )
    for code in out["id"]:
        if not code:
            raise CodebookError(name, "a code has an empty id")
        if code == NO_CODE:
            raise CodebookError(name, f"the id {NO_CODE!r} is reserved for 'no code applies'", code)
    dup = out["id"][out["id"].duplicated()]
    if len(dup):
        raise CodebookError(name, "duplicate code id", dup.iloc[0])
    return out


def _named(codebooks: Mapping[str, Any] | Iterable[Any]) -> dict[str, Any]:
    if isinstance(codebooks, Mapping):
        named = dict(codebooks)
    else:
        named = {}
        for book in codebooks:
            name = getattr(book, "name", None)
            if not isinstance(name, str):
                raise TypeError(f"a codebook given without a name needs a .name: {book!r}")
            named[name] = book
    if not named:
        raise ValueError("at least one codebook is needed")
    return named


def codebook_frames(codebooks: Mapping[str, Any] | Iterable[Any]) -> dict[str, pd.DataFrame]:
    """:func:`codebook_frame` of every codebook: ``{name: codes}`` or objects with a ``name``."""
    return {name: codebook_frame(name, codes) for name, codes in _named(codebooks).items()}


def codebook_fields(
    codebooks: Mapping[str, Any] | Iterable[Any],
) -> dict[str, frozenset[str] | None]:
    """Unit fields each codebook applies to (its ``fields`` attribute), or None for all."""
    out: dict[str, frozenset[str] | None] = {}
    for name, book in _named(codebooks).items():
        fields = getattr(book, "fields", None)
        if isinstance(fields, list | tuple | frozenset | set) and fields:
            out[name] = frozenset(map(str, fields))
        else:
            out[name] = None
    return out
