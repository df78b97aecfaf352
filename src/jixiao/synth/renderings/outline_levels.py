"""Level names written as an outline: ``一、产出指标``, ``（一）数量指标``, ``1.社会效益指标``.

Tab rows ``一级指标 | 二级指标 | 三级指标 | 指标值 | 权重`` as provinces print them in Word:
the level-1 cell numbered ``一、``/``（一）``/``第一、``, the level-2 cell ``（一）``/``1.``/``1、`` or
bare, short forms (``产出``, ``数量``) beside full ones, and merged cells printed once (blank
below their first row). The truth is the canonical level (numbering is no part of it).
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import SHORT_HEADER, Record, blocks, fmt, keep_header, target

NAME = "outline_levels"
_CN = "一二三四五六七八九十"
_L1_STYLES = ("{c}、{t}", "（{c}）{t}", "{c}、{t}")
_SHORT_OK = frozenset({"产出", "效益", "数量", "质量", "时效", "经济效益", "社会效益", "生态效益",
                       "可持续影响"})  # fmt: skip
_L2_STYLES = ("（{c}）{t}", "{n}.{t}", "{n}、{t}", "{t}", "({n}){t}")


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name)


def _short(label: str, rng: random.Random) -> str:
    """``产出指标`` → ``产出`` now and then, as some templates print it."""
    if "满意度" in label or label[:-2] not in _SHORT_OK:
        return label  # ``服务对象满意度`` alone is as often a name; ``效果`` is no level at all
    return label[:-2] if rng.random() < 0.25 else label


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        l1_style = rng.choice(_L1_STYLES)
        l2_style = rng.choice(_L2_STYLES)
        merged = rng.random() < 0.6
        out += ["", rec["title"], f"（{rec['year']}年度）", "单位：万元"]
        out.append(f"项目名称\t{rec['project_name']}\t\t\t")
        out.append(f"主管部门\t{rec['department']}\t\t\t")
        out.append(f"资金总额\t{fmt(rec['budget_total'])}\t\t\t")
        out.append(f"年度绩效目标\t{rec['annual_goal']}\t\t\t")
        out.append("一级指标\t二级指标\t三级指标\t指标值\t权重")
        n1 = n2 = 0
        for ind, (first1, first2) in zip(rec["indicators"], blocks(rec["indicators"]), strict=True):
            if first1:
                n1, n2 = n1 + 1, 0
            if first2:
                n2 += 1
            l1 = l1_style.format(c=_CN[n1 - 1], t=_short(ind["level1"], rng))
            l2 = ""
            if ind["level2"]:
                l2 = l2_style.format(c=_CN[n2 - 1], n=n2, t=_short(ind["level2"], rng))
            if merged:
                l1 = l1 if first1 else ""
                l2 = l2 if first2 else ""
            cells = [l1, l2, ind["name"], target(ind), str(ind["weight"])]
            out.append("\t".join(cells))
        keep_header(rec, SHORT_HEADER)
    return "\n".join(out) + "\n"
