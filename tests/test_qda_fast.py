"""The fast QDA writers give the bytes of the library code they replace (issue 14).

``project.qdpx``'s XML is rendered without ElementTree, and the plain sheets of
``qda_tables.xlsx`` without one openpyxl cell per value; both are checked here against the
library on values chosen to hit every escaping rule.  ``qda_frames`` is computed once per
analysis.
"""

from __future__ import annotations

import uuid
import zipfile
from dataclasses import replace
from xml.etree import ElementTree as ET

import pandas as pd
import pytest

import cqanalysis as cq
from cqanalysis.qda import qda_frames
from cqanalysis.sources.text import text_blocks
from cqanalysis.writers import _sheetdata as sheetdata
from cqanalysis.writers import qda_tables, refi

# Every character an XML or OOXML writer treats specially, CJK, an astral character, a
# string that looks like a formula, an error code, an OOXML escape, a control character.
HOSTILE = ["a & b", "<tag>", 'say "hi"', "it's", "line\nbreak", "cr\rhere", "tab\there",
           " padded ", "政策工具 > 供给型", "emoji \U0001F600", "=SUM(A1)", "=", "#N/A",
           "_x0041_", "bell\x07", "", "x" * 40000]


def _element_tree_bytes(ns: str, build) -> bytes:
    root = ET.Element(f"{{{ns}}}Root", {"a": 'x&"<y>\n\t'})
    build(lambda parent, tag, text=None, **attrs: _et_sub(parent, ns, tag, text, attrs), root)
    ET.register_namespace("", ns)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _et_sub(parent, ns, tag, text, attrs):
    el = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
    el.text = text
    return el


def _own_bytes(ns: str, build) -> bytes:
    root = refi._Element("Root", {"a": 'x&"<y>\n\t'}, ns=ns)

    def sub(parent, tag, text=None, **attrs):
        el = refi._Element(tag, attrs, text)
        parent.children.append(el)
        return el

    build(sub, root)
    return refi._xml_bytes(root)


def _tree(sub, root):
    for k, value in enumerate(v for v in HOSTILE if "\x07" not in v):
        code = sub(root, "Code", name=value, guid=str(k))
        sub(code, "Description", value)  # "" is an empty element, " padded " kept
        if k % 3 == 0:
            sub(sub(code, "Code", name="child"), "Description")
    sub(root, "Empty")
    sub(root, "Blank", "   ")


def test_project_xml_is_what_element_tree_writes():
    ns = "urn:QDA-XML:project:1.0"
    ours = _own_bytes(ns, _tree)
    assert ours == _element_tree_bytes(ns, _tree)
    # and it reads back: the padded name and the escaped attribute survive
    root = ET.fromstring(ours)
    assert root.attrib["a"] == 'x&"<y>\n\t'
    assert root[7].attrib["name"] == " padded "


def test_guids_are_uuid5_of_the_name():
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "urn:cqanalysis:refi-qda")
    for parts in [("selection", "doc:1:2"), ("coding", "单元", "a:b"), ("x", 3, None), ()]:
        assert refi.refi_guid(*parts) == str(uuid.uuid5(namespace, "\x1f".join(map(str, parts))))
    assert refi.refi_guid("user", "cqanalysis") == str(
        uuid.uuid5(namespace, "user\x1fcqanalysis"))


def _frames() -> dict[str, pd.DataFrame]:
    n = len(HOSTILE)
    plain = pd.DataFrame({
        "text": HOSTILE,
        "count": list(range(-3, n - 3)),
        "start": pd.array([None if k % 4 == 0 else k for k in range(n)], dtype="Int64"),
        "ratio": [k / 3 for k in range(n)],
        "mixed": [None, 1, "two", 3.5, 2**60, *(["x"] * (n - 5))],
    })
    with_bools = pd.DataFrame({"flag": [True, False], "name": ["a", "b"]})
    return {"plain": plain, "bools": with_bools, "empty": plain.iloc[:0]}


def test_plain_sheets_are_what_openpyxl_writes(tmp_path, monkeypatch):
    fast = qda_tables.write_frame_xlsx(_frames(), tmp_path / "fast.xlsx")
    def refuse(*args, **kwargs):
        raise sheetdata.Unsupported("test: openpyxl path")

    monkeypatch.setattr(sheetdata, "write_rows_xml", refuse)
    slow = qda_tables.write_frame_xlsx(_frames(), tmp_path / "slow.xlsx")
    assert fast.read_bytes() == slow.read_bytes()
    with zipfile.ZipFile(fast) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode("ascii")
    # the CJK text as character references, the padded text preserved, "=" text not a formula
    assert "&#25919;&#31574;" in sheet and '<t xml:space="preserve"> padded </t>' in sheet
    back = pd.read_excel(fast, sheet_name="plain")
    assert back.loc[10, "text"] == "=SUM(A1)"
    assert back.loc[16, "text"] == "x" * 32767  # a plain string is cut at Excel's limit


@pytest.fixture
def small_analysis():
    from .test_refi_qda import CHAPTER, MINE

    analysis = cq.analyse(cq.parse_text(CHAPTER, doc_id="s"), codebooks=[MINE], crosstabs={})
    return analysis, {"s": text_blocks(CHAPTER)}


def test_qda_frames_are_computed_once_per_analysis(small_analysis, monkeypatch):
    import cqanalysis.offsets as offsets
    import cqanalysis.qda as qda

    analysis, blocks = small_analysis
    monkeypatch.setattr(offsets, "source_blocks", lambda corpus, paths=None: blocks)
    calls = []
    compute = qda._qda_frames
    monkeypatch.setattr(qda, "_qda_frames",
                        lambda *args: calls.append(args[2]) or compute(*args))
    first = qda_frames(analysis)
    second = qda_frames(analysis)
    assert calls == ["zh"]
    pd.testing.assert_frame_equal(first["coded_segments"], second["coded_segments"])
    # a caller changing its frames changes no other caller's
    first["coded_segments"].loc[0, "text"] = "changed"
    assert qda_frames(analysis)["coded_segments"].loc[0, "text"] != "changed"
    qda_frames(analysis, lang="en")
    qda_frames(replace(analysis))  # a new analysis: computed again
    assert calls == ["zh", "en", "zh"]


def test_a_large_frame_written_into_two_workbooks_has_its_rows_generated_once(tmp_path,
                                                                             monkeypatch):
    from cqanalysis.writers import write_appendix

    n = sheetdata.BLOCK_ROWS + 5  # smaller frames are written again, not kept
    segments = pd.DataFrame({"unit_id": [f"u{i}" for i in range(n)], "start": range(n),
                             "code": pd.array(["law", None] * (n // 2) + ["law"], "string")})
    # pandas hashes the object values 7 and "7" alike; Excel cells differ (number, text)
    numbers = pd.DataFrame({"value": pd.Series([7] * n, dtype=object)})
    texts = pd.DataFrame({"value": pd.Series(["7"] * n, dtype=object)})
    frames = {"coded_segments": segments, "numbers": numbers, "texts": texts}
    blocks = []
    real = sheetdata._block_xml
    monkeypatch.setattr(sheetdata, "_block_xml",
                        lambda df, start, *a: blocks.append(start) or real(df, start, *a))
    every_block = [0, sheetdata.BLOCK_ROWS]
    with sheetdata.shared_rows():  # as inside a build
        appendix = write_appendix(tmp_path / "appendix.xlsx", frames={"coded_segments": segments})
        assert blocks == every_block
        qda_tables.write_frame_xlsx(frames, tmp_path / "qda.xlsx")
        assert blocks == every_block * 3  # segments reused; numbers and texts written
        (kept,) = {p.parent for p in sheetdata._SHARED.get()[1].values()}
    assert not kept.exists()  # the kept rows go with the build
    shared = (tmp_path / "qda.xlsx").read_bytes()
    blocks.clear()
    qda_tables.write_frame_xlsx(frames, tmp_path / "qda.xlsx")  # outside a build: no sharing
    qda_tables.write_frame_xlsx(frames, tmp_path / "qda.xlsx")
    assert blocks == every_block * 6
    assert (tmp_path / "qda.xlsx").read_bytes() == shared
    with zipfile.ZipFile(tmp_path / "qda.xlsx") as zf:
        numbers_xml, texts_xml = (zf.read(f"xl/worksheets/sheet{k}.xml") for k in (2, 3))
    assert f'<c r="A{n + 1}" t="n"><v>7</v></c>'.encode() in numbers_xml
    assert f'<c r="A{n + 1}" t="inlineStr"><is><t>7</t></is></c>'.encode() in texts_xml
    back = pd.read_excel(tmp_path / "qda.xlsx", sheet_name="coded_segments")
    assert back["start"].iloc[-1] == n - 1 and back["code"].iloc[-1] == "law"
    assert pd.isna(back["code"].iloc[-2])
    assert pd.read_excel(appendix, sheet_name=None)  # the appendix reads back too
