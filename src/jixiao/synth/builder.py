"""The builder of seed-layout synthetic forms: header, rows, perturbations, from one seeded RNG."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

from jixiao.grammar import fmt_number
from jixiao.schema import FORM_FIELDS
from jixiao.synth.forms import (
    BLANKS,
    CJK,
    LEVEL1_ORDER,
    LEVEL1_SHORT,
    SynthForm,
    SynthRow,
    add_flags,
    cut_widths,
    num,
    pad,
    short_level2,
    truth,
    unit_in_name_ok,
    wrap_text,
)
from jixiao.synth.pool import Item, Pool

#: Row perturbations per layout with their relative weights.
ROW_KINDS: dict[str, dict[str, float]] = {
    "cell_per_line": {
        "value_in_name": 2,
        "unit_invalid": 1,
        "unit_blank": 1,
        "value_blank": 1,
        "category_op": 2,
        "ocr_noise": 2,
    },
    "pdf_tab7": {
        "truncate": 4,
        "value_in_name": 1,
        "unit_invalid": 1,
        "unit_blank": 1,
        "value_blank": 1,
        "ocr_noise": 2,
    },
    "ocr_4col": {"column_shift": 3, "value_in_name": 1, "value_blank": 1, "ocr_noise": 2},
}
#: The flags each perturbation must raise (``weight_copy`` adds value_missing or value_in_name).
KIND_FLAGS: dict[str, tuple[str, ...]] = {
    "truncate": ("name_truncated",),
    "value_in_name": ("value_in_name",),
    "unit_invalid": ("unit_invalid",),
    "unit_blank": ("unit_missing",),
    "value_blank": ("value_missing",),
    "category_op": ("category_in_operator",),
    "column_shift": ("column_shift",),
    "weight_copy": ("value_suspect",),
    "ocr_noise": (),
    "wrap": (),
}

_WEIGHTS = (5, 10, 15, 20, 25, 30)
_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")
_NOISY_OPS = {"≥": ("＞＝", ">="), "≤": ("＜＝", "<="), "=": ("＝",), ">": ("＞",), "<": ("＜",)}


class Builder:
    """Builds the forms of one case from the pool with one seeded RNG."""

    def __init__(self, pool: Pool, rng: random.Random, layout: str, rate: float) -> None:
        self.pool = pool
        self.rng = rng
        self.layout = layout
        self.rate = rate
        self.kinds = ROW_KINDS[layout]

    # ---------------------------------------------------------------- header

    def pick(self, layout: str, key: str, kind: str = "project") -> Any:
        """A value of header field ``key`` from a random seed form of ``layout`` (recombined)."""
        heads = [
            h
            for h in self.pool.headers.get(layout, ())
            if h.get(key) is not None and h.get("form_kind") == kind
        ]
        return self.rng.choice(heads)[key] if heads else None

    def pick_pair(
        self, layout: str, name: str, code: str, kind: str = "project"
    ) -> tuple[Any, Any]:
        heads = [
            h
            for h in self.pool.headers.get(layout, ())
            if h.get(name) is not None and h.get("form_kind") == kind
        ]
        if not heads:
            return None, None
        h = self.rng.choice(heads)
        return h[name], h.get(code)

    def _budget(self) -> int | float:
        if self.rng.random() < 0.5:
            return self.rng.randint(1, 800)
        return num(round(self.rng.uniform(0.5, 800), 2))

    def header(self, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Header truth and render options for a new form."""
        rng = self.rng
        h: dict[str, Any] = {k: None for k in FORM_FIELDS if k != "indicators"}
        h["form_kind"] = kind
        h["budget_breakdown"] = {}
        style: dict[str, Any] = {}
        budget = self._budget()
        h["budget_total"] = budget
        if self.layout == "cell_per_line":
            h["department"], h["department_code"] = self.pick_pair(
                "cell_per_line", "department", "department_code", kind
            )
            if kind == "department":
                h["title"] = "部门整体绩效目标表"
                goal = self.pick("cell_per_line", "annual_goal", "department")
                h["annual_goal"] = goal
                m = re.search(r"((?:19|20)\d{2})年(?:度)?(?:部门)?预算", goal or "")
                h["year"] = int(m.group(1)) if m else None
                style["budget_text"] = fmt_number(budget)
                return h, style
            year = rng.choice((2022, 2023, 2024, 2025))
            h["title"] = "部门专项绩效目标申报表"
            h["year"] = year
            h["project_name"] = self.pick("cell_per_line", "project_name")
            h["compiling_unit"] = self.pick("cell_per_line", "compiling_unit")
            for key in ("overview", "basis", "annual_goal"):
                h[key] = self.pick("cell_per_line", key)
            town = 0 if rng.random() < 0.6 else None
            h["budget_breakdown"] = {"区级支出": budget, "补助街镇": town}
            style.update(
                budget_text=f"{budget:.2f}" if rng.random() < 0.3 else fmt_number(budget),
                town_text="0" if town == 0 else "\u3000",
                compiling_split=rng.random() < 0.3,
            )
        elif self.layout == "pdf_tab7":
            year = rng.choice((2021, 2022, 2023))
            h["title"] = f"{year}年财政资金项目支出绩效目标表"
            h["year"] = year
            h["project_code"] = f"500110{year % 100:02d}T{rng.randrange(10**12):012d}"
            h["project_name"] = self.pick("pdf_tab7", "project_name")
            h["department"], h["department_code"] = self.pick_pair(
                "pdf_tab7", "department", "department_code"
            )
            h["implementing_unit"], h["implementing_unit_code"] = self.pick_pair(
                "pdf_tab7", "implementing_unit", "implementing_unit_code"
            )
            h["project_attribute"] = rng.choice(("新增", "新增", "延续"))
            h["period_start"] = f"{year}年"
            h["period_end"] = rng.choice(("长期", "长期", "1年"))
            h["overview"] = self.pick("pdf_tab7", "overview")
            h["annual_goal"] = self.pick("pdf_tab7", "annual_goal")
        else:
            year = rng.choice((2022, 2023, 2024))
            h["title"] = "部门项目支出预算绩效目标申报表"
            h["year"] = year
            h["project_name"] = self.pick("ocr_4col", "project_name")
            h["department"] = self.pick("ocr_4col", "department")
            h["implementing_unit"] = self.pick("ocr_4col", "implementing_unit")
            h["project_attribute"] = rng.choice(("新增", "延续"))
            h["duration"] = "1年"
            h["annual_goal"] = self.pick("ocr_4col", "annual_goal")
            h["budget_breakdown"] = {"财政拨款": budget, "其他资金": None}
        return h, style

    # ---------------------------------------------------------------- rows

    def _items(self, n: int) -> list[Item]:
        """``n`` items with distinct names, in level order (merged level cells need blocks)."""
        n = min(n, len({i.name for i in self.pool.items}))
        seen: set[str] = set()
        out: list[Item] = []
        while len(out) < n:
            item = self.rng.choice(self.pool.items)
            if item.name not in seen:
                seen.add(item.name)
                out.append(item)
        order = {l2: k for k, l2 in enumerate(dict.fromkeys(i.level2 for i in out))}
        return sorted(out, key=lambda i: (LEVEL1_ORDER.get(i.level1, 9), order[i.level2]))

    def weight(self, item: Item) -> int:
        """A weight that never equals the row's value (that is the weight-copy defect)."""
        choices = [w for w in _WEIGHTS if not (item.quantitative and float(item.value) == w)]
        return self.rng.choice(choices)

    def base_row(self, item: Item, style: Mapping[str, Any]) -> SynthRow:
        """The clean row as this layout prints it, and its truth."""
        rng = self.rng
        t = truth(item)
        cells: dict[str, str] = {}
        value = str(item.value) if isinstance(item.value, str) else fmt_number(item.value)
        if self.layout == "cell_per_line":
            weight = self.weight(item)
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
                if unit == "%" and rng.random() < 0.3:
                    unit = "百分比"
                op = item.operator or ""
            else:
                unit, op = "定性", item.operator or "="
                t["operator"] = op
            cells = {
                "name": name,
                "weight": f"{weight}%" if style.get("weight_pct") else str(weight),
                "unit": unit,
                "operator": op,
                "value": value,
            }
        elif self.layout == "pdf_tab7":
            weight = self.weight(item)
            t["weight"] = weight
            op = item.operator or ("=" if not item.quantitative else "")
            t["operator"] = op or None
            cells = {
                "level1": item.level1,
                "level2": item.level2 or "",
                "name": item.name,
                "value": value,
                "operator": op,
                "unit": item.unit or "",
                "weight": str(weight),
            }
        else:
            if item.quantitative:
                op = item.operator or ""
                value = f"{op}{value}{item.unit}"
            else:
                t["operator"] = None
            cells = {"level1": item.level1, "level2": item.level2 or "", "name": item.name}
            cells["value"] = value
        return SynthRow(item=item, cells=cells, truth=t)

    def _applicable(self, row: SynthRow, kind: str) -> bool:
        """Whether ``kind`` can be applied to this row with an unambiguous truth."""
        t = row.truth
        quantitative = row.item.quantitative
        if kind == "truncate":
            return bool(cut_widths(str(t["name"])))
        if kind == "value_in_name":
            unit = t["unit"]
            return bool(
                quantitative
                and isinstance(unit, str)
                and unit_in_name_ok(unit)
                and CJK.match(str(t["name"])[-1])
                and not (unit in ("年", "月") and len(fmt_number(t["value"])) == 4)
            )
        if kind in ("unit_invalid", "unit_blank"):
            return quantitative
        return True

    def perturb(self, row: SynthRow, kind: str, form: SynthForm) -> None:
        """Apply one row perturbation, updating the printed cells and the truth."""
        rng, t, c = self.rng, row.truth, row.cells
        row.kinds.append(kind)
        if kind == "truncate":
            full = str(t["name"])
            width = rng.choice(cut_widths(full))
            c["name"] = full[:width]
            row.full_name = full
            add_flags(t, "name_truncated")
            if rng.random() < 0.5:  # the overview names it in full: the cut is recoverable
                form.header["overview"] = f"{form.header.get('overview') or ''}重点保障{full}。"
        elif kind == "value_in_name":
            number = fmt_number(t["value"])
            target = f"{number}{t['unit']}"
            if self.layout == "ocr_4col":
                target = f"{t['operator'] or ''}{target}"
            name = c["name"]
            c["name"] = name[:-1] + target + name[-1] if name.endswith("）") else name + target
            c["value"] = ""
            add_flags(t, "value_in_name")
        elif kind == "unit_invalid":
            c["unit"] = str(rng.randint(2, 99))
            t["unit"] = None
            add_flags(t, "unit_invalid")
        elif kind == "unit_blank":
            c["unit"] = ""
            t["unit"] = None
            add_flags(t, "unit_missing")
        elif kind == "value_blank":
            c["value"] = ""
            t["value"] = None
            if self.layout == "ocr_4col":
                t["value_kind"] = t["unit"] = t["operator"] = None
            elif self.layout == "pdf_tab7" and not c["unit"]:
                t["value_kind"] = None
            add_flags(t, "value_missing")
        elif kind == "category_op":
            c["operator"] = LEVEL1_SHORT[row.item.level1]
            t["operator"] = None
            t["level1"] = row.item.level1  # the category names it, wrapper or not
            add_flags(t, "category_in_operator")
        elif kind == "column_shift":
            row.shift = rng.choice((-1, 1))
            add_flags(t, "column_shift")
        elif kind == "ocr_noise":
            for role in ("value", "weight"):
                if c.get(role):
                    c[role] = c[role].translate(_FULLWIDTH).replace("%", "％")
            if c.get("unit") == "%":
                c["unit"] = "％"
            op = c.get("operator", "")
            if op in _NOISY_OPS:
                c["operator"] = rng.choice(_NOISY_OPS[op])
            value = c.get("value", "")
            for plain, noisy in _NOISY_OPS.items():
                if value.startswith(plain):
                    c["value"] = rng.choice(noisy) + value[len(plain) :]
                    break

    def weight_copy(self, form: SynthForm) -> None:
        """Every value cell repeats the weight (001): the targets are lost unless in the name."""
        form.kinds.append("weight_copy")
        for row in form.rows:
            t, c = row.truth, row.cells
            c["value"] = str(t["weight"])
            add_flags(t, "value_suspect")
            if "value_in_name" in t["flags"]:
                continue  # the name still carries the target
            t["value"] = None
            if self.layout == "cell_per_line" and c["unit"] == "定性":
                t["value_kind"] = "qualitative"
            else:
                t["value_kind"] = "quantitative" if t["unit"] else None
            add_flags(t, "value_missing")

    def form(self) -> SynthForm:
        """One form: header, 4–10 rows in level order, then its perturbations."""
        rng = self.rng
        kind = "department" if self.layout == "cell_per_line" and rng.random() < 0.1 else "project"
        header, style = self.header(kind)
        if self.layout == "cell_per_line":
            style["wrapper"] = rng.choice((None, None, "full", "short"))
            style["weight_pct"] = rng.random() < 0.4
        elif self.layout == "ocr_4col":
            style["annotate"] = rng.random() < 0.7
        form = SynthForm(self.layout, header, [], style)
        items = self._items(rng.randint(4, 10))
        form.rows = [self.base_row(item, style) for item in items]
        copy = self.layout != "ocr_4col" and rng.random() < self.rate / 3
        if self.layout == "pdf_tab7" and rng.random() < self.rate:
            form.kinds.append("wrap")
            style["wrap"] = True
        allowed = {"value_in_name", "category_op", "ocr_noise"} if copy else set(self.kinds)
        for row in form.rows:
            if rng.random() >= self.rate:
                continue
            kinds = [k for k in self.kinds if k in allowed and self._applicable(row, k)]
            if kinds:
                weights = [self.kinds[k] for k in kinds]
                self.perturb(row, rng.choices(kinds, weights)[0], form)
        if copy:
            self.weight_copy(form)
        if style.get("wrap"):
            for row in form.rows:
                if len(row.cells["name"]) > 5:
                    row.cells["name"] = wrap_text(row.cells["name"])
        if self.layout == "ocr_4col":
            _number_names(form.rows)
        for row in form.rows:
            row.truth["name_raw"] = row.cells["name"].strip(BLANKS)
            if self.layout == "cell_per_line":
                for role in ("name", "weight", "unit", "operator", "value"):
                    row.cells[role] = pad(rng, row.cells[role])
        return form


def _number_names(rows: Sequence[SynthRow]) -> None:
    """OCR names carry ``指标N:``, numbered from 1 within each level2 block."""
    block: tuple[str, str] | None = None
    number = 0
    for row in rows:
        key = (row.cells["level1"], row.cells["level2"])
        number = number + 1 if key == block else 1
        block = key
        row.cells["name"] = f"指标{number}: {row.cells['name']}"
