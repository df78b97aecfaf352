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
from jixiao.grammar import Row, canon_unit, is_value_like, to_number
from jixiao.schema import Cell

#: Short columns after the name. The last column of a table is one of them and never wraps
#: (a weight, a unit, a sign): every table row has one line with it, its *row line*.
_TAIL = frozenset({"value", "weight", "unit", "operator", "value_type"})
#: A row whose cells wrapped over more lines than this is not read (and the search stays small).
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
        rebuilt = _centred(body, roles) or _streamed(body, roles)
        out.extend(rebuilt if rebuilt is not None else body)
        i = end
    return out


def _label_wrap(rows: list[Row], i: int) -> tuple[Row, int]:
    """A header label wrapped in its narrow cell, centred against its value: ``项目名`` /
    ``(value)`` / ``称`` (a label over two lines, its value on one), or ``年度绩效 完成…水`` /
    ``目标 平。`` (both over two lines). The row put together, and how many lines it took."""
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
    if len(first) == 1 and len(nxt) == 2 and second:
        third = _cells(nxt[1])
        stacked = first[0] + "".join(second) + third[0] if len(third) == 1 else ""
        if (
            len(third) == 1
            and _label_of(first[0], third[0])
            and not vocab.header_field(second[0])
            and not vocab.header_field(stacked)  # 年度 / 总体 / 目标: one label a word a line
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
    """Where the rows after a heading stop being one table: a blank line, a title, a header
    label or another heading row."""
    k = start
    while k < len(rows):
        row = rows[k]
        prev = rows[k - 1]
        if not row.texts or not any(row.texts):
            break
        above = prev.cells[-1].line
        if row.line is not None and above is not None and row.line != above + 1:
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


def _score(
    roles: list[str], texts: Sequence[str], pieces: Sequence[int] | None = None
) -> int | None:
    """The fit of a rebuilt row, None when a level or tail column holds what it cannot.

    A target in words wraps less readily than a name (``明显改善`` is short; a date or an
    amount is what runs long), so each piece joined to a target without digits costs one."""
    total = 0
    for k, (role, text) in enumerate(zip(roles, texts, strict=True)):
        got = _fits(role, text)
        if got < -1:
            return None
        if pieces is not None and role == "value" and not _DIGIT.search(text):
            got -= pieces[k] - 1
        total += got
    return total


def _cells(row: Row) -> list[str]:
    return [t for t in row.texts if t]


def _rebuilt(texts: Sequence[str], lines: Sequence[Row]) -> Row:
    line = lines[0].line
    return Row([Cell(t, line, k) for k, t in enumerate(texts)])


# ----------------------------------------------------------------------------- centred lines


def _centred(body: list[Row], roles: list[str]) -> list[Row] | None:
    """The body read as lines by height: each row's upper lines, its row line, its lower lines."""
    marks = [k for k, row in enumerate(body) if _row_line(row, roles)]
    if not marks or len(marks) == len(body):
        return None
    out: list[Row] = []
    above = marks[0]
    evidence = False
    for n, k in enumerate(marks):
        start, stop = k - above, k + above + 1
        nxt = marks[n + 1] if n + 1 < len(marks) else len(body)
        if stop > nxt:
            return None  # not enough lines below for the lines above: not centred
        upper, lower = body[start:k], body[k + 1 : stop]
        if len(upper) > _MAX_LINES // 2:
            return None
        texts = _centred_row(roles, upper, body[k], lower)
        if texts is None:
            return None
        mid = _cells(body[k])
        # a row line that lacks a cell, or whose cells do not fit their columns alone
        evidence = evidence or (
            bool(upper) and (len(mid) < len(roles) or _score(roles, mid) is None)
        )
        out.append(_rebuilt(texts, body[start:stop]))
        above = nxt - stop
    if above:
        return None  # lines left after the last row
    return out if evidence else None


def _centred_row(
    roles: list[str], upper: list[Row], middle: Row, lower: list[Row]
) -> list[str] | None:
    mid = _cells(middle)
    if not upper:
        return mid if len(mid) == len(roles) and _score(roles, mid) is not None else None
    m = len(upper)
    # pair d: the d-th line above the row line and the d-th below, innermost first
    pairs = [(_cells(upper[m - 1 - d]), _cells(lower[d])) for d in range(m)]
    if any(len(a) != len(b) or not a for a, b in pairs):
        return None
    if sum(len(a) for a, _b in pairs) * 2 + len(mid) > 2 * _MAX_PIECES:
        return None
    front = len(roles) - 1  # every column but the last may wrap (a date as target too)
    even = len(roles) - len(mid)
    if even < 0:
        return None
    best: tuple[int, list[str]] | None = None
    for halves in range(m + 1):  # how many pairs stand at half-line heights (even cells)
        order = _heights(halves, m - halves)
        half = [pairs[d] for d in range(m) if order[d]]
        whole = [pairs[d] for d in range(m) if not order[d]]
        if (len(half[0][0]) if half else 0) != even:
            continue
        for missing in itertools.combinations(range(front), even):
            present = [c for c in range(len(roles)) if c not in missing]
            for texts, pieces in _fill(roles, mid, present, list(missing), half, whole, front):
                score = _score(roles, texts, pieces)
                if score is not None and (best is None or score > best[0]):
                    best = (score, texts)
    return best[1] if best else None


def _heights(halves: int, wholes: int) -> list[bool]:
    """Pairs innermost first: True where the pair stands at a half-line height.

    Half-line heights are 0.5, 1.5 …, whole ones 1, 2 …; sorted together they give the order
    of the lines above (and below) the row line."""
    tagged = [(h + 0.5, True) for h in range(halves)] + [
        (float(w + 1), False) for w in range(wholes)
    ]
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
    cols_options = (
        [start]
        if len(inner[0]) == len(start)
        else list(list(c) for c in itertools.combinations(start, len(inner[0])))
    )
    for cols in cols_options:
        for rest in _chains(cols, pairs[1:]):
            yield [cols, *rest]


def _fill(
    roles: list[str],
    mid: list[str],
    present: list[int],
    missing: list[int],
    half: list[tuple[list[str], list[str]]],
    whole: list[tuple[list[str], list[str]]],
    front: int,
) -> Iterator[tuple[list[str], list[int]]]:
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
            texts = [
                "".join(tops[c]) + middle.get(c, "") + "".join(bottoms[c])
                for c in range(len(roles))
            ]
            pieces = [len(tops[c]) + (c in middle) + len(bottoms[c]) for c in range(len(roles))]
            yield texts, pieces


# ----------------------------------------------------------------------------- stream order


def _streamed(body: list[Row], roles: list[str]) -> list[Row] | None:
    """The body read in content-stream order: each cell in turn, a wrapped cell's lines one
    after the other, cells on one height sharing a line; each row ends on its row line."""
    tail = 1
    front = len(roles) - tail
    out: list[Row] = []
    evidence = False
    start = 0
    for k, row in enumerate(body):
        if not _row_line(row, roles, least=1):
            continue
        lines = [_cells(r) for r in body[start:k]]
        last = _cells(row)
        lines.append(last[: len(last) - tail])
        lines = [ln for ln in lines if ln]
        if len(lines) > _MAX_LINES:
            return None
        heads = _segment(roles, front, lines)
        if heads is None:
            return None
        evidence = evidence or k > start
        out.append(_rebuilt([*heads, *last[len(last) - tail :]], body[start : k + 1]))
        start = k + 1
    if start != len(body) or not evidence:
        return None
    return out


def _segment(roles: list[str], front: int, lines: list[list[str]]) -> list[str] | None:
    """The front cells of one row from its stream lines: pieces on one line are different
    cells; a line break may or may not end a cell. The cut the column vocabulary fits best."""
    breaks = len(lines) - 1
    best: tuple[int, list[str]] | None = None
    for cuts in itertools.product((True, False), repeat=breaks):
        cells: list[str] = list(lines[0])
        pieces = [1] * len(cells)
        for cut, line in zip(cuts, lines[1:], strict=True):
            if cut or not cells:
                cells.extend(line)
                pieces.extend([1] * len(line))
            else:
                cells[-1] += line[0]
                pieces[-1] += 1
                cells.extend(line[1:])
                pieces.extend([1] * (len(line) - 1))
        if len(cells) != front:
            continue
        score = _score(roles[:front], cells, pieces)
        if score is not None and (best is None or score > best[0]):
            best = (score, cells)
    return best[1] if best else None
