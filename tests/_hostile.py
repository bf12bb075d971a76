"""Builders of small hostile and damaged sources (issue #15): bombs are made here, not stored."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml"
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _rels(*targets: tuple[str, str]) -> str:
    body = "".join(f'<Relationship Id="rId{i}" Type="{_REL_TYPE}/{kind}" Target="{target}"/>'
                   for i, (kind, target) in enumerate(targets, start=1))
    return f'<Relationships xmlns="{_REL_NS}">{body}</Relationships>'


def docx(path: Path, body: str, *, numbering: str | None = None) -> Path:
    """A minimal .docx whose ``w:body`` holds ``body`` (and ``w:numbering`` holds ``numbering``)."""
    overrides = f'<Override PartName="/word/document.xml" ContentType="{_WML}.document.main+xml"/>'
    if numbering is not None:
        overrides += (f'<Override PartName="/word/numbering.xml" '
                      f'ContentType="{_WML}.numbering+xml"/>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml",
                    f'<Types xmlns="{_CT_NS}"><Default Extension="rels" ContentType='
                    f'"application/vnd.openxmlformats-package.relationships+xml"/>'
                    f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>')
        zf.writestr("_rels/.rels", _rels(("officeDocument", "word/document.xml")))
        zf.writestr("word/_rels/document.xml.rels",
                    _rels(("numbering", "numbering.xml")) if numbering is not None else _rels())
        zf.writestr("word/document.xml",
                    f'<w:document xmlns:w="{_W_NS}"><w:body>{body}</w:body></w:document>')
        if numbering is not None:
            zf.writestr("word/numbering.xml",
                        f'<w:numbering xmlns:w="{_W_NS}">{numbering}</w:numbering>')
    return path


def para(text: str, *, num_id: str | None = None, ilvl: str = "0") -> str:
    numpr = (f'<w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'
             f"</w:pPr>" if num_id else "")
    return f"<w:p>{numpr}<w:r><w:t>{text}</w:t></w:r></w:p>"


def numbering(fmt: str, start: str, *, ilvl: str = "0") -> str:
    return (f'<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="{ilvl}">'
            f'<w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="%1."/>'
            f'</w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>')


def table(rows: list[list[tuple[str, str | None]]]) -> str:
    """A Word table: each cell ``(text, gridSpan)``."""
    out = []
    for row in rows:
        cells = "".join(
            "<w:tc>" + (f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span else "")
            + para(text) + "</w:tc>" for text, span in row)
        out.append(f"<w:tr>{cells}</w:tr>")
    return "<w:tbl>" + "".join(out) + "</w:tbl>"


def docx_bomb(path: Path, unpacked: int) -> Path:
    """A .docx whose document.xml inflates to ``unpacked`` bytes (whitespace in the body)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", f'<Types xmlns="{_CT_NS}"/>')
        with zf.open("word/document.xml", "w") as fh:
            fh.write(f'<w:document xmlns:w="{_W_NS}"><w:body>'.encode())
            chunk = b" " * (1 << 20)
            for _ in range(unpacked >> 20):
                fh.write(chunk)
            fh.write(b"</w:body></w:document>")
    return path


def xlsx(path: Path, sheet_data: str, *, merges: tuple[str, ...] = ()) -> Path:
    """A minimal one-sheet .xlsx with ``sheet_data`` rows and merged ranges ``merges``."""
    merge = ("<mergeCells>" + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
             + "</mergeCells>") if merges else ""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml",
                    f'<Types xmlns="{_CT_NS}"><Default Extension="rels" ContentType='
                    f'"application/vnd.openxmlformats-package.relationships+xml"/>'
                    f'<Default Extension="xml" ContentType="application/xml"/>'
                    f'<Override PartName="/xl/workbook.xml" ContentType="{_SML}.sheet.main+xml"/>'
                    f'<Override PartName="/xl/worksheets/sheet1.xml" '
                    f'ContentType="{_SML}.worksheet+xml"/></Types>')
        zf.writestr("_rels/.rels", _rels(("officeDocument", "xl/workbook.xml")))
        zf.writestr("xl/workbook.xml",
                    f'<workbook xmlns="{ns}" xmlns:r="{rel}"><sheets>'
                    f'<sheet name="建议" sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", _rels(("worksheet", "worksheets/sheet1.xml")))
        zf.writestr("xl/worksheets/sheet1.xml",
                    f'<worksheet xmlns="{ns}"><sheetData>{sheet_data}</sheetData>{merge}'
                    f"</worksheet>")
    return path


def inline_row(r: int, *cells: tuple[str, str]) -> str:
    """A sheet row of inline-string cells ``(ref, text)``."""
    body = "".join(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>' for ref, text in cells)
    return f'<row r="{r}">{body}</row>'


def pdf(path: Path, contents: list[bytes], *, compress: bool = True) -> Path:
    """A PDF with one page per content stream (Helvetica text), xref offsets correct."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    font = 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for content in contents:
        page_no = len(objects) + 1
        kids.append(f"{page_no} 0 R".encode())
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                       f"/Resources << /Font << /F1 {font} 0 R >> >> "
                       f"/Contents {page_no + 1} 0 R >>".encode())
        data = zlib.compress(content, 1) if compress else content
        flt = b" /Filter /FlateDecode" if compress else b""
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(data), flt) + data
                       + b"\nendstream")
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(kids)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def text_page(*lines: str) -> bytes:
    """A content stream drawing ASCII ``lines`` top-down in 12 pt Helvetica."""
    ops = [b"BT /F1 12 Tf 14 TL 72 770 Td"]
    ops += [b"(" + line.encode("ascii") + b") Tj T*" for line in lines]
    return b"\n".join([*ops, b"ET"])
