"""Word .docx reader: blocks, styles, merged cells, numbering, the seed chapter, bad files."""

from __future__ import annotations

import zipfile

import pytest

from cqanalysis.core.blocks import Block
from cqanalysis.core.errors import InputError
from cqanalysis.core.text import join_wrapped
from cqanalysis.parse import parse
from cqanalysis.sources.docx import read_docx_blocks
from tests import _make_sources as make


@pytest.fixture(scope="module")
def seed_docx(tmp_path_factory):
    return make.make_seed_docx(tmp_path_factory.mktemp("docx") / "seed.docx")


def test_seed_blocks_carry_styles_and_cells(seed_docx):
    blocks = read_docx_blocks(seed_docx)
    by_text = {b.text: b for b in blocks}
    assert by_text["5.2区域协调机构建设:提升权威性与执行力"].style == "heading 2"
    assert by_text["第六章结论"].style == "heading 1"
    assert by_text["表5.1.1政府职能转变对策建议"].style == "caption"
    rows = [b for b in blocks if b.cells is not None]
    # 6 tables: a header plus 4, 5, 5, 5, 5, 5 data rows
    assert len(rows) == 6 + 29
    assert sorted({b.table for b in rows}) == [1, 2, 3, 4, 5, 6]
    assert rows[0].cells == ("优化方向", "具体建议", "预期成效")
    assert rows[1] == Block(
        text="区域观念强化\t树立“一盘棋”思想,摒弃“行政区经济”\t促进大局意识,减少地方保护",
        line=7,
        cells=("区域观念强化", "树立“一盘棋”思想,摒弃“行政区经济”", "促进大局意识,减少地方保护"),
        table=1,
    )
    lines = [b.line for b in blocks]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)
    assert blocks.notes == []


def test_seed_docx_gives_the_seed_rows_and_items(seed_docx):
    doc = parse(seed_docx)
    assert len(doc.rows) == 29
    assert len(doc.items) == 30
    assert doc.tables["table_id"].tolist() == ["5.1.1", "5.2.1", "5.3.1", "5.4.1", "5.5.1", "5.6.1"]
    assert doc.tables["n_rows"].tolist() == [4, 5, 5, 5, 5, 5]
    row = doc.rows[(doc.rows["table_id"] == "5.4.1") & (doc.rows["row_no"] == 2)].iloc[0]
    assert row["direction"] == "交通一体化"
    assert row["measure"] == "建设城际铁路、高速公路、轨道交通等互联网络"
    assert row["outcome"] == "提升通勤效率,支撑要素流动"
    item = doc.items[(doc.items["section_no"] == "5.6") & (doc.items["item_no"] == 5)].iloc[0]
    assert item["title"] == "加强学术研究与智库支持"
    assert doc.sections["section_no"].tolist() == ["5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "6"]


def test_seed_docx_matches_the_text_version(seed_docx):
    docx_doc = parse(seed_docx)
    text_doc = parse(make.SEED)
    cols = ["table_id", "row_no", "section_no", "direction", "measure", "outcome"]
    assert docx_doc.rows[cols].values.tolist() == text_doc.rows[cols].values.tolist()
    cols = ["section_no", "item_no", "title", "body"]
    assert docx_doc.items[cols].values.tolist() == text_doc.items[cols].values.tolist()


def test_merged_cells_and_caption_below(tmp_path):
    blocks = read_docx_blocks(make.make_merged_docx(tmp_path / "merged.docx"))
    assert [(b.text, b.line, b.cells, b.table, b.style) for b in blocks] == [
        ("5.4推动要素自由流动", 1, None, None, "heading 2"),
        # the caption sits below the table in Word and is handed over before it
        ("表5.4.1要素流动对策建议", 7, None, None, "caption"),
        ("优化方向\t具体建议\t预期成效", 2, ("优化方向", "具体建议", "预期成效"), 1, None),
        (
            "要素自由流动\t打破户籍、社保壁垒\t促进人才流动",
            3,
            ("要素自由流动", "打破户籍、社保壁垒", "促进人才流动"),
            1,
            None,
        ),
        # vertical merge: the value fills down
        (
            "要素自由流动\t统一市场准入\t营造公平环境",
            4,
            ("要素自由流动", "统一市场准入", "营造公平环境"),
            1,
            None,
        ),
        # row 5 is empty and skipped; horizontal merge: one cell, not repeated
        (
            "交通一体化\t建设城际铁路、高速公路网络\t",
            6,
            ("交通一体化", "建设城际铁路、高速公路网络", ""),
            1,
            None,
        ),
        ("正文在表格之后继续。", 8, None, None, None),
    ]
    assert blocks.notes == [f"{tmp_path / 'merged.docx'}:5: empty table row skipped (table 1)"]


def test_merged_table_parses_into_rows(tmp_path):
    doc = parse(make.make_merged_docx(tmp_path / "merged.docx"))
    assert doc.rows[["direction", "measure", "outcome"]].values.tolist() == [
        ["要素自由流动", "打破户籍、社保壁垒", "促进人才流动"],
        ["要素自由流动", "统一市场准入", "营造公平环境"],
        ["交通一体化", "建设城际铁路、高速公路网络", ""],
    ]
    assert doc.tables["table_id"].tolist() == ["5.4.1"]


def test_automatic_heading_numbers_are_rendered(tmp_path):
    blocks = read_docx_blocks(make.make_numbered_docx(tmp_path / "numbered.docx"))
    assert [(b.text, b.style) for b in blocks] == [
        ("第五章对策建议", "heading 1"),
        ("5.1 政府职能转变", "heading 2"),
        ("（一）强化区域观念", "heading 3"),
        ("（二）推行清单管理", "heading 3"),
        ("5.2 区域协调机构建设", "heading 2"),
        ("第六章结论", "heading 1"),
    ]


def test_join_wrapped_keeps_chinese_together():
    joined = join_wrapped(["树立“一盘棋”思想,摒", "弃“行政区经济”"])
    assert joined == "树立“一盘棋”思想,摒弃“行政区经济”"
    assert join_wrapped(["cross-regional policy", "coordination"]) == (
        "cross-regional policy coordination"
    )
    assert join_wrapped(["co-", "operation", "", "  "]) == "co-operation"
    assert join_wrapped(["城市群 ", " governance"]) == "城市群governance"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", r"empty file \(0 bytes\)"),
        ("对策建议\n表5.1.1\n".encode(), r"plain-text file with a \.docx name"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, "password-protected"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, r"not a Word \.docx document"),
    ],
)
def test_bad_files_raise_input_error(tmp_path, content, reason):
    path = tmp_path / "bad.docx"
    path.write_bytes(content)
    with pytest.raises(InputError, match=reason) as info:
        read_docx_blocks(path)
    assert info.value.path == str(path)


def test_truncated_docx(tmp_path, seed_docx):
    data = seed_docx.read_bytes()
    path = tmp_path / "truncated.docx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"corrupt or truncated \.docx"):
        read_docx_blocks(path)


def test_zip_without_word_document(tmp_path):
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "不是 Word 文档")
    with pytest.raises(InputError, match=r"a ZIP archive with a \.docx name"):
        read_docx_blocks(path)


def test_excel_workbook_renamed_docx(tmp_path):
    import openpyxl

    path = tmp_path / "sheet.docx"
    openpyxl.Workbook().save(path)
    with pytest.raises(InputError, match=r"an Excel workbook with a \.docx name"):
        read_docx_blocks(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_docx_blocks(tmp_path / "nope.docx")


def test_tracked_insertions_hyperlinks_and_text_boxes_are_read(tmp_path):
    import docx
    from docx.oxml import parse_xml

    ns = (
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    )
    doc = docx.Document()
    para = doc.add_paragraph("推行清单管理:明确")
    para._p.append(
        parse_xml(f'<w:ins {ns} w:id="1" w:author="审稿人"><w:r><w:t>权力清单</w:t></w:r></w:ins>')
    )
    para._p.append(
        parse_xml(
            f'<w:del {ns} w:id="2" w:author="审稿人"><w:r><w:delText>删去</w:delText></w:r></w:del>'
        )
    )
    para._p.append(
        parse_xml(
            f'<w:hyperlink {ns} r:id="rId99"><w:r><w:t>和责任清单。</w:t></w:r></w:hyperlink>'
        )
    )
    box = doc.add_paragraph()
    box._p.append(
        parse_xml(
            f"<w:r {ns}><w:pict><v:shape><v:textbox><w:txbxContent>"
            "<w:p><w:r><w:t>框内说明文字</w:t></w:r></w:p>"
            "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
        )
    )
    path = tmp_path / "tracked.docx"
    doc.save(str(path))
    blocks = read_docx_blocks(path)
    assert [(b.text, b.line) for b in blocks] == [
        ("推行清单管理:明确权力清单和责任清单。", 1),
        ("框内说明文字", 3),
    ]
