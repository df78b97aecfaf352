"""A PDF text layer that gives the indicator table column by column (``pdfminer``).

pdfminer's ``extract_text`` gives a page text box by text box, a blank line after each box:
a table comes out as its headings, then every level-1 name, every level-2 name, every
indicator name, every operator, every value, every unit and every weight, each a box of its
own; a name too long for its cell is one box over several lines. Two other shapes seen from
``pdftotext``: the names as a run of lines with no blank between (a wrapped name's lines
follow each other, the longest line as wide as the column), then the cells after the names
row by row; a few rows at a time (one to three), each block column by column (pdftotext's
blocks); and the header's last label (``年度绩效目标``) printed in the label column just
above the table with its text after the names (the column beside it).

Every row has all its cells (an empty cell would vanish and no count could pair the rest):
the operator and unit columns are printed only when every row has one, otherwise the whole
target stands in the value column. The truth is the base form: every cell is printed.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.grammar import classify
from jixiao.parse.stream_rows import cell_kind
from jixiao.synth.renderings.base import (
    SHORT_HEADER,
    Record,
    fmt,
    keep_header,
    plain_name_ok,
    target,
)

NAME = "column_major"

FLAVOURS = ("boxes", "rowwise", "beside", "blocks")


def item_ok(item: Any) -> bool:
    value, name = str(item.value), str(item.name)
    return (
        plain_name_ok(name)
        and " " not in value
        and cell_kind(name) == "text"  # a name like a target (2021年租赁) reads two ways
        and cell_kind(value) in ("number", "value")
        and (not item.unit or cell_kind(str(item.unit)) == "unit")
        and bool(item.level2)
        and classify(str(item.level1)) == "level1"
        and classify(str(item.level2)) == "level2"
    )


def _wrap(text: str, width: int) -> list[str]:
    return [text[k : k + width] for k in range(0, len(text), width)] or [text]


def _name_width(names: list[str], rng: random.Random) -> int:
    """A column width at which no name fills its last line exactly (a reader tells a name's
    end by a line shorter than the column)."""
    for _ in range(20):
        w = rng.randint(5, 10)
        if all(len(n) % w for n in names if len(n) >= w):
            return w
    return max(len(n) for n in names) + 1  # nothing wraps


def _columns(inds: list[Record]) -> tuple[list[str], list[list[str]]]:
    """The headings and each column's cells, top to bottom."""
    ops = all(i["operator"] for i in inds)
    units = all(i["unit"] for i in inds)
    heads = ["一级指标", "二级指标", "三级指标"]
    cols = [[str(i["level1"]) for i in inds], [str(i["level2"]) for i in inds]]
    cols.append([str(i["name"]) for i in inds])
    if ops:
        heads.append("指标性质")
        cols.append([str(i["operator"]) for i in inds])
    heads.append("指标值")
    if ops and units:
        cols.append([fmt(i["value"]) for i in inds])
    elif ops:
        cols.append([target(i)[len(str(i["operator"])) :] for i in inds])
    else:
        cols.append([target(i, unit=not units) for i in inds])
    if units:
        heads.append("计量单位")
        cols.append([str(i["unit"]) for i in inds])
    heads.append("指标权重")
    cols.append([fmt(i["weight"]) for i in inds])
    return heads, cols


def _table(inds: list[Record], flavour: str, rng: random.Random, goal: str | None) -> list[str]:
    heads, cols = _columns(inds)
    width = _name_width(cols[2], rng)
    out: list[str] = []
    for h in heads:
        out += [h, ""]
    if flavour == "rowwise":
        out = [*heads, *cols[0], *cols[1]]  # no blank lines at all
        for name in cols[2]:
            out += _wrap(name, width)
        for k in range(len(inds)):
            out += [col[k] for col in cols[3:]]
        return out
    if flavour == "blocks":
        return out + _blocks(cols, width, rng)
    for col in cols[:3]:
        for cell in col:
            lines = _wrap(cell, width) if col is cols[2] else [cell]
            out += [*lines, ""]
    if goal is not None:
        out += [goal, ""]
    for col in cols[3:]:
        for cell in col:
            out += [cell, ""]
    return out


def _blocks(cols: list[list[str]], width: int, rng: random.Random) -> list[str]:
    """The rows a few at a time (one to three), each block column by column. A level is
    printed once over a block whose rows share it (only where it changes: a merged cell
    reads down to the next), else once per row of the block."""
    out: list[str] = []
    n, k = len(cols[0]), 0
    while k < n:
        m = min(rng.randint(1, 3), n - k)
        for level in cols[:2]:
            mine = level[k : k + m]
            if len(set(mine)) > 1:
                out += [x for cell in mine for x in (cell, "")]
            elif k == 0 or level[k - 1] != mine[0]:
                out += [mine[0], ""]
        for name in cols[2][k : k + m]:
            out += [*_wrap(name, width), ""]
        for col in cols[3:]:
            out += [x for cell in col[k : k + m] for x in (cell, "")]
        k += m
    return out


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        flavour = rng.choice(FLAVOURS)
        out += [str(rec["title"]), "", "单位：万元", ""]
        out += [f"项目名称 {rec['project_name']}", "", f"主管部门 {rec['department']}", ""]
        out += [f"资金总额 {fmt(rec['budget_total'])}", ""]
        goal = str(rec["annual_goal"]) if rec["annual_goal"] else None
        if flavour == "beside" and goal is not None:
            out += ["年度绩效目标", ""]
        elif goal is not None:
            out += [f"年度绩效目标 {goal}", ""]
        out += _table(rec["indicators"], flavour, rng, goal if flavour == "beside" else None)
        out.append("")
        keep_header(rec, SHORT_HEADER)
    return "\n".join(out) + "\n"
