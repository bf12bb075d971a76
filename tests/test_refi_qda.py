"""The QDA tables: unit × code 0/1 matrix, coded segments with code paths, codebook exports."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import cqanalysis as cq
from cqanalysis.qda import code_presence, codebook_table, coded_segments, qda_frames
from cqanalysis.refi_read import read_qdc
from cqanalysis.sources.text import text_blocks
from cqanalysis.writers.qda_tables import write_codebook, write_qda_tables

CHAPTER = """一、加强区域协调
1.建立联席会议：定期召开城市群联席会议,统筹跨区域事务。

表1 区域协调对策建议
方向\t具体建议\t预期成效
机构建设\t设立协调办公室,制定议事规则\t提高协调效率
人才培养\t开展干部培训\t=提升治理能力
"""
# A codebook of our own whose keywords decide by hand which clause gets which code.
MINE = cq.Codebook.from_dict({
    "name": "mine", "zh": "自编", "en": "Own", "fields": ["measure", "outcome", "item"],
    "codes": [
        {"id": "org", "zh": "机构", "en": "Bodies", "keywords": ["办公室"]},
        {"id": "rules", "zh": "规则", "en": "Rules", "keywords": ["规则"]},
        {"id": "people", "zh": "人才", "en": "People"},
        {"id": "people.training", "zh": "培训", "en": "Training", "parent": "people",
         "keywords": ["培训"]},
    ]})


@pytest.fixture(scope="module")
def small():
    analysis = cq.analyse(cq.parse_text(CHAPTER, doc_id="s"), codebooks=[MINE], crosstabs={})
    return analysis, {"s": text_blocks(CHAPTER)}


def test_presence_matrix_has_a_row_per_unit_and_a_column_per_code(small):
    analysis, _ = small
    m = code_presence(analysis)
    assert m.columns.tolist() == ["doc_id", "unit_id", "field", "text", "mine:org", "mine:rules",
                                  "mine:people", "mine:people.training"]
    rows = {t: r[4:].tolist() for t, r in zip(m["text"], m.to_numpy(), strict=True)}
    assert rows["设立协调办公室"] == [1, 0, 0, 0]
    assert rows["制定议事规则"] == [0, 1, 0, 0]
    assert rows["开展干部培训"] == [0, 0, 0, 1]
    assert rows["提高协调效率"] == [0, 0, 0, 0]
    assert len(m) == 6  # five clauses and one item


def test_presence_rolled_up(small):
    m = code_presence(small[0], depth=1)
    assert m.columns.tolist()[4:] == ["mine:org", "mine:rules", "mine:people"]
    assert m.loc[m["text"] == "开展干部培训", "mine:people"].item() == 1


def test_segments_carry_code_paths_and_offsets(small):
    analysis, blocks = small
    seg = coded_segments(analysis, blocks=blocks)
    training = seg[seg["code"] == "people.training"].iloc[0]
    assert training["code_path"] == "自编 > 人才 > 培训"
    assert training["text"] == "开展干部培训"
    plain = "\n".join(b.text for b in blocks["s"])
    assert plain[training["start"]:training["end"]] == "开展干部培训"
    assert seg["code"].tolist() == ["org", "rules", "people.training"]
    assert coded_segments(analysis, blocks=blocks, lang="en")["code_path"].tolist()[2] == (
        "Own > People > Training")


def test_segments_without_source_text_have_no_offsets(small):
    seg = coded_segments(small[0], blocks={})
    assert seg["start"].isna().all() and len(seg) == 3


def test_codebook_table_and_its_formats(tmp_path):
    table = codebook_table([MINE])
    assert table[["code", "path", "depth"]].values.tolist() == [
        ["org", "自编 > 机构", 1], ["rules", "自编 > 规则", 1], ["people", "自编 > 人才", 1],
        ["people.training", "自编 > 人才 > 培训", 2]]
    assert read_qdc(write_codebook([MINE], tmp_path / "c.qdc"))[0]["people.training"].parent == (
        "people")
    back = pd.read_csv(write_codebook([MINE], tmp_path / "c.csv"), encoding="utf-8-sig")
    assert back["path"].tolist() == table["path"].tolist()
    sheet = pd.read_excel(write_codebook([MINE], tmp_path / "c.xlsx"), sheet_name="codebook")
    assert sheet["code"].tolist() == ["org", "rules", "people", "people.training"]
    with pytest.raises(ValueError, match="xlsx, csv, qdc"):
        write_codebook([MINE], tmp_path / "c.txt")


def test_tables_folder_is_byte_identical_and_keeps_text_as_text(small, tmp_path):
    analysis, blocks = small
    frames = qda_frames(analysis, blocks=blocks)
    a = write_qda_tables(analysis, tmp_path / "a", frames=frames)
    b = write_qda_tables(analysis, tmp_path / "b", frames=frames)
    assert [p.name for p in a] == ["code_presence.csv", "coded_segments.csv", "codebook.csv",
                                   "codebook.qdc", "qda_tables.xlsx"]
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    presence = pd.read_excel(a[-1], sheet_name="code_presence")
    assert "=提升治理能力" in presence["text"].tolist()


TAGUETTE = os.environ.get("CQANALYSIS_TAGUETTE_PYTHON", "/work/taguette-venv/bin/python")


@pytest.mark.skipif(not Path(TAGUETTE).exists() or shutil.which(TAGUETTE) is None,
                    reason="no Python with taguette (set CQANALYSIS_TAGUETTE_PYTHON)")
def test_taguette_imports_the_codebook_csv(tmp_path):
    # Taguette 1.5 imports codebooks from CSV (a tag/name/path column and a description) and
    # exports, but does not import, .qdc.
    path = write_codebook([MINE], tmp_path / "codebook.csv")
    script = ("import sys, json; from taguette.import_codebook import list_tags; "
              "print(json.dumps(list_tags(open(sys.argv[1], 'rb')), ensure_ascii=False))")
    done = subprocess.run([TAGUETTE, "-c", script, str(path)], capture_output=True, text=True,
                          check=True, timeout=120)
    import json

    tags = json.loads(done.stdout)
    assert [t["path"] for t in tags] == ["自编 > 机构", "自编 > 规则", "自编 > 人才",
                                         "自编 > 人才 > 培训"]
    with path.open(encoding="utf-8-sig") as fh:
        assert "path" in next(csv.reader(fh))


def test_qda_tables_are_appendix_sheets_read_back_exactly(small, tmp_path):
    from cqanalysis.writers.appendix import read_appendix, write_appendix

    analysis, blocks = small
    frames = qda_frames(analysis, blocks=blocks)
    path = write_appendix(tmp_path / "a.xlsx", frames=frames)
    back = read_appendix(path)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(back[name], frame, check_dtype=False)
