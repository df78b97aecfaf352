"""Cells a flattened table hides: a value column per township, an explanation glued to its
name, a budget cell with its breakdown, subtotal rows, and the wraps that say a cell was cut.
Each case is small and written here; the expected values are read off the text."""

from __future__ import annotations

import pytest

from jixiao import defects
from jixiao.parse.unit_values import copies, split_explanation
from jixiao.pipeline import normalize_text
from jixiao.synth.renderings import RENDERINGS

GLUED_TOWNS = (
    "2025年某县水利专项资金绩效目标表项目名称水毁修复专项资金主管部门(单位)名称某县水利局"
    "资金情况(万元)资金总额35其中:财政拨款35其他资金0总体目标开展2个水毁修复"
    "绩效指标一级指标二级指标三级指标指标解释指标方向甲镇乙镇"
    "成本指标经济成本指标专项资金成本控制率(%)反映专项资金成本控制情况≤100%100%"
    "产出指标数量指标开展修复工程(个)反映修复工程开展情况≥11"
    "质量指标已建工程是否存在质量问题当年已完工项目是否在检查中发现质量问题是/否否否\n"
)


def _rows(text: str) -> list[tuple]:
    (form,) = normalize_text(text, "t.txt").forms
    return [(i.level2, i.name, i.operator, i.value, i.unit, i.flags) for i in form.indicators]


def test_glued_township_columns_give_the_one_value_they_print() -> None:
    # 100%100% and 否否 show two columns, so ≥11 is ≥ with 1 and 1, not eleven
    assert _rows(GLUED_TOWNS) == [
        ("经济成本指标", "专项资金成本控制率", "≤", 100, "%", []),
        ("数量指标", "开展修复工程", "≥", 1, "个", []),
        ("质量指标", "已建工程是否存在质量问题", None, "否", None, []),
    ]


def test_the_printed_copies_stay_in_the_provenance() -> None:
    (form,) = normalize_text(GLUED_TOWNS, "t.txt").forms
    cells = form.indicators[1].source.cells
    assert cells["value"].text == "≥1" and cells["unit_values"].text == "≥11"


def test_without_columns_shown_a_glued_number_is_read_whole() -> None:
    # no row shows two copies: 11 stays eleven (a guess either way is not made)
    text = GLUED_TOWNS.replace("≤100%100%", "≤100%").replace("否否", "否")
    assert _rows(text)[1][3] == 11


def test_townships_printing_different_values_give_no_common_value() -> None:
    text = (
        "2024年项目绩效目标表\n"
        "| 项目名称 | 农田水利 |\n| 主管部门 | 某县水利局 |\n"
        "| 一级指标 | 二级指标 | 三级指标 | 指标方向 | 甲镇 | 乙镇 |\n"
        "| 产出指标 | 数量指标 | 修复渠道长度 | ≥ | 5公里 | 5公里 |\n"
        "| 产出指标 | 数量指标 | 新建泵站 | ≥ | 2座 | 3座 |\n"
    )
    rows = _rows(text)
    assert rows[0][2:5] == ("≥", 5, "公里")
    assert rows[1][3] == 2  # the first printed, the other reported (no sum, no choice)
    rejects = normalize_text(text, "t.txt").rejects
    assert [r.text for r in rejects] == ["3座"]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "已建工程是否存在质量问题当年已完工项目是否在检查中发现质量问题",
            ("已建工程是否存在质量问题", "当年已完工项目是否在检查中发现质量问题"),
        ),
        ("培训覆盖人次全年参训人员培训覆盖人次", ("培训覆盖人次", "全年参训人员培训覆盖人次")),
        ("群众满意度达到较高水平", None),  # no restated ending: one name
    ],
)
def test_an_explanation_is_cut_where_the_ending_first_closes(text, want) -> None:
    assert split_explanation(text) == want


def test_copies() -> None:
    assert [copies(t) for t in ("100%100%", "否否", "11", "1111", "12", "")] == [2, 2, 2, 4, 1, 1]


@pytest.mark.parametrize(
    "budget",
    [
        "年度资金总额\t120；其中：财政拨款100万元，其他资金20万元",
        "年度资金总额\t120万元（其中：财政拨款100万元，其他资金20万元）",
        "资金情况\t年度资金总额：120；其中：财政拨款100，其他资金20",
    ],
)
def test_a_budget_cell_with_its_breakdown(budget: str) -> None:
    text = (
        "2023年项目支出绩效目标表\n项目名称\t社区养老服务\n主管部门\t某县民政局\n"
        f"{budget}\n年度目标\t开展养老服务\n"
        "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t服务人次\t≥500人次\n"
    )
    (form,) = normalize_text(text, "t.txt").forms
    assert form.budget_total == 120
    assert form.budget_breakdown == {"财政拨款": 100, "其他资金": 20}


def test_a_budget_part_named_again_in_a_later_table_does_not_replace_it() -> None:
    text = (
        "部门整体支出绩效目标表\n部门(单位)名称 某研究室\n资金总额 171.41\n项目支出 60.8\n"
        "基本支出 110.61\n年度总体目标 保障运转\n"
        "部门职能 年度目标任务 支出项目名称 预算金额(万元)\n"
        "确保日常工作正常运行 按时发放人员工资 基本支出 171.41\n"
        "一级指标 二级指标 三级指标 指标值\n产出指标 数量指标 编纂年鉴 1部\n"
    )
    (form,) = normalize_text(text, "t.txt").forms
    assert form.budget_breakdown == {"项目支出": 60.8, "基本支出": 110.61}


def test_subtotal_rows_are_reported_not_read_as_indicators() -> None:
    text = (
        "2023年项目支出绩效目标表\n| 项目名称 | 会务服务 |\n| 主管部门 | 某区政府办公室 |\n"
        "| 一级指标 | 二级指标 | 三级指标 | 指标值 | 权重 |\n"
        "| 产出指标 | 数量指标 | 会议场次 | ≥20次 | 30 |\n| 小计 |  |  |  | 30 |\n"
        "| 效益指标 | 社会效益指标 | 会议保障率 | 100% | 70 |\n| 合计 |  |  |  | 100 |\n"
    )
    result = normalize_text(text, "t.txt")
    assert [i.name for i in result.forms[0].indicators] == ["会议场次", "会议保障率"]
    totals = [r for r in result.rejects if "小计/合计" in r.reason]
    assert [r.text for r in totals] == ["小计", "30", "合计", "100"]


def test_blanks_between_the_cells_of_a_text_layer_are_no_wrap() -> None:
    text = (
        "2022年项目支出绩效目标表\n项目名称 会务服务\n主管部门 某区政府办公室\n"
        "一级指标 二级指标 三级指标 指标值 计量单位 权重\n"
        "产出指标 数量指标 全区性会议 ≥40 次 15\n产出指标 成本指标 观摩会议费 ≤3 万元 30\n"
    )
    (form,) = normalize_text(text, "t.txt").forms
    assert [i.flags for i in form.indicators] == [[], []]  # 全区性会议 is not 全区性会议费 cut


def test_a_wrapped_long_name_is_joined_when_the_row_goes_on_below() -> None:
    text = (
        "2022年项目支出绩效目标表\n项目名称 机房改造\n主管部门 某区政府办公室\n"
        "一级指标 二级指标 三级指标 指标值 计量单位 权重\n"
        "产出指标 成本指标 沙坡头区行政中\n心电子政务外网网络机房改造\n≤30 万元 5\n"
        "产出指标 数量指标 沙坡头区电子政务外网A面线路运维的\n数量\n296 条 25\n"
    )
    (form,) = normalize_text(text, "t.txt").forms
    assert [(i.name, i.value, i.flags) for i in form.indicators] == [
        ("沙坡头区行政中心电子政务外网网络机房改造", 30, []),
        ("沙坡头区电子政务外网A面线路运维的数量", 296, []),
    ]


def test_a_page_ending_in_a_name_flags_it_only_when_it_reads_unfinished() -> None:
    head = (
        "2019年项目支出绩效目标表\n| 项目名称 | 道路改造 |\n| 主管部门 | 某市交通局 |\n"
        "| 一级指标 | 二级指标 | 三级指标 | 指标值 |\n| 产出指标 | 数量指标 | 完成项目数 | 3个 |\n"
    )
    complete = _rows(head + "| 效益指标 | 可持续影响指标 | 实现建设总目标控制程度")[-1]
    assert complete[1:] == ("实现建设总目标控制程度", None, None, None, ["value_missing"])
    cut = _rows(head + "| 效益指标 | 社会效益指标 | 对单位履职、促进事业发展")[-1]
    assert cut[-1] == ["name_truncated", "value_missing"]
    assert defects.open_phrase("对单位履职、促进事业发展")
    assert not defects.open_phrase("对减少财政投资成本的改善程度")


def test_unit_columns_is_a_synth_rendering() -> None:
    assert "unit_columns" in RENDERINGS


def test_a_row_filling_every_column_keeps_a_misprinted_unit_in_its_column() -> None:
    # 指标性质 指标方向 目标值 计量单位 分值 备注: eight cells for nine columns (备注 empty), so
    # the spreadsheet serial under 计量单位 stands there; the unit is invalid, not missing
    text = (
        "2021年项目支出绩效目标表\n项目名称 出差经费\n主管部门 某供销社\n"
        "一级指标 二级指标 三级指标 指标性质 指标方向 目标值 计量单位 分值 备注\n"
        "产出指标 数量指标 出差人次 正向 = 24 人/次 4\n"
        "产出指标 时效指标 资金到位时间 正向 = 44,561 44,561 10\n"
        "产出指标 质量指标 完成率 正向 = 100 10\n"
    )
    (form,) = normalize_text(text, "t.txt").forms
    got = [(i.value, i.unit, i.weight, i.flags) for i in form.indicators]
    assert got == [
        (24, "人/次", 4, []),
        (44561, None, 10, ["unit_invalid"]),
        (100, None, 10, ["unit_missing"]),  # a cell short: matched by content, weight kept
    ]


def test_the_glued_name_cell_stays_in_the_provenance_as_printed() -> None:
    (form,) = normalize_text(GLUED_TOWNS, "t.txt").forms
    cells = form.indicators[2].source.cells
    assert cells["name"].text == "已建工程是否存在质量问题"
    assert cells["note"].text == "当年已完工项目是否在检查中发现质量问题"
    assert cells["name_and_note"].text == cells["name"].text + cells["note"].text
