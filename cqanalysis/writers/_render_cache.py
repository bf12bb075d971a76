"""A render cache: a file rendered from unchanged content is copied from the cache, not rendered.

A build enters :func:`render_cache` around its exporters; inside it, the per-table writers
(Word, LaTeX) call :func:`rendered`, which serves a file's bytes from the cache when the
same content was rendered before by the same writer code, else renders it and stores the
bytes; the thesis Word document calls :func:`rendered_bytes` for each table's piece of
document XML (caption, table, note), which :func:`rendered` is built on.  The key is a
SHA-256 of the package version, a digest of the writer's own source files (an edited
writer never serves stale files, even at the same version), the build timestamp
(``SOURCE_DATE_EPOCH``, which dates docx files), the kind of file and everything the writer
renders from (caption, header, cells, note …), written out as JSON.

Entries are ``FOLDER/<key[:2]>/<key>`` (:class:`~cqanalysis.core.store.EntryStore`): one
header line that repeats the key and gives the length and SHA-256 of the bytes, then the
bytes.  An entry whose header, length or digest does not match is never served: the file is
rendered again, the entry rewritten, and one :class:`CacheWarning` per build says so, as for
the parse cache.  Writes are atomic.  When
the build succeeds, entries it did not use are removed, so the cache holds the last build's
files and no more.  Outside :func:`render_cache` (a library call of a writer) nothing is
cached.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from pathlib import Path

from ..core import store
from ..core.io import atomic_write, build_timestamp
from ..core.store import EntryStore
from ..core.version import __version__
from ..corpus import warn_cache_notes

__all__ = ["RenderCache", "render_cache", "rendered", "rendered_bytes"]

_ACTIVE: ContextVar[RenderCache | None] = ContextVar("cqanalysis_render_cache", default=None)


class RenderCache(EntryStore):
    """The render cache folder of one build, the entries it used and what went wrong.

    Parameters
    ----------
    folder
        Where entries live; created on the first write.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        super().__init__(folder, "render")


@contextlib.contextmanager
def render_cache(folder: str | os.PathLike[str] | None) -> Iterator[RenderCache | None]:
    """Cache the files the writers render inside the block in ``folder`` (``None``: no cache).

    On leaving the block without an exception, entries the block did not use are removed.
    On leaving it in any way, problems with entries are reported.

    Warns
    -----
    CacheWarning
        Once, when entries were corrupt, foreign or could not be written (their files were
        rendered again).
    """
    if folder is None:
        yield None
        return
    cache = RenderCache(folder)
    token = _ACTIVE.set(cache)
    try:
        yield cache
        cache.prune()
    finally:
        _ACTIVE.reset(token)
        warn_cache_notes(cache.notes, "rendered again", stacklevel=3)


def _sources_digest(sources: tuple[str, ...]) -> str:
    """The digest of the writer's source files and of the cache's own."""
    return store.code_digest((__file__, store.__file__, *sources))


def cache_key(kind: str, parts: Sequence[object], sources: Sequence[str]) -> str:
    """The key of a rendered file: SHA-256 over version, writer code, timestamp, kind, content.

    ``parts`` must be JSON-serialisable (strings, numbers, ``None``, lists, tuples) and hold
    everything the file's bytes depend on besides the writer's code.
    """
    content = json.dumps([__version__, _sources_digest(tuple(sources)),
                          build_timestamp().isoformat(), kind, list(parts)],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def rendered_bytes(*, kind: str, parts: Sequence[object], sources: Sequence[str],
                   render: Callable[[], bytes]) -> bytes:
    """Bytes from the active render cache on a hit, else ``render()`` (stored for next time).

    Parameters
    ----------
    kind
        The writer and format (``"word-document-table"``).
    parts
        Everything the bytes depend on besides the code: see :func:`cache_key`.
    sources
        The writer's source files (its module and the helpers that shape its bytes).
    render
        Makes the bytes; called on a miss and whenever no cache is active.

    Returns
    -------
    bytes
        What ``render()`` returns (or returned, for the same key, in an earlier build).
    """
    cache = _ACTIVE.get()
    if cache is None:
        return render()
    key = cache_key(kind, parts, sources)
    cache.used.add(key)
    data = cache.get(key)
    if data is not None:
        cache.hits += 1
        return data
    cache.misses += 1
    data = render()
    cache.put(key, data)
    return data


def rendered(path: Path, *, kind: str, parts: Sequence[object], sources: Sequence[str],
             render: Callable[[Path], object]) -> Path:
    """Write ``path``: copied from the active render cache on a hit, else ``render(path)``.

    Parameters
    ----------
    path
        The file to write.
    kind
        The writer and format (``"word-table"``).
    parts, sources
        As for :func:`rendered_bytes`.
    render
        Writes ``path`` (atomically); called on a miss and whenever no cache is active.

    Returns
    -------
    Path
        ``path``.
    """
    written = False

    def write() -> bytes:
        nonlocal written
        render(path)
        written = True
        return path.read_bytes() if _ACTIVE.get() is not None else b""

    data = rendered_bytes(kind=kind, parts=parts, sources=sources, render=write)
    if not written:  # a hit: the cache's bytes
        with atomic_write(path, "wb") as fh:
            fh.write(data)
    return path
