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

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from jixiao import vocab


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


#: A cell holding only a number (what a sheet sets flush right).
_NUMBER = re.compile(r"[-+]?\d[\d,]*(\.\d+)?%?")


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
            out += _consumed(out, nxt) + nxt
        else:
            out += "\n" + nxt
    return out


#: CJK characters and punctuation (fullwidth forms, ``〔〕《》﹝﹞`` and the rest): no blank
#: stands between them and their neighbours, so a line broken beside one consumed none.
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe6f\uff00-\uffef]")


def _consumed(before: str, after: str) -> str:
    """The blank a line break at a word's start consumed: one between Latin words (or after
    ``,``/``;``), none beside CJK, where lines break before a run that did not fit
    (``文明办发`` / ``〔2021〕5号``, kept whole) or to keep ``》、`` off a line's start."""
    last, first = before[-1:], after[:1]
    if _CJK.match(last) or (_CJK.match(first) and last not in ",;:"):
        return ""
    return " "


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
    starts = sorted(s.x0 for segs in cut for s in segs)
    cut = [_split_at_anchors(segs, (anchors, starts), 0.25, height) for segs in cut]
    page_right = max([line.x1 for line in lines] + ([right] if right is not None else []))
    anchors, columns = _columns(cut, page_right, height)
    wrap_gap = _wrap_gap(lines, height)
    bounds = (anchors, page_right, wrap_gap)
    pieces_of = [
        [Piece(c, [s]) for c, s in zip(cols, segs, strict=True)]
        for segs, cols in zip(cut, columns, strict=True)
    ]
    rows: list[list[Piece]] = []
    n = 0
    while n < len(lines):
        line, pieces = lines[n], pieces_of[n]
        prev = lines[n - 1] if n else None
        if prev is not None and rows and n + 1 < len(lines):
            # a vertically centred cell between two lines of its neighbour: it overlaps both,
            # and the line after it wraps the neighbour's text (``重庆市…政府`` / ``主管部门`` /
            # ``办公室``); a cell centred over two rows (a rowspan) is left to be a row itself
            after, below = lines[n + 1], pieces_of[n + 1]
            if (
                _beside(prev, line, cut[n - 1], cut[n], height)
                and _beside(line, after, cut[n], cut[n + 1], height)
                and _continues(prev, after, rows[-1], below, bounds)
            ):
                _join(rows[-1], pieces)
                _join(rows[-1], below)
                n += 2
                continue
        if prev is not None and rows and _continues(prev, line, rows[-1], pieces, bounds):
            _join(rows[-1], pieces)
        else:
            rows.append(pieces)
        n += 1
    rows = _spans_to_top(rows, height)
    for row in rows:
        for p in row:
            reach = max(ln.x1 for ln in p.lines)
            later = [a for a in anchors if a > reach + 0.1 * height]
            p.right = min(later) - 0.8 * height if later else page_right
    return rows


def _top(row: list[Piece]) -> float:
    return min(ln.top for p in row for ln in p.lines)


def _bottom(row: list[Piece]) -> float:
    return max(ln.bottom for p in row for ln in p.lines)


def _spans_to_top(rows: list[list[Piece]], height: float) -> list[list[Piece]]:
    """Cells merged over several rows and printed vertically centred, moved to their span's
    first row (where a ruled table's merged cell puts its text, and the grammar carries it
    down from).

    The body runs from a heading row (four or more column headings) over rows of three or more
    cells and the lone level names between them. A level column whose first body row is empty
    holds centred spans (a Word table puts the text at the top, its first row filled):
    each text stands in the middle of its span, so the spans follow one another from the
    body's top, each ending as far below the text's middle as it began above. The column is
    rewritten only when every span so found ends between two rows (the last one below the
    last row's middle); a text alone on its line between two rows (an even span) leaves that
    line.
    """
    out: list[list[Piece]] = []
    n = 0
    while n < len(rows):
        if len(rows[n]) < 4 or not all(
            vocab.column_role(pieces_text(p)) for p in rows[n]
        ):  # not a table's heading row
            out.append(rows[n])
            n += 1
            continue
        head = rows[n]
        cols = {p.col for p in head}
        k = n + 1
        while k < len(rows) and (
            len(rows[k]) >= 3
            or (
                len(rows[k]) == 1
                and rows[k][0].col in cols
                and k + 1 < len(rows)
                and len(rows[k + 1]) >= 3
            )
        ):
            k += 1
        out.append(head)
        out.extend(_recentre(rows[n + 1 : k], cols, _bottom(head), height))
        n = k
    return out


def _recentre(
    body: list[list[Piece]], cols: set[int], above: float, height: float
) -> list[list[Piece]]:
    """The body's rows with each centred column's texts at their spans' first rows."""
    lines = [r for r in body if len(r) >= 2]  # row lines; lone texts are span labels
    if len(lines) < 2:
        return body
    edges = [(above + _top(lines[0])) / 2]
    edges += [(_bottom(a) + _top(b)) / 2 for a, b in zip(lines, lines[1:], strict=False)]
    moves: dict[int, list[tuple[Piece, int]]] = {}
    for c in sorted(cols):
        if any(p.col == c for p in lines[0]):
            continue
        texts = [p for r in body for p in r if p.col == c]
        if not texts or not all(_level(pieces_text(p)) for p in texts):
            continue  # only level names are merged over rows (an empty value cell is empty)
        start, plan = edges[0], []
        for p in texts:
            mid = (p.lines[0].top + p.lines[-1].bottom) / 2
            end = 2 * mid - start
            first = next(i for i, e in enumerate(edges) if e >= start - 0.6 * height)
            if p is texts[-1] and end >= (_top(lines[-1]) + _bottom(lines[-1])) / 2:
                plan.append((p, first))
                break
            near = [i for i, e in enumerate(edges) if abs(e - end) <= 0.6 * height]
            if not near or end <= mid:
                plan = []
                break
            plan.append((p, first))
            start = edges[near[0]]
        if plan and len(plan) == len(texts) and not any(_holds(lines[i], q) for q, i in plan):
            moves[c] = plan
    if not moves:
        return body
    moved = {id(p) for plan in moves.values() for p, _ in plan}
    kept = [[p for p in r if id(p) not in moved] for r in lines]
    for plan in moves.values():
        for p, i in plan:
            kept[i].append(p)
    lone = [r for r in body if len(r) < 2 and not any(id(p) in moved for p in r)]
    return sorted(kept + lone, key=_top)


def _join(row: list[Piece], pieces: list[Piece]) -> None:
    """Pieces added to ``row``: a wrapped line to its column's piece, a new column beside."""
    for p in pieces:
        target = next((q for q in row if q.col == p.col), None)
        if target is None:
            row.append(p)
        else:
            target.lines.extend(p.lines)


def _beside(prev: Line, line: Line, above: list[Line], segs: list[Line], height: float) -> bool:
    """``line`` overlaps ``prev`` in height but not in width: cells of one row printed
    vertically centred (a one-line label beside a two-line value sits between its lines)."""
    overlap = min(prev.bottom, line.bottom) - max(prev.top, line.top)
    if overlap < 0.15 * height:
        return False
    return not any(min(a.x1, b.x1) > max(a.x0, b.x0) for a in above for b in segs)


def _columns(
    cut: Sequence[list[Line]], page_right: float, height: float
) -> tuple[list[float], list[list[int]]]:
    """The columns' left edges, and each segment's column; a number set flush right (as a
    sheet sets them) belongs to the column it ends in.

    A right-aligned number starts wherever its width puts it (``200`` under ``指标值``, ``4``
    just left of ``计量单位``), so its left edge tells nothing: a number that ends where another
    cell starts (or at the page's right) and starts at no column found from the rest belongs
    to the column whose start is the last before it, unless its line has text there. (Text
    flush right is rare in a table and alone on its line where it is, ``单位：万元``.)
    """
    segs = [s for line in cut for s in line]
    starts = sorted(s.x0 for s in segs)

    def flush(s: Line) -> bool:
        if page_right - s.x1 <= 0.6 * height:
            return True
        return _near(starts, s.x1 + 0.3 * height, 0.3 * height)

    ends = {id(s) for s in segs if _NUMBER.fullmatch(s.text()) and flush(s)}
    lefts = cluster([s.x0 for s in segs if id(s) not in ends], 1.2 * height)
    homes: dict[int, float] = {}  # right-aligned segment → the start of its column
    for line in cut:
        for n, s in enumerate(line):
            if id(s) not in ends or any(abs(a - s.x0) <= 0.6 * height for a in lefts):
                continue
            before = [a for a in lefts if a <= s.x0]
            if before and not any(before[-1] - 0.6 * height <= t.x0 < s.x0 for t in line[:n]):
                homes[id(s)] = before[-1]
    anchors = cluster([s.x0 for s in segs if id(s) not in homes], 1.2 * height)
    columns = [[_index(anchors, homes.get(id(s), s.x0)) for s in line] for line in cut]
    return anchors, columns


def _split_at_anchors(
    segs: list[Line], columns: tuple[list[float], list[float]], gap: float, height: float
) -> list[Line]:
    """Segments cut where text after a narrow gap starts a column.

    A gap of a blank's width (``gap`` × height) cuts at a column found elsewhere (``anchors``,
    within 0.6 of a line). A gap only wider than the line's own letter spacing cuts after a
    number set flush right against the next cell (a sheet's ``4`` then ``次``), and only where
    the text starts exactly where another line's segment starts (``starts``): CJK beside
    Latin is spaced that wide too (``145号关于 2024年``, ``授课 25人次``) and lands on a
    column only by chance.
    """
    anchors, starts = columns
    out: list[Line] = []
    spacing = sorted(
        b.x0 - a.x1 for seg in segs for a, b in zip(seg.boxes, seg.boxes[1:], strict=False)
    )
    usual = spacing[len(spacing) // 2] if spacing else 0.0  # the line's own letter spacing
    for seg in segs:
        current = Line([seg.boxes[0]])
        for prev, b in zip(seg.boxes, seg.boxes[1:], strict=False):
            space = b.x0 - prev.x1
            least = min(b.height, prev.height)
            if space > gap * least:
                cut = any(abs(b.x0 - a) <= 0.6 * height for a in anchors)
            elif space > 0.12 * least and space > usual + 0.1 * least:
                number = _NUMBER.fullmatch("".join(x.text for x in current.boxes).strip())
                cut = number is not None and _near(starts, b.x0, 0.1 * height)
            else:
                cut = False
            if cut and b.text.strip():
                out.append(current)
                current = Line([b])
            else:
                current.boxes.append(b)
        out.append(current)
    return out


def _near(values: list[float], x: float, tol: float) -> bool:
    """Whether a sorted list holds a value within ``tol`` of ``x``."""
    at = bisect.bisect_left(values, x - tol)
    return at < len(values) and values[at] <= x + tol


def _wrap_gap(lines: Sequence[Line], height: float) -> float:
    """The page's line spacing inside a paragraph: the smallest gap between stacked lines.

    A line's next in a paragraph is the first line below that shares some width with it (a
    label centred beside a paragraph may sit between its lines)."""
    gaps = []
    for n, a in enumerate(lines):
        for b in lines[n + 1 : n + 4]:
            if b.top > a.bottom - 0.2 * height and min(a.x1, b.x1) > max(a.x0, b.x0):
                gaps.append(b.top - a.bottom)
                break
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
        return _continues_beside(prev, line, row, pieces, bounds)
    if len(row) > 1:
        # one cell's wrapped line; a line of several cells wraps only cells whose text above
        # ran to its column's edge or sits centred: one with a piece under a short cell starts
        # the next row (an unruled table's rows sit as close as a cell's wrapped lines)
        # (a lone piece at the page's in-paragraph spacing: wider, it is the next row's cell
        # printed vertically centred, its other cells on the line below)
        if len(pieces) == 1:
            return gap <= wrap_gap + 0.25 * prev.height
        above = {p.col: p.lines[-1] for p in row}
        wraps = [
            _ran_to_edge(above[p.col], anchors, page_right) or _centred(above[p.col], p.lines[0])
            for p in pieces
        ]
        if all(wraps):
            return True
        # at exactly the in-paragraph spacing, on a line of fewer cells than the row, one cell
        # wrapped from a full line is enough: the others are cells of two paragraphs
        # (``资金总额`` / ``（万元）`` beside ``其中：财政`` / ``资金``); a short cell near the
        # page's right tells nothing
        full = any(
            _ran_to_edge(above[p.col], anchors, page_right)
            and above[p.col].x1 - above[p.col].x0 >= 3 * prev.height
            for p in pieces
        )
        return full and len(pieces) < len(row) and gap <= wrap_gap + 0.1 * prev.height
    close = gap <= max(wrap_gap + 0.25 * prev.height, 0.7 * prev.height)
    return close and _ran_to_edge(prev, anchors, page_right)


def _continues_beside(
    prev: Line,
    line: Line,
    row: list[Piece],
    pieces: list[Piece],
    bounds: tuple[list[float], float, float],
) -> bool:
    """``line`` wraps the row's cells and starts a vertically centred cell beside them (a label
    on the middle line of a three-line value): every piece in a column the row uses wraps
    text that ran to its edge, at the page's in-paragraph spacing, and the new pieces sit
    clear of the row's text."""
    anchors, page_right, wrap_gap = bounds
    cols = {p.col for p in row}
    old = [p for p in pieces if p.col in cols]
    new = [p for p in pieces if p.col not in cols]
    if not old or line.top - prev.bottom > wrap_gap + 0.25 * prev.height:
        return False
    above = {p.col: p.lines[-1] for p in row}
    if not all(_ran_to_edge(above[p.col], anchors, page_right) for p in old):
        return False
    taken = [(ln.x0, ln.x1) for q in row for ln in q.lines]
    return not any(
        min(x1, ln.x1) > max(x0, ln.x0) for p in new for ln in p.lines for x0, x1 in taken
    )


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


def _holds(row: list[Piece], level: Piece) -> bool:
    """``row`` already holds a level name of ``level``'s kind: no span of that kind starts
    there (a lone column of one 一级 name beside a filled 一级 column is no centred span)."""
    one = vocab.canon_level1(re.sub(r"\s+", "", pieces_text(level))) is not None
    return any(
        q is not level
        and _level(t := pieces_text(q))
        and (vocab.canon_level1(re.sub(r"\s+", "", t)) is not None) == one
        for q in row
    )


def _level(text: str) -> bool:
    """A level name (一级/二级指标): what a table merges over the rows it heads."""
    t = re.sub(r"\s+", "", text)
    return vocab.canon_level1(t) is not None or vocab.looks_like_level2(t)
