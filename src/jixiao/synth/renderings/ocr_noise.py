"""OCR noise in a text layer: what a scanner's OCR does to operators, names and units.

Tab rows ``一级 | 二级 | 三级 | 指标值 | 计量单位 | 权重``. Per row, at most one of:

* ``≥`` read as ``>``: the truth is ``>`` (nothing on the page says it was ``≥``);
* ``≥`` read as ``2`` before a percentage, giving an impossible ``290%`` (names of a growth,
  which may exceed 100 %, excepted): the digit cannot be told from a real one, so the truth
  is ``value_suspect`` + ``value_missing``, value and operator null (never a guess);
* ``=`` read as ``二`` (``二100``): a Chinese numeral cannot precede a number, so ``=``;
* a stray ``.`` or Latin letter between two CJK characters of a name: removed from the name;
* ``%`` glued to the name with the unit cell empty (``合格率%``): name without it, unit ``%``;
* the unit ``%`` printed as ``百分比``: unit ``%``.
"""

from __future__ import annotations

import random
import re
from typing import Any

from jixiao.synth.renderings.base import CJK, SHORT_HEADER_CODED, Record, fmt, keep_header

NAME = "ocr_noise"
#: A growth may exceed 100 %: there ``295%`` would be a readable target, so it is not printed.
_MAY_EXCEED = re.compile(r"增长|增加|提高|提升|上升|变化|增幅|增速|同比|环比|倍|超")
_STRAY = ("l", "i", "I", ".", "·")


def item_ok(item: Any) -> bool:
    name = str(item.name)
    return "\t" not in name and not any(c.isascii() and c.isalpha() for c in name)


def _stray(name: str, rng: random.Random) -> str | None:
    spots = [k for k in range(1, len(name)) if CJK.match(name[k - 1]) and CJK.match(name[k])]
    if not spots:
        return None
    k = rng.choice(spots)
    return name[:k] + rng.choice(_STRAY) + name[k:]


def _row(ind: Record, rng: random.Random) -> list[str]:
    name, op, unit = ind["name"], ind["operator"] or "", ind["unit"] or ""
    value = fmt(ind["value"])
    roll = rng.random()
    if ind["value_kind"] == "quantitative":
        if (
            op == "≥"
            and unit == "%"
            and roll < 0.2
            and float(ind["value"]) >= 10
            and not (_MAY_EXCEED.search(name))
        ):
            ind["operator"] = ind["value"] = None
            ind["flags"] = ["value_missing", "value_suspect"]
            return [name, f"2{value}", unit, str(ind["weight"])]
        if op == "≥" and roll < 0.35:
            ind["operator"] = ">"
            return [name, f">{value}", unit, str(ind["weight"])]
        if op == "=" and roll < 0.5:
            return [name, f"二{value}", unit, str(ind["weight"])]
        if unit == "%" and roll < 0.6:
            ind["name_raw"] = f"{name}%"
            return [f"{name}%", f"{op}{value}", "", str(ind["weight"])]
        if unit == "%" and roll < 0.75:
            return [name, f"{op}{value}", "百分比", str(ind["weight"])]
    if roll > 0.7:
        noisy = _stray(name, rng)
        if noisy:
            ind["name_raw"] = noisy
            return [noisy, f"{op}{value}", unit, str(ind["weight"])]
    return [name, f"{op}{value}", unit, str(ind["weight"])]


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        out += ["", rec["title"], "单位：万元"]
        out.append(f"项目名称\t{rec['project_name']}\t\t\t\t")
        dept = rec["department"]
        if rec["department_code"]:
            dept = f"{rec['department_code']}-{dept}"
        out.append(f"主管部门\t{dept}\t\t\t\t")
        out.append(f"资金总额（万元）\t{fmt(rec['budget_total'])}\t\t\t\t")
        out.append(f"年度绩效目标\t{rec['annual_goal']}\t\t\t\t")
        out.append("一级指标\t二级指标\t三级指标\t指标值\t计量单位\t权重")
        for ind in rec["indicators"]:
            cells = [ind["level1"], ind["level2"] or "", *_row(ind, rng)]
            out.append("\t".join(cells))
        keep_header(rec, SHORT_HEADER_CODED)
    return "\n".join(out) + "\n"
