"""Shared writing helpers: atomic files keep normal permissions and vanish on failure."""

from __future__ import annotations

import os
import stat

import pytest

from cqanalysis.core.io import atomic_write, build_timestamp


def test_atomic_write_gives_umask_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "a.txt", "w", encoding="utf-8") as fh:
            fh.write("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    with pytest.raises(RuntimeError), atomic_write(tmp_path / "b.txt", "w") as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_build_timestamp_honours_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build_timestamp().isoformat() == "2023-11-14T22:13:20+00:00"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert build_timestamp().isoformat() == "1980-01-01T00:00:00+00:00"


@pytest.mark.parametrize("epoch", [None, "1700000000"])
def test_write_package_gives_the_bytes_normalize_ooxml_gives(tmp_path, monkeypatch, epoch):
    import zipfile

    from cqanalysis.core.io import deflate_part, normalize_ooxml, write_package

    if epoch:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    parts = {"word/document.xml": "<w:document>政策</w:document>".encode() * 500,
             "[Content_Types].xml": b"<Types/>", "docProps/core.xml": b"<core/>",
             "media/图1.png": bytes(range(256)) * 40, "empty.xml": b""}
    zipped = tmp_path / "zipfile.docx"
    with zipfile.ZipFile(zipped, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    normalize_ooxml(zipped)
    ours = write_package(tmp_path / "ours.docx",
                         [deflate_part(name, data) for name, data in parts.items()])
    assert ours.read_bytes() == zipped.read_bytes()
    with zipfile.ZipFile(ours) as zf:
        assert zf.testzip() is None
        assert zf.namelist()[0] == "[Content_Types].xml"
        assert zf.read("media/图1.png") == parts["media/图1.png"]
        assert zf.getinfo("empty.xml").date_time[0] == (2023 if epoch else 1980)
