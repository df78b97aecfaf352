"""A table a text extractor gave column by column, paired back into rows by counts alone.

``pdfminer`` (and ``pdftotext`` on some producers) gives a table block by block: the column
headings, then every name, then every operator, every value, every unit, every weight::

    三级指标 / 指标性质 / 指标值 / 计量单位 / 指标权重
    现场督查次数 / 建议提案办理率
    ≥ / ≥
    200 / 100
    次 / %
    10 / 20

Only the counts can say which cell goes with which, so the pairing is made only when they
prove it: the cells after the names cut into one run per column after the name (or into
rows of one cell per such column), every run exactly as long as the others and every cell of
the kind its column holds (an operator, a number or target, a unit, a number); and the names
before them, line by line, box by box (an extractor's lines with no blank between are one
text box), or rejoined where a line ran to the column's width, exactly as many. One count
``N`` must fit, no other. The level cells (一级/二级指标) are paired only when there are
``N`` of a level (one per row) or one (a merged cell over the whole table); otherwise they
stay a row of their own for the parser to report. Long header texts printed beside the
names (a label column ``项目概况`` / ``立项依据`` just before the table, their texts after the
names) are paired with those labels when they are exactly as many. When nothing fits the
rows pass on unchanged.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from jixiao import vocab
from jixiao.grammar import Row, classify, clean
from jixiao.parse.stream_rows import cell_kind
from jixiao.schema import Cell

_WS = re.compile(r"\s+")
_STOP = re.compile(
    r"^(综合评定等级|审核意见|审核人|填报人|联系电话|备注[:：]|说明[:：]|注[:：])|盖章|签字"
)
#: Which kinds of cell each column after the name may hold.
_FITS = {
    "operator": {"operator"},
    "value": {"number", "value"},
    "unit": {"unit"},
    "weight": {"number"},
}
_LEVELS = ("level1", "level2")
_OPERATOR = re.compile(rf"^({vocab.OPERATOR_PATTERN})")


@dataclass
class _Unit:
    """One cell as the extractor gave it: its text's pieces (lines) and its kind."""

    cells: list[Cell]
    kind: str

    @property
    def first(self) -> int:
        return self.cells[0].line or 0

    @property
    def last(self) -> int:
        return self.cells[-1].line or 0

    @property
    def text(self) -> str:
        out = ""
        for c in self.cells:
            t = clean(c.text)
            glue = " " if out and _latin(out[-1]) and t and _latin(t[0]) else ""
            out += glue + t
        return out


def regroup(rows: list[Row]) -> list[Row]:
    """The rows with each table given column by column rebuilt as rows (see module doc)."""
    out: list[Row] = []
    i = 0
    while i < len(rows):
        if not _heading_row(rows[i]):
            out.append(rows[i])
            i += 1
            continue
        end = i + 1
        while end < len(rows) and not _stops(rows[end]):
            end += 1
        labels = _labels_before(out)
        # Only a whole table is counted: one cut off by a header label (a text layer that
        # gives header cells among the table's) would be paired short.
        closed = end == len(rows) or not _header_label(rows[end])
        if not _stream(rows[i + 1 : end]):  # rows of several cells: given row by row already
            out.extend(rows[i:end])
            i = end
            continue
        read = _read(rows[i:end], labels) if closed else None
        if read is None:
            blocks = _read_blocks(rows[i:end])
            out.extend(blocks if blocks is not None else _held_back(rows[i:end]))
        else:
            header, table = read
            if header:
                del out[len(out) - len(header) :]
                out.extend(header)
            out.extend(table)
        i = end
    return out


def _stream(rows: list[Row]) -> bool:
    """Most lines hold one cell: an extractor's text of one cell per line."""
    lines = [r for r in rows if _filled(r)]
    return sum(1 for r in lines if len(_filled(r)) == 1) >= 0.8 * len(lines)


def _read_blocks(rows: list[Row]) -> list[Row] | None:
    """The table read block by block: ``pdftotext`` gives a few rows at a time column by
    column (two names, two operators, two values, two units, two weights, then the next
    rows), each block proved by its own counts as the whole table is in ``_read``. The level
    cells before a block stand on its first row, as they would before a row. Cells between
    blocks that no count pairs are left unread (one row for each run of them) and reading
    goes on at the next block that proves itself. None when every block holds one row and
    some cells went unread (rows one at a time are the cell-stream reader's)."""
    if not _stream(rows):
        return None
    columns = _columns(rows)
    if columns is None:
        return None
    heading, body, lead, trail = columns
    out = [Row([Cell(c.text, c.line, k) for k, c in enumerate(heading)])]
    t, p, wide = len(trail), 0, False
    lost = False  # level cells went unread: the rows after them cannot take levels above
    while p < len(body):
        block = _next_block(body, p, trail, bool(lead))
        per_row = _block_levels(block[2][2], block[1]) if block is not None else None
        if (
            per_row is not None
            and lost
            and "level1" in lead
            and not any(classify(clean(c.text)) == "level1" for c in per_row[0])
        ):
            per_row = None  # its level-1 would be read down from above the unread cells
        if block is None or per_row is None:
            r = _resume(body, p, trail, bool(lead))
            stop = len(body) if r is None else r
            left = [c for u in body[p:stop] for c in u.cells]
            out.append(Row([Cell(c.text, c.line, k) for k, c in enumerate(left)], unread=True))
            lost = lost or any(u.kind == "level" for u in body[p:stop])
            p = stop
            continue
        q, m, (names, _extras, _levels) = block
        for k in range(m):
            cells = per_row[k]
            cells.append(Cell(names[k].text, names[k].first, 0))
            cells += [body[q + j * m + k].cells[0] for j in range(t)]
            out.append(Row([Cell(c.text, c.line, col) for col, c in enumerate(cells)]))
        wide = wide or m > 1
        p = q + t * m
    # Rows one at a time are the cell-stream reader's, unless every cell was read (a heading
    # whose later cells stand after the rows, which that reader cannot see).
    return out if wide or not any(r.unread for r in out) else None


def _name_start(unit: _Unit) -> bool:
    """A cell that may open a name or a level: not a bare number, no operator."""
    return unit.kind not in ("number", "operator") and not _OPERATOR.match(unit.text)


def _resume(body: list[_Unit], p: int, trail: list[str], leveled: bool) -> int | None:
    """Where the next provable block starts after cells no count pairs: right after a cell of
    the last column (a block ends there), at a cell that may open a name or a level."""
    for r in range(p + 1, len(body)):
        if not _fits(body[r - 1], trail[-1]) or not _name_start(body[r]):
            continue
        block = _next_block(body, r, trail, leveled)
        if block is not None and _block_levels(block[2][2], block[1]) is not None:
            return r
    return None


def _next_block(
    body: list[_Unit], p: int, trail: list[str], leveled: bool
) -> tuple[int, int, tuple[list[_Unit], list[_Unit], list[_Unit]]] | None:
    """(where the block's runs start, its rows, its names and levels) for the block whose
    names start at ``p``, when one start and one row count only fit. A cell that fits the
    first column after the name may still be a piece of a name (``成率``, a target in
    words): every such cell is tried, up to one that can be no name's (a bare number,
    an operator or a target opening with one). Two readings: no block."""
    t = len(trail)
    found = []
    gaps = [b.first > a.last + 1 for a, b in itertools.pairwise(body)]
    boxed = len(gaps) > 0 and sum(gaps) >= 0.5 * len(gaps)
    for q in range(p + 1, len(body)):
        if not _fits(body[q], trail[0]):
            continue
        if boxed and body[q].first == body[q - 1].last + 1:
            continue  # a text box's next line (``年鉴编纂质量`` / ``达标率``) opens no cell
        for m in range(1, (len(body) - q) // t + 1):
            if not all(_fits(body[q + j * m + k], trail[j]) for j in range(t) for k in range(m)):
                continue
            read = _names(body[p:q], m, 0, leveled)
            if read is not None:
                found.append((q, m, read))
        if not _name_start(body[q]):
            break  # no name goes on past this cell
    return found[0] if len(found) == 1 else None


def _block_levels(levels: list[_Unit], m: int) -> list[list[Cell]] | None:
    """The level cells before a block of ``m`` rows, row by row: of each level one cell (on
    the block's first row, as before a row) or ``m`` (one per row, top to bottom); None for
    any other count (which rows a cell spans is unknown)."""
    per_row: list[list[Cell]] = [[] for _ in range(m)]
    for role in _LEVELS:
        mine = [u for u in levels if classify(clean(u.text)) == role]
        if len(mine) == 1:
            per_row[0].append(Cell(mine[0].text, mine[0].first, 0))
        elif len(mine) == m:
            for k, u in enumerate(mine):
                per_row[k].append(Cell(u.text, u.first, 0))
        elif mine:
            return None
    if sum(len(r) for r in per_row) != len(levels):
        return None  # a level cell of neither kind
    return per_row


def _held_back(rows: list[Row]) -> list[Row]:
    """A table the counts could not pair, as given, unless it is given column by column (two
    operators in a row, or two units in a row twice, which no row holds, in a text of one
    cell per line): then its heading, and its cells as one row left unread, for the rejects
    and the fallback to see, rather than rows read across columns."""
    heading, body = _units(rows)
    pairs = [a.kind for a, b in itertools.pairwise(body) if a.kind == b.kind]
    # units twice: a name's wrapped end can be a unit word once (演出场 / 次 after 场次)
    shaped = "operator" in pairs or pairs.count("unit") >= 2
    if not shaped or not _stream(rows):
        return rows
    cells = [c for u in body for c in u.cells]
    return [
        Row([Cell(c.text, c.line, k) for k, c in enumerate(heading)]),
        Row([Cell(c.text, c.line, k) for k, c in enumerate(cells)], unread=True),
    ]


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _filled(row: Row) -> list[Cell]:
    return [c for c in row.cells if clean(c.text)]


def _heading_row(row: Row) -> bool:
    cells = _filled(row)
    return bool(cells) and all(vocab.column_role(c.text) for c in cells)


def _stops(row: Row) -> bool:
    """A row that ends the table: a title, a header label, a note or signature line."""
    cells = _filled(row)
    if not cells:
        return False
    first = _WS.sub("", clean(cells[0].text))
    whole = _WS.sub("", "".join(c.text for c in cells))  # ``2022 年…目标表``, split at its blank
    if vocab.TITLE.match(first) or vocab.TITLE.match(whole) or _STOP.search(first):
        return True
    return _header_label(row)


def _header_label(row: Row) -> bool:
    first = _WS.sub("", clean(_filled(row)[0].text))
    return vocab.header_field(first) is not None or vocab.breakdown_key(first) is not None


def _labels_before(out: list[Row]) -> list[Cell]:
    """The lone header labels (no value of their own) that end the rows so far."""
    labels: list[Cell] = []
    for row in reversed(out):
        cells = _filled(row)
        if len(cells) != 1 or vocab.header_field(_WS.sub("", clean(cells[0].text))) is None:
            break
        labels.append(cells[0])
    return labels[::-1]


def _units(rows: list[Row]) -> tuple[list[Cell], list[_Unit]]:
    """The heading cells and the body's cells, in the extractor's order. A line of several
    texts is one cell broken at its blanks; a line with a level, operator, number or unit
    among them is several cells."""
    heading: list[Cell] = []
    body: list[_Unit] = []
    for row in rows:
        cells = _filled(row)
        if not cells:
            continue
        if all(vocab.column_role(c.text) for c in cells):
            heading.extend(cells)
            continue
        kinds = [cell_kind(c.text) for c in cells]
        if len(cells) > 1 and all(k == "text" for k in kinds):
            joined = " ".join(clean(c.text) for c in cells)
            body.append(_Unit([Cell(joined, cells[0].line, 0)], "text"))
        else:
            body.extend(_Unit([c], k) for c, k in zip(cells, kinds, strict=True))
    return heading, body


def _columns(rows: list[Row]) -> tuple[list[Cell], list[_Unit], list[str], list[str]] | None:
    """(heading cells, body units, level roles before the name, roles after it) of a table
    whose heading the counts can read: one name column, level columns before it only, and
    after it only columns whose cells have a kind (operator, value, unit, weight); else None."""
    heading, body = _units(rows)
    roles = [vocab.column_role(c.text) for c in heading]
    if "name" not in roles or len(set(roles)) != len(roles):
        return None
    at = roles.index("name")
    lead, trail = roles[:at], [r for r in roles[at + 1 :] if r]
    if any(r not in _LEVELS for r in lead) or not trail or any(r not in _FITS for r in trail):
        return None
    return heading, body, [r for r in lead if r is not None], trail


def _read(rows: list[Row], labels: list[Cell]) -> tuple[list[Row], list[Row]] | None:
    """(header rows for ``labels``, the table's rows), or None when the counts prove nothing."""
    columns = _columns(rows)
    if columns is None:
        return None
    heading, body, lead, trail = columns
    found: list[tuple[int, list[list[Cell]], tuple[list[_Unit], list[_Unit], list[_Unit]]]] = []
    t = len(trail)
    for n in range(1, len(body) // t + 1):
        tail = _trailing(body[len(body) - t * n :], trail, n)
        if tail is None:
            continue
        read = _names(body[: len(body) - t * n], n, len(labels), bool(lead))
        if read is not None:
            found.append((n, tail, read))
    if len(found) != 1:
        return None
    n, tail, (names, extras, levels) = found[0]
    header = (
        [
            Row([Cell(lab.text, lab.line, 0), Cell(v.text, v.first, 1)])
            for lab, v in zip(labels, extras, strict=True)
        ]
        if extras
        else []
    )
    table = [Row([Cell(c.text, c.line, k) for k, c in enumerate(heading)])]
    per_row, left = _pair_levels(levels, lead, n)
    for k in range(n):
        cells = [*per_row[k], Cell(names[k].text, names[k].first, 0), *tail[k]]
        table.append(Row([Cell(c.text, c.line, col) for col, c in enumerate(cells)]))
    if left:
        table.append(Row([Cell(u.text, u.first, col) for col, u in enumerate(left)]))
    return header, table


def _fits(unit: _Unit, role: str) -> bool:
    return len(unit.cells) == 1 and unit.kind in _FITS[role]


def _trailing(tail: list[_Unit], trail: list[str], n: int) -> list[list[Cell]] | None:
    """The cells after each of ``n`` names: the tail read as one run per column, or as ``n``
    rows of one cell per column; None when neither reading fits every cell."""
    t = len(trail)
    if all(_fits(tail[j * n + k], trail[j]) for j in range(t) for k in range(n)):
        return [[tail[j * n + k].cells[0] for j in range(t)] for k in range(n)]
    if all(_fits(tail[k * t + j], trail[j]) for j in range(t) for k in range(n)):
        return [[tail[k * t + j].cells[0] for j in range(t)] for k in range(n)]
    return None


def _names(
    prefix: list[_Unit], n: int, labels: int, leveled: bool = True
) -> tuple[list[_Unit], list[_Unit], list[_Unit]] | None:
    """(the ``n`` names, long header texts after them, the level cells) read from the cells
    before the runs: line by line, box by box, or rejoined at the column's width."""
    prefix = _name_ends(prefix)
    if not leveled:  # no level column: ``满意度`` is a name, not a level
        prefix = [_Unit(u.cells, "text") if u.kind == "level" else u for u in prefix]
    levels = [u for u in prefix if u.kind == "level"]
    texts = [u for u in prefix if u.kind != "level"]
    if len(texts) < n or any(u.kind == "operator" or _OPERATOR.match(u.text) for u in texts):
        return None  # an operator or a target opening with one: a column after the name
    for grouping in (_as_lines, _as_boxes, _as_width):
        groups = grouping(texts)
        if any(_bare_number(g) for g in groups):
            continue  # a bare number opens no name (a wrapped text may end in one: ``98%``)
        if len(groups) == n:
            return groups, [], levels
        if labels and len(groups) == n + labels:
            return groups[:n], groups[n:], levels
    return None


def _name_ends(prefix: list[_Unit]) -> list[_Unit]:
    """A bare level word (``数量``, not ``数量指标``) on the line right under a text is the end
    of a wrapped name (``助企纾困走访企业`` / ``数量``), not a level cell."""
    out: list[_Unit] = []
    for u in prefix:
        if (
            u.kind == "level"
            and out
            and out[-1].kind != "level"
            and u.first == out[-1].last + 1
            and not u.text.endswith("指标")
        ):
            u = _Unit(u.cells, "text")
        out.append(u)
    return out


def _bare_number(group: _Unit) -> bool:
    return cell_kind(group.cells[0].text) == "number"


def _as_lines(texts: list[_Unit]) -> list[_Unit]:
    return texts


def _as_boxes(texts: list[_Unit]) -> list[_Unit]:
    """Lines with no blank line between them (one text box of the extractor) joined."""
    out: list[_Unit] = []
    for u in texts:
        if out and u.first == out[-1].last + 1:
            out[-1] = _Unit([*out[-1].cells, *u.cells], "text")
        else:
            out.append(u)
    return out


def _as_width(texts: list[_Unit]) -> list[_Unit]:
    """A line as long as the longest of the run ran to the column's edge: the next continues it."""
    if len(texts) < 2:
        return texts
    width = max(len(u.text) for u in texts)
    out: list[_Unit] = []
    open_ = False
    for u in texts:
        if out and open_ and u.first == out[-1].last + 1:
            out[-1] = _Unit([*out[-1].cells, *u.cells], "text")
        else:
            out.append(u)
        open_ = len(u.text) == width
    return out


def _pair_levels(
    levels: list[_Unit], lead: list[str], n: int
) -> tuple[list[list[Cell]], list[_Unit]]:
    """Each row's level cells, and the level cells no count pairs (left for the parser).

    A level column is paired when it holds ``n`` cells (one per row, in order) or one (a
    merged cell over every row); any other count is not proof of which rows a cell spans."""
    per_row: list[list[Cell]] = [[] for _ in range(n)]
    used: set[int] = set()
    for role in lead:
        mine = [u for u in levels if classify(clean(u.text)) == role]
        if len(mine) not in (1, n):
            continue
        used.update(id(u) for u in mine)
        for k in range(n):
            u = mine[k] if len(mine) == n else mine[0]
            per_row[k].append(Cell(u.text, u.first, 0))
    return per_row, [u for u in levels if id(u) not in used]
