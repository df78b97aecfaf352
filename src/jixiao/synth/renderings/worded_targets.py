"""Targets written in words or in other symbols: the operator of schema.md, stated otherwise.

``不低于95%``, ``不少于10个``, ``大于等于100人``, ``95%以上``, ``98%及以上``, ``至少2次``; ``不超过3天``,
``控制在100万元以内``, ``30天以内``, ``5日内``, ``5%以下``, ``95%（含）以上``; ``≧``/``≦`` (JIS symbols), ``＞＝``/``＜＝``,
``＝``/``等于``; ``大于``/``高于``/``超过``, ``小于``/``低于``; digits and ``％`` full width (``≥９５％``)
or a blank between the parts (``≥ 95 %``). A target printed without any of these (``100%``)
states no operator. Tab rows with the operator inside the value, or in a 指标性质 column that
holds the words (``不低于`` | ``95%``). The truth is (operator, number, unit) as schema.md maps
them: ``大于等于`` → ``≥``, ``95%以上`` → ``≥``, ``以内`` → ``≤``, ``％`` → ``%``.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import SHORT_HEADER, Record, fmt, keep_header

NAME = "worded_targets"
#: How each operator is written before the number (``{}`` is the number and its unit).
_BEFORE: dict[str, tuple[str, ...]] = {
    "≥": ("不低于", "不少于", "大于等于", "大于或等于", "不小于", "至少", "≧", "＞＝", ">="),
    "≤": ("不高于", "不超过", "小于等于", "不多于", "不大于", "控制在", "≦", "＜＝", "<="),
    "=": ("＝", "等于", "="),
    ">": ("大于", "高于", "超过", "＞"),
    "<": ("小于", "低于", "＜"),
}
#: … or after it (``95%以上``), with ``控制在…以内`` printing both.
_AFTER: dict[str, tuple[str, ...]] = {
    "≥": ("以上", "及以上", "（含）以上"),
    "≤": ("以内", "以下", "及以下", "（含）以下"),
}
#: Units of time after which ``内`` alone says within (``5日内``, ``30个工作日内``).
_WITHIN = ("天", "日", "个工作日", "工作日", "小时", "分钟", "年", "月", "周")
_FULL = str.maketrans("0123456789.%", "０１２３４５６７８９．％")


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name)


def _number(ind: Record, rng: random.Random) -> str:
    """The number and unit, sometimes full width or with blanks between them."""
    text = f"{fmt(ind['value'])}{ind['unit'] or ''}"
    roll = rng.random()
    if roll < 0.2:
        return text.translate(_FULL)
    if roll < 0.3 and ind["unit"]:
        return f"{fmt(ind['value'])} {ind['unit']}"
    return text


def _worded(ind: Record, rng: random.Random) -> tuple[str, str]:
    """(operator cell, value cell) as printed: the operator in words before or after."""
    op = ind["operator"]
    number = _number(ind, rng)
    if op is None:
        return "", number
    if op in _AFTER and rng.random() < 0.35:
        suffix = rng.choice(_AFTER[op])
        if op == "≤" and ind["unit"] in _WITHIN and rng.random() < 0.5:
            suffix = "内"
        if op == "≤" and rng.random() < 0.4:
            return "", f"控制在{number}{suffix}"
        return "", f"{number}{suffix}"
    word = rng.choice(_BEFORE[op])
    if rng.random() < 0.15:
        return "", f"{word} {number}"
    return word, number


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        year = rec["year"]
        op_col = rng.random() < 0.3
        heads = ["一级指标", "二级指标", "三级指标", *(["指标性质"] if op_col else []), "指标值",
                 "权重"]  # fmt: skip
        pad = [""] * (len(heads) - 2)
        out += ["", rec["title"], f"（{year}年度）", "单位：万元"]
        out.append("\t".join(["项目名称", rec["project_name"], *pad]))
        out.append("\t".join(["主管部门", rec["department"], *pad]))
        out.append("\t".join(["资金总额", fmt(rec["budget_total"]), *pad]))
        out.append("\t".join(["年度绩效目标", rec["annual_goal"], *pad]))
        out.append("\t".join(heads))
        for ind in rec["indicators"]:
            if ind["value_kind"] == "quantitative":
                word, value = _worded(ind, rng)
            else:
                word, value = "", str(ind["value"])
            cells = [ind["level1"], ind["level2"] or "", ind["name"]]
            if op_col:
                cells.append(word)
            elif word:
                value = f"{word}{value}"
            cells += [value, str(ind["weight"])]
            out.append("\t".join(cells))
        keep_header(rec, SHORT_HEADER)
    return "\n".join(out) + "\n"
