"""Indicator tables whose heading or categories a spreadsheet merged: one form, two readings.

Tab rows (an Excel export, empty cells kept). Either the heading is printed over two rows, a
``绩效指标`` group over ``一级指标 | 二级指标 | 三级指标`` and ``指标值``/``权重`` merged down (their
text on the upper row, blank below); or both levels stand in one 指标类别 cell
(``产出指标-数量指标``, ``产出-数量``, ``效益指标/社会效益指标``) beside 指标名称. The truth is the
indicator with its canonical levels.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import SHORT_HEADER, Record, fmt, keep_header, target

NAME = "stacked_headings"
_SEPARATORS = ("-", "－", "/", "—")
_CATEGORY_HEADS = ("指标类别", "绩效指标类别", "指标分类")
#: Level-2 labels with a short form that names one level only (``数量``, not ``服务对象满意度``).
_SHORT_OK = frozenset({"产出指标", "效益指标", "数量指标", "质量指标", "时效指标", "经济效益指标",
                       "社会效益指标", "生态效益指标", "可持续影响指标"})  # fmt: skip


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name) and bool(item.level2)


def _short(label: str, short: bool) -> str:
    return label[:-2] if short and label in _SHORT_OK else label


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        out += ["", rec["title"], f"（{rec['year']}年度）", "单位：万元"]
        out.append(f"项目名称\t{rec['project_name']}\t\t\t\t")
        out.append(f"主管部门\t{rec['department']}\t\t\t\t")
        out.append(f"资金总额\t{fmt(rec['budget_total'])}\t\t\t\t")
        out.append(f"年度绩效目标\t{rec['annual_goal']}\t\t\t\t")
        if rng.random() < 0.5:
            value_h = rng.choice(("指标值", "年度指标值", "目标值"))
            out.append(f"绩效指标\t\t\t{value_h}\t{rng.choice(('权重', '分值'))}")
            out.append("一级指标\t二级指标\t三级指标\t\t")
            for ind in rec["indicators"]:
                cells = [ind["level1"], ind["level2"] or "", ind["name"], target(ind)]
                out.append("\t".join([*cells, str(ind["weight"])]))
        else:
            sep = rng.choice(_SEPARATORS)
            short = rng.random() < 0.4
            out.append(f"{rng.choice(_CATEGORY_HEADS)}\t指标名称\t指标值\t权重")
            for ind in rec["indicators"]:
                category = f"{_short(ind['level1'], short)}{sep}{_short(ind['level2'], short)}"
                cells = [category, ind["name"], target(ind), str(ind["weight"])]
                out.append("\t".join(cells))
        keep_header(rec, SHORT_HEADER)
    return "\n".join(out) + "\n"
