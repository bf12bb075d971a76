"""Check dictionary coding against human codes and learn keywords from the corrections.

The dictionary coder (:func:`cqanalysis.code_units`) is a first pass: fast, transparent and
repeatable, but only as good as its keyword lists.  This module closes the loop with the
coders who check it:

* :func:`machine_agreement` compares the machine's codes with human codes, per code (Cohen's
  κ, precision, recall, F1), micro-averaged and per top-level family, and lists the
  disagreements;
* :func:`suggest_keywords` proposes character n-grams that separate each code in human-coded
  text, with their precision, recall and counts, and :func:`keyword_patch` writes them as a
  YAML patch for review; :func:`extend_codebook` applies reviewed suggestions;
* :func:`coverage_summary` states, per codebook, how many units were coded;
* :func:`tidy_codings` turns answers kept one row per unit (a column per coder, several codes
  joined by "；") into the tidy frame :func:`cqanalysis.read_coding_sheets` returns.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from .agreement import cohen_kappa
from .checking import CHECKED_EVIDENCE, join_keys, unit_key
from .codebook import Codebook, load_codebook, match_key
from .coding import code_units, resolve_codebooks

__all__ = [
    "FIRST_PASS_NOTE",
    "MachineAgreement",
    "coverage_summary",
    "extend_codebook",
    "keyword_patch",
    "machine_agreement",
    "suggest_keywords",
    "tidy_codings",
]

#: The sentence reports print under dictionary-coded tables.
FIRST_PASS_NOTE = (
    "Dictionary codes are a first pass by keyword matching, to be checked by a human coder "
    "(字典编码为关键词匹配的初步结果，须经人工核对)."
)

_SPLIT = re.compile(r"[;；,，\s|]+")
#: Runs of characters an n-gram may come from: CJK ideographs, Latin letters and digits.
_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaffa-z0-9+]+")


def _code_list(value: Any) -> list[str]:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return []
    return [c for c in _SPLIT.split(str(value)) if c and c != "none"]


def _human_sets(
    human: pd.DataFrame, on: list[str], codes: str, codebook: str | None,
    *, key: Callable[[tuple], tuple] = tuple,
) -> dict[tuple, frozenset[str]]:
    """Each unit's human code set, from a tidy frame (one code per row) or a joined column;
    ``key`` turns a row's ``on`` values into the unit's key."""
    if codes not in human.columns:
        raise ValueError(f"human codes: no column {codes!r}")
    data = human
    if codebook is not None and "codebook" in data.columns:
        data = data[data["codebook"].isna() | (data["codebook"] == codebook)]
    out: dict[tuple, set[str]] = {}
    for values, value in zip(data[on].itertuples(index=False, name=None), data[codes],
                             strict=True):
        out.setdefault(key(values), set()).update(_code_list(value))
    return {k: frozenset(v) for k, v in out.items()}


@dataclass(frozen=True)
class MachineAgreement:
    """Machine versus human coding of one codebook.

    Attributes
    ----------
    per_code
        One row per code: code, family, n_human, n_machine, tp, fp, fn, precision, recall,
        f1, kappa.
    summary
        One row per scope: ``micro`` (leaf codes pooled), ``family`` (codes rolled up to
        their top-level ancestor, pooled), then each family on its own: scope, n_units, tp,
        fp, fn, precision, recall, f1; plus ``coverage_machine`` and ``coverage_human`` (share
        of units with at least one code) on the micro row.
    disagreements
        Units whose code sets differ: the key columns, text, human, machine, missed (human
        only), extra (machine only); codes joined by ``"；"``.
    """

    per_code: pd.DataFrame
    summary: pd.DataFrame
    disagreements: pd.DataFrame

    def __repr__(self) -> str:
        micro = self.summary.iloc[0]
        return (
            f"<MachineAgreement: {int(micro['n_units'])} units, micro P={micro['precision']:.2f}"
            f" R={micro['recall']:.2f} F1={micro['f1']:.2f}, "
            f"{len(self.disagreements)} disagreements>"
        )


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
    return p, r, f


def _counts(
    pairs: list[tuple[frozenset[str], frozenset[str]]], code: str | None
) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for human, machine in pairs:
        h, m = (human, machine) if code is None else (human & {code}, machine & {code})
        tp += len(h & m)
        fp += len(m - h)
        fn += len(h - m)
    return tp, fp, fn


def machine_agreement(
    coded: pd.DataFrame,
    human: pd.DataFrame,
    *,
    codebook: Codebook | str | os.PathLike[str] = "instruments",
    codes: str = "code",
    on: Sequence[str] | None = None,
) -> MachineAgreement:
    """Compare dictionary codes with human codes, per code and pooled.

    Parameters
    ----------
    coded
        A ``coded`` frame (:func:`cqanalysis.code_units`).
    human
        Human codes: a tidy frame, one row per unit × code (as
        :func:`cqanalysis.read_coding_sheets` returns; ``none`` = no code), or one row per
        unit with the codes joined by ``;``/``；`` in column ``codes``.  Only the units in
        ``human`` are compared.
    codebook
        The codebook compared (its name selects the rows of ``coded`` and, if present, of
        ``human``).
    codes
        Column of ``human`` holding the codes (e.g. ``"gold"``).
    on
        Unit key columns shared by both frames (default: ``unit_id``, else the clause key
        columns both have, else ``text``).

    Returns
    -------
    MachineAgreement
    """
    book = load_codebook(codebook)
    keys = join_keys(coded, human, on, who="machine_agreement")
    # a sheet keeps whole numbers as numbers and NA as blank cells: compare keys as both give
    gold = _human_sets(human, keys, codes, book.name, key=unit_key)
    mine = coded[coded["codebook"] == book.name] if "codebook" in coded.columns else coded
    machine = _human_sets(mine, keys, "code", None, key=unit_key)
    units = list(gold)
    pairs = [(gold[u], machine.get(u, frozenset())) for u in units]

    leaves = [c.id for c in book if not book.children(c.id)]
    seen = {c for h, m in pairs for c in h | m}
    rows = []
    for code in [*leaves, *sorted(seen - set(leaves))]:
        tp, fp, fn = _counts(pairs, code)
        p, r, f = _prf(tp, fp, fn)
        kappa = cohen_kappa([code in h for h, _ in pairs], [code in m for _, m in pairs])
        family = book.at_depth(code, 1) if code in book else None
        rows.append(
            dict(
                code=code,
                family=family,
                n_human=tp + fn,
                n_machine=tp + fp,
                tp=tp,
                fp=fp,
                fn=fn,
                precision=p,
                recall=r,
                f1=f,
                kappa=kappa,
            )
        )
    per_code = pd.DataFrame(rows)

    def up(codes_: frozenset[str]) -> frozenset[str]:
        return frozenset(book.at_depth(c, 1) if c in book else c for c in codes_)

    families = [(up(h), up(m)) for h, m in pairs]
    summary = [_summary_row("micro", pairs, None), _summary_row("family", families, None)]
    summary += [_summary_row(c.id, families, c.id) for c in book.children(None)]
    summary[0]["coverage_machine"] = sum(bool(m) for _, m in pairs) / max(len(pairs), 1)
    summary[0]["coverage_human"] = sum(bool(h) for h, _ in pairs) / max(len(pairs), 1)
    return MachineAgreement(
        per_code, pd.DataFrame(summary), _disagreements(human, keys, units, pairs)
    )


def _summary_row(
    scope: str, pairs: list[tuple[frozenset[str], frozenset[str]]], code: str | None
) -> dict[str, Any]:
    tp, fp, fn = _counts(pairs, code)
    p, r, f = _prf(tp, fp, fn)
    return dict(scope=scope, n_units=len(pairs), tp=tp, fp=fp, fn=fn, precision=p, recall=r, f1=f)


def _disagreements(
    human: pd.DataFrame,
    keys: list[str],
    units: list[tuple],
    pairs: list[tuple[frozenset[str], frozenset[str]]],
) -> pd.DataFrame:
    text = {}
    if "text" in human.columns:
        text = dict(zip(map(unit_key, human[keys].itertuples(index=False, name=None)),
                        human["text"], strict=True))
    rows = []
    for unit, (h, m) in zip(units, pairs, strict=True):
        if h != m:
            rows.append(
                {
                    **dict(zip(keys, unit, strict=True)),
                    "text": text.get(unit, pd.NA),
                    "human": "；".join(sorted(h)),
                    "machine": "；".join(sorted(m)),
                    "missed": "；".join(sorted(h - m)),
                    "extra": "；".join(sorted(m - h)),
                }
            )
    columns = [*dict.fromkeys([*keys, "text"]), "human", "machine", "missed", "extra"]
    return pd.DataFrame(rows, columns=columns)


# ------------------------------------------------------------------ learning keywords


def _grams(key: str, sizes: Sequence[int]) -> set[str]:
    out: set[str] = set()
    for run in _RUN.findall(key):
        for n in sizes:
            out.update(run[i : i + n] for i in range(len(run) - n + 1))
    return out


def _training_frame(
    human: pd.DataFrame | str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    book: Codebook,
    text: str,
    codes: str,
) -> pd.DataFrame:
    """Unit text and human code set, from a frame or filled coding sheets."""
    if not isinstance(human, pd.DataFrame):
        from .codingsheet import read_coding_sheets

        human = read_coding_sheets(human, [book], with_text=True)
    if text not in human.columns:
        raise ValueError(f"suggest_keywords: human codes need a {text!r} column")
    sets = _human_sets(human, [text], codes, book.name)
    return pd.DataFrame({"text": list(sets), "codes": list(sets.values())}).assign(
        text=lambda d: [t[0] for t in d["text"]]
    )


def suggest_keywords(
    human: pd.DataFrame | str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    codebook: Codebook | str | os.PathLike[str] = "instruments",
    *,
    text: str = "text",
    codes: str = "code",
    sizes: Sequence[int] = (2, 3, 4),
    min_units: int = 2,
    min_precision: float = 0.75,
    top: int = 10,
) -> pd.DataFrame:
    """Character n-grams that would catch the units the codebook misses, code by code.

    For each code, the units a human gave it but the codebook does not are the misses.  Every
    n-gram of their text is scored on all human-coded units: ``n_units`` units with the code
    contain it, ``n_other`` units without the code contain it, ``n_missed`` misses contain
    it.  Grams reaching ``min_units`` misses and ``min_precision`` are picked greedily (most
    misses caught, then precision, then the shorter gram) until the misses are covered or
    ``top`` grams are chosen.  Chinese has no spaces, so n-grams stand in for words; a human
    reads the list and keeps the grams that are instrument words.

    Parameters
    ----------
    human
        Human-coded units: a frame with ``text`` and ``codes`` columns (tidy, one code per
        row, or codes joined by ``;``), or paths of filled coding sheets.  Rows with the same
        text are one unit; with several coders a unit has every code any of them gave, so
        pass reconciled codes (or one coder's) where coders disagree.
    codebook
        The codebook to improve.
    text, codes
        Column names in ``human``.
    sizes
        N-gram lengths.
    min_units, min_precision, top
        Thresholds and the number of grams per code.

    Returns
    -------
    DataFrame
        codebook, code, keyword, n_missed, n_units, n_other, precision (n_units /
        (n_units + n_other)), recall (n_units / units with the code); codes in codebook
        order, grams in the order picked.  :func:`keyword_patch` writes it as YAML.
    """
    book = load_codebook(codebook)
    train = _training_frame(human, book, text, codes)
    keys = [match_key(t) for t in train["text"]]
    found = _machine_codes(keys, train["text"], book)
    support: dict[str, list[int]] = {}  # gram → the units whose text holds it
    for i, key in enumerate(keys):
        for gram in _grams(key, sizes):
            support.setdefault(gram, []).append(i)
    rows = []
    for code in (c for c in book if c.keywords or c.patterns):
        has = [code.id in s for s in train["codes"]]
        missed = {i for i, h in enumerate(has) if h and code.id not in found.get(i, frozenset())}
        if not missed:
            continue
        candidates = {}
        for gram, where in support.items():
            pos = sum(has[i] for i in where)
            if pos / len(where) >= min_precision and len(missed.intersection(where)) >= min_units:
                candidates[gram] = (set(where), pos, len(where) - pos)
        rows += _greedy(book.name, code.id, candidates, missed, sum(has), top)
    return pd.DataFrame(rows, columns=["codebook", "code", "keyword", "n_missed", "n_units",
                                       "n_other", "precision", "recall"])


def _machine_codes(keys: Sequence[str], texts: pd.Series, book: Codebook) -> pd.Series:
    """Unit number → the codes the codebook gives it now."""
    units = pd.DataFrame({"doc_id": "train", "table_id": "", "row_no": 0,
                          "field": book.fields[0], "clause_no": range(len(keys)),
                          "text": texts})
    machine = code_units(units, book)
    machine["unit_id"] = machine["clause_no"]
    return machine.dropna(subset=["code"]).groupby("unit_id")["code"].agg(frozenset)


def _greedy(
    book: str,
    code: str,
    candidates: Mapping[str, tuple[set[int], int, int]],
    missed: set[int],
    n_code: int,
    top: int,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    left = set(missed)
    while left and len(rows) < top:
        scored = [
            (len(left & where), pos / (pos + neg), -len(g), g)
            for g, (where, pos, neg) in candidates.items()
            if left & where
        ]
        if not scored:
            break
        gain, precision, _, gram = max(scored)
        where, pos, neg = candidates[gram]
        rows.append(
            dict(
                codebook=book,
                code=code,
                keyword=gram,
                n_missed=gain,
                n_units=pos,
                n_other=neg,
                precision=precision,
                recall=pos / n_code,
            )
        )
        left -= where
    return rows


def keyword_patch(suggestions: pd.DataFrame) -> str:
    """The suggestions as a YAML patch: per code, the keywords to add, with their counts.

    The patch is for review: delete the lines you do not want, then merge the keywords into
    the codebook file (or apply the frame with :func:`extend_codebook`).
    """
    lines = [
        "# Suggested keywords (cqanalysis.suggest_keywords); review before use.",
        "# n = misses caught / units with the code containing it / other units.",
        "codes:",
    ]
    for (book, code), group in suggestions.groupby(["codebook", "code"], sort=False):
        lines += [f"  - id: {code}  # codebook {book}", "    keywords:"]
        for row in group.itertuples(index=False):
            lines.append(
                f"      - {row.keyword}  # precision {row.precision:.2f}, recall "
                f"{row.recall:.2f}, n {row.n_missed}/{row.n_units}/{row.n_other}"
            )
    return "\n".join(lines) + "\n"


def extend_codebook(
    codebook: Codebook | str | os.PathLike[str], suggestions: pd.DataFrame
) -> Codebook:
    """A new codebook with the suggested keywords added to their codes (the input unchanged)."""
    book = load_codebook(codebook)
    extra: dict[str, list[str]] = {}
    for code, kw in zip(suggestions["code"], suggestions["keyword"], strict=True):
        extra.setdefault(code, []).append(match_key(kw))
    unknown = sorted(set(extra) - {c.id for c in book})
    if unknown:
        raise ValueError(f"extend_codebook: no code {', '.join(unknown)} in {book.name!r}")
    codes = tuple(
        replace(c, keywords=tuple(dict.fromkeys([*c.keywords, *extra.get(c.id, [])]))) for c in book
    )
    return replace(book, codes=codes)


def coverage_summary(
    coded: pd.DataFrame,
    units: pd.DataFrame | None = None,
    codebooks: Any = None,
) -> pd.DataFrame:
    """Per codebook: the units it applies to, how many got a code, and the coverage.

    Parameters
    ----------
    coded
        A ``coded`` frame.
    units
        Unused unless given: the units frame, to count units ``coded`` lacks (0 codes).
    codebooks
        Codebooks in codebook order (default: the shipped ones).

    Returns
    -------
    DataFrame
        codebook, label_zh, label_en, n_units, n_coded, coverage (n_coded / n_units),
        n_checked (units whose codes a person checked, :func:`cqanalysis.apply_checks`),
        note (:data:`FIRST_PASS_NOTE` on every row, for captions).
    """
    books = resolve_codebooks(codebooks)
    rows = []
    for book in books:
        sub = coded[coded["codebook"] == book.name]
        applies = set(sub["unit_id"])
        if units is not None:
            applies |= {
                u for u, f in zip(units["unit_id"], units["field"], strict=True) if f in book.fields
            }
        coded_units = set(sub.loc[sub["code"].notna(), "unit_id"])
        checked = sub["evidence"].fillna("").astype("str").str.startswith(CHECKED_EVIDENCE)
        n = len(applies)
        rows.append(
            dict(
                codebook=book.name,
                label_zh=book.zh,
                label_en=book.en,
                n_units=n,
                n_coded=len(coded_units),
                coverage=len(coded_units) / n if n else float("nan"),
                n_checked=sub.loc[checked, "unit_id"].nunique(),
                note=FIRST_PASS_NOTE,
            )
        )
    return pd.DataFrame(rows)


def tidy_codings(
    wide: pd.DataFrame,
    *,
    coders: Sequence[str],
    key: Sequence[str],
    sep: str = "；",
    codebooks: Any = None,
) -> pd.DataFrame:
    """Answers kept one row per unit, a column per coder, as one row per unit × coder × code.

    Parameters
    ----------
    wide
        One row per unit: the ``key`` columns and a column per coder holding that coder's
        codes joined by ``sep`` (a blank cell: not coded; ``"none"``: no code applies).
    coders
        The coder columns, in order.
    key
        The unit key columns (e.g. doc_id, table_id, row_no, field, clause_no).
    sep
        What joins several codes in a cell.
    codebooks
        Codebooks the codes belong to (default: the shipped ones).  Each code's codebook is
        looked up by its id; ``"none"`` goes to the first codebook whose ``fields`` include
        the unit's ``field``.

    Returns
    -------
    DataFrame
        The key columns, ``coder``, ``codebook``, ``code``: the shape of
        :func:`cqanalysis.read_coding_sheets`, ready for :func:`cqanalysis.agreement_report`,
        :func:`machine_agreement` and :func:`suggest_keywords`.  Rows come unit by unit, coders
        in the given order, codes in the order written.

    Raises
    ------
    ValueError
        A missing column, or a code of no codebook (named with its unit and coder).
    """
    missing = [c for c in (*key, *coders) if c not in wide.columns]
    if missing:
        raise ValueError(f"tidy_codings: no column(s) {', '.join(map(str, missing))}")
    books = resolve_codebooks(codebooks)
    book_of = {c.id: b.name for b in reversed(books) for c in b}
    records = []
    for unit in wide[[*key, *coders]].itertuples(index=False, name=None):
        keys, cells = unit[: len(key)], unit[len(key) :]
        field = dict(zip(key, keys, strict=True)).get("field")
        for coder, cell in zip(coders, cells, strict=True):
            for code in _cell_codes(cell, sep):
                book = book_of.get(code) or _none_book(code, field, books)
                if book is None:
                    raise ValueError(
                        f"tidy_codings: code {code!r} of coder {coder!r} at {keys} "
                        "is in no codebook"
                    )
                records.append((*keys, coder, book, code))
    return pd.DataFrame(records, columns=[*key, "coder", "codebook", "code"])


def _cell_codes(cell: Any, sep: str) -> list[str]:
    if cell is None or (not isinstance(cell, str) and pd.isna(cell)):
        return []
    return [c.strip() for c in str(cell).split(sep) if c.strip()]


def _none_book(code: str, field: Any, books: Sequence[Codebook]) -> str | None:
    if code != "none":
        return None
    return next((b.name for b in books if field in b.fields), None)
