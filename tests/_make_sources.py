"""Build Word and PDF versions of test documents in code (used by tests and benchmarks).

The seed chapter is laid out the way a thesis would be: numbered headings, table captions
above ruled tables, body paragraphs with a two-character first-line indent, a running header
and a page number on every PDF page.  Nothing here reads the library's own output.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "城市群跨区域行政体制协同_对策建议.txt"
RUNNING_HEADER = "城市群跨区域行政体制协同研究"

_HEADING = re.compile(r"^(?:\d+\.\d+|第[一二三四五六七八九十]+章)")
_CAPTION = re.compile(r"^表\d")


def cjk_font() -> Path:
    """A CJK TrueType font shipped with mplfonts (fpdf2 cannot extract-map the CFF fonts)."""
    import mplfonts

    return Path(mplfonts.__file__).parent / "fonts" / "SimHei.ttf"


def seed_units(path: Path = SEED) -> list[tuple[str, object]]:
    """The seed as layout units: ("heading", level, text) / ("caption", text) / ("table", rows)
    / ("para", text).

    The two web-viewer artifacts of the .txt (a lone "44" line and a "浏览" prefix glued to the
    first item) are not part of the chapter and are left out of the Word and PDF versions.
    """
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if lines and lines[0].isdigit():
        lines = lines[1:]
    lines[0] = lines[0].removeprefix("浏览")
    units: list[tuple[str, object]] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        if _CAPTION.match(ln):
            units.append(("caption", ln))
            rows = []
            i += 1
            while i < len(lines) and len(lines[i].split(" ")) == 3:
                rows.append(tuple(lines[i].split(" ")))
                i += 1
            units.append(("table", rows))
            continue
        if _HEADING.match(ln):
            units.append(("heading", 1 if ln.startswith("第") else 2, ln))
        else:
            units.append(("para", ln))
        i += 1
    return units


# --------------------------------------------------------------------------- Word


def make_seed_docx(path: Path, *, repeat: int = 1) -> Path:
    """The seed chapter as a Word document with heading/caption styles and real tables.

    ``repeat`` > 1 writes the chapter that many times (a longer document for benchmarks).
    """
    import docx

    doc = docx.Document()
    for unit in seed_units() * repeat:
        kind = unit[0]
        if kind == "heading":
            doc.add_heading(unit[2], level=unit[1])
        elif kind == "caption":
            doc.add_paragraph(unit[1], style="Caption")
        elif kind == "table":
            rows = unit[1]
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
        else:
            doc.add_paragraph(unit[1])
    doc.save(str(path))
    return path


def make_merged_docx(path: Path) -> Path:
    """A table with a vertical merge (方向 over two rows), a horizontal merge and an empty row.

    Caption below the table, as some style guides want it.
    """
    import docx

    doc = docx.Document()
    doc.add_heading("5.4推动要素自由流动", level=2)
    table = doc.add_table(rows=5, cols=3)
    table.style = "Table Grid"
    data = [
        ("优化方向", "具体建议", "预期成效"),
        ("要素自由流动", "打破户籍、社保壁垒", "促进人才流动"),
        ("", "统一市场准入", "营造公平环境"),
        ("", "", ""),
        ("交通一体化", "建设城际铁路、高速公路网络", ""),
    ]
    for r, row in enumerate(data):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(1, 0).merge(table.cell(2, 0))  # vertical merge: fills down
    table.cell(4, 1).merge(table.cell(4, 2))  # horizontal merge: one cell
    doc.add_paragraph("表5.4.1要素流动对策建议", style="Caption")
    doc.add_paragraph("正文在表格之后继续。")
    doc.save(str(path))
    return path


_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
# A multilevel list as Chinese theses number their headings: 第五章 / 5.1 / （一）.
_NUMBERING = f"""
<w:abstractNum {_W_NS} w:abstractNumId="90">
  <w:lvl w:ilvl="0"><w:start w:val="5"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="第%1章"/><w:suff w:val="nothing"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:isLgl/>
    <w:lvlText w:val="%1.%2"/><w:suff w:val="space"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="（%3）"/><w:suff w:val="nothing"/></w:lvl>
</w:abstractNum>"""
_NUM = f'<w:num {_W_NS} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'


def make_numbered_docx(path: Path) -> Path:
    """Headings whose numbers come from Word's automatic multilevel numbering."""
    import docx
    from docx.oxml import parse_xml

    doc = docx.Document()
    numbering = doc.part.numbering_part.element
    first_num = numbering.find(f"{{{docx.oxml.ns.nsmap['w']}}}num")
    first_num.addprevious(parse_xml(_NUMBERING))  # abstract definitions precede nums
    numbering.append(parse_xml(_NUM))
    for level, text in [(0, "对策建议"), (1, "政府职能转变"), (2, "强化区域观念"),
                        (2, "推行清单管理"), (1, "区域协调机构建设"), (0, "结论")]:  # fmt: skip
        para = doc.add_heading(text, level=level + 1)
        para._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {_W_NS}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
        )
    doc.save(str(path))
    return path


# --------------------------------------------------------------------------- PDF


def _pdf(*, header: bool = True):
    from fpdf import FPDF

    class _Doc(FPDF):
        def header(self) -> None:
            if header:
                self.set_font("cjk", size=9)
                self.cell(0, 6, RUNNING_HEADER, align="C")
                self.ln(10)

        def footer(self) -> None:
            if header:
                self.set_y(-15)
                self.set_font("cjk", size=9)
                self.cell(0, 6, f"- {self.page_no()} -", align="C")

    pdf = _Doc(format="A4")
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))  # same bytes on every build
    pdf.add_font("cjk", fname=str(cjk_font()))
    pdf.set_margins(25, 20, 25)
    pdf.set_auto_page_break(True, margin=22)
    return pdf


def _table(pdf, rows, *, widths=(30, 70, 60), size: float = 10.5, repeat: bool = False) -> None:
    from fpdf import FontFace

    pdf.set_font("cjk", size=size)
    with pdf.table(
        col_widths=widths,
        repeat_headings=1 if repeat else 0,
        headings_style=FontFace(emphasis=""),
        line_height=6,
    ) as table:
        for row in rows:
            cells = table.row()
            for text in row:
                cells.cell(text)
    pdf.ln(3)


def _para(pdf, text: str, *, size: float = 11) -> None:
    pdf.set_font("cjk", size=size)
    pdf.set_x(pdf.l_margin + 2 * size * 0.3528)  # two-character first-line indent (pt → mm)
    pdf.write(7, text)
    pdf.ln(7)


def make_seed_pdf(path: Path, *, repeat: int = 1) -> Path:
    """The seed chapter as a PDF: ruled tables, wrapped paragraphs, header and page numbers.

    ``repeat`` > 1 writes the chapter that many times (a longer document for benchmarks).
    """
    pdf = _pdf()
    pdf.add_page()
    for unit in seed_units() * repeat:
        kind = unit[0]
        if kind == "heading":
            pdf.set_font("cjk", size=14)
            pdf.ln(2)
            pdf.cell(0, 9, unit[2])
            pdf.ln(9)
        elif kind == "caption":
            pdf.set_font("cjk", size=10.5)
            pdf.cell(0, 8, unit[1], align="C")
            pdf.ln(8)
        elif kind == "table":
            _table(pdf, unit[1])
        else:
            _para(pdf, unit[1])
    pdf.output(str(path))
    return path


def make_split_table_pdf(path: Path, *, repeat_header: bool = False) -> Path:
    """One captioned table that runs over a page break, optionally repeating its header."""
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font("cjk", size=11)
    for _ in range(31):  # fill most of page 1 so the table must break
        _para(pdf, "填充段落,用于把表格推到页面底部。")
    pdf.set_font("cjk", size=10.5)
    pdf.cell(0, 8, "表1跨页表格", align="C")
    pdf.ln(8)
    rows = [("方向", "建议", "成效")] + [
        (f"方向{n}", f"第{n}条具体建议的内容", f"第{n}项预期成效") for n in range(1, 9)
    ]
    _table(pdf, rows, repeat=repeat_header)
    _para(pdf, "表后正文。")
    pdf.output(str(path))
    return path


def make_cross_page_paragraph_pdf(path: Path) -> Path:
    """A long item paragraph that starts near the foot of page 1 and ends on page 2."""
    pdf = _pdf()
    pdf.add_page()
    for _ in range(34):
        _para(pdf, "填充段落。")
    _para(pdf, CROSS_PAGE_ITEM)
    _para(pdf, "下一段落。")
    pdf.output(str(path))
    return path


CROSS_PAGE_ITEM = (
    "建立常态化沟通协商机制:设立由城市群内各市、县政府主要负责人、相关部门负责人参与的定期"
    "会商机制、专题协商会议等,确保各方能够及时沟通、充分协商、形成共识。"
)


TWO_COLUMN_PARAGRAPHS = [
    "打破要素流动的行政壁垒,实现公共服务共建共享,是城市群一体化发展的核心。" * 2,
    "打破户籍、社保、教育、医疗壁垒:逐步消除城市群内部在户籍、社会保障、教育、医疗等公共服务"
    "领域的行政区划限制,实现社保卡一卡通用、异地就医结算、教育资源共享、人才落户便利化等,"
    "促进人口和人才的自由流动。",
    "统一市场准入和监管标准:推动城市群内部统一市场准入负面清单、行业监管标准、行政执法规范等,"
    "消除地方保护,营造公平竞争的市场环境。",
    "建设一体化交通网络:加快建设城市群内部的城际铁路、市域铁路、高速公路、轨道交通等基础设施,"
    "实现交通的无缝衔接和便捷通行,为要素流动提供基础保障。" * 3,
    "推动产业协同与分工:引导城市群内部各城市根据自身资源禀赋和功能定位,发展特色产业,"
    "形成优势互补、分工协作的产业体系,避免产业同构和恶性竞争。" * 2,
]


def make_two_column_pdf(path: Path) -> Path:
    """A journal-style page: a full-width heading, then text set in two columns."""
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font("cjk", size=14)
    pdf.cell(0, 9, "5.4推动要素自由流动与公共服务共建共享")
    pdf.ln(12)
    pdf.set_font("cjk", size=10.5)
    with pdf.text_columns(ncols=2, gutter=8, balance=True, line_height=1.5) as cols:
        for text in TWO_COLUMN_PARAGRAPHS:
            with cols.paragraph(text_align="L", first_line_indent=2 * 10.5 * 0.3528) as para:
                para.write(text)
    pdf.output(str(path))
    return path


def make_fixed_width_pdf(path: Path) -> Path:
    """A plain-text export: an unruled table with fixed-width columns and wrapped cells."""
    pdf = _pdf(header=False)
    pdf.add_page()
    pdf.set_font("cjk", size=11)
    x = (25, 60, 125)  # column starts, mm
    lines = [
        ("表2.1示例对策建议",),
        ("优化方向", "具体建议", "预期成效"),
        ("区域观念强化", "树立“一盘棋”思想,摒弃", "促进大局意识"),
        ("", "“行政区经济”", ""),
        ("清单管理", "推行权力、责任、负面清单", "规范政府行为,增强"),
        ("", "", "透明度"),
        ("结束语在表格之后。",),
    ]
    y = 30.0
    for cells in lines:
        for k, text in enumerate(cells):
            if text:
                pdf.text(x[k], y, text)
        y += 6
    pdf.output(str(path))
    return path


def make_image_pdf(path: Path) -> Path:
    """A PDF page that holds only an image (a scan): no text layer."""
    from PIL import Image

    png = path.with_suffix(".png")
    Image.new("RGB", (60, 40), "white").save(png)
    pdf = _pdf(header=False)
    pdf.add_page()
    pdf.image(str(png), x=20, y=20, w=60)
    pdf.output(str(path))
    png.unlink()
    return path


def make_encrypted_pdf(path: Path) -> Path:
    """A PDF that needs a user password to open."""
    pdf = _pdf(header=False)
    pdf.set_encryption(owner_password="owner", user_password="user")
    pdf.add_page()
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 10, "加密文本")
    pdf.output(str(path))
    return path
