"""The Excel appendix: cover, printable source tables, tidy frames, crosstabs, codebooks.

:func:`write_appendix` writes these sheets, in order:

1. **封面 (cover)**: title, cqanalysis version, the sources with SHA-256, the codebooks
   with their hash, the number of parse warnings, and contents with a link to every sheet.
2. **附表A1, A2 …**: each source table of ``tables`` reproduced from ``rows`` under its
   caption and original header (see :func:`cqanalysis.writers._content.source_tables`;
   an index column such as 序号 is refilled from ``row_no``), ready to print: wrapped
   text, widths from East-Asian character widths, frozen header, header row repeated on
   every printed page, A4, fitted to the page width, landscape when wide. With several
   documents the sheet name includes the ``doc_id``.
3. One sheet per entry of ``frames`` (e.g. rows, items, clauses, coded, links) as an Excel
   table with filters, header in row 1, so ``pd.read_excel(path, sheet_name=name)`` reads
   the frame back. A frame longer than Excel's 1,048,575 data rows continues on numbered
   sheets ``name (1)``, ``name (2)`` …; nothing is truncated.
4. One sheet per crosstab: counts with margins, percentages as numbers with a percent
   format, and the test statistics of ``crosstab_stats[name]`` when given.
5. Agreement results, each codebook, the parse warnings, and each figure (PNG).

:func:`read_appendix` reads the tidy frames back.
"""

from __future__ import annotations

import hashlib
import math
import os
import warnings as _warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from ..core.errors import InputError
from ..core.io import build_timestamp, file_sha256
from ._content import (
    CrosstabLayout,
    SourceTable,
    crosstab_caption,
    crosstab_layout,
    label,
    source_tables,
)
from ._sheetdata import append_rows, close_with_rows
from ._text import display_width, sheet_title, table_name
from ._xlsx import (
    EXCEL_MAX_CHARS,
    column_values,
    number_cell,
    save_workbook,
    text_cell,
    unescape_text,
)

__all__ = ["read_appendix", "write_appendix"]

#: Data rows per sheet: Excel's 1,048,576 rows less the header row. Larger frames continue on
#: numbered sheets.
MAX_DATA_ROWS = 1_048_575
_MAX_COLS = 16_384
#: The hidden sheet that records each frame's sheets, columns and dtypes.
LAYOUT_SHEET = "_frames"
_LAYOUT_COLUMNS = ("frame", "sheet", "column", "dtype")
_MAX_CELL_CHARS = EXCEL_MAX_CHARS
_WIDTH_SAMPLE = 200
# Width in Excel's character units that fits A4 portrait at 100% with default margins.
_A4_PORTRAIT_WIDTH = 95
_A4_PAPER = "9"  # the paperSize code of A4 in SpreadsheetML

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=16)
_LINK = Font(color="0563C1", underline="single")
_WRAP = Alignment(wrap_text=True, vertical="top")
_HEAD = Alignment(wrap_text=True, vertical="center", horizontal="center")
_THIN = Side(style="thin")
_HEAD_BORDER = Border(top=Side(style="medium"), bottom=_THIN)

_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "对策建议分析附录", "cover": "封面", "software": "软件",
        "warnings": "解析警告", "sources": "来源文件", "doc": "文档", "file": "文件",
        "codebooks": "编码表", "name": "名称", "entries": "条目数", "toc": "目录",
        "units": "适用单位", "coded": "已编码", "coverage": "覆盖率", "checked": "人工核对",
        "no": "序号", "sheet": "工作表", "content": "内容", "rows": "行数", "notes": "说明",
        "appendix": "附表A{}", "agreement": "编码一致性", "codebook": "编码表 {}",
        "figure": "图 {}", "part": "（第{}部分，共{}部分）", "warning": "警告",
        "stats": "检验统计量", "crosstab": "交叉表 {}",
        "too_many": "共{}张原表，超过 max_table_sheets={}，未逐表成页；其内容见 rows 工作表。",
        "long_cells": "工作表 {} 有{}个单元格超过 Excel 单元格上限32,767字符；"
                      "此处只保留前32,767字符，完整文本见 CSV。",
        "split": "{}共{:,}行，超过 Excel 单个工作表的行数上限，分{}个工作表续排（未截断）；"
                 "分析请用 CSV 或 Parquet（cqanalysis parse --parquet）。",
    },
    "en": {
        "title": "Appendix: policy recommendations", "cover": "Cover", "software": "Software",
        "warnings": "Parse warnings", "sources": "Sources", "doc": "Document", "file": "File",
        "codebooks": "Codebooks", "name": "Name", "entries": "Entries", "toc": "Contents",
        "units": "Units", "coded": "Coded", "coverage": "Coverage", "checked": "Checked by hand",
        "no": "No.", "sheet": "Sheet", "content": "Content", "rows": "Rows", "notes": "Notes",
        "appendix": "Table A{}", "agreement": "Agreement", "codebook": "Codebook {}",
        "figure": "Figure {}", "part": " (part {} of {})", "warning": "Warning",
        # the crosstab's own name (domain_x_instrument_detail) says what it is; a prefix would
        # push it past Excel's 31 characters
        "stats": "Test statistics", "crosstab": "{}",
        "too_many": "{} source tables exceed max_table_sheets={}; they are not given one sheet "
                    "each; their cells are in the rows sheet.",
        "long_cells": "Sheet {} has {} cells longer than Excel's 32,767-character cell limit; "
                      "they hold their first 32,767 characters here; the CSV has the full text.",
        "split": "{} has {:,} rows, more than one Excel sheet holds: it continues on {} sheets "
                 "(nothing is cut); for analysis use the CSV or Parquet "
                 "(cqanalysis parse --parquet).",
    },
}  # fmt: skip

_FRAME_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "zh": {
        "sections": "章节（含推断章节）", "tables": "对策建议表目录",
        "rows": "表格行：每行一条对策建议",
        "items": "叙述性对策建议条目", "paragraphs": "其他段落", "residue": "未归入上述各表的行",
        "clauses": "分句", "coded": "编码结果（单位×编码）", "links": "表格行与叙述条目的对应",
        "errors": "无法读取的文档", "documents": "文档清单",
    },
    "en": {
        "sections": "Sections (incl. inferred ones)", "tables": "Recommendation tables",
        "rows": "Table rows: one recommendation each", "items": "Narrative recommendations",
        "paragraphs": "Other paragraphs", "residue": "Lines not used elsewhere",
        "clauses": "Clauses", "coded": "Coded units (unit × code)",
        "links": "Table rows linked to narrative items", "errors": "Documents not read",
        "documents": "Documents",
    },
}  # fmt: skip


@dataclass
class _Sheet:
    """One planned sheet: its title, what the contents list says, and how to write it."""

    title: str
    content: str
    n_rows: int | None
    write: Callable[[Any], None]


def _word(key: str, lang: str) -> str:
    label("table", lang)  # validates lang
    return _WORDS[lang][key]


def _source_records(sources: Sequence[Any] | pd.DataFrame) -> list[tuple[str, str, str]]:
    """(doc_id, file name, sha256) per source; the file name only, so no machine path leaks."""
    items = sources.to_dict("records") if isinstance(sources, pd.DataFrame) else list(sources)
    out = []
    for src in items:
        if isinstance(src, Mapping):
            raw = src.get("path")
            path = Path(str(raw)) if raw is not None and not pd.isna(raw) else None
            sha = src.get("sha256")
            if not isinstance(sha, str) or not sha:
                if path is None:
                    raise ValueError(f"source {src!r} has neither sha256 nor path")
                sha = file_sha256(path)
            doc = src.get("doc_id")
            out.append(("" if doc is None else str(doc), path.name if path else "", sha))
        else:
            path = Path(src)
            out.append(("", path.name, file_sha256(path)))
    return out


def _codebook_hash(frame: pd.DataFrame) -> str:
    """The codebook file's hash when the loader recorded it, else a hash of the table's CSV."""
    sha = frame.attrs.get("sha256")
    if isinstance(sha, str) and sha:
        return sha
    text = frame.to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _widths(columns: Sequence[str], sample: Sequence[Sequence[Any]], cap: int) -> list[int]:
    out = []
    for j, name in enumerate(columns):
        widest = display_width(name)
        for row in sample:
            v = row[j]
            if v is not None and not (isinstance(v, float) and math.isnan(v)):
                widest = max(widest, display_width(str(v)))
        out.append(min(max(widest, 4), cap) + 2)
    return out


def _set_widths(ws: Any, widths: Sequence[int]) -> None:
    for j, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(j)].width = width


def _tableable(columns: Sequence[Any]) -> bool:
    """Excel tables need unique, non-empty, single-line text headers."""
    if not all(isinstance(c, str) and c.strip() and c.isprintable() for c in columns):
        return False
    return len({c.casefold() for c in columns}) == len(columns)


def _long_cells(df: pd.DataFrame) -> int:
    count = 0
    for j in range(df.shape[1]):
        col = df.iloc[:, j]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            count += sum(1 for v in col.tolist() if isinstance(v, str) and len(v) > _MAX_CELL_CHARS)
    return count


class _Writer:
    """Writes one appendix workbook (openpyxl write-only mode: rows stream straight to disk)."""

    def __init__(self, lang: str, percent: str | None) -> None:
        self.lang = lang
        self.percent = percent
        self.wb = Workbook(write_only=True)
        self.sheet_names: set[str] = set()
        self.table_names: set[str] = set()
        self.notes: list[str] = []
        # (frame key, sheet, column label, dtype) of every tidy sheet, for read_appendix.
        self.layout: list[tuple[str, str, str, str]] = []
        # Reserved first, so that no frame can take the name read_appendix looks for.
        self.layout_title = self.title(LAYOUT_SHEET)
        self.cover_title = self.title(_word("cover", lang))
        # Title of the parse warnings' first sheet, which the cover links to.
        self.warnings_sheet: str | None = None

    def title(self, name: str) -> str:
        return sheet_title(name, self.sheet_names)

    # ---------------------------------------------------------------- tidy frames

    def frame_sheets(
        self,
        name: str,
        df: pd.DataFrame,
        content: str,
        *,
        key: str,
        float_format: str | None = None,
    ) -> list[_Sheet]:
        """Sheets for one frame: header row + data, as an Excel table, split at the row limit."""
        if df.shape[1] > _MAX_COLS:
            raise ValueError(f"frame {name!r} has {df.shape[1]} columns; Excel holds {_MAX_COLS}")
        limit = MAX_DATA_ROWS
        starts = list(range(0, len(df), limit)) or [0]
        sheets = []
        for k, start in enumerate(starts, 1):
            part = df.iloc[start : start + limit]
            title = self.title(name if len(starts) == 1 else f"{name} ({k})")
            text = content
            if len(starts) > 1:
                text += _word("part", self.lang).format(k, len(starts))

            def write(ws: Any, part: pd.DataFrame = part, title: str = title) -> None:
                self._write_frame(ws, part, title, float_format)

            sheets.append(_Sheet(title, text, len(part), write))
            self.layout += [(key, title, str(c), _dtype_tag(df.iloc[:, j]))
                            for j, c in enumerate(df.columns)]  # fmt: skip
        if len(starts) > 1:
            self.notes.append(_word("split", self.lang).format(name, len(df), len(starts)))
        long = _long_cells(df)
        if long:
            self.notes.append(_word("long_cells", self.lang).format(name, long))
        return sheets

    def _write_frame(self, ws: Any, df: pd.DataFrame, title: str, float_format: str | None) -> None:
        columns = [str(c) for c in df.columns]
        # Widths need the first rows' values only; the rows themselves are written below.
        sample = [
            [getattr(v, "_value", v) for v in row]
            for row in zip(*(column_values(df.iloc[:_WIDTH_SAMPLE, j], ws)
                             for j in range(df.shape[1])), strict=True)
        ]  # fmt: skip
        _set_widths(ws, _widths(columns, sample, cap=50))
        ws.freeze_panes = "A2"
        as_table = len(df) > 0 and _tableable(list(df.columns))
        head_style = {} if as_table else {"font": _BOLD}
        header = [text_cell(ws, c, **head_style) for c in columns]
        ws.append(header)
        rows_xml = append_rows(ws, df, float_format) if columns else None
        if columns:
            ref = f"A1:{get_column_letter(len(columns))}{len(df) + 1}"
            try:
                if as_table:
                    self._add_table(ws, title, ref, [h._value for h in header])
                else:
                    ws.auto_filter.ref = ref
            except BaseException:
                if rows_xml is not None:
                    rows_xml.unlink(missing_ok=True)
                raise
        # See cqanalysis.writers._sheetdata for why the rows go in after the sheet is closed.
        close_with_rows(ws, rows_xml)

    def _add_table(self, ws: Any, title: str, ref: str, header: Sequence[str]) -> None:
        table = Table(
            displayName=table_name(title, self.table_names),
            ref=ref,
            autoFilter=AutoFilter(ref=ref),
            tableStyleInfo=TableStyleInfo(name="TableStyleMedium2", showRowStripes=True),
        )
        table.tableColumns = [TableColumn(id=j, name=h) for j, h in enumerate(header, 1)]
        with _warnings.catch_warnings():
            # openpyxl always warns in write-only mode; the columns are set just above.
            _warnings.filterwarnings("ignore", "In write-only mode you must add table columns")
            ws.add_table(table)

    # ---------------------------------------------------------------- source tables

    def source_sheet(self, k: int, table: SourceTable, several_docs: bool) -> _Sheet:
        tag = _word("appendix", self.lang).format(k)
        name = f"{tag} {table.table_id}"
        if several_docs:
            name = f"{tag} {table.doc_id} {table.table_id}"
            if len(name) > 31:  # keep the table id whole; shorten the document's name
                keep = 31 - len(tag) - len(table.table_id) - 3
                name = f"{tag} {table.doc_id[: max(keep, 1)]}… {table.table_id}"
        title = self.title(name)

        def write(ws: Any) -> None:
            self._write_source(ws, f"{tag} {table.caption}", table)

        return _Sheet(title, table.caption, len(table.body), write)

    def _write_source(self, ws: Any, caption: str, table: SourceTable) -> None:
        ncol = max(len(table.header), 1)
        widths = _widths(table.header, table.body, cap=40)
        _set_widths(ws, widths)
        # Wrapped text needs explicit row heights: not every client re-measures rows on load.
        for r, cells in enumerate([table.header, *table.body], 2):
            lines = max(
                (
                    sum(
                        max(1, math.ceil(display_width(part) / max(w - 2, 1)))
                        for part in str(v).split("\n")
                    )
                    for v, w in zip(cells, widths, strict=False)
                ),
                default=1,
            )
            ws.row_dimensions[r].height = 15 * lines + 3
        ws.freeze_panes = "A3"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.append([text_cell(ws, caption, font=_BOLD)])
        ws.append(
            [
                text_cell(ws, h, font=_BOLD, alignment=_HEAD, border=_HEAD_BORDER)
                for h in table.header
            ]
        )
        last = len(table.body) - 1
        for i, cells in enumerate(table.body):
            border = Border(bottom=Side(style="medium")) if i == last else Border()
            ws.append(
                [text_cell(ws, v, alignment=_WRAP, border=border) if v else None for v in cells]
            )
        ws.append([])
        ws.append([text_cell(ws, table.source_note(self.lang))])
        ws.print_title_rows = "2:2"
        ws.print_area = f"A1:{get_column_letter(ncol)}{len(table.body) + 4}"
        setup = ws.page_setup
        setup.paperSize = _A4_PAPER
        setup.orientation = "landscape" if sum(widths) > _A4_PORTRAIT_WIDTH else "portrait"
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        ws.print_options.horizontalCentered = True

    # ---------------------------------------------------------------- crosstabs

    def crosstab_sheet(
        self, name: str, table: pd.DataFrame, stats: pd.DataFrame | None, caption: str
    ) -> _Sheet:
        layout = crosstab_layout(name, table, percent=self.percent, lang=self.lang)
        title = self.title(_word("crosstab", self.lang).format(name))

        def write(ws: Any) -> None:
            self._write_crosstab(ws, layout, stats, caption)

        return _Sheet(title, caption, len(layout.row_labels), write)

    def _crosstab_block(
        self, ws: Any, layout: CrosstabLayout, heading: str, values: Any, fmt: str
    ) -> None:
        ws.append([text_cell(ws, heading, font=_BOLD)])
        names = [n or "" for n in layout.index_names]
        ws.append(
            [
                text_cell(ws, h, font=_BOLD, alignment=_HEAD, border=_HEAD_BORDER)
                for h in (*names, *layout.col_labels)
            ]
        )
        for labels, row in zip(layout.shown_labels(), values, strict=True):
            cells: list[Any] = [text_cell(ws, lab) if lab else None for lab in labels]
            for v in row:
                cells.append(number_cell(ws, float(v), number_format=fmt))
            ws.append(cells)

    def _write_crosstab(
        self, ws: Any, layout: CrosstabLayout, stats: pd.DataFrame | None, caption: str
    ) -> None:
        nlab = len(layout.index_names)
        widths = [
            max(display_width(lab[j]) for lab in [layout.index_names, *layout.row_labels])
            for j in range(nlab)
        ]
        widths += [display_width(c) for c in layout.col_labels]
        _set_widths(ws, [min(max(w, 8), 40) + 2 for w in widths])
        ws.append([text_cell(ws, caption, font=_TITLE)])
        ws.append([])
        if layout.is_share:
            count_fmt, heading = "0.0%", label(layout.share_kind, self.lang)
        elif layout.is_count:
            count_fmt, heading = "0", label("count", self.lang)
        else:
            count_fmt, heading = "0.000", layout.name
        self._crosstab_block(ws, layout, heading, layout.values, count_fmt)
        if layout.percent is not None:
            ws.append([])
            heading = label(layout.percent_kind, self.lang)
            self._crosstab_block(ws, layout, heading, layout.percent, "0.0%")
        if stats is not None and not stats.empty:
            ws.append([])
            ws.append([text_cell(ws, _word("stats", self.lang), font=_BOLD)])
            ws.append(
                [text_cell(ws, str(c), font=_BOLD, border=_HEAD_BORDER) for c in stats.columns]
            )
            values = [column_values(stats.iloc[:, j], ws) for j in range(stats.shape[1])]
            for j in range(stats.shape[1]):
                if stats.iloc[:, j].dtype.kind == "f":
                    for cell in values[j]:
                        if cell is not None and cell.data_type == "n":
                            cell.number_format = "0.000"
            for row in zip(*values, strict=True):
                ws.append(row)

    # ---------------------------------------------------------------- other sheets

    def layout_sheet(self, ws: Any) -> None:
        """A hidden sheet naming each frame's sheets, columns and dtypes: what makes the
        workbook read back losslessly (:func:`read_appendix`)."""
        ws.sheet_state = "hidden"
        ws.append([text_cell(ws, c) for c in _LAYOUT_COLUMNS])
        for record in self.layout:
            ws.append([text_cell(ws, v) for v in record])

    def figure_sheet(self, name: str, path: Path) -> _Sheet:
        title = self.title(_word("figure", self.lang).format(name))
        if not path.is_file():
            raise InputError(path, "figure file not found")
        if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            raise InputError(path, "figures in the workbook must be PNG or JPEG files")

        def write(ws: Any) -> None:
            ws.append([text_cell(ws, _word("figure", self.lang).format(name), font=_BOLD)])
            img = Image(str(path))
            if img.width > 900:  # keep the sheet readable; the PNG inside keeps full resolution
                img.height = round(img.height * 900 / img.width)
                img.width = 900
            ws.add_image(img, "A2")

        return _Sheet(title, _word("figure", self.lang).format(name), None, write)

    # ---------------------------------------------------------------- sheet plan

    def source_sheets(
        self,
        frames: Mapping[str, pd.DataFrame],
        tables: pd.DataFrame | None,
        rows: pd.DataFrame | None,
        max_table_sheets: int,
    ) -> list[_Sheet]:
        """A printable sheet per source table, or none (and a cover note) past the maximum.

        ``tables`` and ``rows`` default to ``frames["tables"]`` and ``frames["rows"]``.
        """
        tables = frames.get("tables") if tables is None else tables
        rows = frames.get("rows") if rows is None else rows
        n_tables = 0 if tables is None else len(tables)
        if n_tables > max_table_sheets:
            self.notes.append(_word("too_many", self.lang).format(n_tables, max_table_sheets))
            return []
        originals = source_tables(tables, rows, lang=self.lang)
        several = len({t.doc_id for t in originals}) > 1
        return [self.source_sheet(k, t, several) for k, t in enumerate(originals, 1)]

    def result_sheets(
        self,
        frames: Mapping[str, pd.DataFrame],
        crosstabs: Mapping[str, pd.DataFrame],
        crosstab_stats: Mapping[str, pd.DataFrame],
        crosstab_titles: Mapping[str, str] | None,
        agreement: pd.DataFrame | None,
        codebooks: Mapping[str, pd.DataFrame],
    ) -> list[_Sheet]:
        """The sheets after the source tables: tidy frames, crosstabs, agreement, codebooks."""
        lang = self.lang
        sheets: list[_Sheet] = []
        descriptions = _FRAME_DESCRIPTIONS[lang]
        for name, df in frames.items():
            text = descriptions.get(str(name), str(name))
            sheets += self.frame_sheets(str(name), df, text, key=str(name))
        for name, table in crosstabs.items():
            caption = crosstab_caption(str(name), crosstab_titles, lang)
            sheets.append(self.crosstab_sheet(str(name), table, crosstab_stats.get(name), caption))
        if agreement is not None:
            sheets += self.frame_sheets(
                _word("agreement", lang),
                agreement,
                _word("agreement", lang),
                key="agreement",
                float_format="0.000",
            )
        for name, frame in codebooks.items():
            text = _word("codebook", lang).format(name)
            sheets += self.frame_sheets(text, frame, text, key=f"codebook:{name}")
        return sheets

    def warning_sheets(self, warnings: Sequence[str]) -> list[_Sheet]:
        """The parse warnings as a numbered frame (none without warnings); the cover links it."""
        if not warnings:
            return []
        w = _WORDS[self.lang]
        frame = pd.DataFrame({w["no"]: range(1, len(warnings) + 1), w["warning"]: list(warnings)})
        sheets = self.frame_sheets(w["warnings"], frame, w["warnings"], key="warnings")
        self.warnings_sheet = sheets[0].title
        return sheets

    def write_sheets(self, sheets: Sequence[_Sheet]) -> None:
        """Write the planned sheets after the cover, then the hidden layout sheet."""
        for sheet in sheets:
            sheet.write(self.wb.create_sheet(sheet.title))
        self.layout_sheet(self.wb.create_sheet(self.layout_title))

    def cover(
        self,
        ws: Any,
        *,
        heading: str,
        sheets: Sequence[_Sheet],
        sources: list[tuple[str, str, str]],
        codebooks: Mapping[str, pd.DataFrame],
        n_warnings: int,
        coverage: pd.DataFrame | None = None,
    ) -> None:
        from ..core.version import __version__

        w = _WORDS[self.lang]
        _set_widths(ws, [14, 36, 66, 10])
        # Sheet properties are streamed with the first row, so page fitting is set up first.
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.append([text_cell(ws, heading, font=_TITLE)])
        ws.append([])
        ws.append(
            [text_cell(ws, w["software"], font=_BOLD), text_cell(ws, f"cqanalysis {__version__}")]
        )
        warn_cell = number_cell(ws, n_warnings)
        if self.warnings_sheet:
            warn_cell.hyperlink = Hyperlink(ref="", location=_location(self.warnings_sheet))
            warn_cell.font = _LINK
        ws.append([text_cell(ws, w["warnings"], font=_BOLD), warn_cell])
        if sources:
            rows = ([text_cell(ws, doc) if doc else None, text_cell(ws, name) if name else None,
                     text_cell(ws, sha)] for doc, name, sha in sources)
            _cover_table(ws, w["sources"], (w["doc"], w["file"], "SHA-256"), rows)
        if codebooks:
            _codebook_table(ws, w, codebooks, coverage)
        rows = (_contents_row(ws, k, sheet) for k, sheet in enumerate(sheets, 1))
        _cover_table(ws, w["toc"], (w["no"], w["sheet"], w["content"], w["rows"]), rows)
        if self.notes:
            ws.append([])
            ws.append([text_cell(ws, w["notes"], font=_BOLD)])
            for note in self.notes:
                ws.append([None, text_cell(ws, note)])
        ws.page_setup.paperSize = _A4_PAPER
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0


def _codebook_table(ws: Any, w: Mapping[str, str], codebooks: Mapping[str, pd.DataFrame],
                    coverage: pd.DataFrame | None) -> None:
    """The codebooks on the cover; with ``coverage`` (:func:`cqanalysis.coverage_summary`)
    also how many units each applies to, coded and checked by hand, and its note."""
    header = [w["name"], w["entries"], "SHA-256"]
    rows = [[text_cell(ws, str(name)), number_cell(ws, len(frame)),
             text_cell(ws, _codebook_hash(frame))] for name, frame in codebooks.items()]
    if coverage is not None:
        header += [w["units"], w["coded"], w["coverage"], w["checked"]]
        by_name = coverage.set_index("codebook")
        for row, name in zip(rows, codebooks, strict=True):
            if name in by_name.index:
                r = by_name.loc[name]
                row += [number_cell(ws, int(r["n_units"])), number_cell(ws, int(r["n_coded"])),
                        number_cell(ws, float(r["coverage"]), number_format="0%"),
                        number_cell(ws, int(r["n_checked"]))]
    _cover_table(ws, w["codebooks"], header, rows)
    if coverage is not None and len(coverage):
        ws.append([None, text_cell(ws, str(coverage["note"].iloc[0]))])


def _cover_table(ws: Any, heading: str, header: Sequence[str], rows: Iterable[list[Any]]) -> None:
    """One list on the cover (sources, codebooks, contents): a blank row, heading, header, rows."""
    ws.append([])
    ws.append([text_cell(ws, heading, font=_BOLD)])
    ws.append([text_cell(ws, h, font=_BOLD, border=_HEAD_BORDER) for h in header])
    for row in rows:
        ws.append(row)


def _contents_row(ws: Any, k: int, sheet: _Sheet) -> list[Any]:
    """A row of the cover's contents: number, the sheet's name linking to it, content, rows."""
    link = text_cell(ws, sheet.title, font=_LINK)
    link.hyperlink = Hyperlink(ref="", location=_location(sheet.title), display=sheet.title)
    count = number_cell(ws, sheet.n_rows) if sheet.n_rows is not None else None
    return [number_cell(ws, k), link, text_cell(ws, sheet.content), count]


def _location(title: str) -> str:
    """An internal hyperlink target: the sheet's A1, quoted as Excel formulas quote sheets."""
    return "'{}'!A1".format(title.replace("'", "''"))


def write_appendix(
    path: str | os.PathLike[str],
    *,
    frames: Mapping[str, pd.DataFrame] | None = None,
    tables: pd.DataFrame | None = None, rows: pd.DataFrame | None = None,
    crosstabs: Mapping[str, pd.DataFrame] | None = None,
    crosstab_stats: Mapping[str, pd.DataFrame] | None = None,
    crosstab_titles: Mapping[str, str] | None = None,
    agreement: pd.DataFrame | None = None, codebooks: Mapping[str, pd.DataFrame] | None = None,
    sources: Sequence[str | os.PathLike[str] | Mapping[str, Any]] | pd.DataFrame = (),
    warnings: Sequence[str] = (), figures: Mapping[str, str | os.PathLike[str]] | None = None,
    title: str | None = None, lang: str = "zh", percent: str | None = "row",
    max_table_sheets: int = 500, coverage: pd.DataFrame | None = None,
) -> Path:
    """Write the Excel appendix of a study: one workbook, every table and frame in it.

    The content is computed elsewhere; this lays it out: a cover with contents, the source
    tables ready to print (附表A1 …), a sheet per frame and per crosstab, then agreement,
    codebooks, parse warnings and figures; the module docstring describes each sheet. Text is
    always written as text: a cell starting with ``=``, ``+``, ``-`` or ``@`` stays inert text,
    never a formula. The file is byte-identical for identical input (document properties and
    zip entry times come from :func:`cqanalysis.core.io.build_timestamp`) and is written
    atomically. :func:`read_appendix` reads the frames back exactly (plain pandas: its Notes).

    Parameters
    ----------
    path
        The .xlsx file to write.
    frames
        Tidy frames by sheet name, written in the mapping's order. ``tables`` and ``rows``
        default to ``frames["tables"]`` and ``frames["rows"]``.
    tables, rows
        The parse frames the source tables are rebuilt from.
    crosstabs
        Crosstab DataFrames by name (row categories in the index, column categories in the
        columns, margins optional; see :func:`cqanalysis.writers._content.crosstab_layout`).
    crosstab_stats, crosstab_titles
        Per crosstab name, a DataFrame of test statistics (e.g. ``chi2_test(...).stats``) and
        its caption (default ``交叉表 <name>``).
    agreement
        Intercoder agreement results, written as a table.
    codebooks
        Codebooks as DataFrames by name. The hash shown is ``frame.attrs["sha256"]`` when the
        loader set it (the file's hash), else the SHA-256 of the table's CSV text.
    sources
        The source documents: paths (hashed here), or mappings / a DataFrame with ``doc_id``,
        ``path`` and optionally ``sha256`` (e.g. ``Corpus.documents``). Only file names are
        shown, never directories.
    warnings, figures
        Parse warnings (counted on the cover, listed on a sheet); PNG files by name, a sheet each.
    title, lang, percent
        The cover title (default 对策建议分析附录; ``lang="en"``: an English one); ``"zh"`` or
        ``"en"``, the language of labels and sheet names; crosstab percentages: ``"row"``,
        ``"column"``, ``"all"`` or ``None``.
    max_table_sheets
        At most this many source tables get a sheet of their own; a larger corpus lists its
        tables only in the tidy ``rows`` sheet (a note on the cover says so).
    coverage
        :func:`cqanalysis.coverage_summary`, shown on the cover with the first-pass note.

    Returns
    -------
    Path
        ``path``.
    """
    frames = dict(frames or {})
    source_info = _source_records(sources)
    writer = _Writer(lang, percent)
    sheets = writer.source_sheets(frames, tables, rows, max_table_sheets)
    sheets += writer.result_sheets(
        frames, crosstabs or {}, crosstab_stats or {}, crosstab_titles, agreement, codebooks or {}
    )
    sheets += writer.warning_sheets(warnings)
    sheets += [writer.figure_sheet(str(n), Path(p)) for n, p in (figures or {}).items()]
    writer.cover(writer.wb.create_sheet(writer.cover_title), heading=title or _word("title", lang),
                 sheets=sheets, sources=source_info, codebooks=codebooks or {},
                 n_warnings=len(warnings), coverage=coverage)
    writer.write_sheets(sheets)
    _save(writer.wb, path, title or _word("title", lang))
    return Path(path)


def _save(wb: Workbook, path: str | os.PathLike[str], title: str) -> None:
    """Save atomically with fixed document properties, so identical input gives identical bytes."""
    props = wb.properties
    props.creator = "cqanalysis"
    props.title = title
    props.created = props.modified = build_timestamp().replace(tzinfo=None)
    save_workbook(wb, path)


def _read_value(cell: Any) -> Any:
    value = cell.value
    if value is None:
        # An empty text cell is "", an absent cell is missing.
        return "" if cell.data_type in ("s", "inlineStr") else None
    return unescape_text(value) if isinstance(value, str) else value


def _dtype_tag(series: pd.Series) -> str:
    """The column's dtype as text; object columns also say whether missing means None or NaN."""
    if series.dtype != object:
        return str(series.dtype)
    values = series[series.isna()]
    return "object" if any(v is not None for v in values) else "object:None"


def _restore(values: list[Any], dtype: str) -> pd.Series:
    series = pd.Series(values, dtype=object)
    if dtype == "object:None":
        return series
    if dtype == "object":
        return series.where(series.notna(), np.nan)
    zoned = pd.api.types.pandas_dtype(dtype) if dtype.startswith("datetime64[") else None
    if isinstance(zoned, pd.DatetimeTZDtype):
        # the cells hold UTC wall times (Excel has no zones): localise as UTC, then convert;
        # astype would read them as wall times of the column's own zone
        return pd.to_datetime(series).dt.tz_localize("UTC").dt.tz_convert(zoned.tz) \
            .astype(zoned)
    try:
        return series.astype(dtype)
    except (TypeError, ValueError):
        return series


def read_appendix(
    path: str | os.PathLike[str], name: str | None = None
) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Read the tidy frames of an appendix workbook back, exactly as they were written.

    Uses the workbook's hidden ``_frames`` sheet to join frames split over several sheets and
    to restore each column's dtype; tells an empty text (``""``) from a missing value; undoes
    the ``_xHHHH_`` escapes of control characters. (A categorical column comes back with the
    categories its values use.) Frames are keyed as written: the names of
    ``frames``, ``"agreement"``, ``"codebook:<name>"`` and ``"warnings"``.

    Parameters
    ----------
    path
        A workbook written by :func:`write_appendix`.
    name
        One frame to read; ``None`` reads them all.

    Returns
    -------
    DataFrame or dict of str to DataFrame
        The frame, or every frame in the order written.

    Notes
    -----
    Plain pandas reads the workbook too: ``pd.read_excel(path, sheet_name=name, dtype=object,
    keep_default_na=False, na_values=[""])`` returns the same values (texts as written,
    whatever they start with; ints as ints; floats with every digit), with three differences
    pandas itself makes: it reads an empty text as missing, a whole float such as ``2.0`` as
    the int ``2``, and, without ``dtype=object``, a text that looks like a number (section
    ``"5.1"``) as a number. Characters XML cannot hold (control characters other than tab and
    newline) are written as Excel's ``_xHHHH_`` escape, which Excel and LibreOffice display as
    the character.
    """
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        if LAYOUT_SHEET not in wb.sheetnames:
            raise InputError(path, f"no {LAYOUT_SHEET} sheet: not written by write_appendix")
        plan: dict[str, dict[str, Any]] = {}
        for frame, sheet, column, dtype in wb[LAYOUT_SHEET].iter_rows(min_row=2, values_only=True):
            entry = plan.setdefault(str(frame), {"sheets": [], "columns": {}})
            if sheet not in entry["sheets"]:
                entry["sheets"].append(sheet)
            entry["columns"].setdefault(str(column), str(dtype))
        if name is not None and name not in plan:
            raise KeyError(f"no frame {name!r} in {path}; frames: {list(plan)}")
        out = {}
        for frame, entry in plan.items():
            if name is not None and frame != name:
                continue
            columns = list(entry["columns"])
            data: list[list[Any]] = []
            for sheet in entry["sheets"]:
                for row in wb[sheet].iter_rows(min_row=2, max_col=len(columns) or 1):
                    values = [_read_value(c) for c in row][: len(columns)]
                    data.append(values + [None] * (len(columns) - len(values)))
            out[frame] = pd.DataFrame(
                {
                    c: _restore([r[j] for r in data], entry["columns"][c])
                    for j, c in enumerate(columns)
                },
                index=pd.RangeIndex(len(data)),
            )
    finally:
        wb.close()
    return out[name] if name is not None else out
