"""Alignment: a missing or extra row must not shift later rows into mismatches.

Names are drawn from the seeds (reference labels of 001 and 003).
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from jixiao.evaluate.align import (
    align_forms,
    align_indicators,
    form_similarity,
    indicator_similarity,
)


def ind(
    name: str | None,
    raw: str | None = None,
    *,
    value: Any = None,
    unit: str | None = None,
    weight: float | None = None,
    alts: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "name": name,
        "name_raw": raw if raw is not None else (name or ""),
        "name_alternatives": list(alts),
        "value": value,
        "unit": unit,
        "weight": weight,
        "flags": [],
    }


def form(name: str, rows: list[dict[str, Any]], **header: Any) -> dict[str, Any]:
    return {
        "form_kind": "project",
        "title": "部门专项绩效目标申报表",
        "project_name": name,
        "department": header.pop("department", "重庆市沙坪坝区人民政府办公室"),
        "budget_total": header.pop("budget_total", 10),
        "indicators": rows,
        **header,
    }


# 003 form 12 (《政务信息》…): six rows, three of them truncated in the source.
SEED003_F12 = [
    ind("《政务信息》", "《政务信息", value=45, unit="期", weight=10),
    ind("编发简报", value=20, unit="期", weight=20),
    ind("上报政务信息", "上报政务信", value=600, unit="篇", weight=20),
    ind("撰写综合材料", "撰写综合材", value=100, unit="篇", weight=20),
    ind("信息准确率", value=100, unit="%", weight=10),
    ind("信息传播时效", "信息传播时", value=2, unit="天", weight=5),
]


def check_complete(pairs: list[tuple[int | None, int | None]], n: int, m: int) -> None:
    """Each index of each side appears exactly once, ascending."""
    exp = [i for i, _ in pairs if i is not None]
    act = [j for _, j in pairs if j is not None]
    assert exp == list(range(n))
    assert act == list(range(m))


def test_seed003_missing_row_in_middle_keeps_later_rows_paired() -> None:
    actual = [r for k, r in enumerate(SEED003_F12) if k != 2]
    pairs = align_indicators(SEED003_F12, actual)
    check_complete(pairs, 6, 5)
    assert pairs == [(0, 0), (1, 1), (2, None), (3, 2), (4, 3), (5, 4)]


def test_seed003_extra_row_in_middle_is_an_extra() -> None:
    actual = [*SEED003_F12[:3], ind("会议室租赁费", value=3, unit="万元"), *SEED003_F12[3:]]
    pairs = align_indicators(SEED003_F12, actual)
    check_complete(pairs, 6, 7)
    assert (None, 3) in pairs
    assert [(i, j) for i, j in pairs if i is not None and j is not None] == [
        (0, 0),
        (1, 1),
        (2, 2),
        (3, 4),
        (4, 5),
        (5, 6),
    ]


def test_seed003_changed_name_still_pairs_between_anchors() -> None:
    # The parser completed 民生监察平 differently and kept a wrap space: no exact key, fuzzy pair.
    expected = [
        ind("政务外网运维", value=1, weight=15),
        ind("民生监察平台", "民生监察平", value=1, weight=15, alts=("民生监察平台运维",)),
        ind("2021年完成目标计划任务", "2021年完成目标计划任", value=95, unit="%", weight=10),
    ]
    actual = [
        ind("政务外网运维", value=1, weight=15),
        ind("民生监察 平台建设", "民生监察 平台建设", value=1, weight=15),
        ind("2021年完成目标计划任务", "2021年完成目标计划任", value=95, unit="%", weight=10),
    ]
    assert align_indicators(expected, actual) == [(0, 0), (1, 1), (2, 2)]


def test_seed001_duplicate_names_pair_in_order() -> None:
    # 001 form 1 ends in 满意度 rows; a dropped first one must not steal the second's partner.
    expected = [
        ind("满意度", "满意度90%", value=90, unit="%", weight=10),
        ind("进京上访非访", "进京上访非访0人次", value=0, unit="人次", weight=30),
        ind("满意度", "满意度90%", value=90, unit="%", weight=20),
    ]
    actual = [expected[1], expected[2]]
    assert align_indicators(expected, actual) == [(0, None), (1, 0), (2, 1)]


def test_unrelated_rows_stay_unpaired() -> None:
    expected = [ind("信访积案化解件次", value=None, unit="件次", weight=30)]
    actual = [ind("政府门户网站正常运行", value=100, unit="%", weight=5)]
    assert align_indicators(expected, actual) == [(0, None), (None, 0)]


def test_nameless_rows_pair_only_on_their_cells() -> None:
    expected = [ind(None, "", value=95, unit="%", weight=10)]
    same = [ind(None, "", value=95, unit="%", weight=10)]
    other = [ind(None, "", value=3, unit="个", weight=20)]
    assert align_indicators(expected, same) == [(0, 0)]
    assert align_indicators(expected, other) == [(0, None), (None, 0)]


def test_similarity_counts_alternatives_and_ignores_wrap_spaces() -> None:
    e = ind("网站正常运行率", "网站正常运", alts=("网站正常运转率",))
    assert indicator_similarity(e, ind("网站正常运转率", "网站正常运")) > 0.9
    assert (
        indicator_similarity(ind("提高政府网站的公众形象"), ind("提高政府网 站的公众形象")) > 0.99
    )


@pytest.mark.parametrize("seed", range(20))
def test_random_drops_and_insertions_never_shift_survivors(seed: int) -> None:
    rnd = random.Random(seed)
    names = [
        "现场督查次数",
        "建议提案办理率",
        "年度督查任务按时完成率",
        "人大代表、政协委员满意度",
        "网络链接线路租赁",
        "网络带宽",
        "网络租赁成本",
        "文件档案整理",
        "区政府常务会",
        "市政府视频会",
        "劳务派遣人员数量",
        "生活补助人数",
    ]
    expected = [ind(n, value=k, weight=10) for k, n in enumerate(names)]
    actual: list[dict[str, Any]] = []
    origin: list[int | None] = []
    for k, row in enumerate(expected):
        if rnd.random() < 0.2:
            actual.append(ind(f"临时插入行{k}号", value=-1))
            origin.append(None)
        if rnd.random() > 0.25:
            actual.append(row)
            origin.append(k)
    pairs = align_indicators(expected, actual)
    check_complete(pairs, len(expected), len(actual))
    assert {(i, j) for i, j in pairs if j is not None and i is not None} == {
        (k, j) for j, k in enumerate(origin) if k is not None
    }


# --------------------------------------------------------------------------- forms


def seed003_forms() -> list[dict[str, Any]]:
    return [
        form("电子政务外网运维", [ind("政务外网运维"), ind("民生监察平台")], budget_total=54.9),
        form("网站运维", [ind("网站正常运行率"), ind("网站升级改造")], budget_total=20),
        form("网络链接线路租赁", [ind("网络带宽"), ind("网络租赁成本")], budget_total=381),
        form("会务服务", [ind("区政府常务会"), ind("区政府党组会")], budget_total=12),
    ]


def test_missing_form_in_middle_keeps_later_forms_paired() -> None:
    expected = seed003_forms()
    actual = [expected[0], expected[2], expected[3]]
    assert align_forms(expected, actual) == [(0, 0), (1, None), (2, 1), (3, 2)]


def test_extra_form_is_an_extra() -> None:
    expected = seed003_forms()
    actual = [expected[0], form("部门整体支出", [ind("在编在职人员")], budget_total=400.72)]
    actual += expected[1:]
    pairs = align_forms(expected, actual)
    assert pairs == [(0, 0), (None, 1), (1, 2), (2, 3), (3, 4)]


def test_garbled_header_form_found_by_its_indicators() -> None:
    expected = seed003_forms()
    garbled = dict(expected[1], project_name=None, title="", budget_total=None)
    actual = [expected[0], garbled, *expected[2:]]
    assert form_similarity(expected[1], garbled) >= 0.5
    assert align_forms(expected, actual) == [(0, 0), (1, 1), (2, 2), (3, 3)]
