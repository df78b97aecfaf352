"""Synthetic golden sets with exact truth, for volume evals and benchmarks (``jixiao synth``).

The five seeds are all the labelled text there is, and hand labelling does not scale, so this
module makes more: clean forms are recombined from the seeds' golden records (only indicators
that carry no flag and have every field), rendered in the text shape of each seed layout, and
perturbed in known ways at controlled rates. Because every defect is put in on purpose, the
truth is known exactly and is written beside the input, in the contract's golden-set layout::

    <out>/inputs/<case>.txt           one layout per case, ``forms_per_file`` forms per file
    <out>/expected/<case>.jsonl       the truth, one contract record per form
    <out>/perturbations/<case>.jsonl  what was done to each form and row (for per-kind scores)
    <out>/cases.json                  case -> {"layout", "source": "synth", "forms", counts}

Output is written case by case, so 100,000 forms never sit in memory.

Layouts (the renderers write the same text shapes the seeds use, so the real parser reads them):

* ``cell_per_line``: docx dump, one tab-indented cell per line, blank line between rows (000–002);
* ``pdf_tab7``: tab-separated PDF dump, 7 indicator columns plus the caption column (003);
* ``ocr_4col``: tab-separated OCR dump, 4 columns, merged level cells, ``指标N:`` names, values
  like ``≤20万元`` (004).

Perturbations and the truth they produce (at stage ``rules``):

============== ===================== =====================================================
kind           layouts               truth
============== ===================== =====================================================
truncate       pdf_tab7              cut mid-word at a cell width (5 or 10): name_truncated;
                                     name = the full name when the file prints it elsewhere
                                     (another row, or the overview, where it is put on
                                     purpose for half the cuts), else null with the full
                                     name as an alternative
wrap (form)    pdf_tab7              a blank every 5 characters next to CJK text: no flag,
                                     the name comes back without blanks
unit_invalid   cell_per_line, pdf    a number in the unit cell: unit_invalid, unit null
unit_blank     cell_per_line, pdf    no unit for a number: unit_missing, unit null
value_blank    all                   no target: value_missing, value null
value_in_name  all                   the target moved into the name (``满意度90%``):
                                     value_in_name; name without it, value from it
category_op    cell_per_line         产出/效益/满意度 in the operator column:
                                     category_in_operator, operator null, level1 from it
weight_copy    cell_per_line, pdf    (whole form) every value cell holds the weight:
  (form)                             value_suspect + value_missing, or the value from the
                                     name where the name carries it (value_in_name)
column_shift   ocr_4col              the row's cells slid a column left or right:
                                     column_shift, fields as printed
ocr_noise      all                   ``％``, full-width digits, ``＞＝``/``＜＝``/``＝``: no flag,
                                     the same values
============== ===================== =====================================================

``rate`` is the share of indicator rows that get one row perturbation (kinds drawn by fixed
weights per layout); a form is weight-copied with probability ``rate / 3`` and a PDF form is
wrapped with probability ``rate``. Everything is drawn from ``random.Random`` seeded per case,
so a seed gives the same files byte for byte.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jixiao import vocab
from jixiao.grammar import fmt_number, words
from jixiao.schema import FLAGS, FORM_FIELDS, INDICATOR_FIELDS

#: The seed layouts the generator renders, with their ``cases.json`` tags.
LAYOUTS: tuple[str, ...] = ("cell_per_line", "pdf_tab7", "ocr_4col")
#: The golden directory the pool is read from (the repository's ``golden/``).
DEFAULT_GOLDEN = Path(__file__).resolve().parents[3] / "golden"
FORMS_PER_FILE = 50

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

_LEVEL1_ORDER = {"产出指标": 0, "成本指标": 1, "效益指标": 2, "满意度指标": 3}
_LEVEL1_SHORT = {"产出指标": "产出", "效益指标": "效益", "满意度指标": "满意度", "成本指标": "成本"}
_WEIGHTS = (5, 10, 15, 20, 25, 30)
_CJK = re.compile(r"[\u3400-\u9fff]")
_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")
_NOISY_OPS = {"≥": ("＞＝", ">="), "≤": ("＜＝", "<="), "=": ("＝",), ">": ("＞",), "<": ("＜",)}
_CELL_WIDTHS = (5, 10)
_BLANKS = " \t\u3000\u00a0\u200b\ufeff"  # what ``layouts.base.clean`` trims


# --------------------------------------------------------------------------- the pool


@dataclass(frozen=True)
class Item:
    """One clean indicator from the seeds' truth: what a synthetic row states."""

    level1: str
    level2: str | None
    name: str
    operator: str | None
    value: int | float | str
    value_kind: str
    unit: str | None

    @property
    def quantitative(self) -> bool:
        return self.value_kind == "quantitative"


@dataclass(frozen=True)
class Pool:
    """Clean indicators and header texts, by the layout of the seed they came from."""

    items: tuple[Item, ...]
    headers: Mapping[str, tuple[Mapping[str, Any], ...]]


def _levels(rec: Mapping[str, Any]) -> tuple[str, str | None]:
    """The row's levels; rows whose seed states none get plausible ones (they are rendered)."""
    if rec.get("level1"):
        l1: str = rec["level1"]
        l2 = rec.get("level2") or ("服务对象满意度指标" if l1 == "满意度指标" else None)
        return l1, l2
    name, unit = str(rec["name"]), rec.get("unit")
    if "满意" in name:
        return "满意度指标", "服务对象满意度指标"
    if rec.get("value_kind") == "qualitative":
        return "效益指标", "社会效益指标"
    if "及时" in name or "按时" in name:
        return "产出指标", "时效指标"
    if unit == "万元":
        return "产出指标", "成本指标"
    if unit == "%":
        return "产出指标", "质量指标"
    return "产出指标", "数量指标"


def _usable(rec: Mapping[str, Any]) -> bool:
    """Clean and complete: no flag, a name, a value, a kind, and a unit for a number."""
    if rec.get("flags") or not rec.get("name") or rec.get("value") is None:
        return False
    if rec.get("value_kind") == "quantitative":
        return rec.get("unit") is not None and isinstance(rec["value"], int | float)
    return rec.get("value_kind") == "qualitative" and isinstance(rec["value"], str)


@cache
def load_pool(golden: Path = DEFAULT_GOLDEN) -> Pool:
    """Read the seed cases of ``golden`` (``cases.json`` source ``seed``) into a pool."""
    cases = json.loads((golden / "cases.json").read_text(encoding="utf-8"))
    items: dict[tuple[Any, ...], Item] = {}
    headers: dict[str, list[dict[str, Any]]] = {}
    for case, meta in sorted(cases.items()):
        if not isinstance(meta, dict) or meta.get("source") != "seed":
            continue
        layout = str(meta.get("layout"))
        path = golden / "expected" / f"{case}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            head = {k: v for k, v in rec.items() if k != "indicators"}
            headers.setdefault(layout, []).append(head)
            for ind in rec.get("indicators") or []:
                if not _usable(ind):
                    continue
                l1, l2 = _levels(ind)
                unit = ind["unit"] if ind["value_kind"] == "quantitative" else None
                item = Item(
                    l1, l2, ind["name"], ind["operator"], ind["value"], ind["value_kind"], unit
                )
                items.setdefault((item.name, item.value, item.unit, item.operator), item)
    if not items:
        raise ValueError(f"{golden}: no seed cases with clean indicators")
    return Pool(
        items=tuple(items.values()),
        headers={k: tuple(v) for k, v in sorted(headers.items())},
    )


# --------------------------------------------------------------------------- synthetic forms


@dataclass
class SynthRow:
    """A row as printed (cells by role) and its truth; ``kinds`` says what was done to it."""

    item: Item
    cells: dict[str, str]
    truth: dict[str, Any]
    kinds: list[str] = field(default_factory=list)
    full_name: str | None = None  # the name before a cut
    shift: int = 0  # OCR column shift: -1 left, +1 right


@dataclass
class SynthForm:
    """One form: header truth, render options and rows."""

    layout: str
    header: dict[str, Any]
    rows: list[SynthRow]
    style: dict[str, Any] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        """The truth as one contract record, fields in schema order."""
        rec = {k: self.header.get(k) for k in FORM_FIELDS if k != "indicators"}
        rec["budget_breakdown"] = dict(self.header.get("budget_breakdown") or {})
        rec["indicators"] = [{k: r.truth[k] for k in INDICATOR_FIELDS} for r in self.rows]
        return rec


@dataclass
class SynthCase:
    """One output file: its name, layout, forms and rendered text."""

    name: str
    layout: str
    forms: list[SynthForm]
    rendered: tuple[str, list[dict[str, Any]]] | None = None  # unseen renderings: text, truth

    def text(self) -> str:
        if self.rendered is not None:
            return self.rendered[0]
        return RENDERERS[self.layout](self.forms)

    def records(self) -> list[dict[str, Any]]:
        """The truth, one contract record per form."""
        if self.rendered is not None:
            return self.rendered[1]
        return [f.record() for f in self.forms]

    def counts(self) -> Counter[str]:
        """Perturbations applied (row kinds once per row, form kinds once per form)."""
        c: Counter[str] = Counter()
        for f in self.forms:
            c.update(f.kinds)
            for r in f.rows:
                c.update(r.kinds)
        return c


def _num(value: float) -> int | float:
    """A JSON number as the contract writes it: integral values as ints."""
    return int(value) if float(value).is_integer() else round(value, 6)


def _truth(item: Item) -> dict[str, Any]:
    return {
        "level1": item.level1,
        "level2": item.level2,
        "name": item.name,
        "name_alternatives": [],
        "name_raw": item.name,
        "operator": item.operator,
        "value": item.value,
        "value_kind": item.value_kind,
        "unit": item.unit,
        "weight": None,
        "flags": [],
    }


def _add_flags(truth: dict[str, Any], *flags: str) -> None:
    merged = set(truth["flags"]) | set(flags)
    truth["flags"] = [f for f in FLAGS if f in merged]  # the contract's order


def _pad(rng: random.Random, text: str) -> str:
    """Word dumps often carry U+3000 around a cell (``　重点人员稳控管理``); trimmed on read."""
    roll = rng.random()
    if roll < 0.08:
        return "\u3000" + text
    if roll < 0.16:
        return text + "\u3000"
    return text


@lru_cache(maxsize=65536)
def cut_widths(name: str) -> tuple[int, ...]:
    """Cell widths at which ``name`` would be cut strictly inside a CJK word (evidently cut)."""
    out: list[int] = []
    for width in _CELL_WIDTHS:
        if len(name) <= width:
            continue
        pos = 0
        for token in words(name):
            end = pos + len(token)
            if pos < width < end and len(token) >= 2 and _CJK.match(token[width - pos - 1]):
                out.append(width)
                break
            if end >= width:
                break
            pos = end
    return tuple(out)


def wrap_text(text: str, width: int = 5) -> str:
    """Insert the blank a PDF line wrap leaves after every ``width`` characters.

    Only between characters at least one of which is CJK: a blank between two digits or two
    Latin letters cannot be told from a real one, so no reader could remove it.
    """
    out: list[str] = []
    for i, ch in enumerate(text):
        if i and i % width == 0 and (_CJK.match(text[i - 1]) or _CJK.match(ch)):
            out.append(" ")
        out.append(ch)
    return "".join(out)


class _Builder:
    """Builds the forms of one case from the pool with one seeded RNG."""

    def __init__(self, pool: Pool, rng: random.Random, layout: str, rate: float) -> None:
        self.pool = pool
        self.rng = rng
        self.layout = layout
        self.rate = rate
        self.kinds = ROW_KINDS[layout]

    # ---------------------------------------------------------------- header

    def _pick(self, layout: str, key: str, kind: str = "project") -> Any:
        """A value of header field ``key`` from a random seed form of ``layout`` (recombined)."""
        heads = [
            h
            for h in self.pool.headers.get(layout, ())
            if h.get(key) is not None and h.get("form_kind") == kind
        ]
        return self.rng.choice(heads)[key] if heads else None

    def _pick_pair(
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
        return _num(round(self.rng.uniform(0.5, 800), 2))

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
            h["department"], h["department_code"] = self._pick_pair(
                "cell_per_line", "department", "department_code", kind
            )
            if kind == "department":
                h["title"] = "部门整体绩效目标表"
                goal = self._pick("cell_per_line", "annual_goal", "department")
                h["annual_goal"] = goal
                m = re.search(r"((?:19|20)\d{2})年(?:度)?(?:部门)?预算", goal or "")
                h["year"] = int(m.group(1)) if m else None
                style["budget_text"] = fmt_number(budget)
                return h, style
            year = rng.choice((2022, 2023, 2024, 2025))
            h["title"] = "部门专项绩效目标申报表"
            h["year"] = year
            h["project_name"] = self._pick("cell_per_line", "project_name")
            h["compiling_unit"] = self._pick("cell_per_line", "compiling_unit")
            for key in ("overview", "basis", "annual_goal"):
                h[key] = self._pick("cell_per_line", key)
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
            h["project_name"] = self._pick("pdf_tab7", "project_name")
            h["department"], h["department_code"] = self._pick_pair(
                "pdf_tab7", "department", "department_code"
            )
            h["implementing_unit"], h["implementing_unit_code"] = self._pick_pair(
                "pdf_tab7", "implementing_unit", "implementing_unit_code"
            )
            h["project_attribute"] = rng.choice(("新增", "新增", "延续"))
            h["period_start"] = f"{year}年"
            h["period_end"] = rng.choice(("长期", "长期", "1年"))
            h["overview"] = self._pick("pdf_tab7", "overview")
            h["annual_goal"] = self._pick("pdf_tab7", "annual_goal")
        else:
            year = rng.choice((2022, 2023, 2024))
            h["title"] = "部门项目支出预算绩效目标申报表"
            h["year"] = year
            h["project_name"] = self._pick("ocr_4col", "project_name")
            h["department"] = self._pick("ocr_4col", "department")
            h["implementing_unit"] = self._pick("ocr_4col", "implementing_unit")
            h["project_attribute"] = rng.choice(("新增", "延续"))
            h["duration"] = "1年"
            h["annual_goal"] = self._pick("ocr_4col", "annual_goal")
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
        return sorted(out, key=lambda i: (_LEVEL1_ORDER.get(i.level1, 9), order[i.level2]))

    def _weight(self, item: Item) -> int:
        """A weight that never equals the row's value (that is the weight-copy defect)."""
        choices = [w for w in _WEIGHTS if not (item.quantitative and float(item.value) == w)]
        return self.rng.choice(choices)

    def base_row(self, item: Item, style: Mapping[str, Any]) -> SynthRow:
        """The clean row as this layout prints it, and its truth."""
        rng = self.rng
        t = _truth(item)
        cells: dict[str, str] = {}
        value = str(item.value) if isinstance(item.value, str) else fmt_number(item.value)
        if self.layout == "cell_per_line":
            weight = self._weight(item)
            t["weight"] = weight
            name = item.name
            wrapper = style.get("wrapper")
            if wrapper:
                l1 = item.level1 if wrapper == "full" else _LEVEL1_SHORT[item.level1]
                l2 = item.level2
                if l2 and item.level1 != "满意度指标":
                    l2s = l2 if wrapper == "full" else _short_level2(l2)
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
            weight = self._weight(item)
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
                and _unit_in_name_ok(unit)
                and _CJK.match(str(t["name"])[-1])
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
            _add_flags(t, "name_truncated")
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
            _add_flags(t, "value_in_name")
        elif kind == "unit_invalid":
            c["unit"] = str(rng.randint(2, 99))
            t["unit"] = None
            _add_flags(t, "unit_invalid")
        elif kind == "unit_blank":
            c["unit"] = ""
            t["unit"] = None
            _add_flags(t, "unit_missing")
        elif kind == "value_blank":
            c["value"] = ""
            t["value"] = None
            if self.layout == "ocr_4col":
                t["value_kind"] = t["unit"] = t["operator"] = None
            elif self.layout == "pdf_tab7" and not c["unit"]:
                t["value_kind"] = None
            _add_flags(t, "value_missing")
        elif kind == "category_op":
            c["operator"] = _LEVEL1_SHORT[row.item.level1]
            t["operator"] = None
            t["level1"] = row.item.level1  # the category names it, wrapper or not
            _add_flags(t, "category_in_operator")
        elif kind == "column_shift":
            row.shift = rng.choice((-1, 1))
            _add_flags(t, "column_shift")
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
            _add_flags(t, "value_suspect")
            if "value_in_name" in t["flags"]:
                continue  # the name still carries the target
            t["value"] = None
            if self.layout == "cell_per_line" and c["unit"] == "定性":
                t["value_kind"] = "qualitative"
            else:
                t["value_kind"] = "quantitative" if t["unit"] else None
            _add_flags(t, "value_missing")

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
            row.truth["name_raw"] = row.cells["name"].strip(_BLANKS)
            if self.layout == "cell_per_line":
                for role in ("name", "weight", "unit", "operator", "value"):
                    row.cells[role] = _pad(rng, row.cells[role])
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


def _short_level2(level2: str) -> str:
    """``数量指标`` → ``数量`` where the short form reads back the same; else as it is."""
    short = level2.removesuffix("指标")
    return short if vocab.LEVEL2_CANON.get(short) == level2 else level2


def _unit_in_name_ok(unit: str) -> bool:
    return unit in vocab.UNITS or unit in vocab.UNIT_ALIASES


# --------------------------------------------------------------------------- truncation truth


def resolve_truncations(forms: Sequence[SynthForm]) -> None:
    """Set the truth of cut names once the whole file is known.

    A cut name is recoverable when the file prints the full name elsewhere (another row's
    name, or an overview or goal): then ``name`` is the full name. Otherwise ``name`` is null
    and the full name is an alternative (never wrong, only unsupported). Other complete names
    of the file that extend the cut text are alternatives too: the file supports them.
    """
    names = Counter(
        str(r.truth["name"])
        for f in forms
        for r in f.rows
        if r.full_name is None and r.truth["name"]
    )
    texts = "\n".join(
        str(f.header.get(k) or "") for f in forms for k in ("overview", "basis", "annual_goal")
    )
    for f in forms:
        for row in f.rows:
            if row.full_name is None:
                continue
            cut = re.sub(r"\s+", "", row.cells["name"])
            full = row.full_name
            longer = sorted(
                n for n in names if n.startswith(cut) and n != full and len(n) > len(cut)
            )
            if names[full] or full in texts:
                row.truth["name"] = full
                row.truth["name_alternatives"] = longer
            else:
                row.truth["name"] = None
                row.truth["name_alternatives"] = [full, *longer]


# --------------------------------------------------------------------------- renderers


def render_cell_per_line(forms: Sequence[SynthForm]) -> str:
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
            out += ["\t专项资金名称", f"\t{h['project_name']}", "\t业务主管部门", f"\t{dept}", ""]
            out += [f"\t{h['year']}年预算", f"\t {s['budget_text']}", "\t区级支出"]
            out += [f"\t\u3000{s['budget_text']}", ""]
            out += ["\t", "\t", "\t补助街镇", f"\t\u3000{s['town_text']}", ""]
            out += ["\t项目概况", f"\t{h['overview']}", ""]
            out += ["\t立项依据", f"\t{h['basis']}", ""]
            out += ["\t当年绩效目标", f"\t{h['annual_goal']}", ""]
        out += ["\t绩效指标", "\t指标", "\t指标权重", "\t计量单位", "\t指标性质", "\t指标值", ""]
        for r in f.rows:
            c = r.cells
            out += ["\t"] + [f"\t{c[k]}" for k in ("name", "weight", "unit", "operator", "value")]
            out += [""]
        out += ["", ""]
    return "\n".join(out) + "\n"


def _coded(code: Any, name: Any, wrap: bool) -> str:
    """``103-重庆市綦江区人民政府 办公室``: code, dash, name, wrapped like 003's header cells."""
    text = f"{code}-{name}" if code else str(name)
    return wrap_text(text, 13) if wrap and len(text) > 13 else text


def render_pdf_tab7(forms: Sequence[SynthForm]) -> str:
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
        out.append(f"项目起始时间\t{h['period_start']}\t项目终止时间\t\t{h['period_end']}\t\t\t")
        out.append(f"项目概况\t{h['overview']}" + "\t" * 6)
        out.append(f"项目当年绩效目\t{h['annual_goal']}" + "\t" * 6)
        out.append("绩效指标\t一级指标\t二级指标\t三级指标\t指标值\t指标性质\t度量单位\t权重")
        for r in f.rows:
            c = r.cells
            keys = ("level1", "level2", "name", "value", "operator", "unit", "weight")
            out.append("\t" + "\t".join(c[k] for k in keys))
    return "\n".join(out) + "\n"


def render_ocr_4col(forms: Sequence[SynthForm]) -> str:
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


RENDERERS = {
    "cell_per_line": render_cell_per_line,
    "pdf_tab7": render_pdf_tab7,
    "ocr_4col": render_ocr_4col,
}


# --------------------------------------------------------------------------- generation


def rendering_names() -> tuple[str, ...]:
    """The unseen renderings of issue 13 (``jixiao.synth.renderings``)."""
    from jixiao.synth.renderings import RENDERINGS

    return tuple(RENDERINGS)


def parse_layouts(spec: str) -> tuple[str, ...]:
    """``all`` (seed layouts), ``renderings``, ``everything`` or a comma list → validated."""
    spec = spec.strip()
    if spec in ("", "all"):
        return LAYOUTS
    if spec == "renderings":
        return rendering_names()
    if spec == "everything":
        return LAYOUTS + rendering_names()
    known = LAYOUTS + rendering_names()
    chosen = tuple(dict.fromkeys(s.strip() for s in spec.split(",") if s.strip()))
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise ValueError(f"unknown layout(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    return chosen


def iter_cases(
    n: int,
    seed: int,
    layouts: Sequence[str] = LAYOUTS,
    rate: float = 0.3,
    forms_per_file: int = FORMS_PER_FILE,
    pool: Pool | None = None,
) -> Iterator[SynthCase]:
    """Yield the cases of a synthetic set one by one (one layout per case, round robin).

    Small sets get smaller files, so every layout has at least one case.
    """
    if n < 0 or not 0.0 <= rate <= 1.0 or forms_per_file < 1 or not layouts:
        raise ValueError("need n >= 0, 0 <= rate <= 1, forms_per_file >= 1 and a layout")
    pool = pool or load_pool()
    per_file = max(1, min(forms_per_file, math.ceil(n / len(layouts)))) if n else 1
    done = 0
    index = 0
    while done < n:
        layout = layouts[index % len(layouts)]
        count = min(per_file, n - done)
        rng = random.Random(f"jixiao-synth:{seed}:{index}")
        if layout not in ROW_KINDS:  # an unseen rendering: its own module, its own truth
            from jixiao.synth.renderings import build

            rendered = build(layout, pool, rng, count)
            yield SynthCase(f"synth_{index:05d}_{layout}", layout, [], rendered)
            done += count
            index += 1
            continue
        builder = _Builder(pool, rng, layout, rate)
        forms = [builder.form() for _ in range(count)]
        resolve_truncations(forms)
        yield SynthCase(f"synth_{index:05d}_{layout}", layout, forms)
        done += count
        index += 1


@dataclass
class SynthSummary:
    """What ``generate`` wrote."""

    out: Path
    cases: int = 0
    forms: int = 0
    indicators: int = 0
    layouts: Counter[str] = field(default_factory=Counter)
    perturbations: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)


def generate(
    n: int,
    seed: int,
    out: Path,
    layouts: Sequence[str] = LAYOUTS,
    rate: float = 0.3,
    forms_per_file: int = FORMS_PER_FILE,
    pool: Pool | None = None,
) -> SynthSummary:
    """Write a synthetic golden set of ``n`` forms to ``out`` (streaming, case by case)."""
    for sub in ("inputs", "expected", "perturbations"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    summary = SynthSummary(out=out)
    meta: dict[str, Any] = {}
    for case in iter_cases(n, seed, layouts, rate, forms_per_file, pool):
        text = case.text()
        (out / "inputs" / f"{case.name}.txt").write_text(text, encoding="utf-8")
        records = case.records()
        _write_jsonl(out / "expected" / f"{case.name}.jsonl", records)
        plans = [
            {"form": k, "form_kinds": f.kinds, "rows": [r.kinds for r in f.rows]}
            for k, f in enumerate(case.forms)
        ] or [
            {"form": k, "form_kinds": [], "rows": [[] for _ in rec["indicators"]]}
            for k, rec in enumerate(records)
        ]
        _write_jsonl(out / "perturbations" / f"{case.name}.jsonl", plans)
        counts = case.counts()
        flags: Counter[str] = Counter(
            fl for rec in records for ind in rec["indicators"] for fl in ind["flags"]
        )
        meta[case.name] = {
            "layout": case.layout,
            "source": "synth",
            "seed": seed,
            "forms": len(records),
            "perturbations": dict(sorted(counts.items())),
        }
        summary.cases += 1
        summary.forms += len(records)
        summary.indicators += sum(len(rec["indicators"]) for rec in records)
        summary.layouts[case.layout] += len(records)
        summary.perturbations.update(counts)
        summary.flags.update(flags)
    (out / "cases.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return summary


def _write_jsonl(path: Path, records: Sequence[Mapping[str, Any]]) -> None:
    lines = (json.dumps(r, ensure_ascii=False) for r in records)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
