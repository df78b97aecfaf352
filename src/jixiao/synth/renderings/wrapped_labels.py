"""Wrapped cells: a PDF or Word table whose narrow cells wrap onto continuation lines.

Tab rows; a cell whose text wraps puts its later parts on the next lines in the same column,
the other columns empty. The caption ``绩效指标`` wraps one character per line, header labels
wrap over two lines (``年度\\n目标``, ``项目\\n名称``), long level-2 names before ``指标``
(``经济效益\\n指标``), and the title is printed over two lines. Names never wrap, so the
name cell is unambiguous.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import SHORT_HEADER_CODED, Record, fmt, keep_header, target

NAME = "wrapped_labels"


def item_ok(item: Any) -> bool:
    return "\t" not in str(item.name) and "\n" not in str(item.name)


def _lines(cells: list[list[str]]) -> list[str]:
    """One table row whose cells are lists of wrapped parts → its physical lines."""
    depth = max(len(c) for c in cells)
    return ["\t".join(c[k] if k < len(c) else "" for c in cells) for k in range(depth)]


def _label(text: str, rng: random.Random) -> list[str]:
    if len(text) >= 4 and rng.random() < 0.7:
        cut = rng.choice((2, len(text) // 2))
        return [text[:cut], text[cut:]]
    return [text]


def _level2(text: str) -> list[str]:
    if len(text) >= 5 and text.endswith("指标"):
        return [text[:-2], "指标"]
    return [text]


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        title = rec["title"]
        cut = rng.randint(4, len(title) - 4)
        out += ["", title[:cut], title[cut:], "", "单位：万元"]
        dept = rec["department"]
        if rec["department_code"]:
            dept = f"{rec['department_code']}-{dept}"
        for label, value in (
            ("项目名称", rec["project_name"]),
            ("主管部门", dept),
            ("资金总额", fmt(rec["budget_total"])),
            ("年度绩效目标", rec["annual_goal"]),
        ):
            out += _lines([_label(label, rng), [str(value)], [""], [""], [""], [""]])
        caption = list("绩效指标")
        heads = [["一级", "指标"], ["二级", "指标"], ["三级", "指标"], ["指标值"], ["权重"]]
        out += _lines([caption, *heads])
        for ind in rec["indicators"]:
            cells = [
                [""],
                [ind["level1"]],
                _level2(ind["level2"] or ""),
                [ind["name"]],
                [target(ind)],
                [str(ind["weight"])],
            ]
            out += _lines(cells)
        keep_header(rec, SHORT_HEADER_CODED)
    return "\n".join(out) + "\n"
