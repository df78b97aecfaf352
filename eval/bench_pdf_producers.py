"""Golden forms printed to PDF the ways publishers print them, read back every way we receive them.

Usage:
    python eval/bench_pdf_producers.py --keep /tmp/pdfprod          # all producers, both fonts
    python eval/bench_pdf_producers.py --producers docx-plain --fonts wqy --extractors jixiao

Each golden form's truth (``golden/expected``) is laid out as ``jixiao synth`` lays it out
(``synth.render.layout``) and written as a Word document (python-docx), a workbook (openpyxl)
or an HTML page, each **with and without cell borders** and in a chosen installed CJK font
(WenQuanYi Micro Hei or Noto Sans CJK SC). LibreOffice (``soffice --headless --convert-to
pdf``) prints the .docx/.xlsx and headless Chromium (``--print-to-pdf``) the .html. Each PDF is
then read by jixiao's own PDF reader and through the text layers other tools dump from it
(``pdftotext``, ``pdftotext -layout``, pdfminer's ``extract_text``), and the lot is scored with
``jixiao.evaluate.run_eval`` as a golden directory whose layout tag is
``<producer>-<font>/<extractor>``. Printed per tag: forms found, indicator rows exact (all of
level1, level2, name, operator, value, unit, weight equal to the truth; a multiset match),
end-to-end indicator accuracy and header accuracy. A producer whose tool is not installed is
skipped. The truth is the golden labels, never a reading of the PDF.
"""

from __future__ import annotations

import argparse
import html as htmllib
import io
import json
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from jixiao.evaluate import run_eval
from jixiao.evaluate.command import make_producer
from jixiao.synth.render import Para, Table, layout, load_records

FONTS = {"wqy": "WenQuanYi Micro Hei", "noto": "Noto Sans CJK SC"}
PRODUCERS = (
    "docx-ruled",
    "docx-plain",
    "xlsx-ruled",
    "xlsx-plain",
    "html-ruled",
    "html-plain",
)
EXTRACTORS = ("jixiao", "pdftotext", "pdftotext-layout", "pdfminer")
ROW_KEYS = ("level1", "level2", "name", "operator", "value", "unit", "weight")
#: Column widths (relative) of the 7- and 5-column tables: the name column wide.
WIDTHS = {7: (12, 14, 30, 9, 11, 11, 9), 5: (40, 14, 18, 14, 12)}


def _widths(ncols: int) -> tuple[int, ...]:
    return WIDTHS.get(ncols, tuple([10] * ncols))


# --------------------------------------------------------------------------- writers


def to_docx(records: Iterable[dict[str, Any]], font: str, ruled: bool) -> bytes:
    """Word: ``Table Grid`` (every border) or the default table style (none, 无框线)."""
    import docx
    from docx.enum.text import WD_BREAK
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = font
    normal.font.size = Pt(9)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    for n, page in enumerate(layout(records)):
        if n:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        for block in page.blocks:
            if isinstance(block, Para):
                document.add_paragraph(block.text)
                continue
            table = document.add_table(rows=block.nrows, cols=block.ncols)
            if ruled:
                table.style = "Table Grid"
            grid = [list(row.cells) for row in table.rows]
            total = sum(_widths(block.ncols))
            for row in grid:
                for c, cell in enumerate(row):
                    cell.width = int(docx.shared.Cm(17) * _widths(block.ncols)[c] / total)
            for s in block.spans:
                lines = s.text.split("\n")
                cell = grid[s.row][s.col]
                cell.paragraphs[0].text = lines[0]
                for extra in lines[1:]:
                    cell.add_paragraph(extra)
            for s in block.spans:
                if s.rowspan > 1 or s.colspan > 1:
                    grid[s.row][s.col].merge(grid[s.row + s.rowspan - 1][s.col + s.colspan - 1])
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def to_xlsx(records: Iterable[dict[str, Any]], font: str, ruled: bool) -> bytes:
    """Excel: one form per sheet, wrapped cells, page fitted to width; thin borders or none
    (a sheet printed without borders shows no grid: LibreOffice does not print gridlines)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    from jixiao.synth.render import _number_or_text

    wb = Workbook()
    ws = wb.active
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for n, page in enumerate(layout(records)):
        if n:
            ws = wb.create_sheet()
        ws.title = f"表{n + 1}"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        row0 = 1
        ncols = max((b.ncols for b in page.blocks if isinstance(b, Table)), default=7)
        for c, w in enumerate(_widths(ncols)):
            ws.column_dimensions[get_column_letter(c + 1)].width = w * 1.1
        for block in page.blocks:
            if isinstance(block, Para):
                cell = ws.cell(row=row0, column=1, value=block.text)
                cell.font = Font(name=font, size=10)
                row0 += 1
                continue
            for s in block.spans:
                value = _number_or_text(s.text) if s.text else None
                cell = ws.cell(row=row0 + s.row, column=1 + s.col, value=value)
                cell.font = Font(name=font, size=9)
                cell.alignment = Alignment(wrap_text=True, vertical="center")
                if s.rowspan > 1 or s.colspan > 1:
                    ws.merge_cells(
                        start_row=row0 + s.row,
                        start_column=1 + s.col,
                        end_row=row0 + s.row + s.rowspan - 1,
                        end_column=s.col + s.colspan,
                    )
            _row_heights(ws, block, row0)
            if ruled:
                for r in range(block.nrows):
                    for c in range(block.ncols):
                        ws.cell(row=row0 + r, column=1 + c).border = border
            row0 += block.nrows
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _row_heights(ws: Any, block: Table, row0: int) -> None:
    """Rows tall enough for their wrapped text, as whoever made the sheet would size them
    (LibreOffice grows a row for a wrapped plain cell but never for a merged one)."""
    widths = [w * 1.1 for w in _widths(block.ncols)]
    need = [15.0] * block.nrows
    for s in block.spans:
        room = sum(widths[s.col : s.col + s.colspan]) * 5.25 / 9.5 - 1  # CJK characters a line
        lines = sum(max(1, -(-len(part) // max(int(room), 1))) for part in s.text.split("\n"))
        per_row = (lines * 12.5 + 4) / s.rowspan
        for r in range(s.row, s.row + s.rowspan):
            need[r] = max(need[r], per_row)
    for r, h in enumerate(need):
        ws.row_dimensions[row0 + r].height = h


def to_html(records: Iterable[dict[str, Any]], font: str, ruled: bool) -> bytes:
    """A web page of the forms: a fixed-width table, borders or none, cells vertically centred."""
    border = "border:1px solid #000;" if ruled else ""
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8"><title>绩效目标表</title><style>',
        f"body{{font-family:'{font}';font-size:12px}}",
        "table{border-collapse:collapse;width:680px;table-layout:fixed}",
        f"td{{{border}padding:2px 4px;vertical-align:middle}}",
        "</style></head><body>",
    ]
    esc = htmllib.escape
    for page in layout(records):
        out.append("<div style='page-break-after:always'>")
        for block in page.blocks:
            if isinstance(block, Para):
                out.append(f"<p>{esc(block.text)}</p>")
                continue
            out.append("<table><colgroup>")
            total = sum(_widths(block.ncols))
            for w in _widths(block.ncols):
                out.append(f"<col style='width:{100 * w / total:.1f}%'>")
            out.append("</colgroup>")
            for r, grid_row in enumerate(block.grid()):
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
    out.append("</body></html>")
    return "\n".join(out).encode("utf-8")


# --------------------------------------------------------------------------- printing


def print_pdfs(sources: Sequence[Path], outdir: Path) -> None:
    """Each source printed to ``outdir/<stem>.pdf`` by the tool its kind is printed with."""
    office = [p for p in sources if p.suffix in (".docx", ".xlsx")]
    if office:
        subprocess.run(
            [
                "soffice",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                *map(str, office),
            ],
            check=True,
            capture_output=True,
            timeout=900,
        )
    for p in sources:
        if p.suffix == ".html":
            subprocess.run(
                [
                    "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-pdf-header-footer", f"--print-to-pdf={outdir / (p.stem + '.pdf')}",
                    p.resolve().as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )  # fmt: skip


def extract(pdf: Path, how: str) -> str:
    """The text layer ``how`` dumps from ``pdf``."""
    if how == "pdfminer":
        from pdfminer.high_level import extract_text

        return str(extract_text(str(pdf)))
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if how == "pdftotext-layout" else [])
    done = subprocess.run([*args, str(pdf), "-"], check=True, capture_output=True, timeout=60)
    return done.stdout.decode("utf-8")


# --------------------------------------------------------------------------- scoring


def _row_key(ind: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        float(ind.get(k)) if isinstance(ind.get(k), int | float) else ind.get(k) for k in ROW_KEYS
    )


def exact_rows(expected: Path, produced: Path) -> tuple[int, int]:
    """(rows equal to the truth in every row field, rows expected): a multiset match."""
    want = Counter(_row_key(i) for r in load_records(expected) for i in r.get("indicators") or [])
    got: Counter[tuple[Any, ...]] = Counter()
    if produced.exists():
        got = Counter(
            _row_key(i) for r in load_records(produced) for i in r.get("indicators") or []
        )
    return sum((want & got).values()), sum(want.values())


def build(golden: Path, out: Path, producers: Sequence[str], fonts: Sequence[str],
          extractors: Sequence[str], cases: Sequence[str] | None) -> dict[str, str]:  # fmt: skip
    """Write sources, PDFs and the golden-format set under ``out``; case → layout tag."""
    writers = {"docx": to_docx, "xlsx": to_xlsx, "html": to_html}
    tools = {"docx": "soffice", "xlsx": "soffice", "html": "chromium"}
    src, pdfs = out / "sources", out / "pdfs"
    for d in (src, pdfs, out / "inputs", out / "expected"):
        d.mkdir(parents=True, exist_ok=True)
    paths = [
        p
        for p in sorted((golden / "expected").glob("*.jsonl"))
        if not p.name.endswith(".review.jsonl") and (not cases or p.stem in cases)
    ]
    todo: list[Path] = []
    for producer in producers:
        kind, style = producer.split("-")
        if shutil.which(tools[kind]) is None:
            print(f"skipped {producer}: {tools[kind]} not installed", file=sys.stderr)
            continue
        for font in fonts:
            for path in paths:
                target = src / f"{path.stem}.{producer}-{font}.{kind}"
                if not (pdfs / f"{target.stem}.pdf").exists():
                    target.write_bytes(
                        writers[kind](load_records(path), FONTS[font], style == "ruled")
                    )
                    todo.append(target)
    print_pdfs(todo, pdfs)
    tags: dict[str, str] = {}
    for pdf in sorted(pdfs.glob("*.pdf")):
        stem, variant = pdf.stem.split(".", 1)
        if variant.rsplit("-", 1)[0] not in producers or variant.rsplit("-", 1)[1] not in fonts:
            continue
        if cases and stem not in cases:
            continue
        for how in extractors:
            case = f"{stem}.{variant}.{how}"
            target = out / "inputs" / (case + (".pdf" if how == "jixiao" else ".txt"))
            if how == "jixiao":
                shutil.copyfile(pdf, target)
            else:
                target.write_text(extract(pdf, how), encoding="utf-8")
            shutil.copyfile(
                golden / "expected" / f"{stem}.jsonl", out / "expected" / f"{case}.jsonl"
            )
            tags[case] = f"{variant}/{how}"
    (out / "cases.json").write_text(
        json.dumps(
            {c: {"layout": t, "source": "pdf-producers"} for c, t in tags.items()},
            ensure_ascii=False,
            indent=1,
        ),  # fmt: skip
        encoding="utf-8",
    )
    return tags


def run(args: argparse.Namespace, out: Path) -> int:
    t0 = time.perf_counter()
    # Reuse PDFs printed earlier (printing is the slow part); text layers are redone each run.
    for d in ("inputs", "expected", "outputs"):
        shutil.rmtree(out / d, ignore_errors=True)
    tags = build(args.golden, out, args.producers, args.fonts, args.extractors, args.cases)
    built_s = time.perf_counter() - t0
    inner = make_producer("rules", "none")
    (out / "outputs").mkdir()

    def producer(path: Path) -> tuple[list[Any], list[Any]]:
        forms, findings = inner(path)
        lines = [json.dumps(f, ensure_ascii=False, default=str) for f in forms]
        case = path.name.removesuffix(path.suffix)
        (out / "outputs" / f"{case}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return forms, findings

    res = run_eval(out, producer, stage="rules")
    print(
        f"{len(tags)} inputs, built in {built_s:.0f} s, scored in {time.perf_counter() - t0 - built_s:.0f} s"
    )
    print()
    print("| producer-font | extractor | forms | rows exact | end-to-end ind. acc | header acc |")
    print("|---|---|---:|---:|---:|---:|")
    by_tag: dict[str, list[str]] = {}
    for case, tag in tags.items():
        by_tag.setdefault(tag, []).append(case)
    total = [0, 0]
    for tag in sorted(by_tag):
        exact = [0, 0]
        for case in by_tag[tag]:
            e, n = exact_rows(out / "expected" / f"{case}.jsonl", out / "outputs" / f"{case}.jsonl")
            exact[0] += e
            exact[1] += n
        total[0] += exact[0]
        total[1] += exact[1]
        s = res.layouts[tag]
        m = s.metrics("x")
        variant, how = tag.split("/")
        ind, head = m.get("x.fields.indicator"), m.get("x.fields.form")
        print(
            f"| {variant} | {how} | {s.forms_found}/{s.forms_expected} | {exact[0]}/{exact[1]} "
            f"| {'–' if ind is None else f'{ind:.3f}'} | {'–' if head is None else f'{head:.3f}'} |"
        )
    o = res.overall.metrics("x")
    print(
        f"| **all** | | {res.overall.forms_found}/{res.overall.forms_expected} "
        f"| {total[0]}/{total[1]} | {o.get('x.fields.indicator', 0):.3f} "
        f"| {o.get('x.fields.form', 0):.3f} |"
    )
    if res.errors:
        print(f"\n{len(res.errors)} case(s) crashed:")
        for case, err in sorted(res.errors.items()):
            print(f"- {case}: {err}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--golden", type=Path, default=Path("golden"))
    ap.add_argument("--producers", default=",".join(PRODUCERS))
    ap.add_argument("--fonts", default="wqy,noto")
    ap.add_argument("--extractors", default=",".join(EXTRACTORS))
    ap.add_argument("--cases", default="", help="case stems (default: every golden case)")
    ap.add_argument("--keep", type=Path, help="work here and keep the PDFs (reused next run)")
    args = ap.parse_args(argv)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # a FontBBox warning per glyph
    args.producers = tuple(args.producers.split(","))
    args.fonts = tuple(args.fonts.split(","))
    args.extractors = tuple(args.extractors.split(","))
    args.cases = tuple(c for c in args.cases.split(",") if c)
    for p in args.producers:
        if p not in PRODUCERS:
            ap.error(f"unknown producer {p}; known: {', '.join(PRODUCERS)}")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        return run(args, args.keep)
    with tempfile.TemporaryDirectory(prefix="jixiao-pdfprod-") as tmp:
        return run(args, Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
