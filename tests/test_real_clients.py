"""The seed chapter saved by a real office suite (LibreOffice) parses like the .txt.

Skipped where ``soffice`` is not installed; the README setup never needs it.
"""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest

import cqanalysis as cq

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")


@pytest.fixture(scope="module")
def converted(tmp_path_factory, seed_path):
    folder = tmp_path_factory.mktemp("lo")
    source = folder / "seed.txt"
    source.write_bytes(seed_path.read_bytes())
    profile = folder / "profile"  # a private profile: no clash with a running office
    for target in ("docx:MS Word 2007 XML", "pdf"):
        subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", target, "--outdir", str(folder), str(source)],
                       check=True, capture_output=True, timeout=180)
    return folder


@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_office_saved_seed_gives_the_same_rows_and_items(converted, seed, suffix):
    doc = cq.parse(converted / f"seed{suffix}")
    assert doc.tables["n_rows"].tolist() == [4, 5, 5, 5, 5, 5]
    assert doc.items.groupby("section_no").size().tolist() == [4, 5, 5, 6, 5, 5]
    cols = ["table_id", "row_no", "direction", "measure", "outcome"]
    pd.testing.assert_frame_equal(doc.rows[cols], seed.rows[cols])
    pd.testing.assert_frame_equal(doc.items[["section_no", "title", "body"]],
                                  seed.items[["section_no", "title", "body"]])
    assert doc.residue["text"].tolist() == ["44", "浏览"]
