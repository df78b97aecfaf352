"""Level names of other templates and years: the same categories, worded and placed otherwise.

Per form one vocabulary: the current one (产出指标 / 成本指标 / 效益指标 / 满意度指标, with the
2021 template's 成本指标 block of 经济成本指标 / 社会成本指标 / 生态环境成本指标 where older forms
put 成本指标 under 产出指标); bare words (产出 / 效益 / 满意度, 数量 / 质量 / 社会效益); or an
older template that prints each benefit's 二级 label as a block of its own in the 一级 column
(``社会效益指标 | | 名称 | 目标``, ``可持续影响指标 | | …``), its 二级 cell empty. Merged cells print
their label on a block's first row only (tab rows keep the empty cells). The truth is
canonical: level1 is the category the block belongs to, level2 the label as stated.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.forms import LEVEL1_SHORT
from jixiao.synth.renderings.base import SHORT_HEADER, Record, blocks, fmt, keep_header, target

NAME = "level_vocab"
_COST2 = ("经济成本指标", "社会成本指标", "生态环境成本指标")
#: Bare level2 words (the canonical label without 指标) a form may print.
_SHORT2 = {"数量指标": "数量", "质量指标": "质量", "时效指标": "时效", "社会效益指标": "社会效益",
           "经济效益指标": "经济效益", "可持续影响指标": "可持续影响"}  # fmt: skip
#: 二级 labels an older template prints in the 一级 column (each names its level1).
_OWN_BLOCK = ("社会效益指标", "经济效益指标", "生态效益指标", "可持续影响指标")


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name)


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        style = rng.choice(("cost2021", "bare", "own_block"))
        inds = rec["indicators"]
        if style == "cost2021":
            for ind in inds:
                if (ind["level1"], ind["level2"]) == ("产出指标", "成本指标"):
                    ind["level1"], ind["level2"] = "成本指标", rng.choice(_COST2)
            inds.sort(key=lambda i: {"产出指标": 0, "成本指标": 1}.get(i["level1"], 2))
        merged = rng.random() < 0.5
        out += ["", rec["title"], f"（{rec['year']}年度）", "单位：万元"]
        out.append(f"项目名称\t{rec['project_name']}\t\t\t")
        out.append(f"主管部门\t{rec['department']}\t\t\t")
        out.append(f"资金总额\t{fmt(rec['budget_total'])}\t\t\t")
        out.append(f"年度绩效目标\t{rec['annual_goal']}\t\t\t")
        out.append("一级指标\t二级指标\t三级指标\t指标值\t权重")
        for ind, (first1, first2) in zip(inds, blocks(inds), strict=True):
            l1, l2 = ind["level1"], ind["level2"] or ""
            if style == "bare":
                l1 = LEVEL1_SHORT.get(l1, l1)
                l2 = _SHORT2.get(l2, l2)
            own = style == "own_block" and l1 == "效益指标" and l2 in _OWN_BLOCK
            if own:
                l1, l2 = l2, ""  # the 二级 label heads a block of its own
                first1 = first2
            if merged:
                l1 = l1 if first1 else ""
                l2 = l2 if first2 else ""
            cells = [l1, l2, ind["name"], target(ind), str(ind["weight"])]
            out.append("\t".join(cells))
        keep_header(rec, SHORT_HEADER)
    return "\n".join(out) + "\n"
