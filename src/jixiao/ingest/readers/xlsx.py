"""Excel (.xlsx) → rows: every sheet in workbook order, merged ranges resolved, numbers as typed.

openpyxl's read-only mode streams rows without loading the sheet, and in a merged range only
the top-left cell holds a value, which is exactly the "text once, continuation empty" shape
the parser wants. Numbers are rendered as a person reads them (``100`` not ``100.0``, a
``0%`` format as ``90%``), dates as ``2023-01-01``. Hidden sheets are read too: archives hide
finished forms, they do not delete them.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from jixiao import limits
from jixiao.errors import InputError
from jixiao.ingest.readers.rows import RowBuilder


def read_xlsx(data: bytes, name: str) -> RowBuilder:
    """Rows of every sheet, one after another; an unreadable workbook is an ``InputError``."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zip, XML, and openpyxl's own errors: not a readable workbook
        raise InputError(
            name, f"corrupt .xlsx (cannot open the workbook: {exc})", code="corrupt"
        ) from exc
    out = RowBuilder()
    try:
        for ws in wb.worksheets:
            if getattr(ws, "max_row", None) is None:
                ws.reset_dimensions()  # a sheet with no dimension tag: scan all rows
            grid: list[list[str]] = []
            width = 0
            for row in ws.iter_rows():
                grid.append([cell_text(c) for c in row])
                width = max(width, len(grid[-1]))
                limits.check_grid("", len(grid), width)
            width = max((_last_filled(r) + 1 for r in grid), default=0)
            out.table([r[:width] for r in grid])
    except InputError:
        raise
    except Exception as exc:
        raise InputError(
            name, f"corrupt .xlsx (a sheet cannot be read: {exc})", code="corrupt"
        ) from exc
    finally:
        wb.close()
    return out


def cell_text(cell: Any) -> str:
    """A cell's value as displayed: numbers without a spurious ``.0``, percent formats kept."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        fmt = str(getattr(cell, "number_format", "") or "")
        if "%" in fmt:
            return f"{number_text(value * 100)}%"
        return number_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def number_text(value: float | int) -> str:
    """``100.0`` → ``100``; ``126.73`` → ``126.73``; float noise (``0.30000000000000004``) rounded."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer():
        return str(int(value))
    return repr(round(value, 10))


def _last_filled(row: list[str]) -> int:
    """Index of the row's last non-empty cell (-1 for an empty row)."""
    for i in range(len(row) - 1, -1, -1):
        if row[i].strip():
            return i
    return -1
