"""Glued text: tables flattened with no separator at all (OCR text layers, sharing previews).

The pages below are written by hand in the shape of real glued pages (a row per line; a whole
page on one line); every expected field is read off these strings, not off the parser.
"""

from __future__ import annotations

from jixiao.ingest.decode import fold_radicals
from jixiao.layouts import choose, glued
from jixiao.pipeline import normalize_bytes, normalize_text

ROWS_PAGE = "\n".join(
    [
        "某县2024年项目支出绩效目标表",
        "项目名称农村学生营养餐补助主管部门某县教育局资金总额45.5",
        "一级指标二级指标三级指标指标值指标解释度量单位指标值类型",
        "产出指标数量指标受助学生人数1200人反映受助学生人数-定量",
        "质量指标补助资金发放率≥98%反映发放情况-定量",
        "时效指标资金发放时间2024年12月31日前反映发放时间-定量",
        "生态效益指标",
        "-定性",
        "效益指标社会效益指标学生营养状况有所改善反映营养状况-定性",
        "满意度指标服务对象满意度指标家长满意度90%以上反映家长满意程度-定量",
    ]
)


def _only_form(text: str):
    result = normalize_text(text, "glued.txt")
    assert len(result.forms) == 1, result.rejects
    return result.forms[0]


def test_glued_rows_are_detected_and_read() -> None:
    layout, _ = choose(ROWS_PAGE.split("\n"))
    assert layout.name == "glued"
    form = _only_form(ROWS_PAGE)
    assert form.project_name == "农村学生营养餐补助"
    assert form.department == "某县教育局"
    assert form.budget_total == 45.5
    got = [
        (i.level1, i.level2, i.name, i.operator, i.value, i.unit, i.value_kind)
        for i in form.indicators
    ]
    assert got == [
        ("产出指标", "数量指标", "受助学生人数", None, 1200, "人", "quantitative"),
        ("产出指标", "质量指标", "补助资金发放率", "≥", 98, "%", "quantitative"),
        ("产出指标", "时效指标", "资金发放时间", None, "2024年12月31日前", None, "qualitative"),
        ("效益指标", "社会效益指标", "学生营养状况", None, "有所改善", None, "qualitative"),
        ("满意度指标", "服务对象满意度指标", "家长满意度", "≥", 90, "%", "quantitative"),
    ]


def test_a_placeholder_row_gives_no_indicator_but_its_level_runs_down() -> None:
    page = "\n".join(
        [
            "某区2023年项目支出绩效目标表",
            "项目名称道路保洁",
            "一级指标二级指标三级指标指标值",
            "效益指标经济效益指标",
            "社会效益指标道路整洁程度明显提升",
        ]
    )
    form = _only_form(page)
    assert [(i.level1, i.level2, i.name) for i in form.indicators] == [
        ("效益指标", "社会效益指标", "道路整洁程度")
    ]


def test_a_whole_page_on_one_line_falls_apart_into_the_same_rows() -> None:
    one_line = "".join(ROWS_PAGE.split("\n"))
    form = _only_form("关于下达资金的通知。附件:" + one_line)
    assert form.project_name == "农村学生营养餐补助"
    names = [i.name for i in form.indicators]
    assert names[:3] == ["受助学生人数", "补助资金发放率", "资金发放时间"]
    assert form.indicators[1].operator == "≥" and form.indicators[1].value == 98


def test_cut_keeps_bracketed_units_and_years_in_the_name() -> None:
    cells = glued.cut("数量指标开展修复工程(个)反映开展情况≥2个")
    assert cells == [
        ("level2", "数量指标"),
        ("name", "开展修复工程(个)"),
        ("note", "反映开展情况"),
        ("value", "≥2个"),
    ]
    cells = glued.cut("时效指标截至2026年12月底,项目开展率(%)≥100%")
    assert ("name", "截至2026年12月底,项目开展率(%)") in cells
    assert ("value", "≥100%") in cells


def test_tables_with_separators_are_not_read_as_glued() -> None:
    lines = ["一级指标\t二级指标\t三级指标\t指标值", "产出指标\t数量指标\t培训人次\t≥500人次"]
    assert choose(lines)[0].name != "glued"


def test_kangxi_radicals_are_folded_and_nothing_else_changes() -> None:
    assert fold_radicals("项⽬名称：⼀级指标（％）") == "项目名称：一级指标（％）"
    page = ROWS_PAGE.replace("项目名称", "项⽬名称").replace("一级指标", "⼀级指标")
    result = normalize_bytes(page.encode("utf-8"), "kangxi.txt")  # the path files take
    assert [f.project_name for f in result.forms] == ["农村学生营养餐补助"]


BRACKETED = "\n".join(
    [
        "某市2024年项目支出绩效目标表",
        "项目名称：城市绿化养护",
        "主管部门：某市园林局",
        "年度资金总额：120；其中：财政拨款120",
        "【产出指标-数量指标】",
        "指标1:新增绿化面积(≥20000平方米)",
        "指标2:补植苗木(≥5000株)",
        "【产出指标-质量指标】",
        "指标1:苗木成活率(≥95%)",
        "【效益指标-社会效益指标】",
        "指标1:市民休闲环境(明显改善)",
        "【满意度指标-服务对象满意度指标】",
        "指标1:市民满意度(≥90%)",
    ]
)

PROSE = "\n".join(
    [
        "某县2023年项目支出绩效目标表",
        "项目名称：农村饮水安全维修",
        "主管部门：某县水利局",
        "资金总额（元）：1250000",
        "产出指标：数量指标:维修供水工程>=12处;质量指标:工程验收合格率=100%;"
        "时效指标:完工时间2023年11月底前。",
        "效益指标：社会效益指标:受益人口>=3000人。",
        "满意度指标：服务对象满意度指标:群众满意度>=90%。",
    ]
)


def test_bracketed_category_blocks_with_numbered_lines() -> None:
    result = normalize_text(BRACKETED, "blocks.txt")
    assert result.rejects == []
    form = result.forms[0]
    assert form.budget_total == 120 and form.budget_breakdown == {"财政拨款": 120}
    got = [(i.level1, i.level2, i.name, i.operator, i.value, i.unit) for i in form.indicators]
    assert got == [
        ("产出指标", "数量指标", "新增绿化面积", "≥", 20000, "㎡"),
        ("产出指标", "数量指标", "补植苗木", "≥", 5000, "株"),
        ("产出指标", "质量指标", "苗木成活率", "≥", 95, "%"),
        ("效益指标", "社会效益指标", "市民休闲环境", None, "明显改善", None),
        ("满意度指标", "服务对象满意度指标", "市民满意度", "≥", 90, "%"),
    ]


def test_prose_rendering_and_a_budget_in_yuan() -> None:
    result = normalize_text(PROSE, "prose.txt")
    assert result.rejects == []
    form = result.forms[0]
    assert form.budget_total == 125  # 1,250,000 元 under a label that says (元)
    got = [(i.level2, i.name, i.operator, i.value, i.unit) for i in form.indicators]
    assert got == [
        ("数量指标", "维修供水工程", "≥", 12, "处"),
        ("质量指标", "工程验收合格率", "=", 100, "%"),
        ("时效指标", "完工时间", None, "2023年11月底前", None),
        ("社会效益指标", "受益人口", "≥", 3000, "人"),
        ("服务对象满意度指标", "群众满意度", "≥", 90, "%"),
    ]


def test_template_placeholders_give_a_bare_value_its_operator_and_unit() -> None:
    page = "\n".join(
        [
            "某区2022年项目支出绩效目标表",
            "项目名称\t社区养老服务补贴",
            "一级指标\t二级指标\t三级指标\t指标值",
            "产出指标\t数量指标\t★服务老人人数（≥**人）\t≥500",
            "\t质量指标\t服务合格率（≥**%）\t98",
            "满意度指标\t服务对象满意度指标\t*老人满意度(≥**%)\t95",
        ]
    )
    form = normalize_text(page, "placeholders.txt").forms[0]
    got = [(i.name, i.name_raw, i.operator, i.value, i.unit, i.flags) for i in form.indicators]
    assert got == [
        ("服务老人人数", "★服务老人人数（≥**人）", "≥", 500, "人", []),
        ("服务合格率", "服务合格率（≥**%）", "≥", 98, "%", []),
        ("老人满意度", "*老人满意度(≥**%)", "≥", 95, "%", []),
    ]


def test_deadlines_are_text_targets_so_no_unit_is_missing() -> None:
    from jixiao.grammar import parse_value

    for text in ("2023.12", "2024年6月底前", "12月31日前", "2023-12-31"):
        parsed = parse_value(text)
        assert (parsed.value, parsed.kind, parsed.unit) == (text, "qualitative", None)
    assert parse_value("≥95%").value == 95 and parse_value("1次/年").unit == "次/年"


def test_a_form_cut_off_before_its_table_keeps_its_header() -> None:
    page = "\n".join(
        [
            "某县2024年项目支出绩效目标表",
            "项目名称\t乡村道路维护",
            "主管部门\t某县交通局",
            "资金总额\t88",
            "某县2024年项目支出绩效目标表",
            "项目名称\t河道清淤",
            "一级指标\t二级指标\t三级指标\t指标值",
            "产出指标\t数量指标\t清淤长度\t≥12公里",
        ]
    )
    result = normalize_text(page, "cut.txt")
    assert [(f.project_name, f.budget_total, len(f.indicators)) for f in result.forms] == [
        ("乡村道路维护", 88, 0),
        ("河道清淤", None, 1),
    ]
    assert [(r.form_index, r.kind) for r in result.rejects] == [(0, "form")]


def test_an_impossible_rate_is_flagged_not_guessed() -> None:
    page = "\n".join(
        [
            "某县2024年项目支出绩效目标表",
            "项目名称\t河道清淤",
            "一级指标\t二级指标\t三级指标\t指标值",
            "产出指标\t质量指标\t验收合格率\t295%",  # OCR read ≥95% as 295%
            "\t\t产值增长率\t150%",  # a growth rate may exceed 100 %
        ]
    )
    first, second = normalize_text(page, "ocr.txt").forms[0].indicators
    # unreadable: no value (schema: null when unrecoverable), the printed cell kept as evidence
    assert (first.value, first.operator, first.flags) == (
        None,
        None,
        ["value_missing", "value_suspect"],
    )
    assert first.source.cells["value"].text == "295%"
    assert second.flags == []
