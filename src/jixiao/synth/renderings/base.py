"""What every unseen-rendering module shares: the base forms and how a target is printed.

A rendering is a module with ``NAME``, ``item_ok(item)`` (which pool items it can print with
an exact truth) and ``render(forms, rng) -> str``. ``forms`` are contract records made from
the same pool and header generator as the seed-layout synth (``jixiao.synth.builder.Builder``);
``render`` prints them and edits each record in place to what a careful reader can recover
from the printed text (fields it does not print become null, cleaned names, flags).
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from typing import Any

from jixiao.grammar import fmt_number
from jixiao.schema import FLAGS, FORM_FIELDS, INDICATOR_FIELDS

Record = MutableMapping[str, Any]

HEADER_FIELDS: tuple[str, ...] = tuple(k for k in FORM_FIELDS if k != "indicators")
CJK = re.compile(r"[\u3400-\u9fff]")
#: Qualitative targets a reader can cut off a glued row's end (a closed vocabulary).
CLOSED_QUALITATIVE = ("有所提升", "有所提高", "稳步提高", "明显", "健全", "优", "良")


def fmt(value: Any) -> str:
    """A value as a person types it: ``20``, ``8.5`` (never ``8.50``)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return fmt_number(value)
    return str(value)


def target(ind: Record, unit: bool = True) -> str:
    """``≥500人次``, ``100%``, ``优``: the operator, number and unit of one target as printed."""
    op = ind["operator"] or ""
    text = f"{op}{fmt(ind['value'])}"
    return f"{text}{ind['unit'] or ''}" if unit else text


#: The header most renderings print: title, year, project, department, budget and goal.
SHORT_HEADER: tuple[str, ...] = (
    "form_kind", "title", "year", "project_name", "department", "budget_total", "annual_goal"
)  # fmt: skip
#: The same with the department's code printed beside its name.
SHORT_HEADER_CODED: tuple[str, ...] = (*SHORT_HEADER, "department_code")


def keep_header(rec: Record, printed: Iterable[str]) -> None:
    """Null every header field the rendering does not print (breakdown: empty)."""
    shown = set(printed)
    for key in HEADER_FIELDS:
        if key not in shown:
            rec[key] = {} if key == "budget_breakdown" else None


def drop_weights(rec: Record) -> None:
    for ind in rec["indicators"]:
        ind["weight"] = None


def plain_name_ok(name: str) -> bool:
    """A name that ends in CJK, holds no blank, tab, pipe or bracket (safe to glue or space)."""
    return (
        bool(name)
        and bool(CJK.match(name[-1]))
        and not re.search(r"[\s|\[\]【】()（）:：;；≥≤<>=%％]", name)
    )


def glue_ok(ind_name: str, value: Any, quantitative: bool) -> bool:
    """Whether a row glued as ``name + target`` has only one reading.

    A number cuts cleanly after a name ending in CJK; a qualitative target only when it is from
    the closed vocabulary and the name does not itself end with one of its words.
    """
    if not plain_name_ok(ind_name):
        return False
    if quantitative:
        return True
    return str(value) in CLOSED_QUALITATIVE and not ind_name.endswith(
        tuple(w[-1] for w in CLOSED_QUALITATIVE) + ("提升", "提高")
    )


def order_fields(rec: Record) -> dict[str, Any]:
    """The record with fields in schema order (what ``expected/*.jsonl`` holds)."""
    out: dict[str, Any] = {k: rec.get(k) for k in HEADER_FIELDS}
    out["budget_breakdown"] = dict(rec.get("budget_breakdown") or {})
    inds: list[dict[str, Any]] = [{k: i[k] for k in INDICATOR_FIELDS} for i in rec["indicators"]]
    for ind in inds:
        ind["flags"] = [f for f in FLAGS if f in set(ind["flags"])]
    out["indicators"] = inds
    return out


def blocks(inds: Sequence[Record]) -> list[tuple[bool, bool]]:
    """Per row: (first of its level1 run, first of its level2 run) — where a merge prints."""
    out: list[tuple[bool, bool]] = []
    prev: tuple[Any, Any] = (object(), object())
    for ind in inds:
        key = (ind["level1"], ind["level2"])
        out.append((key[0] != prev[0], key != prev))
        prev = key
    return out


Renderer = Callable[[list[Record], random.Random], str]


def coded(code: Any, name: Any, style: str) -> str:
    """A unit name with its code: ``103-名称``, ``名称(103)``, ``[103]名称``, ``103 名称`` or the
    name alone."""
    if name is None:
        return ""
    if not code:
        return str(name)
    if style == "after":
        return f"{name}({code})"
    if style == "bracket":
        return f"[{code}]{name}"
    if style == "space":
        return f"{code} {name}"
    return f"{code}-{name}"


def width(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
