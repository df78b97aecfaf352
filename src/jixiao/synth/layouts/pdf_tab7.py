"""The PDF dump of seed 003: a row per line, tab-separated, 8 positions per table row.

Codes before the project, department and unit names; forms sometimes wrapped (a blank every 5
characters next to CJK text, 13 in the header cells), names cut at a cell width.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jixiao.grammar import fmt_number
from jixiao.synth.builder import Builder, SeedLayout
from jixiao.synth.forms import SynthForm, wrap_text
from jixiao.synth.pool import Item


class PdfTab7(SeedLayout):
    name = "pdf_tab7"
    row_kinds = {
        "truncate": 4,
        "value_in_name": 1,
        "unit_invalid": 1,
        "unit_blank": 1,
        "value_blank": 1,
        "ocr_noise": 2,
    }
    wraps = True

    def header(self, b: Builder, h: dict[str, Any], style: dict[str, Any], kind: str) -> None:
        rng = b.rng
        year = rng.choice((2021, 2022, 2023))
        h["title"] = f"{year}年财政资金项目支出绩效目标表"
        h["year"] = year
        h["project_code"] = f"500110{year % 100:02d}T{rng.randrange(10**12):012d}"
        h["project_name"] = b.pick(self.name, "project_name")
        h["department"], h["department_code"] = b.pick_pair(
            self.name, "department", "department_code"
        )
        h["implementing_unit"], h["implementing_unit_code"] = b.pick_pair(
            self.name, "implementing_unit", "implementing_unit_code"
        )
        h["project_attribute"] = rng.choice(("新增", "新增", "延续"))
        h["period_start"] = f"{year}年"
        h["period_end"] = rng.choice(("长期", "长期", "1年"))
        h["overview"] = b.pick(self.name, "overview")
        h["annual_goal"] = b.pick(self.name, "annual_goal")

    def cells(
        self, b: Builder, item: Item, t: dict[str, Any], value: str, style: Mapping[str, Any]
    ) -> dict[str, str]:
        weight = b.weight(item)
        t["weight"] = weight
        op = item.operator or ("=" if not item.quantitative else "")
        t["operator"] = op or None
        return {
            "level1": item.level1,
            "level2": item.level2 or "",
            "name": item.name,
            "value": value,
            "operator": op,
            "unit": item.unit or "",
            "weight": str(weight),
        }

    def value_blank(self, t: dict[str, Any], cells: Mapping[str, str]) -> None:
        if not cells["unit"]:
            t["value_kind"] = None

    def render(self, forms: Sequence[SynthForm]) -> str:
        """The PDF dump of 003: a row per line, tab-separated, 8 positions per table row."""
        out: list[str] = []
        for f in forms:
            h, s = f.header, f.style
            wrap = bool(s.get("wrap"))
            out += ["", f"{h['title']}", "", "单位：万元", ""]
            out.append(f"项目名称\t{h['project_code']}-{h['project_name']}" + "\t" * 6)
            dept = _coded(h["department_code"], h["department"], wrap)
            impl = _coded(h["implementing_unit_code"], h["implementing_unit"], wrap)
            out.append(f"主管部门\t{dept}\t实施单位\t\t{impl}\t\t\t")
            attribute = "新增" if h["project_attribute"] == "新增" else "延续"
            out.append(
                f"资金总额（万）\t{fmt_number(h['budget_total'])}\t项目属性\t\t{attribute}\t\t\t"
            )
            out.append(
                f"项目起始时间\t{h['period_start']}\t项目终止时间\t\t{h['period_end']}\t\t\t"
            )
            out.append(f"项目概况\t{h['overview']}" + "\t" * 6)
            out.append(f"项目当年绩效目\t{h['annual_goal']}" + "\t" * 6)
            out.append("绩效指标\t一级指标\t二级指标\t三级指标\t指标值\t指标性质\t度量单位\t权重")
            for r in f.rows:
                c = r.cells
                keys = ("level1", "level2", "name", "value", "operator", "unit", "weight")
                out.append("\t" + "\t".join(c[k] for k in keys))
        return "\n".join(out) + "\n"


def _coded(code: Any, name: Any, wrap: bool) -> str:
    """``103-重庆市綦江区人民政府 办公室``: code, dash, name, wrapped like 003's header cells."""
    text = f"{code}-{name}" if code else str(name)
    return wrap_text(text, 13) if wrap and len(text) > 13 else text


LAYOUT = PdfTab7()
