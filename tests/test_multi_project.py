"""Several projects in one table (issue 13 item 7): one form per project block.

Every case below is typed by hand; the expected values are read off the printed table
(amounts in 元 divided by 10000 by hand: 1250000 元 = 125 万元, 82000 元 = 8.2 万元).
"""

from __future__ import annotations

from jixiao.pipeline import normalize_text
from jixiao.schema import Form

T = "\t"


def _forms(text: str) -> list[Form]:
    return normalize_text(text, "case.txt").forms


def _rows(*rows: list[str], sep: str = T) -> str:
    return "\n".join(sep.join(r) for r in rows) + "\n"


EXPORT = "2024年部门项目支出绩效目标表\n单位：元\n\n" + _rows(
    ["单位名称", "项目名称", "项目金额", "年度目标", "一级指标", "二级指标", "三级指标", "指标值"],
    ["[012003]某市教育局", "校舍维修", "1250000", "完成校舍维修", "产出指标", "数量指标",
     "维修校舍面积", "≥2000平方米"],
    ["", "", "", "", "效益指标", "社会效益指标", "师生安全感", "有所提升"],
    ["", "学生资助", "300000.00", "资助困难学生", "产出指标", "数量指标", "资助学生人数",
     "≥150人"],
    ["", "", "", "", "满意度指标", "服务对象满意度指标", "受助学生满意度", "≥95%"],
    ["310-某市卫生健康委员会", "疫苗接种", "82000", "", "产出指标", "质量指标", "接种率", "≥98%"],
)  # fmt: skip


def test_tab_export_one_form_per_project() -> None:
    forms = _forms(EXPORT)
    assert [f.project_name for f in forms] == ["校舍维修", "学生资助", "疫苗接种"]
    assert all(f.title == "2024年部门项目支出绩效目标表" and f.year == 2024 for f in forms)
    first, second, third = forms
    assert (first.department, first.department_code) == ("某市教育局", "012003")
    # The unit cell is merged over the unit's second project: it carries down.
    assert (second.department, second.department_code) == ("某市教育局", "012003")
    assert (third.department, third.department_code) == ("某市卫生健康委员会", "310")
    assert [f.budget_total for f in forms] == [125, 30, 8.2]  # 单位：元 → 万元
    assert first.annual_goal == "完成校舍维修"
    assert third.annual_goal is None
    assert [i.name for i in first.indicators] == ["维修校舍面积", "师生安全感"]
    area, feeling = first.indicators
    assert (area.level1, area.level2, area.operator, area.value, area.unit) == (
        "产出指标", "数量指标", "≥", 2000, "㎡"
    )  # fmt: skip
    assert (feeling.level1, feeling.value, feeling.value_kind) == (
        "效益指标",
        "有所提升",
        "qualitative",
    )
    assert [i.name for i in second.indicators] == ["资助学生人数", "受助学生满意度"]
    assert second.indicators[1].level2 == "服务对象满意度指标"
    (rate,) = third.indicators
    assert (rate.name, rate.operator, rate.value, rate.unit) == ("接种率", "≥", 98, "%")
    for form in forms:
        assert form.project_code is None and form.implementing_unit is None
        assert not any(i.flags for i in form.indicators)


def test_caption_in_wan_yuan_is_not_converted() -> None:
    forms = _forms(EXPORT.replace("单位：元", "金额单位：万元"))
    assert [f.budget_total for f in forms] == [1250000, 300000, 82000]


WEB = "2023年项目支出绩效目标表\n" + _rows(
    ["", "单位名称", "项目名称", "预算金额（元）", "年度目标", "一级指标", "二级指标", "三级指标",
     "指标值", ""],
    ["", "101-某区民政局", "低保发放", "5000000", "按时足额发放", "产出指标", "数量指标",
     "保障人数", "≥1200人", ""],
    ["", "时效指标", "发放及时率", "100%", ""],
    ["", "临时救助", "200000", "及时救助", "产出指标", "数量指标", "救助人次", "≥80人次", ""],
    sep=" | ",
)  # fmt: skip


def test_web_rows_where_merged_cells_vanish() -> None:
    forms = _forms(WEB)
    assert [f.project_name for f in forms] == ["低保发放", "临时救助"]
    assert [f.budget_total for f in forms] == [500, 20]  # the heading says （元）
    # The unit's merged cell vanished on the second project: its unit carries down.
    assert [(f.department, f.department_code) for f in forms] == [("某区民政局", "101")] * 2
    assert [f.annual_goal for f in forms] == ["按时足额发放", "及时救助"]
    people, timely = forms[0].indicators
    assert (people.name, people.operator, people.value, people.unit) == (
        "保障人数",
        "≥",
        1200,
        "人",
    )
    # 一级 merged over the second row: carried down; 二级 as printed.
    assert (timely.level1, timely.level2, timely.name, timely.value, timely.unit) == (
        "产出指标", "时效指标", "发放及时率", 100, "%"
    )  # fmt: skip
    (visits,) = forms[1].indicators
    assert (visits.name, visits.value, visits.unit) == ("救助人次", 80, "人次")


OWN_ROW = "2023年项目支出绩效目标表\n" + _rows(
    ["部门：505_某州教育和体育局", "金额单位：万元"],
    ["单位代码", "单位(专项)名称", "资金总额", "绩效目标", "绩效指标"],
    ["", "", "", "", "一级指标", "二级指标", "三级指标", "指标值"],
    ["505006", "某州特殊教育学校", "30.00"],
    ["505006", "学生伙食费", "30.00"],
    ["", "", "", "", "产出指标", "数量指标", "补助学生数量", "168人"],
    ["", "", "", "", "满意度指标", "服务对象满意度指标", "学生满意度", "≥95%"],
)  # fmt: skip


def test_project_row_above_its_block_under_a_two_line_heading() -> None:
    result = normalize_text(OWN_ROW, "case.txt")
    (form,) = result.forms
    assert form.project_name == "学生伙食费"
    assert (form.department, form.department_code) == ("某州教育和体育局", "505")
    assert form.budget_total == 30  # 万元 as printed
    # 505006 is the unit's code (单位代码), not the project's; the unit row above is a group
    # row: not mapped, reported.
    assert form.project_code is None and form.implementing_unit is None
    assert [(i.name, i.value, i.unit) for i in form.indicators] == [
        ("补助学生数量", 168, "人"),
        ("学生满意度", 95, "%"),
    ]
    rejected = {r.text for r in result.rejects}
    assert "某州特殊教育学校" in rejected


def test_ordinary_form_with_a_project_label_is_not_split() -> None:
    text = "项目支出绩效目标表\n" + _rows(
        ["项目名称", "某项目", "主管部门", "103-某局"],
        ["资金总额（万元）", "20"],
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "培训人次", "≥500人次"],
        ["", "质量指标", "合格率", "100%"],
    )
    (form,) = _forms(text)
    assert (form.project_name, form.department, form.budget_total) == ("某项目", "某局", 20)
    assert [i.name for i in form.indicators] == ["培训人次", "合格率"]


def test_synth_rendering_read_back_exactly() -> None:
    from jixiao.synth import iter_cases

    for seed in (1, 2, 5):
        (case,) = list(iter_cases(12, seed, ("multi_project",), forms_per_file=12))
        forms = _forms(case.text())
        truth = case.records()
        assert len(forms) == len(truth)
        for form, rec in zip(forms, truth, strict=True):
            got = form.model_dump()
            for key in ("project_name", "department", "department_code", "budget_total"):
                assert got[key] == rec[key], (seed, key)
            assert [i["name"] for i in got["indicators"]] == [i["name"] for i in rec["indicators"]]


def test_xlsx_export_with_merged_ranges_codes_and_breakdown() -> None:
    import io

    from openpyxl import Workbook

    from jixiao.ingest import readers
    from jixiao.pipeline import normalize_rows

    wb = Workbook()
    ws = wb.active
    ws.append(["2024年项目支出绩效目标表"])
    ws.append(["金额单位：元"])
    ws.append(["序号", "项目编码", "项目名称", "项目金额", "其中：财政拨款", "项目属性",
               "一级指标", "二级指标", "三级指标", "指标值"])  # fmt: skip
    ws.append([1, "50011021T000000048438", "城市绿化", 2000000, 2000000, "延续",
               "产出指标", "数量指标", "新增绿地面积", "≥5000平方米"])  # fmt: skip
    ws.append([None] * 7 + ["质量指标", "苗木成活率", "≥95%"])
    ws.append([2, "50011021T000000048500", "道路保洁", 500000, 450000, "新增",
               "效益指标", "社会效益指标", "道路清洁度", "明显提升"])  # fmt: skip
    for col in "ABCDEFG":
        ws.merge_cells(f"{col}4:{col}5")
    buf = io.BytesIO()
    wb.save(buf)
    rows, layout, text = readers.read(buf.getvalue(), "export.xlsx")
    greening, cleaning = normalize_rows(rows, "export.xlsx", None, layout, text).forms
    assert (greening.project_code, greening.project_name) == ("50011021T000000048438", "城市绿化")
    assert (greening.budget_total, greening.budget_breakdown) == (200, {"财政拨款": 200})
    assert greening.project_attribute == "延续"
    assert [(i.level1, i.level2, i.name) for i in greening.indicators] == [
        ("产出指标", "数量指标", "新增绿地面积"),
        ("产出指标", "质量指标", "苗木成活率"),  # 一级 merged over both rows
    ]
    assert (cleaning.project_code, cleaning.project_name) == ("50011021T000000048500", "道路保洁")
    assert (cleaning.budget_total, cleaning.budget_breakdown) == (50, {"财政拨款": 45})
    assert cleaning.project_attribute == "新增"
    (clean_ind,) = cleaning.indicators
    assert (clean_ind.value, clean_ind.value_kind) == ("明显提升", "qualitative")


def test_total_row_opens_no_project() -> None:
    text = "2024年部门项目支出绩效目标表\n单位：元\n\n" + _rows(
        ["预算单位", "项目名称", "项目金额", "一级指标", "二级指标", "三级指标", "指标值"],
        ["合计", "", "1550000"],
        ["[012003]某市教育局", "校舍维修", "1250000", "产出指标", "数量指标", "维修面积", "≥2000平方米"],
        ["", "学生资助", "300000", "产出指标", "数量指标", "资助学生人数", "≥150人"],
    )  # fmt: skip
    result = normalize_text(text, "case.txt")
    assert [(f.project_name, f.department, f.budget_total) for f in result.forms] == [
        # 预算单位 is not the 主管部门 (golden convention, fj23/dg19): read as neither field
        ("校舍维修", None, 125),
        ("学生资助", None, 30),
    ]
    assert "合计" in {r.text for r in result.rejects}  # reported, not read as a project


def test_flat_export_repeating_project_cells_on_every_row() -> None:
    text = "2024年部门项目支出绩效目标表\n" + _rows(
        ["单位名称", "项目名称", "项目金额（万元）", "一级指标", "二级指标", "三级指标", "指标值"],
        ["310-某局", "项目甲", "12", "产出指标", "数量指标", "培训人次", "≥500人次"],
        ["310-某局", "项目甲", "12", "效益指标", "社会效益指标", "群众知晓率", "≥90%"],
        ["310-某局", "项目乙", "8.5", "产出指标", "时效指标", "完成及时率", "100%"],
    )  # fmt: skip
    forms = _forms(text)
    assert [(f.project_name, f.budget_total, len(f.indicators)) for f in forms] == [
        ("项目甲", 12, 2),
        ("项目乙", 8.5, 1),
    ]
    assert {(f.department, f.department_code) for f in forms} == {("某局", "310")}


def test_goal_column_headed_jixiao_mubiao_beside_the_project() -> None:
    text = "2024年项目支出绩效目标表\n" + _rows(
        ["项目名称", "绩效目标", "一级指标", "二级指标", "三级指标", "指标值"],
        ["项目甲", "完成培训任务", "产出指标", "数量指标", "培训人次", "≥500人次"],
        ["项目乙", "提升知晓率", "效益指标", "社会效益指标", "群众知晓率", "≥90%"],
    )  # fmt: skip
    forms = _forms(text)
    assert [(f.project_name, f.annual_goal) for f in forms] == [
        ("项目甲", "完成培训任务"),
        ("项目乙", "提升知晓率"),
    ]
    assert [[i.name for i in f.indicators] for f in forms] == [["培训人次"], ["群众知晓率"]]
