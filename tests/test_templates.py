"""Templates of other provinces and publishers: the same form under other headings, labels and
level names. Each case is small and written here as such forms print; the expected values are
read off the text."""

from __future__ import annotations

from jixiao import grammar, vocab
from jixiao.pipeline import normalize_bytes, normalize_text

HEADER = (
    "项目支出绩效目标表\n（2024年度）\n"
    "项目名称\t社区养老服务补助\t\t\n主管部门\t某市民政局\t\t\n"
    "资金总额（万元）\t120\t\t\n年度绩效目标\t完成养老服务补助发放\t\t\n"
)
EXPECTED = [
    ("产出指标", "数量指标", "补助发放人数", "≥", 500, "人", 20),
    ("产出指标", "质量指标", "补助发放准确率", "≥", 98, "%", 20),
    ("效益指标", "社会效益指标", "老年人生活质量", None, "有所提升", None, 30),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥", 90, "%", 30),
]


def _rows(text: str) -> list[tuple]:
    (form,) = normalize_text(text, "t.txt").forms
    return [
        (i.level1, i.level2, i.name, i.operator, i.value, i.unit, i.weight) for i in form.indicators
    ]


def test_central_template_with_columns_to_step_over() -> None:
    # 序号 first; 指标性质 holds the operator; 指标解释 … 备注 explain the row, never part of it
    text = HEADER + (
        "序号\t一级指标\t二级指标\t三级指标\t指标性质\t指标值\t度量单位\t权重（%）\t"
        "指标值设定依据及数据来源\t评（扣）分标准\t佐证材料\t备注\n"
        "1\t产出指标\t数量指标\t补助发放人数\t≥\t500\t人\t20\t民政统计\t完成得满分\t台账\t\n"
        "2\t产出指标\t质量指标\t补助发放准确率\t≥\t98\t%\t20\t抽查\t每降1%扣1分\t抽查记录\t\n"
        "3\t效益指标\t社会效益指标\t老年人生活质量\t\t有所提升\t\t30\t问卷\t酌情扣分\t问卷\t\n"
        "4\t满意度指标\t服务对象满意度指标\t服务对象满意度\t≥\t90\t%\t30\t问卷\t酌情扣分\t问卷\t\n"
    )
    assert _rows(text) == EXPECTED


def test_web_page_pipes_with_note_columns() -> None:
    text = HEADER.replace("\t\t", "").replace("\t", " | ") + (
        "| 一级指标 | 二级指标 | 指标名称 | 运算符号 | 全年指标值 | 计量单位 | 分值 | 数据来源 | 考核方式 |\n"
        "| 产出指标 | 数量指标 | 补助发放人数 | ≥ | 500 | 人 | 20 | 民政统计 | 查阅资料 |\n"
        "| 产出指标 | 质量指标 | 补助发放准确率 | ≥ | 98 | % | 20 | 抽查记录 | 现场抽查 |\n"
        "| 效益指标 | 社会效益指标 | 老年人生活质量 | | 有所提升 | | 30 | 问卷调查 | 问卷 |\n"
        "| 满意度指标 | 服务对象满意度指标 | 服务对象满意度 | ≥ | 90 | % | 30 | 问卷调查 | 问卷 |\n"
    )
    assert _rows(text) == EXPECTED


def test_a_table_whose_names_are_headed_by_what_elsewhere_is_a_group() -> None:
    # 一级指标 | 二级指标 | 绩效指标: no 三级 heading, so 绩效指标 heads the names
    text = HEADER + (
        "一级指标\t二级指标\t绩效指标\t比较方式\t年度目标值\t单位\t权重\n"
        "产出指标\t数量指标\t补助发放人数\t≥\t500\t人\t20\n"
        "产出指标\t质量指标\t补助发放准确率\t≥\t98\t%\t20\n"
        "效益指标\t社会效益指标\t老年人生活质量\t\t有所提升\t\t30\n"
        "满意度指标\t服务对象满意度指标\t服务对象满意度\t≥\t90\t%\t30\n"
    )
    assert _rows(text) == EXPECTED
    assert _rows(text.replace("绩效指标\t比较方式", "指标内容\t指标方向")) == EXPECTED


def test_last_years_value_beside_the_target_is_not_the_target() -> None:
    text = HEADER + (
        "一级指标\t二级指标\t三级指标\t上年实际值\t本年目标值\t计量单位\t权重\n"
        "产出指标\t数量指标\t补助发放人数\t420\t≥500\t人\t20\n"
        "产出指标\t质量指标\t补助发放准确率\t95\t≥98\t%\t20\n"
        "效益指标\t社会效益指标\t老年人生活质量\t一般\t有所提升\t\t30\n"
        "满意度指标\t服务对象满意度指标\t服务对象满意度\t85\t≥90\t%\t30\n"
    )
    assert _rows(text) == EXPECTED


def test_a_unit_in_the_heading_brackets_keeps_the_role() -> None:
    assert vocab.column_role("指标值（%）") == "value"
    assert vocab.column_role("分值（分）") == "weight"
    assert vocab.column_role("权重(%)") == "weight"
    assert vocab.column_role("2024年目标值") == "value"
    assert vocab.column_role("序号") == "seq"


def test_outline_numbered_levels_merged_down() -> None:
    text = HEADER + (
        "一级指标\t二级指标\t三级指标\t指标值\t权重\n"
        "一、产出指标\t（一）数量指标\t补助发放人数\t≥500人\t20\n"
        "\t（二）质量指标\t补助发放准确率\t≥98%\t20\n"
        "二、效益指标\t1.社会效益指标\t老年人生活质量\t有所提升\t30\n"
        "三、满意度指标\t服务对象满意度指标\t服务对象满意度\t≥90%\t30\n"
    )
    assert _rows(text) == EXPECTED


def test_outline_numbering_is_no_part_of_a_level() -> None:
    assert vocab.canon_level1("一、产出指标") == "产出指标"
    assert vocab.canon_level1("（三）满意度指标") == "满意度指标"
    assert vocab.canon_level2("（一）数量指标") == "数量指标"
    assert vocab.canon_level2("2、经济成本指标") == "经济成本指标"
    assert vocab.canon_level2("1.可持续发展指标") == "可持续发展指标"
    # a decimal is not a numbering
    assert vocab.strip_annotation("1.5数量指标") == "1.5数量指标"


INDICATORS = (
    "年度绩效指标\t一级指标\t二级指标\t三级指标\t指标值\n"
    "\t产出指标\t数量指标\t补助发放人数\t≥500人\n"
    "\t满意度指标\t服务对象满意度指标\t服务对象满意度\t≥90%\n"
)


def _header(text: str) -> dict:
    (form,) = normalize_text(text, "t.txt").forms
    return {
        k: getattr(form, k)
        for k in ("form_kind", "project_name", "department", "department_code", "budget_total",
                  "budget_breakdown", "project_attribute", "period_start", "period_end",
                  "duration", "annual_goal")
        if getattr(form, k) not in (None, {})
    } | {"n": len(form.indicators)}  # fmt: skip


def test_department_task_table_answered_by_its_total_row() -> None:
    # the 总额 | 财政拨款 | 其他资金 sub-heading is answered by 金额合计, not by a task's row
    text = (
        "部门（单位）整体支出绩效目标表\n（2024年度）\n单位：万元\n"
        "部门（单位）名称\t某市民政局\t\t\t\t\n"
        "年度主要任务\t任务名称\t主要内容\t预算金额\t\t\n"
        "\t\t\t总额\t财政拨款\t其他资金\n"
        "\t养老服务\t发放高龄津贴和养老服务补贴\t800\t700\t100\n"
        "\t社会救助\t城乡低保和特困供养\t700\t500\t200\n"
        "\t金额合计\t\t1500\t1200\t300\n"
        "年度总体目标\t保障困难群众基本生活\t\t\t\t\n" + INDICATORS
    )
    assert _header(text) == {
        "form_kind": "department",
        "department": "某市民政局",
        "budget_total": 1500,
        "budget_breakdown": {"财政拨款": 1200, "其他资金": 300},
        "annual_goal": "保障困难群众基本生活",
        "n": 2,
    }


def test_application_form_with_two_pairs_a_row_and_a_budget_grid() -> None:
    # 项目总额 is the whole project's amount; the year's is 年度资金总额, its parts under them
    text = (
        "项目支出绩效目标申报表\n（2024年度）\n"
        "项目名称\t社区养老服务补助\t\t\t\n"
        "项目负责人\t张伟\t联系电话\t0871-64123456\t\n"
        "主管部门及代码\t[301]某市民政局\t项目类型\t延续性项目\t\n"
        "项目起止时间\t2024年1月-2024年12月\t实施单位\t某区养老中心\t\n"
        "资金情况（万元）\t项目总额\t年度资金总额\t其中：财政拨款\t其他资金\n"
        "\t360\t120\t100\t20\n"
        "年度绩效目标\t完成补助发放\t\t\t\n" + INDICATORS
    )
    assert _header(text) == {
        "form_kind": "project",
        "project_name": "社区养老服务补助",
        "department": "某市民政局",
        "department_code": "301",
        "budget_total": 120,
        "budget_breakdown": {"财政拨款": 100, "其他资金": 20},
        "project_attribute": "延续",
        "period_start": "2024年1月",
        "period_end": "2024年12月",
        "annual_goal": "完成补助发放",
        "n": 2,
    }


def test_a_whole_life_amount_alone_is_the_budget() -> None:
    text = (
        "项目支出绩效目标表\n（2024年度）\n项目名称\t社区养老服务补助\t\n"
        "项目总额（万元）\t120\t\n年度绩效目标\t完成补助发放\t\n" + INDICATORS
    )
    assert _header(text)["budget_total"] == 120


def test_a_heading_printed_over_two_rows_of_a_merged_table() -> None:
    # 绩效指标 spans the three level columns; 指标值 and 权重 are merged down (blank below)
    text = HEADER + (
        "绩效指标\t\t\t指标值\t权重\n"
        "一级指标\t二级指标\t三级指标\t\t\n"
        "产出指标\t数量指标\t补助发放人数\t≥500人\t20\n"
        "产出指标\t质量指标\t补助发放准确率\t≥98%\t20\n"
        "效益指标\t社会效益指标\t老年人生活质量\t有所提升\t30\n"
        "满意度指标\t服务对象满意度指标\t服务对象满意度\t≥90%\t30\n"
    )
    assert _rows(text) == EXPECTED


def test_both_levels_in_one_category_cell() -> None:
    text = HEADER + (
        "指标类别\t指标名称\t指标值\t权重\n"
        "产出指标-数量指标\t补助发放人数\t≥500人\t20\n"
        "产出-质量\t补助发放准确率\t≥98%\t20\n"
        "效益指标/社会效益指标\t老年人生活质量\t有所提升\t30\n"
        "满意度指标－服务对象满意度指标\t服务对象满意度\t≥90%\t30\n"
    )
    assert _rows(text) == EXPECTED
    assert vocab.split_category("产出指标-效果指标") == ("产出指标", "效果指标")
    assert vocab.split_category("产出指标-效益指标") is None  # two level-1 words
    assert vocab.split_category("补助-发放人数") is None


def test_actual_results_and_scores_beside_the_target_are_not_the_target() -> None:
    # 实际完成值 before the target, 得分 after the weight, 偏差原因 last (a 执行监控 print)
    text = HEADER + (
        "一级指标\t二级指标\t三级指标\t实际完成值\t年度指标值\t分值\t得分\t偏差原因分析\n"
        "产出指标\t数量指标\t补助发放人数\t480人\t≥500人\t20\t18\t部分对象迁出\n"
        "产出指标\t质量指标\t补助发放准确率\t99%\t≥98%\t20\t20\t\n"
        "效益指标\t社会效益指标\t老年人生活质量\t明显提升\t有所提升\t30\t30\t\n"
        "满意度指标\t服务对象满意度指标\t服务对象满意度\t92%\t≥90%\t30\t28\t\n"
    )
    assert _rows(text) == EXPECTED


def test_web_pipes_with_a_result_column_and_an_empty_last_cell() -> None:
    # the empty 未达到指标值原因 cell is dropped: 完成值 and 得分 must keep their own columns
    text = HEADER.replace("\t\t", "").replace("\t", " | ") + (
        "| 一级指标 | 二级指标 | 三级指标 | 完成值 | 指标值 | 权重 | 自评得分 | 未达到指标值原因 |\n"
        "| 产出指标 | 数量指标 | 补助发放人数 | 480人 | ≥500人 | 20 | 18 | 部分对象迁出 |\n"
        "| 产出指标 | 质量指标 | 补助发放准确率 | 99% | ≥98% | 20 | 20 |  |\n"
        "| 效益指标 | 社会效益指标 | 老年人生活质量 | 明显提升 | 有所提升 | 30 | 30 |  |\n"
        "| 满意度指标 | 服务对象满意度指标 | 服务对象满意度 | 92% | ≥90% | 30 | 28 |  |\n"
    )
    assert _rows(text) == EXPECTED
    for heading in ("实际完成值", "全年实际完成值", "1-6月执行情况", "得分", "偏差原因",
                    "未达到指标值原因", "2021年实际实现值"):  # fmt: skip
        assert vocab.column_role(heading) == "note", heading


CENTRAL = (
    "中央部门项目支出绩效目标申报表\n（2024年度）\n"
    "项目名称\t社区养老服务补助\t\t\t\t\t\t\n"
    "主管部门及代码\t[301]某市民政局\t实施单位\t某区养老中心\t\t\t\t\n"
    "项目属性\t延续项目\t项目期\t3年\t\t\t\t\n"
    "项目资金（万元）\t中期资金总额\t360\t年度资金总额\t120\t\t\t\n"
    "\t其中：财政拨款\t300\t其中：财政拨款\t100\t\t\t\n"
    "\t其他资金\t60\t其他资金\t20\t\t\t\n"
    "总体目标\t中期目标（2024年—2026年）\t年度目标\t\t\t\t\t\n"
    "\t三年内建成养老服务网络\t完成养老服务补助发放\t\t\t\t\t\n"
    "绩效指标\t一级指标\t二级指标\t三级指标\t指标值\t二级指标\t三级指标\t指标值\n"
)


def test_central_template_reads_the_annual_block_beside_the_midterm_one() -> None:
    # the 中期 block (a three-year total, names worded for the period) stands first
    text = CENTRAL + (
        "\t产出指标\t数量指标\t三年累计补助发放人数\t≥1500人\t数量指标\t补助发放人数\t≥500人\n"
        "\t产出指标\t质量指标\t补助发放准确率\t≥98%\t质量指标\t补助发放准确率\t≥98%\n"
        "\t效益指标\t社会效益指标\t老年人生活质量\t有所提升\t社会效益指标\t老年人生活质量\t有所提升\n"
        "\t满意度指标\t服务对象满意度指标\t服务对象满意度\t≥90%\t服务对象满意度指标\t服务对象满意度\t≥90%\n"
    )
    assert _rows(text) == [row[:-1] + (None,) for row in EXPECTED]  # no weight column
    assert _header(text) == {
        "form_kind": "project",
        "project_name": "社区养老服务补助",
        "department": "某市民政局",
        "department_code": "301",
        "budget_total": 120,
        "budget_breakdown": {"财政拨款": 100, "其他资金": 20},
        "project_attribute": "延续",
        "duration": "3年",
        "annual_goal": "完成养老服务补助发放",
        "n": 4,
    }


def test_central_template_on_a_web_page_drops_merged_cells_in_both_blocks() -> None:
    text = (
        "\n".join(
            " | ".join(c for c in line.split("\t") if c) + " |" for line in CENTRAL.splitlines()
        )
        + "\n"
        + (
            "产出指标 | 数量指标 | 三年累计补助发放人数 | ≥1500人 | 数量指标 | 补助发放人数 | ≥500人 |\n"
            "质量指标 | 补助发放准确率 | ≥98% | 质量指标 | 补助发放准确率 | ≥98% ||\n"
            "效益指标 | 社会效益指标 | 老年人生活质量 | 有所提升 | 社会效益指标 | 老年人生活质量 | 有所提升 |\n"
            "满意度指标 | 服务对象满意度指标 | 服务对象满意度 | ≥90% | 服务对象满意度指标 | 服务对象满意度 | ≥90% |\n"
        )
    )
    assert _rows(text) == [row[:-1] + (None,) for row in EXPECTED]


def test_markdown_syntax_is_no_part_of_the_form() -> None:
    text = (
        "## 项目支出绩效目标表\n\n（2024年度）\n\n"
        "**项目名称**：社区养老服务补助\n\n**主管部门**：某市民政局\n\n"
        "| **一级指标** | **二级指标** | **三级指标** | **指标值** | **权重** |\n"
        "|:---|:---|:---|:---:|---:|\n"
        "| 产出指标 | 数量指标 | 补助发放<br>人数 | ≥500人 | 20 |\n"
        "| 产出指标 | 质量指标 | 补助发放准确率 | ≥98% | 20 |\n"
        "| 效益指标 | 社会效益指标 | 老年人生活<br/>质量 | 有所提升 | 30 |\n"
        "| 满意度指标 | 服务对象满意度指标 | 服务对象满意度 | ≥90% | 30 |\n"
    )
    (form,) = normalize_text(text, "t.md").forms
    assert (form.title, form.project_name, form.department) == (
        "项目支出绩效目标表", "社区养老服务补助", "某市民政局"
    )  # fmt: skip
    assert _rows(text) == EXPECTED


def test_a_sheet_saved_as_csv_with_quoted_cells() -> None:
    text = "\ufeff" + (
        "项目支出绩效目标表,,,,\n（2024年度）,,,,\n"
        "项目名称,社区养老服务补助,,,\n主管部门,某市民政局,,,\n资金总额（万元）,120,,,\n"
        '年度绩效目标,"完成养老服务补助发放,提高老年人生活质量",,,\n'
        "一级指标,二级指标,三级指标,指标值,权重\n"
        "产出指标,数量指标,补助发放人数,≥500人,20\n"
        '"产出指标","质量指标","补助发放准确率","≥98%","20"\n'
        "效益指标,社会效益指标,老年人生活质量,有所提升,30\n"
        "满意度指标,服务对象满意度指标,服务对象满意度,≥90%,30\n"
    )
    result = normalize_text(text, "t.csv")
    assert result.layout == "csv_rows"
    assert _rows(text) == EXPECTED
    assert _header(text)["annual_goal"] == "完成养老服务补助发放,提高老年人生活质量"
    assert _header(text)["budget_total"] == 120


def test_targets_in_words_and_other_symbols() -> None:
    # schema.md: the operator as stated, mapped (大于等于 → ≥, 以上 → ≥, 以内 → ≤, ％ → %)
    cases = {
        "不低于95%": ("≥", 95, "%"),
        "95%以上": ("≥", 95, "%"),
        "不少于10个": ("≥", 10, "个"),
        "大于等于１００人": ("≥", 100, "人"),
        "≧９５％": ("≥", 95, "%"),
        "≦30天": ("≤", 30, "天"),
        "控制在100万元以内": ("≤", 100, "万元"),
        "超过80%": (">", 80, "%"),
        "＝365天": ("=", 365, "天"),
        "95%（含）以上": ("≥", 95, "%"),
        "5个工作日内": ("≤", 5, "个工作日"),
        "2小时内": ("≤", 2, "小时"),
        "100%": (None, 100, "%"),
    }
    for printed, expected in cases.items():
        parsed = grammar.parse_value(printed)
        assert (parsed.operator, parsed.value, parsed.unit) == expected, printed
        assert parsed.kind == "quantitative"


def test_an_older_template_prints_a_benefit_label_as_a_block_of_its_own() -> None:
    # 社会效益指标 in the 一级 column, its 二级 empty: a 效益 block, not a row of 产出指标
    text = HEADER + (
        "一级指标\t二级指标\t三级指标\t指标值\t权重\n"
        "产出指标\t数量指标\t补助发放人数\t≥500人\t20\n"
        "\t质量指标\t补助发放准确率\t≥98%\t20\n"
        "社会效益指标\t\t老年人生活质量\t有所提升\t30\n"
        "满意度指标\t服务对象满意度指标\t服务对象满意度\t≥90%\t30\n"
    )
    assert _rows(text) == EXPECTED
    rows = _rows(
        HEADER + "一级指标\t二级指标\t三级指标\t指标值\t权重\n"
        "成本指标\t经济成本指标\t人均补助标准\t≤200元\t10\n"
        "可持续影响指标\t\t服务长效机制\t健全\t10\n"
        "\t\t服务覆盖面\t逐步扩大\t10\n"
        "过程管理指标\t资金管理指标\t资金到位率\t100%\t10\n"
    )
    assert [r[:3] for r in rows] == [
        ("成本指标", "经济成本指标", "人均补助标准"),
        ("效益指标", "可持续影响指标", "服务长效机制"),
        ("效益指标", "可持续影响指标", "服务覆盖面"),
        (None, "资金管理指标", "资金到位率"),  # no standard parent: level1 null (golden sc23)
    ]


def test_central_template_web_row_whose_first_cell_is_a_merged_blocks_cost_label() -> None:
    # 成本指标 under 产出指标 (its 一级 merged away): the 年度 block repeats it as its 二级
    text = (
        "\n".join(
            " | ".join(c for c in line.split("\t") if c) + " |" for line in CENTRAL.splitlines()
        )
        + "\n"
        + (
            "产出指标 | 数量指标 | 三年累计补助发放人数 | ≥1500人 | 数量指标 | 补助发放人数 | ≥500人 |\n"
            "成本指标 | 人均补助标准 | ≤200元 | 成本指标 | 人均补助标准 | ≤200元 ||\n"
            "满意度指标 | 服务对象满意度指标 | 服务对象满意度 | ≥90% | 服务对象满意度指标 | 服务对象满意度 | ≥90% |\n"
        )
    )
    assert [r[:3] for r in _rows(text)] == [
        ("产出指标", "数量指标", "补助发放人数"),
        ("产出指标", "成本指标", "人均补助标准"),
        ("满意度指标", "服务对象满意度指标", "服务对象满意度"),
    ]


def test_a_scraped_markdown_page_with_entities_and_an_escaped_bar() -> None:
    text = (
        "| 项目支出绩效目标表 |\n| 项目名称 | 社区养老服务补助 | &nbsp; | &nbsp; | &nbsp; |\n"
        "| 一级指标 | 二级指标 | 三级指标 | 指标值 | 权重 |\n|---|---|---|---|---|\n"
        "| 产出指标 | 数量指标 | 补助发放人数 | &ge;500人 | 20 |\n"
        "| 产出指标 | 时效指标 | 补助发放时间 \\| 季度 | &le;3天 | 20 |\n"
    )
    result = normalize_bytes(text.encode(), "t.md")
    (form,) = result.forms
    assert form.project_name == "社区养老服务补助"
    assert [(i.name_raw, i.operator, i.value, i.unit, i.weight) for i in form.indicators] == [
        ("补助发放人数", "≥", 500, "人", 20),
        ("补助发放时间 | 季度", "≤", 3, "天", 20),
    ]


def test_the_budgets_parts_listed_in_one_cell() -> None:
    text = (
        "项目支出绩效目标表\n（2024年度）\n"
        "| 项目名称：社区养老服务补助 | 主管部门：某市民政局 |\n"
        "| 资金总额：120万元 | 其中：财政拨款100万元，其他资金20万元 |\n"
        "| 年度绩效目标：完成补助发放 |\n"
        "| 一级指标 | 二级指标 | 三级指标 | 指标值 |\n"
        "| 产出指标 | 数量指标 | 补助发放人数 | ≥500人 |\n"
        "| 满意度指标 | 服务对象满意度指标 | 服务对象满意度 | ≥90% |\n"
    )
    header = _header(text)
    assert (header["budget_total"], header["budget_breakdown"]) == (
        120,
        {"财政拨款": 100, "其他资金": 20},
    )
    lines = text.replace("| 资金总额：120万元 | 其中：财政拨款100万元，其他资金20万元 |\n", "")
    lines = lines.replace("| 年度", "资金总额：1,256.5\n其中：中央资金1,200.5；省级资金56\n| 年度")
    header = _header(lines)
    assert (header["budget_total"], header["budget_breakdown"]) == (
        1256.5,
        {"中央资金": 1200.5, "省级资金": 56},
    )
