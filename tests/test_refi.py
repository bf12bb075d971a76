"""REFI-QDA: codebooks (.qdc) and projects (.qdpx) out and back in, offsets, bad files.

The official schemas (openqda/refi-tools, Codebook.xsd and Project.xsd) are not ours to ship:
the XSD tests run when CQANALYSIS_REFI_XSD names a folder holding them, and skip otherwise.
"""

from __future__ import annotations

import os
import uuid
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
import pytest

import cqanalysis as cq
from cqanalysis.offsets import document_text, locate, unit_offsets
from cqanalysis.refi_read import read_qdc, read_qdpx
from cqanalysis.sources.text import text_blocks
from cqanalysis.writers.refi import write_qdc, write_qdpx

CB = "{urn:QDA-XML:codebook:1.0}"
PR = "{urn:QDA-XML:project:1.0}"
XSD = os.environ.get("CQANALYSIS_REFI_XSD", "")
needs_xsd = pytest.mark.skipif(not XSD, reason="CQANALYSIS_REFI_XSD not set (REFI-QDA schemas)")

# A small chapter in our own words: one item, one table with two rows; line 2 is blank.
CHAPTER = """一、加强区域协调
1.建立联席会议：定期召开城市群联席会议,统筹跨区域事务。

表1 区域协调对策建议
方向\t具体建议\t预期成效
机构建设\t设立协调办公室,制定议事规则\t提高协调效率
人才培养\t开展干部培训\t提升治理能力
"""


@pytest.fixture(scope="module")
def small():
    doc = cq.parse_text(CHAPTER, doc_id="small")
    blocks = {"small": text_blocks(CHAPTER)}
    return cq.analyse(doc), blocks


def _guid(*parts):
    ns = uuid.uuid5(uuid.NAMESPACE_URL, "urn:cqanalysis:refi-qda")
    return str(uuid.uuid5(ns, "\x1f".join(parts)))


# ---------------------------------------------------------------- offsets


def test_document_text_is_the_nonblank_lines_joined():
    assert document_text(text_blocks("甲\n\n乙\r\n丙")) == "甲\n乙\n丙"


def test_offsets_point_at_each_clause(small):
    analysis, blocks = small
    text = document_text(blocks["small"])
    located = unit_offsets(analysis.clauses, analysis.corpus, blocks=blocks)
    got = {(r.field, r.text): text[r.start:r.end] for r in located.itertuples()}
    assert got[("measure", "设立协调办公室")] == "设立协调办公室"
    assert got[("measure", "制定议事规则")] == "制定议事规则"
    assert got[("outcome", "提升治理能力")] == "提升治理能力"
    # 设立协调办公室 starts on the 6th non-blank line after "机构建设\t"
    lines = CHAPTER.replace("\n\n", "\n").split("\n")
    row_start = sum(len(line) + 1 for line in lines[:4])
    first = located[located["text"] == "设立协调办公室"].iloc[0]
    assert (first.start, first.end) == (row_start + 5, row_start + 12)
    assert set(located["offset_match"]) == {"exact"}


def test_item_offsets_see_past_the_full_width_colon(small):
    analysis, blocks = small
    text = document_text(blocks["small"])
    items = analysis.coded[analysis.coded["field"] == "item"].drop_duplicates("unit_id")
    located = unit_offsets(items, analysis.corpus, blocks=blocks)
    (row,) = located.itertuples()
    assert text[row.start:row.end] == "建立联席会议：定期召开城市群联席会议,统筹跨区域事务。"


def test_equal_texts_in_one_line_get_different_offsets():
    blocks = text_blocks("甲乙\t甲乙")
    frame = pd.DataFrame({"line": [1, 1], "text": ["甲乙", "甲乙"]})
    located = locate(frame, blocks)
    assert located[["start", "end"]].to_numpy().tolist() == [[0, 2], [3, 5]]


def test_text_not_in_its_lines_falls_back_to_the_span():
    blocks = text_blocks("第一行\n**加粗**文字")
    frame = pd.DataFrame({"line": [2], "line_end": [2], "text": ["加粗文字"]})
    (row,) = locate(frame, blocks).itertuples()
    assert (row.start, row.end, row.offset_match) == (4, 12, "span")


# ---------------------------------------------------------------- .qdc


def test_qdc_nests_codes_under_their_codebook(tmp_path):
    path = write_qdc(cq.load_codebook("instruments"), tmp_path / "cb.qdc")
    root = ET.parse(path).getroot()
    assert root.tag == f"{CB}CodeBook"
    (book,) = root.find(f"{CB}Codes")
    assert (book.get("name"), book.get("isCodable")) == ("政策工具", "false")
    assert book.get("guid") == _guid("codebook", "instruments")
    supply = book.find(f"{CB}Code")
    assert (supply.get("name"), supply.get("guid")) == ("供给型工具", _guid("code", "instruments",
                                                                          "supply"))
    child = supply.find(f"{CB}Code")
    assert child.get("name") == "组织机构与职能配置"
    assert child.find(f"{CB}Description").text.endswith(
        "[cqanalysis id=supply.organisation en=Organisation, functions and authority]")


def test_qdc_round_trip_and_bytes(tmp_path):
    books = cq.default_codebooks()
    a = write_qdc(books, tmp_path / "a.qdc").read_bytes()
    assert write_qdc(books, tmp_path / "b.qdc").read_bytes() == a
    back = read_qdc(tmp_path / "a.qdc")
    assert [b.name for b in back] == ["instruments", "outcomes", "levels"]
    for old, new in zip(books, back, strict=True):
        assert (new.zh, new.en, new.fields) == (old.zh, old.en, old.fields)
        assert [(c.id, c.zh, c.en, c.parent, c.depth, c.description) for c in new] == [
            (c.id, c.zh, c.en, c.parent, c.depth, c.description) for c in old]


def test_qdc_in_english(tmp_path):
    back = read_qdc(write_qdc(cq.load_codebook("levels"), tmp_path / "en.qdc", lang="en"))
    assert back[0]["central"].zh == cq.load_codebook("levels")["central"].zh


def test_read_qdc_of_another_tool_gives_a_codebook_for_coding_sheets(tmp_path):
    path = tmp_path / "their.qdc"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        '<Code guid="11111111-1111-1111-1111-111111111111" name="制度 建设" isCodable="true">'
        '<Description>规则类</Description>'
        '<Code guid="22222222-2222-2222-2222-222222222222" name="立法" isCodable="true"/>'
        '</Code>'
        '<Code guid="33333333-3333-3333-3333-333333333333" name="立法" isCodable="true"/>'
        '</Codes></CodeBook>', encoding="utf-8")
    (book,) = read_qdc(path)
    assert book.name == "their"
    assert [(c.id, c.parent, c.depth, c.description) for c in book] == [
        ("制度_建设", None, 1, "规则类"), ("立法", "制度_建设", 2, ""), ("立法~2", None, 1, "")]
    sheet = cq.write_coding_sheet(
        pd.DataFrame({"doc_id": ["d"], "table_id": ["1"], "row_no": [1], "field": ["measure"],
                      "clause_no": [1], "text": ["出台条例"]}),
        [book], tmp_path / "sheet.xlsx")
    assert sheet.exists()


# ---------------------------------------------------------------- .qdpx


def test_qdpx_holds_sources_selections_and_codes(small, tmp_path):
    analysis, blocks = small
    path = write_qdpx(analysis, tmp_path / "p.qdpx", blocks=blocks)
    with zipfile.ZipFile(path) as zf:
        source_guid = _guid("source", "small")
        assert zf.namelist() == ["project.qde", f"Sources/{source_guid}.txt"]
        assert zf.read(f"Sources/{source_guid}.txt").decode() == document_text(blocks["small"])
        root = ET.fromstring(zf.read("project.qde"))
    assert root.tag == f"{PR}Project"
    assert [u.get("name") for u in root.iter(f"{PR}User")] == ["cqanalysis"]
    (source,) = root.iter(f"{PR}TextSource")
    assert source.get("plainTextPath") == f"internal://{source_guid}.txt"
    sel = {s.get("name"): s for s in source.findall(f"{PR}PlainTextSelection")}
    office = sel["small:1:1:measure:1"]
    text = document_text(blocks["small"])
    assert text[int(office.get("startPosition")):int(office.get("endPosition"))] == "设立协调办公室"
    # the table row is a selection too, coded with its section
    assert "small:1:1" in sel
    roots = [c.get("name") for c in root.find(f"{PR}CodeBook/{PR}Codes")]
    assert roots == ["政策工具", "预期成效维度", "治理层级与主体", "章节"]


def test_qdpx_is_byte_identical(small, tmp_path):
    analysis, blocks = small
    a = write_qdpx(analysis, tmp_path / "a.qdpx", blocks=blocks).read_bytes()
    assert write_qdpx(analysis, tmp_path / "b.qdpx", blocks=blocks).read_bytes() == a


def test_round_trip_gives_the_same_codings(seed, tmp_path):
    analysis = cq.analyse(seed)
    back = read_qdpx(write_qdpx(analysis, tmp_path / "seed.qdpx"))
    ours = analysis.coded.dropna(subset=["code"])
    mine = back[back["codebook"] != "section"]
    key = ["unit_id", "codebook", "code", "label_zh", "label_en"]
    assert sorted(mine[key].itertuples(index=False, name=None)) == sorted(
        ours[key].itertuples(index=False, name=None))
    assert set(mine["coder"]) == {"cqanalysis"}
    assert (mine["text"].str.len() == mine["end"] - mine["start"]).all()
    # every clause's selected text is the clause itself
    clauses = mine[mine["field"] != "item"].merge(ours[["unit_id", "text"]].drop_duplicates(),
                                                  on="unit_id", suffixes=("", "_unit"))
    assert (clauses["text"] == clauses["text_unit"]).all()


def test_coders_of_coding_sheets_become_users(small, tmp_path):
    analysis, blocks = small
    sheets = pd.DataFrame({
        "doc_id": ["small", "small"], "table_id": ["1", "1"], "row_no": [1, 2],
        "field": ["measure", "measure"], "clause_no": [1, 1], "coder": ["王", "李"],
        "codebook": ["instruments", "instruments"],
        "code": ["supply.organisation", "supply.personnel"]})
    back = read_qdpx(write_qdpx(analysis, tmp_path / "c.qdpx", blocks=blocks, sheets=sheets))
    human = back[back["coder"] != "cqanalysis"]
    assert human[["coder", "unit_id", "code"]].values.tolist() == [
        ["王", "small:1:1:measure:1", "supply.organisation"],
        ["李", "small:1:2:measure:1", "supply.personnel"]]


def test_coders_of_sheets_that_hold_items_too_become_users(small, tmp_path):
    # read_coding_sheets of a sheet keyed by clause and item: blank cells make the number
    # columns float (1.0), and the item row has no table, row or clause
    analysis, blocks = small
    sheets = pd.DataFrame({
        "doc_id": ["small", "small"], "table_id": ["1", None], "row_no": [1.0, None],
        "field": ["measure", "item"], "clause_no": [1.0, None], "section_no": ["1", "1"],
        "item_no": [None, 1.0], "coder": ["王", "王"], "codebook": ["instruments"] * 2,
        "code": ["supply.organisation", "environment.coordination"]})
    back = read_qdpx(write_qdpx(analysis, tmp_path / "c.qdpx", blocks=blocks, sheets=sheets))
    human = back[back["coder"] != "cqanalysis"]
    assert sorted(human[["coder", "unit_id", "code"]].values.tolist()) == [
        ["王", "small:1:1:measure:1", "supply.organisation"],
        ["王", "small:1:item:1", "environment.coordination"]]


def test_control_characters_stay_xml_and_offsets_hold(tmp_path):
    text = "表1 测试\n方向\t具体建议\t预期成效\n甲\x1b\t设立机构\x0b办公室\t提高效率\n"
    doc = cq.parse_text(text, doc_id="ctl")
    analysis = cq.analyse(doc)
    blocks = {"ctl": text_blocks(text)}
    back = read_qdpx(write_qdpx(analysis, tmp_path / "ctl.qdpx", blocks=blocks))
    plain = document_text(blocks["ctl"])
    for row in back.itertuples():
        assert row.text == plain[row.start:row.end]


# ---------------------------------------------------------------- a foreign project


def _foreign(tmp_path: Path, coding_target: str) -> Path:
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="访谈">'
        '<Users><User guid="aaaaaaaa-0000-0000-0000-000000000001" name="研究者甲"/></Users>'
        '<CodeBook><Codes>'
        '<Code guid="bbbbbbbb-0000-0000-0000-000000000001" name="治理" isCodable="true">'
        '<Code guid="bbbbbbbb-0000-0000-0000-000000000002" name="协调" isCodable="true"/>'
        '</Code></Codes></CodeBook>'
        '<Sources><TextSource guid="cccccccc-0000-0000-0000-000000000001" name="访谈一" '
        'plainTextPath="internal://cccccccc-0000-0000-0000-000000000001.txt">'
        '<PlainTextSelection guid="dddddddd-0000-0000-0000-000000000001" name="" '
        'startPosition="4" endPosition="8" '
        'creatingUser="aaaaaaaa-0000-0000-0000-000000000001">'
        '<Coding guid="eeeeeeee-0000-0000-0000-000000000001">'
        f'<CodeRef targetGUID="{coding_target}"/></Coding>'
        '</PlainTextSelection></TextSource></Sources></Project>')
    path = tmp_path / "their.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("sources/cccccccc-0000-0000-0000-000000000001.txt", "我们说要加强协调机制。")
    return path


def test_read_another_tools_project(tmp_path):
    frame = read_qdpx(_foreign(tmp_path, "bbbbbbbb-0000-0000-0000-000000000002"))
    assert frame[["doc_id", "codebook", "code", "coder", "start", "end", "text"]].values.tolist(
    ) == [["访谈一", "治理", "协调", "研究者甲", 4, 8, "加强协调"]]


def test_unknown_code_is_an_input_error(tmp_path):
    path = _foreign(tmp_path, "ffffffff-0000-0000-0000-000000000009")
    with pytest.raises(cq.InputError, match="refers to unknown code 'ffffffff-0000"):
        read_qdpx(path)


def test_not_a_zip_is_an_input_error(tmp_path):
    path = tmp_path / "fake.qdpx"
    path.write_text("not a zip", encoding="utf-8")
    with pytest.raises(cq.InputError, match=r"fake\.qdpx: not a zip archive"):
        read_qdpx(path)


def _foreign_edited(tmp_path, old: str, new: str):
    """Another tool's project with ``old`` replaced by ``new`` in its project.qde."""
    path = _foreign(tmp_path, "bbbbbbbb-0000-0000-0000-000000000002")
    with zipfile.ZipFile(path) as zf:
        qde = zf.read("project.qde").decode().replace(old, new)
    edited = tmp_path / "edited.qdpx"
    with zipfile.ZipFile(edited, "w") as zf:
        zf.writestr("project.qde", qde)
    return edited


def test_selection_without_positions_is_an_input_error(tmp_path):
    broken = _foreign_edited(tmp_path, 'startPosition="4" ', "")
    with pytest.raises(cq.InputError, match=r"required .*startPosition"):
        read_qdpx(broken)


def test_a_codebook_that_is_not_one(tmp_path):
    path = tmp_path / "x.qdc"
    path.write_text("<CodeBook><Codes/></CodeBook>", encoding="utf-8")
    with pytest.raises(cq.InputError, match="root element is 'CodeBook', not CodeBook in urn"):
        read_qdc(path)


# ---------------------------------------------------------------- the official schemas


@needs_xsd
def test_qdc_validates_against_codebook_xsd(tmp_path):
    import xmlschema

    schema = xmlschema.XMLSchema(str(Path(XSD) / "Codebook.xsd"))
    schema.validate(str(write_qdc(cq.default_codebooks(), tmp_path / "cb.qdc")))


@needs_xsd
def test_qdpx_validates_against_project_xsd(seed, tmp_path):
    import xmlschema

    analysis = cq.analyse(seed)
    with zipfile.ZipFile(write_qdpx(analysis, tmp_path / "p.qdpx", lang="en")) as zf:
        qde = zf.read("project.qde").decode()
    xmlschema.XMLSchema(str(Path(XSD) / "Project.xsd")).validate(qde)


@needs_xsd
def test_a_project_failing_the_xsd_is_an_input_error(tmp_path):
    broken = _foreign_edited(tmp_path, 'isCodable="true"/>', "/>")
    with pytest.raises(cq.InputError, match=r"fails Project\.xsd.*isCodable"):
        read_qdpx(broken)


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_offsets_for_other_source_kinds(kind, tmp_path):
    from cqanalysis.offsets import document_texts, source_blocks
    from tests._make_sources import make_seed_docx, make_seed_pdf

    path = (make_seed_docx if kind == "docx" else make_seed_pdf)(tmp_path / f"seed.{kind}")
    doc = cq.parse(path)
    blocks = source_blocks(doc)
    text = document_texts(blocks)[doc.doc_id]
    located = unit_offsets(cq.explode_clauses(doc.rows), doc, blocks=blocks)
    exact = located[located["offset_match"] == "exact"]
    assert len(exact) == len(located)
    assert [text[s:e] for s, e in zip(exact["start"], exact["end"], strict=True)] == exact[
        "text"].tolist()
    assert "树立“一盘棋”思想" in text
