"""HTML reader: headings, paragraphs, captions, row/column spans, hidden elements, encodings."""

from __future__ import annotations

import pytest

from cqanalysis.core.errors import InputError
from cqanalysis.parse import parse
from cqanalysis.sources.html import read_html_blocks

PAGE = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>网页标题</title><style>p {{ color: red }}</style>
</head><body>
<h2>5.4推动要素自由流动</h2>
<p>打破要素流动的行政壁垒,
实现公共服务共建共享。</p>
<ul><li>统一市场准入:推动统一<a href="#">负面清单</a>。</li><li>第一行<br>第二行</li></ul>
<table border="1">
<caption>表5.4.1要素流动对策建议</caption>
<tr><th>优化方向</th><th>具体建议</th><th>预期成效</th></tr>
<tr><td rowspan="2">要素自由流动</td><td>打破户籍壁垒</td><td>促进人才流动</td></tr>
<tr><td>统一市场准入</td><td>营造公平环境</td></tr>
<tr><td></td><td></td><td></td></tr>
<tr><td>交通一体化</td><td colspan="2">建设城际铁路</td></tr>
</table>
<script>var note = "不是正文";</script>
<p>表后 &amp; 正文</p>
</body></html>
"""


@pytest.mark.parametrize(("charset", "encoding"), [("utf-8", "utf-8"), ("gbk", "gbk")])
def test_html_blocks(tmp_path, charset, encoding):
    path = tmp_path / "page.html"
    path.write_bytes(PAGE.format(charset=charset).encode(encoding))
    blocks = read_html_blocks(path)
    assert [(b.text, b.line, b.cells, b.table, b.style) for b in blocks] == [
        ("5.4推动要素自由流动", 1, None, None, "heading 2"),
        # a source line break inside Chinese text is not a space
        ("打破要素流动的行政壁垒,实现公共服务共建共享。", 2, None, None, None),
        ("统一市场准入:推动统一负面清单。", 3, None, None, None),
        ("第一行", 4, None, None, None),
        ("第二行", 5, None, None, None),
        ("表5.4.1要素流动对策建议", 6, None, None, "caption"),
        ("优化方向\t具体建议\t预期成效", 7, ("优化方向", "具体建议", "预期成效"), 1, None),
        (
            "要素自由流动\t打破户籍壁垒\t促进人才流动",
            8,
            ("要素自由流动", "打破户籍壁垒", "促进人才流动"),
            1,
            None,
        ),
        # rowspan fills down
        (
            "要素自由流动\t统一市场准入\t营造公平环境",
            9,
            ("要素自由流动", "统一市场准入", "营造公平环境"),
            1,
            None,
        ),
        # row 10 is empty; colspan is one cell, not repeated
        ("交通一体化\t建设城际铁路\t", 11, ("交通一体化", "建设城际铁路", ""), 1, None),
        ("表后 & 正文", 12, None, None, None),
    ]
    assert blocks.notes == [f"{path}:10: empty table row skipped (table 1)"]


def test_html_parses_into_rows(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE.format(charset="utf-8"), encoding="utf-8")
    doc = parse(path)
    assert doc.tables[["table_id", "title", "n_rows"]].values.tolist() == [
        ["5.4.1", "要素流动对策建议", 3]
    ]
    assert doc.rows[["direction", "measure", "outcome"]].values.tolist() == [
        ["要素自由流动", "打破户籍壁垒", "促进人才流动"],
        ["要素自由流动", "统一市场准入", "营造公平环境"],
        ["交通一体化", "建设城际铁路", ""],
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", r"empty file \(0 bytes\)"),
        (b"<html><head><title>x</title></head><body> </body></html>", "has no text"),
    ],
)
def test_bad_html(tmp_path, content, reason):
    path = tmp_path / "bad.html"
    path.write_bytes(content)
    with pytest.raises(InputError, match=reason):
        read_html_blocks(path)
