"""Merged cells printed once: level1 and level2 only on the first row of their block.

Tab rows ``一级 | 二级 | 三级 | 指标值 | 度量单位 | 权重`` as a Word or Excel export flattens a
merged cell (text in its first row, the rest empty). Half the forms follow the old MOF
template, where the satisfaction rows sit inside the 效益指标 merge: no level-1 cell of their
own, so level1 carries down as 效益指标 and level2 is as printed.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import Record, blocks, fmt, keep_header

NAME = "merged_cells"


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name)


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        inds = rec["indicators"]
        levels = [i["level1"] for i in inds]
        if rng.random() < 0.5 and "效益指标" in levels and "满意度指标" in levels:
            for ind in inds:
                if ind["level1"] == "满意度指标":
                    ind["level1"] = "效益指标"  # inside the 效益指标 merge
        out += ["", rec["title"], "", "单位：万元"]
        out.append(f"项目名称\t{rec['project_name']}\t\t\t\t")
        out.append(f"主管部门\t{rec['department']}\t实施单位\t{rec['implementing_unit']}\t\t")
        out.append(f"资金总额\t{fmt(rec['budget_total'])}\t\t\t\t")
        out.append(f"年度绩效目标\t{rec['annual_goal']}\t\t\t\t")
        out.append("一级指标\t二级指标\t三级指标\t指标值\t度量单位\t权重")
        for ind, (first1, first2) in zip(inds, blocks(inds), strict=True):
            l1 = ind["level1"] if first1 else ""
            l2 = (ind["level2"] or "") if first2 else ""
            value = f"{ind['operator'] or ''}{fmt(ind['value'])}"
            out.append(
                "\t".join([l1, l2, ind["name"], value, ind["unit"] or "", str(ind["weight"])])
            )
        rec["department_code"] = rec["implementing_unit_code"] = None
        keep_header(
            rec,
            ("form_kind", "title", "year", "project_name", "department", "implementing_unit",
             "budget_total", "annual_goal"),
        )  # fmt: skip
    return "\n".join(out) + "\n"
