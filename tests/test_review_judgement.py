"""Issue 18: template is not content, the named false alarms, the judgement rules, rewrites.

Every case is a small form written here, so each test names the one cause it pins.
"""

from __future__ import annotations

import json
from pathlib import Path

from jixiao.review import review_form
from jixiao.review.command import load_forms
from jixiao.review.rewrite import PLACEHOLDER, check_rewrite, suggest_rewrite
from jixiao.schema import Cell, Form, Indicator


def ind(name: str, l1: str = "产出指标", l2: str | None = "数量指标", **kw: object) -> Indicator:
    kw.setdefault("value_kind", "quantitative")
    return Indicator(level1=l1, level2=l2, name=name, name_raw=kw.pop("raw", name), **kw)  # type: ignore[arg-type]


def base_rows() -> list[Indicator]:
    return [
        ind("培训人次", operator="≥", value=100, unit="人次"),
        ind("受益群众人数", "效益指标", "社会效益指标", operator="≥", value=500, unit="人"),
        ind("服务对象满意度", "满意度指标", "服务对象满意度指标", operator="≥", value=90, unit="%"),
    ]


def form(rows: list[Indicator], **kw: object) -> Form:
    kw.setdefault("annual_goal", "全年培训100人次，受益群众500人。")
    kw.setdefault("year", 2023)
    return Form(indicators=rows, **kw)  # type: ignore[arg-type]


def codes(f: Form) -> list[tuple[int | None, str]]:
    return [(x.indicator, x.code) for x in review_form(f)]


# --------------------------------------------------------------------------- template, not content


def test_placeholder_in_raw_name_is_not_a_value_in_name():
    rows = base_rows()
    rows[0] = ind("培训人次", raw="★培训人次(≥**人)", operator="≥", value=100, unit="人次")
    assert (0, "value_in_name") not in codes(form(rows))


def test_numbering_prefix_gives_no_duplicate_finding():
    rows = base_rows() + [ind("宣传场次", raw="指标1:宣传场次", operator="≥", value=4, unit="场")]
    rows[0] = ind("培训人次", raw="指标1:培训人次", operator="≥", value=100, unit="人次")
    assert not [c for c in codes(form(rows)) if c[1] == "duplicate_indicator"]


def test_blank_cost_block_is_one_finding_about_the_block():
    blank = [ind("", "产出指标", "成本指标", raw="", value=None, weight=None) for _ in range(3)]
    rows = base_rows()[:1] + blank + base_rows()[1:]
    for r in rows:
        if r.name:
            r.weight = 30
    found = review_form(form(rows))
    assert [f.code for f in found if f.indicator in (1, 2, 3)] == []
    cost = [f for f in found if f.code == "missing_cost_indicator"]
    assert len(cost) == 1 and "只有空行" in cost[0].message
    # indices after the padding rows still point at the rows as filed
    rows[5].value = 100
    assert (5, "satisfaction_threshold") in [(f.indicator, f.code) for f in review_form(form(rows))]


# --------------------------------------------------------------------------- named false alarms


def test_fee_inside_a_count_name_is_not_a_cost():
    rows = base_rows() + [ind("物业费收缴户数", operator="≥", value=300, unit="户")]
    assert (3, "misclassified_indicator") not in codes(form(rows))
    rows.append(ind("采购金额", operator="≤", value=8, unit="万元"))
    assert (4, "misclassified_indicator") in codes(form(rows))


def test_goal_in_wan_mu_matches_an_indicator_in_mu():
    rows = base_rows() + [ind("造林面积", operator="≥", value=12000, unit="亩")]
    f = form(rows, annual_goal="完成造林1.2万亩，培训100人次，受益群众500人。")
    assert (None, "goal_indicator_gap") not in codes(f)


def test_a_bare_year_or_date_in_the_goal_is_not_a_target():
    f = form(
        base_rows(), annual_goal="2023—2025年培训100人次，2024.12前受益群众500人，12月底前完成。"
    )
    assert (None, "goal_indicator_gap") not in codes(f)


def test_monthly_cost_is_scaled_to_the_period_before_the_budget():
    rows = base_rows() + [
        ind("每月保洁服务费", "产出指标", "成本指标", operator="≤", value=1, unit="万元/月")
    ]
    f = form(rows, budget_total=10, annual_goal="全年培训100人次，受益群众500人，保洁11个月。")
    found = [x for x in review_form(f) if x.code == "cost_exceeds_budget"]
    assert found and "×11个月" in found[0].evidence and found[0].severity == "error"
    f.budget_total = 11
    assert not [x for x in review_form(f) if x.code == "cost_exceeds_budget"]


def test_a_total_row_equal_to_the_items_is_not_counted_twice():
    rows = base_rows() + [
        ind("差旅费", "产出指标", "成本指标", operator="=", value=1, unit="万元"),
        ind("劳务费", "产出指标", "成本指标", operator="=", value=2, unit="万元"),
        ind("年度预算总成本", "产出指标", "成本指标", operator="=", value=3, unit="万元"),
    ]
    assert (None, "cost_exceeds_budget") not in codes(form(rows, budget_total=3))


def test_review_accepts_a_record_with_a_null_title(tmp_path: Path):
    rec = json.loads(form(base_rows()).model_dump_json())
    rec["title"] = None
    p = tmp_path / "forms.jsonl"
    p.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    assert load_forms(p)[0][1][0].title == ""


# --------------------------------------------------------------------------- judgement rules


def test_activity_name_without_a_counted_result():
    rows = base_rows() + [
        ind("开展食品安全专项整治", value=2),
        ind("开展集中普法宣传", operator="≥", value=12, unit="场"),
        ind("完成疫情防控工作", "产出指标", "质量指标", value=100, unit="%"),
    ]
    found = {(i, c) for i, c in codes(form(rows)) if c == "name_is_activity"}
    assert found == {(3, "name_is_activity"), (5, "name_is_activity")}
    ev = [x.evidence for x in review_form(form(rows)) if x.code == "name_is_activity"]
    assert "开展食品安全专项整治" in ev[0]


def test_effect_the_project_cannot_attribute():
    rows = base_rows() + [
        ind("全区GDP增长率", "效益指标", "经济效益指标", operator="≥", value=6, unit="%")
    ]
    found = [x for x in review_form(form(rows)) if x.code == "relevance_attribution"]
    assert [x.indicator for x in found] == [3] and "GDP" in found[0].message


def test_filler_effect_with_a_high_percentage():
    rows = base_rows() + [
        ind("促进食品安全事业发展", "效益指标", "社会效益指标", operator="≥", value=95, unit="%"),
        ind("群众知晓率", "效益指标", "社会效益指标", operator="≥", value=95, unit="%"),
    ]
    assert [i for i, c in codes(form(rows)) if c == "filler_effect"] == [3]


def test_weak_cost_indicator_only_restates_the_budget():
    rows = base_rows() + [
        ind("项目总成本", "产出指标", "成本指标", operator="≤", value=20, unit="万元")
    ]
    assert (None, "cost_indicator_weak") in codes(form(rows, budget_total=20))
    rows[3] = ind("人均培训成本", "产出指标", "成本指标", operator="≤", value=500, unit="元/人")
    assert (None, "cost_indicator_weak") not in codes(form(rows, budget_total=20))


# --------------------------------------------------------------------------- rewrites


def test_rewrite_of_an_activity_keeps_the_forms_number():
    rows = base_rows() + [ind("开展食品安全专项整治", value=2)]
    f = form(rows)
    rw = suggest_rewrite(f, 3)
    assert (
        rw is not None and rw.name == "食品安全专项整治次数" and rw.value == 2 and rw.unit == "次"
    )
    assert check_rewrite(f, 3, rw) == []


def test_rewrite_never_invents_a_satisfaction_number():
    rows = base_rows()
    rows[2] = ind(
        "公众满意度", "满意度指标", "服务对象满意度指标", value="高中低", value_kind="qualitative"
    )
    rw = suggest_rewrite(form(rows), 2)
    assert rw is not None and rw.value == PLACEHOLDER and "上年" in rw.rationale


def test_an_unattributable_effect_is_dropped_not_polished():
    rows = base_rows() + [
        ind("带动区经济增长效率", "效益指标", "经济效益指标", value="优", value_kind="qualitative")
    ]
    rw = suggest_rewrite(form(rows), 3)
    assert rw is not None and rw.action == "drop" and "删除" in rw.display()


def test_vague_timeliness_becomes_the_forms_deadline():
    rows = base_rows() + [
        ind("项目完成及时性", "产出指标", "时效指标", value="程度较高", value_kind="qualitative")
    ]
    rw = suggest_rewrite(form(rows, year=2023), 3)
    assert rw is not None and rw.name == "项目完成时间" and rw.value == "2023年12月31日"


# --------------------------------------------------------------------------- issue 18, second round
# Each expected finding is read off the catalogue (review-rules.md §4), not off the code.


def found(f: Form, code: str) -> list[int | None]:
    return [x.indicator for x in review_form(f) if x.code == code]


def test_process_indicators_are_execution_rates_about_money():
    rows = base_rows() + [
        ind("中央预算内投资支付率", "产出指标", "质量指标", operator="≥", value=95, unit="%"),
        ind("年度计划投资完成率", "产出指标", "质量指标", operator="≥", value=95, unit="%"),
        ind("项目财政资金到位时间", "产出指标", "时效指标", value="2023年3月底前"),
        ind('"两个责任"按项目落实到位率', "产出指标", "质量指标", value=100, unit="%"),
    ]
    assert found(form(rows), "process_indicator") == [3, 4, 5]


def test_inputs_people_pay_and_consumables():
    rows = base_rows() + [
        ind("聘用调解员人数", operator="=", value=1, unit="人"),
        ind("出差人次", operator="=", value=24, unit="人次"),
        ind("购买标准试剂", operator="≥", value=100, unit="个"),
        ind("按年度发放绩效奖、文明奖", operator="≥", value=60, unit="%"),
        ind("购置设备数量", operator="=", value=5, unit="台"),  # §5.1: a typical output
    ]
    f = form(rows)
    assert found(f, "input_as_output") == [3, 4, 5, 6]
    ev = [x.message for x in review_form(f) if x.code == "input_as_output"]
    assert "聘用" in ev[0] and "试剂" in ev[2]


def test_a_count_filed_as_quality_is_misclassified_but_a_duration_is_not():
    rows = base_rows() + [
        ind("实验室仪器维修维护", "产出指标", "质量指标", operator="≥", value=4, unit="次"),
        ind("政务公开培训时间", "产出指标", "数量指标", value=7, unit="天"),
        ind("信息报送及时率", "产出指标", "数量指标", operator="≥", value=95, unit="%"),
    ]
    assert found(form(rows), "misclassified_indicator") == [3, 5]


def test_a_rate_in_days_is_one_unit_finding_not_also_a_direction():
    rows = base_rows() + [
        ind("检测及时率", "产出指标", "时效指标", operator="≤", value=7, unit="工作日")
    ]
    f = form(rows)
    assert found(f, "unit_mismatch") == [3] and found(f, "operator_direction") == []


def test_money_names_need_money_units_and_times_no_percent():
    rows = base_rows() + [
        ind("检查差旅费", "产出指标", "成本指标", value=470, unit="人/天"),
        ind("项目完成时间", "产出指标", "时效指标", value=100, unit="%"),
        ind("人均培训成本", "产出指标", "成本指标", operator="≤", value=500, unit="元/人"),
    ]
    assert found(form(rows), "unit_mismatch") == [3, 4]


def test_a_masked_value_is_not_a_missing_value():
    masked = ind("项目总成本", "产出指标", "成本指标", operator="≤", value=None, unit="元")
    masked.source.cells["value"] = Cell(text="≤****000元")
    empty = ind("基本支出", "产出指标", "成本指标", value=None)
    f = form(base_rows() + [masked, empty])
    assert found(f, "value_missing") == [4]


def test_values_the_calendar_or_the_form_rule_out():
    rows = base_rows() + [
        ind("工作计划按时完成时间", "产出指标", "时效指标", operator="=", value=44561),
        ind("办公费总成本", "产出指标", "成本指标", operator="=", value=0, unit="万元"),
        ind("补助发放次数", operator="≥", value=12, unit="次"),
        ind("补助发放及时率", "产出指标", "时效指标", operator="≥", value=98, unit="%"),
    ]
    f = form(rows, year=2021)
    hits = [x for x in review_form(f) if x.code == "value_plausibility"]
    assert [x.indicator for x in hits] == [3, 4, 6]
    assert "2021年12月31日" in hits[0].message and "91.7%" in hits[2].message
    assert found(f, "unit_missing") == []  # the serial is a date, not a number lacking a unit
    rows[4] = ind("超预算支出金额", "产出指标", "成本指标", operator="=", value=0, unit="万元")
    rows[6] = ind("补助发放及时率", "产出指标", "时效指标", operator="=", value=100, unit="%")
    assert found(form(rows, year=2021), "value_plausibility") == [3]  # 超支 =0 is a target


def test_satisfaction_of_the_units_own_officers():
    rows = base_rows() + [
        ind("干警满意度", "满意度指标", "服务对象满意度指标", operator="≥", value=95, unit="%")
    ]
    hits = [x for x in review_form(form(rows)) if x.code == "satisfaction_internal"]
    assert [x.indicator for x in hits] == [3] and "干警满意度" in hits[0].evidence


def test_a_goal_that_only_lists_duties():
    duties = "组织协调推进全州食品安全重点工作；承办州食品安全委员会会议；承担日常工作。"
    hits = [
        x for x in review_form(form(base_rows(), annual_goal=duties)) if x.code == "vague_target"
    ]
    assert len(hits) == 1 and "承办" in hits[0].message and hits[0].evidence.startswith("组织")
    with_target = "承办食品安全委员会会议；承担日常工作，全年培训100人次。"
    assert found(form(base_rows(), annual_goal=with_target), "vague_target") == []


def test_work_and_object_names():
    rows = base_rows() + [
        ind("信访基础业务培训", value=20, unit="件次"),
        ind("应急综合演练", operator="≥", value=2, unit="次"),  # counts the drills held
        ind("OA自动办公系统", operator="=", value=1, unit="个/套"),
        ind(
            "解决群众困难及公示发布", "效益指标", "社会效益指标", operator="≥", value=100, unit="%"
        ),
    ]
    f = form(rows)
    assert found(f, "name_is_activity") == [3, 5, 6]
    msgs = [x.message for x in review_form(f) if x.code == "name_is_activity"]
    assert "对象" in msgs[1] and "工作" in msgs[0]


def test_a_vague_rate_stays_a_rate_with_a_placeholder():
    rows = base_rows() + [
        ind(
            "残疾学生家庭负担率",
            "效益指标",
            "社会效益指标",
            value="有所减轻",
            value_kind="qualitative",
        )
    ]
    rw = suggest_rewrite(form(rows), 3)
    assert rw is not None and (rw.name, rw.operator, rw.value, rw.unit) == (
        "残疾学生家庭负担率",
        "≤",
        PLACEHOLDER,
        "%",
    )
    assert "上年" in rw.rationale and check_rewrite(form(rows), 3, rw) == []


def test_vague_efficiency_becomes_time_saved_at_the_same_level():
    rows = base_rows() + [
        ind(
            "提升各单位工作效率",
            "效益指标",
            "可持续影响指标",
            value="明显",
            value_kind="qualitative",
        )
    ]
    rw = suggest_rewrite(form(rows), 3)
    assert rw is not None and rw.name == "平均办理时限压缩天数" and rw.value == PLACEHOLDER
    assert (rw.level1, rw.level2) == ("效益指标", "可持续影响指标")


def test_a_perception_with_a_small_percentage_is_dropped_not_polished():
    rows = base_rows() + [
        ind("提高政府网站公众形象", "效益指标", "社会效益指标", operator="≥", value=2, unit="%")
    ]
    rw = suggest_rewrite(form(rows), 3)
    assert rw is not None and rw.action == "drop" and "形象" in rw.rationale


def test_removing_a_hazard_becomes_zero_incidents():
    rows = base_rows() + [
        ind(
            "消除安全隐患", "效益指标", "可持续影响指标", value="持续影响", value_kind="qualitative"
        )
    ]
    rw = suggest_rewrite(form(rows), 3)
    assert rw is not None and rw.value == 0 and rw.unit == "起"


def test_a_cut_name_is_not_reworded():
    cut = ind("政府网站的公众形", "效益指标", "社会效益指标", value="优", value_kind="qualitative")
    cut.flags = ["name_truncated"]
    assert suggest_rewrite(form(base_rows() + [cut]), 3) is None


def test_life_safety_in_an_epidemic_project_is_not_turned_into_work_accidents():
    rows = base_rows() + [
        ind(
            "保障人民群众生命安全",
            "效益指标",
            "社会效益指标",
            value="明显",
            value_kind="qualitative",
        )
    ]
    f = form(rows, project_name="疫情防控工作经费", annual_goal="做好疫情防控，培训100人次。")
    rw = suggest_rewrite(f, 3)
    assert rw is not None and "事故" not in rw.name
