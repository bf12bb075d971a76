"""Read REFI-QDA files: a codebook (.qdc) for coding sheets, a project's codings (.qdpx).

The counterpart of :mod:`cqanalysis.writers.refi`.  A .qdpx written by NVivo, ATLAS.ti,
MAXQDA, QualCoder or cqanalysis gives a ``coded``-like frame with character offsets, so
codings made by hand in a QDA tool can be compared with cqanalysis's own (or fed to
:func:`cqanalysis.agreement_report` with ``coder`` as the coder column).
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pandas as pd

from .codebook import KNOWN_FIELDS, Code, Codebook
from .core.errors import InputError

__all__ = ["XSD_ENV", "read_qdc", "read_qdpx", "validate_refi"]

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
#: Environment variable naming a folder with the REFI-QDA schemas (Codebook.xsd, Project.xsd);
#: when set, every file read is validated against them (needs the ``xmlschema`` package).
XSD_ENV = "CQANALYSIS_REFI_XSD"
_MARKER = re.compile(
    r"\[cqanalysis (?P<kind>codebook|id)=(?P<key>\S+)(?: fields=(?P<fields>\S+))? "
    r"(?P<lang>zh|en)=(?P<label>.*)\]\s*$"
)
_COLUMNS = ("doc_id", "table_id", "row_no", "field", "clause_no", "section_no", "item_no",
            "unit_id", "codebook", "code", "label_zh", "label_en", "coder", "start", "end",
            "text")  # fmt: skip


def validate_refi(path: str | os.PathLike[str], xml: bytes, kind: str) -> None:
    """Validate ``xml`` against ``Codebook.xsd`` or ``Project.xsd`` when :data:`XSD_ENV` is set.

    Raises
    ------
    InputError
        The file fails the schema; the message gives the schema's reason and element path.
    """
    folder = os.environ.get(XSD_ENV, "").strip()
    if not folder:
        return
    import xmlschema

    schema = xmlschema.XMLSchema(str(Path(folder) / f"{kind}.xsd"))
    error = next(iter(schema.iter_errors(xml.decode("utf-8", "replace"))), None)
    if error is not None:
        where = f" at {error.path}" if error.path else ""
        raise InputError(path, f"fails {kind}.xsd{where}: {error.reason}")


def _parse(path: str | os.PathLike[str], xml: bytes, ns: str, root_tag: str) -> ET.Element:
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise InputError(path, f"not well-formed XML: {exc}") from None
    if root.tag != f"{{{ns}}}{root_tag}":
        raise InputError(path, f"root element is {root.tag!r}, not {root_tag} in {ns}")
    return root


def _need(path: object, el: ET.Element, attr: str) -> str:
    value = el.get(attr)
    if value is None:
        tag = el.tag.rpartition("}")[2]
        raise InputError(path, f"a {tag} element lacks its required {attr!r} attribute")
    return value


def _description(el: ET.Element, ns: str) -> str:
    desc = el.find(f"{{{ns}}}Description")
    return (desc.text or "") if desc is not None else ""


def _code_nodes(path: object, codes: ET.Element, ns: str) -> list[dict[str, Any]]:
    """Every Code, depth first: guid, name, description, marker, parent guid, root guid."""
    out: list[dict[str, Any]] = []

    def walk(el: ET.Element, parent: dict[str, Any] | None) -> None:
        desc = _description(el, ns)
        lines = desc.rstrip().split("\n")
        mark = _MARKER.match(lines[-1]) if lines else None
        node = {"guid": _need(path, el, "guid"), "name": _need(path, el, "name"),
                "description": "\n".join(lines[:-1]) if mark else desc.strip(),
                "marker": mark, "parent": parent, "root": parent["root"] if parent else None,
                "codable": el.get("isCodable", "true") != "false"}
        node["root"] = node["root"] or node
        out.append(node)
        for child in el.findall(f"{{{ns}}}Code"):
            walk(child, node)

    for el in codes.findall(f"{{{ns}}}Code"):
        walk(el, None)
    return out


def _ours(nodes: list[dict[str, Any]]) -> bool:
    """Written by cqanalysis: every root a codebook and every other code an id marker."""
    return bool(nodes) and all(
        n["marker"] is not None
        and n["marker"]["kind"] == ("codebook" if n["parent"] is None else "id")
        for n in nodes)


def _labels(node: dict[str, Any]) -> tuple[str, str]:
    """(zh, en): the name is in one language, the marker carries the other."""
    mark = node["marker"]
    if mark is None:
        return node["name"], node["name"]
    return (node["name"], mark["label"]) if mark["lang"] == "en" else (mark["label"],
                                                                      node["name"])


def _code_table(nodes: list[dict[str, Any]], default: str) -> dict[str, dict[str, Any]]:
    """guid → codebook, code id, parent id, labels, description of every code."""
    ours = _ours(nodes)
    table: dict[str, dict[str, Any]] = {}
    used: dict[str, set[str]] = {}
    for n in nodes:
        if ours and n["parent"] is None:
            continue
        if ours:
            book, code_id = n["root"]["marker"]["key"], n["marker"]["key"]
            parent = n["parent"]
            parent_id = None if parent["parent"] is None else parent["marker"]["key"]
        else:
            book, parent = default, n["parent"]
            code_id = _unique_id(n["name"], used.setdefault(book, set()))
            parent_id = table[parent["guid"]]["code"] if parent else None
        zh, en = _labels(n)
        table[n["guid"]] = {"codebook": book, "code": code_id, "parent": parent_id,
                            "label_zh": zh, "label_en": en, "description": n["description"],
                            "root": n["root"]}
    return table


def _unique_id(name: str, used: set[str]) -> str:
    base = re.sub(r"\s+", "_", name.strip()) or "code"
    code_id, k = base, 2
    while code_id in used:
        code_id, k = f"{base}~{k}", k + 1
    used.add(code_id)
    return code_id


def read_qdc(path: str | os.PathLike[str]) -> tuple[Codebook, ...]:
    """Read a REFI-QDA codebook (.qdc) as codebooks for manual coding sheets.

    Parameters
    ----------
    path
        A ``.qdc`` file, from cqanalysis (:func:`~cqanalysis.writers.refi.write_qdc`) or any
        QDA tool.

    Returns
    -------
    tuple of Codebook
        For a file cqanalysis wrote: its codebooks, with their names, ids, both labels,
        descriptions, parents and fields.  For another tool's file: one codebook named after
        the file, whose ids are the code names (spaces as ``_``, repeats numbered ``~2``),
        labels the names in both languages, fields all unit fields.  The codes carry no
        keywords: use them with :func:`cqanalysis.write_coding_sheet` and
        :func:`cqanalysis.read_coding_sheets`, not for dictionary coding.

    Raises
    ------
    InputError
        Not readable, not well-formed XML, not a REFI-QDA codebook, a Code without guid or
        name, no codes, or (with :data:`XSD_ENV` set) a file that fails ``Codebook.xsd``.
    """
    path = Path(path)
    try:
        xml = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    root = _parse(path, xml, CODEBOOK_NS, "CodeBook")
    validate_refi(path, xml, "Codebook")
    codes = root.find(f"{{{CODEBOOK_NS}}}Codes")
    nodes = _code_nodes(path, codes, CODEBOOK_NS) if codes is not None else []
    if not nodes:
        raise InputError(path, "the codebook has no codes")
    return _codebooks(nodes, path.stem, str(path))


def _codebooks(nodes: list[dict[str, Any]], default: str, where: str) -> tuple[Codebook, ...]:
    table = _code_table(nodes, default)
    books: dict[str, list[dict[str, Any]]] = {}
    for entry in table.values():
        books.setdefault(entry["codebook"], []).append(entry)
    out = []
    for name, entries in books.items():
        root = entries[0]["root"]
        mark = root["marker"] if root["marker"] and root["marker"]["kind"] == "codebook" else None
        fields = tuple(mark["fields"].split(",")) if mark and mark["fields"] else KNOWN_FIELDS
        zh, en = _labels(root) if mark else (name, name)
        depth: dict[str, int] = {}
        codes = []
        for e in entries:
            depth[e["code"]] = 1 if e["parent"] is None else depth[e["parent"]] + 1
            codes.append(Code(id=e["code"], zh=e["label_zh"], en=e["label_en"],
                              description=e["description"], parent=e["parent"],
                              depth=depth[e["code"]], fields=fields, keywords=(), regex=(),
                              exclude=()))
        out.append(Codebook(name=name, zh=zh, en=en, fields=fields, codes=tuple(codes),
                            path=where))
    return tuple(out)


def _archive(path: Path) -> tuple[zipfile.ZipFile, str]:
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (zipfile.BadZipFile, OSError):
        raise InputError(path, "not a zip archive (a .qdpx is a zip holding project.qde)") from None
    names = [n for n in archive.namelist() if n.lower().endswith(".qde") and "/" not in n]
    if not names:
        archive.close()
        raise InputError(path, "no project.qde in the archive")
    return archive, names[0]


def _source_text(archive: zipfile.ZipFile, source: ET.Element) -> str:
    content = source.find(f"{{{PROJECT_NS}}}PlainTextContent")
    if content is not None:
        return content.text or ""
    ref = source.get("plainTextPath") or ""
    if not ref.startswith("internal://"):
        return ""
    wanted = ref[len("internal://"):].lstrip("/").lower()
    for name in archive.namelist():  # NVivo writes Sources/, MAXQDA sources/
        if name.lower() == f"sources/{wanted}":
            return archive.read(name).decode("utf-8-sig", "replace")
    return ""


def read_qdpx(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read the text codings of a REFI-QDA project (.qdpx) as a tidy frame.

    Parameters
    ----------
    path
        A ``.qdpx`` file from NVivo, ATLAS.ti, MAXQDA, QualCoder or cqanalysis.

    Returns
    -------
    pandas.DataFrame
        One row per coding of a text selection: doc_id (the source's name), table_id,
        row_no, field, clause_no, section_no, item_no and unit_id (filled when the selection
        is named by a cqanalysis unit id, as :func:`~cqanalysis.writers.refi.write_qdpx`
        names them), codebook, code, label_zh, label_en, coder (the User who made the
        coding, else the selection's), start, end (character offsets into the source's plain
        text) and text (the selected text).  A code of a cqanalysis export keeps its
        codebook and id (rows and items are also coded with their section, codebook
        ``section``); another tool's code gets codebook = its top-level code's name and id =
        its name.  Codings of a whole source have start 0 and end its length.  Sources other
        than text (PDF, pictures, audio) are skipped.

    Raises
    ------
    InputError
        Not a zip, no project.qde, not well-formed XML, not a REFI-QDA project, a selection
        without positions, a coding that refers to an unknown code, or (with :data:`XSD_ENV`
        set) a project that fails ``Project.xsd``.
    """
    path = Path(path)
    archive, qde = _archive(path)
    with archive:
        xml = archive.read(qde)
        root = _parse(path, xml, PROJECT_NS, "Project")
        validate_refi(path, xml, "Project")
        ns = PROJECT_NS
        users = {u.get("guid"): u.get("name") or "" for u in root.iter(f"{{{ns}}}User")}
        codes_el = root.find(f"{{{ns}}}CodeBook/{{{ns}}}Codes")
        nodes = _code_nodes(path, codes_el, ns) if codes_el is not None else []
        codes = _foreign_books(nodes) if not _ours(nodes) else _code_table(nodes, "")
        records: list[dict[str, Any]] = []
        for source in root.iter(f"{{{ns}}}TextSource"):
            records += _source_codings(path, archive, source, codes, users)
    frame = pd.DataFrame.from_records(records, columns=list(_COLUMNS))
    for col in ("row_no", "clause_no", "item_no", "start", "end"):
        frame[col] = frame[col].astype("Int64")
    return frame


def _foreign_books(nodes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Codes of another tool: codebook = top-level code's name (itself for a lone code)."""
    table: dict[str, dict[str, Any]] = {}
    for root in (n for n in nodes if n["parent"] is None):
        members = [n for n in nodes if n["root"] is root]
        table.update(_code_table(members, root["name"]))
    return table


def _unit_keys(doc_id: str, name: str) -> dict[str, Any]:
    """Key columns from a selection named by a cqanalysis unit id, else only nothing."""
    if not name.startswith(doc_id + ":"):
        return {}
    parts = name[len(doc_id) + 1:].split(":")
    if len(parts) == 4 and parts[2] != "item" and parts[1].isdigit() and parts[3].isdigit():
        return {"table_id": parts[0], "row_no": int(parts[1]), "field": parts[2],
                "clause_no": int(parts[3]), "unit_id": name}
    if len(parts) == 3 and parts[1] == "item" and parts[2].isdigit():
        return {"section_no": parts[0], "item_no": int(parts[2]), "field": "item",
                "unit_id": name}
    if len(parts) == 2 and parts[1].isdigit():
        return {"table_id": parts[0], "row_no": int(parts[1]), "unit_id": name}
    return {}


def _source_codings(path: Path, archive: zipfile.ZipFile, source: ET.Element,
                    codes: dict[str, dict[str, Any]], users: dict[str | None, str]
                    ) -> list[dict[str, Any]]:
    ns = PROJECT_NS
    doc_id = source.get("name") or _need(path, source, "guid")
    text = _source_text(archive, source)
    out = []
    whole = [(source, 0, len(text), "")]
    selections = [(sel, _position(path, sel, "startPosition"), _position(path, sel, "endPosition"),
                   sel.get("name") or "") for sel in source.findall(f"{{{ns}}}PlainTextSelection")]
    for el, start, end, name in whole + selections:
        for coding in el.findall(f"{{{ns}}}Coding"):
            ref = coding.find(f"{{{ns}}}CodeRef")
            target = ref.get("targetGUID") if ref is not None else None
            if target not in codes:
                raise InputError(path, f"a coding in source {doc_id!r} refers to unknown code "
                                       f"{target!r}")
            code = codes[target]
            coder = users.get(coding.get("creatingUser") or el.get("creatingUser"), "")
            out.append({"doc_id": doc_id, **_unit_keys(doc_id, name),
                        "codebook": code["codebook"], "code": code["code"],
                        "label_zh": code["label_zh"], "label_en": code["label_en"],
                        "coder": coder, "start": start, "end": end, "text": text[start:end]})
    return out


def _position(path: object, el: ET.Element, attr: str) -> int:
    raw = _need(path, el, attr)
    try:
        return int(raw)
    except ValueError:
        raise InputError(path, f"PlainTextSelection {attr}={raw!r} is not an integer") from None
