"""Several projects in one table: a department's export, one row per indicator.

``预算单位 | 项目名称 | 项目金额(元) | 年度目标 | 一级 | 二级 | 三级 | 指标值`` with the unit,
project, amount and goal only on each project's first row. Amounts are in 元 (the truth in
万元), units carry codes ``[012003]名称`` or ``310-名称``; every project is one form, titled by
the table's title.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import Record, keep_header, target

NAME = "multi_project"


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name)


def render(forms: list[Record], rng: random.Random) -> str:
    year = forms[0]["year"] if forms else 2023
    title = f"{year}年部门项目支出绩效目标表"
    out = [title, "单位：元", ""]
    out.append("预算单位\t项目名称\t项目金额\t年度目标\t一级指标\t二级指标\t三级指标\t指标值")
    codes: dict[str, str] = {}
    bracket = rng.random() < 0.5
    for rec in forms:
        rec["title"], rec["year"] = title, year
        yuan = round(rec["budget_total"] * 10000)
        rec["budget_total"] = yuan / 10000 if yuan % 10000 else yuan // 10000
        amount = f"{yuan:.2f}" if rng.random() < 0.5 else str(yuan)
        code = codes.setdefault(
            rec["department"], f"{rng.randrange(100, 999)}{rng.randrange(1000):03d}"
        )
        rec["department_code"] = code
        dept = f"[{code}]{rec['department']}" if bracket else f"{code}-{rec['department']}"
        for k, ind in enumerate(rec["indicators"]):
            lead = [dept, rec["project_name"], amount, rec["annual_goal"]] if k == 0 else [""] * 4
            cells = [*lead, ind["level1"], ind["level2"] or "", ind["name"], target(ind)]
            out.append("\t".join(cells))
        for ind in rec["indicators"]:
            ind["weight"] = None
        keep_header(
            rec,
            ("form_kind", "title", "year", "project_name", "department", "department_code",
             "budget_total", "annual_goal"),
        )  # fmt: skip
    return "\n".join(out) + "\n"
