"""Glued text: OCR layers and sharing-site previews that lost every separator.

Header lines hold two labels and their values (``项目名称…实施单位…``), rows are glued whole
(``产出指标数量指标培训覆盖人次≥500人次``), and half the forms are one single line. Weights are
not printed (a trailing weight could not be told from the target), nor codes except the
department's ``103-``.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import Record, drop_weights, fmt, glue_ok, keep_header, target

NAME = "glued_text"


def item_ok(item: Any) -> bool:
    return glue_ok(item.name, item.value, item.quantitative)


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        attr = "新增项目" if rec["project_attribute"] == "新增" else "延续性项目"
        budget = fmt(rec["budget_total"])
        dept = rec["department"]
        impl = rec["implementing_unit"]
        if not rec["department_code"] or rng.random() < 0.5:
            rec["department_code"] = None
        else:
            dept = f"{rec['department_code']}-{dept}"
        lines = [
            rec["title"],
            f"项目名称{rec['project_name']}" + (f"实施单位{impl}" if impl else ""),
            f"主管部门{dept}项目属性{attr}",
            f"资金总额{budget}其中:财政拨款{budget}其他资金0",
            f"年度绩效目标{rec['annual_goal']}",
            "绩效指标一级指标二级指标三级指标指标值",
        ]
        rec["budget_breakdown"] = {"财政拨款": rec["budget_total"], "其他资金": 0}
        for ind in rec["indicators"]:
            lines.append(f"{ind['level1']}{ind['level2'] or ''}{ind['name']}{target(ind)}")
        keep_header(
            rec,
            (
                "form_kind", "title", "year", "project_name", "implementing_unit",
                "department", "department_code", "project_attribute", "budget_total",
                "budget_breakdown", "annual_goal",
            ),
        )  # fmt: skip
        drop_weights(rec)
        out.append("".join(lines) if rng.random() < 0.5 else "\n".join(lines))
    return "\n\n".join(out) + "\n"
