"""Hostile and damaged sources (issue #15): each fails fast with one line, or reads."""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import cqanalysis as cq
from cqanalysis.core.errors import InputError
from cqanalysis.core.limits import Limits
from cqanalysis.corpus import parse_corpus
from cqanalysis.sources import read_blocks
from cqanalysis.sources.docx import _format_number
from tests import _hostile as make

ROOT = Path(__file__).resolve().parents[1]


def _refused(path: Path, *words: str, limits: Limits | None = None) -> str:
    with pytest.raises(InputError) as info:
        read_blocks(path, limits=limits or Limits())
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message
    return message


# --------------------------------------------------------------------------- Word attributes


@pytest.mark.parametrize("attribute", ["abc", "-2", "1e3", " "])
def test_damaged_grid_span_is_an_input_error(tmp_path, attribute):
    path = make.docx(tmp_path / "span.docx", make.table([[("甲", attribute), ("乙", None)]]))
    _refused(path, "invalid w:gridSpan", "word/document.xml line")


def test_huge_grid_span_names_the_limit(tmp_path):
    path = make.docx(tmp_path / "span.docx", make.table([[("甲", "30000000")]]))
    _refused(path, "30,000,000 grid columns", "max_columns")


def test_grid_spans_within_the_limit_read(tmp_path):
    body = make.table([[("方向", None), ("措施", "2")], [("甲", None), ("乙", None), ("丙", None)]])
    blocks = read_blocks(make.docx(tmp_path / "ok.docx", body))
    assert [b.cells for b in blocks] == [("方向", "措施", ""), ("甲", "乙", "丙")]


def test_damaged_list_level_is_an_input_error(tmp_path):
    path = make.docx(tmp_path / "ilvl.docx", make.para("一条", num_id="1", ilvl="x"),
                     numbering=make.numbering("decimal", "1"))
    _refused(path, "invalid w:ilvl value 'x'", "word/document.xml line")


def test_damaged_list_start_is_an_input_error(tmp_path):
    path = make.docx(tmp_path / "start.docx", make.para("一条", num_id="1"),
                     numbering=make.numbering("decimal", "abc"))
    _refused(path, "invalid w:start value 'abc'", "word/numbering.xml line")


@pytest.mark.parametrize("fmt,start", [("decimal", "1000000000000"), ("lowerRoman", "2000000000")])
def test_huge_list_start_names_the_limit(tmp_path, fmt, start):
    path = make.docx(tmp_path / "start.docx", make.para("一条", num_id="1"),
                     numbering=make.numbering(fmt, start))
    _refused(path, f"starts at {int(start):,}", "max_list_number")


def test_list_numbers_render_within_the_limit(tmp_path):
    path = make.docx(tmp_path / "ok.docx",
                     make.para("一条", num_id="1") + make.para("二条", num_id="1"),
                     numbering=make.numbering("lowerRoman", "3998"))
    assert [b.text for b in read_blocks(path)] == ["mmmcmxcviii. 一条", "mmmcmxcix. 二条"]


def test_roman_and_letters_stop_growing():
    assert _format_number(3999, "upperRoman") == "MMMCMXCIX"
    assert _format_number(4000, "upperRoman") == "4000"  # no Roman numeral beyond 3999
    assert _format_number(28, "upperLetter") == "BB"
    assert _format_number(781, "lowerLetter") == "781"


# --------------------------------------------------------------------------- ZIP bombs


def test_docx_unpacking_past_the_limit_is_refused_before_reading(tmp_path):
    path = make.docx_bomb(tmp_path / "bomb.docx", 130 << 20)
    assert path.stat().st_size < 1 << 20
    _refused(path, "unpacks to 136,", "max_unzipped_bytes")


def test_docx_with_a_lying_zip_directory_stops_at_the_declared_size(tmp_path):
    # the directory says 100 bytes; zipfile stops inflating there and the CRC fails
    path = make.docx(tmp_path / "lie.docx", make.para("正文") * 20_000)
    data = bytearray(path.read_bytes())
    import zipfile

    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("word/document.xml")
    local = info.header_offset
    data[local + 22 : local + 26] = (100).to_bytes(4, "little")
    central = data.rfind(b"PK\x01\x02", 0, len(data))
    while data[central + 46 : central + 46 + 17] != b"word/document.xml":
        central = data.rfind(b"PK\x01\x02", 0, central)
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    _refused(path)


def test_millions_of_empty_paragraphs_are_counted_not_loaded(tmp_path):
    path = make.docx(tmp_path / "many.docx", "<w:p/>" * 5_000)
    _refused(path, "over 1,000 XML elements", "max_xml_elements",
             limits=Limits(max_xml_elements=1_000))


def test_too_many_zip_entries(tmp_path):
    path = make.docx(tmp_path / "entries.docx", make.para("正文"))
    _refused(path, "members", "max_zip_entries", limits=Limits(max_zip_entries=3))


# --------------------------------------------------------------------------- spreadsheet extents


@pytest.mark.parametrize("extra,merges,limit", [
    ('<row r="1048576"><c r="XFD1048576"/></row>', (), "max_rows"),
    ("", ("A10:XFD1048576",), "max_rows"),
    ("", ("A1:A1048576",), "max_rows"),
    ('<row r="3"><c r="XFD3"/></row>', (), "max_columns"),
    ('<row r="3000"><c r="ZZ3000"/></row>', (), "max_cells"),
])  # fmt: skip
def test_sheet_extent_is_checked_before_openpyxl(tmp_path, extra, merges, limit):
    data = make.inline_row(1, ("A1", "方向"), ("B1", "措施")) + extra
    path = make.xlsx(tmp_path / "wide.xlsx", data, merges=merges)
    assert path.stat().st_size < 5_000
    _refused(path, limit, "xl/worksheets/sheet1.xml")


def test_sheet_within_limits_reads(tmp_path):
    data = (make.inline_row(1, ("A1", "方向"), ("B1", "措施"))
            + make.inline_row(2, ("A2", "协同"), ("B2", "建立联席会议")))
    blocks = read_blocks(make.xlsx(tmp_path / "ok.xlsx", data))
    assert [b.cells for b in blocks if b.cells] == [("方向", "措施"), ("协同", "建立联席会议")]


def test_excel_kind_reads_as_english(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(bytes(range(256)) * 4)
    message = _refused(path, "not an Excel .xlsx workbook")
    assert "a Excel" not in message


# --------------------------------------------------------------------------- PDF bombs


def test_pdf_stream_inflating_past_the_limit(tmp_path):
    path = make.pdf(tmp_path / "bomb.pdf", [make.text_page("hello") + b" " * (9 << 20)])
    assert path.stat().st_size < 1 << 20
    _refused(path, "inflate to over 8,388,608 bytes", "max_decoded_bytes",
             limits=Limits(max_decoded_bytes=8 << 20))


def test_pdf_operators_per_stream(tmp_path):
    path = make.pdf(tmp_path / "ops.pdf", [make.text_page("hello") + b"\nq Q" * 1_100_000])
    _refused(path, "over 2,000,000 tokens", "max_stream_tokens")


def test_pdf_pages(tmp_path):
    path = make.pdf(tmp_path / "pages.pdf", [make.text_page(f"page {i}") for i in range(3)])
    _refused(path, "3 pages", "max_pages", limits=Limits(max_pages=2))


def test_pdf_within_limits_reads(tmp_path):
    path = make.pdf(tmp_path / "ok.pdf", [make.text_page("Regional coordination")])
    assert [b.text for b in read_blocks(path)] == ["Regional coordination"]


# --------------------------------------------------------------------------- special files


def test_fifo_is_refused_without_opening(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    _refused(fifo, "not a regular file")


def test_device_behind_a_symlink_is_refused(tmp_path):
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    _refused(link, "not a regular file")


def test_corpus_with_a_fifo_and_a_device_runs_on(tmp_path, seed_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"file\npipe.txt\nzero.txt\n{seed_path}\n", encoding="utf-8")
    corpus = parse_corpus(None, manifest=manifest)
    assert corpus.errors["doc_id"].tolist() == ["pipe", "zero"]
    assert corpus.documents["sha256"].isna().tolist() == [True, True, False]
    assert len(corpus.rows) == 29


def test_manifest_that_is_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "m.csv")
    with pytest.raises(InputError, match="not a regular file"):
        cq.parse_corpus(None, manifest=tmp_path / "m.csv")


# --------------------------------------------------------------------------- messages, limits


def test_errors_are_one_line():
    error = InputError("a.docx", "bad XML\n  line 2:\n\tcol 3")
    assert str(error) == "a.docx: bad XML line 2: col 3"


def test_limits_are_validated_and_reach_parse(tmp_path, seed_path):
    with pytest.raises(cq.CqError, match="max_pages"):
        Limits(max_pages=0)
    options = cq.ParseOptions(limits=Limits(max_file_bytes=100))
    with pytest.raises(InputError, match="max_file_bytes"):
        cq.parse(seed_path, options=options)


def test_timeout_names_the_limit(tmp_path):
    path = make.docx(tmp_path / "slow.docx", make.para("正文") * 10)
    _refused(path, "timeout", limits=Limits(timeout=1e-9))


def test_source_columns_named_like_ours_are_renamed(tmp_path):
    path = tmp_path / "clash.csv"
    # a recommendation table (a measure and a direction column) whose other columns clash
    path.write_text("领域,对策建议,page,line,row_no,doc_id\n"
                    "协同,加强协同,3,4,5,x\n机制,完善机制,6,7,8,y\n", encoding="utf-8")
    with pytest.warns(cq.ParseWarning):
        doc = cq.parse(path)
    rows = doc.rows
    assert rows["measure"].tolist() == ["加强协同", "完善机制"]
    assert rows["row_no"].tolist() == [1, 2]
    assert rows["doc_id"].tolist() == ["clash", "clash"]
    assert rows["src_page"].tolist() == ["3", "6"]
    assert rows["src_line"].tolist() == ["4", "7"]
    assert rows["src_row_no"].tolist() == ["5", "8"]
    assert rows["src_doc_id"].tolist() == ["x", "y"]
    renamed = [w.split(": ", 2)[2] for w in doc.warnings if "renamed" in w]
    assert [w.split(" (")[0] for w in renamed] == [
        "source column 'page' renamed 'src_page'", "source column 'line' renamed 'src_line'",
        "source column 'row_no' renamed 'src_row_no'",
        "source column 'doc_id' renamed 'src_doc_id'"]


# --------------------------------------------------------------------------- the CLI contract

_PEAK = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stderr.write(r.stderr)\n"
    "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def _cli_peak(path: Path, out: Path) -> tuple[int, int, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, sys.executable, "-m", "cqanalysis.cli", "parse",
         str(path), "--out", str(out)],
        capture_output=True, text=True, env=env, check=True)
    status, peak_kib = map(int, done.stdout.split())
    return status, peak_kib, done.stderr.splitlines()


def _bombs(tmp: Path) -> list[Path]:
    return [
        make.docx_bomb(tmp / "bomb.docx", 140 << 20),
        make.docx(tmp / "paragraphs.docx", "<w:p/>" * 1_100_000),
        make.docx(tmp / "span.docx", make.table([[("甲", "30000000")]])),
        make.docx(tmp / "start.docx", make.para("一条", num_id="1"),
                  numbering=make.numbering("lowerRoman", "2000000000")),
        make.xlsx(tmp / "merge.xlsx", make.inline_row(1, ("A1", "方向"), ("B1", "措施")),
                  merges=("A10:XFD1048576",)),
        make.pdf(tmp / "bomb.pdf", [make.text_page("x") + b" " * (80 << 20)]),
    ]


def test_cli_on_bombs_exits_2_with_one_line_in_bounded_memory(tmp_path):
    for path in _bombs(tmp_path):
        status, peak_kib, stderr = _cli_peak(path, tmp_path / "out")
        assert status == 2, (path.name, stderr)
        assert len(stderr) == 1 and stderr[0].startswith("cqanalysis: error:"), stderr
        assert peak_kib < 1024 * 1024, (path.name, peak_kib)


def test_compressed_pdf_streams_are_measured_without_the_parser():
    # a page of 'q Q' pairs: what the scan counts is what a reader would have to build
    raw = zlib.compress(b"q Q\n" * 10)
    from cqanalysis.sources.pdf import _inflate

    total, operators = _inflate(raw, 0, 1 << 20, True)
    assert (total, operators) == (40, 20)  # "q Q\n": one space and one newline each


def test_text_files_have_their_own_size_limit(tmp_path):
    path = tmp_path / "long.md"
    path.write_text("加强协同。\n" * 20, encoding="utf-8")  # 340 bytes
    small = cq.ParseOptions(limits=Limits(max_text_bytes=300))
    with pytest.raises(InputError, match="max_text_bytes"):
        cq.parse(path, options=small)
    # 20 source lines of one Markdown paragraph
    assert len(cq.parse(path, options=cq.ParseOptions(limits=Limits(max_text_bytes=400)))
               .paragraphs) == 1


@pytest.mark.parametrize("data", [
    "第一行\n第二行\n".encode() + b"\xff\x80\xff\x80\xff\n",  # no encoding decodes it
    codecs.BOM_UTF8 + "第一行\n第二行\n".encode() + b"\xff\x80\n",  # a BOM that lies
    codecs.BOM_UTF16_LE + "第一行\n第二行\n".encode("utf-16-le") + b"\x00\xd8\x41\x00",
])
def test_decode_errors_name_the_line(tmp_path, data):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(InputError, match=r"bad\.txt: line 3: ") as caught:
        cq.parse(path)
    assert "\n" not in str(caught.value)
