"""A wrapped cell's lines that stand on lines of their own between table rows, joined back.

OCR text of a scanned table keeps one line per visual line. A cell that wrapped puts one of
its lines on the row's line, beside the cells that did not wrap (levels, target, unit,
weight), and its other lines on lines that hold nothing else::

    成本指标 指标1： < 175 万元
    A面中标公司接入线路运维服务费          ← the rest of 指标1's name
    指标2： 40 万元
    可持续影响指标 进一步提高食品安全工作科学化、规范 高中低 5
    化                                     ← the name ran to the column's edge: it goes on
    满意度指标 服务对象满意度 公众对食品安全满意度 高中低 5
    指标                                   ← 服务对象满意度 + 指标 is a level-2 name

A *piece line* holds one piece of words that is no row of its own: no number or sign first,
no whole level name, no numbering, label or title (a name's line may read like a target:
``有所改善``, ``2022年发展真``). Which row's cell it continues is read from the cells, never from a
template. A cell *runs on* when its last line is incomplete: a numbering with no name yet
(``指标1：``), a bracket left open, or a line that ran to the column's edge (as wide, to a
character, as the widest line of the name column that another line comes as close to). A piece continues the row
above when one of its cells runs on (a level cell when together they make a level name); a
piece that ran to the edge itself may instead be a first line of the row below (a cell
centred in its row starts above the row's line), unless that row's cell opens with a
numbering. Where the cells say both, the row above wins (a scan's OCR groups a cell's first
line with the row); where they say neither, the line stays as it was. A joined cell is the
concatenation of its pieces (``WrappedCell``, which keeps each piece with its line;
provenance shows them as ``name_line1`` …). A box per line has no visual lines: the same
evidence is read from the box stream (``stream_rows``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from jixiao import vocab
from jixiao.grammar import Row, classify, clean
from jixiao.schema import Cell, WrappedCell

#: A numbering that names nothing yet: the cell's name is on its next line.
NUMBERING_ONLY = re.compile(r"^(?:指标\s*\d+\s*[:：]?|\d{1,2}\s*[、.．])$")
#: A numbering opens a cell: nothing of the row above stands before it.
NUMBERING = re.compile(r"^(?:指标\s*\d+\s*[:：]|\d{1,2}\s*[、.．](?!\d))")
#: A line may fall short of the column's edge by one CJK character (or two Latin ones).
_SLACK = 2
#: Below this width (five CJK characters) a column's lines say nothing about its edge.
_MIN_EDGE = 10
_TABLE_END = re.compile(
    r"^(综合评定等级|审核意见|审核人|填报人|联系电话|备注[:：]|说明[:：]|注[:：])"
)


@dataclass
class _Row:
    """A row line of the table: its cells, and the pieces joined above and below each."""

    row: Row
    cells: list[Cell]
    name: int | None  # index of the name cell in ``cells``
    leading: list[int]  # the cells before the target (levels, name): the ones that wrap
    above: dict[int, list[Cell]] = field(default_factory=dict)
    below: dict[int, list[Cell]] = field(default_factory=dict)
    #: cell → where it splits: a glued cell whose head a piece below makes a level name
    split: dict[int, int] = field(default_factory=dict)

    def last(self, k: int) -> str:
        """The last printed line of cell ``k`` so far."""
        more = self.below.get(k)
        return clean(more[-1].text if more else self.cells[k].text)

    def first(self, k: int) -> str:
        more = self.above.get(k)
        return clean(more[0].text if more else self.cells[k].text)


def join(rows: list[Row]) -> list[Row]:
    """The rows with every piece line of a table body joined to the cell it continues."""
    out: list[Row] = []
    i = 0
    while i < len(rows):
        out.append(rows[i])
        if not _heading(rows[i]):
            i += 1
            continue
        end = i + 1
        while end < len(rows) and not _ends_table(rows[end]):
            end += 1
        out.extend(_body(rows[i + 1 : end]))
        i = end
    return out


def _body(body: list[Row]) -> list[Row]:
    pieces = [_piece(r) for r in body]
    if not any(p is not None for p in pieces):
        return body  # the common case: every line a row of its own
    lines: list[_Row | Row] = [
        r if p is not None else _row_line(r) for r, p in zip(body, pieces, strict=True)
    ]
    edge = _edge(lines)
    keep = [True] * len(lines)
    k = 0
    while k < len(lines):
        if pieces[k] is None:
            k += 1
            continue
        start = k
        while k < len(lines) and pieces[k] is not None:
            k += 1
        up, down = lines[start - 1] if start else None, lines[k] if k < len(lines) else None
        placed = _place(
            [p for p in pieces[start:k] if p is not None],
            up if isinstance(up, _Row) and _adjacent(body[start - 1], body[start]) else None,
            down if isinstance(down, _Row) and _adjacent(body[k - 1], body[k]) else None,
            edge,
        )
        for n in range(start, start + placed):
            keep[n] = False
    return [
        _rebuilt(x) if isinstance(x, _Row) else x
        for x, kept in zip(lines, keep, strict=True)
        if kept
    ]


def _place(gap: list[Cell], up: _Row | None, down: _Row | None, edge: int) -> int:
    """Give each piece of a run of piece lines to the row above or below, in order; how many
    of the run's lines, from its first, were placed (the rest stay as they are)."""
    for n, piece in enumerate(gap):
        rest = [clean(p.text) for p in gap[n:]]
        to_up = None if up is None else _continues(up, rest[0], edge)
        to_down = None if down is None else _precedes(down, rest, edge)
        if up is not None and to_up is not None and (to_up[1] or not (to_down and to_down[1])):
            up.below.setdefault(to_up[0], []).append(piece)
            continue
        if down is not None and to_down is not None:
            # this line and every later one of the run stand above the row below
            for m in range(n, len(gap)):
                got = _precedes(down, rest[m - n :], edge)
                if got is None:
                    return m
                down.above.setdefault(got[0], []).append(gap[m])
            return len(gap)
        return n
    return len(gap)


def _continues(up: _Row, text: str, edge: int) -> tuple[int, bool] | None:
    """Which cell of the row above ``text`` continues, and whether the evidence is strong
    (a level name made whole, a bracket or a numbering that needs more) or only the width."""
    if NUMBERING.match(text):
        return None
    for k in up.leading:
        if makes_level(up.last(k), text):
            return k, True
    for k in up.leading:
        head = _level_head(up.last(k), text) if k not in up.below else 0
        if head:
            up.split[k] = head  # 服务对象满意度培训学员… + 指标: the level cell ends at 满意度
            return k, True
    if vocab.column_role(text):
        return None  # a heading's line (计划指标值(或计划水平)) ends no level name: no cell's
    name = up.name
    if name is None:
        return None
    last = up.last(name)
    if NUMBERING_ONLY.match(last) or open_bracket(_joined_text(up, name)):
        return name, True
    if ran_to_edge(last, edge):
        return name, False
    return None


def _precedes(down: _Row, rest: list[str], edge: int) -> tuple[int, bool] | None:
    """Which cell of the row below the first of ``rest`` starts (the others standing between
    it and the row's line), and whether the evidence is strong."""
    text = rest[0]
    for k in down.leading:
        if len(rest) == 1 and makes_level(text, down.first(k)):
            return k, True
    name = down.name
    if any(vocab.column_role(t) for t in rest):
        return None
    if name is None or NUMBERING.match(down.first(name)) or closes(text):
        return None
    if all(ran_to_edge(t, edge) for t in rest):
        return name, False  # lines above a cell's last are full lines
    return None


def makes_level(head: str, tail: str) -> bool:
    """``head`` + ``tail`` is a whole level name of the vocabulary that neither is alone
    (``服务对象满意度`` + ``指标``, ``可持续影响`` + ``指标``)."""
    return _level(head + tail) and not _level(head) and not _level(tail)


def _level_head(cell: str, tail: str) -> int:
    """Where a cell glued of a level word and more text ends its level word, proved by the
    piece under it that completes the word (``服务对象满意度培训…`` + ``指标``); 0: nowhere."""
    if vocab.canon_level1(cell) or vocab.canon_level2(cell):
        return 0  # a level name already
    for end in range(2, min(len(cell) - 1, _LEVEL_WORD) + 1):
        if makes_level(cell[:end], tail):
            return end
    return 0


#: No level word is longer (``生态环境成本``, ``服务对象满意度``).
_LEVEL_WORD = 9


def _level(text: str) -> bool:
    """A whole level name: ``效益指标``, ``社会效益指标`` (not a piece like ``社会效益``)."""
    return vocab.canon_level1(text) == text or (
        text.endswith("指标") and text[:-2] in vocab.LEVEL2_CANON
    )


def open_bracket(text: str) -> bool:
    return text.count("（") + text.count("(") > text.count("）") + text.count(")")


def closes(text: str) -> bool:
    return text.count("）") + text.count(")") > text.count("（") + text.count("(")


def _joined_text(row: _Row, k: int) -> str:
    return "".join(clean(c.text) for c in [row.cells[k], *row.below.get(k, [])])


def _piece(row: Row) -> Cell | None:
    """The one piece a line holds when it is no row of its own, else None: words, even ones
    that read like a target (``有所改善``, ``2022年发展真``: a name's lines break anywhere), but
    no number or sign first, no whole level name, no numbering, title or label."""
    cells = row.nonempty()
    if len(cells) != 1:
        return None
    text = clean(cells[0].text)
    if not (_CJK.search(text) or closes(text)) or NUMBERING.match(text) or vocab.TITLE.match(text):
        return None
    if vocab.header_field(text) or _level(text) or _BARE_TARGET.match(text):
        return None  # a label's line, a level block's label, a target alone
    return cells[0]


_CJK = re.compile(r"[\u3400-\u9fff]")
#: A target alone on its line (``≥95%``, ``100``): a row's cell, no piece of a name.
_BARE_TARGET = re.compile(rf"^(?:{vocab.OPERATOR_PATTERN})?\s*[-+±]?\d+(?:\.\d+)?\s*\S{{0,3}}$")


def _row_line(row: Row) -> _Row:
    """A row line with its wrapping cells: the level cells, then the name (the first cell
    after them that opens with no number or sign, even ``增强平安建设能``, which reads like a
    target; a bare level word such as ``服务对象满意度`` before another text is the level)."""
    cells = row.nonempty()
    leading: list[int] = []
    name: int | None = None
    for k, cell in enumerate(cells):
        text = clean(cell.text)
        kind = classify(text)
        if name is not None:
            if kind in ("text", "numbered") and vocab.canon_level2(clean(cells[name].text)):
                leading.append(k)
                name = k
                continue
            break  # the name is found: what follows is its target
        if kind in ("level1", "level2"):
            leading.append(k)
        elif text in vocab.OPERATOR_WORDS or _TARGET_START.match(text):
            break  # no name on this line: its target
        else:
            leading.append(k)
            name = k
    return _Row(row, cells, name, leading)


_TARGET_START = re.compile(rf"^(?:{vocab.OPERATOR_PATTERN}|[-+±]?\d)")


def _edge(lines: list[_Row | Row]) -> int:
    """The name column's edge, from its row lines' names and the piece lines."""
    widths: list[int] = []
    for line in lines:
        if isinstance(line, _Row):
            if line.name is not None:
                widths.append(width(clean(line.cells[line.name].text)))
        else:
            widths.extend(width(clean(c.text)) for c in line.nonempty())
    return column_edge(widths)


def column_edge(widths: list[int]) -> int:
    """A column's width from its lines' widths: the widest line that another line comes as
    close to as a character (a column's edge is met by every line that wrapped at it; one
    line wider than all others is something else), 0 when none does."""
    widths = sorted(widths, reverse=True)
    for wide, next_wide in zip(widths, widths[1:], strict=False):
        if wide - next_wide <= _SLACK:
            return wide
    return 0


def ran_to_edge(text: str, edge: int) -> bool:
    """``text`` ran to the column's edge (so its cell may go on under it)."""
    return edge >= _MIN_EDGE and edge - _SLACK <= width(text) <= edge + _SLACK


def width(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _concat(head: str, tail: str) -> str:
    """Two lines of one cell: Chinese wraps anywhere, so only two Latin letters get a blank."""
    glue = (
        " "
        if head[-1:].isascii() and head[-1:].isalpha() and tail[:1].isascii() and tail[:1].isalpha()
        else ""
    )
    return head + glue + tail


def _rebuilt(line: _Row) -> Row:
    if not line.above and not line.below:
        return line.row
    joined: dict[int, list[Cell]] = {}
    for k, cell in enumerate(line.cells):
        if k not in line.above and k not in line.below:
            continue
        rest: list[Cell] = []
        at = line.split.get(k)
        if at:
            text = clean(cell.text)
            rest = [Cell(text[at:], cell.line, cell.col)]
            cell = Cell(text[:at], cell.line, cell.col)
        parts = [*line.above.get(k, []), cell, *line.below.get(k, [])]
        joined[k] = [wrapped(parts, cell.col), *rest]
    out: list[Cell] = []
    n = 0
    for cell in line.row.cells:
        if cell.text.strip():
            out.extend(joined.get(n, [cell]))
            n += 1
        else:
            out.append(cell)
    return Row(out)


def wrapped(parts: list[Cell], col: int | None) -> WrappedCell:
    """One cell of its printed lines, in order: their texts concatenated (Chinese wraps
    anywhere, so only two Latin letters get a blank between them), each line kept."""
    text = clean(parts[0].text)
    for p in parts[1:]:
        text = _concat(text, clean(p.text))
    return WrappedCell(text, parts[0].line, col, pieces=tuple(parts))


def _heading(row: Row) -> bool:
    roles = [vocab.column_role(t) for t in row.texts if t]
    return sum(1 for r in roles if r) >= 2


def _ends_table(row: Row) -> bool:
    texts = [t for t in row.texts if t]
    if not texts:
        return False
    first = clean(texts[0])
    return bool(
        vocab.TITLE.match(first)
        or vocab.header_field(first)
        or _TABLE_END.search(first)
        or _heading(row)
    )


def _adjacent(above: Row, below: Row) -> bool:
    """The two rows stand on consecutive source lines (a blank line ends a wrapped cell)."""
    a, b = above.cells[-1].line, below.line
    return a is None or b is None or b == a + 1
