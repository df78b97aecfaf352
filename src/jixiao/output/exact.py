"""Numbers every reader holds exactly: a record's integers past 2**53 or non-finite floats
become their source digits (text) and are flagged, never rounded silently."""

from __future__ import annotations

import math
import re
from typing import Any

#: Integers beyond this are not held exactly by readers that parse JSON numbers as doubles
#: (JavaScript, Excel, pandas); orjson cannot write those past 64 bits at all.
EXACT_INT = 2**53


def _inexact(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > EXACT_INT
    return isinstance(value, float) and not math.isfinite(value)


_DIGITS = re.compile(r"[-+]?\d[\d,，]*(?:\.\d+)?")


def exact_numbers(record: dict[str, Any], provenance: dict[str, Any]) -> dict[str, Any]:
    """A form record whose numbers every reader holds exactly: an indicator value that cannot
    be is kept as the source cell's digits (text) and flagged ``value_suspect``; a weight that
    cannot be is dropped and flagged; a header number is kept as text. Nothing is rounded
    silently (the parser's number may already be a rounded double: the cell is the truth)."""
    cells = [p.get("cells", {}) for p in provenance.get("indicators", [])]
    for k, ind in enumerate(record.get("indicators", [])):
        suspect = False
        if _inexact(ind.get("value")):
            raw = cells[k].get("value", {}).get("text", "") if k < len(cells) else ""
            digits = _DIGITS.search(raw)
            text = re.sub("[,，]", "", digits.group()) if digits else str(ind["value"])
            ind["value"], suspect = text, True
        if _inexact(ind.get("weight")):
            ind["weight"], suspect = None, True
        if suspect and "value_suspect" not in ind["flags"]:
            ind["flags"].append("value_suspect")
    for key, value in record.items():
        if key != "indicators" and _inexact(value):
            record[key] = str(value)
    return record


def json_safe(obj: Any) -> Any:
    """``obj`` with numbers no reader holds exactly turned into their text (see ``EXACT_INT``)."""
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [json_safe(v) for v in obj]
    return str(obj) if _inexact(obj) else obj
