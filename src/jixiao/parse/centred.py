"""Table rows a text layer broke apart: cells that wrapped inside a row, re-joined.

A PDF table prints each cell vertically centred in its row, so when a narrow cell wraps its
lines stand *around* the row's middle line, where the one-line cells (level names, target,
weight) are. Text taken out line by line (``pdfplumber``, ``pdftotext -layout``, OCR) then
gives a long name's first half on the line *before* the row's values and its end on the line
*after* them; a cell over three lines keeps its middle on the values' line; several wrapped
cells nest::

    社会效益指 农村集中供水人        ← level 2 (2 lines) and name (3 lines), first lines
    效益指标 口受益覆盖率提 ≥90% 20  ← the row's middle: level 1, the name's middle, target, weight
    标 升                            ← their last lines

Text taken out in content-stream order (``pdftotext -raw``) gives instead each cell in turn,
every wrapped line of it on a line of its own, the cells on one height joined by a blank.

Both are read from the geometry of a centred cell, never from a template: the table's
columns come from its heading row; the columns after the name (target, unit, weight …) never
wrap, so each table row has exactly one *row line* ending in them. A cell over ``n`` lines
has as many lines above the row line as below, so the lines between two row lines split into
the first row's lower lines (as many as it has upper ones) and the next row's upper ones;
line ``d`` above the row line and line ``d`` below it hold the same cells, left to right.
Which cells those are (the columns missing on the row line wrapped over an even number of
lines, the ones present may have wrapped over an odd number) is chosen where the columns'
vocabulary says it: level-1 and level-2 cells must come out as level names, the target as a
target. A table is rewritten only when every one of its rows is read this way and at least
one row line lacks a cell its neighbours supply; otherwise its rows pass on unchanged.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence

from jixiao import vocab
from jixiao.grammar import Row, canon_unit, is_date_value, is_value_like, parse_value, to_number
from jixiao.schema import Cell

#: Short columns after the name. The last column of a table is one of them and never wraps
#: (a weight, a unit, a sign): every table row has one line with it, its *row line*.
_TAIL = frozenset({"value", "weight", "unit", "operator", "value_type"})
#: A row whose cells wrapped over more lines than this is not read (and the search stays small).
#: Columns a row may leave empty (a qualitative target has no unit).
_MAY_BE_EMPTY = frozenset({"unit", "operator", "value_type", "note"})
_MAX_LINES = 12
_WORD = re.compile(r"^[\u3400-\u9fff（）()]+$")
_DIGIT = re.compile(r"\d")
_NUMBER_FIRST = re.compile(rf"^({vocab.OPERATOR_PATTERN})?\s*[-+±]?\d")
_MAX_PIECES = 14


def join(rows: list[Row]) -> list[Row]:
    """The rows with each table row a wrapping text layer broke apart put back together."""
    out: list[Row] = []
    i = 0
    while i < len(rows):
        roles = _heading_roles(rows[i])
        if roles is None:
            row, used = _label_wrap(rows, i)
            out.append(row)
            i += used
            continue
        out.append(rows[i])
        i += 1
        end = _body_end(rows, i)
        body = rows[i:end]
        best = _best_reading(body, roles)
        # Lines of the page right under the table (a footer no vocabulary knows) fit no
        # reading: the table is read without them, and they pass on as they are. Only lines
        # under the last row line and wider than any of its cells (so no piece of a cell that
        # wrapped) are set aside: a table that fits nowhere else stays alone.
        cut = len(body)
        while best is None and cut > 1 and _page_line(body, cut - 1, roles):
            cut -= 1
            best = _best_reading(body[:cut], roles)
        out.extend(best[1] + body[cut:] if best is not None else body)
        i = end
    return out


#: Lines under a table's last row that may be set aside to read the table (a page's footer).
_MAX_TRAILING = 6


def _page_line(body: list[Row], k: int, roles: list[str]) -> bool:
    """Line ``k`` is one of the last few, under the body's last row line, and wider than
    every cell on that line by more than two CJK characters."""
    marks = [j for j, row in enumerate(body) if _row_line(row, roles)]
    if not marks or k <= marks[-1] or k < len(body) - _MAX_TRAILING:
        return False
    widest = max((_width(t) for t in body[marks[-1]].texts if t), default=0)
    return all(_width(t) > widest + 4 for t in body[k].texts if t)


def _best_reading(body: list[Row], roles: list[str]) -> tuple[int, list[Row]] | None:
    """The reading whose cells fit their columns best (the first of equals), or None."""
    readings = [r for r in (_centred(body, roles), _streamed(body, roles), _top(body, roles)) if r]
    return max(readings, key=lambda r: r[0], default=None)


def _label_wrap(rows: list[Row], i: int) -> tuple[Row, int]:
    """A header label wrapped in its narrow cell, centred against its value: ``项目名`` /
    ``(value)`` / ``称`` (a label over two lines, its value on one), or ``年度绩效 完成…水`` /
    ``目标 平。`` (both over two lines); or aligned to the top, its end alone under the label
    and its value (``部门支出预算 400.72`` / ``总量（万元）``). The row put together, and how
    many lines it took."""
    row = rows[i]
    first = _cells(row)
    if len(first) > 2 or not first or vocab.header_field(first[0]):
        return row, 1
    nxt = rows[i + 1 : i + 3]
    if not nxt or not all(_next_line(a, b) for a, b in zip([row, *nxt], nxt, strict=False)):
        return row, 1
    second = _cells(nxt[0])
    if len(first) == 2 and len(second) == 2 and _label_of(first[0], second[0]):
        return _rebuilt([first[0] + second[0], first[1] + second[1]], [row]), 2
    if len(first) == 2 and len(second) == 1 and _label_of(first[0], second[0]):
        # top-aligned: ``部门支出预算 400.72`` / ``总量（万元）``, the label's end under it
        return _rebuilt([first[0] + second[0], first[1]], [row]), 2
    if len(first) == 1 and len(nxt) == 2 and second:
        third = _cells(nxt[1])
        stacked = first[0] + "".join(second) + third[0] if len(third) == 1 else ""
        if (
            len(third) == 1
            and _label_of(first[0], third[0])
            and not vocab.header_field(second[0])
            # 年度 / 总体 / 目标, 年度 / 履职 / 目标: one label a word a line, not around a value
            and not vocab.header_field(stacked)
            and not (
                len(second) == 1 and len(second[0]) == len(first[0]) and _WORD.match(second[0])
            )
        ):
            return _rebuilt([first[0] + third[0], *second], [row]), 3
    return row, 1


def _label_of(head: str, end: str) -> bool:
    """``head`` + ``end`` is a header label, neither piece alone one (``项目名`` + ``称``)."""
    return (
        len(end) <= 6
        and _WORD.match(head + end) is not None
        and vocab.header_field(head + end) is not None
        and vocab.header_field(end) is None
    )


def _next_line(above: Row, below: Row) -> bool:
    a, b = above.cells[-1].line, below.line
    return a is None or b is None or b == a + 1


def _heading_roles(row: Row) -> list[str] | None:
    texts = [t for t in row.texts if t]
    if len(texts) < 3 or len(texts) != len(row.texts):
        return None
    roles = [vocab.column_role(t) for t in texts]
    if any(r is None for r in roles) or "name" not in roles or "value" not in roles:
        return None
    if roles[-1] not in _TAIL:
        return None
    return [r for r in roles if r is not None]


def _body_end(rows: list[Row], start: int) -> int:
    """Where the rows after a heading stop being one table: a blank line (but one before a
    line of several cells), a title, a header label or another heading row."""
    k = start
    while k < len(rows):
        row = rows[k]
        prev = rows[k - 1]
        if not row.texts or not any(row.texts):
            break
        above = prev.cells[-1].line
        # ``pdftotext -layout`` leaves a blank line between a table's rows: one blank before
        # a line of several cells is the next row, any other gap ends the table
        if row.line is not None and above is not None and row.line != above + 1:  # noqa: SIM102
            if row.line != above + 2 or sum(1 for t in row.texts if t) < 2:
                break
        first = row.texts[0]
        if vocab.TITLE.match(first) or vocab.header_field(first) or _heading_roles(row):
            break
        k += 1
    return k


def _row_line(row: Row, roles: list[str], least: int = 2) -> bool:
    """The line of a table row that holds its last, never wrapped cell (in stream order it
    may stand alone, after a wrapped target)."""
    texts = [t for t in row.texts if t]
    return least <= len(texts) <= len(roles) and _fits(roles[-1], texts[-1]) > 0


def _fits(role: str, text: str) -> int:
    """How well a cell's text fits its column: > 0 fits, < 0 does not, 0 says nothing."""
    if not text:
        return 0 if role in _MAY_BE_EMPTY else -3
    # A level name fits best whole (``可持续影响指标``, not ``可持续影响`` + ``指标…``).
    if role == "level1":
        found = vocab.canon_level1(text)
        return -3 if found is None else 4 if found == text else 3
    if role == "level2":
        key = vocab.strip_annotation(text)
        base = key[:-2] if key.endswith("指标") else key
        if base in vocab.LEVEL2_CANON:
            return 4 if key.endswith("指标") else 3
        return 1 if vocab.canon_level2(text) else -3
    if role == "value":  # a number is never preceded by words (``满意度≥96%`` is a name's end)
        if not is_value_like(text) or (_DIGIT.search(text) and not _NUMBER_FIRST.match(text)):
            return -3
        return 1
    if role == "weight":
        return 1 if to_number(text) is not None else -3
    if role == "unit":
        return 1 if canon_unit(text) else -3
    if role == "operator":
        return 1 if text in vocab.OPERATOR_WORDS else -3
    if role in ("name", "lead"):
        return -1 if vocab.canon_level1(text) or vocab.looks_like_level2(text) else 0
    return 0


def _score(roles: list[str], parts: Sequence[Sequence[str]]) -> int | None:
    """The fit of a rebuilt row (its cells as the pieces they were printed in), None when a
    level or tail column holds what it cannot.

    A target wraps less readily than a name (a date may, ``2023年12月`` / ``底前``), so each
    piece joined to a target costs one: ``…情况`` / ``明显`` is a name's end and its target.
    A wrapped cell fills every line but its last: pieces that do not (a short piece, then a
    longer one) were not wrapped together, and cost two."""
    total = 0
    for role, pieces in zip(roles, parts, strict=True):
        got = _fits(role, "".join(pieces))
        if got < -1:
            return None
        # a level name on a line of its own is a row (a merged block's label), unless it
        # ends a known longer one (服务对象 / 满意度指标)
        known = role in ("level1", "level2") and got >= 3
        if len(pieces) > 1 and not known and any(map(_level, pieces)):
            return None
        if role == "value" and len(pieces) > 1:
            text = "".join(pieces)  # a target that wraps is an amount or a date, not words
            if parse_value(text).kind != "quantitative" and not is_date_value(text):
                return None
            got -= len(pieces) - 1
        if _wider_below(pieces):
            return None
        if not _wrapped_evenly(pieces):
            if _ragged(pieces):
                return None
            got -= 2
        total += got
    return total


def _level(text: str) -> bool:
    """A whole level name: ``效益指标``, ``社会效益指标`` (not a piece like ``社会效益``)."""
    return vocab.canon_level1(text) == text or (
        text.endswith("指标") and text[:-2] in vocab.LEVEL2_CANON
    )


def _wrapped_evenly(pieces: Sequence[str]) -> bool:
    """Every line of a wrapped cell but the last is about as wide as the widest (one CJK
    character of slack: a Latin word or number is not broken, punctuation may hang)."""
    if len(pieces) < 2:
        return True
    widths = [_width(p) for p in pieces]
    full = max(widths)
    return all(w >= full - 2 for w in widths[:-1])


def _ragged(pieces: Sequence[str]) -> bool:
    """A line before the last less than half as wide as the widest: no cell wraps there (a
    cell breaks at its edge), so the pieces are not one cell's lines."""
    widths = [_width(p) for p in pieces]
    return any(2 * w < max(widths) for w in widths[:-1])


def _wider_below(pieces: Sequence[str]) -> bool:
    """A later line wider than a cell's first by more than two CJK characters: the cell would
    have held it on the first line, so the lines were never one wrapped cell (a page's footer
    under a table's last row, not the end of its name)."""
    return len(pieces) > 1 and max(map(_width, pieces[1:])) > _width(pieces[0]) + 4


def _width(text: str) -> int:
    return sum(1 if ch.isascii() else 2 for ch in text)


def _as_printed(roles: list[str], cells: list[str]) -> int:
    """The score of a row nothing wrapped in, so that readings compare row for row."""
    scores = [_score(roles, parts) for parts in _with_empties(roles, [[t] for t in cells])]
    return max((x for x in scores if x is not None), default=0)


def _texts(parts: Sequence[Sequence[str]]) -> list[str]:
    return ["".join(p) for p in parts]


def _cells(row: Row) -> list[str]:
    return [t for t in row.texts if t]


def _rebuilt(texts: Sequence[str], lines: Sequence[Row]) -> Row:
    """One row of the cells put back together (an empty one dropped, as the text had it)."""
    line = lines[0].line
    return Row([Cell(t, line, k) for k, t in enumerate(t for t in texts if t)])


# ----------------------------------------------------------------------------- centred lines


def _centred(body: list[Row], roles: list[str]) -> tuple[int, list[Row]] | None:
    """The body read as lines by height: each row's upper lines, its row line, its lower lines."""
    marks = [k for k, row in enumerate(body) if _row_line(row, roles)]
    if not marks or len(marks) == len(body):
        return None
    out: list[Row] = []
    total = 0
    above = marks[0]
    for n, k in enumerate(marks):
        start, stop = k - above, k + above + 1
        nxt = marks[n + 1] if n + 1 < len(marks) else len(body)
        if stop > nxt:
            return None  # not enough lines below for the lines above: not centred
        upper, lower = body[start:k], body[k + 1 : stop]
        if len(upper) > _MAX_LINES // 2:
            return None
        got = _centred_row(roles, upper, body[k], lower)
        if got is None:
            return None
        total += got[0]
        out.append(_rebuilt(got[1], body[start:stop]))
        above = nxt - stop
    if above:
        return None  # lines left after the last row
    return total, out


def _centred_row(
    roles: list[str], upper: list[Row], middle: Row, lower: list[Row]
) -> tuple[int, list[str]] | None:
    mid = _cells(middle)
    if not upper:
        return _as_printed(roles, mid), mid  # nothing wrapped (an empty cell stays dropped)
    m = len(upper)
    # pair d: the d-th line above the row line and the d-th below, innermost first
    pairs = [(_cells(upper[m - 1 - d]), _cells(lower[d])) for d in range(m)]
    if any(len(a) != len(b) or not a for a, b in pairs):
        return None
    if sum(len(a) for a, _b in pairs) * 2 + len(mid) > 2 * _MAX_PIECES:
        return None
    front = len(roles) - 1  # every column but the last may wrap (a date as target too)
    absent = len(roles) - len(mid)  # cells wrapped over an even number of lines, or empty
    if absent < 0:
        return None
    best: tuple[int, list[str]] | None = None
    for halves in range(m + 1):  # how many pairs stand at half-line heights (even cells)
        order = _heights(halves, m - halves)
        half = [pairs[d] for d in range(m) if order[d]]
        whole = [pairs[d] for d in range(m) if not order[d]]
        even = len(half[0][0]) if half else 0
        if even > absent:
            continue
        for gone in itertools.combinations(range(front), absent):
            present = [c for c in range(len(roles)) if c not in gone]
            for missing in itertools.combinations(gone, even):
                if any(roles[c] not in _MAY_BE_EMPTY for c in gone if c not in missing):
                    continue  # only a unit, sign or note cell is left empty
                for parts in _fill(roles, mid, present, list(missing), half, whole, front):
                    score = _score(roles, parts)
                    if score is not None and (best is None or score > best[0]):
                        best = (score, _texts(parts))
    return best


def _heights(halves: int, wholes: int) -> list[bool]:
    """Pairs innermost first: True where the pair stands at a half-line height.

    Half-line heights are 0.5, 1.5 …, whole ones 1, 2 …; sorted together they give the order
    of the lines above (and below) the row line."""
    tagged = [(h + 0.5, True) for h in range(halves)]
    tagged += [(float(w + 1), False) for w in range(wholes)]
    return [t for _h, t in sorted(tagged)]


def _chains(
    start: list[int], pairs: list[tuple[list[str], list[str]]]
) -> Iterator[list[list[int]]]:
    """For pairs holding the cells of a nest (each pair a subset of the one inside it, left to
    right), every way of naming each pair's columns."""
    if not pairs:
        yield []
        return
    inner = pairs[0]
    for cols in itertools.combinations(start, len(inner[0])):
        for rest in _chains(list(cols), pairs[1:]):
            yield [list(cols), *rest]


def _fill(
    roles: list[str],
    mid: list[str],
    present: list[int],
    missing: list[int],
    half: list[tuple[list[str], list[str]]],
    whole: list[tuple[list[str], list[str]]],
    front: int,
) -> Iterator[list[list[str]]]:
    """Each row the pairs can make: every column's pieces, top to bottom."""
    wrappable = [c for c in present if c < front]
    for half_cols in _chains(missing, half):
        if half and half_cols and half_cols[0] != missing:
            continue  # every even cell has lines at half a line from the middle
        for whole_cols in _chains(wrappable, whole):
            tops: dict[int, list[str]] = {c: [] for c in range(len(roles))}
            bottoms: dict[int, list[str]] = {c: [] for c in range(len(roles))}
            for group, colsets in ((half, half_cols), (whole, whole_cols)):
                for (a, b), cols in zip(group, colsets, strict=True):
                    for col, ta, tb in zip(cols, a, b, strict=True):
                        tops[col].insert(0, ta)  # outer pairs come first above
                        bottoms[col].append(tb)  # and last below
            middle = dict(zip(present, mid, strict=True))
            yield [
                [*tops[c], *([middle[c]] if c in middle else []), *bottoms[c]]
                for c in range(len(roles))
            ]


# ----------------------------------------------------------------------------- stream order


def _streamed(body: list[Row], roles: list[str]) -> tuple[int, list[Row]] | None:
    """The body read in content-stream order: each cell in turn, a wrapped cell's lines one
    after the other, cells on one height sharing a line; each row ends on its row line."""
    front = len(roles) - 1
    out: list[Row] = []
    total = 0
    evidence = False
    start = 0
    for k, row in enumerate(body):
        if not _row_line(row, roles, least=1):
            continue
        lines = [_cells(r) for r in body[start:k]]
        last = _cells(row)
        lines.append(last[:-1])
        lines = [ln for ln in lines if ln]
        if len(lines) > _MAX_LINES:
            return None
        got = _segment(roles, front, lines)
        if got is None:
            return None
        total += got[0] + _fits(roles[-1], last[-1])
        evidence = evidence or k > start
        out.append(_rebuilt([*got[1], last[-1]], body[start : k + 1]))
        start = k + 1
    if start != len(body) or not evidence:
        return None
    return total, out


def _segment(roles: list[str], front: int, lines: list[list[str]]) -> tuple[int, list[str]] | None:
    """The front cells of one row from its stream lines: pieces on one line are different
    cells; a line break may or may not end a cell. The cut the column vocabulary fits best."""
    best: tuple[int, list[str]] | None = None
    for cuts in itertools.product((True, False), repeat=len(lines) - 1):
        cells: list[list[str]] = [[p] for p in lines[0]]
        for cut, line in zip(cuts, lines[1:], strict=True):
            if not cut and cells:
                cells[-1].append(line[0])
                line = line[1:]
            cells.extend([p] for p in line)
        for parts in _with_empties(roles[:front], cells):
            score = _score(roles[:front], parts)
            if score is not None and (best is None or score > best[0]):
                best = (score, _texts(parts))
    return best


def _with_empties(roles: list[str], cells: list[list[str]]) -> Iterator[list[list[str]]]:
    """``cells`` spread over the columns, the ones short of them left empty where a column
    may be (a qualitative target's unit)."""
    short = len(roles) - len(cells)
    if short < 0:
        return
    if short == 0:
        yield cells
        return
    for gone in itertools.combinations(range(len(roles)), short):
        if any(roles[c] not in _MAY_BE_EMPTY for c in gone):
            continue
        it = iter(cells)
        yield [[] if c in gone else next(it) for c in range(len(roles))]


# ----------------------------------------------------------------------------- top-aligned


def _top(body: list[Row], roles: list[str]) -> tuple[int, list[Row]] | None:
    """The body read as top-aligned cells: each row line holds every cell's first line, the
    lines under it (up to the next row line) the rest of the cells that wrapped."""
    marks = [k for k, row in enumerate(body) if _row_line(row, roles)]
    if not marks or marks[0] != 0 or len(marks) == len(body):
        return None
    out: list[Row] = []
    total = 0
    for n, k in enumerate(marks):
        stop = marks[n + 1] if n + 1 < len(marks) else len(body)
        if stop - k - 1 > _MAX_LINES:
            return None
        got = _top_row(roles, _cells(body[k]), [_cells(r) for r in body[k + 1 : stop]])
        if got is None:
            return None
        total += got[0]
        out.append(_rebuilt(got[1], body[k:stop]))
    return total, out


def _top_row(
    roles: list[str], first: list[str], more: list[list[str]]
) -> tuple[int, list[str]] | None:
    if not more:
        return _as_printed(roles, first), first
    best: tuple[int, list[str]] | None = None
    for cells in _with_empties(roles, [[t] for t in first]):
        present = [c for c, p in enumerate(cells) if p and c < len(roles) - 1]
        for parts in _below(cells, present, more):
            score = _score(roles, parts)
            if score is not None and (best is None or score > best[0]):
                best = (score, _texts(parts))
    return best


def _below(
    cells: list[list[str]], present: list[int], more: list[list[str]]
) -> Iterator[list[list[str]]]:
    """Each way the lines under a row line continue its cells, left to right; a cell that
    stops wrapping takes no piece on the lines after."""
    if not more:
        yield cells
        return
    line, rest = more[0], more[1:]
    for cols in itertools.combinations(present, len(line)):
        grown = [list(p) for p in cells]
        for col, piece in zip(cols, line, strict=True):
            grown[col].append(piece)
        yield from _below(grown, list(cols), rest)
