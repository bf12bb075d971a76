"""Checking dictionary codes by hand: which units to check first, and the codes once checked.

The dictionary coder is a first pass.  On documents its rules were not read from it agrees
with a careful human coder at micro F1 0.58–0.66 (README, "Quality on text written by
others"), so results worth reporting rest on codes a person has checked.  Checking every
unit costs as much as coding by hand; this module makes a partial check count:

* :func:`review_order` ranks the units so that the likeliest errors come first;
* :func:`apply_checks` puts the codes a person checked in place of the machine's, giving a
  ``coded`` frame that crosstabs, figures and the appendix use as they are
  (``cq.analyse(doc, checks=...)``, ``cqanalysis build --checked SHEET``).

A coding sheet pre-filled with the machine's codes in this order
(``cq.write_coding_sheet(..., prefill=coded)``, ``cqanalysis sheet --check``) is the usual
way to collect the checks.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from .codebook import Codebook
from .coding import UNIT_KEY, CodebookLike, resolve_codebooks, unit_codes

__all__ = ["CHECKED_EVIDENCE", "apply_checks", "review_order"]

#: Evidence of a code a person checked (``"人工核对：<coder>"`` when the coder is known).
CHECKED_EVIDENCE = "人工核对"


def review_order(
    coded: pd.DataFrame,
    *,
    codebooks: CodebookLike | Iterable[CodebookLike] | None = None,
) -> pd.DataFrame:
    """The units of ``coded``, the ones the dictionary most likely got wrong first.

    Two signs of an error hold on text the rules were not written for.  A unit the
    dictionary left without a code is nearly always a miss (human coders coded 87–100% of
    the clauses of every held-out set), and the more codes it gave a unit, the more of them
    are wrong (precision 0.74–0.79 for a single code, about 0.6 for two, 0.44–0.52 for
    three on blind sets 1 and 2).  So units come in this order:

    1. units that a codebook applies to but found nothing in (``sparse`` codebooks such as
       ``levels``, where no code is the normal case, do not count);
    2. then by the number of codes, most first;
    3. ties in the order of ``coded`` (document order).

    On blind sets 3 and 4, which the rule was not read from, checking the first half of
    the measure clauses in this order raised micro F1 from 0.58 to 0.85 and from 0.61 to
    0.83 with instruments 2.4 (0.78 and 0.80 for the first half in document order):
    ``benchmarks/coding_accuracy.py --review``.

    Parameters
    ----------
    coded
        A ``coded`` frame (:func:`cqanalysis.code_units`), with ``unit_id``.
    codebooks
        The codebooks of ``coded`` (objects, names or paths; default the shipped ones);
        only their ``sparse`` flags are read.  A codebook of ``coded`` not among them
        counts as not sparse.

    Returns
    -------
    pandas.DataFrame
        One row per unit some codebook applies to, in review order: the unit columns of
        :func:`cqanalysis.unit_codes` (one column of joined codes per codebook), then
        ``n_codes`` (codes from codebooks that are not sparse), ``uncoded`` (the codebooks
        that found nothing, joined by ``"；"``; empty if none) and ``review_rank`` (1:
        check first).
    """
    if "unit_id" not in coded.columns:
        raise ValueError("review_order: coded needs a unit_id column (use code_units)")
    sparse = {b.name for b in resolve_codebooks(codebooks) if b.sparse}
    applied = coded[coded["codebook"].notna()]
    dense = applied[~applied["codebook"].isin(sparse)]
    n_codes = dense[dense["code"].notna()].groupby("unit_id", sort=False).size()
    empty = dense[dense["code"].isna()]
    uncoded = empty.groupby("unit_id", sort=False)["codebook"].agg("；".join)
    units = unit_codes(applied)
    units["n_codes"] = units["unit_id"].map(n_codes).fillna(0).astype("int64")
    units["uncoded"] = units["unit_id"].map(uncoded).fillna("").astype("str")
    first = units["uncoded"] != ""
    order = (
        pd.DataFrame({"first": first, "n": units["n_codes"]})
        .sort_values(["first", "n"], ascending=False, kind="stable")
        .index
    )
    units = units.loc[order].reset_index(drop=True)
    units["review_rank"] = pd.RangeIndex(1, len(units) + 1)
    return units


def apply_checks(
    coded: pd.DataFrame,
    checks: pd.DataFrame,
    *,
    codebooks: CodebookLike | Iterable[CodebookLike] | None = None,
    coder: str | None = None,
    on: Sequence[str] | None = None,
) -> pd.DataFrame:
    """``coded`` with the codes a person checked in place of the dictionary's.

    Parameters
    ----------
    coded
        A ``coded`` frame (:func:`cqanalysis.code_units`).
    checks
        One coder's codes for the units they checked, one row per unit × codebook × code:
        what :func:`cqanalysis.read_coding_sheets` returns (``code`` ``"none"``: no code of
        that codebook applies).  A codebook a unit has no row of keeps the machine's codes
        for that unit.
    codebooks
        The codebooks of ``coded`` (default the shipped ones): the labels of checked codes.
    coder
        Whose checks to apply, when ``checks`` has a ``coder`` column with several coders
        (reconcile them first, or pick one).
    on
        Unit key columns shared by both frames (default ``unit_id`` if both have it, else
        the clause and item key columns both have).

    Returns
    -------
    pandas.DataFrame
        A new ``coded`` frame, same columns and order: each checked unit × codebook holds
        the person's codes (evidence ``"人工核对：<coder>"``, :data:`CHECKED_EVIDENCE`, also
        on the row with an empty code where they chose ``none``), every other row is
        unchanged.

    Raises
    ------
    ValueError
        Checks by several coders and no ``coder``; a unit ``coded`` lacks or a codebook that
        does not apply to it; a code of no codebook (each named with its unit).
    """
    missing = [c for c in ("codebook", "code") if c not in checks.columns]
    if missing:
        raise ValueError(f"apply_checks: checks lack column(s) {', '.join(missing)}")
    checks, who = _one_coder(checks, coder)
    keys = join_keys(coded, checks, on, who="apply_checks", by_text=False)
    books = {b.name: b for b in resolve_codebooks(codebooks)}
    wanted = _checked_codes(checks, keys, books)
    unit_of = [unit_key(k) for k in coded[keys].itertuples(index=False, name=None)]
    pairs = list(zip(unit_of, coded["codebook"], strict=True))
    present = set(pairs)
    for unit, book in wanted:
        if (unit, book) not in present:
            what = "is not in coded" if unit not in set(unit_of) else f"has no {book} row"
            raise ValueError(f"apply_checks: unit {dict(zip(keys, unit, strict=True))} {what}")
    evidence = f"{CHECKED_EVIDENCE}：{who}" if who else CHECKED_EVIDENCE
    kept, replaced, done = [], [], set()
    for pos, pair in enumerate(pairs):
        if pair not in wanted:
            kept.append(pos)
            continue
        if pair in done:
            continue
        done.add(pair)
        book = books[pair[1]]
        for sub, code in enumerate(wanted[pair] or [None]):
            label = (book[code].zh, book[code].en) if code is not None else (None, None)
            replaced.append((pos, sub, code, *label, evidence))
    out = coded.iloc[kept].assign(_pos=kept, _sub=0)
    if replaced:
        new = pd.DataFrame(
            replaced, columns=["_pos", "_sub", "code", "label_zh", "label_en", "evidence"]
        )
        base = coded.iloc[new["_pos"]].drop(columns=["code", "label_zh", "label_en", "evidence"])
        base = base.reset_index(drop=True).assign(**{c: new[c] for c in new.columns})
        base["evidence"] = base["evidence"].astype(coded["evidence"].dtype)
        out = pd.concat([out, base[out.columns]], ignore_index=True)
    out = out.sort_values(["_pos", "_sub"], kind="stable").drop(columns=["_pos", "_sub"])
    return out.reset_index(drop=True).astype(coded.dtypes.to_dict())


def _one_coder(checks: pd.DataFrame, coder: str | None) -> tuple[pd.DataFrame, str | None]:
    if "coder" not in checks.columns:
        return checks, coder
    if coder is not None:
        return checks[checks["coder"] == coder], coder
    names = list(dict.fromkeys(checks["coder"].dropna().astype(str)))
    if len(names) > 1:
        raise ValueError(
            f"apply_checks: checks by {len(names)} coders ({', '.join(names)}); "
            "reconcile them or pass coder="
        )
    return checks, names[0] if names else None


def join_keys(a: pd.DataFrame, b: pd.DataFrame, on: Sequence[str] | None, *, who: str,
              by_text: bool = True) -> list[str]:
    """The columns that match units of ``a`` with units of ``b``: ``on`` if given, else
    ``unit_id``, else the unit key columns both have, else (``by_text``) the text."""
    if on is not None:
        return list(on)
    if "unit_id" in a.columns and "unit_id" in b.columns:
        return ["unit_id"]
    keys = [k for k in UNIT_KEY if k in a.columns and k in b.columns]
    if keys and keys != ["field"]:
        return keys
    if by_text and "text" in a.columns and "text" in b.columns:
        return ["text"]
    also = ", or text" if by_text else ""
    raise ValueError(f"{who}: no shared unit key (unit_id, doc_id…{also}); pass on=")


def unit_key(values: Iterable[Any]) -> tuple[Any, ...]:
    """A unit key that a sheet's cells and a frame's values give alike: a workbook keeps
    whole numbers as numbers (5.0 → 5) and NA as a blank cell (→ None)."""
    out: list[Any] = []
    for v in values:
        if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "":
            out.append(None)
        elif (isinstance(v, numbers.Integral) and not isinstance(v, bool)) or (
            isinstance(v, float) and v.is_integer()
        ):
            out.append(int(v))
        else:
            out.append(str(v).strip())
    return tuple(out)


def _checked_codes(
    checks: pd.DataFrame, keys: list[str], books: dict[str, Codebook]
) -> dict[tuple[Any, str], list[str]]:
    """(unit, codebook) → the checked codes in order (empty: ``none``)."""
    wanted: dict[tuple[Any, str], list[str]] = {}
    rows = checks[[*keys, "codebook", "code"]].itertuples(index=False, name=None)
    for *key, book_name, code in rows:
        unit = unit_key(tuple(key))
        book = books.get(str(book_name))
        if book is None:
            raise ValueError(f"apply_checks: codebook {book_name!r} of unit {unit} is not given")
        codes = wanted.setdefault((unit, book.name), [])
        code = str(code).strip()
        if code == "none":
            continue
        if code not in book:
            raise ValueError(f"apply_checks: {code!r} at unit {unit} is no code of {book.name}")
        if code not in codes:
            codes.append(code)
    return wanted
