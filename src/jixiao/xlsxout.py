"""Spreadsheets for people, written in one pass: openpyxl's write-only mode (linear time).

Every sheet has a bold frozen header row and a filter over its columns; text is stored as text
(cell type ``s``), so no cell is ever a formula whatever it begins with, and keeps its exact
characters (only those an .xlsx cannot hold are replaced, see ``safetext.sheet_text``).
Numbers stay numbers, so they sort and sum. Rows go to a temporary file as they are appended;
memory does not grow with the row count.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jixiao.safetext import sheet_text

#: Background colours by finding severity (review.xlsx).
SEVERITY_FILL = {"error": "F5B7B1", "warning": "FAD7A0", "info": "AED6F1"}


class Sheet:
    """One write-only sheet: header first, then rows."""

    def __init__(self, ws: Any, headers: Sequence[str], widths: Sequence[float]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self._ws = ws
        self._cell = WriteOnlyCell
        self.columns = len(headers)
        self.rows = 0
        ws.freeze_panes = "A2"
        for k, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(k)].width = width
        bold = Font(bold=True)
        head = []
        for h in headers:
            cell = WriteOnlyCell(ws, value=h)
            cell.font = bold
            head.append(cell)
        ws.append(head)
        self._fills: dict[str, Any] = {}

    def append(self, values: Sequence[object], fill: tuple[int, str] | None = None) -> None:
        """One row; ``fill`` = (0-based column, RGB) colours one cell."""
        row: list[object] = []
        for k, v in enumerate(values):
            if v == "":
                row.append(None)
            elif isinstance(v, str):
                cell = self._cell(self._ws, value=sheet_text(v))
                cell.data_type = "s"  # text, never a formula
                row.append(cell)
            elif isinstance(v, bool | int | float) or v is None:
                row.append(v)
            else:
                row.append(sheet_text(str(v)))
            if fill is not None and fill[0] == k:
                row[k] = self._filled(row[k], fill[1])
        self._ws.append(row)
        self.rows += 1

    def _filled(self, value: object, rgb: str) -> Any:
        from openpyxl.styles import PatternFill

        if rgb not in self._fills:
            self._fills[rgb] = PatternFill("solid", fgColor=rgb)
        cell = value if isinstance(value, self._cell) else self._cell(self._ws, value=value)
        cell.fill = self._fills[rgb]
        return cell

    def finish(self) -> None:
        """The filter over every written row (known only at the end)."""
        from openpyxl.utils import get_column_letter

        self._ws.auto_filter.ref = f"A1:{get_column_letter(self.columns)}{self.rows + 1}"


class Workbook:
    """A write-only workbook; ``sheet()`` adds sheets in order, ``save()`` writes it."""

    def __init__(self) -> None:
        from openpyxl import Workbook as _Workbook

        self._wb = _Workbook(write_only=True)
        self._sheets: list[Sheet] = []

    def sheet(self, title: str, headers: Sequence[str], widths: Sequence[float]) -> Sheet:
        sheet = Sheet(self._wb.create_sheet(title), headers, widths)
        self._sheets.append(sheet)
        return sheet

    def save(self, path: Path) -> None:
        for sheet in self._sheets:
            sheet.finish()
        self._wb.save(path)

    def close(self) -> None:
        """Drop an unsaved workbook's temporary files."""
        for ws in self._wb.worksheets:
            closer = getattr(ws, "close", None)
            if closer is not None:
                closer()
