"""LaTeX booktabs tables: escaping, layout, one file per table, and a compiling ctex wrapper."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest

from cqanalysis.writers.latex import latex_escape, write_latex_tables

COUNTS = pd.DataFrame(
    [[3, 1], [0, 2]],
    index=pd.Index(["5.1", "5.2"], name="领域"),
    columns=pd.Index(["供给型", "环境型"], name="工具"),
)
STATS = pd.DataFrame({"test": ["pearson"], "statistic": [2.5], "dof": [1], "pval": [0.1138]})
TABLES = pd.DataFrame(
    {"doc_id": ["d"], "table_id": ["2.1"], "title": ["特殊字符 & 100%"], "header": ["方向 | 措施"],
     "roles": ["direction | measure"], "line": [3], "page": [None]}
)  # fmt: skip
ROWS = pd.DataFrame(
    {"doc_id": ["d", "d"], "table_id": ["2.1", "2.1"], "row_no": [1, 2],
     "direction": ["[1] 开头", "*星号"], "measure": ["$x_1$ & 50% #{a}~^\\", "第一行\n第二行"]}
)  # fmt: skip


@pytest.fixture(scope="module")
def seed_tex(tmp_path_factory, seed):
    out = tmp_path_factory.mktemp("latex")
    return write_latex_tables(
        out,
        frames=seed.frames(),
        crosstabs={"领域×工具": COUNTS},
        crosstab_stats={"领域×工具": STATS},
    )


@pytest.mark.parametrize(
    ("text", "tex"),
    [
        ("a & b", r"a \& b"),
        ("100%", r"100\%"),
        ("$5", r"\$5"),
        ("#1", r"\#1"),
        ("a_b", r"a\_b"),
        ("{x}", r"\{x\}"),
        ("~", r"\textasciitilde{}"),
        ("^", r"\textasciicircum{}"),
        ("\\", r"\textbackslash{}"),
        ("a<b>c|d", r"a\textless{}b\textgreater{}c\textbar{}d"),
        ('"x"', r"\textquotedbl{}x\textquotedbl{}"),
        ("1--2", "1-{}-2"),
        ("[1] 开头", "{[}1] 开头"),
        ("*星号", "{*}星号"),
        ("第一行\n第二行", r"第一行\newline 第二行"),
        ("政府职能转变", "政府职能转变"),
        # TeX ligatures print ` as ‘ and ,, as „ (checked with xelatex and pdftotext)
        ("`x'", r"\textasciigrave{}x\textquotesingle{}"),
        ("``引号''", r"\textasciigrave{}\textasciigrave{}引号\textquotesingle{}\textquotesingle{}"),
        ("a,,b", "a,{},b"),
        ("---", "-{}-{}-"),
        # a lone carriage return (classic Mac line end) is a line break, not dropped
        ("第一行\r第二行", r"第一行\newline 第二行"),
        # full-width forms are ordinary characters to TeX: kept as they are
        ("＃％＆＿～＾＼｛｝＄", "＃％＆＿～＾＼｛｝＄"),
        # control characters as in Word (issue #15): a vertical tab breaks, others show as �
        ("甲\x0b乙\x1b丙\uffff", r"甲\newline 乙�丙�"),
    ],
)
def test_latex_escape(text, tex):
    assert latex_escape(text) == tex


def test_one_file_per_table_and_a_wrapper(seed_tex):
    assert [p.name for p in seed_tex] == [
        "表5.1.1_政府职能转变对策建议.tex",
        "表5.2.1_区域协调机构建设对策建议.tex",
        "表5.3.1_法律法规与政策体系完善对策建议.tex",
        "表5.4.1_要素流动与公共服务共建共享对策建议.tex",
        "表5.5.1_信息共享与智慧协同对策建议.tex",
        "表5.6.1_人才队伍建设对策建议.tex",
        "交叉表_领域×工具.tex",
        "standalone.tex",
    ]


def test_booktabs_table_from_the_source(seed_tex):
    tex = seed_tex[0].read_text(encoding="utf-8")
    lines = tex.splitlines()
    assert r"\caption{政府职能转变对策建议}" in lines
    assert r"\label{tab:5.1.1}" in lines
    # Caption above: it comes before the tabular.
    assert lines.index(r"\caption{政府职能转变对策建议}") < lines.index(r"\toprule")
    head = lines.index(r"\toprule")
    assert lines[head + 1] == r"优化方向 & 具体建议 & 预期成效 \\"
    assert lines[head + 2] == r"\midrule"
    assert (
        lines[head + 3]
        == r"区域观念强化 & 树立“一盘棋”思想,摒弃“行政区经济” & 促进大局意识,减少地方保护 \\"
    )
    assert lines[head + 7] == r"\bottomrule"  # after 4 rows
    spec = next(line for line in lines if line.startswith(r"\begin{tabularx}"))
    assert "|" not in spec  # no vertical rules
    assert spec.count("X") == 2  # the two long text columns wrap; 优化方向 stays l
    assert (
        r"{\footnotesize\raggedright 资料来源：城市群跨区域行政体制协同\_对策建议，第6行\par}"
        in lines
    )


def test_crosstab_snippet(seed_tex):
    lines = seed_tex[-2].read_text(encoding="utf-8").splitlines()
    assert r"\caption{交叉表 领域×工具}" in lines
    assert r"\begin{tabular}{@{}lccc@{}}" in lines
    assert r"5.1 & 3 (75.0\%) & 1 (25.0\%) & 4 (100.0\%) \\" in lines
    assert r"合计 & 3 (50.0\%) & 3 (50.0\%) & 6 (100.0\%) \\" in lines
    note = r"注：$\chi^2$ = 2.500，df = 1，p = 0.114。括号内为行百分比。"
    assert any(note in line for line in lines)


def test_special_characters_in_cells_and_caption(tmp_path):
    written = write_latex_tables(tmp_path, tables=TABLES, rows=ROWS, standalone=False)
    assert [p.name for p in written] == ["表2.1_特殊字符_&_100%.tex"]
    lines = written[0].read_text(encoding="utf-8").splitlines()
    assert r"\caption{特殊字符 \& 100\%}" in lines
    first = (
        r"{[}1] 开头 & \$x\_1\$ \& 50\% \#\{a\}\textasciitilde{}\textasciicircum{}"
        r"\textbackslash{} \\"
    )
    assert first in lines
    assert r"{*}星号 & 第一行\newline 第二行 \\" in lines


def test_byte_identical_across_runs(tmp_path, seed):
    a = write_latex_tables(tmp_path / "a", frames=seed.frames())
    b = write_latex_tables(tmp_path / "b", frames=seed.frames())
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_standalone_holds_every_table(seed_tex):
    doc = seed_tex[-1].read_text(encoding="utf-8")
    assert doc.startswith(r"\documentclass[UTF8,zihao=5]{ctexart}")
    assert doc.count(r"\begin{table}") == 7
    assert doc.rstrip().endswith(r"\end{document}")


def _has_ctex() -> bool:
    if shutil.which("xelatex") is None or shutil.which("kpsewhich") is None:
        return False
    found = subprocess.run(["kpsewhich", "ctexart.cls"], capture_output=True, text=True)
    return bool(found.stdout.strip())


@pytest.mark.skipif(not _has_ctex(), reason="XeLaTeX with ctex not installed")
def test_standalone_compiles_with_xelatex(tmp_path, seed):
    written = write_latex_tables(tmp_path, frames=seed.frames(), crosstabs={"ct": COUNTS})
    written += write_latex_tables(tmp_path / "special", tables=TABLES, rows=ROWS)
    for folder in (tmp_path, tmp_path / "special"):
        run = subprocess.run(
            ["xelatex", "-interaction=nonstopmode", "-halt-on-error", "standalone.tex"],
            cwd=folder, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout[-2000:]
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(tmp_path / "standalone.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout  # fmt: skip
        assert "政府职能转变对策建议" in text
        assert "区域观念强化" in text


def test_wide_layered_crosstab_shrinks_and_spaces_layers(tmp_path):
    wide = pd.DataFrame(
        [[10] * 8, [5] * 8, [1] * 8],
        index=pd.MultiIndex.from_tuples([("甲", "a"), ("甲", "b"), ("乙", "a")]),
        columns=[f"预期成效维度{k}" for k in range(8)],
    )
    (path,) = write_latex_tables(tmp_path, crosstabs={"wide": wide}, standalone=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert r"\resizebox{\linewidth}{!}{%" in lines
    assert r"\end{tabular}}" in lines
    body = lines[lines.index(r"\midrule") + 1 : lines.index(r"\bottomrule")]
    assert body[0].startswith("甲 & a & 10 (12.5\\%)")
    assert body[1].startswith(" & b & 5 (12.5\\%)")
    assert body[3] == r"\addlinespace"  # a new layer begins
    assert body[4].startswith("乙 & a & 1 (12.5\\%)")
