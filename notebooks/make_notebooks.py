"""Write the numbered notebooks from the cell lists below and execute them, outputs stored.

The notebooks are generated, not edited by hand: change a cell here, then regenerate.  From the
repository root::

    .venv/bin/python notebooks/make_notebooks.py          # all six notebooks
    .venv/bin/python notebooks/make_notebooks.py 03 05    # only those whose name starts so

Each notebook is executed in a fresh kernel with the notebooks/ folder as working directory
(paths in the cells are relative to it) and written with its outputs, so readers of a web view
see the results.  The run fails if any cell writes to stderr (a warning, say) or raises, or if
an output holds something that would differ between runs (a temporary path, a memory
address); ``tests/test_notebooks.py`` then checks with nbval that a fresh run reproduces the
stored outputs.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from textwrap import dedent

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
SEED = "../data/raw/城市群跨区域行政体制协同_对策建议.txt"

Cell = tuple[str, str]


# Chinese has no spaces between words, but a renderer shows a line break inside a paragraph as
# one: the source wraps Chinese lines at 100 columns, the cell gets them joined.
_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef\u2014\u2018\u2019\u201c\u201d\u2026"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])\n[ \t]*(?=[{_CJK}])")


def md(text: str) -> Cell:
    return ("markdown", _CJK_BREAK.sub("", dedent(text).strip("\n")))


def code(text: str) -> Cell:
    return ("code", dedent(text).strip("\n"))


# ----------------------------------------------------------------------------------- 01 parse

NB01: list[Cell] = [
    md("""
    # 01 解析对策建议章节 · Parsing a recommendation chapter

    本笔记本用 `cq.parse` 解析随包附带的示例文档（`data/raw` 中《城市群跨区域行政体制协同》的对策建
    议章节），逐一查看得到的整洁数据框（tidy DataFrame）、残余行（residue）和逐行核算
    （line accounting）。

    This notebook parses the bundled example chapter in `data/raw` with `cq.parse` and looks at
    every tidy frame it yields, at the residue (source lines that are not content) and at the
    line accounting that shows no text was lost.

    运行方式：在 `notebooks/` 目录中从上到下运行；路径均相对于该目录。
    Run top to bottom from the `notebooks/` folder; paths are relative to it.
    """),
    code(f"""
    from pathlib import Path

    import pandas as pd

    import cqanalysis as cq

    pd.set_option("display.max_colwidth", 40)
    SEED = Path("{SEED}")
    """),
    md("""
    ## 1. 解析 · Parse

    一次调用即可；返回的 `Document` 概括了各数据框的行数。
    One call; the `Document` it returns summarises how many rows each frame has.
    """),
    code("""
    doc = cq.parse(SEED)
    doc
    """),
    md("""
    六个数据框构成数据契约（见 `docs/data-contract.md`）：每个框都有 `doc_id` 和来源行号 `line`，可以回溯到原
    文。
    The six frames are the data contract (see `docs/data-contract.md`); every frame carries `doc_id` and the
    source `line`, so each value can be traced back to the text.
    """),
    code("""
    frames = doc.frames()
    pd.DataFrame(
        {"rows": [len(f) for f in frames.values()],
         "columns": [", ".join(f.columns) for f in frames.values()]},
        index=list(frames),
    )
    """),
    md("""
    ## 2. 章节 · Sections

    原文从第 5.1 节的中间开始（复制时丢了标题），解析器根据表题“表5.1.1政府职能转变对策建议”推断
    出 5.1 节：
    `inferred` 为真，`inferred_from` 说明依据，`line` 为空。第六章“结论”也作为一个章节保留。

    The text starts in the middle of section 5.1 (its heading was lost in copying); the parser
    infers 5.1 from the caption 表5.1.1政府职能转变对策建议: `inferred` is true, `inferred_from`
    says why, and `line` is empty. The conclusion chapter 第六章结论 is kept as a section too.
    """),
    code("""
    doc.sections[["section_no", "level", "numbering", "title", "subtitle", "inferred",
                  "inferred_from", "line"]]
    """),
    md("""
    ## 3. 对策建议表 · Recommendation tables

    列的角色由表头决定，而不是列的位置：`优化方向`/`建设方向`/`完善方向` → `direction`，`具体建
    议` → `measure`，
    `预期成效` → `outcome`。`rows` 每行是一条对策建议。

    Column roles come from the header, not from the position: 优化方向 / 建设方向 / 完善方向 →
    `direction`, 具体建议 → `measure`, 预期成效 → `outcome`. Each row of `rows` is one
    recommendation.
    """),
    code("""
    doc.tables[["table_id", "title", "section_no", "header", "roles", "n_rows", "line",
                "header_line"]]
    """),
    code("""
    doc.rows[["table_id", "row_no", "section_title", "direction", "measure", "outcome",
              "line"]].head(8)
    """),
    code("""
    doc.rows["table_id"].value_counts(sort=False)
    """),
    md("""
    ## 4. 叙述性条目 · Narrative items

    正文中“标题:说明”形式的建议成为 `items`：标题和说明分开保存。
    Recommendations written as “标题:说明” (title: explanation) in the prose become `items`,
    with title and body kept apart.
    """),
    code("""
    doc.items[["section_no", "item_no", "title", "body", "line"]].head(6)
    """),
    code("""
    doc.items["section_no"].value_counts(sort=False)
    """),
    md("""
    ## 5. 其他段落 · Other prose

    每节的引言、结论章的段落等进入 `paragraphs`，`kind` 标明其类型。
    Section introductions and the paragraphs of the conclusion go to `paragraphs`; `kind` says
    which.
    """),
    code("""
    doc.paragraphs[["section_no", "kind", "text", "line"]]
    """),
    md("""
    ## 6. 残余行 · Residue

    不是内容的文字不会被悄悄丢掉，而是放进 `residue` 并注明原因：第 1 行的“44”是从 PDF 复制时带进来
    的页码；第 2 行开头的“浏览”是阅读器按钮的文字，粘在第一条建议前面——它从该行中剥离出来
    （`partial` 为真），该行其余部分仍是第 1 条叙述性条目。

    Text that is not content is not silently dropped: it goes to `residue` with a reason. Line
    1, “44”, is a page number carried over from copying out of a PDF; the “浏览” (browse) at the
    start of line 2 is a viewer button's label glued to the first recommendation. It is
    stripped from that line (`partial` is true) and the rest of the line is still item 1.
    """),
    code("""
    doc.residue
    """),
    md("""
    宽松模式下的结构问题（例如某行单元格数量不对）会记录在 `doc.warnings` 中；这份文档没有。
    `cq.parse(path, strict=True)` 则会在第一个结构问题处抛出 `ParseError`。

    In the default lenient mode structural problems (a table row with the wrong number of cells,
    say) are listed in `doc.warnings`; this document has none. `cq.parse(path, strict=True)`
    raises `ParseError` at the first one instead.
    """),
    code("""
    doc.warnings
    """),
    md("""
    ## 7. 逐行核算 · Line accounting

    每一个非空的原文行都恰好属于一个数据框（表格行、标题、表题、条目、段落或残余行）。
    `line_owners` 列出每个数据框认领的行，我们与原文逐行对照。

    Every non-blank source line belongs to exactly one frame (a table row, heading, caption,
    item, paragraph or residue). `line_owners` lists the lines each frame claims; we check them
    against the source.
    """),
    code("""
    owners = cq.line_owners(doc)
    owners["frame"].value_counts()
    """),
    code("""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    nonblank = [n for n, text in enumerate(lines, start=1) if text.strip()]
    print("non-blank source lines:", len(nonblank))
    print("claims:", len(owners), "| distinct lines claimed:", owners["line"].nunique())
    print("each non-blank line claimed exactly once:", owners["line"].tolist() == nonblank)
    """),
    code("""
    owners[["line", "frame"]].assign(text=[lines[n - 1][:24] for n in owners["line"]]).head(12)
    """),
    md("""
    ## 8. 自己的文档 · Your own document

    `cq.parse` 读取 .txt、.md、.docx、.pdf、.xlsx/.csv 和 .html；一段字符串可以用 `cq.parse_text` 解
    析。多个文档加清单（manifest）见笔记本 06；命令行为 `cqanalysis parse 文件 --out 目录`。

    `cq.parse` reads .txt, .md, .docx, .pdf, .xlsx/.csv and .html; a string goes through
    `cq.parse_text`. Several documents with a manifest: notebook 06. On the command line:
    `cqanalysis parse FILE --out DIR`.
    """),
    code("""
    text = \"\"\"5.1数据共享:打通条块壁垒
    建立数据回流机制:推动省市平台数据按需回流至街道社区。
    表5.1.1数据共享对策建议
    优化方向 具体建议 预期成效
    数据回流 建立省市数据回流街道机制 减少重复填报,减轻基层负担
    \"\"\"
    mini = cq.parse_text(text, doc_id="mini")
    mini.rows[["table_id", "row_no", "section_title", "direction", "measure", "outcome"]]
    """),
]

# ------------------------------------------------------------------- 02 coding and crosstabs

NB02: list[Cell] = [
    md("""
    # 02 分句、编码与交叉表 · Clauses, coding and crosstabs

    从解析结果出发：把对策建议表中的“具体建议”和“预期成效”单元格拆成最小分句，用词典编码表（政策工
    具、预期成效维度、治理层级与主体）编码，再做 领域 × 政策工具 × 预期成效 的交叉表。最后是一段写给
    治理研究者的解读。

    From the parse to the analysis: the measure and outcome cells of the recommendation tables
    are split into atomic clauses, coded with dictionary codebooks (policy instruments, outcome
    dimensions, governance level and actor) and cross-tabulated as domain × instrument ×
    outcome. A short interpretation for governance scholars closes the notebook.
    """),
    code(f"""
    import pandas as pd

    import cqanalysis as cq

    pd.set_option("display.max_colwidth", 40)
    doc = cq.parse("{SEED}")
    analysis = cq.analyse(doc)
    analysis
    """),
    md("""
    `cq.analyse` 一次算出所有结果；下面逐步查看。各步也可单独调
    用：`cq.explode_clauses`、`cq.coding_units`、
    `cq.code_units`、`cq.crosstab`、`cq.chi2_test`、`cq.link_items`。

    `cq.analyse` computes every result once; we look at them step by step. Each step is also a
    function of its own: `cq.explode_clauses`, `cq.coding_units`, `cq.code_units`,
    `cq.crosstab`, `cq.chi2_test`, `cq.link_items`.

    ## 1. 分句 · Clauses

    一个单元格常常包含几项措施（“树立‘一盘棋’思想,摒弃‘行政区经济’”）。按逗号、分号、句号拆开（引号
    和括号内不拆），每个分句是一个编码单位。

    A cell often holds several measures; it is split at commas, semicolons and full stops (not
    inside quotes or brackets) and each clause becomes one unit of coding.
    """),
    code("""
    analysis.clauses[["table_id", "row_no", "field", "clause_no", "text"]].head(8)
    """),
    code("""
    analysis.clauses["field"].value_counts()
    """),
    md("""
    ## 2. 编码表 · Codebooks

    随包附带三个编码表。政策工具采用 Rothwell & Zegveld 的供给型 / 环境型 / 需求型三分法，下设子类；
    每个子类有关键词，编码即关键词匹配，可多标签。自己的编码表用 `cq.load_codebook("path.yaml")` 读
    入。

    Three codebooks ship with the package. Policy instruments follow Rothwell & Zegveld's
    supply / environment / demand types with sub-tools; each sub-tool has keywords, coding is
    keyword matching and multi-label. Load your own with `cq.load_codebook("path.yaml")`.
    """),
    code("""
    books = cq.default_codebooks()
    books
    """),
    code("""
    books[0].to_frame()[["code", "parent", "label_zh", "label_en", "keywords"]]
    """),
    md("""
    ## 3. 编码结果 · Coded units

    `coded` 每行是一个“单位 × 编码”；`evidence` 给出命中的关键词，便于核查。`cq.unit_codes` 把它整理
    成每个单位一行。

    `coded` has one row per unit × code; `evidence` lists the keywords that matched, so every
    code can be checked. `cq.unit_codes` gives one row per unit.
    """),
    code("""
    analysis.coded[["table_id", "row_no", "field", "clause_no", "text", "codebook", "label_zh",
                    "evidence"]].head(8)
    """),
    code("""
    cq.unit_codes(analysis.coded, labels="zh")[["table_id", "row_no", "field", "text",
                                                 "instruments", "outcomes", "levels"]].head(10)
    """),
    md("""
    没有命中任何编码的单位不会消失，`cq.uncoded` 列出它们。这里每个措施分句都有政策工具编码、每个成
    效分句都有成效编码；未编码的只有“治理层级与主体”——多数措施没有写明由哪一级政府或哪类主体来做。

    Units no code matched are kept and listed by `cq.uncoded`. Here every measure clause has an
    instrument code and every outcome clause an outcome code; only the governance level codebook
    leaves units uncoded — most measures do not say which level of government or which actor
    is to act.
    """),
    code("""
    cq.uncoded(analysis.coded)["codebook"].value_counts()
    """),
    md("""
    ## 4. 交叉表 · Crosstabs

    标准交叉表（带合计）。`depth=1` 把政策工具子类归并到三种类型，把成效归并到七个维度。单元格计的是
    编码次数：一个分句若有两个工具编码就计两次。

    The standard crosstabs, with margins. `depth=1` rolls instrument sub-tools up to the three
    types and outcomes up to seven dimensions. Cells count codings: a clause with two
    instrument codes counts twice.
    """),
    code("""
    list(analysis.crosstabs)
    """),
    code("""
    analysis.crosstabs["domain_x_instrument"]
    """),
    md("""
    行百分比更便于比较各领域的工具结构 · Row percentages compare the instrument mix of the domains:
    """),
    code("""
    (cq.crosstab(analysis.coded, index="domain", columns="instrument", depth=1,
                 normalize="row") * 100).round(1)
    """),
    code("""
    analysis.crosstabs["domain_x_outcome"]
    """),
    md("""
    政策工具 × 预期成效：计的是同一条建议（同一表格行）中措施编码与成效编码的配对。
    Instrument × outcome counts the pairs of a measure code and an outcome code within the same
    recommendation (table row).
    """),
    code("""
    analysis.crosstabs["instrument_x_outcome"]
    """),
    md("""
    三维：领域 × 政策工具类型 × 预期成效维度（`layer` 为外层行变量）。
    Three ways: domain × instrument type × outcome dimension (`layer` is the outer row
    variable).
    """),
    code("""
    cq.crosstab(analysis.coded, index="instrument", columns="outcome", layer="domain", depth=1)
    """),
    md("""
    ## 5. 检验 · Tests

    每个交叉表都做了卡方检验（2×2 表另有 Fisher 精确检验），并给出 Cramér's V。期望频数过小时，
    `note` 会说明——一份文档的编码量很小，这里的 p 值只能作描述性参考。

    Every crosstab gets a chi-square test (and Fisher's exact test for 2×2 tables) with
    Cramér's V. When expected counts are small, `note` says so — one document gives few codings,
    so these p-values are descriptive at best.
    """),
    code("""
    analysis.tests[["crosstab", "statistic", "dof", "pval", "cramer_v", "n",
                    "min_expected"]].round(3)
    """),
    code("""
    print(analysis.tests.loc[0, "note"])
    """),
    md("""
    ## 6. 表格与正文的对应 · Tables linked to the narrative

    对策建议表是对正文条目的浓缩。`links` 把每个表格行连到它所概括的条目（同一节内按字符二元组重合度
    匹配）。

    A recommendation table condenses the narrative items of its section; `links` connects each
    table row to the items it summarises (matched within the section by shared character
    bigrams).
    """),
    code("""
    analysis.links[["table_id", "row_no", "section_no", "item_no", "item_title",
                    "score"]].round(2).head(8)
    """),
    md("""
    ## 7. 解读 · Interpretation

    **中文。** 这一章共 29 条表格建议、46 个措施分句，得到 51 个政策工具编码。供给型 23 个（45%）、
    环境型 24 个（47%），需求型只有 4 个（8%），而且只出现在“要素自由流动与公共服务”和“人才队伍建
    设”两个领域。这与国内政策工具研究“重供给与环境、轻需求”的常见发现一致：作者设想的协同主要靠政府
    设机构、定规则，较少借助市场准入、社会参与、试点等“拉动”手段。领域之间分工清楚：“法律法规与政策
    体系完善”的 7 个编码全部是环境型；“信息共享与智慧协同”以供给型为主（9 个中 7 个），主要是信息与
    数字化平台建设。预期成效集中在“效能与能力”（60 个成效编码中 19 个）和“协同与一体化”（17 个），绿
    色发展与安全信任各只有 2 个——作者把跨区域协同首先看作行政能力与区域整合问题。从工具与成效的配对
    看，供给型工具主要指向效能与能力（46 对中 22 对），环境型工具主要指向协同与一体化（50 对
    中 16 对）和发展与创新（12 对）。

    **注意：** 这是词典编码，可靠性要与人工编码对照（见笔记本 05）；多标签编码计的是编码次数而非建议
    条数；只有一份文档，期望频数普遍小于 5，卡方检验只作描述；对策建议是作者的主张，不是已实施的政
    策。

    **English.** The chapter has 29 table recommendations with 46 measure clauses, which receive
    51 instrument codes. Supply-side instruments account for 23 (45%), environmental ones for
    24 (47%), demand-side ones for only 4 (8%), and those appear in just two domains, factor flows
    and public services, and personnel. This matches a common finding of Chinese
    policy-instrument studies, heavy on supply and environment and light on demand: the
    coordination the author envisages is built by government setting up bodies and rules, rarely
    by pulling in markets, social actors or pilots. The domains divide the labour: all 7 codes of
    laws, regulations and policies are environmental, while information sharing and smart
    collaboration is mostly supply-side (7 of 9), chiefly information and digital platforms.
    Expected outcomes concentrate on effectiveness and capacity (19 of 60 outcome codes) and
    coordination and integration (17); green development and security appear twice each — the
    author frames cross-jurisdictional coordination first as a matter of administrative capacity
    and regional integration. Pairing instruments with outcomes, supply-side tools point mainly
    to effectiveness and capacity (22 of 46 pairs), environmental tools to coordination and
    integration (16 of 50) and to development and innovation (12).

    **Caveats:** dictionary coding must be validated against human coders (notebook 05);
    multi-label coding counts codings, not recommendations; one document gives expected counts
    mostly below 5, so the chi-square tests are descriptive; recommendations are the author's
    claims, not implemented policy.
    """),
]

# ---------------------------------------------------------------------------------- 03 figures

NB03: list[Cell] = [
    md("""
    # 03 论文图表 · Figures for papers

    期刊风格的图：中文字体（思源黑体/宋体，首次使用时转换并缓存）、期刊尺寸（单栏/双栏）、色盲友好配
    色。绘图函数仿照 seaborn：输入整洁数据框，`ax=None`，返回 Axes；保存是单独一
    步 `cqf.save_figure`，同时写 PNG、PDF、SVG，且每次结果逐字节相同。图片保存到临时目录，不写进仓
    库。

    Journal-style figures: Chinese fonts (Noto Sans / Serif CJK SC, converted and cached on
    first use), journal widths (single / double column), colour-blind-safe colours. Plot
    functions follow seaborn — a tidy DataFrame in, `ax=None`, the Axes returned; saving is a
    separate step, `cqf.save_figure`, writing PNG, PDF and SVG that are byte-identical from run
    to run. Files go to a temporary folder, never into the repository.
    """),
    code(f"""
    %matplotlib inline
    %config InlineBackend.figure_formats = ["retina"]
    import tempfile
    from pathlib import Path

    import cqanalysis as cq
    import cqanalysis.figures as cqf

    doc = cq.parse("{SEED}")
    analysis = cq.analyse(doc)
    tmp = tempfile.TemporaryDirectory()
    out = Path(tmp.name)
    """),
    md("""
    ## 1. 热力图 · Heatmap: domain × policy instrument

    `paper_style` 是一个上下文管理器：只在 `with` 块内改变 matplotlib 设置。`save_figure` 返回写出的
    文件。
    `paper_style` is a context manager: matplotlib settings change only inside the `with` block.
    `save_figure` returns the files it wrote.
    """),
    code("""
    with cqf.paper_style(width="double", aspect=0.55):
        fig, ax = cqf.paper_figure()
        cqf.heatmap(analysis.crosstabs["domain_x_instrument_detail"], annot="count", ax=ax)
        files = cqf.save_figure(fig, out / "图1_领域_政策工具热力图")
    [f.name for f in files]
    """),
    md("""
    ## 2. 堆积条形图 · Stacked bars: instrument types per domain

    条形图需要每个编码一行的数据：`cq.measure_instruments` 给出措施分句的政策工具编码，归并到三种类
    型；`cq.instrument_types` 给出编码表中的类型顺序。
    The bars take one row per coding: `cq.measure_instruments` gives the instrument codes of
    measure clauses rolled up to the three types; `cq.instrument_types` their codebook order.
    """),
    code("""
    measures = cq.measure_instruments(analysis)
    types = cq.instrument_types(analysis)
    measures[["section_title", "text", "label_zh"]].head()
    """),
    code("""
    with cqf.paper_style(width="double", aspect=0.45):
        fig, ax = cqf.paper_figure()
        cqf.stacked_bars(measures, x="section_title", hue="label_zh", hue_order=types,
                         legend_title="政策工具类型", ylabel="领域", ax=ax)
        files = cqf.save_figure(fig, out / "图2_领域_政策工具类型构成")
    """),
    md("""
    ## 3. 冲积图 · Alluvial: domain → instrument → outcome

    `flows` 给出每条建议的 领域 → 工具类型 → 成效维度 路径；每条建议总权重为 1，无论它有几个编码。
    `flows` lists each recommendation's domain → instrument type → outcome dimension paths;
    every recommendation weighs 1 in total however many codes it has.
    """),
    code("""
    paths = cq.flows(analysis)
    paths.head()
    """),
    code("""
    with cqf.paper_style(width="double", aspect=0.7):
        fig, ax = cqf.paper_figure()
        cqf.alluvial(paths, stages=["domain", "instrument", "outcome"], weight="weight",
                     stage_labels=["领域", "政策工具类型", "预期成效维度"], values=False,
                     orders={"instrument": types}, ax=ax)
        files = cqf.save_figure(fig, out / "图3_领域_工具_成效流向")
    """),
    md("""
    ## 4. 共现网络 · Co-occurrence network

    节点是工具类型和成效维度，连线粗细是同一条建议中同时出现的次数。
    Nodes are instrument types and outcome dimensions; an edge is as thick as the number of
    recommendations coded with both.
    """),
    code("""
    network = cq.code_network(analysis, depth=1)
    network
    """),
    code("""
    groups = cq.code_groups(analysis, depth=1)
    with cqf.paper_style(width="double", aspect=0.8):
        fig, ax = cqf.paper_figure()
        cqf.cooccurrence_network(network, groups=groups, ax=ax)
        files = cqf.save_figure(fig, out / "图4_编码共现网络")
    """),
    md("""
    ## 5. 英文版与灰度版 · English labels and grayscale

    `lang="en"` 用术语表和编码表把标签译成英文（`lang="both"` 中英并列）；`grayscale=True` 适合黑白
    印刷的期刊；
    `font="serif"` 换成宋体风格。

    `lang="en"` translates labels with the glossary and the codebooks (`lang="both"` shows
    both); `grayscale=True` suits journals printed in black and white; `font="serif"` switches
    to a Song-style typeface.
    """),
    code("""
    with cqf.paper_style(width="single", aspect=0.9, grayscale=True):
        fig, ax = cqf.paper_figure()
        cqf.heatmap(analysis.crosstabs["domain_x_instrument"], annot="both", lang="en",
                    labels=cqf.codebook_labels(analysis.codebooks), ax=ax)
        files = cqf.save_figure(fig, out / "fig_domain_instrument_en")
    """),
    md("""
    ## 6. 写出的文件 · The files written

    每个图都有 PNG（300 dpi）、PDF（嵌入 TrueType 字体，文字可检索）和 SVG（文字转为路径）。
    `cqanalysis build` 用 `cqanalysis.builder.draw_figures(analysis, folder)` 一次画出标准图集（即上
    面的图 1–4；多文档时再加文档比较图，见笔记本 06）。

    Each figure is written as PNG (300 dpi), PDF (TrueType fonts embedded, text searchable) and
    SVG (text as paths). `cqanalysis build` draws the standard set — figures 1–4 above, plus
    the document comparison for a corpus (notebook 06) — in one call,
    `cqanalysis.builder.draw_figures(analysis, folder)`.
    """),
    code("""
    sorted(p.relative_to(out).as_posix() for p in out.glob("*.*"))
    """),
    code("""
    tmp.cleanup()
    """),
]

# ---------------------------------------------------------------- 04 appendix, Word and LaTeX

NB04: list[Cell] = [
    md("""
    # 04 Excel 附录、Word 与 LaTeX 表格 · Excel appendix, Word and LaTeX tables

    论文附录和正文表格由同一份分析结果写出：一个 Excel 工作簿（附录），每张表一个 Word 三线表文件，
    每张表一个 LaTeX booktabs 片段。这里写入临时目录并列出文件；`cqanalysis build` 一条命令写出全部
    内容。

    The appendix and the tables of a paper are written from one analysis: an Excel workbook
    (the appendix), one Word three-line table per table, one LaTeX booktabs snippet per table.
    Here they go to a temporary folder and we list what was written; `cqanalysis build` does all
    of it in one command.
    """),
    code(f"""
    import tempfile
    from pathlib import Path

    import pandas as pd

    import cqanalysis as cq

    doc = cq.parse("{SEED}")
    analysis = cq.analyse(doc)
    tmp = tempfile.TemporaryDirectory()
    out = Path(tmp.name)
    """),
    md("""
    `cq.export` 把分析结果写成已注册的格式（`cqanalysis build` 用的是同一组导出器）：交叉表的标题、
    检验统计量和注释由分析结果统一提供，三种输出一致。
    `cq.export` writes the analysis in registered formats (the same exporters `cqanalysis build`
    runs): crosstab titles, test statistics and notes come from the analysis, the same in all
    three outputs.
    """),
    md("""
    ## 1. Excel 附录 · The Excel appendix

    封面（来源文件及其 SHA-256、编码表、目录）、按原表头复原的附表、各整洁数据框（带筛选）、交叉表（
    计数与百分比、检验）和编码表。文本单元格一律写成文本，不会被 Excel 当成公式。

    A cover sheet (sources with SHA-256, codebooks, contents), the source tables rebuilt under
    their original headers, the tidy frames (with filters), the crosstabs (counts, percentages,
    tests) and the codebooks. Text is always written as text, never as a formula.
    """),
    code("""
    [workbook] = cq.export(analysis, "appendix", out)
    sheets = pd.ExcelFile(workbook).sheet_names
    print(workbook.name)
    sheets
    """),
    md("""
    数据框工作表的表头在第 1 行，可以直接读回 · A frame's sheet has its header in row 1 and reads
    straight back:
    """),
    code("""
    pd.read_excel(workbook, sheet_name="rows").iloc[:3, :8]
    """),
    md("""
    ## 2. Word 三线表 · Word three-line tables

    中文学位论文的三线表：表题在上（黑体五号），表内宋体小五，表头在每页重复。每张表一个 .docx，便于
    粘贴进论文。
    The three-line tables of Chinese theses: caption above, header repeated on every page; one
    .docx per table, ready to paste into the thesis.
    """),
    code("""
    word_files = cq.export(analysis, "word", out)
    [p.relative_to(out).as_posix() for p in word_files]
    """),
    md("""
    用 python-docx 读回第一个文件：表题和表格的前几行 · Reading the first file back with
    python-docx: the caption and the first rows of the table:
    """),
    code("""
    import docx

    first = docx.Document(word_files[0])
    print(first.paragraphs[0].text)
    [[cell.text for cell in row.cells] for row in first.tables[0].rows[:3]]
    """),
    md("""
    ## 3. LaTeX 表格 · LaTeX tables

    每张表一个 booktabs 片段，用 `\\input` 放进论文；`standalone.tex` 汇总所有表格，可
    用 `xelatex` 编译检查。
    One booktabs snippet per table to `\\input` into a thesis; `standalone.tex` holds them all and
    compiles with `xelatex` for checking.
    """),
    code("""
    latex_files = cq.export(analysis, "latex", out)
    [p.relative_to(out).as_posix() for p in latex_files]
    """),
    code("""
    print(latex_files[0].read_text(encoding="utf-8"))
    """),
    md("""
    ## 4. 一条命令 · One command

    上面的一切（以及图、CSV 表格和说明文件 README.md）由 `cqanalysis build --out reports` 一次写出；
    同样的输入得到逐字节相同的文件。

    All of the above, with the figures, the CSV tables and a README.md saying what was built from
    what, is written by `cqanalysis build --out reports`; the same inputs give byte-identical
    files.
    """),
    code("""
    sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    """),
    code("""
    tmp.cleanup()
    """),
]

# --------------------------------------------------------- 05 teaching: coding and agreement

NB05: list[Cell] = [
    md("""
    # 05 教学：人工编码与编码一致性 · Teaching: coding by hand and agreement

    **课程情境（公共管理 / 治理研究方法课）。** 学生用编码表给对策建议的分句编码，再与词典自动编码比
    较：两人之间的一致性有多高？词典编码在哪里与人的判断不同？分歧说明了编码表的什么问题？

    **Course setting (a methods class in public administration / governance).** Students code
    clauses of recommendations with the coding sheet, then compare with the dictionary coding:
    how well do two coders agree, where does the dictionary differ from human judgement, and
    what do the disagreements say about the codebook?

    学习目标 · Learning goals:
    1. 理解编码单位、编码表和多标签编码 · units of coding, codebooks, multi-label coding;
    2. 计算并解释百分比一致率、Cohen's κ 和 Krippendorff's α · compute and read percent agreement,
       Cohen's κ and Krippendorff's α;
    3. 从分歧出发修订编码规则 · revise coding rules from disagreements.
    """),
    code(f"""
    import tempfile
    from pathlib import Path

    import pandas as pd

    import cqanalysis as cq

    pd.set_option("display.max_colwidth", 30)
    doc = cq.parse("{SEED}")
    analysis = cq.analyse(doc)
    books = [cq.load_codebook("instruments"), cq.load_codebook("outcomes")]
    tmp = tempfile.TemporaryDirectory()
    out = Path(tmp.name)
    """),
    md("""
    ## 1. 编码单位 · The units

    课堂上只编一张表：表5.2.1“区域协调机构建设”的全部分句（措施 7 个、成效 11 个）。
    In class we code one table: every clause of table 5.2.1 (regional coordination bodies),
    7 measure and 11 outcome clauses.
    """),
    code("""
    units = analysis.clauses.query("table_id == '5.2.1'")
    units[["table_id", "row_no", "field", "clause_no", "text"]]
    """),
    md("""
    ## 2. 编码表工作簿 · The coding sheet

    `cq.write_coding_sheet` 为每位学生写一个 Excel 工作簿：说明页、编码页（下拉菜单只能选编码表中的
    编码；政策工具只用于措施分句，成效维度只用于成效分句，不适用的格子是灰色的）和编码表页。每个编码
    表给两栏，允许一个分句选两个编码。

    `cq.write_coding_sheet` writes one Excel workbook per student: instructions, the coding sheet
    (drop-downs offer only codes of the codebook; instruments apply to measure clauses, outcome
    dimensions to outcome clauses, cells that do not apply are grey) and the codebook. Two
    columns per codebook let a student give a clause two codes.
    """),
    code("""
    for student in ("学生A", "学生B"):
        cq.write_coding_sheet(units, books, out / f"编码表_{student}.xlsx", coder=student, slots=2)
    sorted(p.name for p in out.glob("*.xlsx"))
    """),
    code("""
    pd.read_excel(out / "编码表_学生A.xlsx", sheet_name="编码 coding").head(4)
    """),
    md("""
    ## 3. 两位学生的编码（模拟）· The two students' coding (simulated)

    **说明：下面两位学生的编码是为本笔记本虚构的**，用来演示计算过程；课堂上应使用学生真实填写的工作
    簿，用
    `cq.read_coding_sheets([...], books)` 读入，得到的是同样格式的整洁数据框（每行一个 单位 × 编码
    员 × 编码）。多个编码用“；”分隔。

    **Note: the two students' answers below are made up for this notebook** to show the
    computation. In class, read the students' real filled-in workbooks with
    `cq.read_coding_sheets([...], books)`, which returns a tidy frame of the same shape (one
    row per unit × coder × code). Several codes are separated by “；”.
    """),
    code("""
    answers = pd.DataFrame(
        [  # row_no, field, clause_no, 学生A, 学生B
            (1, "measure", 1, "supply.organisation", "supply.organisation"),
            (1, "measure", 2, "supply.organisation", "environment.law"),
            (2, "measure", 1, "supply.organisation", "supply.organisation；environment.planning"),
            (3, "measure", 1, "environment.coordination", "environment.coordination"),
            (4, "measure", 1, "supply.organisation", "supply.organisation；demand.participation"),
            (5, "measure", 1, "environment.fiscal", "environment.fiscal"),
            (5, "measure", 2, "environment.fiscal；environment.coordination", "environment.fiscal"),
            (1, "outcome", 1, "efficiency.capacity", "efficiency.implementation"),
            (1, "outcome", 2, "efficiency.implementation", "efficiency.implementation"),
            (2, "outcome", 1, "efficiency.implementation", "efficiency.implementation"),
            (2, "outcome", 2, "efficiency.implementation", "efficiency.efficiency"),
            (3, "outcome", 1, "coordination.cooperation", "coordination.cooperation"),
            (3, "outcome", 2, "coordination.cooperation", "coordination.cooperation"),
            (3, "outcome", 3, "efficiency.implementation", "efficiency.efficiency"),
            (4, "outcome", 1, "efficiency.efficiency；coordination.cooperation",
             "efficiency.efficiency"),
            (4, "outcome", 2, "efficiency.capacity", "efficiency.capacity"),
            (5, "outcome", 1, "equity.benefits", "equity.benefits"),
            (5, "outcome", 2, "development.economy", "efficiency.implementation"),
        ],
        columns=["row_no", "field", "clause_no", "学生A", "学生B"],
    ).assign(doc_id=doc.doc_id, table_id="5.2.1")
    answers.head(3)
    """),
    md("""
    `cq.tidy_codings` 把“每个单位一行、每位学生一列”的答卷整理成整洁的长格式（`read_coding_sheets`
    返回的形状，每个编码所属的编码表按编码查出），再加上词典编码作为第三位“编码员”。
    `cq.tidy_codings` turns the one-row-per-unit answers (a column per student) into the tidy
    long form `read_coding_sheets` returns (each code's codebook looked up from the code), and
    we add the dictionary coding as a third “coder”.
    """),
    code("""
    key = ["doc_id", "table_id", "row_no", "field", "clause_no"]
    students = cq.tidy_codings(answers, coders=["学生A", "学生B"], key=key, sep="；")
    dictionary = (
        analysis.coded.query("table_id == '5.2.1' and codebook in ['instruments', 'outcomes']")
        .assign(coder="词典")
    )
    coding = pd.concat([students, dictionary])[[*key, "coder", "codebook", "code"]]
    coding = coding.reset_index(drop=True)
    coding["coder"].value_counts(sort=False)
    """),
    md("""
    `cq.coding_matrix` 给出 单位 × 编码员 矩阵：每格是该编码员对该单位所选编码的集合。
    `cq.coding_matrix` gives the units × coders matrix; each cell is the set of codes the coder
    chose for the unit.
    """),
    code("""
    cq.coding_matrix(coding, codebook="instruments")
    """),
    md("""
    ## 4. 一致性 · Agreement

    先看两位学生之间：`agreement_report` 给出每个编码表的总体一致性（单位上所选编码集合完全相同才算
    一致）和每个编码的一致性（有/无）。α 的置信区间来自固定种子的 bootstrap，结果可重复。

    First the two students: `agreement_report` gives each codebook's overall agreement (a unit
    counts as agreed only when the code sets are identical) and per-code agreement (presence /
    absence). The confidence interval of α comes from a bootstrap with a fixed seed, so it is
    reproducible.
    """),
    code("""
    report_ab = cq.agreement_report(coding.query("coder != '词典'"), codebooks=books)
    report_ab.query("scope == 'overall'")[["codebook", "n_units", "percent_agreement", "kappa",
                                            "alpha", "alpha_ci_low", "alpha_ci_high"]].round(3)
    """),
    code("""
    report_ab.query("scope == 'code' and n_assigned > 0")[
        ["codebook", "label_zh", "n_assigned", "percent_agreement", "kappa", "alpha"]].round(3)
    """),
    md("""
    再看每位学生与词典编码的一致性，以及三者合在一起的 Krippendorff's α（κ 只适用于两位编码员）。
    Then each student against the dictionary coding, and Krippendorff's α for all three
    together (κ is defined for two coders only).
    """),
    code("""
    overall = ["codebook", "n_units", "n_coders", "percent_agreement", "kappa", "alpha"]
    pd.concat({
        "学生A–词典": cq.agreement_report(coding.query("coder != '学生B'"), codebooks=books),
        "学生B–词典": cq.agreement_report(coding.query("coder != '学生A'"), codebooks=books),
        "三者 all three": cq.agreement_report(coding, codebooks=books),
    }).query("scope == 'overall'")[overall].round(3)
    """),
    md("""
    `cq.cohen_kappa` 和 `cq.krippendorff_alpha` 也可以直接用在两列编码或 单位 × 编码员 矩阵上：
    `cq.cohen_kappa` and `cq.krippendorff_alpha` also work directly on two coders' columns or on
    a units × coders matrix:
    """),
    code("""
    outcomes = cq.coding_matrix(coding, codebook="outcomes")
    print("κ 学生A–学生B:", round(cq.cohen_kappa(outcomes["学生A"], outcomes["学生B"]), 3))
    print("α all three: ", round(cq.krippendorff_alpha(outcomes), 3))
    """),
    md("""
    ## 5. 分歧 · Disagreements

    `cq.disagreements` 列出编码员选择不同的单位，并附上原文，供课堂讨论和协商。
    `cq.disagreements` lists the units on which the coders differ, with their text, for
    discussion and reconciliation.
    """),
    code("""
    pd.set_option("display.max_colwidth", 60)
    cq.disagreements(coding, units=analysis.clauses)[
        ["row_no", "field", "clause_no", "text", "coder", "codes"]]
    """),
    md("""
    **讨论 · Discussion.**

    - **编码表的边界：** “由主要领导负责”，学生B 看作责任制度（法律法规与制度规则），学生A 和词典看
      作组织与职能配置（词典依据关键词“主要领导”）。领导负责制是组织安排还是制度规则？编码说明应当写
      明。
    - **多标签：** 学生B 给“赋予规划……等权限”加上规划与标准、给“组建……研究机构”加上社会参与与智力支
      持；学生A 给“共资支持跨区项目”加上协调与协商机制、给“提升日常协调效率”加上协调合作与共识。编码
      集合不完全相同，总体一致性就记为不一致，所以还要看每个编码的一致性。
    - **人也会被字面误导：** “确保决策权威”，学生A 因“决策”选了治理能力与决策支持，而这个分句讲的是
      权威；词典依据“权威”编对了。
    - **词典的盲点：** “推动重大项目建设”，词典和学生A 依据“重大项目”归入区域经济发展，学生B 理解为
      落实执行。关键词匹配只看字面；人能读出意图，但人与人之间也会不同。
    - **定义不清的编码：** “推动实际工作”“及时解决问题”在“权威与执行”和“效率与效能”之间摇摆；在两位
      学生都用过的编码中，“权威与执行”的 κ 最低（0.214），这两个编码需要更清楚的区分标准。

    - **A boundary of the codebook:** “由主要领导负责” (the principal leader is responsible) is
      an accountability rule (law and rules) for student B and organisation and functions for
      student A and the dictionary (keyword 主要领导). Is leadership responsibility an
      organisational arrangement or a rule? The coding instructions should say.
    - **Multi-label:** student B adds planning and standards to “granting planning …
      powers” and social participation to “setting up an office or research institute”; student
      A adds coordination mechanisms to “jointly funding cross-jurisdictional projects” and
      cooperation to “more efficient day-to-day coordination”. Overall agreement counts a unit
      as agreed only when the code sets are identical, so read the per-code figures too.
    - **People are misled by words too:** for “确保决策权威” (securing the authority of
      decisions) student A chose governance capacity and decision support because of 决策,
      though the clause is about authority; the dictionary, keyed on 权威, got it right.
    - **Blind spots of the dictionary:** “推动重大项目建设” (advancing major projects) is
      regional economic development for the dictionary and student A (keyword 重大项目) and
      implementation for student B. Keyword matching reads the words; people read the intent —
      and differ among themselves.
    - **A code with a vague definition:** “推动实际工作” and “及时解决问题” swing between
      authority and implementation and efficiency and effectiveness; of the codes both students
      used, authority and implementation has the lowest κ (0.214), so the two codes need a
      sharper criterion.
    """),
    md("""
    ## 6. 纠错循环 · The correction loop: learning keywords from corrections

    词典先给第 5.2–5.6 节全部措施分句编码（第一遍），两位学生逐条核对，只写下要改的分句；两人不一致
    的分句协商出一个结果（“协商”列）。**这些更正同样是为本笔记本虚构的（模拟）。**

    The dictionary codes every measure clause of sections 5.2–5.6 (a first pass); two students
    check it and write down only the clauses they would change, and settle the clauses they
    disagree on (column 协商, reconciled). **These corrections are made up for this notebook
    (simulated).**
    """),
    code("""
    clauses = analysis.clauses.query("field == 'measure' and section_no >= '5.2'")
    machine = cq.code_units(cq.coding_units(clauses), "instruments")
    corrections = pd.DataFrame(
        [  # table_id, row_no, clause_no, 学生A, 学生B, 协商 (reconciled)
            ("5.2.1", 1, 2, "supply.organisation", "environment.law", "supply.organisation"),
            ("5.2.1", 5, 2, "environment.fiscal；environment.coordination",
             "environment.fiscal；environment.coordination",
             "environment.fiscal；environment.coordination"),
            ("5.3.1", 2, 1, "environment.law；environment.coordination",
             "environment.law；environment.coordination",
             "environment.law；environment.coordination"),
            ("5.6.1", 3, 2, "supply.personnel；environment.coordination", "supply.personnel",
             "supply.personnel；environment.coordination"),
            ("5.6.1", 5, 1, "demand.participation", "demand.participation",
             "demand.participation"),
        ],
        columns=["table_id", "row_no", "clause_no", "学生A", "学生B", "协商"],
    )
    # a clause nobody corrected keeps the dictionary's codes
    review = cq.unit_codes(machine).rename(columns={"instruments": "词典"})
    review = review.merge(corrections, on=["table_id", "row_no", "clause_no"], how="left")
    for column in ("学生A", "学生B", "协商"):
        review[column] = review[column].fillna(review["词典"])
    corrected = (review["学生A"] != review["词典"]) | (review["学生B"] != review["词典"])
    review.loc[corrected, ["text", "词典", "学生A", "学生B", "协商"]]
    """),
    md("""
    两位学生之间的一致性（`cq.agreement_report`），以及词典与每位学生、与协商结果的比较
    （`cq.machine_agreement`：每个编码的查准率 precision、查全率 recall、F1 和 κ）。
    Agreement between the students (`cq.agreement_report`), and the dictionary against each
    student and against the reconciled codes (`cq.machine_agreement`: precision, recall, F1 and
    κ per code).
    """),
    code("""
    checked = cq.tidy_codings(review, coders=["学生A", "学生B"], key=key)
    cq.agreement_report(checked, codebooks=books[:1]).query("scope == 'overall'")[
        ["n_units", "percent_agreement", "kappa", "alpha"]].round(3)
    """),
    code("""
    micro = ["n_units", "tp", "fp", "fn", "precision", "recall", "f1"]
    pd.concat({
        coder: cq.machine_agreement(machine, review, codes=coder).summary.set_index("scope")
        .loc[["micro"], micro]
        for coder in ("学生A", "学生B", "协商")
    }).round(3)
    """),
    md("""
    `cq.suggest_keywords` 在词典漏编的分句里找能把它们找回来的字串（2–4 字），并在所有已编码的分句上
    计算查准率；`cq.keyword_patch` 把建议写成供审阅的 YAML 补丁。
    `cq.suggest_keywords` looks for 2–4-character strings that would catch the clauses the
    dictionary missed, scored on every checked clause; `cq.keyword_patch` writes them as a YAML
    patch to review.
    """),
    code("""
    hints = cq.suggest_keywords(review, "instruments", codes="协商")
    print(cq.keyword_patch(hints))
    """),
    md("""
    接受建议后用 `cq.extend_codebook` 得到扩充的编码表（随包的文件不变），重新编码，看哪些分句变了、
    与协商结果的一致性变化多少。`cq.coverage_summary` 报告覆盖率并附上“第一遍”说明，可直接放在表注
    里。
    Accepting the suggestion, `cq.extend_codebook` gives an extended codebook (the shipped file
    is unchanged); we recode, see which clauses changed and how agreement with the reconciled
    codes moved. `cq.coverage_summary` reports coverage with the first-pass note for captions.
    """),
    code("""
    extended = cq.extend_codebook("instruments", hints.query("keyword == '共同'"))
    recoded = cq.code_units(cq.coding_units(clauses), extended)
    before = cq.unit_codes(machine).set_index("unit_id")
    after = cq.unit_codes(recoded).set_index("unit_id")
    changed = before["instruments"] != after["instruments"]
    pd.DataFrame({"text": before["text"], "before": before["instruments"],
                  "after": after["instruments"]})[changed].reset_index(drop=True)
    """),
    code("""
    pd.concat({
        "before": cq.machine_agreement(machine, review, codes="协商").summary,
        "after": cq.machine_agreement(recoded, review, codes="协商", codebook=extended).summary,
    }).query("scope == 'micro'")[micro].round(3)
    """),
    code("""
    summary = cq.coverage_summary(recoded, codebooks=[extended])
    print(summary[["codebook", "n_units", "n_coded", "coverage"]].to_string(index=False))
    print(summary["note"].iloc[0])
    """),
    md("""
    **讨论 · Discussion.** “共同”在随包编码表里是 *fallback*（只有别的词都没命中时才算协调），因为
    “共同”常常只是修饰语。学生的更正说明，在“共同制定”“共同吸引”里它正是跨辖区协作本身。接受前要想：
    这个词在别的文本里也这样用吗？两条更正就够吗？建议只是建议，由人决定，并记录编码表的版本。

    **Discussion.** In the shipped codebook 共同 is a *fallback* word (coordination only when
    nothing else matched), because it is often just a modifier. The students' corrections say
    that in 共同制定 and 共同吸引 it is the cross-jurisdictional cooperation itself. Before
    accepting, ask: is the word used like this in other texts too, and are two corrections
    enough? A suggestion only proposes; a person decides, and records the codebook's version.
    """),
    md("""
    ## 7. 先核对最可能出错的分句 · Checking the likeliest errors first

    逐条核对全部分句和从头编码一样费时。`cq.review_order` 把词典最可能编错的分句排在前面：先是某个
    编码表一个编码都没找到的分句，再按编码数从多到少（在没有参与编写规则的真实文本上，编码越多，错得
    越多）。`cq.write_coding_sheet(..., prefill=machine)` 把词典编码预填进编码表，学生从上往下核对，
    在 `checked` 列标记核对过的行；读回时只读入标记过或改动过的行。

    Checking every clause costs as much as coding from scratch. `cq.review_order` puts first
    the clauses the dictionary most likely got wrong: those a codebook found nothing in, then
    those with the most codes (on real text the rules were not written for, the more codes,
    the more errors). `cq.write_coding_sheet(..., prefill=machine)` pre-fills the dictionary's
    codes; students check from the top and mark the rows they checked in column `checked`;
    reading back keeps only rows marked or changed.
    """),
    code("""
    order = cq.review_order(machine, codebooks=books[:1])
    order[["table_id", "row_no", "clause_no", "text", "instruments", "n_codes",
           "review_rank"]].head(6)
    """),
    code("""
    to_check = cq.coding_units(clauses).set_index("unit_id").loc[order["unit_id"]].reset_index()
    cq.write_coding_sheet(to_check, books[:1], out / "核对表_学生A.xlsx", coder="学生A",
                          prefill=machine)
    pd.read_excel(out / "核对表_学生A.xlsx", sheet_name="编码 coding").iloc[:3, 5:]
    """),
    md("""
    核对结果用 `cq.analyse(doc, checks=...)`（命令行：`cqanalysis build --checked 核对表.xlsx`）代替
    词典编码，交叉表、图和附录都建立在核对过的编码上；`cq.coverage_summary` 报告每个编码表有多少单位
    经人工核对。这里用上面协商后的更正作为核对结果。

    `cq.analyse(doc, checks=...)` (command line: `cqanalysis build --checked SHEET.xlsx`) puts
    the checked codes in place of the dictionary's, so crosstabs, figures and the appendix rest
    on them; `cq.coverage_summary` reports how many units of each codebook a person checked.
    Here the reconciled corrections above serve as the checks.
    """),
    code("""
    checks = cq.tidy_codings(review[corrected], coders=["协商"], key=key)
    checked = cq.analyse(doc, checks=checks)
    cq.coverage_summary(checked.coded, codebooks=checked.codebooks)[
        ["codebook", "n_units", "n_coded", "n_checked"]]
    """),
    md("""
    ## 8. 练习 · Exercises

    **练习 1.** 只看政策工具：两位学生在几个措施分句上完全一致？
    用 `cq.coding_matrix` 和 `cq.percent_agreement` 计算。

    **Exercise 1.** Instruments only: on how many measure clauses do the two students agree
    exactly? Use `cq.coding_matrix` and `cq.percent_agreement`.

    <details>
    <summary>答案 · Solution</summary>

    ```python
    m = cq.coding_matrix(coding.query("coder != '词典'"), codebook="instruments")
    (m["学生A"] == m["学生B"]).sum(), cq.percent_agreement(m)
    ```

    7 个措施分句中 3 个一致，百分比一致率 3/7 ≈ 0.429；分歧在 (行 1, 分
    句 2)、(2, 1)、(4, 1) 和 (5, 2)。
    The students agree on 3 of 7 measure clauses, 3/7 ≈ 0.429; they differ on (row 1,
    clause 2), (2, 1), (4, 1) and (5, 2).
    </details>

    **练习 2.** 政策工具的 κ（0.333）低于百分比一致率（0.429）。手算偶然一致率 p_e，验证 κ = 1/3。

    **Exercise 2.** For instruments κ (0.333) is below percent agreement (0.429). Compute the
    chance agreement p_e by hand and check that κ = 1/3.

    <details>
    <summary>答案 · Solution</summary>

    把每位学生在一个分句上的编码集合当作一个类别。学生A：组织机构 4 次、协调机制 1 次、财税金
    融 1 次、“财税金融+协调机制”1 次；学生B：组织机构 1 次、财税金融 2 次、协调机制 1 次，另有三个
    各 1 次的类别。两人共同使用的类别只有组织机构、协调机制和财税金融：
    p_e = (4·1 + 1·1 + 1·2) / 7² = 7/49 = 1/7。
    κ = (p_o − p_e) / (1 − p_e) = (3/7 − 1/7) / (6/7) = 1/3。κ 扣除了偶然也会一致的部分。

    Take each student's code set on a clause as one category. Student A: organisation 4 times,
    coordination 1, fiscal 1, “fiscal + coordination” 1; student B: organisation 1, fiscal 2,
    coordination 1 and three categories used once. Only organisation, coordination and fiscal
    are used by both: p_e = (4·1 + 1·1 + 1·2) / 7² = 7/49 = 1/7, and
    κ = (p_o − p_e) / (1 − p_e) = (3/7 − 1/7) / (6/7) = 1/3. κ removes the agreement expected
    by chance.
    </details>

    **练习 3.** 学生A 与词典的一致性（κ 约 0.77）明显高于学生B（0.48 和 0.64）。能说学生A 编得更好
    吗？

    **Exercise 3.** Student A agrees with the dictionary much more (κ about 0.77) than student B
    (0.48 and 0.64). Is student A the better coder?

    <details>
    <summary>答案 · Solution</summary>

    不能。词典不是“标准答案”：与词典一致只说明编码方式接近关键词规则。学生A 在“确保决策权威”上错了，
    词典对了；但在“共资支持跨区项目”上，学生A 加上协调与协商机制可能是对的（跨辖区共同出资本身就是协
    作安排，词典的正则“跨…机制”因为没有“机制”二字而没有命中）。正确的做法是：先由编码员讨论协商出一
    份一致的参照编码，再用它评价词典（每个编码的查准率和查全率），并据此修订编码表。

    No. The dictionary is not a gold standard: agreeing with it only means coding like the
    keyword rules. Student A is wrong on “确保决策权威” where the dictionary is right, but on
    “共资支持跨区项目” student A's added coordination code may well be right (joint funding
    across jurisdictions is itself a cooperative arrangement; the dictionary's pattern 跨…机制
    misses it because the clause has no 机制). The sound procedure: coders first reconcile
    their codes into one reference coding, then the dictionary is evaluated against it
    (precision and recall per code) and the codebook revised.
    </details>

    **练习 4.** 修订编码表：如果希望“由主要领导负责”这类表述编为“法律法规与制度规则”，应当怎样改
    `instruments.yaml`？这样做有什么风险？

    **Exercise 4.** Revising the codebook: to code phrases like “由主要领导负责” as law and
    rules, how would you change `instruments.yaml`, and what is the risk?

    <details>
    <summary>答案 · Solution</summary>

    复制随包的 `instruments.yaml`，在 `environment.law` 的 `keywords` 中加入“负责制”“领导负责”等，或
    把“主要领导”从
    `supply.organisation` 移到 `environment.law`；用 `cq.load_codebook("我的编码表.yaml")` 读入，
    `cq.analyse(doc, codebooks=[...])` 重新编码，再与学生编码比较。风险：关键词越宽，误判越多
    （5.2 节叙述中的“由相关主要领导担任负责人”确实是在讲设立机构）。每次修改后都要在全部单位上重新检
    查一致性，并记录编码表版本。

    Copy the shipped `instruments.yaml`, add keywords such as 负责制 or 领导负责 to
    `environment.law` (or move 主要领导 from `supply.organisation` to it), load it with
    `cq.load_codebook("my_codebook.yaml")`, recode with `cq.analyse(doc, codebooks=[...])` and
    compare with the students again. The risk: broader keywords bring false positives (in the
    narrative of section 5.2, 由相关主要领导担任负责人 really is about setting up a body).
    Recheck agreement on all units after every change and record the codebook's version.
    </details>
    """),
    code("""
    tmp.cleanup()
    """),
]

# ------------------------------------------------------------------- 06 comparing documents

NB06: list[Cell] = [
    md("""
    # 06 多文档比较 · Comparing several documents

    一个小语料库：`notebooks/data/` 中四份短小的对策建议章节（基层治理数字化、流域生态环境协同治理、
    城市群应急管理协同、县域基本公共服务均等化），以及一份清单 `manifest.csv`，记录每份文档的标题、
    作者、年份、地区和文献类型。**这四份文档是为本教程编写的示例，作者名为虚构**；格式故意各不相同（
    纯文本与 Markdown 表格）。

    A small corpus: four short recommendation chapters in `notebooks/data/` (digital grassroots
    governance, river-basin environmental governance, emergency management in a city cluster,
    equal basic public services in counties) and a manifest, `manifest.csv`, with each
    document's title, author, year, region and type. **The four documents were written for this
    tutorial; the authors are fictitious.** Their formats differ on purpose (plain text and
    Markdown tables).
    """),
    code("""
    %matplotlib inline
    %config InlineBackend.figure_formats = ["retina"]
    import pandas as pd

    import cqanalysis as cq
    import cqanalysis.figures as cqf

    pd.set_option("display.max_colwidth", 30)
    cq.read_manifest("data/manifest.csv")
    """),
    md("""
    ## 1. 解析语料库 · Parse the corpus

    只给清单时，`parse_corpus` 读取清单中列出的文件；清单变量进入 `documents` 数据框。`errors` 列出
    读不了的文件（这里没有）。
    Given only a manifest, `parse_corpus` reads the files it lists; the manifest variables go
    into the `documents` frame. `errors` lists unreadable files (none here).
    """),
    code("""
    corpus = cq.parse_corpus(manifest="data/manifest.csv")
    corpus
    """),
    code("""
    corpus.documents.drop(columns="sha256")
    """),
    code("""
    corpus.rows[["doc_id", "table_id", "row_no", "section_title", "direction", "measure",
                 "outcome"]].head(6)
    """),
    md("""
    Markdown 表格的分隔行（`| --- |`）进入残余行，原因为 `markup`：
    The separator lines of the Markdown tables (`| --- |`) are residue with reason `markup`:
    """),
    code("""
    corpus.residue[["doc_id", "line", "text", "reason"]]
    """),
    md("""
    ## 2. 分析与按文档的交叉表 · Analysis and crosstabs by document

    分析与单文档相同。变量 `document` 按文档分组；清单中的任何列（`year`、`region`、`doc_type`……）也
    可以作为交叉表变量。
    The analysis is the same as for one document. The variable `document` groups by document;
    any manifest column (`year`, `region`, `doc_type` …) is a crosstab variable too.
    """),
    code("""
    analysis = cq.analyse(corpus)
    analysis
    """),
    code("""
    cq.crosstab(analysis.coded, index="document", columns="instrument", depth=1,
                documents=corpus.documents)
    """),
    code("""
    (cq.crosstab(analysis.coded, index="document", columns="outcome", depth=1,
                 documents=corpus.documents, normalize="row") * 100).round(1)
    """),
    md("""
    比较文档之前先看词典漏掉了什么：词典编码的覆盖面因议题而异。“公共服务均等化”中关于教育的三个措施
    （城乡学校结对、教师交流轮岗、远程同步课堂）没有命中任何关键词，“政府购买专业救援服务”也因为“购
    买”和“服务”之间隔了字而没有匹配“购买服务”。这些分句不进入交叉表，相关文档的工具计数因此偏低。

    Before comparing documents, check what the dictionary missed: its coverage varies with the
    topic. The three education measures of the public-services document (pairing urban and
    rural schools, rotating teachers, remote classes) match no keyword, and
    “政府购买专业救援服务” (government purchase of professional rescue services) misses the
    keyword 购买服务 because other characters stand between 购买 and 服务. These clauses do not
    enter the crosstabs, so those documents' instrument counts are too low.
    """),
    code("""
    cq.uncoded(analysis.coded, codebook="instruments")[["doc_id", "table_id", "row_no", "text"]]
    """),
    md("""
    ## 3. 按清单变量的交叉表 · Crosstabs by a manifest variable

    地区 × 政策工具类型，以及年份 × 预期成效维度。
    Region × instrument type, and year × outcome dimension.
    """),
    code("""
    cq.crosstab(analysis.coded, index="region", columns="instrument", depth=1,
                documents=corpus.documents)
    """),
    code("""
    cq.crosstab(analysis.coded, index="year", columns="outcome", depth=1,
                documents=corpus.documents)
    """),
    md("""
    要对自定义交叉表做检验，把它交给 `cq.analyse(..., crosstabs=...)`：检验结果连同期望频数的提示一
    起进入 `tests`。
    To test a crosstab of your own, pass it to `cq.analyse(..., crosstabs=...)`: its test, with
    a note on small expected counts, lands in `tests`.
    """),
    code("""
    by_region = cq.analyse(corpus, crosstabs={
        "region_x_instrument": cq.CrosstabSpec("region", "instrument", "地区×政策工具类型",
                                               "Region × instrument type"),
    })
    by_region.tests[["crosstab", "test", "statistic", "dof", "pval", "cramer_v", "n",
                     "min_expected", "note_zh"]].round(3)
    """),
    md("""
    ## 4. 文档比较图 · The document comparison figure

    Cleveland 点图：每行一个工具类型，每份文档一个标记（颜色和形状都不同，黑白印刷也能分辨），灰线是
    文档间的范围。
    A Cleveland dot plot: one row per instrument type, one marker per document (colour and
    shape both differ, so it reads in grayscale), the grey line spans the documents' range.
    """),
    code("""
    measures = cq.measure_instruments(analysis)
    coded1 = cq.rollup(analysis.coded, depth=1)
    outcomes = coded1.query("codebook == 'outcomes' and field == 'outcome'")
    with cqf.paper_style(width="double", aspect=0.45):
        fig, ax = cqf.paper_figure()
        cqf.compare_documents(measures, doc="doc_id", category="label_zh",
                              doc_order=list(corpus.documents["doc_id"]), ax=ax)
    """),
    md("""
    文档较多时用热力图 · With more documents, a heatmap reads better:
    """),
    code("""
    dimensions = [code.zh for code in cq.load_codebook("outcomes") if code.depth == 1]
    with cqf.paper_style(width="double", aspect=0.4):
        fig, ax = cqf.paper_figure()
        cqf.compare_documents(outcomes, doc="doc_id", category="label_zh", kind="heatmap",
                              order=dimensions, doc_order=list(corpus.documents["doc_id"]),
                              ax=ax)
    """),
    md("""
    ## 5. 解读 · Interpretation

    **中文。** 四份文档的工具结构差别明显：“流域生态治理”以环境型工具为主（14 个编码中 11 个：协调协
    商、财税、监管考核、规划与规则），“基层数字治理”以供给型为主（10 个中 6 个，主要是数据与信息
    化），“公共服务均等化”使用需求型工具最多（13 个中 3 个：政府购买服务、社会参与、试点）。按地区
    看，东部两份文档供给型占 48%，中西部两份环境型占 59%——但地区与议题完全重合（东部是数字治理和应
    急管理，中西部是流域和公共服务），四份文档也谈不上样本，何况词典在不同议题上的覆盖并不相同，这种
    差异反映的是议题而不是地区。真实研究需要每个类别有足够多的文档，在清单中记录可能的混杂变量（议
    题、文献类型），并先用人工编码检验词典在各议题上的覆盖（笔记本 05）。

    **English.** The instrument mix differs clearly between the documents: river-basin
    governance leans on environmental instruments (11 of 14 codes: coordination and
    consultation, fiscal instruments, oversight and evaluation, planning and rules), digital
    grassroots governance on supply-side ones (6 of 10, mostly data and information systems),
    and equal public services uses demand-side instruments most (purchasing services, social
    participation, pilots: 3 of 13). By region, the two eastern documents are 48% supply-side
    and the two central and western ones 59% environmental — but region and topic coincide
    completely (east: digital governance and emergency management; centre and west: river basin
    and public services), four documents are no sample, and the dictionary's coverage differs
    between topics, so the difference reflects topics, not regions. A real study needs enough
    documents per category, a manifest recording likely confounders (topic, document type), and
    a check of the dictionary's coverage on each topic against human coding first (notebook 05).
    """),
]

NOTEBOOKS: dict[str, list[Cell]] = {
    "01-parse": NB01,
    "02-coding-and-crosstabs": NB02,
    "03-figures": NB03,
    "04-appendix-word-latex": NB04,
    "05-teaching-coding-agreement": NB05,
    "06-compare-documents": NB06,
}

# Things that must never be stored in an output: they differ between runs or machines.
_VOLATILE = re.compile(r"/tmp/|/var/folders/|\\Temp\\|\b0x[0-9a-f]{6,}\b|/home/|/work/")


def build_notebook(name: str, cells: list[Cell]) -> nbformat.NotebookNode:
    """A notebook of ``cells`` with stable cell ids (so regenerating gives the same file)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, (kind, source) in enumerate(cells, start=1):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(source)
        cell.id = f"{name[:2]}-{i:02d}"
        nb.cells.append(cell)
    return nb


def execute(nb: nbformat.NotebookNode, name: str) -> None:
    """Run ``nb`` in a fresh kernel from the notebooks folder; reject unstable or noisy output."""
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(HERE)}},
    )
    client.execute()
    nb.metadata = {
        "kernelspec": nb.metadata["kernelspec"],
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
    }
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata = {}
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                raise RuntimeError(f"{name}, cell {cell.id} wrote to stderr:\n{output.text}")
            texts = [output.get("text", "")]
            texts += [v for k, v in output.get("data", {}).items() if k.startswith("text/")]
            for text in texts:
                found = _VOLATILE.search(text if isinstance(text, str) else "".join(text))
                if found:
                    raise RuntimeError(f"{name}, cell {cell.id}: volatile output {found[0]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="notebook name prefixes, e.g. 03 (default: all)")
    args = parser.parse_args(argv)
    for name, cells in NOTEBOOKS.items():
        if args.only and not any(name.startswith(p) for p in args.only):
            continue
        nb = build_notebook(name, cells)
        execute(nb, name)
        nbformat.validate(nb)
        path = HERE / f"{name}.ipynb"
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            nbformat.write(nb, fh)
        print(f"wrote notebooks/{path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
