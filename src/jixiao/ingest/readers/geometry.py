"""Positioned text → table rows: shared by the PDF reader (chars) and the OCR reader (boxes).

Two situations, one vocabulary of boxes:

* **Ruled tables**: the cell rectangles are known (pdfplumber's table finder, or lines found
  in a scan). Their edges, clustered, give the grid; a rectangle covering several grid cells
  is a merged cell, its text put at the top-left. Text inside a rectangle is joined line by
  line: a line that stops short of the cell's right edge ended a paragraph (``\\n``), one that
  reaches it was wrapped (joined without a blank between CJK characters).
* **No rules**: text lines are split where a gap is wider than a blank; the left edges of the
  pieces, clustered over the page, are the columns; a line that sits close under the one
  above and only in columns that one uses is its wrapped continuation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Box:
    """Text at a position (PDF points or image pixels, y growing downwards)."""

    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    conf: float = 1.0

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1e-6)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


Rect = tuple[float, float, float, float]  # x0, top, x1, bottom

#: A list item's end and the next item's start: a line break there is a paragraph break.
_ITEM_END = re.compile(r"[。；;！!？?]\s*$")
_ITEM_START = re.compile(
    r"^\s*(目标\s*\d+|指标\s*\d+|\d+\s*[、.．)）]|[（(]\s*\d+\s*[)）]|[一二三四五六七八九十]+、)"
)


@dataclass
class Line:
    """Boxes on one baseline, left to right."""

    boxes: list[Box] = field(default_factory=list)

    @property
    def x0(self) -> float:
        return min(b.x0 for b in self.boxes)

    @property
    def x1(self) -> float:
        return max(b.x1 for b in self.boxes)

    @property
    def top(self) -> float:
        return min(b.top for b in self.boxes)

    @property
    def bottom(self) -> float:
        return max(b.bottom for b in self.boxes)

    @property
    def height(self) -> float:
        return sorted(b.height for b in self.boxes)[len(self.boxes) // 2]

    def text(self, blank: float = 0.3) -> str:
        """The line's text; a gap wider than ``blank`` × height becomes one space."""
        out: list[str] = []
        prev: Box | None = None
        for b in self.boxes:
            if prev is not None and b.x0 - prev.x1 > blank * min(b.height, prev.height):
                out.append(" ")
            out.append(b.text)
            prev = b
        return re.sub(r"\s{2,}", " ", "".join(out)).strip()

    def first_word_width(self) -> float:
        """Width of the text up to the line's first blank (the whole line when it has none)."""
        start = self.boxes[0].x0
        for b in self.boxes:
            at = b.text.find(" ")
            if at == 0:
                return b.x0 - start
            if at > 0:
                return b.x0 + (b.x1 - b.x0) * at / len(b.text) - start
        return self.x1 - start

    @property
    def conf(self) -> float:
        return min((b.conf for b in self.boxes), default=1.0)


def group_lines(boxes: Iterable[Box]) -> list[Line]:
    """Boxes → lines: a box joins the line whose vertical band it overlaps by half its height."""
    lines: list[Line] = []
    for b in sorted(boxes, key=lambda b: (b.cy, b.x0)):
        best: Line | None = None
        best_overlap = 0.0
        for line in lines[-4:]:
            overlap = min(line.bottom, b.bottom) - max(line.top, b.top)
            if overlap > 0.5 * min(b.height, line.height) and overlap > best_overlap:
                best, best_overlap = line, overlap
        if best is None:
            lines.append(Line([b]))
        else:
            best.boxes.append(b)
    for line in lines:
        line.boxes.sort(key=lambda b: b.x0)
        while line.boxes and not line.boxes[-1].text.strip():
            line.boxes.pop()  # a trailing blank is no extent of the text
        while line.boxes and not line.boxes[0].text.strip():
            line.boxes.pop(0)
    lines = [ln for ln in lines if ln.boxes]
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    return lines


def join_lines(lines: Sequence[Line], right: float | None, blank: float = 0.3) -> str:
    """A cell's lines as one text: wrapped lines joined, short lines end a paragraph."""
    if not lines:
        return ""
    edge = right if right is not None else max(ln.x1 for ln in lines)
    out = lines[0].text(blank)
    for prev, line in zip(lines, lines[1:], strict=False):
        nxt = line.text(blank)
        # Wrapped when the line ran to the edge, or when the next line's first word would not
        # have fitted in the room left (a break at a blank before a long word).
        room = edge - prev.x1
        if _ITEM_END.search(out) and _ITEM_START.match(nxt):  # "…；" then "目标2：…"
            out += "\n" + nxt
        elif room <= 1.8 * prev.height:  # ran to the edge: broken between CJK or inside a run
            out += nxt
        elif line.first_word_width() > room:  # broken at a blank, which the break consumed
            out += " " + nxt
        else:
            out += "\n" + nxt
    return out


def cluster(values: Iterable[float], tol: float) -> list[float]:
    """Sorted values merged where closer than ``tol`` (each cluster's mean)."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


def _index(edges: Sequence[float], v: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v))


def grid_cells(
    rects: Sequence[Rect], tol: float
) -> tuple[int, int, list[tuple[int, int, int, int, Rect]]]:
    """Cell rectangles → (nrows, ncols, [(row, col, rowspan, colspan, rect)])."""
    xs = cluster([r[0] for r in rects] + [r[2] for r in rects], tol)
    ys = cluster([r[1] for r in rects] + [r[3] for r in rects], tol)
    out: list[tuple[int, int, int, int, Rect]] = []
    for r in rects:
        c0, c1 = _index(xs, r[0]), _index(xs, r[2])
        r0, r1 = _index(ys, r[1]), _index(ys, r[3])
        out.append((r0, c0, max(r1 - r0, 1), max(c1 - c0, 1), r))
    return max(len(ys) - 1, 1), max(len(xs) - 1, 1), out


def inside(box: Box, rect: Rect) -> bool:
    """A box belongs to the rectangle its centre falls in."""
    return rect[0] <= box.cx <= rect[2] and rect[1] <= box.cy <= rect[3]


def segments(line: Line, gap: float) -> list[Line]:
    """A line cut where the gap between boxes exceeds ``gap`` × the line's height."""
    out: list[Line] = []
    for b in line.boxes:
        if out and b.x0 - out[-1].x1 <= gap * line.height:
            out[-1].boxes.append(b)
        else:
            out.append(Line([b]))
    return out


@dataclass
class Piece:
    """A piece of text in an unruled layout: its column and its lines (wrapped ones added)."""

    col: int
    lines: list[Line]
    right: float | None = None


def unruled_rows(
    lines: Sequence[Line], gap: float = 0.9, right: float | None = None
) -> list[list[Piece]]:
    """Lines without ruling → rows of pieces with column indexes (continuations merged).

    ``right`` is the page's text margin when ``lines`` are only part of the page (the text
    around a table); by default the longest line sets it.
    """
    cut = [segments(line, gap) for line in lines]
    if not cut:
        return []
    height = sorted(line.height for line in lines)[len(lines) // 2]
    anchors = cluster([s.x0 for segs in cut for s in segs], 1.2 * height)
    # Cells that nearly touch (a full cell beside the next) leave only a narrow gap: split there
    # too, but only where the text after the gap starts at a column found elsewhere.
    cut = [_split_at_anchors(segs, anchors, 0.25, 0.6 * height) for segs in cut]
    page_right = max([line.x1 for line in lines] + ([right] if right is not None else []))
    wrap_gap = _wrap_gap(lines, height)
    rows: list[list[Piece]] = []
    prev_line: Line | None = None
    for line, segs in zip(lines, cut, strict=True):
        pieces = [Piece(_index(anchors, s.x0), [s]) for s in segs]
        if (
            rows
            and prev_line is not None
            and _continues(prev_line, line, rows[-1], pieces, (anchors, page_right, wrap_gap))
        ):
            for p in pieces:
                target = next(q for q in rows[-1] if q.col == p.col)
                target.lines.extend(p.lines)
        else:
            rows.append(pieces)
        prev_line = line
    for row in rows:
        for p in row:
            reach = max(ln.x1 for ln in p.lines)
            later = [a for a in anchors if a > reach + 0.1 * height]
            p.right = min(later) - 0.8 * height if later else page_right
    return rows


def _split_at_anchors(segs: list[Line], anchors: list[float], gap: float, tol: float) -> list[Line]:
    out: list[Line] = []
    for seg in segs:
        current = Line([seg.boxes[0]])
        for prev, b in zip(seg.boxes, seg.boxes[1:], strict=False):
            narrow = b.x0 - prev.x1 > gap * min(b.height, prev.height)
            at_column = any(abs(b.x0 - a) <= tol for a in anchors)
            if narrow and at_column and b.text.strip():
                out.append(current)
                current = Line([b])
            else:
                current.boxes.append(b)
        out.append(current)
    return out


def _wrap_gap(lines: Sequence[Line], height: float) -> float:
    """The page's line spacing inside a paragraph: the smallest gap between stacked lines."""
    gaps = [
        b.top - a.bottom
        for a, b in zip(lines, lines[1:], strict=False)
        if b.top > a.bottom - 0.2 * height and min(a.x1, b.x1) > max(a.x0, b.x0)
    ]
    return min(gaps, default=0.5 * height)


def _continues(
    prev: Line,
    line: Line,
    row: list[Piece],
    pieces: list[Piece],
    bounds: tuple[list[float], float, float],
) -> bool:
    """``line`` wraps text of ``row``: close below, and only in columns the row already uses.

    A one-piece row (a paragraph, a lone label) continues only when the line above ran to the
    edge of its column and the gap is no wider than the page's in-paragraph spacing (or 0.7 of
    a line, for a large title), so two short paragraphs (``编制单位：…`` then ``单位：万元``)
    stay two rows.
    """
    anchors, page_right, wrap_gap = bounds
    gap = line.top - prev.bottom
    if gap > 0.8 * min(prev.height, line.height):
        return False
    cols = {p.col for p in row}
    if not all(p.col in cols for p in pieces):
        return False
    if len(row) > 1:
        # one cell's wrapped line; a line of several cells wraps only cells whose text above
        # ran to its column's edge or sits centred: one with a piece under a short cell starts
        # the next row (an unruled table's rows sit as close as a cell's wrapped lines)
        if len(pieces) == 1:
            return True
        above = {p.col: p.lines[-1] for p in row}
        return all(
            _ran_to_edge(above[p.col], anchors, page_right) or _centred(above[p.col], p.lines[0])
            for p in pieces
        )
    close = gap <= max(wrap_gap + 0.25 * prev.height, 0.7 * prev.height)
    return close and _ran_to_edge(prev, anchors, page_right)


def _centred(above: Line, line: Line) -> bool:
    """``line`` sits centred under ``above`` and is narrower: a centred cell's last line
    (lines of one width under each other are left-aligned cells of two rows)."""
    mid = (above.x0 + above.x1 - line.x0 - line.x1) / 2
    narrower = (above.x1 - above.x0) - (line.x1 - line.x0) >= 0.8 * line.height
    return abs(mid) <= 0.6 * line.height and narrower


def _ran_to_edge(line: Line, anchors: list[float], page_right: float) -> bool:
    """Whether ``line`` runs to the next column's start (or the page's right): text wrapped."""
    later = [a for a in anchors if a > line.x1 + 0.1 * line.height]
    edge = min(later) if later else page_right
    return line.x1 >= edge - 2.5 * line.height


def pieces_text(piece: Piece, blank: float = 0.3) -> str:
    """A piece's text, its wrapped lines joined."""
    return join_lines(piece.lines, piece.right, blank)
