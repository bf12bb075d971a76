"""Parse many documents (a directory, a list of files, or a manifest) into one stacked Corpus."""

from __future__ import annotations

import math
import multiprocessing
import os
import re
import sys
import threading
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .core.document import Corpus
from .core.errors import ArgumentError, CqError, InputError, ParseError
from .core.limits import DEFAULT_LIMITS
from .parse.cache import ParseCache, options_digest
from .parse.options import ParseOptions

__all__ = ["CacheWarning", "parse_corpus", "read_manifest", "require_readable"]

# Below this many documents a process pool costs more (worker start-up, pandas import)
# than it saves: a seed-sized document parses in about a millisecond.
_PARALLEL_MIN_DOCS = 200
_FILE_ALIASES = ("file", "path", "文件", "文件名", "路径")
_ID_ALIASES = ("doc_id", "文档编号", "编号")


class CacheWarning(UserWarning):
    """A cache entry (parse or render cache) was corrupt, foreign or unwritable; what it held
    was made anew."""


def warn_cache_notes(notes: list[str], done: str, *, stacklevel: int) -> None:
    """One :class:`CacheWarning` for a run's cache problems: the first, and how many more.

    ``done`` says what happened instead (``"parsed again"``); ``stacklevel`` counts from the
    caller of this function, as for :func:`warnings.warn`.
    """
    if notes:
        more = f" (and {len(notes) - 1} more)" if len(notes) > 1 else ""
        warnings.warn(f"{notes[0]}{more}; {done}", CacheWarning, stacklevel=stacklevel + 1)


@dataclass
class _Doc:
    doc_id: str
    path: Path
    row: int | None = None  # the document's row in the manifest


def parse_corpus(
    inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
    *,
    manifest: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    strict: bool = False,
    progress: bool | None = None,
    options: ParseOptions | None = None,
    executor: Executor | None = None,
    cache: str | os.PathLike[str] | None = None,
) -> Corpus:
    """Parse many documents into one set of stacked frames.

    Parameters
    ----------
    inputs
        A directory (read recursively: every .txt .md .docx .pdf .xlsx .csv .html file, hidden
        files and Office lock files ``~$…`` excepted), a file, or a list of files and
        directories.  ``None`` takes the documents listed in ``manifest``.
    manifest
        A CSV or YAML file with one row per document: ``file`` (relative to the manifest's
        folder) and optional ``doc_id``, ``title``, ``author``, ``year``, ``region``,
        ``doc_type`` and any other columns.  These become the ``documents`` frame, so
        crosstabs can split by year, region or document type.  With ``inputs`` given, rows are
        matched to the input files by path, then by file name.
    jobs
        Worker processes.  ``None`` decides: one process for small corpora, all available
        cores for large ones.  ``1`` never starts a pool.
    strict
        Stop at the first document that cannot be read or has a structural problem (raising
        its :class:`~cqanalysis.InputError` / :class:`~cqanalysis.ParseError`).  By default
        such a document is listed in ``errors`` and the run goes on.
    progress
        Show a progress bar on stderr.  ``None``: only when stderr is a terminal.
    options
        Parser settings (:class:`~cqanalysis.ParseOptions`) for every document.
    executor
        Any :class:`concurrent.futures.Executor` to parse on, for example a Dask cluster's
        ``Client(address).get_executor()``; its workers must be able to import cqanalysis and
        read the input paths.  The caller owns it (it is not shut down).  ``None``: a local
        process pool of ``jobs`` processes.
    cache
        A folder for the parse cache (:mod:`cqanalysis.parse.cache`): a document whose bytes,
        package version, options, strict mode and suffix match an entry is not parsed again.
        ``None``: no cache.

    Returns
    -------
    Corpus
        ``sections`` … ``residue`` of all documents stacked in document order, ``documents``
        (doc_id, path, sha256 and the manifest variables), ``errors`` (doc_id, path, error)
        and ``warnings`` (lenient-mode parse warnings and reader notes of all documents).

    Raises
    ------
    InputError
        No documents found, or an unreadable or inconsistent manifest (duplicate doc_id,
        no file column).  With ``strict=True`` also the first unreadable document.
    ParseError
        With ``strict=True``, the first structural problem.

    Notes
    -----
    ``doc_id`` is the manifest's ``doc_id`` or else the file name without suffix; when two
    files share a name the later one (in input order) gets ``-2``, ``-3`` … appended.
    Results never depend on ``jobs``, the executor or the cache: documents are parsed in
    chunks and put back in input order.

    Warns
    -----
    CacheWarning
        Once per run when cache entries were corrupt, foreign or unwritable (they are rebuilt).
    """
    _check_jobs(jobs)
    docs, table = _collect(inputs, manifest)
    results: list[_Result] = []
    for part in _results_by_chunk(docs, jobs=jobs, strict=strict, progress=progress,
                             options=options, executor=executor, cache=cache):
        results.extend(part)
    return _corpus(docs, results, table)


def _results_by_chunk(
    docs: list[_Doc], *, jobs: int | None, strict: bool, progress: bool | None,
    options: ParseOptions | None, executor: Executor | None,
    cache: str | os.PathLike[str] | None, size: int | None = None,
    work: Callable[..., list[_Result]] | None = None,
) -> Iterator[list[_Result]]:
    """The results of ``docs`` chunk by chunk, in input order, as they become ready.

    Only a few chunks are in flight at a time, so memory holds a window of results, not the
    corpus (:mod:`cqanalysis.stream` writes each chunk out and drops it).  ``size`` fixes the
    documents per chunk (default: by the number of workers); ``work(chunk, strict, options,
    cache)`` parses one chunk (default :func:`_parse_chunk`).
    """
    _check_jobs(jobs)
    show = _is_terminal(sys.stderr) if progress is None else progress
    store = ParseCache(Path(cache)) if cache is not None else None
    notes: list[str] = []
    args = (strict, options, store)
    if executor is not None:
        chunks = _chunked(docs, _capacity(executor, jobs), size)
        parts = _ordered(executor, chunks, work or _parse_chunk, args)
    else:
        parts = _local(docs, _workers(jobs, len(docs)), size, work or _parse_chunk, args)
    bar = None
    try:
        for part in parts:
            # the bar after the pool: its monitor thread would make forking workers unsafe
            bar = bar or _bar(len(docs), show)
            notes += [r.note for r in part if r.note]
            bar.update(len(part))
            yield part
    finally:
        if bar is not None:
            bar.close()
    warn_cache_notes(notes, "parsed again", stacklevel=3)


def _check_jobs(jobs: int | None) -> None:
    if jobs is not None and jobs < 1:
        raise ArgumentError(f"jobs must be a positive integer or None, not {jobs!r}")


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no stderr (pythonw) or a closed one
        return False


# --------------------------------------------------------------------------- inputs


def _supported() -> tuple[str, ...]:
    from .sources import SUFFIXES

    return SUFFIXES


def _expand(inputs: Any, skip: Path | None) -> list[Path]:
    items = [inputs] if isinstance(inputs, str | os.PathLike) else list(inputs)
    suffixes = _supported()
    out: list[Path] = []
    seen: set[Path] = set()
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = [
                f for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in suffixes
                and not any(part.startswith((".", "~$")) for part in f.relative_to(p).parts)
            ]  # fmt: skip
            found.sort(key=lambda f: f.relative_to(p).as_posix())
        else:
            found = [p]
        for f in found:
            key = f.resolve()
            if key in seen or (skip is not None and key == skip):
                continue
            seen.add(key)
            out.append(f)
    return out


def _collect(inputs: Any, manifest: Any) -> tuple[list[_Doc], pd.DataFrame | None]:
    table = read_manifest(manifest) if manifest is not None else None
    if inputs is not None and not isinstance(inputs, str | os.PathLike):
        inputs = list(inputs) or None  # an empty list (a CLI given only --manifest): None
    docs: list[_Doc] = []
    if inputs is None:
        if table is None:
            raise InputError("<inputs>", "no documents given: pass files, a folder or a manifest")
        base = Path(manifest).parent
        for row, (file, doc_id) in enumerate(zip(table["file"], table["doc_id"], strict=True)):
            path = Path(file)
            docs.append(_Doc(doc_id, path if path.is_absolute() else base / path, row))
    else:
        skip = Path(manifest).resolve() if manifest is not None else None
        files = _expand(inputs, skip)
        if not files:
            raise InputError(
                inputs if isinstance(inputs, str | os.PathLike) else "<inputs>",
                "no documents found (supported: " + " ".join(_supported()) + ")",
            )
        match = _matcher(table, Path(manifest).parent) if table is not None else None
        for f in files:
            row = match(f) if match else None
            doc_id = table["doc_id"].iloc[row] if table is not None and row is not None else ""
            docs.append(_Doc(doc_id, f, row))
    _assign_ids(docs)
    return docs, table


def _matcher(table: pd.DataFrame, base: Path) -> Any:
    by_path: dict[Path, int] = {}
    by_name: dict[str, list[int]] = {}
    for row, file in enumerate(table["file"]):
        p = Path(file)
        by_path[(p if p.is_absolute() else base / p).resolve()] = row
        by_name.setdefault(p.name, []).append(row)

    def match(f: Path) -> int | None:
        row = by_path.get(f.resolve())
        if row is None and len(by_name.get(f.name, [])) == 1:
            row = by_name[f.name][0]
        return row

    return match


def _assign_ids(docs: list[_Doc]) -> None:
    taken = {d.doc_id for d in docs if d.doc_id}
    for d in docs:
        if d.doc_id:
            continue
        base = d.path.stem or d.path.name
        candidate, k = base, 1
        while candidate in taken:
            k += 1
            candidate = f"{base}-{k}"
        d.doc_id = candidate
        taken.add(candidate)


def require_readable(corpus: Corpus) -> Corpus:
    """Return ``corpus``, or raise the first document's :class:`InputError` if none was read.

    A lenient corpus run lists unreadable documents in ``errors``; when that is every
    document there is nothing to report on, and the commands stop with that error.
    """
    if len(corpus.errors) and len(corpus.errors) == len(corpus.documents):
        first = corpus.errors.iloc[0]
        raise InputError(first["path"], first["error"])
    return corpus


def read_manifest(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a corpus manifest (CSV or YAML) into a frame with ``file``, ``doc_id`` and variables.

    Parameters
    ----------
    path
        ``.csv`` (UTF-8 with or without BOM, or GB18030) or ``.yaml``/``.yml`` (a list of
        mappings, or a mapping with a ``documents`` list).  The file column may be named
        ``file``, ``path``, ``文件``, ``文件名`` or ``路径``; the id column ``doc_id``,
        ``文档编号`` or ``编号``.

    Returns
    -------
    pandas.DataFrame
        ``file``, ``doc_id`` (``""`` where not given) and the other columns in manifest order;
        a column whose values are all whole numbers (a year) becomes ``Int64``, all numbers
        ``Float64``, anything else strings.

    Raises
    ------
    InputError
        Unreadable manifest, no file column, an empty file entry, or a repeated doc_id.
    """
    from .sources import check_file

    path = Path(path)
    check_file(path, DEFAULT_LIMITS)  # a FIFO or device given as manifest must not hang
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read the manifest ({exc.strerror or exc})") from None
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        records = _yaml_records(path, raw)
    elif suffix == ".csv":
        records = _csv_records(path, raw)
    else:
        raise InputError(path, "a manifest must be a .csv or .yaml file")
    if not records:
        raise InputError(path, "the manifest lists no documents")
    columns: list[str] = []
    for rec in records:
        columns.extend(k for k in rec if k not in columns)
    file_col = next((c for c in columns if c.lower() in _FILE_ALIASES), None)
    if file_col is None:
        raise InputError(path, "the manifest has no 'file' column")
    id_col = next((c for c in columns if c.lower() in _ID_ALIASES), None)
    rows = []
    seen: dict[str, int] = {}
    for n, rec in enumerate(records, start=2 if suffix == ".csv" else 1):
        file = _text(rec.get(file_col))
        if not file:
            raise InputError(path, f"entry {n}: empty file name")
        doc_id = _text(rec.get(id_col)) if id_col else ""
        if doc_id and doc_id in seen:
            raise InputError(path, f"doc_id {doc_id!r} repeated (entries {seen[doc_id]} and {n})")
        if doc_id:
            seen[doc_id] = n
        row = {"file": file, "doc_id": doc_id}
        row.update({c: _text(rec.get(c)) for c in columns if c not in (file_col, id_col)})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["file", "doc_id"] + [
        c for c in columns if c not in (file_col, id_col)])  # fmt: skip
    for col in frame.columns[2:]:
        frame[col] = _typed(frame[col])
    frame["file"] = frame["file"].astype("str")
    frame["doc_id"] = frame["doc_id"].astype("str")
    return frame


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _typed(col: pd.Series) -> pd.Series:
    values = [v for v in col if v != ""]
    if values and all(re.fullmatch(r"[-+]?\d+", v) for v in values):
        return pd.array([int(v) if v != "" else None for v in col], dtype="Int64")
    if values and all(re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", v) for v in values):
        return pd.array([float(v) if v != "" else None for v in col], dtype="Float64")
    return pd.array([v if v != "" else None for v in col], dtype="str")


def _csv_records(path: Path, raw: bytes) -> list[dict[str, Any]]:
    import csv
    import io

    from .sources.text import decode_text

    text = decode_text(raw, path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        records = [dict(r) for r in reader]
    except csv.Error as exc:
        raise InputError(path, f"malformed CSV manifest ({exc})") from None
    if reader.fieldnames is None:
        return []
    return [{(k or "").strip(): v for k, v in r.items() if k is not None} for r in records]


def _yaml_records(path: Path, raw: bytes) -> list[dict[str, Any]]:
    import yaml

    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not a readable YAML manifest ({exc})") from None
    if isinstance(data, dict):
        data = data.get("documents")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise InputError(path, "a YAML manifest must be a list of documents (or 'documents:')")
    return [{str(k).strip(): v for k, v in r.items()} for r in data]


# --------------------------------------------------------------------------- parsing


def _workers(jobs: int | None, n: int) -> int:
    if n < 2:
        return 1
    if jobs is None:
        if n < _PARALLEL_MIN_DOCS:
            return 1
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:
            cores = os.cpu_count() or 1
        return max(1, min(cores, n // (_PARALLEL_MIN_DOCS // 2)))
    return min(jobs, n)


@dataclass
class _Result:
    sha256: str | None
    records: Any = None  # cqanalysis.parse.assemble.Assembled
    # (kind, path, line, reason, text): CqError subclasses take several constructor
    # arguments and so do not survive pickling between processes as objects
    error: tuple[str, str, int | None, str, str] | None = None
    # a worker's warnings do not reach the caller's process; the parent issues this one
    note: str | None = None


def _freeze(exc: CqError) -> tuple[str, str, int | None, str, str]:
    if isinstance(exc, ParseError):
        return ("ParseError", exc.path, exc.line, exc.reason, exc.text)
    if isinstance(exc, InputError):
        return ("InputError", exc.path, None, exc.reason, "")
    return ("CqError", "", None, str(exc), "")


def _thaw(error: tuple[str, str, int | None, str, str]) -> CqError:
    kind, path, line, reason, text = error
    if kind == "ParseError":
        return ParseError(path, line, reason, text)
    if kind == "InputError":
        return InputError(path, reason)
    return CqError(reason)


def _parse_one(doc_id: str, path: Path, strict: bool,
               options: ParseOptions | None = None, cache: ParseCache | None = None) -> _Result:
    from .parse import ParseWarning, parse_source
    from .parse.options import DEFAULT_OPTIONS
    from .sources import file_sha256, read

    limits = (options or DEFAULT_OPTIONS).limits
    # hashed only once known to be a regular file within the size limit: a FIFO or
    # /dev/zero in the inputs must not hang the run or fill the memory
    digest = file_sha256(path, limits)
    note = None
    key = options_digest(options, strict=strict, suffix=path.suffix)
    if cache is not None and digest is not None:
        cached, note = cache.get(digest, key, doc_id=doc_id, path=str(path))
        if cached is not None:
            return _Result(digest, records=cached)
    try:
        source = read(path, limits=limits)
        with warnings.catch_warnings():
            # recorded in the result; a corpus of thousands must not print each one
            warnings.simplefilter("ignore", ParseWarning)
            records = parse_source(source, doc_id=doc_id, strict=strict, options=options)
    except CqError as exc:
        if strict:
            raise
        return _Result(digest, error=_freeze(exc), note=note)
    if cache is not None and digest is not None:
        note = cache.put(digest, key, records, doc_id=doc_id, path=source.path) or note
    return _Result(digest, records=records, note=note)


def _parse_chunk(chunk: Sequence[tuple[str, str]], strict: bool,
                 options: ParseOptions | None = None,
                 cache: ParseCache | None = None) -> list[_Result]:
    out = []
    for doc_id, path in chunk:
        try:
            out.append(_parse_one(doc_id, Path(path), strict, options, cache))
        except CqError as exc:  # strict: hand the first error back, stop this chunk
            out.append(_Result(None, error=_freeze(exc)))
            break
    return out


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None

    def close(self) -> None:
        return None


def _bar(total: int, show: bool) -> Any:
    """A tqdm bar on stderr, or a stand-in that does nothing.

    tqdm starts a monitor thread even when disabled, and a process with extra threads must
    not fork worker processes; so no tqdm object exists unless the bar is shown.
    """
    if not show:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", file=sys.stderr)


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    # fork is fastest but unsafe once the process runs other threads
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        # preload this module, not the caller's __main__ (a script without a main guard)
        ctx.set_forkserver_preload(["cqanalysis.corpus"])
        return ctx
    return multiprocessing.get_context("spawn")


def _capacity(executor: Executor, jobs: int | None) -> int:
    """How many chunks the executor runs at once: its workers, a Dask cluster's threads."""
    if jobs is not None:
        return jobs
    client = getattr(executor, "_client", None)  # distributed.client.ClientExecutor
    if client is not None:
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:  # a client that cannot answer still runs the work
            return 1
    return max(1, int(getattr(executor, "_max_workers", 0) or os.cpu_count() or 1))


def _chunked(docs: list[_Doc], workers: int,
             size: int | None = None) -> list[list[tuple[str, str]]]:
    jobs = [(d.doc_id, str(d.path)) for d in docs]
    # about eight chunks per worker balance the load; 500 bounds one chunk's memory
    size = size or max(1, min(500, math.ceil(len(jobs) / (workers * 8))))
    return [jobs[i : i + size] for i in range(0, len(jobs), size)]


def _local(docs: list[_Doc], workers: int, size: int | None, work: Callable[..., Any],
           args: tuple[Any, ...]) -> Iterator[list[_Result]]:
    if workers == 1 and size is None:  # document by document: the progress bar moves
        for d in docs:
            yield [_parse_one(d.doc_id, d.path, *args)]
    elif workers == 1:
        for chunk in _chunked(docs, 1, size):
            yield _checked(work(chunk, *args), args[0])
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
            yield from _ordered(pool, _chunked(docs, workers, size), work, args)


def _ordered(executor: Executor, chunks: list[list[tuple[str, str]]], work: Callable[..., Any],
             args: tuple[Any, ...]) -> Iterator[list[_Result]]:
    """Chunk results in submission order, with a bounded number of chunks in flight."""
    window = max(4, 3 * _capacity(executor, None))
    todo = iter(chunks)
    pending: deque[Any] = deque()

    def submit(n: int) -> None:
        for chunk in [c for _, c in zip(range(n), todo, strict=False)]:
            pending.append(executor.submit(work, chunk, *args))

    submit(window)
    try:
        while pending:
            part = _checked(pending.popleft().result(), args[0])
            submit(1)
            yield part
    finally:  # an error, a strict stop or a consumer that stopped early
        for fut in pending:
            fut.cancel()


def _checked(part: list[_Result], strict: bool) -> list[_Result]:
    """The chunk's results; in strict mode, the error a chunk stopped at, raised."""
    if strict and part and part[-1].error is not None:
        raise _thaw(part[-1].error)
    return part


# --------------------------------------------------------------------------- assembling


def _error_text(error: tuple[str, str, int | None, str, str]) -> str:
    kind, _, line, reason, text = error
    if kind == "ParseError":
        where = f"line {line}: " if line is not None else ""
        return where + reason + (f": {text!r}" if text else "")
    return reason


def _corpus(docs: list[_Doc], results: list[_Result], table: pd.DataFrame | None) -> Corpus:
    from .parse import frames_from_records

    parts = [r.records for r in results if r.records is not None]
    frames = frames_from_records(parts)
    documents = _documents(docs, [r.sha256 for r in results], table)
    errors = _errors([(d, r.error) for d, r in zip(docs, results, strict=True)
                      if r.error is not None])
    notes = tuple(w for p in parts for w in p.warnings)
    return Corpus(**frames, warnings=notes, documents=documents, errors=errors)


def _documents(docs: list[_Doc], sha256: list[str | None],
               table: pd.DataFrame | None) -> pd.DataFrame:
    documents = pd.DataFrame(
        {
            "doc_id": pd.array([d.doc_id for d in docs], dtype="str"),
            "path": pd.array([str(d.path) for d in docs], dtype="str"),
            "sha256": pd.array(sha256, dtype="str"),
        }
    )
    if table is not None:
        # documents without a manifest row get missing values; reindex keeps each dtype
        rows = [d.row if d.row is not None else -1 for d in docs]
        meta = table.drop(columns=["file", "doc_id"]).reindex(rows).reset_index(drop=True)
        documents = pd.concat([documents, meta], axis=1)
    return documents


def _errors(failed: list[tuple[_Doc, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": pd.array([d.doc_id for d, _ in failed], dtype="str"),
            "path": pd.array([str(d.path) for d, _ in failed], dtype="str"),
            "error": pd.array([_error_text(e) for _, e in failed], dtype="str"),
        }
    )
