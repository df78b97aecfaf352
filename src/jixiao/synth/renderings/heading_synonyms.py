"""Indicator tables of other provinces: the same columns under other headings, and more of them.

Tab rows (a spreadsheet export, empty cells kept) or web pipe rows. Per form one heading
vocabulary is drawn: the name column as 三级指标/指标名称/具体指标/考核指标, or (with no name
heading of its own) as 绩效指标/指标内容 after the 一级/二级 columns; the target as 指标值/
年度指标值/全年指标值/本年目标值/预期目标值/绩效目标值/2024年目标值…; an operator column
(指标性质/指标方向/运算符号/比较方式) or the operator inside the value; a unit column
(计量单位/度量单位/单位) or the unit inside the value; the weight as 分值/权重/权重（%）/
分值（分）. Columns a reader must step over are mixed in: 序号 first, a 上年实际值 before the
target, and 指标解释/评（扣）分标准/数据来源/考核方式/佐证材料/指标值设定依据及数据来源/备注
after it. The truth is the indicator as printed (the target column's, never the prior year's).
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import SHORT_HEADER, Record, fmt, keep_header, target

NAME = "heading_synonyms"
_NAMES = ("三级指标", "指标名称", "具体指标", "考核指标", "三级指标名称")
_NAME_FALLBACK = ("绩效指标", "指标内容")
_VALUES = ("指标值", "年度指标值", "全年指标值", "本年目标值", "预期目标值", "绩效目标值",
           "年度目标值", "指标目标值", "目标值")  # fmt: skip
_OPERATORS = ("指标性质", "指标方向", "运算符号", "比较方式", "运算符")
_UNITS = ("计量单位", "度量单位", "单位")
_WEIGHTS = ("分值", "权重", "权重（%）", "权重(%)", "分值（分）", "指标权重")
_PRIOR = ("上年实际值", "上年完成值", "基期值", "现状值")
_NOTES = ("指标解释", "评（扣）分标准", "数据来源", "考核方式", "佐证材料",
          "指标值设定依据及数据来源", "备注", "评分标准", "指标说明")  # fmt: skip
_NOTE_TEXT = ("按实际完成情况统计", "完成得满分，未完成按比例扣分", "业务台账", "查阅资料",
              "相关文件及统计报表", "")  # fmt: skip


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name) and "|" not in str(item.name)


def _prior(ind: Record) -> str:
    """Last year's value: a smaller number, or the same word for a qualitative target."""
    value = ind["value"]
    if ind["value_kind"] == "quantitative" and isinstance(value, int | float):
        value = round(value * 0.8, 1) if value else value
        return f"{fmt(value)}{ind['unit'] or ''}"
    return "一般"


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    pipes = rng.random() < 0.4  # one file, one rendering: a spreadsheet export or a web page
    for rec in forms:
        year = rec["year"]
        fallback = rng.random() < 0.3
        name_h = rng.choice(_NAME_FALLBACK if fallback else _NAMES)
        value_h = rng.choice((*_VALUES, f"{year}年目标值"))
        op_h = rng.choice(_OPERATORS) if rng.random() < 0.5 else None
        unit_h = rng.choice(_UNITS) if rng.random() < 0.6 else None
        weight_h = rng.choice(_WEIGHTS)
        seq = rng.random() < 0.4
        prior = rng.choice(_PRIOR) if rng.random() < 0.3 else None
        notes = rng.sample(_NOTES, rng.randint(0, 3))
        heads = ["序号"] if seq else []
        heads += ["一级指标", "二级指标", name_h]
        if op_h:
            heads.append(op_h)
        if prior:
            heads.append(prior)
        heads.append(value_h)
        if unit_h:
            heads.append(unit_h)
        heads.append(weight_h)
        heads += notes

        def line(cells: list[str], pipes: bool = pipes) -> str:
            return "| " + " | ".join(cells) + " |" if pipes else "\t".join(cells)

        width = len(heads)
        pad = [""] * (width - 2)
        out += ["", rec["title"], f"（{year}年度）", "单位：万元"]
        out.append(line(["项目名称", rec["project_name"], *pad]))
        out.append(line(["主管部门", rec["department"], *pad]))
        out.append(line(["资金总额", fmt(rec["budget_total"]), *pad]))
        out.append(line(["年度绩效目标", rec["annual_goal"], *pad]))
        out.append(line(heads))
        for k, ind in enumerate(rec["indicators"], 1):
            cells = [str(k)] if seq else []
            cells += [ind["level1"], ind["level2"] or "", ind["name"]]
            if op_h:
                marked = ind["value_kind"] != "quantitative" and rng.random() < 0.5
                cells.append(ind["operator"] or ("定性" if marked else ""))
                if marked:  # schema.md: 定性 where the operator belongs is flagged
                    ind["flags"] = [*ind["flags"], "category_in_operator"]
            if prior:
                cells.append(_prior(ind))
            shown = dict(ind)
            if op_h:
                shown["operator"] = None
            cells.append(target(shown, unit=unit_h is None))
            if unit_h:
                cells.append(ind["unit"] or "")
            cells.append(str(ind["weight"]))
            cells += [rng.choice(_NOTE_TEXT) for _ in notes]
            out.append(line(cells))
        keep_header(rec, SHORT_HEADER)
    return "\n".join(out) + "\n"
