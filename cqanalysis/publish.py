"""Publishing a build into its output folder: the build owns only what it writes.

A build writes into a staging folder beside ``out`` (``.OUT-build-PID-XXXX``) and swaps it in
with one rename, so an interrupt leaves either the old reports or the new ones.  The files a
build wrote are listed in ``out/.cqanalysis-manifest.json``; everything else in ``out`` (the
user's notes, their own figures) is carried into the new folder as a hard link (a copy where
links are impossible) and never deleted.  A user's file where the build wants to write, or a
symlink on such a path, stops the build before anything changes.  Staging folders left by a
killed build are removed by the next one.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import shutil
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from .core.errors import CqError

__all__ = ["MANIFEST", "OutputError", "check_out", "owned_files", "publish", "staging"]

MANIFEST = ".cqanalysis-manifest.json"
_LEGACY_README = "# cqanalysis build\n"


class OutputError(CqError):
    """An output folder a build must not or cannot write."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        super().__init__(f"output folder {self.path}: {reason}")


def check_out(out: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]], *,
              whole_folder: bool = True) -> Path:
    """Check ``out`` before any work; return it as an absolute path.

    ``whole_folder``: the folder is replaced as a whole (a build), so it must not be or
    contain the working folder.

    Raises
    ------
    OutputError
        ``out`` is a file or lies below one, cannot be created, is or contains the working
        folder, or overlaps an input (is one, contains one, or lies inside an input folder,
        where the next run would read the reports back as documents).
    """
    given = Path(out)
    target = Path(os.path.realpath(given))
    if target.exists() and not target.is_dir():
        raise OutputError(given, "is a file, not a folder")
    existing = next(p for p in (target, *target.parents) if p.exists())
    if not existing.is_dir():
        raise OutputError(given, f"{existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(given, f"no permission to write in {existing}")
    cwd = Path.cwd().resolve()
    if whole_folder and (cwd == target or target in cwd.parents):
        raise OutputError(given, "is or contains the working folder; choose a subfolder")
    for raw in inputs:
        path = Path(os.path.realpath(raw))
        if path == target or target in path.parents:
            raise OutputError(given, f"contains the input {raw}; choose another folder")
        if path.is_dir() and path in target.parents:
            raise OutputError(given, f"is inside the input folder {raw}, whose next parse "
                              "would read the reports; choose another folder")
    return target


def owned_files(out: Path) -> set[str]:
    """Files (relative paths) the last build wrote into ``out``, from its manifest.

    A folder built before manifests existed is recognised by its ``README.md``, which lists
    the files that build wrote.
    """
    try:
        return set(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"])
    except FileNotFoundError:
        pass
    except (ValueError, KeyError, TypeError) as exc:
        raise OutputError(out, f"unreadable {MANIFEST} ({exc}); remove it to rebuild") from exc
    try:
        readme = (out / "README.md").read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return set()
    if not readme.startswith(_LEGACY_README) or "\n## Files\n" not in readme:
        return set()
    listed = re.findall(r"^- `([^`]+)`$", readme.split("\n## Files\n", 1)[1], re.M)
    return {*listed, "README.md"}


_STAGING = re.compile(r"-build-(\d+)-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(out: Path) -> None:
    """Remove staging folders of builds that died; restore ``out`` if one died mid-swap."""
    for stale in sorted(out.parent.glob(f".{out.name}-build-*")):
        match = _STAGING.search(stale.name[len(out.name) + 1:])
        if not stale.is_dir() or stale.is_symlink() or not match:
            continue
        if int(match[1]) != os.getpid() and _alive(int(match[1])):
            continue  # another build is running
        if not out.exists() and (stale / "old").is_dir():
            os.rename(stale / "old", out)
        shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A fresh folder to build into, beside ``out``; removed afterwards whatever happens."""
    import tempfile

    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out)
    root = Path(tempfile.mkdtemp(prefix=f".{out.name}-build-{os.getpid()}-", dir=out.parent))
    try:
        new = root / "new"
        new.mkdir()
        yield new
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _carry_over(out: Path, new: Path, owned: set[str]) -> None:
    """Link the user's files and folders of ``out`` into ``new``; refuse any collision."""
    for folder, dirs, files in os.walk(out):
        here = Path(folder)
        for name in [*dirs, *files]:
            source = here / name
            rel = source.relative_to(out).as_posix()
            if rel in owned or rel == MANIFEST:
                continue
            target = new / rel
            is_link = source.is_symlink()
            if not is_link and source.is_dir():
                with os.scandir(source) as entries:
                    if any(True for _ in entries):
                        continue  # created with its contents, if any are carried over
                if target.exists() and not target.is_dir():
                    raise OutputError(out, f"{rel} is your folder and a build writes a file there")
                target.mkdir(parents=True, exist_ok=True)
                continue
            if target.exists() or target.is_symlink():
                what = "is a symlink, which a build does not follow," if is_link else \
                    f"was not written by cqanalysis (not in {MANIFEST}) and"
                raise OutputError(out, f"{rel} {what} a build writes there; move it or "
                                  "choose another folder")
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError) as exc:
                raise OutputError(out, f"{rel}: a build writes a file where you have a "
                                  "folder") from exc
            if is_link:
                os.symlink(os.readlink(source), target)
                continue
            try:
                os.link(source, target, follow_symlinks=False)
            except OSError:
                shutil.copy2(source, target, follow_symlinks=False)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot
        return False
    raise OSError(errno, os.strerror(errno), str(a))


def _swap(new: Path, out: Path) -> None:
    """Put ``new`` at ``out``: one atomic exchange, or two renames undone on failure."""
    if not out.exists():
        os.rename(new, out)
        return
    if _exchange(new, out):
        return
    old = new.parent / "old"
    os.rename(out, old)
    try:
        os.rename(new, out)
    except BaseException:
        os.rename(old, out)
        raise


def publish(new: Path, out: Path, files: Iterable[str]) -> None:
    """Make the staged build ``new`` the folder ``out``, keeping the user's own files.

    ``files`` are the paths (relative) the build wrote into ``new``; they become ``out``'s
    manifest.  The previous build's files that this build did not write again disappear
    with the old folder; nothing else does.
    """
    listed = sorted(files)
    manifest = {"written_by": "cqanalysis build", "files": listed}
    (new / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                                encoding="utf-8")
    if out.is_dir():
        _carry_over(out, new, owned_files(out))
        shutil.copymode(out, new)
    _swap(new, out)
