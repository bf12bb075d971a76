"""Cross-tabulations of coded data, code co-occurrence, and the chi-square test of independence."""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from .codebook import Codebook
from .coding import CodebookLike, resolve_codebooks, rollup
from .core.constants import MARGIN_LABEL

__all__ = [
    "SIMULATIONS",
    "VARIABLES",
    "Chi2Result",
    "SmallExpectedWarning",
    "chi2_test",
    "cooccurrence",
    "crosstab",
    "sparse_note",
]


class SmallExpectedWarning(UserWarning):
    """Expected counts too small for the chi-square approximation (Cochran's rule).

    Issued by :func:`chi2_test` when any expected count is below 1 or more than 20% of them
    are below 5.  For a 2×2 table read the Fisher exact test row of the result instead; for
    larger tables merge sparse categories (e.g. ``depth=1``) before testing.  Silence it with
    ``warnings.simplefilter("ignore", SmallExpectedWarning)``.
    """


#: Built-in variable names: unit attributes and (codebook, field) code variables.
VARIABLES: dict[str, dict[str, object]] = {
    "domain": {"column": "section_title", "zh": "领域", "en": "Domain"},
    "section": {"column": "section_no", "zh": "节", "en": "Section"},
    "direction": {"column": "direction", "zh": "方向", "en": "Direction"},
    "table": {"column": "table_id", "zh": "表", "en": "Table"},
    "document": {"column": "doc_id", "zh": "文档", "en": "Document"},
    "field": {"column": "field", "zh": "字段", "en": "Field"},
    "instrument": {"codebook": "instruments", "fields": ("measure",)},
    "outcome": {"codebook": "outcomes", "fields": ("outcome",)},
    "level": {"codebook": "levels", "fields": ("measure",)},
}

_BY_KEYS = {
    "unit": ("unit_id",),
    "row": ("doc_id", "table_id", "row_no"),
    "section": ("doc_id", "section_no"),
    "document": ("doc_id",),
}


#: A variable of :func:`crosstab`: a name, or a ``(codebook, field)`` pair.
_VariableSpec = str | tuple[str, str]


@dataclass(frozen=True)
class _Var:
    title: str  # axis name
    frame: pd.DataFrame  # key columns + "value"
    order: list[object]  # category order
    labels: dict[object, object]  # category -> label (attribute values stay as they are)


def crosstab(
    data: pd.DataFrame,
    *,
    index: str | tuple[str, str], columns: str | tuple[str, str],
    layer: str | tuple[str, str] | None = None,
    values: str = "count", normalize: str | None = None, margins: bool = True,
    labels: str = "zh", by: str = "auto", depth: int | None = None,
    codebooks: CodebookLike | Iterable[CodebookLike] | None = None,
    documents: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Cross-tabulate two (or three) variables of a ``coded`` frame.

    Parameters
    ----------
    data
        A ``coded`` frame (:func:`cqanalysis.code_units`), with the units' section_title and
        direction columns for the domain and direction variables.
    index, columns, layer
        Variables for the rows, the columns and (optionally) an outer row level.  Each is
        one of :data:`VARIABLES` — ``"domain"`` (section title), ``"section"``,
        ``"direction"``, ``"table"``, ``"document"``, ``"field"``, ``"instrument"``
        (instruments codes of measure clauses), ``"outcome"`` (outcomes codes of outcome
        clauses), ``"level"`` (levels codes of measure clauses) —; or the name of a codebook
        in ``data`` (its codes on every field), or a ``(codebook, field)`` pair; or a column of
        ``data``; or a column of ``documents`` (document variables of a corpus).  Units whose
        value is missing (a document without a year, an item without a table row) are left
        out of the table and of its margins.  Whole-number float values (a year column
        holding NaN) are shown as integers.
    values
        ``"count"``: number of codings (unit × code records; with two code variables at row
        level, pairs of them).  ``"presence"``: number of distinct units of analysis (see
        ``by``) showing the combination.
    normalize
        ``None``, ``"row"``, ``"column"`` or ``"all"``: divide by the row, column or grand
        totals (within each layer), i.e. by the margins, shown or not.  With
        ``values="presence"`` these count each unit of analysis once, so a share is the share
        of units (cases) and a row's shares can add up to more than 1.
    margins
        Add a total row and column (``"合计"``/``"Total"``).  With ``values="presence"``
        totals count each unit of analysis once, so they can be less than the sum of cells.
    labels
        Category labels of code variables: ``"zh"``, ``"en"`` or ``"id"``; also the language of
        axis names and margin labels.
    by
        Unit of analysis the variables are joined on: ``"unit"`` (clause or item), ``"row"``
        (table row: a measure code meets the outcome codes of the same recommendation),
        ``"section"``, ``"document"``.  ``"auto"``: ``"row"`` when code variables come
        from different fields (instrument × outcome), else ``"unit"``.  Units without the key
        (items at row level) are left out.
    depth
        Roll code variables up to this depth of their codebook first (1: top level, e.g.
        supply / environment / demand).
    codebooks
        Codebooks of ``data`` (default: the shipped ones), for labels, order and ``depth``.
    documents
        Document variables (doc_id plus columns), e.g. ``Corpus.documents``.

    Returns
    -------
    pandas.DataFrame
        Counts (int64) or shares (float64).  Categories of code variables follow codebook
        order, domains section order, directions their order of appearance, others sorted.
        ``attrs`` records the options (``values``, ``normalize``, ``margins``, ``by``) so that
        :func:`chi2_test` can strip margins.

    Examples
    --------
    >>> tab = crosstab(coded, index="domain", columns="instrument", depth=1)  # doctest: +SKIP
    """
    _check_options(data, values=values, normalize=normalize, labels=labels)
    books = {b.name: b for b in resolve_codebooks(codebooks)}
    if depth is not None:
        data = _rolled_up(data, depth, books)
    specs = [index, columns, *([layer] if layer is not None else [])]
    by = _unit_of_analysis(by, specs, data, books)
    key = list(_BY_KEYS[by])
    variables = [_variable(s, data, books, documents, key, labels, values) for s in specs]
    shape = _Shape(variables[0], variables[1], key, values, normalize, margins, labels, by)
    return _tabulated(_joined(variables, key, values), shape, variables[2:])


def _check_options(data: pd.DataFrame, *, values: str, normalize: str | None, labels: str) -> None:
    """Reject a bad option or a frame that is not ``coded`` before any work, with one message."""
    if values not in ("count", "presence"):
        raise ValueError("crosstab: values must be 'count' or 'presence'")
    if normalize not in (None, "row", "column", "all"):
        raise ValueError("crosstab: normalize must be None, 'row', 'column' or 'all'")
    if labels not in ("zh", "en", "id"):
        raise ValueError("crosstab: labels must be 'zh', 'en' or 'id'")
    missing = [c for c in ("codebook", "code", "field") if c not in data.columns]
    if missing:
        raise ValueError(
            f"crosstab: data lacks column(s) {', '.join(missing)}; pass a coded frame "
            "(cqanalysis.code_units)"
        )


def _rolled_up(data: pd.DataFrame, depth: int, books: dict[str, Codebook]) -> pd.DataFrame:
    """``data`` with the codes of known codebooks rolled up to ``depth`` (option ``depth``).

    Rows of other codebooks pass through untouched, so a foreign codebook never fails.
    """
    known = data["codebook"].isin(list(books)) | data["codebook"].isna()
    rolled = rollup(data[known], depth=depth, codebooks=books.values())
    return pd.concat([rolled, data[~known]], ignore_index=True) if (~known).any() else rolled


def _unit_of_analysis(
    by: str, specs: list[_VariableSpec], data: pd.DataFrame, books: dict[str, Codebook]
) -> str:
    """The ``by`` option resolved: ``"auto"`` joins code variables of different fields by row."""
    if by == "auto":
        fields = [_spec_fields(s, data, books) for s in specs]
        by = "row" if len({f for f in fields if f is not None}) > 1 else "unit"
    if by not in _BY_KEYS:
        raise ValueError("crosstab: by must be 'auto', 'unit', 'row', 'section' or 'document'")
    if by == "unit" and "unit_id" not in data.columns:
        raise ValueError("crosstab: data needs a unit_id column (use code_units)")
    return by


def _joined(variables: list[_Var], key: list[str], values: str) -> pd.DataFrame:
    """One row per combination of the variables' values on a key (columns v0, v1[, v2]).

    With ``values="presence"`` a unit counts once per combination, however many codings.
    """
    names = [f"v{i}" for i in range(len(variables))]
    merged = variables[0].frame.rename(columns={"value": names[0]})
    for name, var in zip(names[1:], variables[1:], strict=True):
        merged = merged.merge(var.frame.rename(columns={"value": name}), on=key, how="inner")
    if values == "presence":
        merged = merged.drop_duplicates([*key, *names])
    return merged


@dataclass(frozen=True)
class _Shape:
    """What every (layer's) grid of one crosstab shares: its axes and options."""

    rows: _Var
    cols: _Var
    key: list[str]
    values: str
    normalize: str | None
    margins: bool
    labels: str
    by: str


def _tabulated(merged: pd.DataFrame, shape: _Shape, layers: list[_Var]) -> pd.DataFrame:
    """The crosstab of ``merged``, its options recorded in ``attrs`` for :func:`chi2_test`."""
    table = _stacked(merged, shape, layers)
    table.columns.name = shape.cols.title
    table.attrs = {
        "values": shape.values,
        "normalize": shape.normalize,
        "margins": MARGIN_LABEL[shape.labels] if shape.margins else None,
        "by": shape.by,
        "layer": bool(layers),
    }
    return table


def _stacked(merged: pd.DataFrame, shape: _Shape, layers: list[_Var]) -> pd.DataFrame:
    """The grid of ``merged`` (columns v0 × v1), or one grid per value of the layer v2 stacked.

    Columns present anywhere are kept in every layer, so the layers line up.
    """
    present_cols = set(merged["v1"])  # once: inside the comprehension it is per item
    col_order = [c for c in shape.cols.order if c in present_cols]
    if not layers:
        table = _grid(merged, shape, col_order)
        table.index.name = shape.rows.title
        return table
    layer_var = layers[0]
    parts = []
    layer_keys = []
    for value in layer_var.order:
        part = merged[merged["v2"] == value]
        if len(part):
            parts.append(_grid(part, shape, col_order))
            layer_keys.append(layer_var.labels[value])
    if not parts:
        return pd.DataFrame(
            index=pd.MultiIndex.from_arrays([[], []], names=[layer_var.title, shape.rows.title])
        )
    table = pd.concat(parts, keys=layer_keys, names=[layer_var.title, shape.rows.title])
    table = table.fillna(0)
    return table.astype("int64") if shape.normalize is None else table


def _grid(part: pd.DataFrame, shape: _Shape, col_order: list[object]) -> pd.DataFrame:
    """Counts of v0 × v1 in ``part`` with labelled margins, normalized, margins kept if asked."""
    margin = MARGIN_LABEL[shape.labels]
    counts = part.groupby(["v0", "v1"], sort=False).size()
    grid = counts.unstack("v1") if len(counts) else pd.DataFrame()
    present_rows = set(part["v0"])
    row_order = [r for r in shape.rows.order if r in present_rows]
    grid = grid.reindex(index=row_order, columns=col_order).fillna(0).astype("int64")
    # Margins are computed even when not shown: they are what normalize divides by, so
    # that showing them or not never changes the cells (presence totals are not sums).
    if shape.values == "presence":
        key = shape.key
        row_tot = part.drop_duplicates([*key, "v0"]).groupby("v0").size()
        col_tot = part.drop_duplicates([*key, "v1"]).groupby("v1").size()
        total = len(part.drop_duplicates(key))
    else:
        row_tot, col_tot, total = grid.sum(axis=1), grid.sum(axis=0), int(grid.sum().sum())
    grid[margin] = row_tot.reindex(row_order).fillna(0).astype("int64").to_numpy()
    grid.loc[margin] = [*col_tot.reindex(col_order).fillna(0).astype("int64"), total]
    grid.index = [*(shape.rows.labels.get(r, r) for r in row_order), margin]
    grid.columns = [*(shape.cols.labels[c] for c in col_order), margin]
    grid = _normalize(grid, shape.normalize)
    return grid if shape.margins else grid.iloc[:-1, :-1]


def _normalize(grid: pd.DataFrame, how: str | None) -> pd.DataFrame:
    """Divide a grid whose last row and column are its margins by row, column or grand total."""
    if how is None:
        return grid
    values = grid.to_numpy(dtype="float64")
    base = {"row": values[:, -1:], "column": values[-1:, :], "all": values[-1, -1]}[how]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = values / base
    out = np.where(np.isfinite(out), out, 0.0)
    return pd.DataFrame(out, index=grid.index, columns=grid.columns)


def _spec_fields(
    spec: _VariableSpec, data: pd.DataFrame, books: dict[str, Codebook]
) -> tuple[str, ...] | None:
    """The unit fields of a code variable (None for an attribute variable)."""
    if isinstance(spec, tuple):
        return (spec[1],)
    if spec in VARIABLES and "codebook" in VARIABLES[spec]:
        return tuple(VARIABLES[spec]["fields"])  # type: ignore[arg-type]
    if spec in VARIABLES or spec in data.columns:
        return None
    if spec in set(data["codebook"].dropna()) or spec in books:
        return tuple(sorted(set(data.loc[data["codebook"] == spec, "field"].dropna())))
    return None


def _variable(
    spec: _VariableSpec,
    data: pd.DataFrame,
    books: dict[str, Codebook],
    documents: pd.DataFrame | None,
    key: list[str],
    labels: str,
    values: str,
) -> _Var:
    book_name: str | None = None
    fields: tuple[str, ...] | None = None
    name = spec if isinstance(spec, str) else f"{spec[0]}@{spec[1]}"
    if isinstance(spec, tuple):
        book_name, fields = spec[0], (spec[1],)
    elif spec in VARIABLES and "codebook" in VARIABLES[spec]:
        book_name = str(VARIABLES[spec]["codebook"])
        fields = tuple(VARIABLES[spec]["fields"])  # type: ignore[arg-type]
    elif (
        spec not in VARIABLES
        and spec not in data.columns
        and (spec in set(data["codebook"].dropna()) or spec in books)
    ):
        book_name = spec

    if book_name is not None:
        book = books.get(book_name)
        if book is None:
            raise ValueError(f"crosstab: no codebook named {book_name!r} (pass codebooks=)")
        mask = (data["codebook"] == book_name) & data["code"].notna()
        if fields is not None:
            mask &= data["field"].isin(list(fields))
        frame = _keyed(data[mask], key).rename(columns={"code": "value"})[[*key, "value"]]
        if values == "presence":
            frame = frame.drop_duplicates()
        title = name if labels == "id" else (book.zh if labels == "zh" else book.en)
        code_labels = {c.id: c.label(labels) for c in book}
        return _Var(title, frame, [c.id for c in book], code_labels)

    if isinstance(spec, str) and spec in VARIABLES:
        column = str(VARIABLES[spec]["column"])
        title = name if labels == "id" else str(VARIABLES[spec][labels])
    else:
        column, title = str(spec), str(spec)
    source = data
    if column not in data.columns:
        if spec == "domain" and "section_no" in data.columns:
            column = "section_no"
        elif documents is not None and column in documents.columns:
            docs = documents[["doc_id", column]].drop_duplicates("doc_id")
            source = data.merge(docs, on="doc_id", how="left")
        else:
            raise ValueError(
                f"crosstab: unknown variable {spec!r} (not a built-in variable, "
                "a codebook, a column of data or of documents)"
            )
    frame = _keyed(source, key)
    frame = frame[[*key, column]].rename(columns={column: "value"})
    frame = frame[frame["value"].notna()].drop_duplicates()
    present = source[column].dropna()
    if present.dtype.kind == "f" and len(present) and bool((present % 1 == 0).all()):
        # A year column with a missing value is float: label 2019, not 2019.0.
        frame = frame.assign(value=frame["value"].astype("int64"))
        source = source.assign(**{column: source[column].astype("Int64")})
    order = _order(spec, source, column, documents)
    return _Var(title, frame, order, {v: v for v in order})


def _keyed(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Rows of ``frame`` whose key columns are all present (items have no table row)."""
    missing = [c for c in key if c not in frame.columns]
    if missing:
        raise ValueError(f"crosstab: data lacks column(s) {', '.join(missing)}")
    return frame[frame[key].notna().all(axis=1)]


def _order(
    spec: object, source: pd.DataFrame, column: str, documents: pd.DataFrame | None = None
) -> list[object]:
    present = source[column].dropna().tolist()  # a list: Arrow columns iterate slowly
    if column == "doc_id":  # documents in corpus (manifest) order, not alphabetically
        listed = list(documents["doc_id"]) if documents is not None else []
        seen = set(present)
        return [d for d in dict.fromkeys([*listed, *present]) if d in seen]
    if spec == "domain" and column == "section_title" and "section_no" in source.columns:
        pairs = source[["section_no", column]].dropna().drop_duplicates()
        first = pairs.groupby(column, sort=False)["section_no"].agg(
            lambda s: min(s, key=_natural_key)
        )
        return sorted(first.index, key=lambda t: (_natural_key(first[t]), str(t)))
    if spec == "direction":
        return list(dict.fromkeys(present))
    return sorted(set(present), key=_natural_key)


def _natural_key(value: object) -> tuple[object, ...]:
    if isinstance(value, int | float | np.integer | np.floating):
        return ((0, float(value)),)
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", str(value))
    )


def cooccurrence(
    data: pd.DataFrame,
    *,
    rows: str | tuple[str, str] = "instrument",
    columns: str | tuple[str, str] = "outcome",
    values: str = "count",
    labels: str = "zh",
    depth: int | None = None,
    margins: bool = False,
    codebooks: CodebookLike | Iterable[CodebookLike] | None = None,
) -> pd.DataFrame:
    """Code co-occurrence within the same table row: measure code × outcome code by default.

    A thin layer over :func:`crosstab` with ``by="row"``: each cell counts the pairs of a
    measure-clause code and an outcome-clause code found in the same recommendation
    (``values="count"``) or the recommendations in which both occur (``"presence"``).  Use
    ``rows == columns`` with ``values="presence"`` for a symmetric code × code matrix whose
    diagonal counts the rows with each code.

    Returns
    -------
    pandas.DataFrame
        Code × code counts, codebook order, no margins unless asked.
    """
    return crosstab(
        data,
        index=rows,
        columns=columns,
        values=values,
        labels=labels,
        by="row",
        depth=depth,
        margins=margins,
        codebooks=codebooks,
    )


class Chi2Result(NamedTuple):
    """Result of :func:`chi2_test`; unpacks like ``observed, expected, residuals, stats``.

    Attributes
    ----------
    observed
        The counts tested (all-zero rows and columns removed).
    expected
        Expected counts under independence.
    residuals
        Adjusted standardized residuals (Haberman 1973): beyond ±1.96 a cell departs from
        independence at the 5% level.
    stats
        One row per test: ``pearson`` (always); ``yates`` (continuity-corrected) and
        ``fisher`` (exact, two-sided; ``statistic`` is the odds ratio) for 2×2 tables;
        ``monte_carlo`` (``statistic`` is X², ``pval`` the simulated p-value
        (1 + #{X²_sim ≥ X²}) / (B + 1), ``simulations`` B) for sparse larger tables.
        Columns: test, statistic, dof, pval, cramer_v, n, min_expected, share_expected_lt5,
        cells_lt5, simulations.
    """

    observed: pd.DataFrame
    expected: pd.DataFrame
    residuals: pd.DataFrame
    stats: pd.DataFrame


def chi2_test(
    data: pd.DataFrame,
    *,
    index: str | tuple[str, str] | None = None,
    columns: str | tuple[str, str] | None = None,
    simulate: int | None = None,
    seed: int = 0,
    **crosstab_options: object,
) -> Chi2Result:
    """Chi-square test of independence, with expected counts, residuals and Fisher's exact test.

    Parameters
    ----------
    data
        A contingency table of counts (e.g. from :func:`crosstab`; its margins are removed:
        those recorded in ``attrs``, or, for a table without them such as one read back from
        CSV, a last row and column labelled 合计 or Total), or, with ``index`` and ``columns``,
        a ``coded`` frame to cross-tabulate first.
    index, columns
        Variables, as in :func:`crosstab`.
    simulate
        Number of random tables for a Monte Carlo p-value (tables with the observed margins
        drawn under independence: the units' column labels shuffled, or Patefield's
        algorithm for large tables).  ``None`` decides: 10,000 when the table is larger than
        2×2, holds whole counts and its expected counts are small (see Warns), else none.
        ``0`` never simulates.
    seed
        Seed of the simulation, so that a rebuild gives the same p-value.
    **crosstab_options
        Passed to :func:`crosstab` (``values``, ``by``, ``depth``, ``labels``, ``codebooks``,
        ``documents``).

    Returns
    -------
    Chi2Result

    Warns
    -----
    SmallExpectedWarning
        When any expected count is below 1 or more than 20% are below 5 (Cochran 1954).

    Notes
    -----
    The test assumes each unit falls in exactly one cell.  Multi-label coding breaks that: a
    clause coded with two instruments counts twice.  Read p-values on multi-label tables as
    descriptive, or test a presence/absence split of one code at a time.  All-zero rows and
    columns carry no information and are dropped before testing.
    """
    table = _table_to_test(data, index, columns, crosstab_options)
    observed = _counts(_without_margins(table))
    obs = observed.to_numpy(dtype="float64")
    exp = obs.sum(axis=1, keepdims=True) @ obs.sum(axis=0, keepdims=True) / obs.sum()
    rows, simulate = _test_rows(obs, exp, simulate, seed)
    min_exp, lt5 = float(exp.min()), int((exp < 5).sum())
    if min_exp < 1 or float((exp < 5).mean()) > 0.2:
        warnings.warn(sparse_note(lt5, exp.size, min_exp, _exact_test(rows),
                                  simulations=simulate or SIMULATIONS, lang="en"),
                      SmallExpectedWarning, stacklevel=2)
    frame = dict(index=observed.index, columns=observed.columns)
    return Chi2Result(
        observed=observed,
        expected=pd.DataFrame(exp, **frame),
        residuals=pd.DataFrame(_adjusted_residuals(obs, exp), **frame),
        stats=_stats_frame(rows, obs.sum()),
    )


def _table_to_test(
    data: pd.DataFrame,
    index: _VariableSpec | None,
    columns: _VariableSpec | None,
    crosstab_options: dict[str, object],
) -> pd.DataFrame:
    """``data`` itself, or with ``index`` and ``columns`` its crosstab of counts, no margins."""
    if index is None and columns is None:
        return data
    if index is None or columns is None:
        raise ValueError("chi2_test: give both index and columns, or a table")
    return crosstab(
        data,
        index=index,
        columns=columns,
        margins=False,
        normalize=None,
        **crosstab_options,  # type: ignore[arg-type]
    )


def _adjusted_residuals(obs: np.ndarray, exp: np.ndarray) -> np.ndarray:
    """Haberman's adjusted standardized residuals: a cell beyond ±1.96 departs at 5%."""
    n = obs.sum()
    row = obs.sum(axis=1, keepdims=True)
    col = obs.sum(axis=0, keepdims=True)
    return (obs - exp) / np.sqrt(exp * (1 - row / n) * (1 - col / n))


def _test_rows(
    obs: np.ndarray, exp: np.ndarray, simulate: int | None, seed: int
) -> tuple[list[tuple[object, ...]], int]:
    """One stats row per test that applies to the table (see :class:`Chi2Result`).

    Pearson always; Yates and Fisher for a 2×2 table; Monte Carlo when asked or, by default,
    for a sparse larger table of whole counts.  Also returns ``simulate`` resolved.
    """
    r, c = obs.shape
    whole = bool(np.equal(np.round(obs), obs).all())
    n = obs.sum()
    dof = (r - 1) * (c - 1)
    chi2, pval = _pearson(obs, exp, dof)
    min_exp = float(exp.min())
    share_lt5 = float((exp < 5).mean())
    cramer = math.sqrt(chi2 / (n * (min(r, c) - 1)))
    lt5 = int((exp < 5).sum())
    common = (cramer, n, min_exp, share_lt5, lt5)
    rows: list[tuple[object, ...]] = [("pearson", float(chi2), int(dof), float(pval), *common,
                                       None)]
    if (r, c) == (2, 2):
        # Yates: move each observed count up to 0.5 towards its expected count
        diff = exp - obs
        shifted = obs + np.sign(diff) * np.minimum(0.5, np.abs(diff))
        y_chi2, y_p = _pearson(shifted, exp, dof)
        rows.append(("yates", y_chi2, dof, y_p, *common, None))
        if whole:
            odds, f_p = _fisher_2x2(obs.astype("int64"))
            rows.append(("fisher", odds, None, f_p, *common, None))
    sparse = min_exp < 1 or share_lt5 > 0.2
    if simulate is None:
        simulate = SIMULATIONS if sparse and whole and (r, c) != (2, 2) else 0
    if simulate and whole:
        rows.append(("monte_carlo", float(chi2), None, _monte_carlo_p(obs, exp, chi2, simulate,
                                                                      seed), *common, simulate))
    return rows, simulate


def _without_margins(table: pd.DataFrame) -> pd.DataFrame:
    """A counts table without its margin row and column (checked to be one plain table)."""
    if table.attrs.get("normalize"):
        raise ValueError("chi2_test: needs counts, not a normalized table")
    if table.attrs.get("layer") or isinstance(table.index, pd.MultiIndex):
        raise ValueError("chi2_test: test one layer at a time")
    if "margins" in table.attrs:
        margin = table.attrs["margins"]
        if margin:
            table = table.drop(index=margin, columns=margin, errors="ignore")
    else:
        # A table read back from CSV has lost its attrs; its margins would be tested as data
        # (doubling n), so a trailing 合计/Total row and column are taken for margins.
        labels = set(MARGIN_LABEL.values())
        if len(table.index) and table.index[-1] in labels:
            table = table.iloc[:-1]
        if len(table.columns) and table.columns[-1] in labels:
            table = table.iloc[:, :-1]
    return table


def _counts(table: pd.DataFrame) -> pd.DataFrame:
    """The table as numbers, all-zero rows and columns dropped; at least 2×2 remain."""
    observed = table.apply(pd.to_numeric, errors="raise")
    obs = observed.to_numpy(dtype="float64")
    if (obs < 0).any() or not np.isfinite(obs).all():
        raise ValueError("chi2_test: counts must be finite and non-negative")
    observed = observed.loc[obs.sum(axis=1) > 0, obs.sum(axis=0) > 0]
    r, c = observed.shape
    if r < 2 or c < 2:
        raise ValueError(f"chi2_test: need at least 2×2 non-empty categories, got {r}×{c}")
    return observed


_STATS_COLUMNS = ["test", "statistic", "dof", "pval", "cramer_v", "n", "min_expected",
                  "share_expected_lt5", "cells_lt5", "simulations"]


def _stats_frame(rows: list[tuple[object, ...]], n: float) -> pd.DataFrame:
    """One row per test, with whole-number columns as integers."""
    stats = pd.DataFrame.from_records(rows, columns=_STATS_COLUMNS)
    stats["dof"] = stats["dof"].astype("Int64")
    stats["simulations"] = stats["simulations"].astype("Int64")
    if float(n).is_integer():
        stats["n"] = stats["n"].astype("int64")
    return stats


#: Random tables drawn for a Monte Carlo p-value when a sparse table is tested.
SIMULATIONS = 10_000


def _monte_carlo_p(obs: np.ndarray, exp: np.ndarray, chi2: float, simulations: int,
                   seed: int) -> float:
    """P-value of X² from tables drawn with the observed margins (Hope 1968; R's
    ``chisq.test(simulate.p.value=TRUE)`` rule: (1 + #{X²_sim ≥ X²}) / (B + 1))."""
    rows = obs.sum(axis=1).round().astype("int64")
    cols = obs.sum(axis=0).round().astype("int64")
    rng = np.random.default_rng(seed)
    if rows.sum() * simulations > _PERMUTED_CELLS:
        from scipy.stats import random_table  # Patefield's algorithm: O(cells), not O(n)

        draws = random_table(rows, cols).rvs(size=simulations, random_state=rng)
        simulated = ((draws - exp) ** 2 / exp).sum(axis=(1, 2))
    else:
        simulated = _permuted_chi2(rows, cols, exp, simulations, rng)
    # a tolerance so that floating-point noise does not decide ties with the observed table
    hits = int((simulated >= chi2 * (1 - 1e-9)).sum())
    return (1 + hits) / (simulations + 1)


#: Above this many unit draws (n × B), tables come from scipy's random_table instead.
_PERMUTED_CELLS = 20_000_000


def _permuted_chi2(rows: np.ndarray, cols: np.ndarray, exp: np.ndarray, simulations: int,
                   rng: np.random.Generator) -> np.ndarray:
    """X² of tables made by shuffling the column labels of the n units.

    With the row labels fixed, a random permutation of the column labels gives a table with
    the observed margins, drawn from the same (multiple hypergeometric) distribution as
    Patefield's algorithm; for the small tables this is for it avoids importing scipy.stats.
    """
    r, c = exp.shape
    row_ids = np.repeat(np.arange(r), rows)
    col_ids = np.repeat(np.arange(c), cols)
    n = len(row_ids)
    chunk = max(1, 2_000_000 // max(n, 1))  # memory: about 2 million labels at a time
    out = []
    for start in range(0, simulations, chunk):
        b = min(chunk, simulations - start)
        labels = rng.permuted(np.tile(col_ids, (b, 1)), axis=1)
        cells = (np.arange(b)[:, None] * (r * c) + row_ids[None, :] * c + labels).ravel()
        tables = np.bincount(cells, minlength=b * r * c).reshape(b, r, c)
        out.append(((tables - exp) ** 2 / exp).sum(axis=(1, 2)))
    return np.concatenate(out)


def _exact_test(rows: list[tuple[object, ...]]) -> str:
    tests = [str(r[0]) for r in rows]
    return "fisher" if "fisher" in tests else "monte_carlo" if "monte_carlo" in tests else ""


def sparse_note(cells_lt5: int, cells: int, min_expected: float, exact: str, *,
                simulations: int = SIMULATIONS, lang: str = "zh") -> str:
    """The sentence that warns of small expected counts, in Chinese or English.

    ``exact`` names the row that carries a p-value to use instead (``"fisher"`` or
    ``"monte_carlo"``; empty when there is none).
    """
    if lang == "zh":
        text = (f"{cells}个期望频数中有{cells_lt5}个小于5（最小为{min_expected:.2f}），"
                "卡方近似可能不准确")
        advice = {"fisher": "请以Fisher精确检验的p值为准",
                  "monte_carlo": f"请以蒙特卡洛模拟（{simulations}次）的p值为准"}.get(
                      exact, "可合并稀疏类别（如depth=1）或使用精确检验")
        return f"{text}；{advice}"
    text = (f"{cells_lt5} of {cells} expected counts are below 5 (smallest {min_expected:.2f}); "
            "the chi-square approximation may be poor")
    advice = {"fisher": "use the Fisher exact test's p-value",
              "monte_carlo": f"use the Monte Carlo p-value ({simulations:,} simulations)"}.get(
                  exact, "merge sparse categories (e.g. depth=1) or use an exact test")
    return f"{text}: {advice}"


def _pearson(obs: np.ndarray, exp: np.ndarray, dof: int) -> tuple[float, float]:
    """Pearson's X² and its upper-tail p-value (scipy.special only: scipy.stats is slow to load)."""
    from scipy.special import chdtrc

    chi2 = float(((obs - exp) ** 2 / exp).sum())
    return chi2, float(chdtrc(dof, chi2))


def _fisher_2x2(table: np.ndarray) -> tuple[float, float]:
    """Sample odds ratio and two-sided exact p-value of a 2×2 table of counts.

    The p-value sums the hypergeometric probabilities of all tables with the observed margins
    that are no more likely than the observed one (the rule of R's fisher.test and SciPy),
    with a relative tolerance of 1e-7 for ties.
    """
    (a, b), (c, d) = (int(v) for v in table[0]), (int(v) for v in table[1])
    row1, col1, n = a + b, a + c, a + b + c + d

    def log_p(x: int) -> float:
        return _log_comb(col1, x) + _log_comb(n - col1, row1 - x) - _log_comb(n, row1)

    low, high = max(0, row1 + col1 - n), min(row1, col1)
    observed = log_p(a)
    support = [log_p(x) for x in range(low, high + 1)]
    pval = math.fsum(math.exp(lp) for lp in support if lp <= observed + math.log1p(1e-7))
    odds = (a * d) / (b * c) if b * c else (math.inf if a * d else math.nan)
    return odds, min(1.0, pval)


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
