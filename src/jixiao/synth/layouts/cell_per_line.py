"""The docx dump of seeds 000–002: one tab-indented cell per line, a blank line between rows.

Department forms (one in ten) and project forms; names sometimes wrapped in their levels
(``产出指标-数量指标（名称）`` or ``产出-数量（名称）``), weights with or without ``%``, ``定性``
in the unit cell of a text target, U+3000 around some cells.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

from jixiao.grammar import fmt_number
from jixiao.synth.builder import Builder, SeedLayout
from jixiao.synth.forms import LEVEL1_SHORT, SynthForm, SynthRow, pad, short_level2
from jixiao.synth.pool import Item


class CellPerLine(SeedLayout):
    name = "cell_per_line"
    row_kinds = {
        "value_in_name": 2,
        "unit_invalid": 1,
        "unit_blank": 1,
        "value_blank": 1,
        "category_op": 2,
        "ocr_noise": 2,
    }

    def form_kind(self, rng: random.Random) -> str:
        return "department" if rng.random() < 0.1 else "project"

    def header(self, b: Builder, h: dict[str, Any], style: dict[str, Any], kind: str) -> None:
        rng = b.rng
        budget = h["budget_total"]
        h["department"], h["department_code"] = b.pick_pair(
            self.name, "department", "department_code", kind
        )
        if kind == "department":
            h["title"] = "部门整体绩效目标表"
            goal = b.pick(self.name, "annual_goal", "department")
            h["annual_goal"] = goal
            m = re.search(r"((?:19|20)\d{2})年(?:度)?(?:部门)?预算", goal or "")
            h["year"] = int(m.group(1)) if m else None
            style["budget_text"] = fmt_number(budget)
            return
        year = rng.choice((2022, 2023, 2024, 2025))
        h["title"] = "部门专项绩效目标申报表"
        h["year"] = year
        h["project_name"] = b.pick(self.name, "project_name")
        h["compiling_unit"] = b.pick(self.name, "compiling_unit")
        for key in ("overview", "basis", "annual_goal"):
            h[key] = b.pick(self.name, key)
        town = 0 if rng.random() < 0.6 else None
        h["budget_breakdown"] = {"区级支出": budget, "补助街镇": town}
        style.update(
            budget_text=f"{budget:.2f}" if rng.random() < 0.3 else fmt_number(budget),
            town_text="0" if town == 0 else "\u3000",
            compiling_split=rng.random() < 0.3,
        )

    def form_style(self, rng: random.Random, style: dict[str, Any]) -> None:
        style["wrapper"] = rng.choice((None, None, "full", "short"))
        style["weight_pct"] = rng.random() < 0.4

    def cells(
        self, b: Builder, item: Item, t: dict[str, Any], value: str, style: Mapping[str, Any]
    ) -> dict[str, str]:
        weight = b.weight(item)
        t["weight"] = weight
        name = item.name
        wrapper = style.get("wrapper")
        if wrapper:
            l1 = item.level1 if wrapper == "full" else LEVEL1_SHORT[item.level1]
            l2 = item.level2
            if l2 and item.level1 != "满意度指标":
                l2s = l2 if wrapper == "full" else short_level2(l2)
                name = f"{l1}-{l2s}（{item.name}）"
            else:
                name = f"{l1}（{item.name}）"
                t["level2"] = None
        else:
            t["level1"] = t["level2"] = None
        t["name_raw"] = name
        if item.quantitative:
            unit = str(item.unit)
            if unit == "%" and b.rng.random() < 0.3:
                unit = "百分比"
            op = item.operator or ""
        else:
            unit, op = "定性", item.operator or "="
            t["operator"] = op
        return {
            "name": name,
            "weight": f"{weight}%" if style.get("weight_pct") else str(weight),
            "unit": unit,
            "operator": op,
            "value": value,
        }

    def copied_value_kind(self, t: Mapping[str, Any], cells: Mapping[str, str]) -> str | None:
        if cells["unit"] == "定性":
            return "qualitative"
        return super().copied_value_kind(t, cells)

    def finish_cells(self, rng: random.Random, row: SynthRow) -> None:
        for role in ("name", "weight", "unit", "operator", "value"):
            row.cells[role] = pad(rng, row.cells[role])

    def render(self, forms: Sequence[SynthForm]) -> str:
        """The docx dump of 000–002: one tab-indented cell per line, a blank line between rows."""
        out: list[str] = []
        for f in forms:
            h, s = f.header, f.style
            out += ["", f"\t{h['title']}", ""]
            dept = h["department"]
            if h.get("department_code"):
                dept = f"{h['department_code']}-{dept}"
            if h["form_kind"] == "department":
                out += [
                    "\t业务主管部门",
                    f"\t{dept}",
                    "\t部门支出预算总量（万元）",
                    f"\t{s['budget_text']}",
                    "",
                ]
                out += ["\t当年整体绩效目标", f"\t{h['annual_goal']}", ""]
            else:
                if s.get("compiling_split"):
                    out += ["\t编制单位：", f"\t{h['compiling_unit']}"]
                else:
                    out += [f"\t编制单位：{h['compiling_unit']}"]
                out += ["\t", "\t", "\t", "\t单位：万元", ""]
                out += [
                    "\t专项资金名称",
                    f"\t{h['project_name']}",
                    "\t业务主管部门",
                    f"\t{dept}",
                    "",
                ]
                out += [f"\t{h['year']}年预算", f"\t {s['budget_text']}", "\t区级支出"]
                out += [f"\t\u3000{s['budget_text']}", ""]
                out += ["\t", "\t", "\t补助街镇", f"\t\u3000{s['town_text']}", ""]
                out += ["\t项目概况", f"\t{h['overview']}", ""]
                out += ["\t立项依据", f"\t{h['basis']}", ""]
                out += ["\t当年绩效目标", f"\t{h['annual_goal']}", ""]
            out += [
                "\t绩效指标",
                "\t指标",
                "\t指标权重",
                "\t计量单位",
                "\t指标性质",
                "\t指标值",
                "",
            ]
            for r in f.rows:
                c = r.cells
                out += ["\t"] + [
                    f"\t{c[k]}" for k in ("name", "weight", "unit", "operator", "value")
                ]
                out += [""]
            out += ["", ""]
        return "\n".join(out) + "\n"


LAYOUT = CellPerLine()
