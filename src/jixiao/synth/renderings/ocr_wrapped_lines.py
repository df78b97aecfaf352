"""OCR text of a scanned table whose names wrap: a line per visual line, as OCR groups boxes.

A scan read by OCR (``eval/make_ocr_text.py`` reads real ones with RapidOCR) gives its boxes
line by line: the boxes whose middles stand at one height make a visual line. A name that
wraps in its narrow cell therefore puts one of its lines on the row's line, beside the cells
that do not wrap (levels, target, unit, weight), and each other line on a visual line of its
own, holding nothing else:

* top-aligned tables (Word's default): the row's line holds the name's first line, the rest
  follows under it; a third of them print the numbering on a line of its own above the name
  (``指标1：`` / ``…的`` / ``数量``: the row's line holds ``指标1：`` alone);
* centred tables: the row's line holds the name's middle line (the upper one of the two
  middle lines), the lines before it stand above the row, the lines after it below.

Level cells are merged down their block (printed on its first row); some tables have an empty
``指标性质`` column, or no weights. A file is written one of the three ways archives publish
OCR text (one rendering each: ``ocr_lines_boxes``, ``ocr_lines_spaced``, ``ocr_lines_glued``):
a box per line (top-aligned tables only), a visual line spaced, or glued (no weights: a glued
weight could not be told from its target). The truth is the base form: every piece
of a name is printed, in order. The column is wide enough that no name ends on a full line in
a centred table (a full last line would be read as running on into the next row's name).
"""

from __future__ import annotations

import random
import re
from typing import Any

from jixiao.synth.renderings.base import (
    SHORT_HEADER,
    Record,
    Renderer,
    blocks,
    drop_weights,
    fmt,
    glue_ok,
    keep_header,
    target,
    width,
)

#: Name column widths tried (display columns: two per CJK character).
_WIDTHS = tuple(range(12, 29, 2))

#: One visual line: its boxes left to right.
Line = list[str]


def item_ok(item: Any) -> bool:
    return glue_ok(str(item.name), item.value, item.quantitative) and len(str(item.value)) <= 8


def wrap(text: str, cols: int) -> list[str]:
    """``text`` broken as a cell ``cols`` display columns wide breaks it: at the edge, never
    inside a run of Latin letters or digits (``OA``, ``2023``)."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        if line and width(line + token) > cols:
            lines.append(line)
            line = ""
        line += token
    return [*lines, line] if line else lines


_TOKEN = re.compile(r"[A-Za-z0-9.]+|.")


def _name_width(names: list[str], top: bool, rng: random.Random) -> int:
    """A name column width for the table: some names wrap; in a centred table no name ends on
    a full line, and in any table at least two lines reach the edge (so a reader finds it)."""
    widths = list(_WIDTHS)
    rng.shuffle(widths)
    for cols in widths:
        lines = [wrap(n, cols) for n in names]
        if not any(len(ls) > 1 for ls in lines):
            continue
        full = sum(1 for ls in lines for ln in ls if width(ln) >= cols - 1)
        if full < 2:
            continue
        if not top and any(width(ls[-1]) >= cols - 2 for ls in lines):
            continue
        return cols
    return max(width(n) for n in names) + 4  # nothing wraps


def _table(rec: Record, variant: str, rng: random.Random) -> list[Line]:
    inds = rec["indicators"]
    top = variant == "boxes" or rng.random() < 0.6
    numbered = top and rng.random() < 0.35
    nature = rng.random() < 0.4  # an empty 指标性质 column
    weights = variant != "glued" and rng.random() < 0.75
    cols = _name_width([str(i["name"]) for i in inds], top, rng)
    heads = ["一级指标", "二级指标", "三级指标"]
    heads += ["指标性质"] if nature else []
    heads += ["指标值", "计量单位", "指标权重"]
    out: list[Line] = [heads]
    number = 0
    for ind, (first1, first2) in zip(inds, blocks(inds), strict=True):
        number = 1 if first2 else number + 1
        lines = wrap(str(ind["name"]), cols)
        if numbered:
            lines = [f"指标{number}：", *lines]
        middle = 0 if top else (len(lines) - 1) // 2
        row: Line = []
        if first1:
            row.append(str(ind["level1"]))
        if first2 and ind["level2"]:
            row.append(str(ind["level2"]))
        row.append(lines[middle])
        row.append(target(ind, unit=False))
        if ind["unit"]:
            row.append(str(ind["unit"]))
        if weights:
            row.append(fmt(ind["weight"]))
        out += [[ln] for ln in lines[:middle]]
        out.append(row)
        out += [[ln] for ln in lines[middle + 1 :]]
        if numbered:
            ind["name_raw"] = f"指标{number}：{ind['name']}"
    if not weights:
        drop_weights(rec)
    return out


def _header(rec: Record) -> list[Line]:
    return [
        [str(rec["title"])],
        ["单位：万元"],
        ["项目名称", str(rec["project_name"])],
        ["主管部门", str(rec["department"])],
        ["资金总额", fmt(rec["budget_total"])],
        ["年度绩效目标", str(rec["annual_goal"])],
    ]


def _written(lines: list[Line], variant: str) -> list[str]:
    if variant == "boxes":
        return [box for line in lines for box in line]
    sep = " " if variant == "spaced" else ""
    return [sep.join(line) for line in lines]


def renderer(variant: str) -> Renderer:
    """The rendering that writes every form of a file as ``variant`` (one file, one way)."""

    def render(forms: list[Record], rng: random.Random) -> str:
        out: list[str] = []
        for rec in forms:
            lines = _header(rec) + _table(rec, variant, rng)
            out += ["", *_written(lines, variant)]
            keep_header(rec, SHORT_HEADER)
        return "\n".join(out) + "\n"

    return render
