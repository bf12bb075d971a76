"""Parse a corpus straight into a Parquet dataset, holding only a window of it in memory.

:func:`stream_corpus` writes each frame as ``OUT/<frame>/part-NNNNNN.parquet``, one part per
:data:`PART_DOCS` documents in input order, as the parsed documents arrive; the parts do not
depend on the executor, ``jobs`` or the cache, so the files are byte-identical whatever ran
them.  The dataset opens lazily::

    pd.read_parquet("OUT/rows")                  # one frame, with pandas
    dask.dataframe.read_parquet("OUT/rows")      # out of core, with Dask
    open_corpus("OUT").load()                    # every frame, as a Corpus

``rows`` may carry extra columns (a table's unknown header columns) in some parts only;
:meth:`ParquetCorpus.frame` unifies them (missing values where a part lacks a column).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from .core.document import Corpus
from .core.schema import PARSE_FRAMES
from .corpus import (
    _check_jobs,
    _collect,
    _Doc,
    _documents,
    _errors,
    _parse_chunk,
    _results_by_chunk,
)
from .parse.options import ParseOptions

__all__ = ["PART_DOCS", "ParquetCorpus", "open_corpus", "stream_corpus"]

#: Documents per Parquet part, and per task sent to a worker: few enough to keep memory
#: flat and the workers balanced, many enough for few files (100,000 documents: 400 parts).
PART_DOCS = 250
#: Frames of the dataset beyond the parse frames: one part each, written at the end.
META_FRAMES = ("documents", "errors", "warnings")


@dataclass(frozen=True)
class ParquetCorpus:
    """A parsed corpus on disk: ``documents``, ``errors`` and ``warnings`` in memory (one row
    per document at most), every parse frame read on demand.

    Attributes
    ----------
    folder
        The dataset: ``<frame>/part-*.parquet`` for every parse frame and the three above.
    """

    folder: Path
    documents: pd.DataFrame
    errors: pd.DataFrame
    warnings: tuple[str, ...]

    def parts(self, name: str) -> list[Path]:
        """The part files of frame ``name``, in document order."""
        if name not in PARSE_FRAMES and name not in META_FRAMES:
            raise KeyError(f"no frame {name!r}; frames: {', '.join(PARSE_FRAMES)}")
        return sorted((self.folder / name).glob("part-*.parquet"))

    def frame(self, name: str, *, columns: list[str] | None = None) -> pd.DataFrame:
        """Read one frame (optionally some columns) into memory."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        tables = [pq.read_table(p, columns=columns) for p in self.parts(name)]
        table = pa.concat_tables(tables, promote_options="default")
        return table.to_pandas()

    def load(self) -> Corpus:
        """Every frame in memory, as :func:`cqanalysis.parse_corpus` returns it."""
        frames = {name: self.frame(name) for name in PARSE_FRAMES}
        return Corpus(**frames, warnings=self.warnings, documents=self.documents,
                      errors=self.errors)

    def __repr__(self) -> str:
        return f"<ParquetCorpus {len(self.documents)} documents in {self.folder}>"


def stream_corpus(
    inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
    *,
    out: str | os.PathLike[str],
    manifest: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    strict: bool = False,
    progress: bool | None = None,
    options: ParseOptions | None = None,
    executor: Executor | None = None,
    cache: str | os.PathLike[str] | None = None,
) -> ParquetCorpus:
    """Parse documents into a Parquet dataset under ``out``; memory stays flat.

    Parameters
    ----------
    out
        The dataset folder.  Earlier ``part-*.parquet`` files in its frame folders are
        replaced; nothing else there is touched.
    inputs, manifest, jobs, strict, progress, options, executor, cache
        As in :func:`cqanalysis.parse_corpus`.

    Returns
    -------
    ParquetCorpus

    Raises
    ------
    CqError
        pyarrow is not installed (``pip install 'cqanalysis[scale]'``).
    """
    _require_pyarrow()
    _check_jobs(jobs)
    docs, table = _collect(inputs, manifest)
    writer = _PartWriter(Path(out))
    shas: list[str | None] = []
    failed: list[tuple[_Doc, Any]] = []
    notes: list[str] = []
    for part in _results_by_chunk(docs, jobs=jobs, strict=strict, progress=progress,
                                  options=options, executor=executor, cache=cache,
                                  size=PART_DOCS, work=_parse_part):
        for result in part:
            if result.error is not None:
                failed.append((docs[len(shas)], result.error))
            shas.append(result.sha256)
        writer.write(part.frames)
        notes += part.warnings
    documents, errors = _documents(docs, shas, table), _errors(failed)
    warnings = pd.DataFrame({"warning": pd.array(notes, dtype="str")})
    for name, frame in (("documents", documents), ("errors", errors), ("warnings", warnings)):
        writer.write_bytes(name, 0, _parquet(frame))
    return ParquetCorpus(Path(out), documents, errors, tuple(notes))


class _Part(list):  # type: ignore[type-arg]
    """A chunk's results (without records), its frames as Parquet bytes and its warnings."""

    frames: dict[str, bytes]
    warnings: list[str]


def _parse_part(chunk: list[tuple[str, str]], strict: bool, options: ParseOptions | None,
                cache: Any) -> _Part:
    """Parse one part on a worker and encode its frames there.

    Parquet bytes are several times smaller than the records to send back, and the caller
    only writes them: it stays a thin sink however many workers feed it.
    """
    from .parse import frames_from_records

    results = _parse_chunk(chunk, strict, options, cache)
    records = [r.records for r in results if r.records is not None]
    part = _Part(replace(r, records=None) for r in results)
    part.frames = {name: _parquet(frame)
                   for name, frame in frames_from_records(records).items()}
    part.warnings = [w for r in records for w in r.warnings]
    return part


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        from .core.errors import CqError

        raise CqError("Parquet output needs pyarrow: pip install 'cqanalysis[scale]'") from None


def open_corpus(folder: str | os.PathLike[str]) -> ParquetCorpus:
    """Open a dataset written by :func:`stream_corpus` (reads only its small frames)."""
    _require_pyarrow()
    import pyarrow.parquet as pq

    folder = Path(folder)
    small = {}
    for name in META_FRAMES:
        file = folder / name / "part-000000.parquet"
        if not file.is_file():
            from .core.errors import InputError

            raise InputError(folder, f"not a cqanalysis Parquet corpus (no {name} frame)")
        small[name] = pq.read_table(file).to_pandas()
    return ParquetCorpus(folder, small["documents"], small["errors"],
                         tuple(small["warnings"]["warning"]))


class _PartWriter:
    """Writes numbered parts of every parse frame; clears stale parts on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.written = 0
        for name in (*PARSE_FRAMES, *META_FRAMES):
            for stale in (folder / name).glob("part-*.parquet"):
                stale.unlink()

    def write(self, frames: dict[str, bytes]) -> None:
        """Write the next part of every parse frame."""
        for name, data in frames.items():
            self.write_bytes(name, self.written, data)
        self.written += 1

    def write_bytes(self, name: str, number: int, data: bytes) -> None:
        from .core.io import atomic_write

        target = self.folder / name / f"part-{number:06d}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(target, "wb") as fh:
            fh.write(data)
