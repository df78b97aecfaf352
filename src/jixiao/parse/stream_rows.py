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
from dataclasses import replace

from jixiao import vocab
from jixiao.grammar import Row, canon_unit, classify, clean
from jixiao.parse import wrapped_lines
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
            split = _split_heading(rows, i)
            if split is None:
                out.append(rows[i])
                i += 1
                continue
            heading, body, roles, k = split
            out.extend(heading)
            out.extend(_cut([c for r in body for c in r.nonempty()], roles))
            i = k
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


def _split_heading(rows: list[Row], i: int) -> tuple[list[Row], list[Row], set[str], int] | None:
    """A heading whose first columns open the stream and whose others close it: (heading,
    body, roles, end), or None.

    An extractor that reads a page's blocks one after another gives a sheet's short heading
    cells (``三级指标`` / ``指标性质``) before the body and the ones beside the numbers
    (``指标值`` / ``计量单位`` / ``指标权重``) after it, where the next title or label ends the
    table.
    """
    roles, end = _heading_block(rows, i)
    if "name" not in roles or end - i < 2:
        return None
    k = end
    while k < len(rows) and not _stops(rows[k]):
        k += 1
    start = k
    while start > end and _heading_block(rows, start - 1)[1] == k:
        start -= 1
    more = _heading_block(rows, start)[0] if start < k else set()
    body = rows[end:start]
    if not more or more & roles or len(roles | more) < 3 or not _is_stream(body):
        return None
    roles |= more
    if not roles & _TRAILING:
        return None
    return [*rows[i:end], *rows[start:k]], body, roles, k


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
    """What a lone cell of a stream is: level, operator, number, value, numbered, unit or text."""
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
    if kind == "numbered":
        return "numbered"
    if not re.search(r"\d", t) and canon_unit(t) is not None:
        return "unit"
    return "text"


def _cut(cells: list[Cell], roles: set[str]) -> list[Row]:
    """Cut the stream at each row's start: a level label or a name after the row's name.

    OCR boxes come a visual line at a time, so a wrapped name's other lines follow the row's
    target: a text there continues the name when the name runs on (``指标1：`` names nothing
    yet, a bracket is open, or its last line ran to the column's edge), and a level cell when
    it makes the level name whole (``服务对象满意度`` + ``指标``)."""
    out: list[list[Cell]] = []
    cur: list[Cell] = []
    more: dict[int, list[Cell]] = {}  # cell of ``cur`` → its wrapped lines
    named = valued = weighted = False
    name_at: int | None = None
    edge = wrapped_lines.column_edge(
        [wrapped_lines.width(clean(c.text)) for c in cells if cell_kind(c.text) in _NAMELIKE]
    )

    def flush() -> None:
        nonlocal cur, named, valued, weighted, name_at
        if cur:
            out.append(
                [
                    wrapped_lines.wrapped([c, *more[k]], c.col) if k in more else c
                    for k, c in enumerate(cur)
                ]
            )
        cur, named, valued, weighted, name_at = [], False, False, False, None
        more.clear()

    kinds = [cell_kind(c.text) for c in cells]
    for n, cell in enumerate(cells):
        kind = kinds[n]
        # a box a target follows is a row's name, never a wrapped line
        if valued and cur and (n + 1 == len(cells) or not _target(cells[n + 1].text, kinds[n + 1])):
            at = _continues(cur, more, name_at, cell.text, kind, edge)
            if at is not None:
                more.setdefault(at, []).append(cell)
                continue
        if kind == "numbered" and (valued or (name_at is not None and _numbered(cur[name_at]))):
            flush()  # a numbering opens the next row's name
        if kind == "level":
            if named:
                flush()
        elif not named and not valued and kind != "operator":
            named = True  # the first cell after the level labels is the name, whatever it holds
            name_at = len(cur)
        elif kind == "numbered" and not valued:
            name_at = len(cur)  # a level word (服务对象满意度), then the numbered name
        elif kind == "text" and not valued and _bare_level(cur, name_at):
            name_at = len(cur)  # 服务对象满意度 was the level-2 cell, this is the name
        elif kind == "text" and not valued and _sign_cell(cell.text, roles, kinds[n + 1 :]):
            pass  # the 指标性质 column's cell (``IV``: a ≥ OCR misread), the target follows
        elif kind == "text" and not valued:
            valued = True  # a name, then a text: the target, in words (按计划完成)
        elif kind in ("text", "numbered") or (kind == "operator" and valued):
            flush()
            named = kind != "operator"
            name_at = 0 if named else None
        elif kind in ("number", "value") and valued:
            if kind == "number" and "weight" in roles and not weighted:
                weighted = True
            else:
                flush()
                named = True  # a row without level labels whose name starts with a digit
                name_at = 0
        elif kind in ("number", "value"):
            valued = True
        cur.append(cell)
    flush()
    return [Row([replace(c, col=n) for n, c in enumerate(group)]) for group in out]


_NAMELIKE = ("text", "numbered")
_TARGETS = frozenset({"number", "operator", "unit"})


def _target(text: str, kind: str) -> bool:
    """A box that can only be a row's target (so the box before it is that row's name): a
    number, sign or unit, a value opening with one, or a short word (优, 明显, 有所提高);
    ``提升沙坡头区各`` or ``2023年年鉴编`` is a name's first line."""
    if kind in _TARGETS:
        return True
    t = clean(text)
    return (
        kind == "value"
        and not _YEAR_NAME.match(t)
        and (bool(_TARGET_START.match(t)) or len(t) <= 4)
    )


#: A year that opens a name (``2023年年鉴编纂的次数``), not a date target (``2023年12月``).
_YEAR_NAME = re.compile(r"^(?:19|20)\d{2}年[\u4e00-\u9fff]{3,}")


def _sign_cell(text: str, roles: set[str], after: list[str]) -> bool:
    """A short text between the name and a number, under a heading with an operator column
    (指标性质): that column's cell, however it reads."""
    return "operator" in roles and len(clean(text)) <= 3 and bool(after) and after[0] == "number"


def _bare_level(cur: list[Cell], name_at: int | None) -> bool:
    """The row's name so far is a level-2 word without its 指标 (``服务对象满意度``) right
    after the level-1 cell: the level-2 cell, when a text follows it."""
    if name_at is None or name_at == 0 or cell_kind(cur[name_at - 1].text) != "level":
        return False
    return vocab.canon_level2(clean(cur[name_at].text)) is not None


def _numbered(cell: Cell) -> bool:
    return bool(wrapped_lines.NUMBERING.match(clean(cell.text)))


def _continues(
    cur: list[Cell],
    more: dict[int, list[Cell]],
    name_at: int | None,
    text: str,
    kind: str,
    edge: int,
) -> int | None:
    """Which cell of the row being cut a box after its target continues, or None.

    Words only (a name's lines break anywhere, so ``有所改善`` or ``人数`` may end one), never
    a number or sign first; a box that reads like a target or a unit continues only a row that
    has its target or unit already."""
    t = clean(text)
    if not (_CJK.search(t) or wrapped_lines.closes(t)) or wrapped_lines.NUMBERING.match(t):
        return None  # words, or the bracket a name left open closing
    if _TARGET_START.match(t):
        return None
    if kind in ("value", "unit") and not any(
        cell_kind(c.text) == kind for c in cur[(name_at or 0) + 1 :]
    ):
        return None  # the row's own target or unit
    if kind not in ("text", "level", "value", "unit"):
        return None
    for k in range(name_at + 1 if name_at is not None else len(cur)):
        if kind == "text" and wrapped_lines.makes_level(_last(cur, more, k), t):
            return k
    if name_at is None or (kind == "level" and t.endswith("指标")):
        return None  # a whole level name opens the next row
    last = _last(cur, more, name_at)
    whole = "".join(clean(c.text) for c in [cur[name_at], *more.get(name_at, [])])
    if (
        wrapped_lines.NUMBERING_ONLY.match(last)
        or wrapped_lines.open_bracket(whole)
        or wrapped_lines.ran_to_edge(last, edge)
    ):
        return name_at
    return None


_CJK = re.compile(r"[\u3400-\u9fff]")
_TARGET_START = re.compile(rf"^(?:{vocab.OPERATOR_PATTERN})?\s*[-+±]?\d")


def _last(cur: list[Cell], more: dict[int, list[Cell]], k: int) -> str:
    lines = more.get(k)
    return clean(lines[-1].text if lines else cur[k].text)
