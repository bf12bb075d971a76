"""Spreadsheet reader: one table per sheet, one long sheet with a table column, CSV, bad files."""

from __future__ import annotations

import pytest

from cqanalysis.core.errors import InputError
from cqanalysis.parse import parse
from cqanalysis.sources.sheet import read_sheet_blocks

HEADER = ("优化方向", "具体建议", "预期成效")


def _workbook(path, sheets):
    """sheets: [(title, rows, merges, hidden)]"""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows, merges, hidden in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(list(row))
        for rng in merges:
            ws.merge_cells(rng)
        if hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return path


@pytest.fixture
def per_sheet(tmp_path):
    return _workbook(
        tmp_path / "对策建议.xlsx",
        [
            (
                "5.1.1政府职能转变对策建议",
                [
                    HEADER,
                    (
                        "区域观念强化",
                        "树立“一盘棋”思想,摒弃“行政区经济”",
                        "促进大局意识,减少地方保护",
                    ),
                    (None, None, None),
                    (
                        "清单管理",
                        "推行权力、责任、负面清单,明确权责边界",
                        "规范政府行为,增强透明度",
                    ),
                ],
                [],
                False,
            ),
            (
                "Sheet2",
                [
                    ("表5.2.1区域协调机构建设对策建议",),
                    ("建设方向", "具体建议", "预期成效"),
                    ("提升权威性", "设立高层次协调机构,由主要领导负责", "确保决策权威,增强执行力"),
                    (None, "赋予规划、项目审批、政策协调等权限", "避免“议而不决”"),
                    ("区域发展基金", "设立城市群层面发展基金,共资支持跨区项目", None),
                ],
                ["A3:A4", "B5:C5"],
                False,
            ),
            ("备用", [("隐藏的草稿",)], [], True),
        ],
    )


def test_one_table_per_sheet_blocks(per_sheet):
    blocks = read_sheet_blocks(per_sheet)
    assert [(b.text, b.line, b.page, b.cells, b.table) for b in blocks] == [
        ("表5.1.1政府职能转变对策建议", 1, 1, None, None),
        ("\t".join(HEADER), 2, 1, HEADER, 1),
        (
            "区域观念强化\t树立“一盘棋”思想,摒弃“行政区经济”\t促进大局意识,减少地方保护",
            3,
            1,
            ("区域观念强化", "树立“一盘棋”思想,摒弃“行政区经济”", "促进大局意识,减少地方保护"),
            1,
        ),
        (
            "清单管理\t推行权力、责任、负面清单,明确权责边界\t规范政府行为,增强透明度",
            4,
            1,
            ("清单管理", "推行权力、责任、负面清单,明确权责边界", "规范政府行为,增强透明度"),
            1,
        ),
        ("表5.2.1区域协调机构建设对策建议", 5, 2, None, None),
        ("建设方向\t具体建议\t预期成效", 6, 2, ("建设方向", "具体建议", "预期成效"), 2),
        (
            "提升权威性\t设立高层次协调机构,由主要领导负责\t确保决策权威,增强执行力",
            7,
            2,
            ("提升权威性", "设立高层次协调机构,由主要领导负责", "确保决策权威,增强执行力"),
            2,
        ),
        # A3:A4 is a vertical merge: its value fills down
        (
            "提升权威性\t赋予规划、项目审批、政策协调等权限\t避免“议而不决”",
            8,
            2,
            ("提升权威性", "赋予规划、项目审批、政策协调等权限", "避免“议而不决”"),
            2,
        ),
        # B5:C5 is a horizontal merge: one cell, not repeated
        (
            "区域发展基金\t设立城市群层面发展基金,共资支持跨区项目\t",
            9,
            2,
            ("区域发展基金", "设立城市群层面发展基金,共资支持跨区项目", ""),
            2,
        ),
    ]
    assert blocks.notes == [
        f"{per_sheet}: hidden sheet '备用' not read",
        f"{per_sheet}[5.1.1政府职能转变对策建议]:3: empty row skipped",
    ]


def test_one_table_per_sheet_parses_with_header_roles(per_sheet):
    doc = parse(per_sheet)
    assert doc.tables[["table_id", "title", "n_rows"]].values.tolist() == [
        ["5.1.1", "政府职能转变对策建议", 2],
        ["5.2.1", "区域协调机构建设对策建议", 3],
    ]
    assert doc.rows[["table_id", "row_no", "direction", "outcome"]].values.tolist() == [
        ["5.1.1", 1, "区域观念强化", "促进大局意识,减少地方保护"],
        ["5.1.1", 2, "清单管理", "规范政府行为,增强透明度"],
        ["5.2.1", 1, "提升权威性", "确保决策权威,增强执行力"],
        ["5.2.1", 2, "提升权威性", "避免“议而不决”"],
        ["5.2.1", 3, "区域发展基金", ""],
    ]


def test_long_sheet_with_table_and_section_columns(tmp_path):
    path = _workbook(
        tmp_path / "汇总.xlsx",
        [
            (
                "全部建议",
                [
                    ("章节", "节标题", "表号", "表题", "方向", "措施", "成效", "备注"),
                    (
                        "5.3",
                        "法律法规与政策体系完善",
                        "5.3.1",
                        "法律法规对策建议",
                        "专门立法",
                        "制定城市群发展法律法规",
                        "提供法律保障",
                        "重点",
                    ),
                    (
                        "5.3",
                        "法律法规与政策体系完善",
                        "5.3.1",
                        None,
                        "规划衔接",
                        "建立国土空间规划协调机制",
                        "优化土地利用",
                        None,
                    ),
                    (
                        "5.4",
                        "推动要素自由流动",
                        "5.4.1",
                        "要素流动对策建议",
                        "交通一体化",
                        "建设城际铁路",
                        "提升通勤效率",
                        None,
                    ),
                ],
                [],
                False,
            )
        ],
    )
    blocks = read_sheet_blocks(path)
    assert [(b.text, b.style, b.table) for b in blocks] == [
        ("5.3法律法规与政策体系完善", "heading 2", None),
        ("表5.3.1法律法规对策建议", None, None),
        ("方向\t措施\t成效\t备注", None, 1),
        ("专门立法\t制定城市群发展法律法规\t提供法律保障\t重点", None, 1),
        ("规划衔接\t建立国土空间规划协调机制\t优化土地利用\t", None, 1),
        ("5.4推动要素自由流动", "heading 2", None),
        ("表5.4.1要素流动对策建议", None, None),
        ("方向\t措施\t成效\t备注", None, 2),
        ("交通一体化\t建设城际铁路\t提升通勤效率\t", None, 2),
    ]
    assert [b.line for b in blocks] == list(range(1, 10))
    doc = parse(path)
    assert doc.sections[["section_no", "title", "inferred"]].values.tolist() == [
        ["5.3", "法律法规与政策体系完善", False],
        ["5.4", "推动要素自由流动", False],
    ]
    assert doc.rows[["table_id", "section_no", "measure", "备注"]].values.tolist() == [
        ["5.3.1", "5.3", "制定城市群发展法律法规", "重点"],
        ["5.3.1", "5.3", "建立国土空间规划协调机制", ""],
        ["5.4.1", "5.4", "建设城际铁路", ""],
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_table_named_by_its_file(tmp_path, encoding):
    path = tmp_path / "5.5.1信息共享与智慧协同对策建议.csv"
    text = (
        "优化方向,具体建议,预期成效\n"
        '大数据平台,"建设城市群综合性大数据平台,汇聚整合各类数据","支撑科学决策,提升治理精准性"\n'
        ",,\n"
        '安全与隐私,"强化网络安全防护,保障公民个人隐私","确保数据安全,增强政府公信力"\n'
    )
    path.write_bytes(text.encode(encoding))
    blocks = read_sheet_blocks(path)
    assert [(b.text, b.page, b.cells) for b in blocks] == [
        ("表5.5.1信息共享与智慧协同对策建议", None, None),
        ("优化方向\t具体建议\t预期成效", None, ("优化方向", "具体建议", "预期成效")),
        (
            "大数据平台\t建设城市群综合性大数据平台,汇聚整合各类数据\t支撑科学决策,提升治理精准性",
            None,
            (
                "大数据平台",
                "建设城市群综合性大数据平台,汇聚整合各类数据",
                "支撑科学决策,提升治理精准性",
            ),
        ),
        (
            "安全与隐私\t强化网络安全防护,保障公民个人隐私\t确保数据安全,增强政府公信力",
            None,
            ("安全与隐私", "强化网络安全防护,保障公民个人隐私", "确保数据安全,增强政府公信力"),
        ),
    ]
    doc = parse(path)
    assert doc.rows["direction"].tolist() == ["大数据平台", "安全与隐私"]
    assert doc.tables["table_id"].tolist() == ["5.5.1"]


def test_default_sheet_name_gets_a_running_table_number(tmp_path):
    path = _workbook(
        tmp_path / "x.xlsx", [("Sheet1", [HEADER, ("方向甲", "建议甲", "成效甲")], [], False)]
    )
    blocks = read_sheet_blocks(path)
    assert blocks[0].text == "表1"
    assert blocks[2].cells == ("方向甲", "建议甲", "成效甲")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.xlsx", b"", r"empty file \(0 bytes\)"),
        ("empty.csv", b"", r"empty file \(0 bytes\)"),
        ("renamed.xlsx", "方向,建议\n".encode(), r"plain-text file with a \.xlsx name"),
        ("cut.xlsx", b"PK\x03\x04" + b"\0" * 64, r"corrupt or truncated \.xlsx"),
    ],
)
def test_bad_files(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=reason):
        read_sheet_blocks(path)


def test_workbook_without_any_table(tmp_path):
    path = _workbook(tmp_path / "blank.xlsx", [("Sheet1", [], [], False)])
    with pytest.raises(InputError, match="no table found"):
        read_sheet_blocks(path)
