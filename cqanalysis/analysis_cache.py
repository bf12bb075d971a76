"""The codebook-independent part of an analysis, and a cache of it for rebuilds.

A rebuild with another codebook codes the same units: the clauses, the coding units, the
links between table rows and items and where each unit and row lies in its source file
(:class:`~cqanalysis.offsets.Locations`, for the QDA tables and the REFI-QDA project) depend
only on the parse.  :func:`compute_groundwork` computes them; :func:`cached_groundwork`
keeps them in a folder (``cqanalysis build`` uses ``CACHE/analysis``) and reads them back on
the next build of the same documents.

The key is a SHA-256 over the package version, a digest of the source files of the modules
that compute these results (an edited module never serves stale results, even at the same
version) and, document by document in order, the doc_id, the file's SHA-256 and the parse
settings' digest (:func:`cqanalysis.parse.cache.options_digest`, which covers the parser's
code).  Each frame is one
Parquet entry of a :class:`~cqanalysis.core.store.EntryStore` (header with the key, length
and SHA-256; atomic writes); object columns are stored as JSON text, so frames come back
with the same dtypes and values.  A corrupt or foreign entry is ignored with one
:class:`~cqanalysis.corpus.CacheWarning` and written again; after each use the folder keeps
only this build's entries.  Never pickle: a cache folder may come from elsewhere.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .core.document import Corpus
from .core.store import EntryStore, code_digest
from .core.version import __version__
from .corpus import warn_cache_notes
from .offsets import Locations

__all__ = ["Groundwork", "cached_groundwork", "compute_groundwork", "groundwork_key"]

_PACKAGE = Path(__file__).resolve().parent
#: What the cached results are computed by, beyond the parse: each document's parse settings
#: digest (in the key) already covers the parser's code (``core``, ``sources``, ``parse``).
_MODULES = ("analysis_cache.py", "clauses.py", "coding.py", "links.py", "offsets.py")
#: Parquet metadata key listing the columns stored as JSON text (object columns).
_JSON_COLUMNS = b"cqanalysis.json_columns"
_SCALARS = (str, int, float, bool)


@dataclass(frozen=True)
class Groundwork:
    """What :func:`cqanalysis.analyse` computes before coding, from the parse alone.

    Attributes
    ----------
    clauses
        :func:`cqanalysis.explode_clauses` of the corpus' rows.
    units
        :func:`cqanalysis.coding_units` of the clauses and the corpus' items.
    links
        :func:`cqanalysis.link_items` of the corpus' rows and items.
    locations
        Offsets of the units and table rows in their sources (:func:`cqanalysis.offsets.locations`).
    """

    clauses: pd.DataFrame
    units: pd.DataFrame
    links: pd.DataFrame
    locations: Locations


def compute_groundwork(corpus: Corpus, *, sources: Mapping[str, str] | None = None) -> Groundwork:
    """The codebook-independent results of ``corpus``, reading its source files once.

    Parameters
    ----------
    corpus
        A parse (:func:`cqanalysis.parse_corpus`).
    sources
        doc_id → the file to read for offsets, where ``documents.path`` shows another form
        (as :attr:`cqanalysis.Analysis.sources`).

    Returns
    -------
    Groundwork
    """
    from .clauses import explode_clauses
    from .coding import coding_units
    from .links import link_items
    from .offsets import locations, source_blocks

    clauses = explode_clauses(corpus.rows)
    units = coding_units(clauses, corpus.items)
    return Groundwork(clauses=clauses, units=units, links=link_items(corpus.rows, corpus.items),
                      locations=locations(units, corpus, source_blocks(corpus, sources)))


def _modules_digest() -> str:
    """:func:`~cqanalysis.core.store.code_digest` of :data:`_MODULES`."""
    return code_digest(tuple(str(_PACKAGE / name) for name in _MODULES))


def groundwork_key(corpus: Corpus, *, options: Any = None, strict: bool = False) -> str | None:
    """The cache key of ``corpus``' groundwork, or ``None`` when it cannot be keyed.

    ``options`` and ``strict`` are those the corpus was parsed with.  A document without a
    file hash (parsed from a string, or not hashed) cannot be keyed.
    """
    from .parse.cache import options_digest

    docs = corpus.documents
    if not {"doc_id", "path", "sha256"} <= set(docs.columns) or docs["sha256"].isna().any():
        return None
    per_doc = [[str(doc_id), str(sha), options_digest(options, strict=strict,
                                                      suffix=Path(str(path)).suffix)]
               for doc_id, path, sha in docs[["doc_id", "path", "sha256"]].itertuples(
                   index=False, name=None)]
    content = json.dumps([__version__, _modules_digest(), per_doc], separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def cached_groundwork(corpus: Corpus, *, folder: str | os.PathLike[str],
                      sources: Mapping[str, str] | None = None, options: Any = None,
                      strict: bool = False) -> Groundwork:
    """:func:`compute_groundwork`, read from ``folder`` when it holds this corpus' results.

    Parameters
    ----------
    corpus, sources
        As for :func:`compute_groundwork`.
    folder
        The cache folder (created on the first write).  After the call it holds this
        corpus' entries only.
    options, strict
        The parse settings of ``corpus`` (:func:`cqanalysis.parse_corpus`), part of the key.

    Returns
    -------
    Groundwork
        Equal, frame by frame and dtype by dtype, to :func:`compute_groundwork`'s.

    Warns
    -----
    CacheWarning
        Once, when entries were corrupt, foreign or could not be written (their results
        were computed again).
    """
    key = groundwork_key(corpus, options=options, strict=strict)
    if key is None:
        return compute_groundwork(corpus, sources=sources)
    store = EntryStore(folder, "analysis")
    try:
        work = _read(store, key)
        if work is None:
            work = compute_groundwork(corpus, sources=sources)
            _write(store, key, work)
        store.prune()
    finally:
        warn_cache_notes(store.notes, "computed again", stacklevel=2)
    return work


def _frames(work: Groundwork) -> dict[str, pd.DataFrame]:
    """The frames an entry each holds, by entry name."""
    texts = work.locations.texts
    return {"clauses": work.clauses, "units": work.units, "links": work.links,
            "located_units": work.locations.units, "located_rows": work.locations.rows,
            "texts": pd.DataFrame({"doc_id": pd.array(list(texts), dtype="str"),
                                   "text": pd.array(list(texts.values()), dtype="str")})}


def _entry_key(key: str, name: str) -> str:
    return hashlib.sha256(f"{key}:{name}".encode()).hexdigest()


def _write(store: EntryStore, key: str, work: Groundwork) -> None:
    """Store every frame of ``work``; nothing when one cannot be stored exactly."""
    try:
        encoded = {name: _frame_bytes(frame) for name, frame in _frames(work).items()}
    except (TypeError, ValueError):
        return  # values Parquet/JSON would not give back as they are: computed each build
    for name, data in encoded.items():
        store.put(_entry_key(key, name), data)


def _read(store: EntryStore, key: str) -> Groundwork | None:
    """The stored groundwork of ``key``, or ``None`` when an entry is missing or damaged."""
    names = ("clauses", "units", "links", "located_units", "located_rows", "texts")
    keys = {name: _entry_key(key, name) for name in names}
    store.used.update(keys.values())
    frames = {}
    for name, entry in keys.items():
        data = store.get(entry)
        if data is None:
            return None
        try:
            frames[name] = _bytes_frame(data)
        except Exception as exc:  # whatever Parquet raises, the entry is not served
            store.notes.append(f"{store.entry(entry)}: unreadable analysis cache entry ({exc})")
            return None
    texts = frames["texts"]
    located = Locations(units=frames["located_units"], rows=frames["located_rows"],
                        texts=dict(zip(texts["doc_id"], texts["text"], strict=True)))
    return Groundwork(clauses=frames["clauses"], units=frames["units"], links=frames["links"],
                      locations=located)


def _frame_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as Parquet bytes; object columns as JSON text (Parquet would retype them).

    Raises
    ------
    TypeError
        A value of an object column that JSON would not give back as it is.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not all(isinstance(c, str) for c in frame.columns):
        raise TypeError("Parquet column names are strings")
    as_json = [c for c in frame.columns if frame[c].dtype == object]
    encoded = frame.assign(**{c: pd.array([_json(v) for v in frame[c]], dtype="str")
                              for c in as_json})
    table = pa.Table.from_pandas(encoded)
    meta = {**(table.schema.metadata or {}), _JSON_COLUMNS: json.dumps(as_json).encode()}
    sink = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), sink)
    return sink.getvalue()


def _json(value: Any) -> str | None:
    """One object-column value as JSON text; ``pd.NA`` as a missing value."""
    if value is pd.NA:
        return None
    if value is not None and type(value) not in _SCALARS:
        raise TypeError(f"cannot cache a {type(value).__name__} value")
    return json.dumps(value, ensure_ascii=False)  # NaN is written as NaN, read back as nan


def _bytes_frame(data: bytes) -> pd.DataFrame:
    """The frame :func:`_frame_bytes` wrote."""
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(data))
    as_json = json.loads((table.schema.metadata or {})[_JSON_COLUMNS])
    frame = table.to_pandas()
    for col in as_json:
        frame[col] = pd.Series([pd.NA if pd.isna(v) else json.loads(v) for v in frame[col]],
                               index=frame.index, dtype=object)
    return frame
