"""Synthetic rows and forms with their truth, and the text helpers every synthetic print uses.

``SynthRow``/``SynthForm`` hold what a row or form prints (cells by role) beside its truth;
``truth`` is the clean truth of a pool item; ``cut_widths``/``wrap_text`` say where a PDF cell
cuts or wraps a name; ``resolve_truncations`` sets the truth of cut names once a file is known.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jixiao import vocab
from jixiao.grammar import words
from jixiao.schema import FLAGS, FORM_FIELDS, INDICATOR_FIELDS
from jixiao.synth.pool import Item

LEVEL1_ORDER = {"产出指标": 0, "成本指标": 1, "效益指标": 2, "满意度指标": 3}
LEVEL1_SHORT = {"产出指标": "产出", "效益指标": "效益", "满意度指标": "满意度", "成本指标": "成本"}
CJK = re.compile(r"[\u3400-\u9fff]")
_CELL_WIDTHS = (5, 10)
BLANKS = " \t\u3000\u00a0\u200b\ufeff"  # what ``layouts.base.clean`` trims


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


def num(value: float) -> int | float:
    """A JSON number as the contract writes it: integral values as ints."""
    return int(value) if float(value).is_integer() else round(value, 6)


def truth(item: Item) -> dict[str, Any]:
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


def add_flags(truth: dict[str, Any], *flags: str) -> None:
    merged = set(truth["flags"]) | set(flags)
    truth["flags"] = [f for f in FLAGS if f in merged]  # the contract's order


def pad(rng: random.Random, text: str) -> str:
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
            if pos < width < end and len(token) >= 2 and CJK.match(token[width - pos - 1]):
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
        if i and i % width == 0 and (CJK.match(text[i - 1]) or CJK.match(ch)):
            out.append(" ")
        out.append(ch)
    return "".join(out)


def short_level2(level2: str) -> str:
    """``数量指标`` → ``数量`` where the short form reads back the same; else as it is."""
    short = level2.removesuffix("指标")
    return short if vocab.LEVEL2_CANON.get(short) == level2 else level2


def unit_in_name_ok(unit: str) -> bool:
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
