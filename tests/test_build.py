"""`cqanalysis build`: the report layout of DESIGN.md, reproducibility and atomicity."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cqanalysis.builder import build

FRAMES = ("sections", "tables", "rows", "items", "paragraphs", "residue", "errors", "documents",
          "clauses", "coded", "links")
CROSSTABS = ("domain_x_instrument", "domain_x_instrument_detail", "domain_x_outcome",
             "domain_x_level", "instrument_x_outcome")
FIGURES = ("图1_领域_政策工具热力图", "图2_领域_政策工具类型构成", "图3_领域_工具_成效流向",
           "图4_编码共现网络")


def _digests(folder: Path) -> dict[str, str]:
    # .cache (the parse cache, issue 14) is not a report
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).parts[0] != ".cache"}


@pytest.fixture(scope="module")
def built(tmp_path_factory, seed_path):
    out = tmp_path_factory.mktemp("reports")
    result = build([seed_path], out=out, progress=False)
    return out, result


def test_layout_of_the_reports(built):
    out, result = built
    for name in FRAMES:
        assert (out / "tables" / f"{name}.csv").exists(), name
    for name in CROSSTABS:
        assert (out / "crosstabs" / f"{name}.csv").exists(), name
    for stem in FIGURES:
        for suffix in (".png", ".pdf", ".svg"):
            assert (out / "figures" / f"{stem}{suffix}").exists()
    assert not list((out / "figures").glob("图5_*")), "one document: no comparison figure"
    assert (out / "appendix.xlsx").exists()
    assert len(list((out / "word").glob("*.docx"))) >= 6
    assert len(list((out / "latex").glob("*.tex"))) >= 6
    assert sorted(result.files) == sorted(_digests(out))
    assert not list(out.parent.glob(f".{out.name}-build-*")), "staging folder removed"


def test_tables_hold_the_seed_counts(built):
    out, _ = built
    read = {name: pd.read_csv(out / "tables" / f"{name}.csv", encoding="utf-8-sig")
            for name in ("rows", "items", "clauses", "documents")}
    assert len(read["rows"]) == 29
    assert len(read["items"]) == 30
    assert read["clauses"]["field"].value_counts().to_dict() == {"outcome": 55, "measure": 46}
    assert read["documents"]["path"].tolist() == ["data/raw/城市群跨区域行政体制协同_对策建议.txt"]
    assert (out / "tables" / "rows.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_readme_says_what_was_built_from_what(built, seed_path):
    out, _ = built
    readme = (out / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(seed_path.read_bytes()).hexdigest()
    assert digest in readme
    assert "| rows | 29 |" in readme
    assert "page_number: 1" in readme and "viewer_artifact: 1" in readme
    assert str(out) not in readme and str(seed_path.parent) not in readme


def test_second_build_is_byte_identical(built, tmp_path, seed_path):
    out, _ = built
    again = tmp_path / "again"
    build([seed_path], out=again, progress=False)
    assert _digests(again) == _digests(out)


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


def test_rebuild_removes_stale_files_only_in_owned_folders(built, tmp_path, seed_path):
    out = tmp_path / "r"
    (out / "figures").mkdir(parents=True)
    (out / "figures" / "old.png").write_bytes(b"stale")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    build([seed_path], out=out, progress=False)
    assert not (out / "figures" / "old.png").exists()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_corpus_build_with_manifest(tmp_path):
    from .conftest import ROOT

    data = ROOT / "notebooks" / "data"
    out = tmp_path / "corpus"
    build([data], out=out, manifest=data / "manifest.csv", progress=False)
    for stem in (*FIGURES, "图5_文档比较"):
        assert (out / "figures" / f"{stem}.png").exists()
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


def test_english_figures_translate_codes_and_titles(tmp_path, seed_path):
    import pdfplumber

    out = tmp_path / "en"
    build([seed_path], out=out, lang="en", progress=False)
    with pdfplumber.open(out / "figures" / "图2_领域_政策工具类型构成.pdf") as pdf:
        # every glyph, rotated axis titles included, in drawing order
        text = "".join(ch["text"] for ch in pdf.pages[0].chars)
    for words in ("Instrument type", "Domain", "Supply-side instruments",
                  "Building the talent pool"):
        assert words.replace(" ", "") in text.replace(" ", ""), words
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text)


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
