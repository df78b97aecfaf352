"""One small form in every layout: the file a new layout's author copies.

Each layout only cuts lines into cells (``layouts/``); everything after reads the same
rows. So the one form below, written out in each rendering, must give the same record. A new
layout adds its rendering here (and a rendering with exact truth in ``synth/renderings/``).
"""

from __future__ import annotations

import pytest

from jixiao.pipeline import normalize_text

TITLE = "项目支出绩效目标表"
HEADER = [("项目名称", "社区培训项目"), ("主管部门", "某区人力资源和社会保障局")]
HEADINGS = ["一级指标", "二级指标", "三级指标", "指标值", "计量单位", "权重"]
ROWS = [
    ["产出指标", "数量指标", "培训覆盖人次", "≥500", "人次", "20"],
    ["满意度指标", "服务对象满意度指标", "学员满意度", "≥90", "%", "10"],
]
LINES = [[TITLE], *map(list, HEADER), HEADINGS, *ROWS]

#: The form as each layout prints it.
RENDERINGS = {
    # PDF/OCR dumps: a row per line, tab-separated cells
    "tab_rows": "\n".join("\t".join(line) for line in LINES),
    # Markdown / web tables: ``|`` between cells, a rule under the headings
    "pipe_rows": "\n".join(
        ["| " + " | ".join(line) + " |" for line in LINES[:4]]
        + ["|" + "---|" * len(HEADINGS)]
        + ["| " + " | ".join(line) + " |" for line in LINES[4:]]
    ),
    # Word-table dumps: one tab-indented cell per line, a blank line between rows
    "cell_per_line": "\n\n".join("\n".join("\t" + c for c in line) for line in LINES),
    # web-page text: one cell per line ending in ``|``, a bare ``|`` line between rows
    "pipe_cells": "\n|\n".join("\n".join(c + " |" for c in line) for line in LINES),
    # plain text: cells apart by runs of blanks
    "space_rows": "\n".join("   ".join(line) for line in LINES),
    # OCR text layers: no separator at all, cut at the form's own vocabulary
    "glued": "\n".join("".join(line) for line in LINES),
    # a sheet saved as CSV: every row padded with commas to the sheet's width
    "csv_rows": "\n".join(",".join(line + [""] * (len(HEADINGS) - len(line))) for line in LINES),
}


@pytest.mark.parametrize("layout", sorted(RENDERINGS))
def test_every_layout_reads_the_same_form(layout: str) -> None:
    result = normalize_text(RENDERINGS[layout] + "\n", f"{layout}.txt")
    assert result.layout == layout
    (form,) = result.forms
    assert (form.title, form.project_name, form.department) == (
        TITLE,
        "社区培训项目",
        "某区人力资源和社会保障局",
    )
    rows = [
        (i.level1, i.level2, i.name, i.operator, i.value, i.unit, i.weight, i.flags)
        for i in form.indicators
    ]
    assert rows == [
        ("产出指标", "数量指标", "培训覆盖人次", "≥", 500, "人次", 20, []),
        ("满意度指标", "服务对象满意度指标", "学员满意度", "≥", 90, "%", 10, []),
    ]


def test_every_registered_layout_has_a_case_here() -> None:
    from jixiao import layouts

    assert {layout.name for layout in layouts.REGISTRY} == set(RENDERINGS)


def test_csv_a_stray_quote_does_not_swallow_the_rows_after_it() -> None:
    lines = RENDERINGS["csv_rows"].split("\n")
    lines[1] = '项目名称,"社区培训项目,,,,'  # a quote opened and never closed
    text = "\n".join(lines[:3] + [",,,,,"] * 25 + lines[3:]) + "\n"
    result = normalize_text(text, "csv_rows.txt")
    assert result.layout == "csv_rows"
    (form,) = result.forms
    assert [(i.name, i.value) for i in form.indicators] == [
        ("培训覆盖人次", 500),
        ("学员满意度", 90),
    ]
