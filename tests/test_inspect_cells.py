"""``jixiao inspect --cells``: the typed cell stream and the role the reading gave each cell."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from jixiao.cellview import cell_type, readings
from jixiao.cli import app
from jixiao.pipeline import normalize_path

FORM = "\n".join(
    [
        "2023年项目支出绩效目标表",
        "项目名称\t社区图书室运行经费",
        "主管部门\t某区文化和旅游局",
        "一级指标\t二级指标\t三级指标\t指标值",
        "产出指标\t数量指标\t图书借阅人次\t≥5000人次",
        "满意度指标\t服务对象满意度指标\t读者满意度\t≥90%",
        "填报人：张三",
    ]
)


def test_cell_types_come_from_content_alone() -> None:
    assert cell_type("产出指标") == "level1"
    assert cell_type("服务对象满意度指标") == "level2"
    assert cell_type("≥5000人次") == "value"
    assert cell_type("≥") == "operator"
    assert cell_type("2022年财政资金项目支出绩效目标表") == "text"  # opens with a year: a title
    assert cell_type("2023年12月") == "date"
    assert cell_type("三级指标") == "heading"
    assert cell_type("项目名称") == "label"


def test_roles_follow_the_real_reading(tmp_path: Path) -> None:
    src = tmp_path / "form.txt"
    src.write_text(FORM, encoding="utf-8")
    result = normalize_path(src)
    _cut, rows = readings(src, result)
    by_text = {c.text: c for row in rows for c in row}
    assert by_text["社区图书室运行经费"].role == "表1 · 项目名称"
    assert by_text["图书借阅人次"].role == "表1 · 指标1 指标名称"
    assert by_text["≥5000人次"].role == "表1 · 指标1 指标值"
    assert by_text["读者满意度"].role == "表1 · 指标2 指标名称"
    assert by_text["2023年项目支出绩效目标表"].role == "表1 · 标题"
    assert by_text["项目名称"].role is None  # a label is read, its value carries the role


def test_cli_prints_one_line_per_row(tmp_path: Path) -> None:
    src = tmp_path / "form.txt"
    src.write_text(FORM, encoding="utf-8")
    res = CliRunner().invoke(app, ["inspect", "--cells", str(src)], env={"COLUMNS": "300"})
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.output.splitlines() if ln.startswith("行")]
    assert len(lines) == 7
    row5 = next(ln for ln in lines if ln.startswith("行5"))
    assert "产出指标[一级指标]→表1 · 指标1 一级指标" in row5
    assert "图书借阅人次[文本]→表1 · 指标1 指标名称" in row5
