"""Small shared writing helpers: atomic files, BOM-CSV, and the reproducible timestamp."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_path", "atomic_write", "build_timestamp", "write_csv"]

# 1980-01-01 is the earliest time a zip entry can hold; used when SOURCE_DATE_EPOCH is unset so
# that outputs never depend on the clock.
_DEFAULT_EPOCH = 315532800


def build_timestamp() -> datetime:
    """The timestamp written into outputs: ``SOURCE_DATE_EPOCH`` if set, else 1980-01-01 UTC."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    epoch = int(raw) if raw.isdigit() else _DEFAULT_EPOCH
    return datetime.fromtimestamp(max(epoch, _DEFAULT_EPOCH), tz=UTC)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only on success.

    For writers that want a file name (openpyxl, matplotlib, python-docx) rather than a handle.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str], mode: str = "w", **kwargs: Any
) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` and move it into place only if the block succeeds."""
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh


def write_csv(df: Any, path: str | os.PathLike[str]) -> Path:
    """Write a DataFrame as UTF-8 CSV with BOM and ``\\n`` line ends, atomically."""
    with atomic_write(path, "w", encoding="utf-8-sig", newline="") as fh:
        df.to_csv(fh, index=False, lineterminator="\n")
    return Path(path)
