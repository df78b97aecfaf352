"""The builder of seed-layout synthetic forms: header, rows, perturbations, from one seeded RNG.

What every seed layout shares (picking header texts from the pool, drawing items and weights,
the perturbations and their truth) is here; what differs is a ``SeedLayout`` in
``jixiao.synth.layouts`` (one module per layout, as ``jixiao.layouts`` has one per seed
layout): its header fields, how it prints a row, where a perturbation's truth differs, and its
text rendering. The builder never asks which layout it builds.
"""

from __future__ import annotations

import random
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
    truth,
    unit_in_name_ok,
    wrap_text,
)
from jixiao.synth.pool import Item, Pool

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


class SeedLayout:
    """How one seed layout prints a form; the defaults are what most layouts do.

    A layout module makes one instance (``LAYOUT``) of a subclass and sets ``name`` (the
    ``cases.json`` tag) and ``row_kinds`` (its row perturbations with their weights).
    """

    name: str = ""
    #: Row perturbations this layout can print, with their relative weights.
    row_kinds: Mapping[str, float] = {}
    #: Whether a whole form may repeat the weight in every value cell (``weight_copy``).
    weight_copies: bool = True
    #: Whether a form may be wrapped (a blank every 5 characters, as a PDF line wrap leaves).
    wraps: bool = False
    #: Whether a target moved into the name keeps its operator (``≥20万元``).
    operator_in_value: bool = False

    def form_kind(self, rng: random.Random) -> str:
        """``project`` or ``department`` for a new form."""
        return "project"

    def header(self, b: Builder, h: dict[str, Any], style: dict[str, Any], kind: str) -> None:
        """Fill the header truth ``h`` (its ``budget_total`` is drawn) and its render options."""
        raise NotImplementedError

    def form_style(self, rng: random.Random, style: dict[str, Any]) -> None:
        """Render options drawn once the header is made."""

    def cells(
        self, b: Builder, item: Item, t: dict[str, Any], value: str, style: Mapping[str, Any]
    ) -> dict[str, str]:
        """The clean row's cells by role (``value`` is the target as text); edits truth ``t``."""
        raise NotImplementedError

    def value_blank(self, t: dict[str, Any], cells: Mapping[str, str]) -> None:
        """The truth of a row whose value cell was emptied, beyond ``value`` null."""

    def copied_value_kind(self, t: Mapping[str, Any], cells: Mapping[str, str]) -> str | None:
        """The value kind of a weight-copied row whose target is lost."""
        return "quantitative" if t["unit"] else None

    def finish_rows(self, rows: Sequence[SynthRow]) -> None:
        """Last edits to the printed rows, after the perturbations and before ``name_raw``."""

    def finish_cells(self, rng: random.Random, row: SynthRow) -> None:
        """Last edits to one row's cells after its ``name_raw`` is set (trimmed on read)."""

    def render(self, forms: Sequence[SynthForm]) -> str:
        """The text of a file of ``forms``."""
        raise NotImplementedError


class Builder:
    """Builds the forms of one case from the pool with one seeded RNG."""

    def __init__(self, pool: Pool, rng: random.Random, layout: SeedLayout, rate: float) -> None:
        self.pool = pool
        self.rng = rng
        self.layout = layout
        self.rate = rate
        self.kinds = layout.row_kinds

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
        h: dict[str, Any] = {k: None for k in FORM_FIELDS if k != "indicators"}
        h["form_kind"] = kind
        h["budget_breakdown"] = {}
        style: dict[str, Any] = {}
        h["budget_total"] = self._budget()
        self.layout.header(self, h, style, kind)
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
        t = truth(item)
        value = str(item.value) if isinstance(item.value, str) else fmt_number(item.value)
        cells = self.layout.cells(self, item, t, value, style)
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
            if self.layout.operator_in_value:
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
            self.layout.value_blank(t, c)
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
            t["value_kind"] = self.layout.copied_value_kind(t, c)
            add_flags(t, "value_missing")

    def form(self) -> SynthForm:
        """One form: header, 4–10 rows in level order, then its perturbations."""
        rng = self.rng
        layout = self.layout
        kind = layout.form_kind(rng)
        header, style = self.header(kind)
        layout.form_style(rng, style)
        form = SynthForm(layout.name, header, [], style)
        items = self._items(rng.randint(4, 10))
        form.rows = [self.base_row(item, style) for item in items]
        copy = layout.weight_copies and rng.random() < self.rate / 3
        if layout.wraps and rng.random() < self.rate:
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
        layout.finish_rows(form.rows)
        for row in form.rows:
            row.truth["name_raw"] = row.cells["name"].strip(BLANKS)
            layout.finish_cells(rng, row)
        return form
