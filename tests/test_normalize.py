"""normalize.py and defects.py: one case per flag of the contract, on a small form written here.

Each row below is a messy cell as budget forms print them; the expected reading and flag are
what a person reading the row would conclude (``ocr_low_confidence`` needs a scan: see
``tests/test_scans.py``).
"""

from __future__ import annotations

import pytest

from jixiao.pipeline import normalize_text
from jixiao.schema import FLAGS, Indicator

HEAD = (
    "项目支出绩效目标表\n（2024年度）\n项目名称\t社区培训项目\n主管部门\t某区人力资源和社会保障局\n"
    "年度资金总额\t100\n项目概况\t依托民生监察平台开展培训\n"
    "一级指标\t二级指标\t三级指标\t指标性质\t指标值\t计量单位\t权重\n"
)


def read_row(*cells: str) -> Indicator:
    """The one indicator of a form whose table holds this row."""
    result = normalize_text(HEAD + "\t".join(cells) + "\n")
    (form,) = result.forms
    (indicator,) = form.indicators
    return indicator


def test_a_clean_row_has_no_flag() -> None:
    ind = read_row("产出指标", "数量指标", "培训覆盖人次", "≥", "500", "人次", "10")
    assert (ind.name, ind.operator, ind.value, ind.unit, ind.weight) == (
        "培训覆盖人次",
        "≥",
        500,
        "人次",
        10,
    )
    assert ind.flags == []


@pytest.mark.parametrize(
    ("cells", "flag", "fields"),
    [
        # a quantity with no unit anywhere in the row
        (
            ("产出指标", "数量指标", "完成课时", "≥", "500", "", "10"),
            "unit_missing",
            {"value": 500, "unit": None},
        ),
        # a number where the unit belongs
        (
            ("效益指标", "社会效益指标", "就业帮扶覆盖", "≥", "90", "23", "10"),
            "unit_invalid",
            {"value": 90, "unit": None},
        ),
        # no target printed
        (
            ("产出指标", "时效指标", "开课及时率", "", "", "%", "10"),
            "value_missing",
            {"value": None},
        ),
        # 320% cannot be a 合格率 (OCR reads ≥ as 2): unreadable, left empty, never guessed
        (
            ("产出指标", "质量指标", "培训合格率", "≥", "320", "%", "10"),
            "value_suspect",
            {"value": None},
        ),
        # the target hidden in the name
        (
            ("满意度指标", "服务对象满意度指标", "学员满意度90%", "", "", "", "10"),
            "value_in_name",
            {"name": "学员满意度", "value": 90, "unit": "%"},
        ),
        # 指标性质 holds 定性, not an operator: the row is qualitative
        (
            ("产出指标", "质量指标", "课程质量", "定性", "优", "", "10"),
            "category_in_operator",
            {"value": "优", "value_kind": "qualitative", "operator": None},
        ),
        # the name stops where 项目概况 goes on (民生监察平台)
        (
            ("效益指标", "社会效益指标", "民生监察平", "≥", "95", "%", "10"),
            "name_truncated",
            {"name": "民生监察平"},
        ),
        # 一级 and 二级 printed in each other's columns
        (
            ("数量指标", "产出指标", "培训场次", "", "≥12", "场", "10"),
            "column_shift",
            {"level1": "产出指标", "level2": "数量指标", "value": 12},
        ),
    ],
)
def test_one_flag_per_messy_cell(
    cells: tuple[str, ...], flag: str, fields: dict[str, object]
) -> None:
    ind = read_row(*cells)
    assert flag in ind.flags
    assert {k: getattr(ind, k) for k in fields} == fields
    evidence = [e for e in ind.source.evidence if e.flag == flag]
    assert evidence and evidence[0].reason  # every flag says why


def test_every_flag_but_ocr_is_covered_here() -> None:
    covered = {"unit_missing", "unit_invalid", "value_missing", "value_suspect", "value_in_name",
               "category_in_operator", "name_truncated", "column_shift"}  # fmt: skip
    assert set(FLAGS) - covered == {"ocr_low_confidence"}


@pytest.mark.parametrize(
    "cells",
    [
        ("产出指标", "数量指标", "培训场次", "≥12场", "", "", "10"),  # the target in 指标性质
        ("产出指标", "数量指标", "培训场次", "≥", "场", "12", "10"),  # value and unit swapped
        ("产出指标", "数量指标", "培训场次", "", "场", "≥12", "10"),
    ],
)
def test_a_target_one_column_off_is_read_where_it_belongs(cells: tuple[str, ...]) -> None:
    ind = read_row(*cells)
    assert (ind.operator, ind.value, ind.unit, ind.weight) == ("≥", 12, "场", 10)
    assert ind.flags == ["column_shift"]
