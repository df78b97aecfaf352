"""Rows that are not indicators, among rows that are: a reader must skip them, nothing more.

Pipe rows ``| 一级 | 二级 | 三级 | 指标值 | 权重 |`` (a web page or Word dump) with, per form:
empty level-2 placeholder rows for categories the project does not use (``| 效益指标 |
生态效益指标 | | | |``), a 小计 row after each level-1 block and a 合计 row (weights
summed), and a caption above or below the table (``注：…``).
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import SHORT_HEADER, Record, fmt, keep_header, target

NAME = "non_indicator_rows"
_PLACEHOLDERS = {
    "产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
    "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    "满意度指标": ("服务对象满意度指标",),
}
_CAPTIONS = (
    "注：指标值为年度目标值，权重合计100分。",
    "（以下为项目绩效指标）",
    "说明：定性指标按优、良、中、差评定。",
)


def item_ok(item: Any) -> bool:
    return "|" not in str(item.name)


def _pipe(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        out += ["", rec["title"], "", "单位：万元"]
        out.append(_pipe(["项目名称", rec["project_name"], "", "", ""]))
        out.append(_pipe(["主管部门", rec["department"], "", "", ""]))
        out.append(_pipe(["资金总额", fmt(rec["budget_total"]), "", "", ""]))
        out.append(_pipe(["年度绩效目标", rec["annual_goal"], "", "", ""]))
        caption = rng.choice(_CAPTIONS)
        above = rng.random() < 0.5
        if above:
            out.append(caption)
        out.append(_pipe(["一级指标", "二级指标", "三级指标", "指标值", "权重"]))
        inds = rec["indicators"]
        total = 0
        for k, ind in enumerate(inds):
            out.append(
                _pipe([ind["level1"], ind["level2"] or "", ind["name"], target(ind),
                       str(ind["weight"])])
            )  # fmt: skip
            total += ind["weight"]
            last = k + 1 == len(inds) or inds[k + 1]["level1"] != ind["level1"]
            if not last:
                continue
            used = {i["level2"] for i in inds if i["level1"] == ind["level1"]}
            for l2 in _PLACEHOLDERS.get(ind["level1"], ()):
                if l2 not in used and rng.random() < 0.6:
                    out.append(_pipe([ind["level1"], l2, "", "", ""]))
            if rng.random() < 0.5:
                block = sum(i["weight"] for i in inds if i["level1"] == ind["level1"])
                out.append(_pipe(["小计", "", "", "", str(block)]))
        out.append(_pipe(["合计", "", "", "", str(total)]))
        if not above:
            out.append(caption)
        keep_header(rec, SHORT_HEADER)
    return "\n".join(out) + "\n"
