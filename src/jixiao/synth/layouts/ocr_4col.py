"""The OCR dump of seed 004: 4 columns, level cells merged down, ``指标N:`` names, ``≤20万元``.

No weights and no unit column (the target carries its operator and unit); rows may slide a
column left or right (``column_shift``); no form is weight-copied.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from jixiao.grammar import fmt_number
from jixiao.synth.builder import Builder, SeedLayout
from jixiao.synth.forms import SynthForm, SynthRow
from jixiao.synth.pool import Item


class Ocr4Col(SeedLayout):
    name = "ocr_4col"
    row_kinds = {"column_shift": 3, "value_in_name": 1, "value_blank": 1, "ocr_noise": 2}
    weight_copies = False
    operator_in_value = True

    def header(self, b: Builder, h: dict[str, Any], style: dict[str, Any], kind: str) -> None:
        rng = b.rng
        year = rng.choice((2022, 2023, 2024))
        h["title"] = "部门项目支出预算绩效目标申报表"
        h["year"] = year
        h["project_name"] = b.pick(self.name, "project_name")
        h["department"] = b.pick(self.name, "department")
        h["implementing_unit"] = b.pick(self.name, "implementing_unit")
        h["project_attribute"] = rng.choice(("新增", "延续"))
        h["duration"] = "1年"
        h["annual_goal"] = b.pick(self.name, "annual_goal")
        h["budget_breakdown"] = {"财政拨款": h["budget_total"], "其他资金": None}

    def form_style(self, rng: random.Random, style: dict[str, Any]) -> None:
        style["annotate"] = rng.random() < 0.7

    def cells(
        self, b: Builder, item: Item, t: dict[str, Any], value: str, style: Mapping[str, Any]
    ) -> dict[str, str]:
        if item.quantitative:
            op = item.operator or ""
            value = f"{op}{value}{item.unit}"
        else:
            t["operator"] = None
        return {
            "level1": item.level1,
            "level2": item.level2 or "",
            "name": item.name,
            "value": value,
        }

    def value_blank(self, t: dict[str, Any], cells: Mapping[str, str]) -> None:
        t["value_kind"] = t["unit"] = t["operator"] = None

    def finish_rows(self, rows: Sequence[SynthRow]) -> None:
        _number_names(rows)

    def render(self, forms: Sequence[SynthForm]) -> str:
        """The OCR dump of 004: 4 columns, level cells merged down, ``指标N:`` names, ``≤20万元``."""
        out: list[str] = []
        for f in forms:
            h, s = f.header, f.style
            budget = fmt_number(h["budget_total"])
            attribute = "新增项目" if h["project_attribute"] == "新增" else "延续性项目"
            out += ["", "", h["title"], "", f"({h['year']}年度)", ""]
            out.append(f"项目名称\t\t{h['project_name']}\t\t")
            out.append(f"主管部门及代码\t\t{h['department']}\t实施单位\t{h['implementing_unit']}")
            out.append(f"项目属性\t\t{attribute}\t项目期\t{h['duration']}")
            out.append(f"项目资金 (万元)\t年度资金总额:\t\t{budget}\t")
            out.append(f"\t其中:财政拨款\t\t{budget}\t")
            out.append("\t其他资金\t\t\t")
            goal = " ".join(str(h["annual_goal"]).split("\n"))
            out.append(f"年度总体目标\t{goal}\t\t\t")
            out.append("绩效指标\t一级指标\t二级指标\t三级指标\t指标值")
            prev1: str | None = None
            prev2: str | None = None
            for r in f.rows:
                c = r.cells
                l1, l2 = c["level1"], c["level2"]
                show1 = l1 if l1 != prev1 else ""
                note = ""
                if s.get("annotate"):
                    note = " (必填硬性指标)" if l2 in ("数量指标", "成本指标") else " (必填)"
                show2 = f"{l2}{note}" if (l1, l2) != (prev1, prev2) and l2 else ""
                prev1, prev2 = l1, l2
                cells = ["", show1, show2, c["name"], c["value"]]
                if r.shift < 0:
                    cells = cells[1:]
                elif r.shift > 0:
                    cells = ["", *cells]
                out.append("\t".join(cells).rstrip("\t") if r.shift else "\t".join(cells))
            out.append(
                '综合评定等级\t\t优 <input type="checkbox"/> 良 <input type="checkbox"/> 中 '
                '<input type="checkbox"/> 差 <input type="checkbox"/>\t\t'
            )
            out.append("")
        return "\n".join(out) + "\n"


def _number_names(rows: Sequence[SynthRow]) -> None:
    """OCR names carry ``指标N:``, numbered from 1 within each level2 block."""
    block: tuple[str, str] | None = None
    number = 0
    for row in rows:
        key = (row.cells["level1"], row.cells["level2"])
        number = number + 1 if key == block else 1
        block = key
        row.cells["name"] = f"指标{number}: {row.cells['name']}"


LAYOUT = Ocr4Col()
