"""Small shared writing helpers: atomic files, BOM-CSV, and the reproducible timestamp."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

__all__ = [
    "DeflatedPart",
    "atomic_path",
    "atomic_write",
    "build_timestamp",
    "deflate_part",
    "file_sha256",
    "normalize_ooxml",
    "write_csv",
    "write_package",
]

# 1980-01-01 is the earliest time a zip entry can hold; used when SOURCE_DATE_EPOCH is unset so
# that outputs never depend on the clock.
_DEFAULT_EPOCH = 315532800
_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def build_timestamp() -> datetime:
    """The timestamp written into outputs: ``SOURCE_DATE_EPOCH`` if set, else 1980-01-01 UTC."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    epoch = int(raw) if raw.isdigit() else _DEFAULT_EPOCH
    return datetime.fromtimestamp(max(epoch, _DEFAULT_EPOCH), tz=UTC)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
    # mkstemp creates 0600; give the file the permissions open() would have
    os.chmod(tmp_path, 0o666 & ~_umask())
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


def _zip_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    # Zip entry times cannot precede 1980 and carry no time zone.
    return max((when.year, when.month, when.day, when.hour, when.minute, when.second),
               (1980, 1, 1, 0, 0, 0))  # fmt: skip


@dataclass(frozen=True)
class DeflatedPart:
    """One part of a package, deflated once (:func:`deflate_part`) to go into many packages."""

    name: str
    crc: int
    size: int
    deflated: bytes


# Every part of a package cqanalysis writes: deflated at zlib's default level, made on Unix
# (zip "version made by" 3) with mode rw-r--r--.
_LEVEL = 6
_UNIX = 3
_PART_MODE = 0o644 << 16


def deflate_part(name: str, data: bytes) -> DeflatedPart:
    """``data`` deflated as :func:`normalize_ooxml` deflates a part (raw deflate stream)."""
    compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    return DeflatedPart(name, zlib.crc32(data), len(data),
                        compressor.compress(data) + compressor.flush())


def write_package(path: str | os.PathLike[str], parts: Iterable[DeflatedPart], *,
                  timestamp: datetime | None = None) -> Path:
    """Write a small package from deflated parts, atomically: the bytes :func:`normalize_ooxml`
    gives for a package of these parts (same order, dates, attributes and deflate stream).

    Parts shared by many small files (a .docx's styles) are deflated once for all of them;
    ``zipfile`` would deflate them again for each.  Without ZIP64: each part and the whole
    stay under 4 GiB (``ValueError`` otherwise).
    """
    dos_time, dos_date = _dos_stamp(_zip_time(timestamp or build_timestamp()))
    entries = sorted(parts, key=lambda p: _zip_order(p.name))
    local, central, offset = [], [], 0
    for part in entries:
        name = part.name.encode("utf-8")
        flags = 0 if part.name.isascii() else 0x800
        fixed = struct.pack("<HHHHHIII", 20, flags, 8, dos_time, dos_date, part.crc,
                            len(part.deflated), part.size)
        local += [b"PK\x03\x04", fixed, struct.pack("<HH", len(name), 0), name, part.deflated]
        central.append(b"PK\x01\x02" + struct.pack("<H", _UNIX << 8 | 20) + fixed
                       + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, _PART_MODE, offset)
                       + name)
        offset += 30 + len(name) + len(part.deflated)
    directory = b"".join(central)
    if offset + len(directory) >= 1 << 32 or len(entries) >= 1 << 16:
        raise ValueError(f"{path}: too large for a package without ZIP64")
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(directory), offset, 0)
    with atomic_path(path) as tmp:
        tmp.write_bytes(b"".join(local) + directory + end)
    return Path(path)


def _dos_stamp(date_time: tuple[int, ...]) -> tuple[int, int]:
    """A zip entry's (time, date) fields, as ``zipfile`` packs them."""
    year, month, day, hour, minute, second = date_time
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day


def _zip_order(name: str) -> tuple[int, str]:
    # [Content_Types].xml first, as Office itself writes it; then a fixed, sorted order.
    return (0 if name == "[Content_Types].xml" else 1, name)


def normalize_ooxml(path: str | os.PathLike[str], *, timestamp: datetime | None = None) -> Path:
    """Make an .xlsx or .docx file byte-reproducible, in place and atomically.

    openpyxl and python-docx stamp the document's creation/modification properties and every
    zip entry with the current time. This rewrites ``docProps/core.xml``'s ``dcterms:created``
    and ``dcterms:modified`` to ``timestamp`` (default :func:`cqanalysis.core.io.build_timestamp`,
    which honours ``SOURCE_DATE_EPOCH``) and repacks the zip with entries in a fixed order, each
    with that date, fixed permissions and the same compression.

    Parameters
    ----------
    path
        An Office Open XML package (.xlsx, .docx, .pptx).
    timestamp
        The time to embed; naive times are taken as UTC.

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(path)
    when = timestamp or build_timestamp()
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    date_time = _zip_time(when)
    # Entries are copied one at a time (memory stays at one block, not the whole package) and
    # deflated here once; streaming gives the same bytes as deflating each entry in one piece
    # (zlib's output does not depend on how its input is split).
    with atomic_path(target) as tmp, zipfile.ZipFile(target) as src, \
            zipfile.ZipFile(tmp, "w", compresslevel=_LEVEL) as dst:  # fmt: skip
        # (src closes before atomic_path replaces target: Windows cannot replace an open file)
        for entry in sorted(src.infolist(), key=lambda e: _zip_order(e.filename)):
            info = zipfile.ZipInfo(entry.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = _UNIX
            info.external_attr = _PART_MODE
            if entry.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(lambda m: m.group(1) + stamp + m.group(3), src.read(entry))
                dst.writestr(info, data)
                continue
            # As writestr does: the size decides up front whether the entry needs ZIP64.
            info.file_size = entry.file_size
            with src.open(entry) as part, dst.open(info, "w") as out:
                shutil.copyfileobj(part, out, 1 << 20)
    return target


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks (memory stays flat for any size).

    Raises
    ------
    InputError
        The file cannot be read.
    """
    from .errors import InputError

    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise InputError(path, f"cannot read it to hash it: {exc.strerror or exc}") from None
    return digest.hexdigest()
