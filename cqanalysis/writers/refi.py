"""REFI-QDA exchange files: a codebook (.qdc) and a whole coded project (.qdpx).

REFI-QDA (https://www.qdasoftware.org) is the exchange standard of NVivo, ATLAS.ti, MAXQDA,
QualCoder and Taguette.  A .qdc is one XML file (namespace ``urn:QDA-XML:codebook:1.0``); a
.qdpx is a zip holding ``project.qde`` (``urn:QDA-XML:project:1.0``) and the sources' plain
texts under ``Sources/``, each named by its GUID.  Every GUID is a uuid5 of what it stands for,
and zip entries carry :func:`~cqanalysis.core.io.build_timestamp`, so equal input gives
byte-identical files.  :mod:`cqanalysis.refi_read` reads both back.
"""

from __future__ import annotations

import hashlib
import os
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..core.io import atomic_path, build_timestamp
from ..core.version import __version__
from ._text import xml_safe

if TYPE_CHECKING:
    from ..offsets import Locations

__all__ = ["CODEBOOK_NS", "PROJECT_NS", "refi_guid", "write_qdc", "write_qdpx"]

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
# uuid5 namespace of every GUID cqanalysis writes; a fixed value keeps GUIDs stable forever.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:cqanalysis:refi-qda")
_NAMESPACE_BYTES = _NAMESPACE.bytes
# One colour per codebook (QDA tools colour highlights by code); ColorBrewer Dark2.
_COLOURS = ("#1B9E77", "#D95F02", "#7570B3", "#E7298A", "#66A61E", "#E6AB02", "#A6761D",
            "#666666")  # fmt: skip
#: The codebook under which sections code the rows and items they hold.
SECTION_CODEBOOK = "section"
_ORIGIN = f"cqanalysis {__version__}"


def refi_guid(*parts: object) -> str:
    """The stable GUID of the thing named by ``parts`` (uuid5, lower-case, with hyphens)."""
    # uuid.uuid5 by hand (SHA-1 of namespace and name, version and variant bits set): the
    # same string without building a UUID object, once per selection and coding
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + "\x1f".join(map(str, parts)).encode(),
                                    usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    x = digest.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def marker(kind: str, key: str, other_label: str, fields: Sequence[str] = ()) -> str:
    """The line that carries a code's cqanalysis id (and its other label) in its Description.

    QDA tools keep a code's Description, so reading the file back (:func:`read_qdc`) recovers
    ids and both labels; the line reads ``[cqanalysis id=supply.organisation en=Organisation]``
    (a codebook's also ``fields=measure,outcome``).
    """
    scope = f" fields={','.join(fields)}" if fields else ""
    return f"[cqanalysis {kind}={key}{scope} {other_label}]"


def _text(value: object) -> str:
    return xml_safe("" if value is None else str(value))[0]


def _escape_text(text: str) -> str:
    """Character data escaped as ElementTree escapes it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(text: str) -> str:
    """An attribute value escaped as ElementTree escapes it (line ends and tabs as numbers)."""
    return (_escape_text(text).replace('"', "&quot;").replace("\r", "&#13;")
            .replace("\n", "&#10;").replace("\t", "&#09;"))


class _Element:
    """An XML element in one namespace, written as ``ET.indent`` and ``ET.tostring`` write.

    A project has about ten elements per coded unit; building them with ElementTree and
    serialising its tree took most of the time of a ``.qdpx``.  The opening tag is rendered
    (attributes escaped, in order) when the element is made.
    """

    __slots__ = ("children", "head", "tag", "text")

    def __init__(self, tag: str, attrs: Mapping[str, str], text: str | None = None,
                 ns: str | None = None) -> None:
        xmlns = f' xmlns="{_escape_attribute(ns)}"' if ns is not None else ""
        self.tag = tag
        self.head = f"<{tag}{xmlns}" + "".join(f' {k}="{_escape_attribute(v)}"'
                                                for k, v in attrs.items())
        self.text = text
        self.children: list[_Element] = []

    def render(self, out: list[str], level: int = 0) -> None:
        """Append the element's XML, indented by two spaces a level, to ``out``."""
        if not self.children:
            out.append(f"{self.head}>{_escape_text(self.text)}</{self.tag}>" if self.text
                       else f"{self.head} />")
            return
        inner = "\n" + "  " * (level + 1)
        # ET.indent keeps a parent's text only when it is not blank
        text = self.text if self.text and self.text.strip() else None
        out.append(f"{self.head}>{_escape_text(text) if text else inner}")
        for k, child in enumerate(self.children):
            if k:
                out.append(inner)
            child.render(out, level + 1)
        out.append(f"\n{'  ' * level}</{self.tag}>")


def _sub(parent: _Element, tag: str, text: str | None = None, **attrs: str) -> _Element:
    el = _Element(tag, {k: _text(v) for k, v in attrs.items()},
                  None if text is None else _text(text))
    parent.children.append(el)
    return el


def _sub_plain(parent: _Element, tag: str, **attrs: str) -> _Element:
    """:func:`_sub` for attribute values with nothing to escape or replace (GUIDs, numbers,
    time stamps): the selections and codings, most of a project's elements."""
    el = _Element.__new__(_Element)
    el.tag, el.text, el.children = tag, None, []
    el.head = f"<{tag}" + "".join([f' {k}="{v}"' for k, v in attrs.items()])
    parent.children.append(el)
    return el


def _books(codebooks: object) -> list[Any]:
    if hasattr(codebooks, "codes") and hasattr(codebooks, "name"):
        return [codebooks]
    books = list(codebooks)  # type: ignore[call-overload]
    if not books:
        raise ValueError("write_qdc: no codebook given")
    return books


def _code_tree(parent: _Element, books: Sequence[Any], lang: str,
               guids: dict[tuple[str, str], str]) -> None:
    """One non-codable root code per codebook, its codes nested by parent beneath it."""
    other = "en" if lang == "zh" else "zh"
    for k, book in enumerate(books):
        colour = _COLOURS[k % len(_COLOURS)]
        root = _sub(parent, "Code", guid=refi_guid("codebook", book.name),
                    name=getattr(book, lang), isCodable="false", color=colour)
        _sub(root, "Description",
             marker("codebook", book.name, f"{other}={getattr(book, other)}",
                    tuple(getattr(book, "fields", ()))))
        nodes = {None: root}
        for code in book.codes:
            guid = refi_guid("code", book.name, code.id)
            guids[(book.name, code.id)] = guid
            node = _sub(nodes[code.parent], "Code", guid=guid, name=code.label(lang),
                        isCodable="true", color=colour)
            lines = [code.description] if code.description else []
            lines.append(marker("id", code.id, f"{other}={code.label(other)}"))
            _sub(node, "Description", "\n".join(lines))
            nodes[code.id] = node


def _xml_bytes(root: _Element) -> bytes:
    """The document with its XML declaration, as ``ET.tostring(…, xml_declaration=True)``."""
    out = ["<?xml version='1.0' encoding='utf-8'?>\n"]
    root.render(out)
    out.append("\n")
    return "".join(out).encode("utf-8")


def write_qdc(codebooks: object, path: str | os.PathLike[str], *, lang: str = "zh") -> Path:
    """Write codebooks as a REFI-QDA codebook (.qdc), atomically and byte-identically.

    Parameters
    ----------
    codebooks
        A :class:`~cqanalysis.Codebook` or several (``cq.default_codebooks()``).
    path
        The ``.qdc`` file to write.
    lang
        Code names in ``"zh"`` or ``"en"``.

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    Each codebook becomes a non-codable top-level code (``isCodable="false"``) holding its
    codes, nested by ``parent``.  A code's Description is its coding rule followed by a line
    ``[cqanalysis id=… en=…]`` that carries its id and other label, so :func:`read_qdc`
    gives the same ids back; keywords stay in the YAML codebook, which REFI-QDA has no
    place for.
    """
    root = _Element("CodeBook", {"origin": _ORIGIN}, ns=CODEBOOK_NS)
    codes = _sub(root, "Codes")
    _code_tree(codes, _books(codebooks), lang, {})
    with atomic_path(path) as tmp:
        tmp.write_bytes(_xml_bytes(root))
    return Path(path)


def _variables(documents: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(name, REFI type, guid) of each manifest variable (documents' columns but id/path/hash)."""
    out = []
    for col in documents.columns:
        if col in ("doc_id", "path", "sha256"):
            continue
        values = documents[col].dropna()
        integer = len(values) and pd.api.types.is_integer_dtype(values.infer_objects())
        out.append((str(col), "Integer" if integer else "Text", refi_guid("variable", col)))
    return out


def _coders(sheets: pd.DataFrame | None) -> list[str]:
    if sheets is None or not len(sheets):
        return []
    return list(dict.fromkeys(map(str, sheets["coder"])))


def _project(analysis: Any, located: pd.DataFrame, sheets: pd.DataFrame | None,
             lang: str, name: str) -> tuple[_Element, dict[str, str]]:
    """The project.qde tree and doc_id → source GUID."""
    stamp = build_timestamp().strftime("%Y-%m-%dT%H:%M:%SZ")
    machine = refi_guid("user", "cqanalysis")
    root = _Element("Project", {"name": _text(name), "origin": _ORIGIN,
                                "creatingUserGUID": machine, "creationDateTime": stamp},
                    ns=PROJECT_NS)
    users = _sub(root, "Users")
    _sub(users, "User", guid=machine, name="cqanalysis")
    coder_guid = {c: refi_guid("user", "coder", c) for c in _coders(sheets)}
    for coder, guid in coder_guid.items():
        _sub(users, "User", guid=guid, name=coder)
    guids: dict[tuple[str, str], str] = {}
    books = [b for b in analysis.codebooks if hasattr(b, "codes")]
    codes = _sub(_sub(root, "CodeBook"), "Codes")
    _code_tree(codes, books, lang, guids)
    sections = _section_codes(codes, analysis.corpus.sections, lang, len(books))
    documents = analysis.corpus.documents
    variables = _variables(documents)
    if variables:
        box = _sub(root, "Variables")
        for var, kind, guid in variables:
            _sub(box, "Variable", guid=guid, name=var, typeOfVariable=kind)
    sources = _sub(root, "Sources")
    source_guids: dict[str, str] = {}
    by_doc = _units_by_doc(located)
    for doc in documents.to_dict("records"):
        doc_id = str(doc["doc_id"])
        guid = source_guids[doc_id] = refi_guid("source", doc_id)
        source = _sub(sources, "TextSource", guid=guid, name=doc_id,
                      plainTextPath=f"internal://{guid}.txt", creatingUser=machine,
                      creationDateTime=stamp)
        if doc_id in by_doc:
            _selections(source, by_doc[doc_id], guids, sections, sheets, coder_guid,
                        machine, stamp)
        for var, kind, var_guid in variables:
            value = doc.get(var)
            if value is None or pd.isna(value):
                continue
            vv = _sub(source, "VariableValue")
            _sub(vv, "VariableRef", targetGUID=var_guid)
            tag, shown = ("IntegerValue", str(int(value))) if kind == "Integer" else (
                "TextValue", str(value))
            _sub(vv, tag, shown)
    return root, source_guids


def _section_codes(codes: _Element, sections: pd.DataFrame, lang: str,
                   k: int) -> dict[tuple[str, str], str]:
    """A root code 章节 whose codes are the sections; (doc_id, section_no) → code GUID."""
    if not len(sections):
        return {}
    colour = _COLOURS[k % len(_COLOURS)]
    title = "章节" if lang == "zh" else "Sections"
    root = _sub(codes, "Code", guid=refi_guid("codebook", SECTION_CODEBOOK), name=title,
                isCodable="false", color=colour)
    _sub(root, "Description", marker("codebook", SECTION_CODEBOOK,
                                         "en=Sections" if lang == "zh" else "zh=章节"))
    out: dict[tuple[str, str], str] = {}
    several = sections["doc_id"].nunique() > 1
    for rec in sections.to_dict("records"):
        key = (str(rec["doc_id"]), str(rec["section_no"]))
        if key in out:
            continue
        guid = out[key] = refi_guid("section", *key)
        label = f"{rec['section_no']} {rec['title']}".strip()
        code_id = f"{key[0]}/{key[1]}" if several else key[1]
        node = _sub(root, "Code", guid=guid, name=f"{key[0]}: {label}" if several else label,
                    isCodable="true", color=colour)
        _sub(node, "Description", marker("id", code_id, f"{'en' if lang == 'zh' else 'zh'}="
                                             f"{label}"))
    return out


#: Columns of the located units that the selections read, in this order.
_UNIT_COLUMNS = ("doc_id", "unit_id", "start", "end", "codebook", "code", "section_no", "kind")


def _units_by_doc(located: pd.DataFrame) -> dict[Any, dict[Any, list[tuple[Any, ...]]]]:
    """doc_id → unit_id → its rows (values of :data:`_UNIT_COLUMNS`), in order of appearance.

    What ``groupby(sort=False)`` by document then by unit gives, read in one pass over plain
    lists (a pandas group and row per unit was most of the time of a project).
    """
    n = len(located)
    columns = [located[c].tolist() if c in located.columns else [None] * n
               for c in _UNIT_COLUMNS]
    out: dict[Any, dict[Any, list[tuple[Any, ...]]]] = {}
    for row in zip(*columns, strict=True):
        if pd.isna(row[0]) or pd.isna(row[1]):
            continue  # as groupby does, missing keys form no group
        out.setdefault(row[0], {}).setdefault(row[1], []).append(row)
    return out


def _selections(source: _Element, units: Mapping[Any, Sequence[tuple[Any, ...]]],
                guids: Mapping[tuple[str, str], str],
                sections: Mapping[tuple[str, str], str], sheets: pd.DataFrame | None,
                coder_guid: Mapping[str, str], machine: str, stamp: str) -> None:
    """One PlainTextSelection per unit (clause, item) and table row, with its codings."""
    human = _sheet_codes(sheets)
    for unit_id, rows in units.items():
        doc_id, _, start, end, _, _, section_no, kind = rows[0]
        if pd.isna(start):
            continue
        sel = _sub_plain(source, "PlainTextSelection", guid=refi_guid("selection", unit_id),
                         name=_escape_attribute(_text(unit_id)), startPosition=str(int(start)),
                         endPosition=str(int(end)), creatingUser=machine,
                         creationDateTime=stamp)
        codings: list[tuple[str, str, str]] = []  # (coding key, code guid, user guid)
        for row in rows:
            book, code = row[4], row[5]
            if isinstance(book, str) and isinstance(code, str) and (book, code) in guids:
                codings.append((f"{book}:{code}", guids[(book, code)], machine))
        section = sections.get((str(doc_id), str(section_no)))
        if section is not None and kind in ("row", "item"):
            codings.append((f"{SECTION_CODEBOOK}:{section_no}", section, machine))
        for coder, book, code in human.get(str(unit_id), ()):
            if (book, code) in guids:
                codings.append((f"{coder}:{book}:{code}", guids[(book, code)], coder_guid[coder]))
        for key, code_guid, user in codings:
            coding = _sub_plain(sel, "Coding", guid=refi_guid("coding", unit_id, key),
                                creatingUser=user, creationDateTime=stamp)
            _sub_plain(coding, "CodeRef", targetGUID=code_guid)


def _sheet_codes(sheets: pd.DataFrame | None) -> dict[str, list[tuple[str, str, str]]]:
    """unit_id → (coder, codebook, code) from read_coding_sheets' frame ("none" left out)."""
    if sheets is None or not len(sheets):
        return {}
    from ..checking import unit_key
    from ..coding import UNIT_KEY, unit_id_of

    out: dict[str, list[tuple[str, str, str]]] = {}
    for rec in sheets.to_dict("records"):
        if rec["code"] == "none":
            continue
        if "doc_id" in rec and "field" in rec:
            # a sheet's frame turns whole numbers into floats beside blank cells (1.0)
            unit = unit_id_of(*unit_key(rec.get(k) for k in UNIT_KEY))
        else:
            unit = str(rec.get("unit_id"))
        out.setdefault(unit, []).append((str(rec["coder"]), str(rec["codebook"]), str(rec["code"])))
    return out


def write_qdpx(
    analysis: Any,
    path: str | os.PathLike[str],
    *,
    texts: Mapping[str, str] | None = None,
    blocks: Mapping[str, Sequence[Any]] | None = None,
    sheets: pd.DataFrame | None = None,
    lang: str = "zh",
    name: str | None = None,
) -> Path:
    """Write an analysis as a REFI-QDA project (.qdpx), atomically and byte-identically.

    Parameters
    ----------
    analysis
        :func:`cqanalysis.analyse`'s result.
    path
        The ``.qdpx`` file to write.
    texts, blocks
        doc_id → plain text, or doc_id → blocks; default read again from the sources
        (:func:`cqanalysis.offsets.source_blocks`).  Documents parsed from a string need
        ``blocks={doc_id: cqanalysis.sources.text.text_blocks(text)}``.
    sheets
        Filled coding sheets (:func:`cqanalysis.read_coding_sheets`); each coder becomes a
        User and their codes Codings of that user.
    lang
        Code names in ``"zh"`` or ``"en"``.
    name
        Project name (default the first document's id).

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    Sources are TextSources whose plain text (:func:`cqanalysis.offsets.document_text`) is
    stored as ``Sources/<guid>.txt``.  Every clause and item is a PlainTextSelection named by
    its ``unit_id``, with start/end from :func:`cqanalysis.offsets.unit_offsets`, coded with
    its dictionary codes (user ``cqanalysis``); every table row is a selection coded with its
    section (codebook 章节); codes are nested by parent under one root per codebook; manifest
    variables (year, region …) are Variables with a value on each source.
    """
    from ..offsets import locations
    from ..qda import analysis_locations
    from ..sources.text import text_blocks

    if blocks is None and texts is not None:
        blocks = {d: text_blocks(t) for d, t in texts.items()}
    found = (analysis_locations(analysis) if blocks is None
             else locations(analysis.coded, analysis.corpus, blocks))
    plain = found.texts
    located = qda_selections(analysis, found)
    root, source_guids = _project(analysis, located, sheets, lang,
                                  name or next(iter(plain), "cqanalysis"))
    entries = {"project.qde": _xml_bytes(root)}
    for doc_id, guid in source_guids.items():
        entries[f"Sources/{guid}.txt"] = plain.get(doc_id, "").encode("utf-8")
    _write_zip(path, entries)
    return Path(path)


def qda_selections(analysis: Any, found: Locations) -> pd.DataFrame:
    """The coded units and table rows of ``analysis`` with their offsets, one frame.

    ``kind`` is ``clause``, ``item`` or ``row``; rows have unit_id ``doc:table:row`` and no
    codebook.  ``start``, ``end`` and ``offset_match`` come from ``found``
    (:func:`cqanalysis.offsets.locations`); units of documents not located are left out.
    """
    from ..offsets import row_locations, unit_locations

    coded = analysis.coded
    coded = coded[coded["doc_id"].astype(str).isin(list(found.texts))]
    coded = coded.drop(columns=["line_end"], errors="ignore").assign(
        kind=["item" if f == "item" else "clause" for f in coded["field"]])
    frames = [pd.concat([coded, unit_locations(coded, found)], axis=1)]
    rows = analysis.corpus.rows
    rows = rows[rows["doc_id"].astype(str).isin(list(found.texts))]
    if len(rows):
        frames.append(pd.DataFrame({
            "doc_id": rows["doc_id"], "table_id": rows["table_id"], "row_no": rows["row_no"],
            "section_no": rows["section_no"], "kind": "row",
            "unit_id": [f"{d}:{t}:{n}" for d, t, n in
                        rows[["doc_id", "table_id", "row_no"]].itertuples(index=False)],
        }).join(row_locations(rows, found)))
    return pd.concat(frames, ignore_index=True)


def _write_zip(path: str | os.PathLike[str], entries: Mapping[str, bytes]) -> None:
    when = build_timestamp()
    date_time = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w") as zf:
        for name in sorted(entries, key=lambda n: (n != "project.qde", n)):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, entries[name], compresslevel=6)

