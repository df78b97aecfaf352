"""Spreadsheets for people, streamed in one pass: time and memory linear in the rows.

A thin layer over XlsxWriter in ``constant_memory`` mode (each row goes to disk as it is
written; openpyxl, even in write-only mode, spent about 1 ms a row through its cell objects:
15 s for a 1,000-form review.xlsx).

Every sheet has a bold, frozen header row and a filter over its columns. Text is stored as
text (``write_string``, and the workbook never turns strings into formulas, numbers or links),
so no cell is ever a formula whatever it begins with, and it keeps its exact characters (only
those XML cannot hold are replaced, see ``safetext.sheet_text``). Numbers stay numbers so they
sort and sum; an integer too long for Excel's 15 digits is written as text, so no digit is lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jixiao.output.safetext import sheet_text

#: Background colours by finding severity (review.xlsx).
SEVERITY_FILL = {"error": "F5B7B1", "warning": "FAD7A0", "info": "AED6F1"}

_EXCEL_DIGITS = 10**15


class Sheet:
    """One sheet being written: header first, then rows (``append``)."""

    def __init__(self, book: Workbook, ws: Any, headers: Sequence[str], widths: Sequence[float]):
        self.columns = len(headers)
        self.rows = 0
        self._book = book
        self._ws = ws
        self._cols = [_column_letters(k) for k in range(self.columns)]
        for k, width in enumerate(widths):
            ws.set_column(k, k, width)
        ws.freeze_panes(1, 0)
        self._row(list(headers), {k: book.bold for k in range(self.columns)})

    def append(self, values: Sequence[object], fill: tuple[int, str] | None = None) -> None:
        """One row; ``fill`` = (0-based column, RGB of ``Workbook.fills``) colours one cell."""
        self._row(values, {fill[0]: self._book.fill_style(fill[1])} if fill else None)

    def _row(self, values: Sequence[object], style: dict[int, Any] | None) -> None:
        """The row's XML, written straight to the sheet's row file (the bytes XlsxWriter's
        ``write_*`` calls would give, without its per-cell bookkeeping: 5x faster)."""
        r, ws = self.rows, self._ws
        self.rows += 1
        n = str(r + 1)
        cols = self._cols
        parts = [f'<row r="{n}">']
        first = last = -1
        for k, v in enumerate(values):
            fmt = style.get(k) if style else None
            s = "" if fmt is None else f' s="{fmt._get_xf_index()}"'
            if v is None or v == "":
                if fmt is None:
                    continue
                parts.append(f'<c r="{cols[k]}{n}"{s}/>')
            elif isinstance(v, bool):
                parts.append(f'<c r="{cols[k]}{n}"{s} t="b"><v>{int(v)}</v></c>')
            elif (isinstance(v, int) and abs(v) < _EXCEL_DIGITS) or (
                isinstance(v, float) and math.isfinite(v)
            ):
                parts.append(f'<c r="{cols[k]}{n}"{s}><v>{v:.16G}</v></c>')
            else:
                text = _inline_text(sheet_text(str(v)))
                space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
                parts.append(
                    f'<c r="{cols[k]}{n}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'
                )
            if first < 0:
                first = k
            last = k
        if first < 0:
            return  # XlsxWriter writes no element for a row without cells
        ws._check_dimensions(r, first)
        ws._check_dimensions(r, last)
        ws.previous_row = r
        parts.append("</row>")
        ws.fh.write("".join(parts))

    def finish(self) -> None:
        """The filter over every written row."""
        self._ws.autofilter(0, 0, max(self.rows - 1, 0), self.columns - 1)


class Workbook:
    """A streamed workbook: ``sheet()`` adds sheets in order, ``save()`` writes the .xlsx."""

    def __init__(self, fills: Sequence[str] = tuple(SEVERITY_FILL.values())) -> None:
        import xlsxwriter

        self.tmp = Path(tempfile.mkdtemp(prefix="jixiao-xlsx-"))
        self._file = self.tmp / "book.xlsx"
        self._book = xlsxwriter.Workbook(
            str(self._file),
            {
                "constant_memory": True,
                "tmpdir": str(self.tmp),
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        # A fixed creation time (SOURCE_DATE_EPOCH when set): the same inputs give the same
        # bytes, so a resumed or repeated run can be compared file for file.
        self._book.set_properties({"created": _created()})
        self.bold = self._book.add_format({"bold": True})
        self._fills = {rgb: self._book.add_format({"bg_color": f"#{rgb}"}) for rgb in fills}
        self._sheets: list[Sheet] = []
        self._closed = False

    def fill_style(self, rgb: str) -> Any:
        """The cell format of a background colour given to the workbook."""
        return self._fills[rgb]

    def sheet(self, title: str, headers: Sequence[str], widths: Sequence[float]) -> Sheet:
        sheet = Sheet(self, self._book.add_worksheet(title), headers, widths)
        self._sheets.append(sheet)
        return sheet

    def save(self, path: Path) -> None:
        """Write the .xlsx to ``path``, then drop the temporary files."""
        try:
            for sheet in self._sheets:
                sheet.finish()
            self._book.close()
            self._closed = True
            shutil.move(str(self._file), str(path))
        finally:
            self.close()

    def close(self) -> None:
        """Drop the temporary files (an unsaved workbook leaves nothing behind)."""
        if not self._closed:
            self._closed = True
            with contextlib.suppress(Exception):  # the file is thrown away in any case
                self._book.close()  # XlsxWriter warns about a workbook never closed
        shutil.rmtree(self.tmp, ignore_errors=True)


def _column_letters(k: int) -> str:
    """``A`` … ``Z``, ``AA`` …: the letters of 0-based column ``k``."""
    out = ""
    k += 1
    while k:
        k, rem = divmod(k - 1, 26)
        out = chr(65 + rem) + out
    return out


_ESCAPED_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")


def _inline_text(text: str) -> str:
    """Text as an inline-string cell holds it, as XlsxWriter writes it: a literal ``_xHHHH_``
    escaped, a carriage return (the one control ``sheet_text`` keeps besides tab and newline)
    as ``_x000D_``, U+FFFE/U+FFFF as escapes, then ``& < >`` as entities."""
    if "_x" in text:
        text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text)
    if "\r" in text:
        text = text.replace("\r", "_x000D_")
    if "\ufffe" in text or "\uffff" in text:
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _created() -> dt.datetime:
    """The workbook's creation time: ``SOURCE_DATE_EPOCH`` (reproducible builds), else a fixed day."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).replace(tzinfo=None)
    return dt.datetime(2000, 1, 1)
