"""jixiao (绩效): legacy 绩效目标表 → clean, typed, reviewed records.

The names below are imported on first use, so ``import jixiao.<module>`` (and ``jixiao --help``)
does not load the parser.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["FileResult", "Form", "Indicator", "normalize_bytes", "normalize_path"]
__version__ = "0.4.0"

_LAZY = {
    "normalize_bytes": "jixiao.pipeline",
    "normalize_path": "jixiao.pipeline",
    "FileResult": "jixiao.schema",
    "Form": "jixiao.schema",
    "Indicator": "jixiao.schema",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'jixiao' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
