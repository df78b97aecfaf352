"""Wrapped cells (issue 13 item 3) and indicators written as text (item 8).

Each page below is written by hand in the shape of a real rendering: a Word/PDF table printed
to tab text whose narrow cells wrap onto continuation lines, and pages that list indicators
under bracketed category headings or as prose. Every expected field is read off these strings.
"""

from __future__ import annotations

from jixiao.grammar import Row
from jixiao.layouts import choose
from jixiao.parse.unwrap import join_wrapped
from jixiao.pipeline import normalize_text
from jixiao.schema import Cell

WRAPPED = "\n".join(
    [
        "",
        "某县2024年度项目支",
        "出绩效目标表",
        "",
        "单位：万元",
        "项目\t乡村道路养护\t\t\t\t",
        "名称\t\t\t\t\t",
        "主管\t某县交通运输局\t\t\t\t",
        "部门\t\t\t\t\t",
        "资金总额\t80\t\t\t\t",
        "年度\t完成乡村道路养护120公里。\t\t\t\t",
        "目标\t\t\t\t\t",
        "绩\t一级\t二级\t三级\t指标值\t权重",
        "效\t指标\t指标\t指标\t\t",
        "指\t\t\t\t\t",
        "标\t\t\t\t\t",
        "\t产出指标\t数量指标\t养护道路里程\t≥120公里\t30",
        "\t产出指标\t质量指标\t养护合格率\t≥95%\t20",
        "\t效益指标\t经济效益\t降低群众出行成本\t有所降低\t20",
        "\t\t指标\t\t\t",
        "\t效益指标\t可持续发展\t道路使用年限\t≥5年\t10",
        "\t\t指标\t\t\t",
        "\t满意度指标\t服务对象满意度\t沿线群众满意度\t≥90%\t20",
        "\t\t指标\t\t\t",
    ]
)


def test_wrapped_labels_headings_levels_and_title_are_joined() -> None:
    result = normalize_text(WRAPPED, "wrapped.txt")
    assert result.layout == "tab_rows"
    assert result.rejects == []
    (form,) = result.forms
    assert form.title == "某县2024年度项目支出绩效目标表"
    assert form.year == 2024
    assert form.project_name == "乡村道路养护"
    assert form.department == "某县交通运输局"
    assert form.budget_total == 80
    assert form.annual_goal == "完成乡村道路养护120公里。"
    got = [
        (i.level1, i.level2, i.name, i.operator, i.value, i.unit, i.weight) for i in form.indicators
    ]
    assert got == [
        ("产出指标", "数量指标", "养护道路里程", "≥", 120, "公里", 30),
        ("产出指标", "质量指标", "养护合格率", "≥", 95, "%", 20),
        ("效益指标", "经济效益指标", "降低群众出行成本", None, "有所降低", None, 20),
        ("效益指标", "可持续发展指标", "道路使用年限", "≥", 5, "年", 10),
        ("满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥", 90, "%", 20),
    ]


def _row(line: int, *texts: str) -> Row:
    return Row([Cell(t, line, k) for k, t in enumerate(texts)])


def test_a_line_with_a_cell_under_an_empty_column_is_a_row_of_its_own() -> None:
    rows = [
        _row(1, "", "经济效益", "带动就业", "≥100人"),
        _row(2, "", "指标", "", "", "5"),  # a weight where the row above has none
    ]
    assert [r.texts for r in join_wrapped(rows)] == [r.texts for r in rows]


def test_fragments_that_make_no_term_stay_apart() -> None:
    rows = [_row(1, "一级指标", "二级指标"), _row(2, "产出指标", "数量指标")]
    assert [r.texts for r in join_wrapped(rows)] == [r.texts for r in rows]
    # a blank line ends a wrapped cell
    rows = [_row(1, "项目", "乡村道路养护"), _row(3, "名称")]
    assert len(join_wrapped(rows)) == 2


def test_a_title_under_a_unit_name_is_not_joined_to_it() -> None:
    page = "\n".join(
        [
            "某县交通运输局",
            "2024年项目支出绩效目标表",
            "项目名称\t乡村道路养护",
            "一级指标\t二级指标\t三级指标\t指标值",
            "产出指标\t数量指标\t养护道路里程\t≥120公里",
        ]
    )
    (form,) = normalize_text(page, "t.txt").forms
    assert form.title == "2024年项目支出绩效目标表"
    assert [i.name for i in form.indicators] == ["养护道路里程"]


BLOCKS = "\n".join(
    [
        "某区2023年项目支出绩效目标表",
        "项目名称：社区服务中心运行",
        "主管部门：某区民政局",
        "资金总额（万元）：56",
        "年度绩效目标：保障社区服务中心正常运行。",
        "绩效指标：",
        "【产出指标-数量指标】",
        "指标1:服务社区数量(≥12个)",
        "指标2:协调各部门、单位开展活动(≥4次)",
        "【产出指标-成本指标】",
        "指标1:运行经费(≤56万元)",
        "【效益指标-社会效益指标】",
        "指标1:居民办事便利程度(优)",
        "【满意度指标-服务对象满意度指标】",
        "指标1:居民满意度(≥90%)",
    ]
)


def test_bracketed_blocks_with_numbered_lines() -> None:
    lines = BLOCKS.split("\n")
    assert choose(lines)[0].name == "glued"
    result = normalize_text(BLOCKS, "blocks.txt")
    assert result.rejects == []
    (form,) = result.forms
    assert form.project_name == "社区服务中心运行"
    assert form.department == "某区民政局"
    assert form.budget_total == 56
    assert form.annual_goal == "保障社区服务中心正常运行。"
    got = [
        (i.level1, i.level2, i.name, i.name_raw, i.operator, i.value, i.unit)
        for i in form.indicators
    ]
    assert got == [
        ("产出指标", "数量指标", "服务社区数量", "指标1:服务社区数量", "≥", 12, "个"),
        (
            "产出指标",
            "数量指标",
            "协调各部门、单位开展活动",
            "指标2:协调各部门、单位开展活动",
            "≥",
            4,
            "次",
        ),
        ("产出指标", "成本指标", "运行经费", "指标1:运行经费", "≤", 56, "万元"),
        (
            "效益指标",
            "社会效益指标",
            "居民办事便利程度",
            "指标1:居民办事便利程度",
            None,
            "优",
            None,
        ),
        ("满意度指标", "服务对象满意度指标", "居民满意度", "指标1:居民满意度", "≥", 90, "%"),
    ]
    assert all(i.flags == [] for i in form.indicators)


PROSE = "\n".join(
    [
        "某县2022年项目支出绩效目标表",
        "项目名称：苗木补植",
        "主管部门：某县林业局",
        "资金总额（万元）：30",
        "年度绩效目标：完成补植任务。",
        "绩效指标：",
        "一、产出指标",
        "数量指标:补植苗木>=5000株;养护人员≥8人;",
        "质量指标:苗木成活率达标率>=95%;",
        "二、效益指标",
        "生态效益指标:林区环境改善明显;",
        "可持续发展指标:管护机制健全;后期管护年限>=3年;",
        "三、满意度指标",
        "服务对象满意度指标:群众满意度>=90%;",
    ]
)


def test_prose_lists_one_row_per_item() -> None:
    assert choose(PROSE.split("\n"))[0].name == "glued"
    result = normalize_text(PROSE, "prose.txt")
    assert result.rejects == []
    (form,) = result.forms
    got = [(i.level1, i.level2, i.name, i.operator, i.value, i.unit) for i in form.indicators]
    assert got == [
        ("产出指标", "数量指标", "补植苗木", "≥", 5000, "株"),
        ("产出指标", "数量指标", "养护人员", "≥", 8, "人"),
        ("产出指标", "质量指标", "苗木成活率达标率", "≥", 95, "%"),
        ("效益指标", "生态效益指标", "林区环境改善", None, "明显", None),
        ("效益指标", "可持续发展指标", "管护机制", None, "健全", None),
        ("效益指标", "可持续发展指标", "后期管护年限", "≥", 3, "年"),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥", 90, "%"),
    ]


def test_prose_with_ordinals_full_width_marks_and_commas() -> None:
    page = "\n".join(
        [
            "某县2022年项目支出绩效目标表",
            "项目名称：苗木补植",
            "主管部门：某县林业局",
            "产出指标：1.数量指标：补植苗木≥5000株，养护人员≥8人；2.质量指标：苗木成活率≥95%。",
            "（二）效益指标",
            "社会效益指标：改善办公环境，满足发展需要优。",
        ]
    )
    result = normalize_text(page, "ordinals.txt")
    assert result.rejects == []
    (form,) = result.forms
    got = [(i.level1, i.level2, i.name, i.operator, i.value, i.unit) for i in form.indicators]
    assert got == [
        ("产出指标", "数量指标", "补植苗木", "≥", 5000, "株"),
        ("产出指标", "数量指标", "养护人员", "≥", 8, "人"),
        ("产出指标", "质量指标", "苗木成活率", "≥", 95, "%"),
        ("效益指标", "社会效益指标", "改善办公环境，满足发展需要", None, "优", None),
    ]


def test_bracketed_headings_apart_and_full_width_brackets() -> None:
    page = "\n".join(
        [
            "某县2022年项目支出绩效目标表",
            "项目名称：苗木补植",
            "【产出指标—数量指标】",
            "指标1：补植苗木（≥5000株）",
            "【效益指标】",
            "【生态效益指标】",
            "指标1：林区环境改善（明显）",
        ]
    )
    result = normalize_text(page, "apart.txt")
    assert result.rejects == []
    got = [(i.level1, i.level2, i.name, i.value) for i in result.forms[0].indicators]
    assert got == [
        ("产出指标", "数量指标", "补植苗木", 5000),
        ("效益指标", "生态效益指标", "林区环境改善", "明显"),
    ]
