"""Dictionary coding of clauses and items with codebooks: the ``coded`` frame and its helpers."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .codebook import (
    Code,
    Codebook,
    CompoundRule,
    EnumerationRule,
    default_codebooks,
    load_codebook,
    match_key,
)
from .core.schema import FRAME_COLUMNS

__all__ = ["code_units", "coding_units", "resolve_codebooks", "rollup", "uncoded", "unit_codes"]

CodebookLike = Codebook | str | os.PathLike[str]

_UNIT_COLUMNS = ("doc_id", "table_id", "row_no", "field", "clause_no", "text")
#: The columns that identify a coding unit: a clause's table, row, field and number, an item's
#: section and number (an item has no table row, a clause no item).
UNIT_KEY = ("doc_id", "table_id", "row_no", "field", "clause_no", "section_no", "item_no")
#: Joins an item's title and body into one unit text, as in the source's "标题:说明".
ITEM_SEPARATOR = "："


def coding_units(
    clauses: pd.DataFrame | None = None, items: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One uniform frame of the units to code: clauses of table cells and/or narrative items.

    Parameters
    ----------
    clauses
        A ``clauses`` frame (:func:`cqanalysis.explode_clauses`).
    items
        An ``items`` frame; each item (title and body) becomes one unit of field ``"item"``.

    Returns
    -------
    pandas.DataFrame
        doc_id, table_id, row_no, field, clause_no, text, section_no, item_no, unit_id, then
        the clauses' remaining columns (section_title, direction, line …).  Clauses come
        first, in their order, then items.  ``unit_id`` ("doc:table:row:field:clause" or
        "doc:section:item:no") is unique and stable; row_no, clause_no and item_no are
        nullable integers because items have no row or clause and clauses no item.  An item's
        text is its title and body joined by ``"："``.
    """
    if clauses is None and items is None:
        raise ValueError("coding_units: pass clauses, items or both")
    parts = []
    if clauses is not None:
        missing = [c for c in _UNIT_COLUMNS if c not in clauses.columns]
        if missing:
            raise ValueError(f"coding_units: clauses lacks column(s) {', '.join(missing)}")
        part = clauses.copy()
        if "section_no" not in part.columns:
            part["section_no"] = pd.Series(pd.NA, index=part.index, dtype="str")
        part["item_no"] = pd.Series(pd.NA, index=part.index, dtype="Int64")
        part["unit_id"] = [
            unit_id_of(d, t, r, f, c)
            for d, t, r, f, c in part[
                ["doc_id", "table_id", "row_no", "field", "clause_no"]
            ].itertuples(index=False, name=None)
        ]
        parts.append(part)
    if items is not None:
        missing = [
            c for c in ("doc_id", "section_no", "item_no", "title", "body") if c not in items
        ]
        if missing:
            raise ValueError(f"coding_units: items lacks column(s) {', '.join(missing)}")
        text = [
            ITEM_SEPARATOR.join(p for p in (t, b) if isinstance(p, str) and p)
            for t, b in items[["title", "body"]].itertuples(index=False, name=None)
        ]
        part = pd.DataFrame(
            {
                "doc_id": items["doc_id"].to_numpy(),
                "table_id": pd.Series(pd.NA, index=range(len(items)), dtype="str"),
                "row_no": pd.Series(pd.NA, index=range(len(items)), dtype="Int64"),
                "field": "item",
                "clause_no": pd.Series(pd.NA, index=range(len(items)), dtype="Int64"),
                "text": pd.Series(text, dtype="str"),
                "section_no": items["section_no"].to_numpy(),
                "item_no": items["item_no"].to_numpy(),
            }
        )
        for col in ("line", "page"):
            if col in items.columns:
                part[col] = items[col].to_numpy()
        part["unit_id"] = [
            unit_id_of(d, None, None, "item", None, s, n)
            for d, s, n in part[["doc_id", "section_no", "item_no"]].itertuples(
                index=False, name=None
            )
        ]
        parts.append(part)
    units = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    units = units.reset_index(drop=True)
    for col in ("row_no", "clause_no", "item_no"):
        units[col] = units[col].astype("Int64")
    for col in ("doc_id", "table_id", "field", "text", "section_no", "unit_id"):
        units[col] = units[col].astype("str")
    front = [*_UNIT_COLUMNS, "section_no", "item_no", "unit_id"]
    return units[[*front, *(c for c in units.columns if c not in front)]]


def unit_id_of(doc_id: object, table_id: object, row_no: object, field: object,
               clause_no: object, section_no: object = None, item_no: object = None) -> str:
    """The ``unit_id`` of the unit with these :data:`UNIT_KEY` values: "doc:table:row:field:
    clause" for a table clause, "doc:section:item:no" for a narrative item (field ``item``)."""
    if field == "item":
        return f"{doc_id}:{section_no}:item:{item_no}"
    return f"{doc_id}:{table_id}:{row_no}:{field}:{clause_no}"


def resolve_codebooks(
    codebooks: CodebookLike | Iterable[CodebookLike] | None = None,
) -> tuple[Codebook, ...]:
    """Codebooks from ``None`` (the shipped defaults), one codebook/name/path, or several."""
    if codebooks is None:
        return default_codebooks()
    books: tuple[Codebook, ...]
    if isinstance(codebooks, Codebook | str | os.PathLike):
        books = (load_codebook(codebooks),)
    else:
        books = tuple(load_codebook(c) for c in codebooks)
    names = [b.name for b in books]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"several codebooks are named {', '.join(dupes)}")
    return books


def code_units(
    units: pd.DataFrame,
    codebooks: CodebookLike | Iterable[CodebookLike] | None = None,
    *,
    fields: Sequence[str] | None = None,
    longest_match: bool = True,
) -> pd.DataFrame:
    """Code units by dictionary matching: one row per unit × code, multi-label.

    Parameters
    ----------
    units
        A units frame (:func:`coding_units`), or a ``clauses`` or ``items`` frame, which is
        turned into one.
    codebooks
        Codebooks, shipped codebook names or YAML paths; ``None``: the shipped defaults
        (instruments, outcomes, levels).  Each codebook codes the units whose field its codes
        apply to.
    fields
        Code only units of these fields (default: all).
    longest_match
        When a keyword occurrence lies inside a longer keyword occurrence of another code of
        the same codebook, keep only the longer one (监管者 is a role, not 监管 supervision).
        Regex hits take no part in this rule.  ``False`` keeps both.

    Returns
    -------
    pandas.DataFrame
        The ``coded`` frame: doc_id, table_id, row_no, field, clause_no, codebook, code,
        label_zh, label_en, evidence; then the units' other columns (text, section_no,
        item_no, unit_id, section_title, direction …).  ``evidence`` lists the distinct
        matched keywords in order of first occurrence, joined by ``"；"`` (in matching form:
        NFKC, case-folded).  Ordered by unit, then codebook, then code (codebook order).

        No unit is dropped: a unit that a codebook applies to but none of its codes matches
        gets one row for that codebook with code, labels and evidence missing, and a unit no
        codebook applies to gets one row with codebook missing too.  :func:`uncoded` lists
        them.

    Notes
    -----
    Matching is substring search of curated keywords, not word segmentation.  Chinese has no
    spaces, and a segmenter such as jieba splits policy compounds unpredictably
    (事中事后监管, 联防联治) unless fed a user dictionary, which would be this keyword list
    anyway; its statistical model also makes results depend on the segmenter's version.
    Plain substrings with a longest-match rule and exclusion phrases are transparent (every
    code shows the string that triggered it), deterministic and fast, and the false positives
    substrings invite are handled where they arise, in the codebook: compound keywords
    (空间规划 rather than 规划), exclusions (数据壁垒 is not a market barrier), and longest
    match.  Texts and keywords are compared in :func:`cqanalysis.codebook.match_key` form.
    """
    units = _as_units(units)
    books = resolve_codebooks(codebooks)
    if fields is not None:
        units = units[units["field"].isin(list(fields))].reset_index(drop=True)
    return _coded_frame(units, _coding_records(units, books, longest_match))


#: One coding: unit position, codebook, code, label_zh, label_en, evidence.
_Record = tuple[int, object, object, object, object, object]


def _coding_records(
    units: pd.DataFrame, books: Sequence[Codebook], longest_match: bool
) -> list[_Record]:
    """``(unit position, codebook, code, label_zh, label_en, evidence)`` for every coding.

    The loop body of :func:`code_units`: a unit gets a record per matched code, one with the
    code missing per applicable codebook that found nothing, or one with the codebook missing
    too when no codebook applies, so that no unit is dropped.
    """
    plans: dict[str, list[tuple[Codebook, tuple[Code, ...], _KeywordIndex]]] = {}
    records: list[_Record] = []
    for pos, (field, text) in enumerate(units[["field", "text"]].itertuples(index=False)):
        plan = plans.get(field)
        if plan is None:
            plan = [(b, codes, _KeywordIndex(codes)) for b in books
                    if (codes := b.applies_to(field))]
            plans[field] = plan
        if not plan:
            records.append((pos, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA))
            continue
        key = match_key(text)
        for book, codes, index in plan:
            found = _match(key, codes, longest_match, book.compounds, book.enumerations,
                           index=index)
            if not found:
                records.append((pos, book.name, pd.NA, pd.NA, pd.NA, pd.NA))
            for code, evidence in found:
                records.append((pos, book.name, code.id, code.zh, code.en, evidence))
    return records


def _coded_frame(units: pd.DataFrame, records: list[_Record]) -> pd.DataFrame:
    """The ``coded`` frame: each record's unit row beside its coding, contract columns first."""
    positions = np.fromiter((r[0] for r in records), dtype=np.int64, count=len(records))
    picked = units.take(positions).reset_index(drop=True)
    coding = pd.DataFrame.from_records(
        [r[1:] for r in records],
        columns=["codebook", "code", "label_zh", "label_en", "evidence"],
    ).astype("str")
    out = pd.concat([picked, coding], axis=1)
    contract = list(FRAME_COLUMNS["coded"])
    return out[[*contract, *(c for c in units.columns if c not in contract)]]


def _as_units(data: pd.DataFrame) -> pd.DataFrame:
    cols = set(data.columns)
    if {"unit_id", "field", "text"} <= cols:
        return data.reset_index(drop=True)
    if set(_UNIT_COLUMNS) <= cols:
        return coding_units(clauses=data)
    if {"title", "body", "item_no"} <= cols:
        return coding_units(items=data)
    if {"measure", "outcome"} & cols:
        raise ValueError(
            "code_units: got a rows frame; split it first: code_units(explode_clauses(rows))"
        )
    raise ValueError("code_units: units need at least field and text columns (and unit ids)")


def _match(
    key: str,
    codes: tuple[Code, ...],
    longest_match: bool,
    compounds: CompoundRule | None = None,
    enumerations: EnumerationRule | None = None,
    *,
    index: _KeywordIndex,
) -> list[tuple[Code, str]]:
    """Codes whose keywords or patterns hit ``key``, in codebook order, with their evidence
    (``index``: the :class:`_KeywordIndex` of ``codes``, built once per codebook)."""
    present = index.present(key)
    hits = [h for n, code in enumerate(codes) if n in present or code.patterns
            for h in _code_hits(key, n, code, present.get(n, ()))]
    if len(hits) > 1:
        # A hit inside a longer hit of the same code is redundant evidence (跨区 in 跨区域).
        # A keyword inside a longer keyword of another code yields to it (longest match); a
        # regex span reflects its context window, not a more specific term, so regex hits
        # neither suppress nor are suppressed across codes.
        hits = [
            h
            for h in hits
            if not any(
                (g[2] == h[2] or (longest_match and g[4] and h[4]))
                and g[0] <= h[0]
                and h[1] <= g[1]
                and g[1] - g[0] > h[1] - h[0]
                for g in hits
            )
        ]
    if compounds is not None and compounds.modifiers and hits:
        weak = [h for n, code in enumerate(codes) if code.fallback
                for h in _fallback_hits(key, n, code)]
        hits = _compound_heads(key, hits, compounds, weak)
    if enumerations is not None and len(hits) > 1:
        hits = _outside_enumerations(key, hits, enumerations)
    if not any(h[4] is not None for h in hits):
        hits += [h for n, code in enumerate(codes) if code.fallback
                for h in _fallback_hits(key, n, code)]
    by_code: dict[int, dict[str, int]] = {}
    for start, _end, n, matched, _plain in sorted(hits, key=lambda h: h[:4]):
        by_code.setdefault(n, {}).setdefault(matched, start)
    return [(codes[n], "；".join(by_code[n])) for n in sorted(by_code)]


#: A hit: (start, end, code index, matched text, kind) with kind True for a plain keyword,
#: False for a regex and None for a fallback keyword.
_Hit = tuple[int, int, int, str, "bool | None"]


def _compound_heads(
    key: str, hits: list[_Hit], rule: CompoundRule, weak: list[_Hit]
) -> list[_Hit]:
    """The hits left once each compound is read from its head (:class:`CompoundRule`).

    A modifier word (执法) yields when the last specific hit of its compound (followed
    through joined hits) is of another code (执法信息系统 is information).  A fallback word
    can be that head, and then counts (公共服务平台 is a platform).  A generic head (制度,
    试点, 机制) captures nothing: 备案制度 is still supervision, made a rule.  Only plain
    keyword hits yield.
    """
    ordered = sorted([*hits, *weak], key=lambda h: (h[0], -h[1]))
    heads: list[_Hit] = []

    def head_of(m: _Hit) -> _Hit | None:
        """The last specific (not generic) hit of ``m``'s compound, if of another code."""
        end, last = m[1], m
        for g in ordered:
            if g[0] >= end and rule.joined(key, end, g[0]):
                end = g[1]
                if g[3] not in rule.heads:
                    last = g
        return None if last[2] == m[2] else last

    kept = []
    for h in hits:
        head = head_of(h) if h[4] and h[3] in rule.modifiers else None
        if head is None:
            kept.append(h)
        elif head[4] is None:
            heads.append((*head[:4], True))
    return kept + [h for h in dict.fromkeys(heads) if h not in kept]


def _outside_enumerations(key: str, hits: list[_Hit], rule: EnumerationRule) -> list[_Hit]:
    """The hits outside enumerations, or all of them if none lies outside one."""
    spans = rule.spans(key)
    if not spans:
        return hits
    outside = [h for h in hits if not any(a <= h[0] and h[1] <= b for a, b in spans)]
    return outside or hits


class _KeywordIndex:
    """The keywords of a codebook's codes by their first two characters (one, for a keyword of
    one), so that a unit tests only the keywords whose start occurs in it, not all of them."""

    def __init__(self, codes: Sequence[Code]) -> None:
        self.by_start: dict[str, list[tuple[int, int, str]]] = {}
        for n, code in enumerate(codes):
            for k, kw in enumerate(code.keywords):
                self.by_start.setdefault(kw[:2], []).append((n, k, kw))
        self.single = any(len(start) == 1 for start in self.by_start)

    def present(self, key: str) -> dict[int, tuple[str, ...]]:
        """Code index → the keywords that may occur in ``key``, in the code's own order."""
        starts = {key[i:i + 2] for i in range(len(key) - 1)}
        if self.single:
            starts.update(key)
        found: dict[int, list[tuple[int, str]]] = {}
        for start in starts:
            for n, k, kw in self.by_start.get(start, ()):
                found.setdefault(n, []).append((k, kw))
        return {n: tuple(kw for _, kw in sorted(kws)) for n, kws in found.items()}


def _code_hits(key: str, n: int, code: Code, keywords: Sequence[str]) -> list[_Hit]:
    """The hits of ``code`` in ``key``: its ``keywords`` (the candidates of
    :class:`_KeywordIndex`) and its patterns, less those inside its exclusions."""
    found: list[_Hit] = []
    rules = code.rules
    for kw in keywords:
        if kw not in key:
            continue
        governed = rules.get(kw, ())
        found.extend(
            (s, s + len(kw), n, kw, True)
            for s in _find_all(key, kw)
            if all(rule.admits(key, s, s + len(kw)) for rule in governed)
        )
    for pattern in code.patterns:
        found.extend((m.start(), m.end(), n, m.group(), False) for m in pattern.finditer(key))
    return _unexcluded(key, code, found)


def _fallback_hits(key: str, n: int, code: Code) -> list[_Hit]:
    rules = code.rules
    found: list[_Hit] = [
        (s, s + len(kw), n, kw, None)
        for kw in code.fallback
        if kw in key
        for s in _find_all(key, kw)
        if all(rule.admits(key, s, s + len(kw)) for rule in rules.get(kw, ()))
    ]
    return _unexcluded(key, code, found)


def _unexcluded(key: str, code: Code, found: list[_Hit]) -> list[_Hit]:
    if found and code.exclude:
        spans = [(s, s + len(ex)) for ex in code.exclude if ex in key for s in _find_all(key, ex)]
        found = [h for h in found if not any(a <= h[0] and h[1] <= b for a, b in spans)]
    return found


def _find_all(text: str, sub: str) -> Iterable[int]:
    start = text.find(sub)
    while start != -1:
        yield start
        start = text.find(sub, start + 1)


def uncoded(coded: pd.DataFrame, *, codebook: str | None = None) -> pd.DataFrame:
    """The rows of ``coded`` that record a unit with no code (from ``codebook``, if given).

    A unit is listed once per codebook that applies to it but found nothing; a unit that no
    codebook applies to is listed with a missing codebook.
    """
    mask = coded["code"].isna()
    if codebook is not None:
        mask &= coded["codebook"] == codebook
    return coded[mask].reset_index(drop=True)


def unit_codes(coded: pd.DataFrame, *, labels: str = "id", sep: str = "；") -> pd.DataFrame:
    """One row per unit with its codes: the readable view of ``coded`` (for docs and checks).

    Parameters
    ----------
    coded
        A ``coded`` frame.
    labels
        Show codes as ``"id"``, ``"zh"`` or ``"en"`` labels.
    sep
        Joins several codes of one codebook.

    Returns
    -------
    pandas.DataFrame
        The unit columns (doc_id, table_id, row_no, field, clause_no, section_no, item_no,
        unit_id, text, where present), then one column per codebook, named after it, holding
        the unit's codes joined by ``sep`` (empty string: none).  Units in ``coded`` order.
    """
    column = {"id": "code", "zh": "label_zh", "en": "label_en"}[labels]
    key = "unit_id" if "unit_id" in coded.columns else None
    if key is None:
        raise ValueError("unit_codes: coded needs a unit_id column (use code_units)")
    unit_cols = [c for c in (*UNIT_KEY, "unit_id", "text") if c in coded.columns]
    units = coded.drop_duplicates(key)[unit_cols].reset_index(drop=True)
    books = list(dict.fromkeys(coded["codebook"].dropna()))
    for book in books:
        sub = coded[(coded["codebook"] == book) & coded["code"].notna()]
        joined = sub.groupby(key, sort=False)[column].agg(sep.join)
        units[book] = units[key].map(joined).fillna("").astype("str")
    return units


def rollup(
    coded: pd.DataFrame,
    *,
    depth: int = 1,
    codebooks: CodebookLike | Iterable[CodebookLike] | None = None,
) -> pd.DataFrame:
    """Replace each code by its ancestor at ``depth`` (1 = top level) and merge duplicates.

    Parameters
    ----------
    coded
        A ``coded`` frame.
    depth
        Target depth; codes already at or above it are kept.
    codebooks
        The codebooks ``coded`` was coded with (default: the shipped ones).

    Returns
    -------
    pandas.DataFrame
        A new ``coded`` frame: codes, labels replaced; a unit coded with two codes that
        share the ancestor keeps one row, its evidence merged in order.
    """
    if depth < 1:
        raise ValueError("rollup: depth must be >= 1")
    books = {b.name: b for b in resolve_codebooks(codebooks)}
    unknown = sorted(set(coded["codebook"].dropna()) - set(books))
    if unknown:
        raise ValueError(f"rollup: no codebook named {', '.join(unknown)} (pass codebooks=)")
    out = coded.copy()
    coded_mask = out["code"].notna()
    if not coded_mask.any():
        return out
    mapping = {
        (name, c.id): book[book.at_depth(c.id, depth)] for name, book in books.items() for c in book
    }
    # .tolist() first: iterating an Arrow-backed column value by value is ~1 µs a value
    pairs = list(zip(out.loc[coded_mask, "codebook"].tolist(),
                     out.loc[coded_mask, "code"].tolist(), strict=True))
    stale = sorted({f"{b}:{c}" for b, c in pairs if (b, c) not in mapping})
    if stale:
        raise ValueError(f"rollup: code(s) not in their codebook: {', '.join(stale)}")
    targets = [mapping[p] for p in pairs]
    out.loc[coded_mask, "code"] = [t.id for t in targets]
    out.loc[coded_mask, "label_zh"] = [t.zh for t in targets]
    out.loc[coded_mask, "label_en"] = [t.en for t in targets]
    if "unit_id" not in out.columns:
        raise ValueError("rollup: coded needs a unit_id column (use code_units)")
    keys = ["unit_id", "codebook", "code"]
    first = ~out.duplicated(keys) | ~coded_mask
    if first.all():
        return out
    # only units whose codes merged need their evidence joined (a Python-level groupby over
    # every unit dominated the analysis of large corpora)
    merging = coded_mask & out.duplicated(keys, keep=False)
    evidence: dict[tuple[object, ...], dict[str, None]] = {}
    for *key, text in zip(*(out.loc[merging, c].tolist() for c in [*keys, "evidence"]),
                          strict=True):
        evidence.setdefault(tuple(key), {}).update(dict.fromkeys(str(text).split("；")))
    keep_merged = merging[first]
    out = out[first].reset_index(drop=True)
    rows = keep_merged.to_numpy()
    out.loc[rows, "evidence"] = [
        "；".join(evidence[key])
        for key in zip(*(out.loc[rows, c].tolist() for c in keys), strict=True)
    ]
    return out
