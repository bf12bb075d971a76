"""Intercoder agreement: percent agreement, Cohen's κ and Krippendorff's α, overall and per code.

Two kinds of input:

* a *reliability matrix*, units × coders (a DataFrame or 2-D array; NaN/None = the coder did
  not code that unit), for :func:`percent_agreement`, :func:`krippendorff_alpha` and
  :func:`alpha_bootstrap`; :func:`cohen_kappa` takes two coders' sequences;
* a *tidy coding frame*, one row per unit × coder × codebook × code (what
  :func:`cqanalysis.codingsheet.read_coding_sheets` returns), for :func:`coding_matrix`,
  :func:`agreement_report` and :func:`disagreements`.

Multi-label coding (a coder may give a unit several codes of one codebook) is measured two
ways: per code, each coder's presence/absence of the code on each unit is a binary variable;
overall, each coder's *set* of codes for the unit is one nominal value, so coders agree on a
unit only when they chose exactly the same codes. With one code per unit the overall figure is
the ordinary nominal α/κ on the codes.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .core.constants import NO_CODE

__all__ = [
    "LEVELS",
    "agreement_report",
    "alpha_bootstrap",
    "coding_matrix",
    "cohen_kappa",
    "disagreements",
    "krippendorff_alpha",
    "percent_agreement",
]

#: Levels of measurement :func:`krippendorff_alpha` supports (Krippendorff 2011, difference
#: functions δ² for nominal, ordinal, interval and ratio metrics).
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")

Level = Literal["nominal", "ordinal", "interval", "ratio"]

# Stands in for a missing unit key value, which would not compare equal to itself.
_MISSING = object()

_REPORT_COLUMNS = (
    "codebook", "scope", "code", "label_zh", "label_en", "n_units", "n_coders", "n_assigned",
    "percent_agreement", "kappa", "alpha", "alpha_ci_low", "alpha_ci_high",
)  # fmt: skip


# --------------------------------------------------------------------------- reliability matrix


def _value_matrix(data: Any) -> np.ndarray:
    arr = data.to_numpy(dtype=object) if isinstance(data, pd.DataFrame) else np.asarray(data)
    if arr.dtype != object:
        arr = arr.astype(object)
    if arr.ndim != 2:
        raise ValueError(f"reliability data must be 2-D (units × coders), got {arr.ndim}-D")
    return arr


def _encode(
    arr: np.ndarray, level: str, values: Sequence[Hashable] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (units × coders, -1 = missing) and the value domain, ordered if it matters."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    missing = np.asarray(pd.isna(arr), dtype=bool)
    present = arr[~missing]
    codes = np.full(arr.shape, -1, dtype=np.intp)
    if level in ("interval", "ratio"):
        try:
            numbers = np.asarray(present, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{level} data must be numeric") from exc
        if level == "ratio" and (numbers < 0).any():
            raise ValueError("ratio data must be non-negative")
        domain = np.unique(numbers)
        codes[~missing] = np.searchsorted(domain, numbers)
        return codes, domain
    if values is not None:
        domain_list = list(values)
        lookup = {v: i for i, v in enumerate(domain_list)}
        if len(lookup) != len(domain_list):
            raise ValueError("values= lists a value twice")
        unknown = [v for v in present if v not in lookup]
        if unknown:
            raise ValueError(f"value {unknown[0]!r} is not in values=")
        codes[~missing] = [lookup[v] for v in present]
        return codes, np.asarray(domain_list, dtype=object)
    found = list(pd.unique(pd.Series(present, dtype=object)))
    if level == "ordinal":
        try:
            found = sorted(found)
        except TypeError as exc:
            raise ValueError(
                "ordinal values cannot be sorted; pass their order as values="
            ) from exc
    lookup = {v: i for i, v in enumerate(found)}
    codes[~missing] = [lookup[v] for v in present]
    return codes, np.asarray(found, dtype=object)


def _pairable_counts(codes: np.ndarray, n_values: int) -> np.ndarray:
    """Value counts n_uc (units × values) of the units that at least two coders coded."""
    counts = np.zeros((codes.shape[0], n_values))
    rows, cols = np.nonzero(codes >= 0)
    np.add.at(counts, (rows, codes[rows, cols]), 1.0)
    return counts[counts.sum(axis=1) >= 2]


def _distance(level: str, domain: np.ndarray, n_c: np.ndarray) -> np.ndarray:
    """Krippendorff's squared difference function δ²(c, k) over the value domain."""
    n_values = len(domain)
    if level == "nominal":
        return 1.0 - np.eye(n_values)
    if level == "ordinal":
        # δ²(c,k) = (Σ_{g=c..k} n_g − (n_c + n_k)/2)², ranks taken from the pairable values.
        cum = np.concatenate([[0.0], np.cumsum(n_c)])
        idx = np.arange(n_values)
        lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
        return (cum[hi + 1] - cum[lo] - (n_c[lo] + n_c[hi]) / 2.0) ** 2
    x = domain.astype(float)
    diff = np.subtract.outer(x, x)
    if level == "interval":
        return diff**2
    total = np.add.outer(x, x)
    ratio = np.divide(diff, total, out=np.zeros_like(diff), where=total != 0)
    return ratio**2


def _alpha_from_coincidences(o: np.ndarray, level: str, domain: np.ndarray) -> float:
    n_c = o.sum(axis=0)
    n = n_c.sum()
    if n < 2:
        return float("nan")
    delta = _distance(level, domain, n_c)
    expected = (np.outer(n_c, n_c) * delta).sum()
    # No variation among the pairable values: α = 0/0, undefined (Krippendorff 2011).
    if not expected > 0:
        return float("nan")
    return float(1.0 - (n - 1) * (o * delta).sum() / expected)


def _coincidences(counts: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """o_ck = Σ_u w_u (n_uc n_uk − [c = k] n_uc) / (m_u − 1) over pairable units."""
    scaled = counts / (counts.sum(axis=1) - 1.0)[:, None]
    if weights is not None:
        scaled = scaled * weights[:, None]
    return scaled.T @ counts - np.diag(scaled.sum(axis=0))


def krippendorff_alpha(
    data: Any, *, level: Level = "nominal", values: Sequence[Hashable] | None = None
) -> float:
    """Krippendorff's α for any number of coders, with missing values.

    Parameters
    ----------
    data : DataFrame or array-like, units × coders
        ``data[u][j]`` is the value coder ``j`` gave unit ``u``; NaN/None/``pd.NA`` = not coded.
        (The ``krippendorff`` package takes the transpose, coders × units.)
    level : {"nominal", "ordinal", "interval", "ratio"}
        Level of measurement, i.e. Krippendorff's difference function. Nominal values may be any
        hashable (code ids); ordinal values must sort or be ordered by ``values``; interval and
        ratio values must be numbers (ratio: non-negative).
    values : sequence, optional
        The value domain in order, for nominal or ordinal data. Values that nobody used do not
        change α.

    Returns
    -------
    float
        α = 1 − D_o / D_e from the coincidence matrix of the *pairable* values (units coded by
        at least two coders; other units are ignored). ``nan`` when α is undefined: no unit
        has two values, or all pairable values are identical (D_e = 0).

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
    Communication, University of Pennsylvania. https://repository.upenn.edu/asc_papers/43
    """
    codes, domain = _encode(_value_matrix(data), level, values)
    counts = _pairable_counts(codes, len(domain))
    if len(counts) == 0:
        return float("nan")
    return _alpha_from_coincidences(_coincidences(counts), level, domain)


def alpha_bootstrap(
    data: Any,
    *,
    level: Level = "nominal",
    values: Sequence[Hashable] | None = None,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int | None = 0,
) -> pd.Series:
    """Krippendorff's α with a percentile bootstrap confidence interval.

    This is a *unit-resampling* bootstrap, not Krippendorff's (Hayes & Krippendorff 2007)
    resampling of pairable values: each replicate draws the pairable units (those coded by at
    least two coders) with replacement, keeps each unit's values together, and recomputes α.
    Replicates where α is undefined are left out of the percentiles.

    Parameters
    ----------
    data, level, values
        As for :func:`krippendorff_alpha`.
    n_boot : int
        Number of bootstrap replicates; 0 gives no interval (``nan`` bounds).
    ci : float
        Coverage of the two-sided interval, in (0, 1).
    seed : int or None
        Seed of the random generator; the default 0 makes the interval reproducible, ``None``
        draws fresh entropy.

    Returns
    -------
    Series
        ``alpha``, ``ci_low``, ``ci_high``, ``n_units`` (pairable units), ``n_boot``.
    """
    if not 0 < ci < 1:
        raise ValueError(f"ci must be in (0, 1), got {ci}")
    if n_boot < 0:
        raise ValueError(f"n_boot must be >= 0, got {n_boot}")
    codes, domain = _encode(_value_matrix(data), level, values)
    counts = _pairable_counts(codes, len(domain))
    n_units = len(counts)
    alpha = _alpha_from_coincidences(_coincidences(counts), level, domain) if n_units else np.nan
    low = high = float("nan")
    if n_units and n_boot:
        rng = np.random.default_rng(seed)
        weights = rng.multinomial(n_units, np.full(n_units, 1.0 / n_units), size=n_boot)
        reps = np.array(
            [
                _alpha_from_coincidences(_coincidences(counts, w.astype(float)), level, domain)
                for w in weights
            ]
        )
        reps = reps[~np.isnan(reps)]
        if len(reps):
            tail = (1.0 - ci) / 2.0
            low, high = (float(q) for q in np.quantile(reps, [tail, 1.0 - tail]))
    return pd.Series(
        {"alpha": alpha, "ci_low": low, "ci_high": high, "n_units": n_units, "n_boot": n_boot},
        dtype=object,
    )


def percent_agreement(data: Any) -> float:
    """Share of agreeing coder pairs, averaged over the units coded by at least two coders.

    For each such unit the share of its coder pairs that gave the same value is taken, and these
    shares are averaged with equal weight per unit. With two coders this is the plain share of
    units (coded by both) on which they agree.

    Parameters
    ----------
    data : DataFrame or array-like, units × coders
        NaN/None = not coded.

    Returns
    -------
    float
        In [0, 1]; ``nan`` if no unit was coded by two coders.
    """
    codes, domain = _encode(_value_matrix(data), "nominal", None)
    counts = _pairable_counts(codes, len(domain))
    if len(counts) == 0:
        return float("nan")
    m = counts.sum(axis=1)
    return float(np.mean((counts * (counts - 1)).sum(axis=1) / (m * (m - 1))))


def cohen_kappa(a: Iterable[Hashable], b: Iterable[Hashable]) -> float:
    """Cohen's κ for two coders' nominal codes of the same units.

    Parameters
    ----------
    a, b : sequences of equal length
        The two coders' values, unit by unit; NaN/None = not coded. Only units both coded
        (pairwise-complete) count.

    Returns
    -------
    float
        κ = (p_o − p_e) / (1 − p_e), with p_e from each coder's own marginal distribution
        (Cohen 1960). Degenerate cases: ``nan`` when no unit was coded by both, and when p_e = 1
        — both coders used one and the same category for every unit, so agreement is perfect
        but entirely expected by chance and κ = 0/0. When the coders each used a single but
        different category, p_o = p_e = 0 and κ = 0.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
    Psychological Measurement, 20(1), 37–46.
    """
    x = np.asarray(list(a), dtype=object)
    y = np.asarray(list(b), dtype=object)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"a and b must be 1-D and of equal length, got {x.shape} and {y.shape}")
    both = ~(np.asarray(pd.isna(x), dtype=bool) | np.asarray(pd.isna(y), dtype=bool))
    x, y = x[both], y[both]
    n = len(x)
    if n == 0:
        return float("nan")
    codes, uniques = pd.factorize(pd.Series(np.concatenate([x, y]), dtype=object))
    ca, cb = codes[:n], codes[n:]
    k = len(uniques)
    # Integer counts keep the degenerate test p_e == 1 exact.
    observed = int((ca == cb).sum())
    chance = int((np.bincount(ca, minlength=k) * np.bincount(cb, minlength=k)).sum())
    denominator = n * n - chance
    if denominator == 0:
        return float("nan")
    return float((n * observed - chance) / denominator)


# ------------------------------------------------------------------------- tidy coding frames


def _unit_columns(data: pd.DataFrame, unit: Sequence[str] | None, coder: str) -> list[str]:
    missing = [c for c in (coder, "codebook", "code") if c not in data.columns]
    if missing:
        raise ValueError(f"coding frame lacks column(s) {missing}")
    if unit is None:
        cols = [c for c in data.columns if c not in (coder, "codebook", "code")]
    else:
        cols = list(unit)
        absent = [c for c in cols if c not in data.columns]
        if absent:
            raise ValueError(f"unit column(s) {absent} not in the coding frame")
    if not cols:
        raise ValueError("the coding frame has no unit key columns")
    return cols


def _code_sets(
    data: pd.DataFrame, unit: list[str], coder: str
) -> tuple[pd.DataFrame, list[Hashable], dict[tuple[int, Hashable], frozenset]]:
    """Units (first-appearance order), coders (first appearance) and each unit×coder code set."""

    # Keys are built by hand rather than with groupby so that missing key values (an item has
    # no table_id) form their own unit and the order is plainly that of first appearance.
    keys = list(
        zip(*(data[c].astype(object).where(data[c].notna(), _MISSING) for c in unit), strict=True)
    )
    first: dict[tuple, int] = {}
    positions: list[int] = []
    for pos, key in enumerate(keys):
        if key not in first:
            first[key] = len(first)
            positions.append(pos)
    units = data[unit].iloc[positions].reset_index(drop=True)
    coders = list(pd.unique(data[coder]))
    sets: dict[tuple[int, Hashable], set] = {}
    for key, who, code in zip(keys, data[coder], data["code"], strict=True):
        uid = first[key]
        bucket = sets.setdefault((int(uid), who), set())
        # A row with a missing code, or the coding sheet's "none", means "coded, and no code
        # applies": the same empty set whether a coder or the dictionary coding says it.
        if not pd.isna(code) and code != NO_CODE:
            bucket.add(code)
    return units, coders, {key: frozenset(val) for key, val in sets.items()}


def _select_codebook(data: pd.DataFrame, codebook: str | None) -> pd.DataFrame:
    if codebook is not None:
        return data[data["codebook"] == codebook]
    books = pd.unique(data["codebook"])
    if len(books) > 1:
        raise ValueError(f"the frame holds several codebooks {list(books)}; pass codebook=")
    return data


def _set_value(codes: frozenset) -> str:
    return "|".join(sorted(map(str, codes)))


def _matrix(
    units: pd.DataFrame,
    coders: list[Hashable],
    sets: dict[tuple[int, Hashable], frozenset],
    code: Hashable | None,
) -> pd.DataFrame:
    values = np.full((len(units), len(coders)), np.nan, dtype=object)
    col = {c: j for j, c in enumerate(coders)}
    for (uid, who), codes in sets.items():
        values[uid, col[who]] = _set_value(codes) if code is None else float(code in codes)
    if len(units.columns) == 1:
        index = pd.Index(units.iloc[:, 0], name=units.columns[0])
    else:
        index = pd.MultiIndex.from_frame(units)
    frame = pd.DataFrame(values, index=index, columns=pd.Index(coders, name="coder"))
    return frame.astype(float) if code is not None else frame


def coding_matrix(
    data: pd.DataFrame,
    *,
    codebook: str | None = None,
    code: Hashable | None = None,
    unit: Sequence[str] | None = None,
    coder: str = "coder",
) -> pd.DataFrame:
    """Turn a tidy coding frame into the units × coders matrix :func:`krippendorff_alpha` takes.

    Parameters
    ----------
    data : DataFrame
        One row per unit × coder × codebook × code, with columns ``codebook``, ``code``, the
        coder column and the unit key columns. A coder coded a unit (in a codebook) when the
        frame has at least one row for them; a row whose ``code`` is missing means "coded, no
        code applies".
    codebook : str, optional
        The codebook to use; required when the frame holds several.
    code : hashable, optional
        If given, the matrix is presence/absence of this code: 1.0 the coder gave it, 0.0 the
        coder coded the unit without it, NaN the coder did not code the unit. If omitted, each
        cell is the coder's set of codes as one nominal value (ids sorted and joined with
        ``"|"``; ``""`` for an empty set), NaN where not coded.
    unit : sequence of str, optional
        Unit key columns; default every column except the coder, ``codebook`` and ``code``.
    coder : str
        Name of the coder column.

    Returns
    -------
    DataFrame
        Index = unit keys (in order of first appearance), columns = coders (in order of first
        appearance).
    """
    cols = _unit_columns(data, unit, coder)
    units, coders, sets = _code_sets(_select_codebook(data, codebook), cols, coder)
    return _matrix(units, coders, sets, code)


def _codebook_labels(
    codebooks: Mapping[str, Any] | Iterable[Any] | None,
) -> dict[str, pd.DataFrame]:
    if not codebooks:
        return {}
    # codingsheet imports openpyxl only inside its writer and reader, so this stays light.
    from .codebook import codebook_frames

    return codebook_frames(codebooks)


def _row(
    matrix: pd.DataFrame, *, n_boot: int, ci: float, seed: int | None
) -> dict[str, float | int]:
    boot = alpha_bootstrap(matrix, n_boot=n_boot, ci=ci, seed=seed)
    coded = matrix.notna()
    kappa = (
        cohen_kappa(matrix.iloc[:, 0], matrix.iloc[:, 1]) if matrix.shape[1] == 2 else float("nan")
    )
    return {
        "n_units": int((coded.sum(axis=1) >= 2).sum()),
        "n_coders": int(coded.any(axis=0).sum()),
        "percent_agreement": percent_agreement(matrix),
        "kappa": kappa,
        "alpha": float(boot["alpha"]),
        "alpha_ci_low": float(boot["ci_low"]),
        "alpha_ci_high": float(boot["ci_high"]),
    }


def agreement_report(
    data: pd.DataFrame,
    *,
    codebooks: Mapping[str, Any] | Iterable[Any] | None = None,
    unit: Sequence[str] | None = None,
    coder: str = "coder",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Agreement overall and per code, for every codebook of a tidy coding frame.

    Parameters
    ----------
    data : DataFrame
        Tidy coding frame as for :func:`coding_matrix` (e.g. from ``read_coding_sheets``).
    codebooks : mapping or iterable, optional
        The codebooks in any form :func:`cqanalysis.codebook.codebook_frames` accepts.
        Adds labels, reports codes nobody used (α undefined, agreement 1), and orders
        codebooks and codes as in the codebooks; codes found only in the data follow, in
        order of first appearance.
    unit, coder
        As for :func:`coding_matrix`.
    n_boot, ci, seed
        Bootstrap of α, as for :func:`alpha_bootstrap`; every row's bootstrap starts from the
        same ``seed``, so a row does not depend on which other codes are reported.

    Returns
    -------
    DataFrame
        One ``scope == "overall"`` row per codebook (each coder's code set per unit as one
        nominal value; ``code`` missing) followed by one ``scope == "code"`` row per code
        (presence/absence). Columns: codebook, scope, code, label_zh, label_en, n_units (units
        coded by ≥ 2 coders), n_coders, n_assigned (unit × coder assignments of the code),
        percent_agreement, kappa (Cohen's κ, only with exactly two coders, else NaN), alpha
        (nominal Krippendorff's α), alpha_ci_low, alpha_ci_high.
    """

    cols = _unit_columns(data, unit, coder)
    books = _codebook_labels(codebooks)
    names = list(books) + [b for b in pd.unique(data["codebook"]) if b not in books]
    rows: list[dict[str, Any]] = []
    for name in names:
        sub = data[data["codebook"] == name]
        units, coders, sets = _code_sets(sub, cols, coder)
        labels = books.get(name, pd.DataFrame(columns=["id", "label_zh", "label_en"]))
        label_of = {row.id: (row.label_zh, row.label_en) for row in labels.itertuples()}
        given = sub["code"].notna() & (sub["code"] != NO_CODE)  # "none" is no code
        used = list(pd.unique(sub.loc[given, "code"]))
        codes = list(labels["id"]) + [c for c in used if c not in label_of]
        overall = _matrix(units, coders, sets, None)
        rows.append(
            {
                "codebook": name, "scope": "overall", "code": None, "label_zh": None,
                "label_en": None, "n_assigned": int(given.sum()),
                **_row(overall, n_boot=n_boot, ci=ci, seed=seed),
            }
        )  # fmt: skip
        for code in codes:
            presence = _matrix(units, coders, sets, code)
            zh, en = label_of.get(code, (None, None))
            rows.append(
                {
                    "codebook": name, "scope": "code", "code": code, "label_zh": zh,
                    "label_en": en, "n_assigned": int(np.nansum(presence.to_numpy())),
                    **_row(presence, n_boot=n_boot, ci=ci, seed=seed),
                }
            )  # fmt: skip
    return pd.DataFrame(rows, columns=list(_REPORT_COLUMNS))


def disagreements(
    data: pd.DataFrame,
    *,
    unit: Sequence[str] | None = None,
    coder: str = "coder",
    units: pd.DataFrame | None = None,
    text: str = "text",
) -> pd.DataFrame:
    """Units on which coders chose different codes, one row per unit × codebook × coder.

    Parameters
    ----------
    data : DataFrame
        Tidy coding frame as for :func:`coding_matrix`.
    unit, coder
        As for :func:`coding_matrix`.
    units : DataFrame, optional
        A frame with the unit key columns and a ``text`` column (e.g. the clauses frame); its
        text is attached so reconcilers see what they are deciding on.
    text : str
        Name of the text column in ``units``.

    Returns
    -------
    DataFrame
        Unit key columns, ``codebook``, the coder column, ``codes`` (that coder's code ids,
        sorted, joined with ``"; "``; ``""`` if the coder coded the unit with no code) and
        ``text`` if ``units`` was given. Only units coded by at least two coders whose code sets
        differ are listed; codebooks, units and coders each in order of first appearance.
    """
    cols = _unit_columns(data, unit, coder)
    out: list[dict[str, Any]] = []
    for name in pd.unique(data["codebook"]):
        sub = data[data["codebook"] == name]
        unit_frame, coders, sets = _code_sets(sub, cols, coder)
        for uid, key in enumerate(unit_frame.itertuples(index=False)):
            given = [(who, sets[(uid, who)]) for who in coders if (uid, who) in sets]
            if len(given) < 2 or len({codes for _, codes in given}) == 1:
                continue
            for who, codes in given:
                out.append(
                    {
                        **dict(zip(cols, key, strict=True)),
                        "codebook": name,
                        coder: who,
                        "codes": "; ".join(sorted(map(str, codes))),
                    }
                )
    result = pd.DataFrame(out, columns=[*cols, "codebook", coder, "codes"])
    if units is not None:
        attach = units[[*cols, text]].drop_duplicates(subset=cols)
        result = result.merge(attach, on=cols, how="left", validate="many_to_one")
    return result
