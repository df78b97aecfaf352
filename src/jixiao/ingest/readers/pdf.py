"""PDF → rows: ruled tables by their cell rectangles, other text by geometry, scans by OCR.

pypdfium2 opens the file first: it is fast, tells an encrypted file (password needed) from a
broken one, and renders image-only pages for OCR. pdfplumber then gives each page's
characters and finds ruled tables from the drawn lines; its cell rectangles become a grid
(``geometry.grid_cells``), so merged cells come out as text once plus empty cells. Text
outside tables, and whole pages without rules, are laid out by ``geometry.unruled_rows``.
When pdfminer sees no characters on a page that pdfium can read (fonts whose embedded
encoding pdfminer does not follow), pdfium's character boxes are used instead; when neither
has text the page is a scan and goes to OCR.
"""

from __future__ import annotations

import io
from typing import Any

from jixiao import limits
from jixiao.errors import InputError
from jixiao.ingest.readers import geometry, paper
from jixiao.ingest.readers.geometry import Box, Line
from jixiao.ingest.readers.pages import PageReader
from jixiao.ingest.readers.rows import RowBuilder, resolve_spans

#: Resolution at which image-only pages are rendered for OCR.
OCR_DPI = 200


def open_pdf(data: bytes, name: str) -> Any:
    """The pypdfium2 document; an encrypted or broken file is an ``InputError`` with the reason."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise InputError(
                name, "encrypted PDF: a password is needed to open it", code="encrypted"
            ) from exc
        raise InputError(name, f"corrupt PDF ({message})", code="corrupt") from exc


def read_pdf(data: bytes, name: str, ocr: bool = True) -> tuple[RowBuilder, dict[str, int]]:
    """Rows of every page, and page counts by how each page was read (text/pdfium/ocr/blank)."""
    import pdfplumber

    document = open_pdf(data, name)
    out = RowBuilder()
    stats = {"text": 0, "pdfium": 0, "ocr": 0, "blank": 0}
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            limits.check("", "pages", len(pdf.pages))
            with PageReader(out, len(pdf.pages) if ocr else 0) as pages:
                for index, page in enumerate(pdf.pages):
                    _read_page(document, index, page, ocr, pages, stats)
    except InputError:
        raise
    except Exception as exc:  # pdfminer parse errors on a file pdfium accepted
        raise InputError(
            name, f"corrupt PDF ({type(exc).__name__}: {exc})", code="corrupt"
        ) from exc
    finally:
        document.close()
    return out, stats


def _read_page(
    document: Any, index: int, page: Any, ocr: bool, pages: PageReader, stats: dict[str, int]
) -> None:
    """One page into the file's rows, in page order: its text layer (pdfplumber's, else
    pdfium's) read as text, else, unless blank, its render read by OCR (perhaps in another
    process: ``PageReader``)."""
    chars = _plumber_chars(page)
    how = "text"
    if not chars:
        chars = _pdfium_chars(document[index], float(page.height))
        how = "pdfium"
    if chars:
        pages.then(lambda: _read_text_page(page, chars, pages.out))
        stats[how] += 1
    elif ocr and not _blank(document[index]):
        # Only the grey page is kept while it is read (not the colour render).
        image = document[index].render(scale=OCR_DPI / 72).to_pil()
        gray = paper.gray_without_seals(image)
        del image

        def found(text: bool) -> None:
            stats["ocr" if text else "blank"] += 1

        pages.ocr(gray, index + 1, found)
    else:
        stats["blank"] += 1


def _blank(page: Any) -> bool:
    """A page with no ink at all, seen in a coarse render: not worth a full render and OCR
    (2,000 blank pages were each OCR'd). Any pixel darker than near-white keeps the page."""
    thumb = page.render(scale=BLANK_SCALE).to_pil().convert("L")
    lightest_dark, _ = thumb.getextrema()
    return bool(lightest_dark >= BLANK_LEVEL)


#: Scale of the coarse render (18 dpi) and the grey level (0-255) a page must stay above
#: everywhere to count as blank.
BLANK_SCALE = 0.25
BLANK_LEVEL = 250


def _plumber_chars(page: Any) -> list[Box]:
    return [
        Box(float(c["x0"]), float(c["top"]), float(c["x1"]), float(c["bottom"]), c["text"])
        for c in page.chars
        if c.get("text", "") and c["text"] not in "\r\n"
    ]


def _pdfium_chars(page: Any, height: float) -> list[Box]:
    """Character boxes from pdfium (PDF coordinates flipped to top-down)."""
    textpage = page.get_textpage()
    try:
        boxes: list[Box] = []
        for i in range(textpage.count_chars()):
            ch = textpage.get_text_range(i, 1)
            if not ch or ch in "\r\n\x00":
                continue  # blanks stay: they are the spaces the text has
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            boxes.append(Box(left, height - top, right, height - bottom, ch))
        return boxes
    finally:
        textpage.close()


def _read_text_page(page: Any, chars: list[Box], out: RowBuilder) -> None:
    """One page with a text layer: tables and paragraphs in top-to-bottom order."""
    tables = [t for t in page.find_tables() if len(t.cells) > 1]
    blocks: list[tuple[float, int, list[list[str]]]] = []
    rest = list(chars)
    for t in tables:
        x0, top, x1, bottom = t.bbox
        rect = (x0 - 1, top - 1, x1 + 1, bottom + 1)
        mine = [b for b in rest if geometry.inside(b, rect)]
        rest = [b for b in rest if not geometry.inside(b, rect)]
        blocks.append((float(top), len(blocks), table_grid(t.cells, mine)))
    right = max((b.x1 for b in chars), default=None)
    for row_top, grid in text_rows(rest, right):
        blocks.append((row_top, len(blocks), grid))
    for _top, _n, grid in sorted(blocks, key=lambda b: (b[0], b[1])):
        out.table(grid)


def table_grid(cells: list[tuple[float, float, float, float]], chars: list[Box]) -> list[list[str]]:
    """A ruled table's text grid from its cell rectangles and the characters inside them."""
    nrows, ncols, placed = geometry.grid_cells(cells, tol=2.0)
    spans = []
    for row, col, rs, cs, rect in placed:
        inner = [b for b in chars if geometry.inside(b, rect)]
        text = geometry.join_lines(geometry.group_lines(inner), rect[2])
        spans.append((row, col, rs, cs, text))
    return resolve_spans(nrows, ncols, spans)


def text_rows(chars: list[Box], right: float | None = None) -> list[tuple[float, list[list[str]]]]:
    """Text outside ruled tables: (top, one-row grid) per row laid out by geometry."""
    lines: list[Line] = geometry.group_lines(chars)
    out: list[tuple[float, list[list[str]]]] = []
    rows = geometry.unruled_rows(lines, right=right)
    width = max((p.col + 1 for row in rows for p in row), default=0)
    for row in rows:
        texts = [""] * width
        for p in row:
            texts[p.col] = geometry.pieces_text(p)
        out.append((min(p.lines[0].top for p in row), [texts]))
    return out
