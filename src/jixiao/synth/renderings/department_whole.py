"""部门（单位）整体支出绩效目标表: a department's whole budget, its tasks and its indicators.

Tab rows (a spreadsheet export). The header names the department (部门（单位）名称/部门名称,
its code under 部门编码 now and then); the budget is printed one of two ways: as the 年度主要任务
table (``任务名称 | 主要内容 | 预算金额``, a sub-heading ``总额 | 财政拨款 | 其他资金`` over the
amount columns, a row per task and a ``金额合计`` row that answers the sub-heading), or as a
``年度预算申请`` block (``资金总额``, ``其中：财政拨款``, ``其他资金`` rows). The goal is the
年度总体目标; the indicator table is headed by ``年度绩效指标``. The truth is a department
form: no project, the budget the 合计 (or 资金总额), its parts the breakdown.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.application_form import _split
from jixiao.synth.renderings.base import Record, fmt, keep_header, target

NAME = "department_whole"
_TITLES = ("部门（单位）整体支出绩效目标表", "部门整体支出绩效目标申报表", "部门整体支出绩效目标表")
_NAMES = ("部门（单位）名称", "部门名称", "单位名称")
_GOALS = ("年度总体目标", "部门整体绩效目标", "年度整体绩效目标")
_TASKS = (("履职保障", "保障机关正常运转"), ("业务工作", "完成年度重点业务工作"),
          ("专项任务", "实施年度专项工作"))  # fmt: skip


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name)


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        year = rec["year"]
        rec["form_kind"] = "department"
        rec["title"] = rng.choice(_TITLES)
        out += ["", rec["title"], f"（{year}年度）", "单位：万元"]
        printed = ["form_kind", "title", "year", "department", "budget_total", "budget_breakdown",
                   "annual_goal"]  # fmt: skip
        line = f"{rng.choice(_NAMES)}\t{rec['department']}\t\t\t\t"
        if rec["department_code"] and rng.random() < 0.5:
            line = (
                f"{rng.choice(_NAMES)}\t{rec['department']}\t部门编码\t{rec['department_code']}\t\t"
            )
            printed.append("department_code")
        out.append(line)
        budget = rec["budget_total"]
        fin, other = _split(budget, rng)
        rec["budget_breakdown"] = {"财政拨款": fin, "其他资金": other}
        if rng.random() < 0.6:
            tasks = rng.sample(_TASKS, 2)
            f1, o1 = _split(fin, rng)[0], _split(other, rng)[0] if other else 0
            parts = [(f1, o1), (round(fin - f1, 2), round(other - o1, 2))]
            out.append("年度主要任务\t任务名称\t主要内容\t预算金额\t\t")
            out.append("\t\t\t总额\t财政拨款\t其他资金")
            for (name, text), (f, o) in zip(tasks, parts, strict=True):
                out.append(f"\t{name}\t{text}\t{fmt(round(f + o, 2))}\t{fmt(f)}\t{fmt(o)}")
            out.append(f"\t金额合计\t\t{fmt(budget)}\t{fmt(fin)}\t{fmt(other)}")
        else:
            out.append(f"年度预算申请\t资金总额\t{fmt(budget)}\t\t\t")
            out.append(f"\t其中：财政拨款\t{fmt(fin)}\t\t\t")
            out.append(f"\t其他资金\t{fmt(other)}\t\t\t")
        out.append(f"{rng.choice(_GOALS)}\t{rec['annual_goal']}\t\t\t\t")
        out.append("年度绩效指标\t一级指标\t二级指标\t三级指标\t指标值\t权重")
        for ind in rec["indicators"]:
            cells = ["", ind["level1"], ind["level2"] or "", ind["name"], target(ind)]
            out.append("\t".join([*cells, str(ind["weight"])]))
        rec["project_name"] = rec["project_code"] = None
        if "department_code" not in printed:
            rec["department_code"] = None
        keep_header(rec, printed)
    return "\n".join(out) + "\n"
