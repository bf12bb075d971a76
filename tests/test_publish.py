"""Publishing into --out: the build owns only what it writes, and swaps folders whole."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import cqanalysis.publish as pub
from cqanalysis.builder import build
from cqanalysis.exporters import SkippedOutput
from cqanalysis.publish import MANIFEST, OutputError, check_out, publish

from .conftest import THIN_CHAPTERS, write_chapter


def _tree(folder: Path) -> dict[str, bytes]:
    """The files of ``folder`` but the parse cache (.cache), which is no report."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink() and p.relative_to(folder).parts[0] != ".cache"}


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return folder


@pytest.fixture
def old_reports(tmp_path):
    """A folder holding a previous build (with its manifest) and two files of the user."""
    out = _write(tmp_path / "out", {"README.md": b"old readme", "tables/rows.csv": b"old rows",
                                    "tables/gone.csv": b"old only", "notes.docx": b"mine",
                                    "tables/mine.csv": b"my table"})
    (out / MANIFEST).write_text(json.dumps(
        {"files": ["README.md", "tables/gone.csv", "tables/rows.csv"]}), encoding="utf-8")
    return out


def _staged(tmp_path: Path) -> Path:
    return _write(tmp_path / "stage" / "new", {"README.md": b"new readme",
                                               "tables/rows.csv": b"new rows"})


NEW = {"README.md": b"new readme", "tables/rows.csv": b"new rows", "notes.docx": b"mine",
       "tables/mine.csv": b"my table"}


def test_publish_replaces_the_builds_files_and_keeps_the_users(old_reports, tmp_path):
    publish(_staged(tmp_path), old_reports, ["README.md", "tables/rows.csv"])
    tree = _tree(old_reports)
    manifest = json.loads(tree.pop(MANIFEST))
    assert tree == NEW
    assert manifest["files"] == ["README.md", "tables/rows.csv"]


def test_publish_without_atomic_exchange_gives_the_same_folder(old_reports, tmp_path,
                                                               monkeypatch):
    monkeypatch.setattr(pub, "_exchange", lambda a, b: False)
    publish(_staged(tmp_path), old_reports, ["README.md", "tables/rows.csv"])
    tree = _tree(old_reports)
    tree.pop(MANIFEST)
    assert tree == NEW


def test_interrupt_between_the_two_renames_leaves_the_old_reports(old_reports, tmp_path,
                                                                  monkeypatch):
    before = _tree(old_reports)
    monkeypatch.setattr(pub, "_exchange", lambda a, b: False)
    calls = []
    real_rename = os.rename

    def rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # out has moved aside; the new folder is not in place yet
            raise KeyboardInterrupt
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        publish(_staged(tmp_path), old_reports, ["README.md", "tables/rows.csv"])
    assert _tree(old_reports) == before


def test_interrupt_while_carrying_the_users_files_leaves_the_old_reports(old_reports,
                                                                         tmp_path,
                                                                         monkeypatch):
    before = _tree(old_reports)

    def link(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "link", link)
    with pytest.raises(KeyboardInterrupt):
        publish(_staged(tmp_path), old_reports, ["README.md", "tables/rows.csv"])
    assert _tree(old_reports) == before


def test_interrupted_build_leaves_old_reports_and_no_staging(old_reports, tmp_path,
                                                             monkeypatch):
    before = _tree(old_reports)
    chapter = write_chapter(tmp_path, "no_code.txt", THIN_CHAPTERS["no_code"])

    def swap(new, out):
        raise KeyboardInterrupt

    monkeypatch.setattr(pub, "_swap", swap)
    with pytest.raises(KeyboardInterrupt), pytest.warns(SkippedOutput):
        build([chapter], out=old_reports, progress=False)
    assert _tree(old_reports) == before
    assert sorted(p.name for p in old_reports.parent.iterdir()) == ["no_code.txt", "out"]


def test_a_killed_builds_staging_is_cleaned_and_the_reports_restored(old_reports, tmp_path):
    # SIGKILL between the two renames: out moved into the staging folder, nothing at out
    dead = tmp_path / ".out-build-999999999-abcd"
    dead.mkdir()
    os.rename(old_reports, dead / "old")
    other = _write(tmp_path / ".out-build-999999998-efgh" / "new", {"README.md": b"half"})
    chapter = write_chapter(tmp_path, "no_code.txt", THIN_CHAPTERS["no_code"])
    with pytest.warns(SkippedOutput):
        build([chapter], out=old_reports, progress=False)
    assert not dead.exists() and not other.parent.exists()
    tree = _tree(old_reports)
    assert tree["notes.docx"] == b"mine" and tree["tables/mine.csv"] == b"my table"
    assert "tables/gone.csv" not in tree
    assert tree["tables/rows.csv"].startswith(b"\xef\xbb\xbf")


def test_a_symlink_where_the_build_writes_is_refused(old_reports, tmp_path):
    elsewhere = _write(tmp_path / "elsewhere", {"tables/rows.csv": b"not yours",
                                                "keep.txt": b"keep"})
    (old_reports / "tables" / "mine.csv").unlink()
    (old_reports / "tables" / "rows.csv").unlink()
    (old_reports / "tables" / "gone.csv").unlink()
    (old_reports / "tables").rmdir()
    (old_reports / "tables").symlink_to(elsewhere / "tables")
    (old_reports / "link.txt").symlink_to(elsewhere / "keep.txt")
    with pytest.raises(OutputError, match="tables is a symlink"):
        publish(_staged(tmp_path), old_reports, ["README.md", "tables/rows.csv"])
    assert _tree(elsewhere) == {"keep.txt": b"keep", "tables/rows.csv": b"not yours"}
    assert (old_reports / "tables").is_symlink()


def test_a_symlink_elsewhere_is_carried_as_a_symlink(old_reports, tmp_path):
    elsewhere = _write(tmp_path / "elsewhere", {"keep.txt": b"keep"})
    (old_reports / "link.txt").symlink_to(elsewhere / "keep.txt")
    publish(_staged(tmp_path), old_reports, ["README.md", "tables/rows.csv"])
    assert os.readlink(old_reports / "link.txt") == str(elsewhere / "keep.txt")
    assert _tree(elsewhere) == {"keep.txt": b"keep"}


def test_a_users_file_where_the_build_writes_is_refused(tmp_path):
    out = _write(tmp_path / "thesis", {"README.md": b"# My thesis\n"})
    with pytest.raises(OutputError, match=r"README\.md was not written by cqanalysis"):
        publish(_staged(tmp_path), out, ["README.md", "tables/rows.csv"])
    assert _tree(out) == {"README.md": b"# My thesis\n"}


def test_a_folder_built_before_manifests_is_recognised_by_its_readme(tmp_path):
    readme = b"# cqanalysis build\n\nBuilt by ...\n\n## Files\n\n- `tables/rows.csv`\n" \
             b"- `README.md`\n"
    out = _write(tmp_path / "reports", {"README.md": readme, "tables/rows.csv": b"old"})
    publish(_staged(tmp_path), out, ["README.md", "tables/rows.csv"])
    assert _tree(out)["tables/rows.csv"] == b"new rows"


def test_check_out_refuses_overlap_with_inputs(tmp_path):
    thesis = _write(tmp_path / "thesis", {"word/my_chapter.docx": b"x"})
    with pytest.raises(OutputError, match="contains the input"):
        check_out(thesis, [thesis])
    with pytest.raises(OutputError, match="contains the input"):
        check_out(thesis, [thesis / "word" / "my_chapter.docx"])
    with pytest.raises(OutputError, match="inside the input folder"):
        check_out(thesis / "reports", [thesis])
    assert check_out(tmp_path / "reports", [thesis]) == (tmp_path / "reports").resolve()


def test_ctrl_c_during_a_build_prints_one_line_and_leaves_no_staging(tmp_path, seed_path):
    """Ctrl-C reaches the whole process group, the figure workers included: the build stops
    with exit 130 and no worker traceback ("Process ForkPoolWorker-1: …"), whatever step it
    is in when the signal arrives, and leaves no staging folder."""
    import signal
    import subprocess
    import sys

    out = tmp_path / "out"
    with subprocess.Popen(
        [sys.executable, "-m", "cqanalysis.cli", "build", str(seed_path), "--out", str(out),
         "--no-cache"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, start_new_session=True,
    ) as proc:
        try:
            seen = []
            for line in proc.stderr:  # wait until the figures are being drawn
                seen.append(line)
                if "figures" in line:
                    break
            _wait_for_workers(proc)
            os.killpg(proc.pid, signal.SIGINT)
            # a worker that caught Ctrl-C itself would leave the pool waiting for ever
            status = proc.wait(timeout=60)
            rest = proc.stderr.read()
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        assert status == 130, "".join(seen) + rest
    assert "Traceback" not in rest and "ForkPoolWorker" not in rest
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out-build-")] == []


def _wait_for_workers(proc, timeout: float = 30) -> None:
    """Until the process has forked both figure workers (Linux /proc), or has finished."""
    import time

    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if children.exists() and len(children.read_text().split()) >= 2:
            time.sleep(0.2)  # the pool is made; its workers are drawing
            return
        time.sleep(0.01)
