"""Scanned pages → rows through RapidOCR, with each cell's box and confidence kept.

RapidOCR (``rapidocr-onnxruntime``) ships its Chinese PP-OCR models inside the wheel, so
nothing is downloaded at run time. A page is read in four steps:

1. **Paper**: red seals taken out by colour, the page turned upright (``paper``), a phone
   photo straightened from its table's outer border (``perspective``).
   **Deskew**: the table's ruling lines (long horizontal strokes) give the scan's rotation,
   which is undone before anything else, so rows stay rows.
2. **Cells from the rules**: horizontal and vertical strokes are isolated by morphology; the
   regions they enclose are the cells, merged cells included (no inner line, one region).
   The cells become a grid exactly as a PDF's ruled table does (``geometry.grid_cells``).
3. **Text**: OCR boxes go to the cell holding their centre; boxes outside every table are
   laid out by geometry (title, 编制单位 …). A cell with ink but no text read (OCR drops
   lone symbols such as ``≥``) becomes an empty cell with confidence 0: something is
   printed there that was not read, and no operator is guessed.
4. **Vocabulary repair**: a cell that is one or two characters away from a known printed
   label, column heading or category (``主管部内`` → ``主管部门``), or, in the unit column,
   from a known unit, is replaced by it; the original text is kept on the cell.

Cells are ``OcrCell``: a ``Cell`` with ``confidence`` (lowest box score), ``box`` (pixels on the
deskewed page), ``page`` and ``read_as`` (the OCR text before a vocabulary repair).
``annotate`` adds a scan's provenance (pages, glyphs); ``defects.ocr_confidence`` raises
``ocr_low_confidence`` on indicators built from weak cells.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from jixiao import limits, vocab
from jixiao.errors import InputError
from jixiao.grammar import Row
from jixiao.ingest.readers import geometry, glyphs, heap, paper, perspective, recheck
from jixiao.ingest.readers.geometry import Box, Rect
from jixiao.ingest.readers.pages import PageReader
from jixiao.ingest.readers.rows import RowBuilder
from jixiao.schema import OCR_LOW_CONFIDENCE, FileResult, Indicator, OcrCell, Repair

#: Cells read with a lower score than this are reported (``ocr_low_confidence``).
LOW_CONFIDENCE = OCR_LOW_CONFIDENCE
#: OCR boxes scoring below this are dropped as noise (RapidOCR's own default is 0.5).
MIN_SCORE = 0.30
#: Env var: onnxruntime threads per process (default 1: a process pool gives the parallelism).
THREADS_ENV = "JIXIAO_OCR_THREADS"
#: Largest side, in pixels, RapidOCR scales a page to for detection (its default). Geometry
#: stays at full resolution: shrinking the page first made detection drop whole lines.
MAX_SIDE = 2000
#: Breaks in a ruling line shorter than this (pixels) are closed before cells are found.
RULE_GAP = 15


# --------------------------------------------------------------------------- engine


@lru_cache(maxsize=1)
def engine() -> Any:
    """The RapidOCR engine, loaded once per process (about half a second)."""
    from rapidocr_onnxruntime import RapidOCR

    threads = int(os.environ.get(THREADS_ENV, "1") or 1)
    return RapidOCR(
        intra_op_num_threads=threads,
        inter_op_num_threads=threads,
        text_score=MIN_SCORE,
        max_side_len=MAX_SIDE,
    )


def ocr_boxes(gray: Any) -> list[Box]:
    """Text boxes of a greyscale image (a cell's crop), axis-aligned, with their scores:
    RapidOCR's own detection and recognition, no line classifier (the page is upright)."""
    import numpy as np

    rgb = np.stack([gray] * 3, axis=-1)
    result, _elapsed = engine()(rgb, use_cls=False)
    boxes: list[Box] = []
    for quad, text, score in result or []:
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
        text = str(text).strip()
        if text:
            boxes.append(Box(min(xs), min(ys), max(xs), max(ys), text, float(score)))
    return boxes


def detect(gray: Any) -> list[Any]:
    """Text-line quads of a greyscale page (float32 4×2, clockwise from the top left, page
    pixels): PP-OCR detection as RapidOCR runs it (page scaled to ``MAX_SIDE``), no
    recognition. The heap's free memory is given back first (``heap``): detection is the
    page's peak, and it would otherwise come on top of what the page before freed."""
    import numpy as np

    heap.give_back()
    rgb = np.ascontiguousarray(np.stack([gray] * 3, axis=-1))
    quads, _elapsed = engine()(rgb, use_cls=False, use_rec=False)
    return [np.asarray(q, np.float32).reshape(4, 2) for q in quads or []]


def page_boxes(gray: Any) -> tuple[Any, list[Box]]:
    """The page made upright, flat and level, and its text boxes on it: one detection and one
    recognition pass.

    The page is detected once as it came; its lines say how it lies (``paper.quarter_turns``).
    Each step that moves the page (a half turn, a tilt over 1° from the text lines, the
    perspective warp, the deskew on the rules) returns its matrix, and the detected lines
    are carried through all of them to the final page, where they are cropped and
    recognised. Only a page on its side is detected a second time, once turned: PP-OCR
    detects horizontal lines.
    """
    import numpy as np

    quads = detect(gray)
    turns = paper.quarter_turns(engine(), gray, quads)
    gray, move = paper.turn(gray, turns)
    if turns % 2:
        quads, move = detect(gray), np.eye(3)
    tilt = paper.skew(_carried(quads, move, gray.shape))
    if abs(tilt) > 1.0:
        gray, step = paper.level(gray, -tilt)
        move = step @ move
    gray, warp = perspective.straighten(gray)
    if warp is not None:
        move = warp @ move
    gray, step = deskew(gray)
    if step is not None:
        move = step @ move
    return gray, recognise(gray, _carried(quads, move, gray.shape))


def _carried(quads: list[Any], move: Any, shape: tuple[int, int]) -> list[Any]:
    """Quads taken through ``move`` (3×3) onto a page of ``shape``: clipped to it, and still
    clockwise from the top-left corner (a turn moves which corner comes first)."""
    import cv2
    import numpy as np

    if not quads:
        return []
    pts = np.asarray(quads, np.float64).reshape(-1, 1, 2)
    moved = cv2.perspectiveTransform(pts, move).reshape(-1, 4, 2)
    h, w = shape
    moved[..., 0] = moved[..., 0].clip(0, w)
    moved[..., 1] = moved[..., 1].clip(0, h)
    out = []
    for q in moved.astype(np.float32):
        out.append(np.roll(q, -int(np.argmin(q.sum(axis=1))), axis=0))
    return out


def recognise(gray: Any, quads: list[Any]) -> list[Box]:
    """Text boxes from line quads on ``gray``: cropped as RapidOCR crops them, recognised in
    its batches, boxes scoring under ``MIN_SCORE`` dropped, in RapidOCR's reading order."""
    import numpy as np

    if not quads:
        return []
    eng = engine()
    quads = eng.sorted_boxes(np.asarray(quads, np.float32))
    rgb = np.ascontiguousarray(np.stack([gray] * 3, axis=-1))
    crops = eng.get_crop_img_list(rgb, quads)
    results, _elapsed = eng.text_rec(crops)
    boxes: list[Box] = []
    for quad, (text, score, *_rest) in zip(quads, results, strict=True):
        text = str(text).strip()
        if text and float(score) >= MIN_SCORE:
            xs, ys = quad[:, 0], quad[:, 1]
            x0, top, x1, bottom = float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())
            boxes.append(Box(x0, top, x1, bottom, text, float(score)))
    return boxes


# --------------------------------------------------------------------------- page geometry


def deskew(gray: Any) -> tuple[Any, Any | None]:
    """The page turned level by the angle of its long horizontal strokes, and the rotation
    applied (3×3, page before → after), or None when it was level.

    Each long horizontal stroke (a table rule, after an opening that keeps only horizontal
    runs and a small dilation that joins a tilted rule's staircase) gets a least-squares line
    through its pixels; the median slope is the page's. This is exact to a few hundredths of
    a degree and about twenty times cheaper than a fine Hough transform (0.07 s vs 1.3 s a page).
    """
    import cv2
    import numpy as np

    h, w = gray.shape
    ink = cv2.adaptiveThreshold(
        255 - gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 15, -10
    )
    horiz = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(w // 60, 10), 1))
    )
    horiz = cv2.dilate(horiz, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(horiz, connectivity=8)
    angles = []
    for k in range(1, count):
        x, y, width, height, _area = (int(v) for v in stats[k])
        if width < w // 6 or height > width * 0.12:
            continue  # not a long horizontal stroke
        ys, xs = np.nonzero(labels[y : y + height, x : x + width] == k)
        points = np.column_stack([xs, ys]).astype(np.float32)
        vx, vy, _x0, _y0 = cv2.fitLine(points, cv2.DIST_L2, 0, 0.01, 0.01).ravel()
        a = float(np.degrees(np.arctan2(vy, vx)))
        a = a - 180 if a > 90 else a + 180 if a < -90 else a
        if abs(a) <= 6:
            angles.append(a)
    if not angles:
        return gray, None
    angle = float(np.median(angles))
    if abs(angle) < 0.05:
        return gray, None
    return paper.level(gray, angle)


def table_cells(gray: Any) -> list[list[Rect]]:
    """Cell rectangles of each ruled table on the page (regions enclosed by ruling lines)."""
    import cv2
    import numpy as np

    h, w = gray.shape
    ink = cv2.adaptiveThreshold(
        255 - gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 15, -10
    )
    horiz = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(w // 40, 15), 1))
    )
    vert = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(h // 80, 12)))
    )
    # A rule with a short break (pen or stamp ink taken off where it crossed it, a worn
    # scan) is still one rule: gaps shorter than RULE_GAP along the line are closed.
    horiz = cv2.morphologyEx(horiz, cv2.MORPH_CLOSE, np.ones((1, RULE_GAP), np.uint8))
    vert = cv2.morphologyEx(vert, cv2.MORPH_CLOSE, np.ones((RULE_GAP, 1), np.uint8))
    rules = cv2.dilate(cv2.bitwise_or(horiz, vert), np.ones((3, 3), np.uint8), iterations=1)
    _n_tables, table_of = cv2.connectedComponents(rules, connectivity=8)
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(255 - rules, connectivity=4)
    tables: dict[int, list[Rect]] = {}
    for i in range(1, n):
        x, y, cw, ch, area = (int(v) for v in stats[i])
        if x == 0 or y == 0 or x + cw >= w or y + ch >= h:
            continue  # the page around the tables
        if cw < 8 or ch < 8 or area < 0.5 * cw * ch:
            continue  # specks, or a region that is not a box
        probe_x = max(x - 2, 0)
        table = int(table_of[y + ch // 2, probe_x])
        if table == 0:
            continue
        tables.setdefault(table, []).append((float(x), float(y), float(x + cw), float(y + ch)))
    return [rects for rects in tables.values() if len(rects) >= 2]


def has_ink(gray: Any, rect: Rect, margin: int = 3) -> bool:
    """Whether a cell holds dark marks (a symbol OCR did not read), borders excluded."""
    x0, y0, x1, y1 = (int(v) for v in rect)
    inner = glyphs.ink_mask(gray, x0 + margin, y0 + margin, x1 - margin, y1 - margin)
    if inner.size == 0:
        return False
    # The same ink/paper cut as the glyph classifier's: a photo's faint symbol is ink too.
    return int(inner.sum()) >= max(12, int(0.004 * inner.size))


# --------------------------------------------------------------------------- vocabulary repair


def _known_texts() -> list[str]:
    """Printed words the form's vocabulary proves: labels, headings and categories."""
    labels = [
        "项目名称",
        "专项资金名称",
        "主管部门",
        "业务主管部门",
        "主管部门及代码",
        "实施单位",
        "部门名称",
        "编制单位",
        "资金总额",
        "资金总额（万元）",
        "年度资金总额",
        "部门支出预算总量",
        "部门支出预算总量（万元）",
        "项目属性",
        "项目期",
        "项目起始时间",
        "项目终止时间",
        "项目概况",
        "立项依据",
        "当年绩效目标",
        "年度绩效目标",
        "年度整体绩效目标",
        "年度总体目标",
        "一级指标",
        "二级指标",
        "三级指标",
        "指标性质",
        "指标值",
        "计量单位",
        "指标权重",
        "单位：万元",
        "财政拨款",
        "其他资金",
        "区级支出",
        "补助街镇",
        "新增项目",
        "延续性项目",
    ]
    return sorted({*labels, *vocab.LEVEL1_CANON.values(), *vocab.LEVEL2_CANON.values()})


KNOWN_TEXTS: tuple[str, ...] = tuple(_known_texts())
_LABEL_PREFIX = re.compile(r"^(其中[:：])")


def repair_text(text: str, choices: tuple[str, ...] = KNOWN_TEXTS) -> str | None:
    """The known word ``text`` is a misreading of, or None when it is not provably one.

    Proof is closeness to exactly one known word: one edit for words of 3–7 characters, two
    for longer ones, never for shorter (``人``/``个`` are both units; nothing decides).
    """
    from rapidfuzz.distance import Levenshtein

    t = re.sub(r"\s+", "", text)
    prefix = ""
    m = _LABEL_PREFIX.match(t)
    if m:
        prefix, t = m.group(1), t[m.end() :]
    if len(t) < 3 or t in choices or _recognised(t):
        return None
    limit = 1 if len(t) < 8 else 2
    best = [c for c in choices if abs(len(c) - len(t)) <= limit]
    scored = sorted((Levenshtein.distance(t, c), c) for c in best)
    if not scored or scored[0][0] > limit:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None  # two words equally close: not proven
    return prefix + scored[0][1]


def _recognised(t: str) -> bool:
    return bool(
        vocab.header_field(t)
        or vocab.column_role(t)
        or vocab.canon_level1(t)
        or vocab.breakdown_key(t)
    )


def repair_unit(text: str) -> str | None:
    """A unit cell's text snapped to the unit list when one edit away and unambiguous."""
    from rapidfuzz.distance import Levenshtein

    t = re.sub(r"\s+", "", text)
    if len(t) < 2 or t in vocab.UNITS or t in vocab.UNIT_ALIASES:
        return None
    units = sorted(set(vocab.UNITS) | set(vocab.UNIT_ALIASES))
    scored = sorted((Levenshtein.distance(t, u), u) for u in units if abs(len(u) - len(t)) <= 1)
    if not scored or scored[0][0] > 1 or (len(scored) > 1 and scored[1][0] == 1):
        return None
    return scored[0][1]


# --------------------------------------------------------------------------- page → rows


def read_image(image: Any, out: RowBuilder, page: int = 1) -> bool:
    """OCR one page image (Pillow) into ``out``; False when the page holds no text."""
    return read_page(paper.gray_without_seals(image), out, page)


def read_page(gray: Any, out: RowBuilder, page: int = 1) -> bool:
    """OCR one greyscale page (uint8, seals and pen already taken off) into ``out``; False
    when the page holds no text. The caller need not keep the colour page meanwhile."""
    return add_page(read_blocks(gray, page), out)


@dataclass
class PageRead:
    """A page read by OCR, not yet joined to its file: the upright page and its blocks in
    the order found (a ruled table's grid, or one unruled row), each with its top."""

    page: int
    gray: Any = None
    blocks: list[tuple[float, bool, list[list[OcrCell]]]] = field(default_factory=list)


def read_blocks(gray: Any, page: int = 1) -> PageRead:
    """The OCR of one page (the costly part: detection, recognition, cells, second looks), with
    nothing that depends on the pages before it, so pages can be read in any process."""
    gray, boxes = page_boxes(gray)
    read = PageRead(page)
    if not boxes:
        return read
    read.gray = gray
    rest = list(boxes)
    for rects in table_cells(gray):
        top = min(r[1] for r in rects)
        read.blocks.append((top, True, _table_grid(gray, rects, rest, page)))
        bbox = (min(r[0] for r in rects), top, max(r[2] for r in rects), max(r[3] for r in rects))
        rest = [b for b in rest if not geometry.inside(b, bbox)]
    lines = geometry.group_lines(rest)
    rows = geometry.unruled_rows(lines, right=max(b.x1 for b in boxes))
    width = max((p.col + 1 for row in rows for p in row), default=0)
    for row in rows:
        cells: list[OcrCell] = [OcrCell(text="", col=i, page=page) for i in range(width)]
        for p in row:
            boxes_in = [b for ln in p.lines for b in ln.boxes]
            cells[p.col] = _cell(geometry.pieces_text(p), boxes_in, p.col, page)
        read.blocks.append((min(p.lines[0].top for p in row), False, [cells]))
    return read


def add_page(read: PageRead, out: RowBuilder) -> bool:
    """A page read by ``read_blocks`` joined to its file, pages in order: each table checked
    with the column roles of the file so far (a table continued without its heading row keeps
    the last one's), then every block's rows added top down. False when it held no text."""
    if read.gray is None:
        return False
    blocks = []
    for n, (top, ruled, grid) in enumerate(read.blocks):
        blocks.append((top, n, _table_checked(grid, read.gray, out.carry) if ruled else grid))
    for _top, _n, grid_rows in sorted(blocks, key=lambda b: (b[0], b[1])):
        for cells in grid_rows:
            line = out.next_line
            out.add_row([replace(c, line=line) for c in cells])
    return True


def _cell(text: str, boxes: list[Box], col: int, page: int, rect: Rect | None = None) -> OcrCell:
    """An OcrCell from its text and boxes (confidence: the weakest box)."""
    box: Rect | None
    if boxes:
        box = (
            min(b.x0 for b in boxes),
            min(b.top for b in boxes),
            max(b.x1 for b in boxes),
            max(b.bottom for b in boxes),
        )
        conf: float | None = min(b.conf for b in boxes)
    else:
        box, conf = rect, None
    read_as = None
    fixed = repair_text(text) if text else None
    if fixed is not None:
        read_as, text = text, fixed
    numbered = _DOC_NUMBER.sub(r"\g<org>〔\g<year>〕\g<no>号", text)
    if numbered != text:
        read_as, text = read_as or text, numbered
    return OcrCell(text=text, col=col, page=page, box=box, confidence=conf, read_as=read_as)


#: A document number (文号, GB/T 9704: ``沙府办发〔2010〕122号``) whose hexagonal brackets OCR
#: read as other brackets (``【2010）``) or dropped the opening one of (``发2010）122号``, the
#: thin 〔 missed on a clean scan): a year closed by a bracket after 发/字, then 号, is proof.
_DOC_NUMBER = re.compile(
    r"(?P<org>[\u4e00-\u9fff]{1,8}[发字函办])\s*[【〔\[(（{［]?\s*(?P<year>(?:19|20)\d{2})\s*"
    r"[】〕\])）}］]\s*(?P<no>\d{1,5})\s*号"
)


def _table_grid(gray: Any, rects: list[Rect], boxes: list[Box], page: int) -> list[list[OcrCell]]:
    """One ruled table's grid: OCR boxes put into its cells, unread ink marked (the columns
    are checked by ``_table_checked`` once the file's pages before are known)."""
    nrows, ncols, placed = geometry.grid_cells(rects, tol=max(6.0, gray.shape[1] / 200))
    grid: list[list[OcrCell]] = [
        [OcrCell(text="", col=c, page=page) for c in range(ncols)] for _ in range(nrows)
    ]
    cells: list[list[Box]] = []
    for _row, _col, _rs, _cs, rect in placed:
        inner = [b for b in boxes if geometry.inside(b, rect)]
        cells.append(
            _second_look(gray, rect) or inner if _missed_lines(gray, rect, inner) else inner
        )
    line = _print_height(boxes)
    zeros = {
        c: inner[0].text
        for c, inner in enumerate(cells)
        if _lone_zero(gray, inner, placed[c][4], line)
    }
    cells = [
        [replace(inner[0], text="0")] if c in zeros else inner for c, inner in enumerate(cells)
    ]
    cells = _rechecked(gray, cells)
    for k, ((row, col, _rs, _cs, rect), inner) in enumerate(zip(placed, cells, strict=True)):
        hand = [b for b in inner if _handwritten(b, line)]
        if hand:
            # Figures written by hand over the cell: not the form's. Beside print they are
            # left out (the OCR text kept in read_as); alone they are ink unread (flagged).
            seen = geometry.join_lines(geometry.group_lines(inner), rect[2])
            print_ = [b for b in inner if b not in hand]
            text = geometry.join_lines(geometry.group_lines(print_), rect[2])
            cell = replace(_cell(text, print_, col, page, rect), rect=rect, read_as=seen)
            if not print_:
                cell = replace(cell, text="", confidence=0.0, box=rect)
        else:
            text = geometry.join_lines(geometry.group_lines(inner), rect[2])
            cell = replace(_cell(text, inner, col, page, rect), rect=rect)
        if not inner and has_ink(gray, rect):
            cell = _read_symbol(gray, replace(cell, confidence=0.0, box=rect), rect)
        if k in zeros:
            cell = replace(cell, read_as=zeros[k])
        if 0 <= row < nrows and 0 <= col < ncols:
            grid[row][col] = cell
    return grid


def _table_checked(
    grid: list[list[OcrCell]], gray: Any, carry: dict[str, object]
) -> list[list[OcrCell]]:
    """A table's rows with its columns checked (units snapped, dropped symbols read), the rows
    that hold nothing left out.

    ``carry`` holds the column roles of the last heading row seen in this file, so a table
    that continues on the next page without repeating its heading is checked the same way.
    """
    ncols = len(grid[0]) if grid else 0
    carried = carry.get("columns")
    inherited = dict(carried[1]) if isinstance(carried, tuple) and carried[0] == ncols else None
    cols = _check_columns(grid, gray, inherited)
    if cols:
        carry["columns"] = (ncols, cols)
    return [r for r in grid if any(c.text.strip() or c.confidence == 0.0 for c in r)]


#: A box of figures this many times taller than the page's print (the median box height) is
#: handwriting: printed figures in a form's cells are the body size (at most 1.25× measured
#: on scans), a reviewer's figures are written across the row (1.5× and more).
HANDWRITTEN_HEIGHT = 1.4
_FIGURES = re.compile(r"^[0-9.,%]+$")


def _print_height(boxes: list[Box]) -> float:
    """The median height of the page's text boxes: the print's line height."""
    heights = sorted(b.bottom - b.top for b in boxes)
    return heights[len(heights) // 2] if heights else 0.0


def _handwritten(box: Box, line: float) -> bool:
    """Whether a box is figures written by hand: figures only, much taller than the print."""
    return (
        line > 0
        and box.bottom - box.top >= HANDWRITTEN_HEIGHT * line
        and bool(_FIGURES.match(box.text.strip()))
    )


#: What PP-OCR's recogniser emits for a lone printed ``0`` about as often as ``0`` itself
#: (``recheck``): round marks and the letters drawn like a zero.
ROUND_MARKS = frozenset(".。°·oO〇○")
#: A zero's ink is a figure's height: at least this share of the print's line height (the
#: median text box, padded by detection: a printed figure's ink is half of it, a full stop's
#: or a degree sign's a tenth).
ZERO_HEIGHT = 0.35


def _lone_zero(gray: Any, boxes: list[Box], rect: Rect, line: float) -> bool:
    """Whether a cell's one box, read as a round mark, is a printed ``0``: its ink (inside the
    cell's rules) is as tall as a figure and the glyph templates match ``0`` best, clearly (a
    lone ``0`` at 0.31–0.46 read as ``.`` left a budget cell empty and a value qualitative)."""
    import numpy as np

    if len(boxes) != 1 or boxes[0].text.strip() not in ROUND_MARKS or line <= 0:
        return False
    b, m = boxes[0], 4
    x0, y0 = int(max(b.x0, rect[0] + m)), int(max(b.top, rect[1] + m))
    x1, y1 = int(min(b.x1 + 1, rect[2] - m)), int(min(b.bottom + 1, rect[3] - m))
    ink = glyphs.ink_mask(gray, x0, y0, x1, y1)
    rows = np.flatnonzero(ink.any(axis=1)) if ink.size else np.zeros(0, np.intp)
    if len(rows) == 0 or rows[-1] - rows[0] + 1 < ZERO_HEIGHT * line:
        return False
    glyph = glyphs.classify(ink)
    return (
        glyph is not None
        and glyph.symbol == "0"
        and glyph.score >= glyphs.MIN_SCORE
        and glyph.score - glyph.runner_up >= glyphs.MARGIN
    )


def _ink_bands(gray: Any, rect: Rect, margin: int = 4) -> list[tuple[int, int, int]]:
    """Text-line bands of ink inside a cell: (top, bottom, ink width) in page pixels."""
    x0, y0, x1, y1 = (int(v) for v in rect)
    inner = gray[y0 + margin : y1 - margin, x0 + margin : x1 - margin] < 110
    if inner.size == 0:
        return []
    rows = inner.sum(axis=1) > 1
    bands: list[tuple[int, int, int]] = []
    start: int | None = None
    for i, on in enumerate([*rows.tolist(), False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            cols = inner[start:i].any(axis=0).nonzero()[0]
            width = int(cols[-1] - cols[0]) if len(cols) else 0
            bands.append((y0 + margin + start, y0 + margin + i, width))
            start = None
    return bands


def _rechecked(gray: Any, cells: list[list[Box]]) -> list[list[Box]]:
    """Each cell's boxes, a short box scored below ``LOW_CONFIDENCE`` with its score re-checked
    on its own crop (``recheck.class_scores``: look-alikes that mean the same, ``0``/``o``, are
    not doubt)."""
    weak = [
        (c, k)
        for c, inner in enumerate(cells)
        for k, box in enumerate(inner)
        if box.conf < LOW_CONFIDENCE and len(box.text.strip()) <= recheck.MAX_CHARS
    ]
    if not weak:
        return cells
    crops = []
    for c, k in weak:
        box = cells[c][k]
        x0, y0, x1, y1 = int(box.x0), int(box.top), int(box.x1) + 1, int(box.bottom) + 1
        crops.append((gray[max(y0, 0) : y1, max(x0, 0) : x1], box.text))
    out = [list(inner) for inner in cells]
    for (c, k), score in zip(weak, recheck.class_scores(engine(), crops), strict=True):
        box = cells[c][k]
        if score is not None and score > box.conf:
            out[c][k] = replace(box, conf=score)
    return out


def _missed_lines(gray: Any, rect: Rect, boxes: list[Box]) -> bool:
    """Whether the cell holds a line of text (ink wider than three line heights) no box covers."""
    for top, bottom, width in _ink_bands(gray, rect):
        height = bottom - top
        if height < 6 or width < 3 * height:
            continue  # a lone mark (``≥``) or a speck: has_ink reports it
        middle = (top + bottom) / 2
        if not any(b.top <= middle <= b.bottom for b in boxes):
            return True
    return False


def _second_look(gray: Any, rect: Rect) -> list[Box]:
    """OCR the cell alone: page-level detection sometimes drops a line in a dense cell."""
    x0, y0, x1, y1 = (int(v) for v in rect)
    crop = gray[y0:y1, x0:x1]
    return [
        Box(b.x0 + x0, b.top + y0, b.x1 + x0, b.bottom + y0, b.text, b.conf)
        for b in ocr_boxes(crop)
    ]


def _check_columns(
    grid: list[list[OcrCell]], gray: Any = None, cols: dict[str, int] | None = None
) -> dict[str, int]:
    """Below the indicator heading: snap near-miss units, read dropped symbols, never guess.

    A unit one edit from exactly one known unit is that unit. An operator cell whose text is
    no operator (``V`` for ``≥``) is read again from its ink by the glyph classifier; if that
    is not sure either, it is emptied with confidence 0 (its OCR text kept in ``read_as``), so
    the row is flagged with no operator rather than a guessed one. A value cell with ink left
    of the number OCR read gets that symbol in front of its text, or confidence 0.
    ``cols`` are the roles inherited from a heading on an earlier page; the roles in force
    at the end are returned.
    """
    cols = dict(cols or {})
    for r, row in enumerate(grid):
        roles = {c.col: vocab.column_role(c.text) for c in row if c.text.strip()}
        if "name" in roles.values() and len([v for v in roles.values() if v]) >= 3:
            cols = {role: col for col, role in roles.items() if role and col is not None}
            continue
        unit_col, op_col, value_col = cols.get("unit"), cols.get("operator"), cols.get("value")
        if unit_col is not None and unit_col < len(row) and row[unit_col].text.strip():
            cell = row[unit_col]
            fixed = repair_unit(cell.text)
            if fixed is not None:
                grid[r][unit_col] = replace(cell, text=fixed, read_as=cell.text)
            elif _weak(cell) and cell.text.strip() in glyphs.SYMBOLS and gray is not None:
                # OCR scores a lone "%" low even when right: the glyph classifier may confirm it
                seen = _read_symbol(gray, cell, cell.rect) if cell.rect else cell
                if seen.text == cell.text.strip():
                    grid[r][unit_col] = seen
        if op_col is not None and op_col < len(row) and row[op_col].text.strip():
            cell = row[op_col]
            if not _operator_word(cell.text) or _weak(cell):  # "V" for "≥": proven misread
                unread = replace(cell, text="", read_as=cell.text, confidence=0.0)
                if gray is not None and cell.rect is not None:
                    unread = _read_symbol(gray, unread, cell.rect)
                if unread.text and unread.text not in OPERATORS:  # "%" or "±": no operator
                    unread = replace(unread, text="", confidence=0.0, glyph=None)
                grid[r][op_col] = unread
        if (
            gray is not None
            and value_col is not None
            and value_col < len(row)
            and value_col != op_col
            and row[value_col].text.strip()
        ):
            grid[r][value_col] = _symbol_left(gray, row[value_col])
    return cols


def _weak(cell: OcrCell) -> bool:
    return cell.confidence is not None and cell.confidence < LOW_CONFIDENCE


def _read_symbol(gray: Any, cell: OcrCell, rect: Rect) -> OcrCell:
    """A cell with ink but no text: the symbol the glyph classifier is sure of, else unread."""
    x0, y0, x1, y1 = (int(v) for v in rect)
    m = 5
    glyph = glyphs.classify(glyphs.ink_mask(gray, x0 + m, y0 + m, x1 - m, y1 - m))
    if glyph is None or not glyph.sure:
        return replace(cell, text="", confidence=0.0)
    return replace(cell, text=glyph.symbol, confidence=glyph.score, glyph=glyphs.CLASSIFIER)


#: The schema's operators: what a symbol read in an operator or value cell may be.
OPERATORS = ("≥", "≤", "=", "<", ">")
_LEADING_NUMBER = re.compile(r"^\s*[0-9０-９.．]")


def _symbol_left(gray: Any, cell: OcrCell) -> OcrCell:
    """A value cell whose text starts with a digit but has ink left of it OCR did not read."""
    if cell.rect is None or cell.box is None or not _LEADING_NUMBER.match(cell.text):
        return cell
    left = int(cell.rect[0]) + 5
    right = int(cell.box[0]) - 2
    top, bottom = int(cell.box[1]), int(cell.box[3])
    if right - left < 4:
        return cell
    ink = glyphs.ink_mask(gray, left, top, right, bottom)
    if int(ink.sum()) < 12:
        return cell
    glyph = glyphs.classify(ink)
    if glyph is None or not glyph.sure or glyph.symbol not in OPERATORS:
        return replace(cell, confidence=0.0)
    return replace(
        cell,
        text=glyph.symbol + cell.text,
        read_as=cell.read_as or cell.text,
        glyph=glyphs.CLASSIFIER,
    )


def _operator_word(text: str) -> bool:
    """What an operator column may hold: an operator, a category, 定性/定量."""
    t = re.sub(r"\s+", "", text)
    return (
        t in vocab.OPERATOR_WORDS
        or t in vocab.CATEGORY_WORDS
        or t in vocab.QUALITATIVE_MARKERS
        or t in vocab.QUANTITATIVE_MARKERS
    )


# --------------------------------------------------------------------------- files


def read_images(data: bytes, name: str) -> RowBuilder:
    """Rows of an image file, every frame of a multi-page TIFF in turn."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        limits.check("", "pages", getattr(image, "n_frames", 1))
        image.load()
    except Image.DecompressionBombError as exc:
        raise InputError(
            name,
            f"图像像素过多，疑似解压炸弹 / image claims too many pixels ({_why(exc)})",
            code="image_bomb",
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InputError(name, f"corrupt or truncated image ({_why(exc)})", code="corrupt") from exc
    out = RowBuilder()
    frames = getattr(image, "n_frames", 1)
    try:
        with PageReader(out, frames) as pages:
            for index in range(frames):
                image.seek(index)
                if blank_image(image):
                    continue
                gray = paper.gray_without_seals(image)
                if index == frames - 1:
                    image.close()  # its colour pixels are not needed while the page is read
                pages.ocr(gray, index + 1, _found)
    except OSError as exc:
        raise InputError(name, f"corrupt or truncated image ({_why(exc)})", code="corrupt") from exc
    return out


def _found(_text: bool) -> None:
    """A frame's page read (a frame without text is simply no rows)."""


#: Frames smaller than this (pixels, either side) hold nothing legible; a frame whose grey
#: levels span less than ``FLAT_SPAN`` has no ink (blank, or one colour).
TINY_SIDE = 16
FLAT_SPAN = 24


def blank_image(image: Any) -> bool:
    """A frame not worth OCR (seconds each, even for a 4×4 blank: a 400-frame GIF took
    minutes): too small to hold text, or without ink."""
    if min(image.size) < TINY_SIDE:
        return True
    lo, hi = image.convert("L").getextrema()
    return bool(hi - lo < FLAT_SPAN)


def _why(exc: Exception) -> str:
    """An image library's message without the in-memory file's repr."""
    return re.sub(r"\s*<_io\.BytesIO object at 0x[0-9a-f]+>", "", str(exc)) or type(exc).__name__


def annotate(result: FileResult, rows: list[Row]) -> None:
    """Provenance a scan adds: each indicator's page, and the symbols read by the glyph
    classifier (its flags are raised by ``defects.ocr_confidence``)."""
    by_line = {row.line: row for row in rows if row.line is not None}
    for form in result.forms:
        for ind in form.indicators:
            _record_glyphs(ind)
            row = by_line.get(ind.source.line) if ind.source.line is not None else None
            pages = [c.page for c in (row.cells if row else []) if isinstance(c, OcrCell)]
            ind.source.page = pages[0] if pages else None


def _record_glyphs(ind: Indicator) -> None:
    """Provenance: a symbol read by the glyph classifier, not by OCR, is listed as a repair."""
    for role, cell in ind.source.cells.items():
        if not isinstance(cell, OcrCell) or cell.glyph is None:
            continue
        ind.source.repairs.append(
            Repair(
                field="operator",
                before=cell.read_as if role == "operator" else None,
                after=ind.operator,
                by=cell.glyph,
                evidence=f"{role} 单元格中 OCR 未识别的符号由字形模板识别为 {cell.text.strip()[:1]}",
                evidence_line=cell.line,
                confidence=round(float(cell.confidence or 0.0), 3),
            )
        )
