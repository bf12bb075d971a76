"""A content-addressed parse cache: one JSON file per parsed document.

A corpus rebuilt with another codebook or label language has the same parse; the cache keeps
each document's records under the file's SHA-256, the package version and a digest of
everything else that changes a parse (the :class:`ParseOptions`, strict mode and the file
suffix, which decides between plain text and Markdown).

Entries are JSON, never pickle: a cache folder may come from elsewhere (a shared drive, an
unpacked archive), and loading it must not be able to run code.  Each entry repeats its key;
an entry that cannot be read, has another key or another shape is reported and rebuilt,
never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..core.schema import FRAME_COLUMNS
from ..core.store import code_digest
from ..core.version import __version__
from .assemble import Assembled
from .options import DEFAULT_OPTIONS, ParseOptions

__all__ = ["ParseCache", "options_digest"]

_FORMAT = "cqanalysis-parse-cache"
_SCHEMA = 1
_FIELDS = tuple(f.name for f in fields(Assembled))
_PACKAGE = Path(__file__).resolve().parents[1]
#: The code a document's records come from: the readers, the parser and the core helpers.
_PARSER_CODE = tuple(str(_PACKAGE / name) for name in ("core", "sources", "parse"))


def options_digest(options: ParseOptions | None, *, strict: bool, suffix: str) -> str:
    """A digest of the parse settings, the same in every process and on every machine.

    Python's ``hash()`` of a string is salted per process, so the key is a SHA-256 of the
    options' fields written out with ``repr`` (tuples, dicts of tuples, strings, numbers).
    """
    opts = options or DEFAULT_OPTIONS
    parts = [f"{f.name}={getattr(opts, f.name)!r}" for f in fields(opts)
             if not f.name.startswith("_")]
    parts += [f"strict={strict!r}", f"suffix={suffix.lower()!r}"]
    # the frames' columns: an entry written before a column was added must not be trusted
    parts += [f"{name}={columns!r}" for name, columns in sorted(FRAME_COLUMNS.items())]
    # nor one an edited parser wrote (the version changes only at a release)
    parts.append(f"code={code_digest(_PARSER_CODE)}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ParseCache:
    """The cache folder and the settings of one run; picklable, so workers get a copy.

    Parameters
    ----------
    folder
        Where entries live; created on the first write.  On a cluster it must be a folder
        every worker can reach (a shared file system), or each worker keeps its own.
    """

    folder: Path

    def entry(self, sha256: str, digest: str) -> Path:
        """The file of one document's entry."""
        return Path(self.folder) / sha256[:2] / f"{sha256}-{__version__}-{digest}.json"

    def get(self, sha256: str, digest: str, *, doc_id: str,
            path: str) -> tuple[Assembled | None, str | None]:
        """The cached records (renamed to ``doc_id`` and ``path``) and a note.

        ``(None, None)``: no entry.  ``(None, note)``: an entry that is corrupt or belongs to
        another key; the note says which, and the caller parses again and overwrites it.
        """
        file = self.entry(sha256, digest)
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            return None, None
        except OSError as exc:
            return None, f"{file}: unreadable parse cache entry ({exc.strerror or exc})"
        try:
            data = json.loads(raw.decode("utf-8"))
            return _records(data, (sha256, __version__, digest), doc_id, path), None
        except (ValueError, KeyError, TypeError) as exc:
            return None, f"{file}: ignored a corrupt or foreign parse cache entry ({exc})"

    def put(self, sha256: str, digest: str, records: Assembled, *, doc_id: str,
            path: str) -> str | None:
        """Store one document's records; a note (never an exception) if it cannot be written."""
        file = self.entry(sha256, digest)
        data = {"format": _FORMAT, "schema": _SCHEMA, "sha256": sha256,
                "version": __version__, "options": digest, "doc_id": doc_id, "path": path,
                **{name: getattr(records, name) for name in _FIELDS}}
        tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                           encoding="utf-8")
            os.replace(tmp, file)  # atomic: a reader sees the old entry or the whole new one
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            return f"{file}: cannot write the parse cache ({exc.strerror or exc})"
        return None


def _records(data: Any, key: tuple[str, str, str], doc_id: str, path: str) -> Assembled:
    """Check an entry's key and shape; rename it to this document."""
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise ValueError("not a cqanalysis parse cache entry")
    if data.get("schema") != _SCHEMA:
        raise ValueError(f"cache schema {data.get('schema')!r}, expected {_SCHEMA}")
    found = (data.get("sha256"), data.get("version"), data.get("options"))
    if found != key:
        raise ValueError(f"the entry's key {found} is not its file name's {key}")
    old_id, old_path = data["doc_id"], data["path"]
    if not isinstance(old_id, str) or not isinstance(old_path, str):
        raise TypeError("doc_id and path must be strings")
    out: dict[str, list[Any]] = {}
    for name in _FIELDS:
        values = data[name]
        if not isinstance(values, list):
            raise TypeError(f"{name} is not a list")
        if name == "warnings":
            if not all(isinstance(w, str) for w in values):
                raise TypeError("warnings must be strings")
            # the same bytes under another name: messages start with the path they name
            out[name] = [path + w[len(old_path):] if w.startswith(old_path) else w
                         for w in values]
            continue
        if not all(isinstance(r, dict) and r.get("doc_id") == old_id for r in values):
            raise TypeError(f"{name} records must be mappings of this document")
        out[name] = [{**r, "doc_id": doc_id} for r in values] if doc_id != old_id else values
    return Assembled(**out)
