"""OCR text of a scanned table whose cells wrapped: each wrapped line joined to its cell.

The snippet is hand-written the way RapidOCR gives a top-aligned scan, a line per visual line:
a name's first line stands beside the row's values, its other lines alone under it. The
expected records are read off the snippet itself: every piece of a name, in order.
"""

from __future__ import annotations

import pytest

from jixiao.pipeline import normalize_text
from jixiao.schema import Form

SPACED = """\
项目支出绩效目标表
项目名称 社区帮扶服务
主管部门 某区民政局
资金总额 50
一级指标 二级指标 三级指标 指标值 计量单位 指标权重
产出指标 数量指标 指标1： 120 户 20
走访困难家庭并建立帮扶台账
的户数
指标2：社区志愿服务活动次数 12 次 20
质量指标 帮扶对象信息登记准确率（含 98 % 20
复核）
效益指标 社会效益指标 困难群众基本生活得到有效保 明显 20
障情况
满意度指标 服务对象满意度 帮扶对象满意度 90 % 20
指标
"""

#: (level1, level2, name, value, unit, weight), as the snippet prints them.
EXPECTED = [
    ("产出指标", "数量指标", "走访困难家庭并建立帮扶台账的户数", 120, "户", 20),
    ("产出指标", "数量指标", "社区志愿服务活动次数", 12, "次", 20),
    ("产出指标", "质量指标", "帮扶对象信息登记准确率（含复核）", 98, "%", 20),
    ("效益指标", "社会效益指标", "困难群众基本生活得到有效保障情况", "明显", None, 20),
    ("满意度指标", "服务对象满意度指标", "帮扶对象满意度", 90, "%", 20),
]


def _boxes(text: str) -> str:
    """The same scan written a recognised box per line (a visual line's boxes in order)."""
    return "\n".join(box for line in text.splitlines() for box in line.split(" ")) + "\n"


def _glued(text: str) -> str:
    """The same scan glued, without the weight column (a glued weight is no cell of its own)."""
    lines = []
    for line in text.splitlines():
        parts = line.split(" ")
        if parts[-1] == "20" or parts[-1] == "指标权重":
            parts = parts[:-1]
        lines.append("".join(parts))
    return "\n".join(lines) + "\n"


def _read(text: str) -> Form:
    result = normalize_text(text, "wrapped.txt")
    assert len(result.forms) == 1, result.rejects
    return result.forms[0]


def _rows(form: Form) -> list[tuple[object, ...]]:
    return [(i.level1, i.level2, i.name, i.value, i.unit, i.weight) for i in form.indicators]


@pytest.mark.parametrize("written", [lambda t: t, _boxes], ids=["spaced", "boxes"])
def test_wrapped_names_are_joined(written) -> None:  # type: ignore[no-untyped-def]
    assert _rows(_read(written(SPACED))) == EXPECTED


def test_wrapped_names_are_joined_in_glued_text() -> None:
    expected = [(*row[:5], None) for row in EXPECTED]
    assert _rows(_read(_glued(SPACED))) == expected


def test_a_joined_name_keeps_the_lines_it_was_printed_on() -> None:
    form = _read(SPACED)
    first = form.indicators[0]
    assert first.name_raw == "指标1：走访困难家庭并建立帮扶台账的户数"
    cells = first.source.cells
    assert [(cells[f"name_line{n}"].text, cells[f"name_line{n}"].line) for n in (1, 2, 3)] == [
        ("指标1：", 6),
        ("走访困难家庭并建立帮扶台账", 7),
        ("的户数", 8),
    ]


def test_a_line_no_cell_runs_on_into_stays_apart() -> None:
    # the name above ended short of the column's edge, and the line is no first line of the
    # row below (that row's name opens with a numbering): nothing proves where it belongs
    text = SPACED.replace("走访困难家庭并建立帮扶台账\n的户数\n", "走访困难家庭\n").replace(
        "产出指标 数量指标 指标1： 120 户 20", "产出指标 数量指标 入户走访 120 户 20"
    )
    form = _read(text)
    assert form.indicators[0].name == "入户走访"
    assert "走访困难家庭" not in "".join(i.name or "" for i in form.indicators)


def test_a_header_value_that_wrapped_under_an_empty_label() -> None:
    # the department's name ran over two lines of its cell; 实施单位 beside it was left empty,
    # so the line under the row is the name's rest, not the empty label's value
    text = SPACED.replace(
        "主管部门 某区民政局\n", "主管部门 重庆市沙坪坝区 实施单位\n人民政府办公室\n"
    )
    form = _read(text)
    assert form.department == "重庆市沙坪坝区人民政府办公室"
    assert form.implementing_unit is None
    assert _rows(form) == EXPECTED
