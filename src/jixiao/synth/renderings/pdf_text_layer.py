"""A PDF text layer: the header's labels printed as one column, then their values.

The header comes out as all labels (one per line), then all values in the same order; a
budget with decimals is broken over two lines at its last digit (``1256.3`` / ``8``). Rows
are words separated by blanks (``产出指标 数量指标 名称 ≥500 人次 10``); names hold no blank.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import Record, fmt, keep_header, plain_name_ok

NAME = "pdf_text_layer"


def item_ok(item: Any) -> bool:
    return plain_name_ok(str(item.name)) and " " not in str(item.value)


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        out += ["", rec["title"], "单位：万元"]
        budget = fmt(rec["budget_total"])
        values = [rec["project_name"], rec["department"], budget, rec["annual_goal"]]
        out += ["项目名称", "主管部门", "资金总额", "年度绩效目标"]
        for k, v in enumerate(values):
            if k == 2 and "." in budget and rng.random() < 0.6:
                out += [budget[:-1], budget[-1]]
            else:
                out.append(str(v))
        out.append("一级指标 二级指标 三级指标 指标值 计量单位 权重")
        for ind in rec["indicators"]:
            value = f"{ind['operator'] or ''}{fmt(ind['value'])}"
            cells = [ind["level1"], ind["level2"] or "", ind["name"], value, ind["unit"] or ""]
            out.append(" ".join(c for c in [*cells, str(ind["weight"])] if c))
        rec["department_code"] = None
        keep_header(
            rec,
            ("form_kind", "title", "year", "project_name", "department", "budget_total",
             "annual_goal"),
        )  # fmt: skip
    return "\n".join(out) + "\n"
