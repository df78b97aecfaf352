"""A table given one cell per line (a PDF text layer's reading order) cut back into rows.

``pdftotext`` and similar extractors give a ruled table's cells one per line, row after row,
the heading too (``一级指标`` / ``二级指标`` / … / ``指标权重``). The parser's cell-stream reader
rebuilds rows of level labels, a name and a value; a heading that also names an operator,
unit or weight column (``指标性质``, ``计量单位``, ``权重``) needs more: those cells follow the
value, so a row is ``[level1] [level2] name [operator] value [unit] [weight]`` and the next one
starts at a level label or at the next name. This pass, for renderings without positions,
cuts such a stream into rows by what each cell is (a level label, an operator, a unit, a
number, a value, a name) and where it stands (the first cell after the level labels is the
name, even ``2023年年鉴编纂次数`` or ``提高政府网站``; a text after a name is its target) and
hands the parser ordinary rows; nothing is dropped (a cell that
fits no row stays a row of its own for the parser to report).
"""

from __future__ import annotations

import re

from jixiao import vocab
from jixiao.grammar import Row, canon_unit, classify, clean
from jixiao.schema import Cell

_WS = re.compile(r"\s+")
_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?[%％]?$")
#: Roles whose cells come after the value: only then is the stream reader's name + value not enough.
_TRAILING = {"operator", "unit", "weight"}
_STOP = re.compile(
    r"^(综合评定等级|审核意见|审核人|填报人|联系电话|备注[:：]|说明[:：]|注[:：])|盖章|签字"
)


def regroup(rows: list[Row]) -> list[Row]:
    """The rows with each one-cell-per-line table body (under such a heading) cut into rows."""
    out: list[Row] = []
    i = 0
    while i < len(rows):
        roles, end = _stream_heading(rows, i)
        if "name" not in roles:
            out.append(rows[i])
            i += 1
            continue
        heading, early = rows[i:end], list[Row]()
        # The heading's later columns may come after the first row's first cells (an
        # extractor reads a tall heading cell's lines between the short ones).
        for gap in range(1, _HEADING_GAP + 1):
            more, after = _heading_block(rows, end + gap)
            between = rows[end : end + gap]
            if any(_heading_block(rows, end + n)[0] for n in range(gap)):
                break
            if more and not more & roles and all(len(_filled(r)) <= 2 for r in between):
                heading, early = [*heading, *rows[end + gap : after]], between
                roles, end = roles | more, after
                break
        k = end
        while k < len(rows) and not _stops(rows[k]):
            k += 1
        body = [*early, *rows[end:k]]
        if not roles & _TRAILING or not _is_stream(body):
            out.extend(rows[i:end])  # as printed: the parser's own readers take it
            i = end
            continue
        out.extend(heading)
        out.extend(_cut([c for r in body for c in r.nonempty()], roles))
        i = k
    return out


def _filled(row: Row) -> list[str]:
    return [t for t in row.texts if t]


_HEADING_GAP = 4


def _stream_heading(rows: list[Row], i: int) -> tuple[set[str], int]:
    """The roles of a heading printed one (or two) cells per line from row ``i``, and where
    the body starts; no roles when row ``i`` does not open such a heading."""
    roles, k = _heading_block(rows, i)
    if len(roles) < 3 or k - i < 3:
        return set(), i
    return roles, k


def _heading_block(rows: list[Row], i: int) -> tuple[set[str], int]:
    """The roles of the heading cells from row ``i`` on (one or two per line) and the end."""
    roles: list[str] = []
    k = i
    while k < len(rows):
        texts = _filled(rows[k])
        if not texts or len(texts) > 2:
            break
        found = [vocab.column_role(t) for t in texts]
        if not all(found):
            break
        roles.extend(r for r in found if r)
        k += 1
    return set(roles), k


def _is_stream(body: list[Row]) -> bool:
    """Most body rows hold one cell: a stream, not rows of their own."""
    sizes = [len(_filled(r)) for r in body if _filled(r)]
    return len(sizes) >= 3 and sum(1 for n in sizes if n == 1) >= 0.7 * len(sizes)


def _stops(row: Row) -> bool:
    """A row that ends the table: a title, a header label, a note, another heading."""
    texts = _filled(row)
    if not texts:
        return False
    first = _WS.sub("", texts[0])
    if vocab.TITLE.match(first) or _STOP.search(first):
        return True
    if vocab.header_field(first) is not None:
        return True
    return len(texts) > 1 and all(vocab.column_role(t) for t in texts)


def cell_kind(text: str) -> str:
    """What a lone cell of a stream is: level, operator, number, value, unit or text."""
    t = _WS.sub("", clean(text))
    if t in vocab.OPERATOR_WORDS:
        return "operator"
    if _NUMBER.match(t):
        return "number"
    kind = classify(t)
    if kind in ("level1", "level2"):
        return "level"
    if kind == "value":
        return "value"
    if not re.search(r"\d", t) and canon_unit(t) is not None:
        return "unit"
    return "text"


def _cut(cells: list[Cell], roles: set[str]) -> list[Row]:
    """Cut the stream at each row's start: a level label or a name after the row's name."""
    out: list[list[Cell]] = []
    cur: list[Cell] = []
    named = valued = weighted = False

    def flush() -> None:
        nonlocal cur, named, valued, weighted
        if cur:
            out.append(cur)
        cur, named, valued, weighted = [], False, False, False

    for cell in cells:
        kind = cell_kind(cell.text)
        if kind == "level":
            if named:
                flush()
        elif not named and not valued and kind != "operator":
            named = True  # the first cell after the level labels is the name, whatever it holds
        elif kind == "text" and not valued:
            valued = True  # a name, then a text: the target, in words (按计划完成)
        elif kind == "text" or (kind == "operator" and valued):
            flush()
            named = kind == "text"
        elif kind in ("number", "value") and valued:
            if kind == "number" and "weight" in roles and not weighted:
                weighted = True
            else:
                flush()
                named = True  # a row without level labels whose name starts with a digit
        elif kind in ("number", "value"):
            valued = True
        cur.append(cell)
    flush()
    return [Row([Cell(c.text, c.line, n) for n, c in enumerate(group)]) for group in out]
