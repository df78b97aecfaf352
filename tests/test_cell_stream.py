"""Web pages copied as one cell per line with no row delimiter (real sample sc23's rendering).

Merged cells vanish and nothing marks where a row ends, so rows are rebuilt from what the
cells hold: level labels, then a name, then its value. The expected records below are read
off the source text by hand.
"""

from __future__ import annotations

from jixiao.pipeline import normalize_text

PAGE = "\n\n".join(
    [
        "某县2024年农村公路养护项目绩效目标表",
        "项目名称",
        "农村公路养护",
        "级指标",  # 一级指标 with its first character lost, as sc23 prints it
        "二级指标",
        "三级指标",
        "指标值",
        "实施效果指标",  # a grouping above the 一级 column: reported, not a level
        "产出指标",
        "养护里程",
        "≥120公里",
        "效益指标",
        "通行条件",
        "持续改善",  # a text value: the row ends where the next level label starts
        "过程管理指标",  # a 一级 label that is none of the four canonical ones
        "资金管理指标",
        "资金支付率",
        "≥95%",
        "项目管理指标",  # a lone 二级 label under the merged 一级 cell
        "项目开工率",
        "100%",
        "文件下载",  # page furniture after the table
        "政策咨询",
    ]
)


def test_rows_rebuilt_from_a_cell_stream() -> None:
    result = normalize_text(PAGE, "stream.txt")
    (form,) = result.forms
    assert form.project_name == "农村公路养护"
    got = [
        (i.level1, i.level2, i.name, i.operator, i.value, i.unit, i.value_kind)
        for i in form.indicators
    ]
    assert got == [
        ("产出指标", None, "养护里程", "≥", 120, "公里", "quantitative"),
        ("效益指标", None, "通行条件", None, "持续改善", None, "qualitative"),
        (None, "资金管理指标", "资金支付率", "≥", 95, "%", "quantitative"),
        (None, "项目管理指标", "项目开工率", None, 100, "%", "quantitative"),
    ]


def test_cells_outside_the_rows_are_reported_not_lost() -> None:
    result = normalize_text(PAGE, "stream.txt")
    rejected = {r.text for r in result.rejects if r.kind == "row"}
    assert {"实施效果指标", "文件下载", "政策咨询"} <= rejected
