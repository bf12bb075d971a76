"""parse_corpus: inputs, doc ids, manifests, errors, strict mode and parallel determinism."""

from __future__ import annotations

import hashlib
import shutil

import pandas as pd
import pytest

import cqanalysis as cq
from cqanalysis.core.errors import InputError, ParseError
from cqanalysis.corpus import parse_corpus, read_manifest
from tests import _make_sources as make

CAPTION_WITHOUT_TABLE = "5.1测试\n表5.1.1测试表\n正文段落没有表格。\n"


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    shutil.copy(make.SEED, root / "a.txt")
    shutil.copy(make.SEED, root / "b.md")
    shutil.copy(make.SEED, root / "sub" / "a.txt")
    (root / "empty.txt").write_bytes(b"")
    (root / "broken.docx").write_text("这是改了后缀的文本文件\n", encoding="utf-8")
    (root / "notes.json").write_text("{}", encoding="utf-8")  # not a document type
    (root / ".hidden.txt").write_text("隐藏\n", encoding="utf-8")
    (root / "~$lock.docx").write_bytes(b"\0")  # Word's lock file
    return root


def test_directory_corpus(folder):
    corpus = parse_corpus(folder)
    docs = corpus.documents
    assert docs["doc_id"].tolist() == ["a", "b", "broken", "empty", "a-2"]
    assert docs["path"].tolist() == [
        str(folder / "a.txt"),
        str(folder / "b.md"),
        str(folder / "broken.docx"),
        str(folder / "empty.txt"),
        str(folder / "sub" / "a.txt"),
    ]
    seed_hash = hashlib.sha256(make.SEED.read_bytes()).hexdigest()
    assert docs["sha256"].tolist()[0] == seed_hash
    assert docs["sha256"].tolist()[3] == hashlib.sha256(b"").hexdigest()
    assert corpus.errors.values.tolist() == [
        [
            "broken",
            str(folder / "broken.docx"),
            "a plain-text file with a .docx name, not a Word .docx document; rename it to .txt",
        ],
        ["empty", str(folder / "empty.txt"), "empty file (0 bytes)"],
    ]
    assert corpus.rows.groupby("doc_id").size().to_dict() == {"a": 29, "a-2": 29, "b": 29}
    assert corpus.items["doc_id"].unique().tolist() == ["a", "b", "a-2"]
    assert len(corpus.items) == 90
    assert corpus.tables["doc_id"].tolist() == ["a"] * 6 + ["b"] * 6 + ["a-2"] * 6


def test_list_of_paths_keeps_its_order(tmp_path, folder):
    corpus = parse_corpus([folder / "b.md", folder / "a.txt", tmp_path / "missing.txt"])
    assert corpus.documents["doc_id"].tolist() == ["b", "a", "missing"]
    assert corpus.errors[["doc_id", "error"]].values.tolist() == [["missing", "no such file"]]
    assert corpus.documents["sha256"].isna().tolist() == [False, False, True]


def test_csv_manifest_adds_document_variables(tmp_path):
    shutil.copy(make.SEED, tmp_path / "seed.txt")
    make.make_seed_docx(tmp_path / "seed.docx")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "file,doc_id,title,year,region,doc_type,备注\n"
        "seed.txt,jjj-2021,城市群协同对策,2021,京津冀,thesis,文本版\n"
        "seed.docx,csj-2023,城市群协同对策(Word),2023,长三角,report,\n",
        encoding="utf-8-sig",
    )
    corpus = parse_corpus(manifest=manifest)
    docs = corpus.documents
    assert docs.columns.tolist() == [
        "doc_id", "path", "sha256", "title", "year", "region", "doc_type", "备注",
    ]  # fmt: skip
    assert docs["doc_id"].tolist() == ["jjj-2021", "csj-2023"]
    assert docs["path"].tolist() == [str(tmp_path / "seed.txt"), str(tmp_path / "seed.docx")]
    assert docs["year"].tolist() == [2021, 2023]
    assert str(docs["year"].dtype) == "Int64"
    assert docs["region"].tolist() == ["京津冀", "长三角"]
    assert docs["备注"].tolist()[0] == "文本版" and pd.isna(docs["备注"].tolist()[1])
    assert corpus.rows.groupby("doc_id").size().to_dict() == {"csj-2023": 29, "jjj-2021": 29}
    # the variables join onto any frame by doc_id
    by_region = corpus.rows.merge(docs[["doc_id", "region"]], on="doc_id")
    assert by_region.groupby("region").size().to_dict() == {"京津冀": 29, "长三角": 29}


def test_yaml_manifest_matches_input_files(folder):
    manifest = folder / "documents.yaml"
    manifest.write_text(
        "documents:\n"
        "  - file: a.txt\n    year: 2020\n    region: 成渝\n"
        "  - file: sub/a.txt\n    doc_id: 子目录版本\n    year: 2022\n    region: 珠三角\n",
        encoding="utf-8",
    )
    corpus = parse_corpus([folder / "a.txt", folder / "sub", folder / "b.md"], manifest=manifest)
    docs = corpus.documents
    assert docs["doc_id"].tolist() == ["a", "子目录版本", "b"]
    assert docs["year"].tolist()[:2] == [2020, 2022] and pd.isna(docs["year"].tolist()[2])
    assert docs["region"].tolist()[:2] == ["成渝", "珠三角"]


def test_manifest_inside_the_folder_is_not_a_document(folder):
    (folder / "empty.txt").unlink()
    (folder / "broken.docx").unlink()
    manifest = folder / "manifest.csv"
    manifest.write_text("file,year\na.txt,2019\n", encoding="utf-8")
    corpus = parse_corpus(folder, manifest=manifest)
    assert corpus.documents["doc_id"].tolist() == ["a", "b", "a-2"]
    assert corpus.documents["year"].tolist()[0] == 2019
    assert corpus.errors.empty


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("file,doc_id\na.txt,x\nb.txt,x\n", r"doc_id 'x' repeated \(entries 2 and 3\)"),
        ("name,year\na.txt,2020\n", "no 'file' column"),
        ("file,year\n,2020\n", "entry 2: empty file name"),
    ],
)
def test_bad_manifests(tmp_path, text, reason):
    path = tmp_path / "m.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=reason):
        read_manifest(path)


def test_strict_stops_at_the_first_bad_document(folder):
    with pytest.raises(InputError, match=r"plain-text file with a \.docx name"):
        parse_corpus(folder, strict=True)


def test_structural_problem_is_an_error_row_or_raises_when_strict(tmp_path):
    shutil.copy(make.SEED, tmp_path / "good.txt")
    (tmp_path / "odd.txt").write_text(CAPTION_WITHOUT_TABLE, encoding="utf-8")
    lenient = parse_corpus(tmp_path)
    assert lenient.errors.empty
    assert any("caption 表5.1.1 is not followed by a table" in w for w in lenient.warnings)
    with pytest.raises(ParseError, match=r"caption 表5\.1\.1 is not followed by a table"):
        parse_corpus(tmp_path, strict=True, jobs=2)


def test_parallel_run_gives_the_same_frames(tmp_path):
    for k in range(6):
        shutil.copy(make.SEED, tmp_path / f"d{k}.txt")
    (tmp_path / "d3.txt").write_bytes(b"")
    (tmp_path / "d5.txt").write_text(CAPTION_WITHOUT_TABLE, encoding="utf-8")
    serial = parse_corpus(tmp_path, jobs=1)
    parallel = parse_corpus(tmp_path, jobs=2)
    for name, frame in serial.frames().items():
        pd.testing.assert_frame_equal(frame, parallel.frames()[name], obj=name)
    pd.testing.assert_frame_equal(serial.documents, parallel.documents)
    assert serial.warnings == parallel.warnings
    assert serial.errors["doc_id"].tolist() == ["d3"]


def test_reader_notes_reach_corpus_warnings(tmp_path):
    make.make_merged_docx(tmp_path / "merged.docx")
    corpus = parse_corpus(tmp_path)
    assert corpus.warnings == (f"{tmp_path / 'merged.docx'}:5: empty table row skipped (table 1)",)


def test_no_documents(tmp_path):
    (tmp_path / "readme.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="no documents found"):
        parse_corpus(tmp_path)
    with pytest.raises(cq.ArgumentError, match="jobs must be a positive integer") as caught:
        parse_corpus(tmp_path, jobs=0)
    # one exception a user of the API can catch as cqanalysis's own or as a ValueError
    assert isinstance(caught.value, cq.CqError) and isinstance(caught.value, ValueError)
