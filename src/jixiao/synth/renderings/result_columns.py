"""Indicator tables that carry actual results or scores beside the target.

Forms filled in again during or after the year (执行监控, 自评 kept under the target form's
title) add columns for what was achieved: 实际完成值/完成值/全年实际完成值/1-6月执行情况, 得分/
自评得分, 偏差原因/偏差原因分析/未达到指标值原因/改进措施. Tab rows (a spreadsheet export) or web
pipe rows. The achieved value stands before or after the target, and holds a different
number (or another word for a qualitative target). The truth is the target column's, never
the result's, and the weight is the 分值/权重 column's, never the score.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import SHORT_HEADER, Record, fmt, keep_header, target

NAME = "result_columns"
_VALUES = ("指标值", "年度指标值", "目标值", "年度目标值")
_RESULTS = ("实际完成值", "完成值", "全年实际完成值", "实际值", "1-6月执行情况", "实际完成情况",
            "执行情况", "实际完成指标值")  # fmt: skip
_SCORES = ("得分", "自评得分", "实际得分", "评分")
_REASONS = ("偏差原因", "偏差原因分析", "未达到指标值原因", "偏差原因分析及改进措施", "未完成原因",
            "改进措施")  # fmt: skip
_REASON_TEXT = ("", "", "受政策调整影响", "部分对象未申报", "已完成", "资金到位较晚")
_WEIGHTS = ("分值", "权重", "指标分值")


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name) and "|" not in str(item.name)


def _result(ind: Record, rng: random.Random) -> str:
    """What was achieved: another number with the same unit, or another word."""
    value = ind["value"]
    if ind["value_kind"] == "quantitative" and isinstance(value, int | float):
        if not value:
            return f"{fmt(rng.choice((1, 2)))}{ind['unit'] or ''}"
        factor = rng.choice((0.6, 0.8, 0.9, 1.1, 1.2))
        return f"{fmt(round(value * factor, 1))}{ind['unit'] or ''}"
    return rng.choice(("达到预期", "基本完成", "良好", "较好"))


def _score(ind: Record, rng: random.Random) -> str:
    weight = ind["weight"]
    if not isinstance(weight, int | float):
        return ""
    return fmt(max(0, weight - rng.choice((0, 0, 1, 2))))


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    pipes = rng.random() < 0.5
    for rec in forms:
        year = rec["year"]
        value_h = rng.choice(_VALUES)
        result_h = rng.choice(_RESULTS)
        result_first = rng.random() < 0.3
        weight_h = rng.choice(_WEIGHTS) if rng.random() < 0.8 else None
        score_h = rng.choice(_SCORES) if rng.random() < 0.7 else None
        reason_h = rng.choice(_REASONS) if rng.random() < 0.7 else None
        values = [result_h, value_h] if result_first else [value_h, result_h]
        heads = ["一级指标", "二级指标", "三级指标", *values]
        if weight_h:
            heads.append(weight_h)
        if score_h:
            heads.append(score_h)
        if reason_h:
            heads.append(reason_h)

        def line(cells: list[str], pipes: bool = pipes) -> str:
            return "| " + " | ".join(cells) + " |" if pipes else "\t".join(cells)

        pad = [""] * (len(heads) - 2)
        out += ["", rec["title"], f"（{year}年度）", "单位：万元"]
        out.append(line(["项目名称", rec["project_name"], *pad]))
        out.append(line(["主管部门", rec["department"], *pad]))
        out.append(line(["资金总额", fmt(rec["budget_total"]), *pad]))
        out.append(line(["年度绩效目标", rec["annual_goal"], *pad]))
        out.append(line(heads))
        for ind in rec["indicators"]:
            pair = [_result(ind, rng), target(ind)]
            if not result_first:
                pair.reverse()
            cells = [ind["level1"], ind["level2"] or "", ind["name"], *pair]
            if weight_h:
                cells.append(str(ind["weight"]))
            else:
                ind["weight"] = None
            if score_h:
                cells.append(_score(ind, rng) if weight_h else fmt(rng.randint(5, 20)))
            if reason_h:
                cells.append(rng.choice(_REASON_TEXT))
            out.append(line(cells))
        keep_header(rec, SHORT_HEADER)
    return "\n".join(out) + "\n"
