"""jixiao (绩效): legacy 绩效目标表 → clean, typed, reviewed records."""

from jixiao.pipeline import normalize_bytes, normalize_path
from jixiao.schema import FileResult, Form, Indicator

__all__ = ["FileResult", "Form", "Indicator", "normalize_bytes", "normalize_path"]
__version__ = "0.2.0"
