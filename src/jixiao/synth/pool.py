"""The seed pool of the synthetic sets: clean indicators and header texts from ``golden/``.

Only indicators that carry no flag and have every field are taken; rows whose seed states no
level get plausible ones (they are rendered).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

#: The golden directory the pool is read from (the repository's ``golden/``).
DEFAULT_GOLDEN = Path(__file__).resolve().parents[3] / "golden"


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
