"""A folder of checked cache entries: each file repeats its key, length and SHA-256.

Shared by the render cache (:mod:`cqanalysis.writers._render_cache`) and the analysis cache
(:mod:`cqanalysis.analysis_cache`).  An entry is ``FOLDER/<key[:2]>/<key>``: one header line
that repeats the key and gives the length and SHA-256 of the bytes, then the bytes.  An entry
whose header, length or digest does not match is never served; the problem is noted (the
caller reports the notes once, as a ``CacheWarning``) and the caller writes the entry again.
Writes are atomic; :meth:`EntryStore.prune` removes what a run did not use, so the folder
holds the last run's entries and no more.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
from pathlib import Path

from .io import atomic_write

__all__ = ["EntryStore", "code_digest"]

_FORMAT = b"cqanalysis-cache"
_SCHEMA = b"1"
_ENTRY = re.compile(r"[0-9a-f]{64}")
# atomic_path's temporary files (".<name>.<random>.tmp"), left behind only by a killed run
_TEMPORARY = re.compile(r"\.[0-9a-f]{64}\..*\.tmp")


@functools.cache
def code_digest(paths: tuple[str, ...]) -> str:
    """SHA-256 over the source code that computes a cached result: each file's name and bytes.

    ``paths`` are files or folders (their ``.py`` files, sorted), in the caller's order.  An
    edited module changes the digest, so a cache keyed by it never serves what old code made,
    even at the same version.  Computed once per process.
    """
    digest = hashlib.sha256()
    for name in paths:
        path = Path(name)
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


class EntryStore:
    """The entries of one cache folder, the entries a run used and what went wrong.

    Parameters
    ----------
    folder
        Where entries live; created on the first write.
    kind
        What the cache holds (``"render"``, ``"analysis"``), for the notes.
    """

    def __init__(self, folder: str | os.PathLike[str], kind: str) -> None:
        self.folder = Path(folder)
        self.kind = kind
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0
        self.notes: list[str] = []

    def entry(self, key: str) -> Path:
        """The file of one entry (``key``: 64 hexadecimal digits)."""
        return self.folder / key[:2] / key

    def get(self, key: str) -> bytes | None:
        """The stored bytes of ``key``, or ``None`` (no entry, or one that fails its check)."""
        file = self.entry(key)
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.notes.append(f"{file}: unreadable {self.kind} cache entry "
                              f"({exc.strerror or exc})")
            return None
        head, _, data = raw.partition(b"\n")
        if head != _header(self.kind, key, data):
            self.notes.append(f"{file}: ignored a corrupt or foreign {self.kind} cache entry")
            return None
        return data

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``; a note (never an exception) if it cannot be written."""
        file = self.entry(key)
        try:
            with atomic_write(file, "wb") as fh:
                fh.write(_header(self.kind, key, data) + b"\n" + data)
        except OSError as exc:
            self.notes.append(f"{file}: cannot write the {self.kind} cache "
                              f"({exc.strerror or exc})")

    def prune(self) -> int:
        """Remove the entries this run did not use (and stray temporary files); how many."""
        removed = 0
        if not self.folder.is_dir():
            return 0
        for sub in self.folder.iterdir():
            if not (sub.is_dir() and re.fullmatch(r"[0-9a-f]{2}", sub.name)):
                continue  # not ours
            for file in sub.iterdir():
                ours = _ENTRY.fullmatch(file.name) or _TEMPORARY.fullmatch(file.name)
                if ours and file.name not in self.used and file.is_file():
                    file.unlink(missing_ok=True)
                    removed += 1
            with contextlib.suppress(OSError):
                sub.rmdir()  # only when empty
        return removed


def _header(kind: str, key: str, data: bytes) -> bytes:
    # the kind too: an entry of another cache copied into this folder is foreign, not served
    digest = hashlib.sha256(data).hexdigest().encode()
    return b" ".join([_FORMAT, _SCHEMA, kind.encode(), key.encode(), str(len(data)).encode(),
                      digest])
