"""JSON every reader holds exactly: numbers no reader can hold (see ``grammar.inexact``) are
written as their text. Indicator values are made exact and flagged before this, by
``defects.inexact_numbers``; this catches the rest (header amounts, provenance)."""

from __future__ import annotations

from typing import Any

from jixiao.grammar import inexact


def json_safe(obj: Any) -> Any:
    """``obj`` with numbers no reader holds exactly turned into their text."""
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [json_safe(v) for v in obj]
    return str(obj) if inexact(obj) else obj
