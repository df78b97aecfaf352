"""Spreadsheets for people, streamed in one pass: time and memory linear in the rows.

A small writer of the Office Open XML parts an .xlsx needs (workbook, one worksheet per sheet,
styles); each sheet's rows go to a temporary file as they are appended and are zipped at the
end. (openpyxl, even in write-only mode, spent about 1 ms a row through its cell objects:
15 s for a 1,000-form review.xlsx; this writes the XML text directly.)

Every sheet has a bold, frozen header row and a filter over its columns. Text is stored as
text (inline strings), so no cell is ever a formula whatever it begins with, and keeps its
exact characters (only those XML cannot hold are replaced, see ``safetext.sheet_text``).
Numbers stay numbers so they sort and sum; an integer too long for Excel's 15 digits is
written as text, so no digit is lost.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from jixiao.safetext import sheet_text

#: Background colours by finding severity (review.xlsx).
SEVERITY_FILL = {"error": "F5B7B1", "warning": "FAD7A0", "info": "AED6F1"}

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_EXCEL_DIGITS = 10**15
_DIMENSION_SPACE = 48  # room for <dimension ref="A1:XFD1048576"/>


def column_letter(k: int) -> str:
    """``0`` → ``A``, ``25`` → ``Z``, ``26`` → ``AA``."""
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(65 + r) + out
    return out


def _absolute(ref: str) -> str:
    """``A1:P20`` → ``$A$1:$P$20``."""
    return ":".join(
        "$"
        + "".join(c for c in part if c.isalpha())
        + "$"
        + "".join(c for c in part if c.isdigit())
        for part in ref.split(":")
    )


def _text(value: str) -> str:
    return sheet_text(value).translate(_ESCAPE)


class Sheet:
    """One sheet being written: header first, then rows (``append``)."""

    def __init__(
        self,
        book: Workbook,
        index: int,
        title: str,
        headers: Sequence[str],
        widths: Sequence[float],
    ) -> None:
        self.title = title
        self.columns = len(headers)
        self.rows = 0
        self.path = book.tmp / f"sheet{index}.xml"
        self._book = book
        self._letters = [column_letter(k) for k in range(self.columns)]
        self._fh: IO[str] = open(self.path, "w", encoding="utf-8", errors="replace")  # noqa: SIM115
        cols = "".join(
            f'<col min="{k}" max="{k}" width="{w:g}" customWidth="1"/>'
            for k, w in enumerate(widths, 1)
        )
        self._fh.write(f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">')
        self._dimension = self._fh.tell()  # the used range, written over at the end
        self._fh.write(" " * _DIMENSION_SPACE)
        self._fh.write(
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            "</sheetView></sheetViews>"
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
        )
        self._row(list(headers), style={k: 1 for k in range(self.columns)})

    def append(self, values: Sequence[object], fill: tuple[int, str] | None = None) -> None:
        """One row; ``fill`` = (0-based column, RGB of ``Workbook.fills``) colours one cell."""
        style = {fill[0]: self._book.fill_style(fill[1])} if fill else None
        self._row(values, style)

    def _row(self, values: Sequence[object], style: dict[int, int] | None = None) -> None:
        self.rows += 1
        r = self.rows
        out = [f'<row r="{r}">']
        for k, v in enumerate(values):
            ref = f"{self._letters[k]}{r}"
            s = f' s="{style[k]}"' if style and k in style else ""
            if v is None or v == "":
                if s:
                    out.append(f'<c r="{ref}"{s}/>')
            elif isinstance(v, bool):
                out.append(f'<c r="{ref}"{s} t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, int) and abs(v) < _EXCEL_DIGITS:
                out.append(f'<c r="{ref}"{s}><v>{v}</v></c>')
            elif isinstance(v, float) and math.isfinite(v):
                out.append(f'<c r="{ref}"{s}><v>{v!r}</v></c>')
            else:
                out.append(
                    f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">'
                    f"{_text(str(v))}</t></is></c>"
                )
        out.append("</row>")
        self._fh.write("".join(out))

    def finish(self) -> str:
        """Close the sheet: the filter over every written row. Returns the filter's range."""
        ref = f"A1:{self._letters[-1]}{self.rows}"
        self._fh.write(f'</sheetData><autoFilter ref="{ref}"/></worksheet>')
        self._fh.seek(self._dimension)
        self._fh.write(f'<dimension ref="{ref}"/>'.ljust(_DIMENSION_SPACE))
        self._fh.close()
        return ref


class Workbook:
    """A streamed workbook: ``sheet()`` adds sheets in order, ``save()`` writes the .xlsx."""

    def __init__(self, fills: Sequence[str] = tuple(SEVERITY_FILL.values())) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="jixiao-xlsx-"))
        self.fills = list(fills)
        self._sheets: list[Sheet] = []

    def fill_style(self, rgb: str) -> int:
        """The cell style of a background colour given to the workbook."""
        return 2 + self.fills.index(rgb)

    def sheet(self, title: str, headers: Sequence[str], widths: Sequence[float]) -> Sheet:
        sheet = Sheet(self, len(self._sheets) + 1, title, headers, widths)
        self._sheets.append(sheet)
        return sheet

    def save(self, path: Path) -> None:
        """Write the .xlsx to ``path``, then drop the temporary files."""
        try:
            refs = [sheet.finish() for sheet in self._sheets]
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("[Content_Types].xml", self._content_types())
                zf.writestr(
                    "_rels/.rels",
                    f'{_HEAD}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
                    f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
                )
                zf.writestr("xl/workbook.xml", self._workbook(refs))
                zf.writestr("xl/_rels/workbook.xml.rels", self._workbook_rels())
                zf.writestr("xl/styles.xml", self._styles())
                for k, sheet in enumerate(self._sheets, 1):
                    zf.write(sheet.path, f"xl/worksheets/sheet{k}.xml")
        finally:
            self.close()

    def close(self) -> None:
        """Drop the temporary files (an unsaved workbook leaves nothing behind)."""
        for sheet in self._sheets:
            if not sheet._fh.closed:
                sheet._fh.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _content_types(self) -> str:
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="{_CT}.worksheet+xml"/>'
            for k in range(1, len(self._sheets) + 1)
        )
        return (
            f"{_HEAD}"
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            f"{sheets}</Types>"
        )

    def _workbook(self, refs: list[str]) -> str:
        sheets = "".join(
            f'<sheet name="{_text(s.title)}" sheetId="{k}" r:id="rId{k}"/>'
            for k, s in enumerate(self._sheets, 1)
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{k}" hidden="1">'
            f"'{_text(s.title.replace(chr(39), chr(39) * 2))}'!{_absolute(ref)}</definedName>"
            for k, (s, ref) in enumerate(zip(self._sheets, refs, strict=True))
        )
        return (
            f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheets}</sheets>'
            f"<definedNames>{names}</definedNames></workbook>"
        )

    def _workbook_rels(self) -> str:
        n = len(self._sheets)
        rels = "".join(
            f'<Relationship Id="rId{k}" Type="{_REL}/worksheet" Target="worksheets/sheet{k}.xml"/>'
            for k in range(1, n + 1)
        )
        rels += f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        return f'{_HEAD}<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>'

    def _styles(self) -> str:
        fills = "".join(
            f'<fill><patternFill patternType="solid"><fgColor rgb="FF{rgb}"/>'
            '<bgColor indexed="64"/></patternFill></fill>'
            for rgb in self.fills
        )
        xfs = "".join(
            f'<xf numFmtId="0" fontId="0" fillId="{2 + k}" borderId="0" xfId="0" applyFill="1"/>'
            for k in range(len(self.fills))
        )
        return (
            f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            f'<fills count="{2 + len(self.fills)}"><fill><patternFill patternType="none"/></fill>'
            f'<fill><patternFill patternType="gray125"/></fill>{fills}</fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>"
            f'<cellXfs count="{2 + len(self.fills)}">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            f"{xfs}</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )
