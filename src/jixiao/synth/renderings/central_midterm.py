"""中央部门项目支出绩效目标申报表: a 中期 block and a 年度 block side by side, in full.

The Ministry of Finance template (and the provincial copies of it): the header pairs two
labels per row (主管部门及代码 | 实施单位, 项目属性 | 项目期), the 项目资金 block prints the mid-term
and the annual amounts side by side (``中期资金总额 | 680 | 年度资金总额 | 120``, each with its
其中：财政拨款 / 其他资金 under it), the 总体目标 block has a 中期目标 and a 年度目标 column over
their texts, and the indicator table repeats 二级指标 | 三级指标 | 指标值 once per block:
``绩效指标 | 一级指标 | 二级指标 | 三级指标 | 指标值 | 二级指标 | 三级指标 | 指标值``. The mid-term
block comes first (its targets a multi-year total, its names sometimes worded for the whole
period); the annual block is the one the contract records: its names, targets, amounts and
goal. Tab rows, or web pipe rows in which merged cells are dropped (a block's 一级 on its
first row only, a 二级 on the first row of its run, in both blocks).
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import Record, blocks, coded, fmt, keep_header, target

NAME = "central_midterm"
_ATTR_TEXT = {"新增": ("新增项目", "新增"), "延续": ("延续项目", "延续性项目", "延续")}
_TITLES = (
    "中央部门项目支出绩效目标申报表",
    "项目支出绩效目标申报表",
    "省级部门项目支出绩效目标申报表",
)


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name) and "|" not in str(item.name)


def _cents(value: Any) -> int:
    return int(round(value * 100))


def _back(cents: int) -> Any:
    return cents // 100 if cents % 100 == 0 else cents / 100


def _split(budget: Any, rng: random.Random) -> tuple[Any, Any]:
    """财政拨款 and 其他资金 that add up to the amount exactly (in hundredths)."""
    cents = _cents(budget)
    other = 0 if rng.random() < 0.5 else rng.randrange(0, cents // 3 + 1)
    return _back(cents - other), _back(other)


def _midterm(ind: Record, years: int) -> str:
    """The mid-term target: a total over ``years`` years for counts, the same otherwise."""
    value = ind["value"]
    if ind["value_kind"] == "quantitative" and ind["unit"] not in ("%", "天", "小时", "年", "分"):
        value = value * years
    return f"{ind['operator'] or ''}{fmt(value)}{ind['unit'] or ''}"


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    pipes = rng.random() < 0.5
    width = 8

    def line(cells: list[str]) -> str:
        cells = cells + [""] * (width - len(cells))
        if pipes:  # a web page: empty trailing cells printed as a run of bars (``| |||``)
            while cells and not cells[-1]:
                cells.pop()
            return " | ".join(cells) + " |" + "|" * (width - len(cells))
        return "\t".join(cells)

    for rec in forms:
        year = rec["year"]
        years = rng.choice((3, 5))
        rec["title"] = rng.choice(_TITLES)
        out += ["", line([rec["title"]]), line([f"（{year}年度）"])]
        printed = ["form_kind", "title", "year", "project_name", "department", "implementing_unit",
                   "budget_total", "budget_breakdown", "annual_goal", "project_attribute",
                   "duration"]  # fmt: skip
        dept = rec["department"]
        if rec["department_code"]:
            dept = coded(rec["department_code"], dept, rng.choice(("before", "bracket")))
            printed.append("department_code")
        attr = rec["project_attribute"] or "延续"
        rec["project_attribute"] = attr
        rec["duration"] = f"{years}年"
        out.append(line(["项目名称", rec["project_name"]]))
        out.append(line(["主管部门及代码", dept, "实施单位", rec["implementing_unit"]]))
        out.append(line(["项目属性", rng.choice(_ATTR_TEXT[attr]), "项目期", f"{years}年"]))
        budget = rec["budget_total"]
        mid = _back(_cents(budget) * years + rng.randrange(0, 5000))
        mid_fin, mid_other = _split(mid, rng)
        fin, other = _split(budget, rng)
        rec["budget_breakdown"] = {"财政拨款": fin, "其他资金": other}
        out.append(
            line(["项目资金（万元）", "中期资金总额", fmt(mid), "年度资金总额", fmt(budget)])
        )
        out.append(line(["", "其中：财政拨款", fmt(mid_fin), "其中：财政拨款", fmt(fin)]))
        out.append(line(["", "其他资金", fmt(mid_other), "其他资金", fmt(other)]))
        span = f"（{year}年—{year + years - 1}年）"
        mid_goal = f"到{year + years - 1}年，{rec['annual_goal']}，并形成长效机制"
        out.append(line(["总体目标", f"中期目标{span}", "年度目标"]))
        out.append(line(["", mid_goal, rec["annual_goal"]]))
        heads = ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "二级指标", "三级指标",
                 "指标值"]  # fmt: skip
        out.append(line(heads))
        inds = rec["indicators"]
        for ind, (first1, first2) in zip(inds, blocks(inds), strict=True):
            l1 = ind["level1"] if first1 or not pipes else ""
            l2 = (ind["level2"] or "") if first2 or not pipes else ""
            mid_name = ind["name"]
            if ind["value_kind"] == "quantitative" and rng.random() < 0.3:
                mid_name = f"{years}年累计{ind['name']}"
            cells = ["", l1, l2, mid_name, _midterm(ind, years), l2, ind["name"], target(ind)]
            if pipes:
                cells = [c for c in cells if c]  # merged and empty cells are not printed
                out.append(" | ".join(cells) + " |" + "|" * (width - len(cells)))
            else:
                out.append(line(cells))
            ind["weight"] = None
        rec["implementing_unit_code"] = None
        if "department_code" not in printed:
            rec["department_code"] = None
        keep_header(rec, printed)
    return "\n".join(out) + "\n"
