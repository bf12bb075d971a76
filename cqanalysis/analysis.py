"""The standard analysis of parsed documents: clauses → coding → crosstabs, tests and links.

tableone style: :func:`analyse` computes every result once; the build command, the figures
and the notebooks only read it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from .core.constants import MARGIN_NAMES
from .core.document import Corpus, Document
from .core.memo import object_memo

if TYPE_CHECKING:
    from .analysis_cache import Groundwork
    from .codebook import Codebook
    from .coding import CodebookLike
    from .offsets import Locations

__all__ = [
    "CROSSTABS",
    "Analysis",
    "CrosstabSpec",
    "analyse",
    "code_groups",
    "code_network",
    "corpus_crosstabs",
    "flows",
    "instrument_types",
    "measure_instruments",
    "rolled_codings",
]

@dataclass(frozen=True)
class CrosstabSpec:
    """One crosstab of the standard analysis: what to cross and its titles.

    Attributes
    ----------
    index, columns
        Variables, as in :func:`cqanalysis.crosstab` (``domain``, ``instrument``, a codebook
        name, ``document``, a manifest variable …).
    zh, en
        Titles of the table in Chinese and English.
    depth
        Code depth (``1`` rolls codes up to their top-level types); ``None`` keeps leaves.
    """

    index: str
    columns: str
    zh: str
    en: str
    depth: int | None = 1

    @property
    def options(self) -> dict[str, Any]:
        """Keyword arguments of :func:`cqanalysis.crosstab`."""
        depth = {} if self.depth is None else {"depth": self.depth}
        return {"index": self.index, "columns": self.columns, **depth}


#: The crosstabs every build writes, by name (the file ``crosstabs/<name>.csv``).  ``depth=1``
#: rolls instruments up to Rothwell & Zegveld's supply / environment / demand types.
CROSSTABS: dict[str, CrosstabSpec] = {
    "domain_x_instrument": CrosstabSpec("domain", "instrument", "领域×政策工具类型",
                                        "Domain × policy instrument type"),
    "domain_x_instrument_detail": CrosstabSpec("domain", "instrument", "领域×政策工具",
                                               "Domain × policy instrument", depth=None),
    "domain_x_outcome": CrosstabSpec("domain", "outcome", "领域×预期成效维度",
                                     "Domain × outcome dimension"),
    "domain_x_level": CrosstabSpec("domain", "level", "领域×治理层级与主体",
                                   "Domain × governance level and actor"),
    "instrument_x_outcome": CrosstabSpec("instrument", "outcome", "政策工具类型×预期成效维度",
                                         "Instrument type × outcome dimension"),
}


#: Document variables of a manifest that get an ``<var>_x_instrument`` crosstab in a corpus.
DOCUMENT_VARIABLES = {
    "year": ("年份", "Year"),
    "region": ("地区", "Region"),
    "doc_type": ("文献类型", "Document type"),
}


#: Built-in crosstab variables and the shipped codebook each one needs.
_NEEDS = {"instrument": "instruments", "outcome": "outcomes", "level": "levels"}


def corpus_crosstabs(
    corpus: Corpus, codebooks: Iterable[Codebook] = ()
) -> dict[str, CrosstabSpec]:
    """The crosstabs to compute for ``corpus`` coded with ``codebooks``.

    :data:`CROSSTABS` whose codebooks are present; ``domain_x_<name>`` for every other
    codebook (a user's own); and with two or more documents ``document_x_…`` plus
    ``year_x_…``, ``region_x_…``, ``doc_type_x_…`` for manifest variables that vary, against
    instrument types (or the first user codebook when the instruments codebook is not used).
    """
    books = {b.name: b for b in codebooks}
    plan = {name: spec for name, spec in CROSSTABS.items()
            if all(_NEEDS[v] in books for v in (spec.index, spec.columns) if v in _NEEDS)}
    own = [b for name, b in books.items() if name not in _NEEDS.values()]
    for book in own:
        plan[f"domain_x_{book.name}"] = CrosstabSpec("domain", book.name, f"领域×{book.zh}",
                                                     f"Domain × {book.en}")
    if "instruments" in books:
        column, zh, en = "instrument", "政策工具类型", "policy instrument type"
    elif own:
        column, zh, en = own[0].name, own[0].zh, own[0].en
    else:
        return plan
    docs = corpus.documents
    if "doc_id" not in docs.columns or docs["doc_id"].nunique() < 2:
        return plan
    plan[f"document_x_{column}"] = CrosstabSpec("document", column, f"文档×{zh}",
                                                f"Document × {en}")
    for var, (var_zh, var_en) in DOCUMENT_VARIABLES.items():
        if var in docs.columns and docs[var].nunique(dropna=True) > 1:
            plan[f"{var}_x_{column}"] = CrosstabSpec(var, column, f"{var_zh}×{zh}",
                                                     f"{var_en} × {en}")
    return plan


@dataclass(frozen=True, repr=False)
class Analysis:
    """Everything computed from a parse, ready for figures and writers.

    Attributes
    ----------
    corpus
        The parsed documents (a :class:`~cqanalysis.Corpus`, also for a single document).
    clauses, coded, links
        The contract frames (see :mod:`cqanalysis.core.schema`).
    crosstabs
        Name → crosstab with margins (see :data:`CROSSTABS`).
    tests
        Every row :func:`~cqanalysis.chi2_test` gives for each crosstab (``pearson``; for 2×2
        ``yates`` and ``fisher``; for sparse larger tables a seeded ``monte_carlo`` p-value),
        with the smallest expected count and, when expected counts are small, a note in
        English (``note``) and Chinese (``note_zh``).
    codebooks
        The codebooks used.
    titles
        Crosstab name → (Chinese title, English title).
    sources
        doc_id → the source file to read again (for texts and offsets) where the corpus'
        ``documents.path`` shows another form of the path; empty: use ``documents.path``.
    locations
        Where the units and table rows are in the sources (:class:`~cqanalysis.offsets.Locations`),
        when computed with the analysis (a build's analysis cache); ``None``: the QDA tables
        and the REFI-QDA project read the sources when they need them.
    """

    corpus: Corpus
    clauses: pd.DataFrame
    coded: pd.DataFrame
    links: pd.DataFrame
    crosstabs: dict[str, pd.DataFrame]
    tests: pd.DataFrame
    codebooks: tuple[Codebook, ...] = field(default=())
    titles: dict[str, tuple[str, str]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    locations: Locations | None = None

    def with_sources(self, sources: dict[str, str]) -> Analysis:
        """This analysis with ``sources`` (doc_id → file to read again) set.

        The results computed from it so far (codes rolled up for the crosstabs) do not depend
        on where the files are, so the new analysis keeps them.
        """
        moved = replace(self, sources=dict(sources))
        object_memo(moved).update(
            {key: value for key, value in object_memo(self).items() if key[0] == "rollup"})
        return moved

    def frames(self) -> dict[str, pd.DataFrame]:
        """All tidy frames by name: the parse frames, clauses, coded, links, errors."""
        return {
            **self.corpus.frames(),
            "clauses": self.clauses,
            "coded": self.coded,
            "links": self.links,
        }

    def __repr__(self) -> str:
        return (
            f"<Analysis {len(self.corpus.documents)} document(s): {len(self.clauses)} "
            f"clauses, {len(self.coded)} codings, {len(self.links)} links, "
            f"{len(self.crosstabs)} crosstabs>"
        )


def _as_corpus(data: Document | Corpus) -> Corpus:
    if isinstance(data, Corpus):
        return data
    documents = pd.DataFrame({"doc_id": [data.doc_id], "path": [data.path]})
    return Corpus(**data.frames(), warnings=data.warnings, documents=documents)


def analyse(
    data: Document | Corpus,
    *,
    codebooks: CodebookLike | Iterable[CodebookLike] | None = None,
    crosstabs: dict[str, CrosstabSpec] | None = None,
    groundwork: Groundwork | None = None,
    checks: pd.DataFrame | None = None,
) -> Analysis:
    """Run the standard analysis on a parsed document or corpus.

    Parameters
    ----------
    data
        ``cq.parse(...)`` or ``cq.parse_corpus(...)``.
    codebooks
        Codebooks (objects, names or paths); default the shipped ones
        (instruments, outcomes, levels).
    crosstabs
        Which crosstabs to compute; default :func:`corpus_crosstabs` (:data:`CROSSTABS`, and
        for a corpus the document and manifest-variable ones).
    groundwork
        The clauses, units, links and offsets of ``data`` computed before
        (:func:`cqanalysis.analysis_cache.cached_groundwork`, as a build does); default
        computed here, the offsets only when an output needs them.
    checks
        Codes a person checked, one coder's (:func:`cqanalysis.read_coding_sheets` of a
        sheet written with ``prefill``): they replace the dictionary's codes of those units
        (:func:`cqanalysis.apply_checks`) before anything is counted.

    Returns
    -------
    Analysis
    """
    from .clauses import explode_clauses
    from .coding import code_units, coding_units, resolve_codebooks, rollup
    from .crosstabs import crosstab
    from .links import link_items

    corpus = _as_corpus(data)
    books = tuple(resolve_codebooks(codebooks))
    if groundwork is None:
        clauses = explode_clauses(corpus.rows)
        units = coding_units(clauses, corpus.items)
        links = link_items(corpus.rows, corpus.items)
    else:
        clauses, units, links = groundwork.clauses, groundwork.units, groundwork.links
    coded = code_units(units, books)
    if checks is not None:
        from .checking import apply_checks

        coded = apply_checks(coded, checks, codebooks=books)
    documents = corpus.documents if len(corpus.documents.columns) > 2 else None
    tables: dict[str, pd.DataFrame] = {}
    tests: list[dict[str, object]] = []
    plan = crosstabs or corpus_crosstabs(corpus, books)
    # Every code of ``coded`` is in ``books``, so rolling it up once per depth is what
    # crosstab(depth=…) would do for each crosstab; the figures reuse it (rolled_codings).
    rolled: dict[int, pd.DataFrame] = {}
    for name, spec in plan.items():
        options = dict(spec.options)
        depth = options.pop("depth", None)
        if depth is not None and depth not in rolled:
            rolled[depth] = rollup(coded, depth=depth, codebooks=books)
        data = coded if depth is None else rolled[depth]
        table = crosstab(data, codebooks=books, documents=documents, **options)
        tables[name] = table
        tests += _test_records(name, table)
    analysis = Analysis(
        corpus=corpus,
        clauses=clauses,
        coded=coded,
        links=links,
        crosstabs=tables,
        tests=_typed_tests(pd.DataFrame(tests)),
        codebooks=books,
        titles={name: (spec.zh, spec.en) for name, spec in plan.items()},
        locations=groundwork.locations if groundwork is not None else None,
    )
    object_memo(analysis).update({("rollup", depth): frame for depth, frame in rolled.items()})
    return analysis


def rolled_codings(analysis: Analysis, *, depth: int) -> pd.DataFrame:
    """``analysis.coded`` with each code replaced by its ancestor at ``depth`` (:func:`rollup`).

    Computed once per analysis (the crosstabs, figures, appendix and thesis document all
    need the instrument types); a new frame is returned each time.
    """
    from .coding import rollup

    memo = object_memo(analysis)
    key = ("rollup", depth)
    if key not in memo:
        memo[key] = rollup(analysis.coded, depth=depth, codebooks=analysis.codebooks)
    return memo[key].copy(deep=False)


def _typed_tests(tests: pd.DataFrame) -> pd.DataFrame:
    """Whole-number columns as nullable integers: rows without them (no test) leave gaps."""
    counts = [c for c in ("dof", "n", "cells_lt5", "simulations") if c in tests.columns]
    whole = [c for c in counts if tests[c].dropna().map(float).map(float.is_integer).all()]
    return tests.astype({c: "Int64" for c in whole})


def _test_records(name: str, table: pd.DataFrame) -> list[dict[str, object]]:
    """Every row :func:`chi2_test` gives for one crosstab, each with a zh and an en note."""
    from .crosstabs import SIMULATIONS, SmallExpectedWarning, chi2_test, sparse_note

    body = table.drop(index=list(MARGIN_NAMES), columns=list(MARGIN_NAMES), errors="ignore")
    if body.shape[0] < 2 or body.shape[1] < 2 or body.to_numpy().sum() == 0:
        return [{"crosstab": name, "note": "not tested: fewer than two rows or columns",
                 "note_zh": "未检验：行或列少于两类"}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallExpectedWarning)  # the notes below say it
        result = chi2_test(table)
    stats = result.stats
    first = stats.iloc[0]
    notes = {"note": "", "note_zh": ""}
    if first["min_expected"] < 1 or first["share_expected_lt5"] > 0.2:
        tests = set(stats["test"])
        exact = "fisher" if "fisher" in tests else "monte_carlo" if "monte_carlo" in tests else ""
        sims = stats["simulations"].dropna()
        simulations = int(sims.iloc[0]) if len(sims) else SIMULATIONS
        notes = {lang_column: sparse_note(int(first["cells_lt5"]), int(result.expected.size),
                                          float(first["min_expected"]), exact,
                                          simulations=simulations, lang=lang)
                 for lang_column, lang in (("note", "en"), ("note_zh", "zh"))}
    return [{"crosstab": name, **{str(k): v for k, v in rec.items()}, **notes}
            for rec in stats.to_dict("records")]


def measure_instruments(analysis: Analysis, *, depth: int | None = 1) -> pd.DataFrame:
    """The instrument codes of table-row measure clauses, one row per clause × code.

    ``depth=1`` rolls codes up to the instrument types (supply, environment, demand);
    ``None`` keeps the leaf codes.  Clauses with no instrument code are left out.  The frame
    a figure of instrument mixes draws (``cqf.stacked_bars(..., hue="label_zh")``).
    """
    coded = analysis.coded if depth is None else rolled_codings(analysis, depth=depth)
    measures = coded[(coded["codebook"] == "instruments") & (coded["field"] == "measure")]
    return measures.dropna(subset=["code"]).reset_index(drop=True)


def instrument_types(analysis: Analysis) -> list[str]:
    """Chinese labels of the instrument types, in codebook order (empty without ``instruments``)."""
    return [code.zh for book in analysis.codebooks if book.name == "instruments"
            for code in book if code.depth == 1]


def flows(analysis: Analysis, *, depth: int = 1, lang: str = "zh") -> pd.DataFrame:
    """One row per (recommendation, instrument, outcome) path with a weight.

    A table row whose measure has instrument codes I and whose outcome has outcome codes O
    contributes |I|·|O| paths of weight 1/(|I|·|O|), so every recommendation weighs 1 in an
    alluvial diagram however many codes it has.  Columns: doc_id, table_id, row_no, domain,
    instrument, outcome, weight.
    """
    coded = rolled_codings(analysis, depth=depth)
    label = "label_zh" if lang != "en" else "label_en"
    measure = coded[(coded["codebook"] == "instruments") & (coded["field"] == "measure")]
    outcome = coded[(coded["codebook"] == "outcomes") & (coded["field"] == "outcome")]
    key = ["doc_id", "table_id", "row_no"]
    inst = measure.dropna(subset=["code"])[[*key, "section_title", label]].drop_duplicates()
    outc = outcome.dropna(subset=["code"])[[*key, label]].drop_duplicates()
    paths = inst.merge(outc, on=key, suffixes=("_i", "_o"))
    paths = paths.rename(
        columns={"section_title": "domain", f"{label}_i": "instrument", f"{label}_o": "outcome"}
    )
    size = paths.groupby(key)["instrument"].transform("size")
    paths["weight"] = 1.0 / size
    return paths[[*key, "domain", "instrument", "outcome", "weight"]].reset_index(drop=True)


def code_groups(analysis: Analysis, *, depth: int | None = 1) -> dict[str, str]:
    """Chinese code label → its group, 政策工具类型 or 预期成效维度, for a network's colours.

    ``depth`` as in :func:`code_network` (``1``: types and dimensions; ``None``: leaf codes).
    """
    names = {"instruments": "政策工具类型", "outcomes": "预期成效维度"}
    return {code.zh: names[book.name] for book in analysis.codebooks if book.name in names
            for code in book
            if (code.depth == depth if depth is not None else not book.children(code.id))}


def code_network(analysis: Analysis, *, depth: int | None = None) -> pd.DataFrame:
    """Square co-occurrence matrix of instrument and outcome codes within table rows.

    Off-diagonal cells count the recommendations (table rows) coded with both codes; the
    diagonal counts the recommendations coded with each.  Index and columns are the codes'
    Chinese labels, instruments first.
    """
    coded = analysis.coded if depth is None else rolled_codings(analysis, depth=depth)
    rows = coded[
        ((coded["codebook"] == "instruments") & (coded["field"] == "measure"))
        | ((coded["codebook"] == "outcomes") & (coded["field"] == "outcome"))
    ]
    rows = rows.dropna(subset=["code"])
    key = ["doc_id", "table_id", "row_no"]
    presence = rows[[*key, "label_zh"]].drop_duplicates()
    # codebook order (instruments, then outcomes; codes in file order), not appearance order
    file_order = [
        code.zh
        for name in ("instruments", "outcomes")
        for book in analysis.codebooks
        if book.name == name
        for code in book
    ]
    present = set(rows["label_zh"])
    order = [label for label in dict.fromkeys(file_order) if label in present]
    order += sorted(present - set(order))
    presence = presence.assign(present=1)
    wide = presence.pivot_table(
        index=key, columns="label_zh", values="present", aggfunc="max", fill_value=0
    )
    wide = wide.reindex(columns=order, fill_value=0).astype("int64")
    matrix = wide.T @ wide
    matrix.index.name = matrix.columns.name = None
    return matrix
