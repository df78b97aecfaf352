"""A PDF text layer: the header's label column printed apart from its value column.

Text taken out of a PDF gives each text block in turn, so the header's labels come out as one
column (one per line) and their values after them in the same order. Three variants: the
whole header as one label column then one value column; each label followed by its value
(content-stream order), the value still broken over lines; or a two-column header grid
(项目名称 · 主管部门 on one row, 资金总额 · 年度绩效目标 on the next) whose four columns come out
one after the other (labels of the left pair, their values, labels of the right pair, their
values), so label and value columns interleave. A budget with decimals is broken over two
lines at its last digit (``1256.3`` / ``8``), and a long goal is wrapped over lines at a
cell's width with no blank added. The indicator table comes as rows of words separated by
blanks (``产出指标 数量指标 名称 ≥500 人次 10``; names hold no blank), as one cell per line row
after row (heading too), or as rows whose long name wraps with the rest of the row on a line
of its own (``… 各类文件、信息的起草、审核工作的次`` / ``数`` / ``≥1 次/天 10``).
"""

from __future__ import annotations

import random
import re
from typing import Any

from jixiao.synth.renderings.base import SHORT_HEADER, Record, fmt, keep_header, plain_name_ok

NAME = "pdf_text_layer"


def item_ok(item: Any) -> bool:
    return plain_name_ok(str(item.name)) and " " not in str(item.value)


def _wrap(text: str, rng: random.Random) -> list[str]:
    """A long text as a PDF cell wraps it: lines of one width, no blank added or lost, and
    (as word processors do) never a break inside a Latin word or number (``OA``, ``2023``)."""
    width = rng.randint(12, 24)
    if len(text) <= width or rng.random() < 0.4 or re.search(r"\s", text):
        return [text]
    lines: list[str] = []
    while len(text) > width:
        cut = width
        while (
            cut > 1
            and text[cut - 1].isascii()
            and text[cut].isascii()
            and (text[cut - 1].isalnum() and text[cut].isalnum())
        ):
            cut -= 1
        lines.append(text[:cut])
        text = text[cut:]
    return [*lines, text] if text else lines


def _budget_lines(budget: str, rng: random.Random) -> list[str]:
    if "." in budget and rng.random() < 0.6:
        return [budget[:-1], budget[-1]]
    return [budget]


_HEADINGS = ("一级指标", "二级指标", "三级指标", "指标值", "计量单位", "权重")


def _table(indicators: list[Any], rng: random.Random) -> list[str]:
    """The indicator table: rows of blank-separated words; or every cell on its own line,
    row after row (``pdftotext``'s order for a ruled table); or rows whose long name wraps,
    the rest of the row on a line of its own (``pdftotext -raw``)."""
    variant = rng.random()
    stream = variant < 0.3
    lines: list[str] = list(_HEADINGS) if stream else [" ".join(_HEADINGS)]
    for ind in indicators:
        value = f"{ind['operator'] or ''}{fmt(ind['value'])}"
        name = str(ind["name"])
        lead = [ind["level1"], ind["level2"] or "", name]
        tail = [value, ind["unit"] or "", str(ind["weight"])]
        if stream:
            lines += [c for c in [*lead, *tail] if c]
        elif variant > 0.65 and len(name) > 9:
            cut = rng.randint(6, len(name) - 2)
            lead[-1] = name[:cut]
            lines.append(" ".join(c for c in lead if c))
            lines.append(name[cut:])
            lines.append(" ".join(c for c in tail if c))
        else:
            lines.append(" ".join(c for c in [*lead, *tail] if c))
    return lines


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        out += ["", rec["title"], "单位：万元"]
        budget = _budget_lines(fmt(rec["budget_total"]), rng)
        goal = _wrap(str(rec["annual_goal"]), rng)
        variant = rng.random()
        if variant < 0.4:
            out += ["项目名称", "主管部门", "资金总额", "年度绩效目标"]
            out += [str(rec["project_name"]), str(rec["department"]), *budget, *goal]
        elif variant < 0.7:
            out += ["项目名称", str(rec["project_name"]), "主管部门", str(rec["department"])]
            out += ["资金总额", *budget, "年度绩效目标", *goal]
        else:
            out += ["项目名称", "资金总额", str(rec["project_name"]), *budget]
            out += ["主管部门", "年度绩效目标", str(rec["department"]), *goal]
        out += _table(rec["indicators"], rng)
        keep_header(rec, SHORT_HEADER)
    return "\n".join(out) + "\n"
