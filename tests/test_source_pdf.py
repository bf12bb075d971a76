"""PDF reader: wrapped text and cells, page furniture, split and unruled tables, bad files."""

from __future__ import annotations

import pytest

from cqanalysis.core.errors import InputError
from cqanalysis.parse import parse
from cqanalysis.sources.pdf import read_pdf_blocks
from tests import _make_sources as make


@pytest.fixture(scope="module")
def seed_pdf(tmp_path_factory):
    return make.make_seed_pdf(tmp_path_factory.mktemp("pdf") / "seed.pdf")


@pytest.fixture(scope="module")
def seed_doc(seed_pdf):
    return parse(seed_pdf)


def test_seed_pdf_gives_the_seed_rows_and_items(seed_doc):
    assert len(seed_doc.rows) == 29
    assert len(seed_doc.items) == 30
    assert seed_doc.tables["table_id"].tolist() == [
        "5.1.1", "5.2.1", "5.3.1", "5.4.1", "5.5.1", "5.6.1",
    ]  # fmt: skip
    assert seed_doc.tables["n_rows"].tolist() == [4, 5, 5, 5, 5, 5]
    assert seed_doc.sections["section_no"].tolist() == [
        "5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "6",
    ]  # fmt: skip


def test_seed_pdf_matches_the_text_version(seed_doc):
    text_doc = parse(make.SEED)
    cols = ["table_id", "row_no", "section_no", "direction", "measure", "outcome"]
    assert seed_doc.rows[cols].values.tolist() == text_doc.rows[cols].values.tolist()
    cols = ["section_no", "item_no", "title", "body"]
    assert seed_doc.items[cols].values.tolist() == text_doc.items[cols].values.tolist()


def test_wrapped_cells_and_paragraphs_are_joined_without_spaces(seed_pdf):
    blocks = read_pdf_blocks(seed_pdf)
    rows = {b.cells[0]: b for b in blocks if b.cells}
    # the measure cell wraps over two lines in its 70 mm column
    assert rows["复合型人才"].cells == (
        "复合型人才",
        "培养具备区域经济、行政管理、协同沟通能力的复合型人才",
        "提升干部宏观视野和协同意识",
    )
    assert rows["复合型人才"].table == 6
    body = next(b for b in blocks if b.text.startswith("探索设立区域发展基金"))
    assert body.text == (
        "探索设立区域发展基金:可以在城市群层面设立区域发展基金,由各成员城市共同出资,"
        "用于支持跨区域的重大基础设施建设、产业协作和公共服务项目,并探索区域利益共享机制。"
    )
    assert all(" " not in b.text for b in blocks if b.cells is None and b.text[0] != "-")


def test_page_furniture_is_kept_with_page_numbers(seed_pdf):
    blocks = read_pdf_blocks(seed_pdf)
    pages = sorted({b.page for b in blocks})
    assert pages == [1, 2, 3, 4, 5]
    for page in pages:
        on_page = [b for b in blocks if b.page == page]
        assert on_page[0].text == make.RUNNING_HEADER
        assert on_page[-1].text == f"- {page} -"
    lines = [b.line for b in blocks]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)


def test_paragraph_continued_on_the_next_page(tmp_path):
    blocks = read_pdf_blocks(make.make_cross_page_paragraph_pdf(tmp_path / "cross.pdf"))
    item = next(b for b in blocks if b.text.startswith("建立常态化"))
    assert item.text == make.CROSS_PAGE_ITEM
    assert item.page == 1
    after = blocks[blocks.index(item) + 1 :]
    assert [(b.text, b.page) for b in after] == [
        ("- 1 -", 1),
        (make.RUNNING_HEADER, 2),
        ("下一段落。", 2),
        ("- 2 -", 2),
    ]


@pytest.mark.parametrize("repeat_header", [False, True])
def test_table_split_across_pages_keeps_one_index(tmp_path, repeat_header):
    path = make.make_split_table_pdf(tmp_path / "split.pdf", repeat_header=repeat_header)
    blocks = read_pdf_blocks(path)
    rows = [b for b in blocks if b.cells is not None]
    assert [b.cells[0] for b in rows] == ["方向"] + [f"方向{n}" for n in range(1, 9)]
    assert {b.table for b in rows} == {1}
    assert {b.page for b in rows} == {1, 2}
    assert rows[-1].cells == ("方向8", "第8条具体建议的内容", "第8项预期成效")
    if repeat_header:
        assert len(blocks.notes) == 1
        assert "repeated table header on page 2 skipped (table 1)" in blocks.notes[0]
    else:
        assert blocks.notes == []
    doc = parse(path)
    assert doc.tables[["table_id", "title", "n_rows"]].values.tolist() == [["1", "跨页表格", 8]]


def test_unruled_fixed_width_table(tmp_path):
    blocks = read_pdf_blocks(make.make_fixed_width_pdf(tmp_path / "plain.pdf"))
    assert [(b.text, b.line, b.cells, b.table) for b in blocks] == [
        ("表2.1示例对策建议", 1, None, None),
        ("优化方向\t具体建议\t预期成效", 2, ("优化方向", "具体建议", "预期成效"), 1),
        (
            "区域观念强化\t树立“一盘棋”思想,摒弃“行政区经济”\t促进大局意识",
            3,
            ("区域观念强化", "树立“一盘棋”思想,摒弃“行政区经济”", "促进大局意识"),
            1,
        ),
        (
            "清单管理\t推行权力、责任、负面清单\t规范政府行为,增强透明度",
            5,
            ("清单管理", "推行权力、责任、负面清单", "规范政府行为,增强透明度"),
            1,
        ),
        ("结束语在表格之后。", 7, None, None),
    ]


def test_image_only_pdf_has_no_text_layer(tmp_path):
    with pytest.raises(InputError, match="no text layer") as info:
        read_pdf_blocks(make.make_image_pdf(tmp_path / "scan.pdf"))
    assert "OCR is not supported" in info.value.reason


def test_encrypted_pdf(tmp_path):
    with pytest.raises(InputError, match="encrypted PDF: it needs a password"):
        read_pdf_blocks(make.make_encrypted_pdf(tmp_path / "secret.pdf"))


def test_truncated_pdf(tmp_path, seed_pdf):
    data = seed_pdf.read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated PDF"):
        read_pdf_blocks(path)


def test_garbled_pdf_body(tmp_path):
    path = tmp_path / "garbled.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"\x00garbage\xff" * 200 + b"\n%%EOF\n")
    with pytest.raises(InputError, match=r"corrupt or truncated PDF \(PDFSyntaxError"):
        read_pdf_blocks(path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", r"empty file \(0 bytes\)"),
        ("表5.1.1政府职能转变对策建议\n".encode(), "not a PDF file.*looks like a text file"),
    ],
)
def test_bad_files(tmp_path, content, reason):
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    with pytest.raises(InputError, match=reason):
        read_pdf_blocks(path)


def test_two_column_page_is_read_column_by_column(tmp_path):
    blocks = read_pdf_blocks(make.make_two_column_pdf(tmp_path / "journal.pdf"))
    texts = [b.text for b in blocks]
    assert texts == [
        make.RUNNING_HEADER,
        "5.4推动要素自由流动与公共服务共建共享",
        *make.TWO_COLUMN_PARAGRAPHS,  # the fourth runs from the left column into the right
        "- 1 -",
    ]
    assert all(b.cells is None for b in blocks)


# --------------------------------------------------------------------------- pdfium and pdfminer

_MAKERS = [make.make_seed_pdf, make.make_cross_page_paragraph_pdf, make.make_two_column_pdf,
           make.make_fixed_width_pdf, make.make_image_pdf, make.make_split_table_pdf]


def _both_ways(path, monkeypatch):
    """Blocks and notes by the pdfium path, then by the pdfminer path alone."""
    import cqanalysis.sources.pdf as reader

    def outcome():
        try:
            blocks = read_pdf_blocks(path)
        except InputError as exc:
            return str(exc)
        return list(blocks), blocks.notes

    taken = []
    quick = reader._pdfium_chars
    monkeypatch.setattr(reader, "_pdfium_chars",
                        lambda fpage, page: taken.append(quick(fpage, page)) or taken[-1])
    fast = outcome()
    monkeypatch.setattr(reader, "_open_pdfium", lambda data: None)
    return fast, outcome(), taken


@pytest.mark.parametrize("maker", _MAKERS, ids=lambda m: m.__name__)
def test_pdfium_characters_give_the_same_blocks(tmp_path, monkeypatch, maker):
    fast, slow, _ = _both_ways(maker(tmp_path / "f.pdf"), monkeypatch)
    assert fast == slow


def test_text_pages_take_the_pdfium_path_and_ruled_pages_do_not(tmp_path, monkeypatch):
    _, _, text_pages = _both_ways(make.make_two_column_pdf(tmp_path / "t.pdf"), monkeypatch)
    assert text_pages and all(chars is not None for chars in text_pages)
    monkeypatch.undo()
    _, _, ruled = _both_ways(make.make_seed_pdf(tmp_path / "s.pdf"), monkeypatch)
    assert ruled[0] is None  # page 1 has ruled tables: pdfplumber's table finder reads it


@pytest.fixture(scope="module")
def office_pdfs(tmp_path_factory):
    """The bundled chapter as LibreOffice writes it: from the text and from the Word file."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    tmp = tmp_path_factory.mktemp("office")
    text = tmp / "chapter.txt"
    text.write_bytes(make.SEED.read_bytes())
    docx = make.make_seed_docx(tmp / "chapter_docx.docx")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp), str(text), str(docx)],
                   check=True, capture_output=True, timeout=300)
    return [tmp / "chapter.pdf", tmp / "chapter_docx.pdf"]


def test_office_suite_pdfs_give_the_same_blocks(office_pdfs, monkeypatch):
    for path in office_pdfs:
        fast, slow, taken = _both_ways(path, monkeypatch)
        assert fast == slow, path.name
        assert any(chars is not None for chars in taken), path.name
        monkeypatch.undo()
    rows = parse(office_pdfs[1]).rows
    assert len(rows) == 29
