"""A value column per unit: the target printed once for each township the money goes to.

County allocation notices (``秀屿区…资金绩效目标表``, ``安溪县…``) head the value columns with the
townships' names (``一级指标 二级指标 三级指标 指标解释 指标方向 笏石街道办 埭头镇``), names no
vocabulary knows, and every township prints the same target. Two variants: pipe rows with a
cell per township (the direction ``≥`` in its own column); or the whole form glued with no
separators (an OCR layer or a preview), where the copies run together (``≥500人次500人次``,
``≥11`` for 1 and 1) and the 指标解释 is glued to the name: either ``反映…`` or a sentence that
restates the name's ending (``已建工程是否存在质量问题`` + ``当年已完工项目是否…质量问题``). The
truth is the one value every township prints, the header as printed (总体目标 is the goal).
"""

from __future__ import annotations

import random
import re
from typing import Any

from jixiao.synth.renderings.base import Record, drop_weights, fmt, keep_header, plain_name_ok

NAME = "unit_columns"
_TOWNS = (
    "城关镇", "笏石街道办", "埭头镇", "西坪乡", "东街街道", "龙门镇", "湖头镇", "官桥镇",
    "蓬莱镇", "金谷镇",
)  # fmt: skip
_PRINTED = (
    "form_kind", "title", "year", "project_name", "department", "budget_total",
    "budget_breakdown", "annual_goal",
)  # fmt: skip
_LEADS = ("当年", "本年度", "全年", "年内")


def item_ok(item: Any) -> bool:
    # a name the glued reading can end, a value a township column prints whole
    return plain_name_ok(str(item.name)) and " " not in str(item.value)


def _glue_ok(ind: Record) -> bool:
    """A row whose copies can be glued with one reading: a number with an operator; with no
    unit only a whole number (``1.51.5`` would not cut back into 1.5, 1.5)."""
    value = ind["value"]
    if not isinstance(value, int | float) or isinstance(value, bool) or not ind["operator"]:
        return False
    return bool(ind["unit"]) or float(value).is_integer()


def _explanation(name: str, rng: random.Random) -> str:
    """``反映…情况``, or a sentence that restates the name's last three characters when they
    occur nowhere else in the name (so the name ends where they first close)."""
    end = name[-3:]
    if (
        len(name) >= 5
        and name.find(end) == len(name) - 3
        and not re.search(r"[\dA-Za-z]", name)
        and rng.random() < 0.5
    ):
        lead = rng.choice(_LEADS)
        if end not in lead + "已完成项目中":
            return f"{lead}已完成项目中{end}"
    return f"反映{name}情况"


def _one(ind: Record) -> str:
    return f"{fmt(ind['value'])}{ind['unit'] or ''}"


def render(forms: list[Record], rng: random.Random) -> str:
    """One variant per file (a file is one publisher's rendering): pipe cells or glued."""
    glued = rng.random() < 0.5
    out: list[str] = []
    for rec in forms:
        towns = rng.sample(_TOWNS, rng.randint(2, 4))
        budget = fmt(rec["budget_total"])
        rec["budget_breakdown"] = {"财政拨款": rec["budget_total"], "其他资金": 0}
        if glued:
            # rows glued copies cut back into with one reading, one of them with a unit (it
            # shows how many copies a row holds; ``≥11`` alone does not)
            inds = [i for i in rec["indicators"] if _glue_ok(i)]
            if not any(i["unit"] for i in inds):
                inds = [i for i in inds if i["unit"]]
            rec["indicators"] = inds
            parts = [
                rec["title"],
                f"项目名称{rec['project_name']}主管部门(单位)名称{rec['department']}",
                f"资金情况(万元)资金总额{budget}其中:财政拨款{budget}其他资金0",
                f"总体目标{rec['annual_goal']}",
                "绩效指标一级指标二级指标三级指标指标解释指标方向" + "".join(towns),
            ]
            for ind in inds:
                name = str(ind["name"])
                parts.append(
                    f"{ind['level1']}{ind['level2'] or ''}{name}{_explanation(name, rng)}"
                    f"{ind['operator']}" + _one(ind) * len(towns)
                )
            out.append("".join(parts))
        else:
            lines = [
                rec["title"],
                f"| 项目名称 | {rec['project_name']} |",
                f"| 主管部门(单位)名称 | {rec['department']} |",
                f"| 资金总额 | {budget} |",
                f"| 其中:财政拨款 | {budget} |",
                "| 其他资金 | 0 |",
                f"| 总体目标 | {rec['annual_goal']} |",
                "| 一级指标 | 二级指标 | 三级指标 | 指标方向 | " + " | ".join(towns) + " |",
            ]
            for ind in rec["indicators"]:
                cells = [
                    ind["level1"],
                    ind["level2"] or "",
                    str(ind["name"]),
                    ind["operator"] or "",
                ]
                cells += [_one(ind)] * len(towns)
                lines.append("| " + " | ".join(cells) + " |")
            out.append("\n".join(lines))
        keep_header(rec, _PRINTED)
        drop_weights(rec)
    return "\n\n".join(out) + "\n"
