"""Issue 18: template is not content, the named false alarms, the judgement rules, rewrites.

Every case is a small form written here, so each test names the one cause it pins.
"""

from __future__ import annotations

import json
from pathlib import Path

from jixiao.review import review_form
from jixiao.review.command import load_forms
from jixiao.review.rewrite import PLACEHOLDER, check_rewrite, suggest_rewrite
from jixiao.schema import Form, Indicator


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
