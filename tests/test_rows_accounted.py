"""Rows the fuzz (eval/fuzz_hostile.py) found in no output and no reject, through the CLI.

Each source line that holds an indicator-looking cell must be an output cell or named by a
reject (issue 12): rows before the first form, the rows of a part rejected as not a form,
and a header label met again later in the form (the first value is kept). The inputs are
seed 004's first form (golden/inputs) with the lines moved as a shuffled dump moves them.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import GOLDEN
from typer.testing import CliRunner

from jixiao import errors
from jixiao.cli import app

runner = CliRunner()
SEED = GOLDEN / "inputs" / "004_5de54c583fead5ac.txt"


def first_form() -> list[str]:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    starts = [k for k, ln in enumerate(lines) if ln.strip() == "部门项目支出预算绩效目标申报表"]
    return lines[starts[0] : starts[1]]


def run(tmp_path: Path, lines: list[str]) -> tuple[list[dict], list[dict]]:  # type: ignore[type-arg]
    src = tmp_path / "form.txt"
    src.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["normalize", str(src), "-o", str(out), "-q"])
    assert result.exit_code in (errors.EXIT_OK, errors.EXIT_REJECTS), result.output

    def read(name: str) -> list[dict]:  # type: ignore[type-arg]
        text = (out / name).read_text(encoding="utf-8")
        return [json.loads(x) for x in text.split("\n") if x]

    return read("forms.jsonl"), read("rejects.jsonl")


def test_rows_before_the_first_form_are_rejects(tmp_path: Path) -> None:
    form = first_form()
    row = "\t\t质量指标 (必填)\t指标1: 根据国家政策完成疫情防控工作\t100%"
    assert row in form
    lines = ["当前位置: 首页 > 通知公告", row, "", "附件1", *form]
    forms, rejects = run(tmp_path, lines)
    assert len(forms) == 1
    before = [r for r in rejects if r["code"] == "row_before_form"]
    assert [r["line"] for r in before] == [2]  # page furniture and 附件1 are not content
    assert "根据国家政策完成疫情防控工作" in before[0]["text"]


def test_rows_of_a_part_that_is_not_a_form_are_named(tmp_path: Path) -> None:
    form = first_form()
    # a shuffled dump: a 项目名称 line and indicator rows, then another form's title
    stray = [
        "项目名称\t\t疫情防控工作经费\t\t",
        "\t\t\t指标1: 为科学研究提供翔实资料情况\t明显",
        "\t\t\t指标2: 政务公开完成及时性\t100%",
    ]
    lines = [*form, "", *stray, "", *form]
    forms, rejects = run(tmp_path, lines)
    assert len(forms) == 2
    start = len(form) + 2  # 1-based line of the stray 项目名称
    [part] = [r for r in rejects if r["code"] == "not_a_form"]
    assert part["line"] == start
    rows = {r["line"]: r["text"] for r in rejects if r["code"] == "row_discarded"}
    assert rows == {
        start + 1: "指标1: 为科学研究提供翔实资料情况 | 明显",
        start + 2: "指标2: 政务公开完成及时性 | 100%",
    }


def test_a_repeated_header_label_is_a_reject(tmp_path: Path) -> None:
    form = first_form()
    assert form[6] == "项目属性\t\t新增项目\t项目期\t1年"
    at = form.index("\t效益指标\t社会效益指标 (必填)\t指标1: 保障人民群众生命安全\t明显")
    lines = [*form[:at], "项目属性\t\t延续性项目\t项目期\t3年", *form[at:]]
    forms, rejects = run(tmp_path, lines)
    [record] = forms
    assert record["project_attribute"] == "新增" and record["duration"] == "1年"  # first kept
    repeated = [r for r in rejects if r["code"] == "label_repeated"]
    assert {r["text"] for r in repeated} == {"延续性项目", "3年"}
    assert {r["line"] for r in repeated} == {at + 1}
    assert all("line 7" in r["reason"] for r in repeated)


def test_cells_a_label_row_does_not_read_are_rejects(tmp_path: Path) -> None:
    """A shuffled one-cell-per-line dump: a blank line ends a row, so a stray value lands in a
    row of labels. ``≥95%`` after 项目名称's value, ``30%`` as 财政拨款's "amount" and ``20%``
    on the line after 年度绩效目标's text were read by nothing and named by no reject."""
    lines = [
        "\t2024年度项目支出绩效目标表",
        "",
        "\t项目名称",
        "\t城区道路养护",
        "\t≥95%",  # line 5: a label's value is taken, this cell is left over
        "\t主管部门",
        "\t某市交通运输局",
        "",
        "\t财政拨款",
        "\t30%",  # line 10: a budget part's value is an amount, not a share
        "",
        "\t年度绩效目标",
        "\t完成城区道路养护",
        "\t20%",  # line 14: another line, not a wrap of the goal's text
        "",
        "\t一级指标",
        "\t二级指标",
        "\t三级指标",
        "\t指标值",
        "",
        "\t产出指标",
        "\t数量指标",
        "\t道路养护里程",
        "\t≥120公里",
        "",
        "\t效益指标",
        "\t满意度指标",
        "\t群众满意度",
        "\t≥90%",
    ]
    forms, rejects = run(tmp_path, lines)
    assert len(forms) == 1
    form = forms[0]
    assert form["project_name"] == "城区道路养护" and form["department"] == "某市交通运输局"
    assert [i["name"] for i in form["indicators"]] == ["道路养护里程", "群众满意度"]
    assert form["budget_breakdown"] == {"财政拨款": None}
    assert form["annual_goal"] == "完成城区道路养护"
    rows = {r["line"]: r for r in rejects if r["kind"] == "row"}
    assert {k: rows[k]["text"] for k in (5, 10, 14)} == {5: "≥95%", 10: "30%", 14: "20%"}
    assert {rows[k]["code"] for k in (5, 10, 14)} == {"cell_unplaced"}


def test_a_target_in_a_heading_row_is_a_reject(tmp_path: Path) -> None:
    """A value shuffled into the table's heading row heads no column and was dropped."""
    lines = [
        "\t2024年度项目支出绩效目标表",
        "",
        "\t项目名称",
        "\t城区道路养护",
        "",
        "\t一级指标",
        "\t二级指标",
        "\t三级指标",
        "\t指标值",
        "\t≥98%",  # line 10
        "",
        "\t产出指标",
        "\t数量指标",
        "\t道路养护里程",
        "\t≥120公里",
    ]
    forms, rejects = run(tmp_path, lines)
    assert len(forms) == 1 and [i["name"] for i in forms[0]["indicators"]] == ["道路养护里程"]
    assert [(r["line"], r["text"]) for r in rejects if r["kind"] == "row"] == [(10, "≥98%")]
