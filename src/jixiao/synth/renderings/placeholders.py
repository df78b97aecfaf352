"""Template placeholders left in the name: ``(≥**%)``, ``≥**人``, ``( ≥**% )``; ``★``/``*``.

Tab rows ``一级 | 二级 | 三级指标 | 指标值 | 权重`` whose value cell is a bare number and whose
name carries the template's ``(≥**人次)``: that gives the value its operator and unit and is
cleaned from the name. Some names carry ``★`` or ``*`` (key indicators) or ``指标1:``; all
are cleaned from ``name`` and kept in ``name_raw``.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import SHORT_HEADER, Record, fmt, keep_header, plain_name_ok

NAME = "placeholders"


def item_ok(item: Any) -> bool:
    return plain_name_ok(str(item.name)) and (not item.quantitative or item.operator is not None)


def _cell(ind: Record, k: int, rng: random.Random) -> tuple[str, str]:
    name = ind["name"]
    value = fmt(ind["value"])
    if ind["value_kind"] == "quantitative":
        hole = f"{ind['operator']}**{ind['unit']}"
        style = rng.choice(("({})", "（{}）", "( {} )", "{}"))
        name = name + style.format(hole)
    mark = rng.choice(("", "", "★", "*", "指标{k}:"))
    return mark.format(k=k) + name, value


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        out += ["", rec["title"], "", "单位：万元"]
        out.append(f"项目名称\t{rec['project_name']}\t\t\t")
        out.append(f"主管部门\t{rec['department']}\t\t\t")
        out.append(f"资金总额\t{fmt(rec['budget_total'])}\t\t\t")
        out.append(f"年度绩效目标\t{rec['annual_goal']}\t\t\t")
        out.append("一级指标\t二级指标\t三级指标\t指标值\t权重")
        for k, ind in enumerate(rec["indicators"], 1):
            name, value = _cell(ind, k, rng)
            ind["name_raw"] = name.strip()
            cells = [ind["level1"], ind["level2"] or "", name, value, str(ind["weight"])]
            out.append("\t".join(cells))
        keep_header(rec, SHORT_HEADER)
    return "\n".join(out) + "\n"
