"""Bracketed category blocks and prose: indicators written as text, not as a table.

Half the forms list ``【产出指标-数量指标】`` headings, each followed by ``指标1:名称(≥20台)``
lines; the others give one prose line per level 2, ``数量指标:名称>=5000株;名称≥90%;`` under a ``一、产出指标`` line.
The name is the text before the target (``name_raw`` keeps ``指标1:``); the target in its
bracket is this template's value cell, not a defect, so no ``value_in_name``. No weights.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import (
    SHORT_HEADER,
    Record,
    drop_weights,
    fmt,
    glue_ok,
    keep_header,
    target,
)

NAME = "bracketed"


def item_ok(item: Any) -> bool:
    return glue_ok(item.name, item.value, item.quantitative)


def _prose_target(ind: Record) -> str:
    op = {"≥": ">=", "≤": "<="}.get(ind["operator"] or "", ind["operator"] or "")
    return f"{op}{fmt(ind['value'])}{ind['unit'] or ''}"


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        out += ["", rec["title"]]
        out.append(f"项目名称：{rec['project_name']}")
        out.append(f"主管部门：{rec['department']}")
        out.append(f"资金总额（万元）：{fmt(rec['budget_total'])}")
        out.append(f"年度绩效目标：{rec['annual_goal']}")
        out.append("绩效指标：")
        groups: dict[tuple[str, str], list[Record]] = {}
        for ind in rec["indicators"]:
            groups.setdefault((ind["level1"], ind["level2"] or ""), []).append(ind)
        # Blocks stand under their level 1 in order of first appearance, and the truth lists the
        # indicators in the order they are printed (the contract's source order).
        first1 = {l1: k for k, (l1, _l2) in reversed(list(enumerate(groups)))}
        groups = dict(sorted(groups.items(), key=lambda g: first1[g[0][0]]))
        rec["indicators"] = [ind for inds in groups.values() for ind in inds]
        prose = rng.random() < 0.5
        numerals = iter("一二三四五六七八九")
        prev1 = None
        for (l1, l2), inds in groups.items():
            if prose:
                if l1 != prev1 and l2:
                    out.append(f"{next(numerals)}、{l1}")
                prev1 = l1
                parts = [f"{i['name']}{_prose_target(i)}" for i in inds]
                out.append(f"{l2 or l1}:" + ";".join(parts) + ";")
                continue
            out.append(f"【{l1}-{l2}】" if l2 else f"【{l1}】")
            for k, ind in enumerate(inds, 1):
                ind["name_raw"] = f"指标{k}:{ind['name']}"
                out.append(f"指标{k}:{ind['name']}({target(ind)})")
        keep_header(rec, SHORT_HEADER)
        drop_weights(rec)
    return "\n".join(out) + "\n"
