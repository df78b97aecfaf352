"""Header variants: the same facts under other labels and number formats.

Tab rows. The department under 预算部门/主管部门, or a 预算单位 (no department field: truth
null), the implementing unit under 实施单位/项目执行单位; codes before (``103-``), after
(``名称(103)``), in brackets (``[103]名称``) or after a blank (``103 名称``); the budget in 元
(``资金总额（元）`` or under a ``单位：元`` caption, truth in 万元) or with its breakdown in one
cell (``年度资金总额：120；其中：财政拨款120``); the period as a range (``202101-202112``,
``2022.03-2022.12``) or ``项目期 3年``; a year line missing its closing bracket.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import Record, coded, fmt, keep_header, target

NAME = "header_variants"


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name)


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        year = rec["year"]
        title = "项目支出绩效目标表"
        rec["title"] = title
        out += ["", title, f"({year}年度" if rng.random() < 0.5 else f"({year}年度)", ""]
        budget_roll = rng.random()
        yuan_caption = budget_roll < 0.2  # ``单位：元`` above the header, the label plain
        if yuan_caption:
            out.append("单位：元")
        printed = ["form_kind", "title", "year", "project_name", "department", "budget_total",
                   "annual_goal", "implementing_unit"]  # fmt: skip
        style = rng.choice(("before", "after", "bracket", "space"))
        dept = coded(rec["department_code"], rec["department"], style)
        impl = coded(rec["implementing_unit_code"], rec["implementing_unit"], style)
        printed += ["department_code", "implementing_unit_code"]
        out.append(f"项目名称\t{rec['project_name']}\t\t\t")
        d_label = rng.choice(("预算部门", "主管部门", "预算单位"))
        if d_label == "预算单位":
            # Not a label of the department (schema: 主管部门/业务主管部门; golden fj23 and
            # dg19 print a 预算单位 that is not the 主管部门): the unit is read as neither field.
            rec["department"] = rec["department_code"] = None
        i_label = rng.choice(("实施单位", "项目执行单位"))
        out.append(f"{d_label}\t{dept}\t{i_label}\t{impl}\t")
        budget = rec["budget_total"]
        roll = budget_roll
        if roll < 0.4:
            yuan = round(budget * 10000)
            rec["budget_total"] = yuan / 10000 if yuan % 10000 else yuan // 10000
            label = "资金总额" if yuan_caption else "资金总额（元）"
            out.append(f"{label}\t{yuan}\t\t\t")
        elif roll < 0.8:
            out.append(f"资金情况\t年度资金总额：{fmt(budget)}；其中：财政拨款{fmt(budget)}\t\t\t")
            rec["budget_breakdown"] = {"财政拨款": budget}
            printed.append("budget_breakdown")
        else:
            out.append(f"资金总额（万元）\t{fmt(budget)}\t\t\t")
        roll = rng.random()
        if roll < 0.35:
            rec["period_start"], rec["period_end"] = f"{year}01", f"{year}12"
            out.append(f"实施期限\t{year}01-{year}12\t\t\t")
            printed += ["period_start", "period_end"]
        elif roll < 0.7:
            rec["period_start"], rec["period_end"] = f"{year}.03", f"{year}.12"
            out.append(f"项目起止时间\t{year}.03-{year}.12\t\t\t")
            printed += ["period_start", "period_end"]
        else:
            rec["duration"] = "3年"
            out.append("项目期\t3年\t\t\t")
            printed.append("duration")
        out.append(f"年度绩效目标\t{rec['annual_goal']}\t\t\t")
        out.append("一级指标\t二级指标\t三级指标\t指标值\t权重")
        for ind in rec["indicators"]:
            cells = [ind["level1"], ind["level2"] or "", ind["name"], target(ind)]
            out.append("\t".join([*cells, str(ind["weight"])]))
        keep_header(rec, printed)
    return "\n".join(out) + "\n"
