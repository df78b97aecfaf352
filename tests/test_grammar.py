"""grammar.py, the ground floor: numbers, amounts, units, operators and values as printed.

Each expected value is what the cell says to a reader of the form (checked by hand), not
what the code printed.
"""

from __future__ import annotations

import pytest

from jixiao.grammar import (
    NO_VALUE,
    ParsedValue,
    Row,
    canon_unit,
    classify,
    clean,
    clean_goal,
    clean_name,
    fmt_number,
    parse_operator,
    parse_value,
    strip_placeholder,
    to_amount,
    to_number,
)
from jixiao.schema import Cell


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1,200", 1200),
        ("160.00", 160),
        ("２０", 20),  # full-width digits
        ("95%", 95),
        ("8.5", 8.5),
        ("-3", -3),
        ("　12\u00a0", 12),  # padded with U+3000 and NBSP
        ("十二", None),
        ("≥95%", None),  # an operator makes it a value cell, not a number
        ("", None),
    ],
)
def test_to_number_reads_a_number_as_printed(text: str, number: float | None) -> None:
    assert to_number(text) == number


def test_to_number_takes_numbers_and_refuses_booleans() -> None:
    assert to_number(95.0) == 95 and isinstance(to_number(95.0), int)
    assert to_number(0.35) == 0.35
    assert to_number(True) is None
    assert to_number(None) is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (100, "100"),
        (100.0, "100"),
        (8.5, "8.5"),
        (126.73, "126.73"),
        (None, ""),
        (2e-05, "0.00002"),
    ],
)
def test_fmt_number_writes_numbers_as_a_person_types_them(value: object, text: str) -> None:
    assert fmt_number(value) == text


@pytest.mark.parametrize(
    ("text", "wan"),
    [("164万元", 164), ("1,200,000元", 120), ("20.00", 20), ("35万", 35), ("约100万元", None)],
)
def test_to_amount_is_in_wan_yuan(text: str, wan: float | None) -> None:
    assert to_amount(text) == wan


@pytest.mark.parametrize(
    ("text", "unit"),
    [("%", "%"), ("％", "%"), ("人次", "人次"), ("次/年", "次/年"), ("23", None), ("", None)],
)
def test_canon_unit(text: str, unit: str | None) -> None:
    assert canon_unit(text) == unit


def test_operators_in_their_printed_forms() -> None:
    assert parse_operator("≥") == "≥"
    assert parse_operator(">=") == "≥"
    assert parse_operator("≤") == "≤"
    assert parse_operator("正向") is None  # a direction, not an operator


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("≥95%", ParsedValue("≥", 95, "%", "quantitative")),
        ("100%", ParsedValue(None, 100, "%", "quantitative")),
        ("≤20万元", ParsedValue("≤", 20, "万元", "quantitative")),
        ("1 000", ParsedValue(None, 1000, None, "quantitative")),  # digits split by a space
        ("二95%", ParsedValue("=", 95, "%", "quantitative")),  # OCR read = as 二
        ("2024年6月底前", ParsedValue(None, "2024年6月底前", None, "qualitative")),  # a deadline
        ("有所提升", ParsedValue(None, "有所提升", None, "qualitative")),
        ("", NO_VALUE),
    ],
)
def test_parse_value(text: str, parsed: ParsedValue) -> None:
    assert parse_value(text) == parsed


def test_a_masked_target_has_no_value_but_keeps_its_operator_and_unit() -> None:
    assert parse_value("≤****元") == ParsedValue("≤", None, "元", "quantitative")


def test_template_placeholders_leave_the_name_and_say_what_the_value_meant() -> None:
    assert strip_placeholder("服务合格率（≥**%）") == ("服务合格率", "≥", "%")
    assert strip_placeholder("★群众满意度") == ("群众满意度", None, None)
    assert strip_placeholder("培训人次") == ("培训人次", None, None)


def test_cleaning() -> None:
    assert clean("\u3000 培训人次 \ufeff") == "培训人次"
    assert clean_name("网站 正常 运行率") == "网站正常运行率"  # wrap spaces in Chinese text
    assert clean_name("PM2.5 浓度") == "PM2.5浓度"
    assert clean_goal("目标1：完成培训 目标2：覆盖全区") == "目标1：完成培训\n目标2：覆盖全区"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("产出指标", "level1"),
        ("数量指标", "level2"),
        ("指标1：培训人次", "numbered"),
        ("≥95%", "value"),
        ("优", "value"),
        ("培训覆盖人次", "text"),
        ("  ", "empty"),
    ],
)
def test_classify_says_what_a_cell_holds(text: str, kind: str) -> None:
    assert classify(text) == kind


def test_a_row_strips_every_kind_of_blank_once() -> None:
    row = Row([Cell(" 产出指标\u3000", 3, 0), Cell("", 3, 1), Cell("≥95%", 3, 2)])
    assert row.texts == ["产出指标", "", "≥95%"]
    assert row.line == 3
    assert [c.col for c in row.nonempty()] == [0, 2]


def test_is_date_value() -> None:
    from jixiao.grammar import is_date_value

    assert is_date_value("2023年12月底前") and is_date_value("2024.6")
    assert not is_date_value("2022年发展真实情况明显") and not is_date_value("≥95%")
