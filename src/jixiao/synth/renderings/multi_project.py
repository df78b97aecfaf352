"""Several projects in one table: a department's export, one row per indicator.

``预算单位 | 项目名称 | 项目金额(元) | 年度目标 | 一级 | 二级 | 三级 | 指标值`` with the unit,
project, amount and goal only on each project's first row (as a spreadsheet export prints
merged cells) or, in a flat export, repeated on every row; with some chance the unit only on the first project of its run, and 一级/二级
only where they change. Printed as tab rows (a spreadsheet's text, empty cells kept) or as
pipe rows of a web page, where a merged cell's continuation vanishes. Amounts are in 元 — said by the heading (``项目金额（元）``) or by a
caption (``单位：元``, ``金额单位：元``) — and the truth is in 万元. Unit codes are three digits
(``310-名称``) or six with leading zeros (``[012003]名称``). Every project is one form, titled by
the table's title. A ``单位名称`` column is the department (the header label reads the same);
a ``预算单位`` column is read as neither department nor implementing unit, as in the golden
set's convention (fj23 and dg19 print a 预算单位 that is not the 主管部门).
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import (
    SHORT_HEADER_CODED,
    Record,
    blocks,
    drop_weights,
    keep_header,
    target,
)

NAME = "multi_project"


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name)


def _code(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return str(rng.randrange(100, 1000))
    return f"{rng.randrange(1, 1000):03d}{rng.randrange(1, 1000):03d}"


def render(forms: list[Record], rng: random.Random) -> str:
    year = forms[0]["year"] if forms else 2023
    title = f"{year}年部门项目支出绩效目标表"
    amount_label = rng.choice(("项目金额", "预算金额", "资金总额"))
    out = [title]
    if rng.random() < 0.5:
        out.append(rng.choice(("单位：元", "金额单位：元", "金额单位:元")))
    else:
        amount_label += rng.choice(("（元）", "(元)"))
    out.append("")
    unit_label = rng.choice(("预算单位", "单位名称"))
    web = rng.random() < 0.35

    def line(cells: list[str]) -> str:
        if web:
            return "| " + " | ".join(c for c in cells if c) + " |"
        return "\t".join(cells)

    heading = [unit_label, "项目名称", amount_label, "年度目标", "一级指标", "二级指标", "三级指标"]
    out.append(line([*heading, "指标值"]))
    codes: dict[str, str] = {}
    bracket = rng.random() < 0.5
    flat = rng.random() < 0.25  # a flat export: every row repeats its project's cells
    merge_unit = not flat and rng.random() < 0.5
    merge_levels = not flat and rng.random() < 0.3
    last_dept: str | None = None
    for rec in forms:
        rec["title"], rec["year"] = title, year
        yuan = round(rec["budget_total"] * 10000)
        rec["budget_total"] = yuan / 10000 if yuan % 10000 else yuan // 10000
        amount = f"{yuan:.2f}" if rng.random() < 0.5 else str(yuan)
        code = codes.setdefault(rec["department"], _code(rng))
        rec["department_code"] = code
        dept = f"[{code}]{rec['department']}" if bracket else f"{code}-{rec['department']}"
        if unit_label == "预算单位":
            rec["department"] = rec["department_code"] = None  # printed, but no field's
        shown_dept = "" if merge_unit and dept == last_dept else dept
        last_dept = dept
        for k, (ind, (new1, new2)) in enumerate(
            zip(rec["indicators"], blocks(rec["indicators"]), strict=True)
        ):
            lead = [shown_dept, rec["project_name"], amount, rec["annual_goal"]]
            if k and not flat:
                lead = [""] * 4
            level1, level2 = ind["level1"], ind["level2"] or ""
            if merge_levels and k and not new1:
                level1 = ""
                if not new2:
                    level2 = ""
            cells = [*lead, level1, level2, ind["name"], target(ind)]
            out.append(line(cells))
        drop_weights(rec)
        keep_header(rec, SHORT_HEADER_CODED)
    return "\n".join(out) + "\n"
