"""Links: table rows matched to the narrative items of their section."""

from __future__ import annotations

import pandas as pd
import pytest

from cqanalysis.core.schema import FRAME_COLUMNS
from cqanalysis.links import bigrams, link_items, normalize_text

# Hand-made gold standard, from reading chapter 5 of the seed: which narrative items each table
# row summarises, as (table_id, row_no, item_no within the row's section).  29 rows, 30 items.
# Two rows merge two items: 要素自由流动 (打破户籍…壁垒 + 统一市场准入和监管标准), and
# 公共服务共享, whose 实现社保医保互通 restates item 1's 社保卡一卡通用、异地就医结算 while
# 推动优质教育、医疗资源辐射 restates item 5 (建设跨区域公共服务平台).
GOLD = {
    ("5.1.1", 1, 1),  # 区域观念强化 — 强化区域整体观念
    ("5.1.1", 2, 2),  # 职能定位优化 — 优化政府职能定位
    ("5.1.1", 3, 3),  # 清单管理 — 推行清单管理
    ("5.1.1", 4, 4),  # 创新监管 — 创新监管方式
    ("5.2.1", 1, 1),  # 提升权威性 — 提升协调机构的层级和权威性
    ("5.2.1", 2, 2),  # 明确权限 — 明确协调机构的职能和权限
    ("5.2.1", 3, 3),  # 常态化协商 — 建立常态化沟通协商机制
    ("5.2.1", 4, 4),  # 专业化机构 — 设立专业化工作机构
    ("5.2.1", 5, 5),  # 区域发展基金 — 探索设立区域发展基金
    ("5.3.1", 1, 1),  # 专门立法 — 制定专门的城市群发展法律法规
    ("5.3.1", 2, 2),  # 地方协同立法 — 完善区域性地方法规
    ("5.3.1", 3, 3),  # 政策衔接机制 — 健全跨区域政策衔接机制
    ("5.3.1", 4, 4),  # 利益共享机制 — 创新财政利益共享机制
    ("5.3.1", 5, 5),  # 规划衔接 — 完善土地利用和规划衔接机制
    ("5.4.1", 1, 1),  # 要素自由流动 — 打破户籍、社保、教育、医疗壁垒
    ("5.4.1", 1, 2),  # 要素自由流动 — 统一市场准入和监管标准
    ("5.4.1", 2, 3),  # 交通一体化 — 建设一体化交通网络
    ("5.4.1", 3, 4),  # 产业协同 — 推动产业协同与分工
    ("5.4.1", 4, 1),  # 公共服务共享 — 打破户籍、社保、教育、医疗壁垒 (社保医保互通)
    ("5.4.1", 4, 5),  # 公共服务共享 — 建设跨区域公共服务平台
    ("5.4.1", 5, 6),  # 环境联治 — 强化生态环境联防联治
    ("5.5.1", 1, 1),  # 大数据平台 — 构建城市群大数据平台
    ("5.5.1", 2, 2),  # 数据共享 — 健全数据共享交换机制
    ("5.5.1", 3, 3),  # 智慧应用 — 发展智慧化应用场景
    ("5.5.1", 4, 4),  # 统一政务平台 — 建设统一的政务服务平台
    ("5.5.1", 5, 5),  # 安全与隐私 — 强化网络安全和隐私保护
    ("5.6.1", 1, 1),  # 复合型人才 — 培养复合型人才
    ("5.6.1", 2, 2),  # 干部交流 — 健全干部交流机制
    ("5.6.1", 3, 3),  # 人才引进平台 — 设立区域性人才引进平台
    ("5.6.1", 4, 4),  # 绩效考核 — 完善人才激励约束机制
    ("5.6.1", 5, 5),  # 智库支持 — 加强学术研究与智库支持
}


@pytest.fixture(scope="module")
def links(seed):
    return link_items(seed.rows, seed.items)


def test_gold_precision_and_recall(links):
    found = {(t, int(r), int(i)) for t, r, i in links[["table_id", "row_no", "item_no"]].values}
    hits = len(found & GOLD)
    precision = hits / len(found)
    recall = hits / len(GOLD)
    assert precision >= 0.9, sorted(found - GOLD)
    assert recall >= 0.9, sorted(GOLD - found)
    # measured on the seed: every gold link found, nothing else
    assert found == GOLD


def test_row_merging_two_items(seed, links):
    row = seed.rows[seed.rows["direction"] == "要素自由流动"].iloc[0]
    linked = links[(links["table_id"] == row["table_id"]) & (links["row_no"] == row["row_no"])]
    assert linked["item_title"].tolist() == [
        "打破户籍、社保、教育、医疗壁垒",
        "统一市场准入和监管标准",
    ]
    # each of its two measure clauses is wholly found in one item
    assert linked["score"].tolist() == [1.0, 1.0]


def test_links_frame_contract(seed, links):
    assert list(links.columns[:6]) == list(FRAME_COLUMNS["links"])
    assert links["score"].between(0, 1).all()
    assert (links["doc_id"] == seed.doc_id).all()
    # links stay inside a section: the table 5.x.1 belongs to section 5.x
    assert (links["table_id"].str[:3] == links["section_no"]).all()
    # every row links to something and every item is summarised by some row
    assert len(links.drop_duplicates(["table_id", "row_no"])) == 29
    assert len(links.drop_duplicates(["section_no", "item_no"])) == 30


def test_keep_all_pairs(seed):
    every = link_items(seed.rows, seed.items, keep_all=True)
    # 4×4 + 5×5 + 5×5 + 5×6 + 5×5 + 5×5 pairs within sections
    assert len(every) == 146
    assert every["linked"].sum() == 31
    assert every["linked"].dtype == bool
    strict = link_items(seed.rows, seed.items, min_score=1.01)
    assert strict.empty


def test_deterministic_and_does_not_mutate(seed):
    rows, items = seed.rows.copy(), seed.items.copy()
    first = link_items(seed.rows, seed.items)
    pd.testing.assert_frame_equal(seed.rows, rows)
    pd.testing.assert_frame_equal(seed.items, items)
    pd.testing.assert_frame_equal(first, link_items(seed.rows, seed.items))


def _frames(measure, direction="方向", items=(("甲乙丙丁", "戊己"),), section="1"):
    rows = pd.DataFrame(
        {
            "doc_id": ["d"],
            "table_id": ["1.1"],
            "row_no": [1],
            "section_no": [section],
            "direction": [direction],
            "measure": [measure],
            "outcome": ["无关"],
        }
    )
    item_frame = pd.DataFrame(
        {
            "doc_id": "d",
            "section_no": "1",
            "item_no": range(1, len(items) + 1),
            "title": [t for t, _ in items],
            "body": [b for _, b in items],
        }
    )
    return rows, item_frame


def test_fallback_to_direction_and_no_items_in_section():
    items = (("统一市场准入", "推动标准统一。"), ("建设交通网络", "修建铁路。"))
    rows, item_frame = _frames("完全无关的内容", direction="交通网络建设", items=items)
    out = link_items(rows, item_frame)
    assert out["item_no"].tolist() == [2]
    rows, item_frame = _frames("统一市场准入", section="9", items=items)
    assert link_items(rows, item_frame).empty
    with pytest.raises(ValueError, match="title"):
        link_items(rows, item_frame.drop(columns="title"))


def test_tied_clause_links_both_items():
    items = (("共同标题", "甲乙"), ("共同标题", "甲乙"))
    rows, item_frame = _frames("甲乙", items=items)
    assert link_items(rows, item_frame)["item_no"].tolist() == [1, 2]


def test_normalisation():
    assert normalize_text("打破户籍、社保,（教育）　医疗") == "打破户籍社保教育医疗"
    assert normalize_text("ＡＢ 12") == "ab12"
    assert bigrams("数据共享") == frozenset({"数据", "据共", "共享"})
    assert bigrams("、") == frozenset()
    assert bigrams("甲") == frozenset({"甲"})


@pytest.mark.parametrize("min_score", [0.0, 0.25])
def test_links_do_not_hinge_on_the_threshold(seed, min_score):
    out = link_items(seed.rows, seed.items, min_score=min_score)
    assert {
        (t, int(r), int(i)) for t, r, i in out[["table_id", "row_no", "item_no"]].values
    } == GOLD
