"""Fixture renderer: golden contract records → .docx, .xlsx, .pdf, .html and scanned pages.

Readers need fixtures with exact truth, and real archives cannot be committed, so the project
writes its own: each golden record is laid out once as a neutral page model (paragraphs and
one ruled table with merged cells, the way 绩效目标表 are printed) and every writer renders
that same model. ``ideal_rows`` reads the model back as a perfect reader would, which
separates what a reader loses from what the parser loses.

Usage::

    from jixiao.synth import render
    data = render.render(records, "docx")          # bytes of a .docx holding every form
    pages = render.render(records, "png")           # one scanned page (first page only)
    render.write_golden(Path("golden"), Path("/tmp/fx"), ["docx", "pdf", "tiff"])

Scans are made by rasterising the PDF (pypdfium2) and degrading it with Pillow: a slight
rotation, blur, noise and JPEG compression, all from a seeded RNG so a fixture is stable.
"""

from __future__ import annotations

import html as htmllib
import io
import json
import os
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.grammar import Row
from jixiao.schema import Cell

Record = Mapping[str, Any]

#: Formats ``render`` writes, with the file suffix each gets.
FORMATS: dict[str, str] = {
    "docx": ".docx",
    "xlsx": ".xlsx",
    "html": ".html",
    "pdf": ".pdf",
    "pdf_plain": ".pdf",  # a text-layer PDF without ruling lines (word-geometry path)
    "png": ".png",
    "jpeg": ".jpg",
    "tiff": ".tif",  # every page, one TIFF frame each
    "pdf_scan": ".pdf",  # image-only PDF: rendered, degraded pages, no text layer
}
#: Env var naming a CJK TrueType font for PDFs and scans (else the first of ``FONT_CANDIDATES``).
FONT_ENV = "JIXIAO_CJK_FONT"
#: TrueType CJK fonts first: pdfminer cannot read fpdf2's CFF (OpenType) subsets back.
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
)


# --------------------------------------------------------------------------- page model


@dataclass(frozen=True)
class Para:
    """A line of text outside the table (title, year, 编制单位, 单位：万元)."""

    text: str


@dataclass(frozen=True)
class Span:
    """One table cell at grid position (row, col), covering rowspan × colspan grid cells."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Table:
    """A ruled table as a grid of spans; grid cells no span covers stay empty."""

    ncols: int
    spans: list[Span] = field(default_factory=list)

    @property
    def nrows(self) -> int:
        return max((s.row + s.rowspan for s in self.spans), default=0)

    def add_row(self, texts: Sequence[tuple[str, int]]) -> None:
        """Append a row of (text, colspan) cells filling the width."""
        row, col = self.nrows, 0
        for text, span in texts:
            self.spans.append(Span(row, col, text, 1, span))
            col += span

    def grid(self) -> list[list[Span | None]]:
        """Row-major grid: the span at its top-left cell, ``None`` where a span continues."""
        out: list[list[Span | None]] = [[None] * self.ncols for _ in range(self.nrows)]
        for s in self.spans:
            out[s.row][s.col] = s
        return out


Block = Para | Table


@dataclass
class FormPage:
    """One form laid out: paragraphs above its table, then the table."""

    blocks: list[Block]


def fmt_number(value: Any) -> str:
    """Numbers as a person types them: ``100`` not ``100.0``, ``126.73`` as is."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _with_code(code: Any, name: Any) -> str:
    if not name and not code:
        return ""
    if code and name:
        return f"{code}-{name}"
    return str(name or code)


def _pairs_row(table: Table, pairs: Sequence[tuple[str, str]]) -> None:
    """A header row of label/value pairs spread over the table's width."""
    n = table.ncols
    if len(pairs) == 1:
        table.add_row([(pairs[0][0], 1), (pairs[0][1], n - 1)])
        return
    first = (n - 2) // 2
    table.add_row(
        [(pairs[0][0], 1), (pairs[0][1], first), (pairs[1][0], 1), (pairs[1][1], n - 2 - first)]
    )


def layout_record(rec: Record) -> FormPage:
    """Lay one contract record out as a printed form: paragraphs, header rows, indicator table."""
    blocks: list[Block] = []
    title = str(rec.get("title") or "")
    department_form = rec.get("form_kind") == "department"
    if title:
        blocks.append(Para(title))
    year = rec.get("year")
    if year is not None and str(year) not in title:
        blocks.append(Para(f"({year}年度)"))
    if rec.get("compiling_unit"):
        blocks.append(Para(f"编制单位：{rec['compiling_unit']}"))
    blocks.append(Para("单位：万元"))

    indicators: list[Record] = list(rec.get("indicators") or [])
    with_levels = any(i.get("level1") or i.get("level2") for i in indicators)
    heads = ["三级指标", "指标性质", "指标值", "计量单位", "指标权重"]
    if with_levels:
        heads = ["一级指标", "二级指标", *heads]
    table = Table(ncols=len(heads))

    if department_form:
        dept = _with_code(rec.get("department_code"), rec.get("department"))
        _pairs_row(table, [("部门名称", dept)])
    else:
        name = _with_code(rec.get("project_code"), rec.get("project_name"))
        _pairs_row(table, [("项目名称", name)])
        dept = _with_code(rec.get("department_code"), rec.get("department"))
        impl = _with_code(rec.get("implementing_unit_code"), rec.get("implementing_unit"))
        _pairs_row(table, [("主管部门", dept), ("实施单位", impl)])
        attribute = {"新增": "新增项目", "延续": "延续性项目"}.get(
            str(rec.get("project_attribute")), ""
        )
        if attribute or rec.get("duration"):
            _pairs_row(table, [("项目属性", attribute), ("项目期", str(rec.get("duration") or ""))])
        if rec.get("period_start") or rec.get("period_end"):
            _pairs_row(
                table,
                [
                    ("项目起始时间", str(rec.get("period_start") or "")),
                    ("项目终止时间", str(rec.get("period_end") or "")),
                ],
            )
    total_label = "部门支出预算总量（万元）" if department_form else "资金总额（万元）"
    breakdown = list((rec.get("budget_breakdown") or {}).items())
    per_row = max(1, (table.ncols - 2) // 2)
    lead: list[tuple[str, int]] = [(total_label, 1), (fmt_number(rec.get("budget_total")), 1)]
    for i in range(0, max(len(breakdown), 1), per_row):
        cells = lead if i == 0 else [("", 2)]
        for j, (key, value) in enumerate(breakdown[i : i + per_row]):
            label = f"其中：{key}" if i + j == 0 else key
            cells = [*cells, (label, 1), (fmt_number(value), 1)]
        filler = table.ncols - sum(s for _, s in cells)
        table.add_row([*cells, ("", filler)] if filler > 0 else cells)
    if not department_form:
        for label, key in (("项目概况", "overview"), ("立项依据", "basis")):
            if rec.get(key):
                _pairs_row(table, [(label, str(rec[key]))])
    goal_label = "年度整体绩效目标" if department_form else "当年绩效目标"
    _pairs_row(table, [(goal_label, str(rec.get("annual_goal") or ""))])

    table.add_row([(h, 1) for h in heads])
    start = table.nrows
    for k, ind in enumerate(indicators):
        row = start + k
        col = 0
        if with_levels:
            col = 2
        values = [
            str(ind.get("name_raw") or ind.get("name") or ""),
            str(ind.get("operator") or ""),
            fmt_number(ind.get("value")),
            str(ind.get("unit") or ""),
            fmt_number(ind.get("weight")),
        ]
        for j, text in enumerate(values):
            table.spans.append(Span(row, col + j, text))
    if with_levels:
        _level_spans(table, indicators, start)
    blocks.append(table)
    return FormPage(blocks)


def _level_spans(table: Table, indicators: Sequence[Record], start: int) -> None:
    """Level columns as merged cells: one span per run of equal level1 (and level2 within it)."""
    k = 0
    while k < len(indicators):
        l1 = indicators[k].get("level1")
        end = k
        while end + 1 < len(indicators) and indicators[end + 1].get("level1") == l1 and l1:
            end += 1
        table.spans.append(Span(start + k, 0, str(l1 or ""), end - k + 1, 1))
        j = k
        while j <= end:
            l2 = indicators[j].get("level2")
            stop = j
            while stop + 1 <= end and indicators[stop + 1].get("level2") == l2 and l2:
                stop += 1
            table.spans.append(Span(start + j, 1, str(l2 or ""), stop - j + 1, 1))
            j = stop + 1
        k = end + 1


def layout(records: Iterable[Record]) -> list[FormPage]:
    """Every record laid out, one form after another."""
    return [layout_record(r) for r in records]


def ideal_rows(records: Iterable[Record]) -> list[Row]:
    """The rows a perfect reader would emit: paragraphs as one-cell rows, merged text once."""
    rows: list[Row] = []
    for page in layout(records):
        for block in page.blocks:
            line = len(rows) + 1
            if isinstance(block, Para):
                rows.append(Row([Cell(text=block.text, line=line, col=0)]))
                continue
            for r, grid_row in enumerate(block.grid()):
                line = len(rows) + 1
                cells = [
                    Cell(text=s.text if s is not None and s.row == r else "", line=line, col=c)
                    for c, s in enumerate(grid_row)
                ]
                rows.append(Row(cells))
    return rows


# --------------------------------------------------------------------------- writers


def to_docx(records: Iterable[Record]) -> bytes:
    """A Word document: per form, its paragraphs and one table with merged cells."""
    import docx  # python-docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    for n, page in enumerate(layout(records)):
        if n:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        for block in page.blocks:
            if isinstance(block, Para):
                document.add_paragraph(block.text)
                continue
            table = document.add_table(rows=block.nrows, cols=block.ncols)
            table.style = "Table Grid"
            # Fetch the cells once (``table.cell`` rescans the table each call), fill, then merge.
            grid = [list(row.cells) for row in table.rows]
            for s in block.spans:
                lines = s.text.split("\n")
                cell = grid[s.row][s.col]
                cell.paragraphs[0].text = lines[0]
                for extra in lines[1:]:
                    cell.add_paragraph(extra)
            for s in block.spans:
                if s.rowspan > 1 or s.colspan > 1:
                    end = grid[s.row + s.rowspan - 1][s.col + s.colspan - 1]
                    grid[s.row][s.col].merge(end)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _number_or_text(text: str) -> float | int | str:
    """Numeric-looking cells become numbers, as a person's spreadsheet holds them."""
    try:
        value = float(text)
    except ValueError:
        return text
    if text.strip() != text or text.startswith(("+", ".")) or "e" in text.lower():
        return text
    return int(value) if value.is_integer() and "." not in text else value


def to_xlsx(records: Iterable[Record], forms_per_sheet: int = 1) -> bytes:
    """An Excel workbook: ``forms_per_sheet`` forms on each sheet, merged ranges, real numbers."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    row0 = 1
    for n, page in enumerate(layout(records)):
        if n and n % forms_per_sheet == 0:
            ws = wb.create_sheet()
            row0 = 1
        elif n:
            row0 += 1  # a blank row between forms on one sheet
        ws.title = f"表{n // forms_per_sheet + 1}"
        for block in page.blocks:
            if isinstance(block, Para):
                ws.cell(row=row0, column=1, value=block.text)
                row0 += 1
                continue
            for s in block.spans:
                value = _number_or_text(s.text) if s.text else None
                ws.cell(row=row0 + s.row, column=1 + s.col, value=value)
                if s.rowspan > 1 or s.colspan > 1:
                    ws.merge_cells(
                        start_row=row0 + s.row,
                        start_column=1 + s.col,
                        end_row=row0 + s.row + s.rowspan - 1,
                        end_column=s.col + s.colspan,
                    )
            row0 += block.nrows
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_html(records: Iterable[Record]) -> bytes:
    """A saved web page: page chrome (nav, script, style) around paragraphs and tables."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8"><title>绩效目标公开</title>',
        "<style>table{border-collapse:collapse} td{border:1px solid #000}</style>",
        "<script>var menu = ['首页', '绩效目标表', '项目名称'];</script></head><body>",
        "<nav><a href='/'>首页</a> | <a href='/gk'>信息公开</a> | 项目名称</nav>",
    ]
    esc = htmllib.escape
    for page in layout(records):
        out.append("<div class='form'>")
        for block in page.blocks:
            if isinstance(block, Para):
                out.append(f"<p>{esc(block.text)}</p>")
                continue
            out.append("<table>")
            grid = block.grid()
            for r, grid_row in enumerate(grid):
                out.append("<tr>")
                for s in grid_row:
                    if s is None or s.row != r:
                        continue
                    attrs = ""
                    if s.rowspan > 1:
                        attrs += f' rowspan="{s.rowspan}"'
                    if s.colspan > 1:
                        attrs += f' colspan="{s.colspan}"'
                    text = "<br>".join(esc(t) for t in s.text.split("\n"))
                    out.append(f"<td{attrs}>{text}</td>")
                out.append("</tr>")
            out.append("</table>")
        out.append("</div>")
    out.append("<footer>版权所有 © 某区财政局</footer></body></html>")
    return "\n".join(out).encode("utf-8")


def find_font() -> tuple[str, int]:
    """The CJK font for PDFs and scans: ``$JIXIAO_CJK_FONT`` or the first installed candidate."""
    env = os.environ.get(FONT_ENV)
    if env:
        if not Path(env).is_file():
            raise FileNotFoundError(f"no CJK font found: ${FONT_ENV} names {env}, not a file")
        return env, 0
    for path, index in FONT_CANDIDATES:
        if Path(path).exists():
            return path, index
    raise FileNotFoundError(
        "no CJK font found: apt-get install fonts-wqy-microhei (or set $JIXIAO_CJK_FONT)"
    )


def to_pdf(records: Iterable[Record], ruled: bool = True) -> bytes:
    """A PDF with a text layer, one form per page (long forms run on); ``ruled=False`` drops lines."""
    from fpdf import FPDF
    from fpdf.enums import TableBordersLayout
    from fpdf.fonts import FontFace

    path, index = find_font()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("cjk", fname=path, collection_font_number=index)
    pdf.set_font("cjk", size=9)
    pdf.set_margins(15, 15, 15)
    borders = TableBordersLayout.ALL if ruled else TableBordersLayout.NONE
    for page in layout(records):
        pdf.add_page()
        for block in page.blocks:
            if isinstance(block, Para):
                big = block is page.blocks[0] and len(block.text) > 4
                pdf.set_font("cjk", size=14 if big else 9)
                pdf.multi_cell(0, 8 if big else 6, block.text, new_x="LMARGIN", new_y="NEXT")
                pdf.set_font("cjk", size=9)
                continue
            widths = _column_widths(block.ncols)
            with pdf.table(
                col_widths=widths,
                first_row_as_headings=False,
                headings_style=FontFace(emphasis=None),
                borders_layout=borders,
                line_height=5,
                padding=1.2,
                text_align="LEFT",
                v_align="TOP",
            ) as table:
                for r, grid_row in enumerate(block.grid()):
                    row = table.row()
                    for s in grid_row:
                        if s is None or s.row != r:
                            continue
                        row.cell(s.text, colspan=s.colspan, rowspan=s.rowspan)
    return bytes(pdf.output())


def _column_widths(ncols: int) -> tuple[int, ...]:
    """Relative column widths: the name column wide, numbers narrow."""
    if ncols == 7:
        return (16, 18, 42, 12, 16, 14, 12)
    if ncols == 5:
        return (44, 14, 18, 14, 12)
    return tuple([1] * ncols)


def rasterise(pdf: bytes, dpi: int = 200) -> list[Any]:
    """PDF pages → Pillow images (greyscale), as a scanner would see them."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("L") for page in document]
    finally:
        document.close()


def degrade(image: Any, seed: int = 0, rotate: float = 0.6, blur: float = 0.6) -> Any:
    """A scanner's damage: slight rotation, blur, noise, then JPEG compression (quality 60)."""
    import numpy as np
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    angle = rng.uniform(-rotate, rotate)
    img = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(blur))
    noise = np.random.default_rng(seed).normal(0.0, 7.0, size=(img.height, img.width))
    arr = np.clip(np.asarray(img, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    img = Image.fromarray(arr, mode="L")
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=60)
    buf.seek(0)
    return Image.open(buf).convert("L")


def to_scans(records: Iterable[Record], seed: int = 0, dpi: int = 200) -> list[Any]:
    """Scanned page images (Pillow) of the rendered PDF, each degraded with its own seed."""
    return [degrade(img, seed + i) for i, img in enumerate(rasterise(to_pdf(records), dpi))]


def _save_images(images: Sequence[Any], fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "png":
        images[0].save(buf, format="PNG")
    elif fmt == "jpeg":
        images[0].save(buf, format="JPEG", quality=75)
    elif fmt == "tiff":
        images[0].save(
            buf,
            format="TIFF",
            save_all=True,
            append_images=list(images[1:]),
            compression="tiff_lzw",
        )
    elif fmt == "pdf_scan":
        images[0].save(
            buf, format="PDF", save_all=True, append_images=list(images[1:]), resolution=200
        )
    else:
        raise ValueError(f"not an image format: {fmt}")
    return buf.getvalue()


def render(records: Sequence[Record], fmt: str, seed: int = 0) -> bytes:
    """Render ``records`` as one file of format ``fmt`` (a key of ``FORMATS``).

    ``png`` and ``jpeg`` hold one page only (the first): give them one short form at a time.
    """
    if fmt == "docx":
        return to_docx(records)
    if fmt == "xlsx":
        return to_xlsx(records)
    if fmt == "html":
        return to_html(records)
    if fmt == "pdf":
        return to_pdf(records)
    if fmt == "pdf_plain":
        return to_pdf(records, ruled=False)
    if fmt in ("png", "jpeg", "tiff", "pdf_scan"):
        return _save_images(to_scans(records, seed), fmt)
    raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")


def load_records(path: Path) -> list[dict[str, Any]]:
    """The records of one ``expected/<case>.jsonl``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def write_golden(golden: Path, out: Path, formats: Sequence[str]) -> list[Path]:
    """Render every case of a golden directory in each format into ``out`` (a golden layout).

    ``out/inputs/<case>.<fmt><suffix>`` and a copy of the truth in ``out/expected`` let the
    eval harness score the readers like any other golden set.
    """
    written: list[Path] = []
    (out / "inputs").mkdir(parents=True, exist_ok=True)
    (out / "expected").mkdir(parents=True, exist_ok=True)
    for path in sorted((golden / "expected").glob("*.jsonl")):
        if path.name.endswith(".review.jsonl"):
            continue
        records = load_records(path)
        for fmt in formats:
            case = f"{path.stem}.{fmt}"
            target = out / "inputs" / f"{case}{FORMATS[fmt]}"
            target.write_bytes(render(records, fmt))
            (out / "expected" / f"{case}.jsonl").write_text(
                path.read_text(encoding="utf-8"), encoding="utf-8"
            )
            written.append(target)
    return written
