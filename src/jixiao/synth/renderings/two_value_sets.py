"""Two sets of value columns side by side: 中期/年度, 长期/年度 or 年度/实施周期.

Tab rows ``一级 | 二级 | 三级 | <set A> | <set B> | 权重``; the header carries both goals and
both amounts. The truth is the annual set (target, goal, budget); the other set holds
different numbers (a multi-year total) or the same text for qualitative targets.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import SHORT_HEADER, Record, fmt, keep_header, target

NAME = "two_value_sets"
_PAIRS = (("中期", "年度", 1), ("长期", "年度", 1), ("年度", "实施周期", 0))


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name)


def _other(ind: Record, years: int) -> str:
    """The non-annual target: a total over ``years`` years for counts, the same otherwise."""
    value = ind["value"]
    if ind["value_kind"] == "quantitative" and ind["unit"] not in ("%", "天", "小时", "年"):
        value = value * years
    return f"{ind['operator'] or ''}{fmt(value)}{ind['unit'] or ''}"


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        first, second, annual_at = rng.choice(_PAIRS)
        annual, other = (second, first) if annual_at else (first, second)
        annual_first = not annual_at
        years = rng.choice((3, 5))
        other_goal = f"{years}年内{rec['annual_goal']}"
        budget = rec["budget_total"]
        other_budget = fmt(round(budget * years, 2))
        out += ["", rec["title"], "", "单位：万元"]
        out.append(f"项目名称\t{rec['project_name']}\t\t\t\t")
        out.append(f"主管部门\t{rec['department']}\t\t\t\t")
        amounts = [(f"{other}资金总额", other_budget), (f"{annual}资金总额", fmt(budget))]
        goals = [(f"{other}目标", other_goal), (f"{annual}目标", rec["annual_goal"])]
        if annual_first:
            amounts.reverse()
            goals.reverse()
        out.append("\t".join(x for pair in amounts for x in pair) + "\t\t")
        for label, text in goals:
            out.append(f"{label}\t{text}\t\t\t\t")
        heads = [f"{first}指标值", f"{second}指标值"]
        out.append("\t".join(["一级指标", "二级指标", "三级指标", *heads, "权重"]))
        for ind in rec["indicators"]:
            values = [_other(ind, years), target(ind)]
            if annual_first:
                values.reverse()
            cells = [ind["level1"], ind["level2"] or "", ind["name"], *values, str(ind["weight"])]
            out.append("\t".join(cells))
        keep_header(rec, SHORT_HEADER)
    return "\n".join(out) + "\n"
