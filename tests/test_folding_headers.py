"""Folding (Kangxi radicals, compatibility ideographs, traditional characters), OCR noise,
glued text and header variants, each from a small hand-written case (issue 13 items 1, 2, 11, 12).
"""

from __future__ import annotations

from jixiao.ingest.decode import decode, fold_radicals
from jixiao.pipeline import normalize_text
from jixiao.schema import Form


def _forms(text: str) -> list[Form]:
    """The forms of ``text`` read as a file would be: decoded (folded), then parsed."""
    source = decode(text.encode("utf-8"), "case.txt")
    return normalize_text(source.text, "case.txt").forms


# ----------------------------------------------------------------------------- folding


def test_kangxi_radicals_and_compatibility_ideographs_fold_to_ideographs() -> None:
    # ⽬ U+2F6C, ⼀ U+2F00 (Kangxi radicals); U+F90A is the compatibility twin of 金
    assert fold_radicals("项⽬⼀级指标") == "项目一级指标"
    assert fold_radicals("资\uf90a总额") == "资金总额"
    # full-width punctuation stays as printed (only look-alike ideographs are folded)
    assert fold_radicals("（本级）：１００％") == "（本级）：１００％"


def test_traditional_lines_become_simplified_and_simplified_text_is_untouched() -> None:
    assert fold_radicals("產出指標\t數量指標\t培訓覆蓋人次") == "产出指标\t数量指标\t培训覆盖人次"
    # 著 / 乾 / 於 are also simplified characters: a simplified line holding them is not converted
    assert fold_radicals("效果显著\t著作权登记\t干净整洁") == "效果显著\t著作权登记\t干净整洁"
    # a page mixing a traditional form and a simplified one: each line on its own evidence
    page = "項目名稱\t道路養護\n项目名称\t显著提升"
    assert fold_radicals(page) == "项目名称\t道路养护\n项目名称\t显著提升"


def test_a_traditional_form_with_radicals_reads_as_its_simplified_twin() -> None:
    text = "\n".join(
        [
            "2023年財政資金項⽬支出績效⽬標表",
            "項⽬名稱\t道路養護",
            "主管部門\t某縣交通運輸局",
            "資金總額\t88",
            "⼀級指標\t⼆級指標\t三級指標\t指標值\t權重",
            "產出指標\t數量指標\t養護⾥程\t≥12公⾥\t20",
            "滿意度指標\t服務對象滿意度指標\t群眾滿意度\t≥95%\t10",
        ]
    )
    (form,) = _forms(text)
    assert (form.title, form.year, form.project_name, form.department, form.budget_total) == (
        "2023年财政资金项目支出绩效目标表",
        2023,
        "道路养护",
        "某县交通运输局",
        88,
    )
    got = [
        (i.level1, i.level2, i.name, i.operator, i.value, i.unit, i.weight) for i in form.indicators
    ]
    assert got == [
        ("产出指标", "数量指标", "养护里程", "≥", 12, "公里", 20),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥", 95, "%", 10),
    ]


# ----------------------------------------------------------------------------- header variants


def _header(*lines: str) -> Form:
    table = ["一级指标\t二级指标\t三级指标\t指标值", "产出指标\t数量指标\t清淤长度\t≥12公里"]
    (form,) = _forms("\n".join(["项目支出绩效目标表", *lines, *table]))
    return form


def test_a_year_line_missing_its_closing_bracket_still_gives_the_year() -> None:
    assert _header("(2023年度", "项目名称\t河道清淤").year == 2023
    assert _header("（2022年度）", "项目名称\t河道清淤").year == 2022


def test_codes_before_after_or_in_brackets_are_split_off() -> None:
    form = _header(
        "项目名称\t河道清淤", "预算部门\t某县水利局(103)\t项目执行单位\t某县河道所（103002）"
    )
    assert (form.department, form.department_code) == ("某县水利局", "103")
    assert (form.implementing_unit, form.implementing_unit_code) == ("某县河道所", "103002")
    form = _header("项目名称\t河道清淤", "主管部门\t[066]某县水利局\t实施单位\t066001-某县河道所")
    assert (form.department_code, form.implementing_unit_code) == ("066", "066001")
    form = _header("项目名称\t河道清淤", "主管部门\t505 某县教育局\t实施单位\t505006州特教学校")
    assert (form.department, form.department_code) == ("某县教育局", "505")
    assert (form.implementing_unit, form.implementing_unit_code) == ("州特教学校", "505006")
    # a project name may open with its year: no code there
    form = _header("项目名称\t2023年河道清淤")
    assert (form.project_name, form.project_code) == ("2023年河道清淤", None)
    # a bracketed year or annotation is part of the name, not a code
    form = _header("项目名称\t河道清淤（2023）", "实施单位\t某县河道所（本级）")
    assert (form.project_name, form.project_code) == ("河道清淤（2023）", None)
    assert (form.implementing_unit, form.implementing_unit_code) == ("某县河道所（本级）", None)


def test_a_budget_unit_is_not_the_department() -> None:
    form = _header("项目名称\t河道清淤", "预算单位\t103-某县河道所")
    assert (form.department, form.department_code, form.implementing_unit) == (None, None, None)


def test_budgets_in_yuan_and_with_their_breakdown_in_one_cell() -> None:
    form = _header("项目名称\t河道清淤", "资金总额（元）\t1256300")
    assert (form.budget_total, form.budget_breakdown) == (125.63, {})
    form = _header("单位：元", "项目名称\t河道清淤", "资金总额\t1256300")  # a caption says 元
    assert form.budget_total == 125.63
    form = _header("单位：元", "项目名称\t河道清淤", "资金总额（万元）\t125.63")  # the label wins
    assert form.budget_total == 125.63
    form = _header("项目名称\t河道清淤", "资金情况\t年度资金总额：120；其中：财政拨款100")
    assert (form.budget_total, form.budget_breakdown) == (120, {"财政拨款": 100})


def test_a_period_range_gives_start_and_end_and_a_length_stays_a_duration() -> None:
    for printed, start, end in [
        ("202101-202112", "202101", "202112"),
        ("2022.03-2022.12", "2022.03", "2022.12"),
        ("2023年4月-2024年2月", "2023年4月", "2024年2月"),
        ("2023年1月1日至2023年12月31日", "2023年1月1日", "2023年12月31日"),
        ("2024年1月至12月", "2024年1月", "12月"),  # the end in the start's year, as printed
    ]:
        for label in ("实施期限", "项目起止时间", "建设周期"):
            form = _header("项目名称\t河道清淤", f"{label}\t{printed}")
            assert (form.period_start, form.period_end, form.duration) == (start, end, None)
    form = _header("项目名称\t河道清淤", "项目期\t3年")
    assert (form.period_start, form.period_end, form.duration) == (None, None, "3年")
    # a single date is no range
    form = _header("项目名称\t河道清淤", "项目期\t2022-12-31")
    assert (form.period_start, form.period_end, form.duration) == (None, None, "2022-12-31")


# ----------------------------------------------------------------------------- OCR noise


def _rows(*rows: str) -> list[tuple[object, ...]]:
    head = ["某县2024年项目支出绩效目标表", "项目名称\t河道清淤"]
    table = ["一级指标\t二级指标\t三级指标\t指标值\t计量单位\t权重", *rows]
    (form,) = _forms("\n".join([*head, *table]))
    return [(i.name, i.name_raw, i.operator, i.value, i.unit, i.flags) for i in form.indicators]


def test_ocr_equals_read_as_er_and_greater_read_as_gt() -> None:
    assert _rows(
        "产出指标\t数量指标\t清淤河道条数\t二3\t条\t20",
        "产出指标\t数量指标\t清淤长度\t>12\t公里\t20",
    ) == [
        ("清淤河道条数", "清淤河道条数", "=", 3, "条", []),
        ("清淤长度", "清淤长度", ">", 12, "公里", []),
    ]


def test_stray_dots_and_latin_letters_between_ideographs_leave_the_name() -> None:
    got = _rows(
        "产出指标\t数量指标\t清淤.河道条数\t3\t条\t20",
        "产出指标\t质量指标\t验收l合格率\t≥95\t%\t20",
        "产出指标\t数量指标\tB面线路运维数量\t2\t条\t20",  # a letter before ideographs stays
    )
    assert [(g[0], g[1]) for g in got] == [
        ("清淤河道条数", "清淤.河道条数"),
        ("验收合格率", "验收l合格率"),
        ("B面线路运维数量", "B面线路运维数量"),
    ]


def test_a_percent_glued_to_the_name_is_the_unit_and_baifenbi_is_percent() -> None:
    assert _rows(
        "产出指标\t质量指标\t验收合格率%\t≥95\t\t20",
        "满意度指标\t服务对象满意度指标\t群众满意度\t≥90\t百分比\t20",
    ) == [
        ("验收合格率", "验收合格率%", "≥", 95, "%", []),
        ("群众满意度", "群众满意度", "≥", 90, "%", []),
    ]


def test_an_unreadable_percentage_is_flagged_and_never_guessed() -> None:
    got = _rows(
        "产出指标\t质量指标\t年度任务完成\t295\t%\t20",  # ≥95% with ≥ read as 2
        "效益指标\t经济效益指标\t产值增长率\t150\t%\t20",  # a growth may exceed 100 %
    )
    assert got == [
        ("年度任务完成", "年度任务完成", None, None, "%", ["value_missing", "value_suspect"]),
        ("产值增长率", "产值增长率", None, 150, "%", []),
    ]


# ----------------------------------------------------------------------------- glued text


def test_glued_rows_keep_label_words_inside_names_and_cut_grades_and_late_targets() -> None:
    text = "\n".join(
        [
            "2023年财政资金项目支出绩效目标表",
            "项目名称政务服务保障实施单位某区政务中心",
            "主管部门103-某区政府办公室项目属性延续性项目",
            "资金总额50其中:财政拨款50其他资金0",
            "年度绩效目标保障政务服务正常运转。",
            "绩效指标一级指标二级指标三级指标指标值",
            "产出指标数量指标服务部门≥81个",  # 部门 is a label word, here inside the name
            "产出指标质量指标年鉴编纂质量达标率100%",  # 达标 inside the name, the target after
            "效益指标社会效益指标保存2022年发展真实情况明显",  # a year inside the name
            "效益指标可持续发展指标机关环境整洁优",  # a stated non-standard 二级, a grade
        ]
    )
    (form,) = _forms(text)
    assert (form.project_name, form.implementing_unit, form.department_code) == (
        "政务服务保障",
        "某区政务中心",
        "103",
    )
    assert form.annual_goal == "保障政务服务正常运转。"  # the sentence keeps its full stop
    assert form.budget_breakdown == {"财政拨款": 50, "其他资金": 0}
    got = [(i.level2, i.name, i.operator, i.value, i.unit) for i in form.indicators]
    assert got == [
        ("数量指标", "服务部门", "≥", 81, "个"),
        ("质量指标", "年鉴编纂质量达标率", None, 100, "%"),
        ("社会效益指标", "保存2022年发展真实情况", None, "明显", None),
        ("可持续发展指标", "机关环境整洁", None, "优", None),
    ]


def test_a_page_glued_onto_one_line_gives_each_form() -> None:
    one = "某县2024年项目支出绩效目标表项目名称道路养护主管部门某县交通局资金总额88"
    rows = "绩效指标一级指标二级指标三级指标指标值产出指标数量指标养护里程≥12公里"
    two = "某县2024年项目支出绩效目标表项目名称河道清淤主管部门某县水利局资金总额20"
    rows2 = "绩效指标一级指标二级指标三级指标指标值满意度指标服务对象满意度指标群众满意度≥95%"
    forms = _forms(one + rows + two + rows2)
    assert [(f.project_name, f.department, f.budget_total) for f in forms] == [
        ("道路养护", "某县交通局", 88),
        ("河道清淤", "某县水利局", 20),
    ]
    assert [[(i.name, i.value, i.unit) for i in f.indicators] for f in forms] == [
        [("养护里程", 12, "公里")],
        [("群众满意度", 95, "%")],
    ]


def test_a_glued_title_after_an_attachment_number_and_a_goal_kept_as_printed() -> None:
    text = (
        "附件:1.某区资金安排表2.某区2025年水利专项资金绩效目标表某区财政局2025年9月19日"
        "附件1某区水利专项资金安排表属地金额项目某镇15万元某闸修复工程"
        "附件2某区2025年水利专项资金绩效目标表项目名称水利专项资金主管部门某区水利局"
        "资金总额15总体目标开展2个水利设施修复,"
        "绩效指标一级指标二级指标三级指标指标值产出指标数量指标开展修复工程≥2个"
    )
    (form,) = _forms(text)  # the title in the attachment list opens no form of its own
    assert (form.title, form.year, form.department, form.budget_total) == (
        "某区2025年水利专项资金绩效目标表",
        2025,
        "某区水利局",
        15,
    )
    assert form.annual_goal == "开展2个水利设施修复,"
    assert [(i.name, i.operator, i.value, i.unit) for i in form.indicators] == [
        ("开展修复工程", "≥", 2, "个")
    ]


def test_a_glued_yuan_caption_scales_the_budget() -> None:
    text = "\n".join(
        [
            "某县2024年项目支出绩效目标表",
            "金额单位:元",
            "项目名称河道清淤主管部门某县水利局",
            "资金总额1256300",
            "绩效指标一级指标二级指标三级指标指标值产出指标数量指标清淤长度≥12公里",
        ]
    )
    (form,) = _forms(text)
    assert (form.project_name, form.budget_total) == ("河道清淤", 125.63)


def test_ocr_noise_in_glued_rows() -> None:
    text = "\n".join(
        [
            "某区2024年项目支出绩效目标表",
            "项目名称社区养老服务补助主管部门某区民政局",
            "一级指标二级指标三级指标指标值",
            "产出指标数量指标助餐服务人次二5000人次",  # = read as 二
            "质量指标服务合格率295%",  # ≥ read as 2
            "职工.人数≥14人",  # a stray dot
        ]
    )
    (form,) = _forms(text + "\n")
    got = [(i.name, i.operator, i.value, i.unit, i.flags) for i in form.indicators]
    assert got == [
        ("助餐服务人次", "=", 5000, "人次", []),
        ("服务合格率", None, None, "%", ["value_missing", "value_suspect"]),
        ("职工人数", "≥", 14, "人", []),
    ]
