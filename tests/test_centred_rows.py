"""Tables whose narrow cells wrap, read from their text layers (``jixiao.parse.centred``).

The fixtures in ``tests/fixtures/text_layers`` are real: three tables written as HTML,
printed to PDF by headless Chromium and read back by ``pdftotext -layout``, ``pdftotext -raw``
and pdfplumber (see its README). Every expected value below is read off the HTML source.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from jixiao.layouts import space_rows
from jixiao.parse import centred
from jixiao.pipeline import normalize_path, normalize_text
from jixiao.synth import load_pool
from jixiao.synth.renderings import build, wrapped_text_layer

FIXTURES = Path(__file__).parent / "fixtures" / "text_layers"

EXPECTED: dict[str, dict[str, Any]] = {
    "ruled_names": {
        "header": (
            "2024年度项目支出绩效目标表", 2024, "农村饮水安全巩固提升工程运行维护", "某县水利局",
            356.5, "完成全县农村供水工程日常维修养护，保障农村群众饮水安全。",
        ),
        "rows": [
            ("产出指标", "数量指标", "维修养护农村供水工程处数", "≥", 120, "处", 20),
            ("产出指标", "质量指标", "水质检测合格率", "≥", 95, "%", 20),
            ("产出指标", "时效指标", "维修养护工程完成及时率", None, 100, "%", 10),
            ("效益指标", "社会效益指标", "农村集中供水人口受益覆盖率提升", "≥", 90, "%", 20),
            ("满意度指标", "服务对象满意度指标", "受益群众满意度", "≥", 90, "%", 10),
        ],
    },
    "plain_dates": {
        "header": (
            "2023年度项目支出绩效目标表", 2023, "城区公共绿地养护管理", "某区城市管理局",
            1280.4, "完成城区公共绿地日常养护，提升城市绿化水平。",
        ),
        "rows": [
            ("产出指标", "数量指标", "公共绿地养护面积", "≥", 85, "万平方米", 20),
            ("产出指标", "质量指标", "绿地养护质量达到二级以上标准的比例", "≥", 90, "%", 20),
            ("产出指标", "时效指标", "养护作业完成时间", None, "2023年12月底前", None, 10),
            ("效益指标", "生态效益指标", "城区绿化覆盖率", "≥", 42, "%", 15),
            ("效益指标", "可持续影响指标", "城市人居环境改善情况", None, "明显改善", None, 15),
            ("满意度指标", "服务对象满意度指标", "周边居民满意度", "≥", 90, "%", 10),
        ],
    },
    "unit_column": {
        "header": (
            "2024年部门项目支出绩效目标表", 2024, "中小学校舍安全维修改造", "某县教育局",
            600, "完成全县中小学校舍维修改造，消除校舍安全隐患。",
        ),
        "rows": [
            ("产出指标", "数量指标", "维修改造校舍面积", "≥", 12000, "㎡", 20),  # 平方米
            ("产出指标", "质量指标", "维修改造工程竣工验收合格率", None, 100, "%", 20),
            ("产出指标", "成本指标", "校舍维修改造每平方米平均成本", "≤", 500, "元", 10),
            ("效益指标", "社会效益指标", "消除校舍安全隐患", "≥", 30, "处", 20),
            ("满意度指标", "服务对象满意度指标", "师生及家长满意度", "≥", 95, "%", 10),
        ],
    },
}  # fmt: skip


def _read(result: Any) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    assert len(result.forms) == 1, result.rejects
    f = result.forms[0]
    header = (f.title, f.year, f.project_name, f.department, f.budget_total, f.annual_goal)
    rows = [
        (i.level1, i.level2, i.name, i.operator, i.value, i.unit, i.weight) for i in f.indicators
    ]
    return header, rows


@pytest.mark.parametrize("flavour", ["lines", "layout", "raw"])
@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_real_text_layers_read_exactly(table: str, flavour: str) -> None:
    result = normalize_path(FIXTURES / f"{table}.{flavour}.txt")
    header, rows = _read(result)
    assert header == EXPECTED[table]["header"]
    assert rows == EXPECTED[table]["rows"]
    assert not result.rejects


def test_the_lines_flavour_puts_a_long_name_around_its_row() -> None:
    """What the fix is about, as the extractor printed it: the name's first half before the
    line with the row's values, its end after it."""
    lines = (FIXTURES / "ruled_names.lines.txt").read_text(encoding="utf-8").splitlines()
    k = lines.index("产出指标 数量指标 ≥120处 20")
    assert (lines[k - 1], lines[k + 1]) == ("维修养护农村供", "水工程处数")


@pytest.mark.parametrize("table", ["ruled_names", "unit_column"])
def test_ruled_pdfs_read_exactly_through_the_pdf_reader(table: str) -> None:
    header, rows = _read(normalize_path(FIXTURES / f"{table}.pdf"))
    assert header == EXPECTED[table]["header"]
    assert rows == EXPECTED[table]["rows"]


HEAD = "2024年某县项目支出绩效目标表\n项目名称 危桥改造\n主管部门 某县交通运输局\n"
HEADING = "一级指标 二级指标 三级指标 指标值 权重\n"


def test_four_line_name_around_a_two_line_level2() -> None:
    # name 农村公路危桥改造完成数量 over four lines (heights -3 -1 +1 +3 half-lines),
    # level 2 社会效益指标 over two (-1 +1), level 1, target and weight on the row line (0)
    text = (
        HEAD
        + HEADING
        + "\n".join(
            [
                "产出指标 数量指标 改造危桥座数 ≥3座 20",
                "农村公",
                "社会效益 路危桥",
                "效益指标 ≥5个 10",
                "指标 改造完",
                "成数量",
                "满意度指标 服务对象满意度指标 群众满意度 ≥90% 10",
            ]
        )
    )
    _header, rows = _read(normalize_text(text, "t.txt"))
    assert rows == [
        ("产出指标", "数量指标", "改造危桥座数", "≥", 3, "座", 20),
        ("效益指标", "社会效益指标", "农村公路危桥改造完成数量", "≥", 5, "个", 10),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥", 90, "%", 10),
    ]


def test_a_three_line_cell_keeps_its_middle_on_the_row_line() -> None:
    text = (
        HEAD + HEADING + "\n".join(["服务对象", "满意度指标 满意度指 辖区居民满意度 ≥95% 25", "标"])
    )
    _header, rows = _read(normalize_text(text, "t.txt"))
    assert rows == [("满意度指标", "服务对象满意度指标", "辖区居民满意度", "≥", 95, "%", 25)]


def _rows(text: str) -> list[Any]:
    return space_rows.rows(text.splitlines())


def test_top_aligned_cells_continue_under_their_row_line() -> None:
    """Cells aligned to the top (Word's default): the row line holds every cell's first line,
    the rest of a wrapped name follows under it, one piece a line."""
    text = (
        HEAD
        + HEADING
        + "\n".join(
            [
                "产出指标 质量指标 区委、区政府主要领 ≥100% 5",
                "导交办事项督查督办",
                "率",
                "产出指标 数量指标 现场督查次数 ≥200次 15",
                "满意度指标 服务对象满 群众满意度 ≥90% 10",
                "意度指标",
            ]
        )
    )
    _header, rows = _read(normalize_text(text, "t.txt"))
    assert rows == [
        ("产出指标", "质量指标", "区委、区政府主要领导交办事项督查督办率", "≥", 100, "%", 5),
        ("产出指标", "数量指标", "现场督查次数", "≥", 200, "次", 15),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥", 90, "%", 10),
    ]


def test_top_aligned_rows_a_blank_line_apart_still_continue() -> None:
    """``pdftotext -layout`` on a Word table: a blank line between the rows, the rest of a
    wrapped name under its row line with none; the blank is no end of the table."""
    text = (
        HEAD
        + "三级指标 指标性质 指标值 计量单位 指标权重\n"
        + "\n".join(
            [
                "",
                "现场督查次数 ≥ 200 次 10",
                "",
                "年度督查任务按时 ≥ 100 % 20",
                "完成率",
                "",
                "区委、区政府主要 ≥ 100 % 10",
                "领导交办事项督查",
                "督办率",
            ]
        )
    )
    _header, rows = _read(normalize_text(text, "t.txt"))
    assert rows == [
        (None, None, "现场督查次数", "≥", 200, "次", 10),
        (None, None, "年度督查任务按时完成率", "≥", 100, "%", 20),
        (None, None, "区委、区政府主要领导交办事项督查督办率", "≥", 100, "%", 10),
    ]


def test_a_short_piece_before_a_long_one_is_not_one_cell() -> None:
    """A wrapped cell fills every line but its last, so ``住建筑`` (the end of the row above)
    then ``企业座谈会开展次数`` are two cells' pieces: the rows are read top-aligned, not as
    the second name centred over three lines."""
    rows = _rows(
        HEADING
        + "产出指标 数量指标 整治三无老旧居 ≥5栋 20\n住建筑\n"
        + "产出指标 数量指标 企业座谈会开展次数 ≥4次 10\n甲乙\n"
        + "产出指标 数量指标 职工人数 ≥14人 10"
    )
    names = [r.texts[2] for r in centred.join(rows)[1:]]
    assert names == ["整治三无老旧居住建筑", "企业座谈会开展次数甲乙", "职工人数"]


def test_a_table_that_does_not_fit_is_left_alone() -> None:
    # the second row's level 1 cell would have to be 标产出指 to pair the lines: no reading
    rows = _rows(HEADING + "产出指标 数量指标 改造危桥 ≥3座 20\n标产出指\n数量指标 ≥5个 10\n甲乙")
    assert centred.join(rows) == rows


def test_label_over_two_lines_around_its_value() -> None:
    text = "\n".join(
        [
            "2024年某县项目支出绩效目标表",
            "项目名",
            "中小学校舍安全维修改造",
            "称",
            "年度绩效 完成全县中小学校舍维修改造，消除校舍安",
            "目标 全隐患。",
            HEADING.strip(),
            "产出指标 数量指标 维修改造校舍面积 ≥12000平方米 20",
        ]
    )
    form = normalize_text(text, "t.txt").forms[0]
    assert form.project_name == "中小学校舍安全维修改造"
    assert form.annual_goal == "完成全县中小学校舍维修改造，消除校舍安全隐患。"


@pytest.mark.parametrize("seed", [1, 2])
def test_synth_rendering_reads_back(seed: int) -> None:
    text, records = build(wrapped_text_layer.NAME, load_pool(), random.Random(seed), 8)
    got = normalize_text(text, "w.txt").forms
    assert len(got) == len(records)
    for form, rec in zip(got, records, strict=True):
        want = [
            (i["level1"], i["level2"], i["name"], i["operator"], i["value"], i["unit"], i["weight"])
            for i in rec["indicators"]
        ]
        assert [
            (i.level1, i.level2, i.name, i.operator, i.value, i.unit, i.weight)
            for i in form.indicators
        ] == want


def test_wrap_never_cuts_a_number() -> None:
    assert wrapped_text_layer.wrap("完成2023年度任务", 4) == ["完成", "2023", "年度任务"]
    # a number wider than the cell is broken where it must be
    assert wrapped_text_layer.wrap("2023年", 3) == ["202", "3年"]
    assert wrapped_text_layer.wrap("甲乙", 4) == ["甲乙"]


def test_noto_text_layer_with_radicals_reads_exactly() -> None:
    """The same table printed with Noto Sans CJK: pdfplumber gives Kangxi and C-simplified
    radicals for some characters (``项⽬``, ``主管部⻔``); decoding folds them."""
    text = (FIXTURES / "ruled_names_noto.lines.txt").read_text(encoding="utf-8")
    assert "⻔" in text and "⽬" in text
    header, rows = _read(normalize_path(FIXTURES / "ruled_names_noto.lines.txt"))
    assert header == EXPECTED["ruled_names"]["header"]
    assert rows == EXPECTED["ruled_names"]["rows"]


def test_a_level_name_alone_on_a_line_is_not_a_piece_of_a_name() -> None:
    """A merged block's 效益指标 printed on a line of its own (tjhb23's shape) is never
    glued to the name above it; read in stream order it is the next row's level 1."""
    rows = _rows(
        HEADING
        + "产出指标 成本指标 参审案件补助 100元 10\n效益指标\n社会效益指标 群众知晓率 ≥90% 10"
    )
    assert [r.texts for r in centred.join(rows)[1:]] == [
        ["产出指标", "成本指标", "参审案件补助", "100元", "10"],
        ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "10"],
    ]


def test_a_label_stacked_a_word_a_line_is_not_a_label_around_a_value() -> None:
    """``年度`` / ``履职`` / ``目标`` (nd19): three words of one label, not 年度…目标 around a
    value ``履职``."""
    rows = _rows("年度\n履职\n目标\n部门职能 年度目标任务")
    assert centred.join(rows) == rows


@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_a_page_line_under_the_table_leaves_its_rows_as_read(table: str) -> None:
    """The text layer as printed, then a web page's line right under the table's last row,
    wider than any cell (a footer no site-text vocabulary knows): the rows read as without it,
    the line left unclaimed."""
    lines = (FIXTURES / f"{table}.lines.txt").read_text(encoding="utf-8").rstrip("\n")
    text = lines + "\n本栏目由某某县水利局负责更新维护，欢迎对本站内容提出意见建议"
    result = normalize_text(text, "t.txt")
    header, rows = _read(result)
    assert header == EXPECTED[table]["header"]
    assert rows == EXPECTED[table]["rows"]
    last = text.count("\n") + 1
    assert any(r.code == "cell_unplaced" and r.line == last for r in result.rejects)
