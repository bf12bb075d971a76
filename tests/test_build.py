"""`cqanalysis build`: the report layout, reproducibility, registries and thin chapters."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cqanalysis.builder import build
from cqanalysis.exporters import EXPORTERS, SkippedOutput, register_exporter, unregister_exporter
from cqanalysis.exporters.figures import (
    FIGURES,
    FigureSpec,
    figure_plan,
    register_figure,
    unregister_figure,
)
from cqanalysis.publish import MANIFEST

from .conftest import THIN_CHAPTERS, write_chapter

FRAMES = ("sections", "tables", "rows", "cells", "items", "paragraphs", "residue", "errors",
          "documents",
          "clauses", "coded", "links")
CROSSTABS = ("domain_x_instrument", "domain_x_instrument_detail", "domain_x_outcome",
             "domain_x_level", "instrument_x_outcome")
SUFFIXES = (".png", ".pdf", ".svg")


def _digests(folder: Path) -> dict[str, str]:
    # .cache (the parse cache, issue 14) is not a report
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).parts[0] != ".cache"}


def _figure_specs(*stems: str) -> list[FigureSpec]:
    by_stem = {s.stem_zh: s for s in FIGURES if isinstance(s, FigureSpec)}
    return [by_stem[stem] for stem in stems]


def test_layout_of_the_reports(seed_build):
    out, result = seed_build
    for name in FRAMES:
        assert (out / "tables" / f"{name}.csv").exists(), name
    for name in CROSSTABS:
        assert (out / "crosstabs" / f"{name}.csv").exists(), name
    # one document, the three shipped codebooks: four figures, no document comparison
    plan = figure_plan(result.analysis)
    assert [s.stem_zh[:2] for s in plan] == ["图1", "图2", "图3", "图4"]
    assert sorted(p.name for p in (out / "figures").iterdir()) == sorted(
        f"{s.stem_zh}{suffix}" for s in plan for suffix in SUFFIXES)
    assert (out / "appendix.xlsx").exists()
    assert len(list((out / "word").glob("*.docx"))) >= 6
    assert len(list((out / "latex").glob("*.tex"))) >= 6
    assert sorted([*result.files, MANIFEST]) == sorted(_digests(out))
    assert result.skipped == ()
    assert not list(out.parent.glob(f".{out.name}-build-*")), "staging folder removed"


def test_manifest_lists_what_the_build_wrote(seed_build):
    out, result = seed_build
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["files"] == sorted(result.files)
    assert "README.md" in manifest["files"] and "tables/rows.csv" in manifest["files"]


def test_tables_hold_the_seed_counts(seed_build):
    out, _ = seed_build
    read = {name: pd.read_csv(out / "tables" / f"{name}.csv", encoding="utf-8-sig")
            for name in ("rows", "items", "clauses", "documents")}
    assert len(read["rows"]) == 29
    assert len(read["items"]) == 30
    assert read["clauses"]["field"].value_counts().to_dict() == {"outcome": 55, "measure": 46}
    assert read["documents"]["path"].tolist() == ["data/raw/城市群跨区域行政体制协同_对策建议.txt"]
    assert (out / "tables" / "rows.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_readme_says_what_was_built_from_what(seed_build, seed_path):
    out, _ = seed_build
    readme = (out / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(seed_path.read_bytes()).hexdigest()
    assert digest in readme
    assert "| rows | 29 |" in readme
    assert "page_number: 1" in readme and "viewer_artifact: 1" in readme
    assert "Skipped" not in readme
    assert str(out) not in readme and str(seed_path.parent) not in readme


def test_committed_reports_are_reproduced(seed_build):
    """The text reports equal the committed ``reports/`` byte for byte (the binary ones
    depend on the machine's fonts; the thin-chapter test below checks that they repeat)."""
    from .conftest import ROOT

    out, _ = seed_build
    committed = ROOT / "reports"
    text = [rel for rel in _digests(out) if rel.endswith((".csv", ".tex", ".md", ".json"))]
    # manifest; 12 frames + 3 QDA tables; 5 crosstabs + tests; 11 LaTeX tables + standalone;
    # README
    assert len(text) == 1 + 15 + 6 + 12 + 1
    for rel in text:
        assert (out / rel).read_bytes() == (committed / rel).read_bytes(), rel


def test_same_input_gives_byte_identical_reports(tmp_path):
    chapter = write_chapter(tmp_path, "no_code.txt", THIN_CHAPTERS["no_code"])
    with pytest.warns(SkippedOutput):
        build([chapter], out=tmp_path / "a", progress=False)
        build([chapter], out=tmp_path / "b", progress=False)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    # a warm rebuild (parse, analysis and render caches all hit) and one without any cache
    with pytest.warns(SkippedOutput):
        build([chapter], out=tmp_path / "a", progress=False)
        build([chapter], out=tmp_path / "c", progress=False, cache=False)
    assert len(list((tmp_path / "a" / ".cache" / "analysis").glob("??/*"))) == 6
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b") == _digests(tmp_path / "c")
    assert {"appendix.xlsx", "word/表4.1.1_校园生活建议.docx"} <= set(_digests(tmp_path / "a"))


def test_rebuild_in_place_replaces_only_its_own_files(seed_build, tmp_path, seed_path):
    import openpyxl
    import pdfplumber

    built, result = seed_build
    out = tmp_path / "thesis"
    shutil.copytree(built, out)
    mine = {"notes.docx": b"my notes", "figures/mine.png": b"my figure",
            "word/my_chapter.docx": b"my chapter"}
    for rel, data in mine.items():
        (out / rel).write_bytes(data)
    # rebuilt in English: the Chinese figure files of the first build go, the user's stay
    build([seed_path], out=out, lang="en", progress=False)
    after = _digests(out)
    for rel, data in mine.items():
        assert after[rel] == hashlib.sha256(data).hexdigest()
    assert sorted(p.stem for p in (out / "figures").glob("*.png")) == [
        "Fig1_domain_instruments", "Fig2_instrument_types", "Fig3_instrument_flows",
        "Fig4_code_network", "mine"]
    before = _digests(built)
    # the data do not depend on the language (the QDA tables carry code labels in it)
    data = [f"tables/{name}.csv" for name in FRAMES] + [
        rel for rel in result.files if rel.startswith("crosstabs/")]
    for rel in data:
        assert after[rel] == before[rel], rel
    with pdfplumber.open(out / "figures" / "Fig2_instrument_types.pdf") as pdf:
        # every glyph, rotated axis titles included, in drawing order
        text = "".join(ch["text"] for ch in pdf.pages[0].chars)
    for words in ("Instrument type", "Domain", "Supply-side instruments",
                  "Building the talent pool"):
        assert words.replace(" ", "") in text.replace(" ", ""), words
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text)
    sheets = openpyxl.load_workbook(out / "appendix.xlsx", read_only=True).sheetnames
    assert "domain_x_instrument_detail" in sheets
    assert "Figure Fig3_instrument_flows" in sheets
    assert not any("\u4e00" <= ch <= "\u9fff" for name in sheets for ch in name)


def test_failed_build_leaves_no_output(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    out = tmp_path / "reports"
    result = subprocess.run([sys.executable, "-m", "cqanalysis.cli", "build", str(bad),
                             "--out", str(out), "--quiet"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == f"cqanalysis: error: {bad}: empty file (0 bytes)"
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["empty.txt"]


def test_corpus_build_with_manifest(tmp_path):
    from .conftest import ROOT

    data = ROOT / "notebooks" / "data"
    out = tmp_path / "corpus"
    result = build([data], out=out, manifest=data / "manifest.csv", progress=False)
    # four documents: the document comparison joins the four figures of one document
    assert [s.stem_zh[:2] for s in figure_plan(result.analysis)] == [
        "图1", "图2", "图3", "图4", "图5"]
    for spec in figure_plan(result.analysis):
        assert (out / "figures" / f"{spec.stem_zh}.png").exists()
    docs = pd.read_csv(out / "tables" / "documents.csv", encoding="utf-8-sig")
    # manifest.csv: four documents, two from 东部 (基层数字治理, 应急管理协同), two from 中西部
    assert sorted(docs["doc_id"]) == [
        "公共服务均等化", "基层数字治理", "应急管理协同", "流域生态治理"]
    assert dict(zip(docs["doc_id"], docs["region"], strict=True)) == {
        "基层数字治理": "东部", "流域生态治理": "中西部", "应急管理协同": "东部",
        "公共服务均等化": "中西部"}
    by_doc = pd.read_csv(out / "crosstabs" / "document_x_instrument.csv",
                         encoding="utf-8-sig", index_col=0)
    by_region = pd.read_csv(out / "crosstabs" / "region_x_instrument.csv",
                            encoding="utf-8-sig", index_col=0)
    region_of = dict(zip(docs["doc_id"], docs["region"], strict=True))
    summed = by_doc.drop(index="合计").groupby(region_of).sum()
    assert summed.loc[["东部", "中西部"]].to_numpy().tolist() == \
        by_region.loc[["东部", "中西部"]].to_numpy().tolist()
    assert (out / "crosstabs" / "year_x_instrument.csv").exists()


def test_build_with_a_users_own_codebook(tmp_path, seed_path):
    from .conftest import FIXTURES

    out = tmp_path / "toy"
    build([seed_path], out=out, codebooks=[FIXTURES / "codebooks" / "good.yaml"],
          progress=False)
    assert sorted(p.name for p in (out / "crosstabs").iterdir()) == [
        "domain_x_toy.csv", "tests.csv"]
    assert sorted(p.name for p in (out / "figures").iterdir()) == [
        "图1_领域_玩具编码表热力图.pdf", "图1_领域_玩具编码表热力图.png",
        "图1_领域_玩具编码表热力图.svg"]
    table = pd.read_csv(out / "crosstabs" / "domain_x_toy.csv", encoding="utf-8-sig",
                        index_col=0)
    # By hand from the seed: 数据/…平台 clauses (技术) and 人才/干部 measures (人员):
    # 5.1 运用大数据; 5.5 大数据平台, 各类数据, 数据共享交换机制, 政务平台, 数据互联互通,
    # 数据安全; 5.6 人才引进平台 (技术) and 复合型人才, 干部交流, 人才引进平台, 高层次人才,
    # 干部绩效考核 (人员).
    assert table.to_dict("index") == {
        "政府职能转变": {"技术": 1, "人员": 0, "合计": 1},
        "信息共享与智慧协同": {"技术": 6, "人员": 0, "合计": 6},
        "人才队伍建设": {"技术": 1, "人员": 5, "合计": 6},
        "合计": {"技术": 8, "人员": 5, "合计": 13},
    }


# --- thin chapters: every output with data, a reason for every one without ------------------

@pytest.mark.parametrize("name", sorted(THIN_CHAPTERS))
def test_thin_chapter_builds_what_has_data_and_says_why_not_the_rest(tmp_path, name):
    chapter = write_chapter(tmp_path, f"{name}.txt", THIN_CHAPTERS[name])
    out = tmp_path / "out"
    with pytest.warns(SkippedOutput) as caught:
        result = build([chapter], out=out, progress=False)
    skipped = [str(w.message) for w in caught]
    assert skipped == list(result.skipped)
    # nothing is coded in any of the three: no crosstab, no test, no figure is written
    assert not (out / "crosstabs").exists() and not (out / "figures").exists()
    for crosstab in CROSSTABS:
        assert any(m.startswith(f"skipped crosstab {crosstab}: ") for m in skipped), crosstab
    for stem in ("图1_领域_政策工具热力图", "图2_领域_政策工具类型构成", "图3_领域_工具_成效流向",
                 "图4_编码共现网络"):
        assert any(m.startswith(f"skipped figure {stem}: ") for m in skipped), stem
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert all(f"- {m}" in readme for m in skipped)
    for frame in FRAMES:
        assert (out / "tables" / f"{frame}.csv").exists()
    assert (out / "appendix.xlsx").exists()
    for path in out.rglob("*"):
        assert not path.is_file() or path.stat().st_size > 0, path


def test_thin_chapter_keeps_its_source_table(tmp_path):
    chapter = write_chapter(tmp_path, "no_code.txt", THIN_CHAPTERS["no_code"])
    out = tmp_path / "out"
    with pytest.warns(SkippedOutput):
        build([chapter], out=out, progress=False)
    rows = pd.read_csv(out / "tables" / "rows.csv", encoding="utf-8-sig")
    assert rows["measure"].tolist() == ["增加素食窗口", "延长热水供应时段"]
    assert sorted(p.name for p in (out / "word").iterdir()) == [
        "对策建议表图.docx", "表4.1.1_校园生活建议.docx"]


# --- registries: a new figure and a new export format without touching builder.py -----------

def draw_clause_fields(analysis, ax, lang, labels):
    counts = analysis.clauses["field"].value_counts().sort_index()
    ax.bar(range(len(counts)), counts.to_numpy())
    return ax


def has_clauses(analysis):
    return True if len(analysis.clauses) else "no clause"


def test_a_figure_and_an_export_format_added_through_the_registries(tmp_path):
    chapter = write_chapter(tmp_path, "no_code.txt", THIN_CHAPTERS["no_code"])
    spec = register_figure(FigureSpec("图9_分句字段", "Fig9_clause_fields", "分句字段",
                                      "Clause fields", draw=draw_clause_fields,
                                      aspect=0.5, when=has_clauses))

    @register_exporter("clause_count")
    def export_clause_count(analysis, folder, *, lang):
        path = folder / "clause_count.txt"
        path.write_text(f"{len(analysis.clauses)}\n", encoding="utf-8")
        return [path]

    try:
        with pytest.warns(SkippedOutput):
            result = build([chapter], out=tmp_path / "out", progress=False)
    finally:
        unregister_figure(spec)
        unregister_exporter("clause_count")
    out = tmp_path / "out"
    # two rows, each measure and outcome one clause: 4 clauses
    assert (out / "clause_count.txt").read_text(encoding="utf-8") == "4\n"
    assert sorted(p.name for p in (out / "figures").iterdir()) == [
        "图9_分句字段.pdf", "图9_分句字段.png", "图9_分句字段.svg"]
    assert {"clause_count.txt", "figures/图9_分句字段.png"} <= set(result.files)
    assert "clause_count" not in EXPORTERS and spec not in FIGURES


def test_a_figure_spec_pickles_for_a_process_pool():
    import pickle

    for source in FIGURES:
        if isinstance(source, FigureSpec):
            clone = pickle.loads(pickle.dumps(source))
            assert (clone.stem_zh, clone.stem_en) == (source.stem_zh, source.stem_en)
            assert pickle.dumps(clone) == pickle.dumps(source)


def test_formula_like_cells_stay_text_in_csv_and_in_the_appendix(tmp_path):
    """CSV is data: kept raw, for pandas and R; the appendix is the Excel-facing file and
    writes every text cell as a string, so =HYPERLINK(…) is shown, never evaluated."""
    import openpyxl

    formula = '=HYPERLINK("http://example.invalid","点此")'
    chapter = write_chapter(tmp_path, "formula.txt", "4.1校园生活\n表4.1.1校园生活建议\n"
                            f"方面 建议 效果\n食堂 {formula} 学生满意\n")
    out = tmp_path / "out"
    with pytest.warns(SkippedOutput):
        build([chapter], out=out, progress=False)
    rows = pd.read_csv(out / "tables" / "rows.csv", encoding="utf-8-sig")
    assert rows["measure"].tolist() == [formula]
    assert f',"{formula.replace(chr(34), chr(34) * 2)}",' in \
        (out / "tables" / "rows.csv").read_text(encoding="utf-8-sig")
    sheet = openpyxl.load_workbook(out / "appendix.xlsx")["rows"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == formula]
    assert cells and all(c.data_type == "s" for c in cells)


def test_appendix_cover_gives_the_codebook_files_hashes(seed_build):
    import openpyxl

    import cqanalysis as cq

    out, _ = seed_build
    book_file = openpyxl.load_workbook(out / "appendix.xlsx", read_only=True)
    try:
        rows = {r[0]: r[2] for r in book_file.worksheets[0].iter_rows(values_only=True)
                if len(r) > 2 and r[0]}
    finally:
        book_file.close()
    for book in cq.default_codebooks():
        digest = hashlib.sha256(Path(book.path).read_bytes()).hexdigest()
        assert rows[book.name] == digest
        assert digest in (out / "README.md").read_text(encoding="utf-8")
