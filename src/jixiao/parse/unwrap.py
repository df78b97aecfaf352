"""Cells a narrow column wrapped onto continuation lines, joined again by the vocabulary.

PDF and Word tables printed to text wrap a narrow cell inside its column: the label
``项目名称`` becomes ``项目`` on one line and ``名称`` on the next (the other columns empty), the
caption ``绩效指标`` stands one character per line, ``经济效益指标`` breaks before ``指标``, and a
long title runs over two lines. Which fragments belong together is decided by the closed
vocabulary of the form (header labels, column headings, level-1/level-2 names, titles), never
by the rendering: a column's fragments are joined when, together, they make a term of that
vocabulary that the first fragment alone is not (or the same term, as ``经济效益`` + ``指标``).

In positional rows (each cell's column is its position) only continuation lines whose cells
all stand under a filled cell of the row above are joined: a line with anything in a column
the row above leaves empty is a row of its own. Rows without positions (``join_stacked``)
join only one-cell lines: a title over two lines, a label stacked a word per line.
"""

from __future__ import annotations

import re

from jixiao import vocab
from jixiao.grammar import Row, clean
from jixiao.schema import Cell

#: How many continuation lines one wrapped cell may take (``年度绩效目标`` one character per line).
MAX_WRAP = 7
#: No label, heading or level name is longer than this (``部门（单位）名称``, ``计划指标值（或计划水平）``).
_TERM_MAX = 24
#: What a wrapped piece of a term can hold: CJK and brackets (``名称``, ``指标``, ``(万元)``).
_FRAGMENT = re.compile(r"^[\u3400-\u9fff（）()]+$")
_WS = re.compile(r"\s+")
#: A line that comes before a title without being part of it (附件2, 表3-1, 单位：万元, a sentence,
#: a notice's date ``2022年4月10日``).
_NOT_TITLE_HEAD = re.compile(
    r"^(附件|附表|表|单位|金额单位)\s*[\d一二三四五六七八九十\-－.、:：]*$|[:：。；;！!？?）)]$"
    r"|^\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?$"
)


def term(text: str) -> tuple[str, str] | None:
    """What a cell names in the form's vocabulary: ``("label", "project_name")``,
    ``("heading", "value")``, ``("level1", "产出指标")``, ``("level2", "经济效益指标")``, or None."""
    t = _WS.sub("", text)
    if not t:
        return None
    field = vocab.header_field(t)
    if field is not None:
        return ("label", field)
    key = vocab.breakdown_key(t)
    if key is not None and not t.startswith("其中"):
        return ("breakdown", key)
    role = vocab.column_role(t)
    if role is not None:
        return ("heading", role)
    level1 = vocab.canon_level1(t)
    if level1 is not None:
        return ("level1", level1)
    level2 = vocab.canon_level2(t)
    if level2 is not None:
        return ("level2", level2)
    return None


def join_wrapped(rows: list[Row]) -> list[Row]:
    """The rows with every wrapped cell joined back into the row it started on."""
    # Cheap first: a continuation line holds only pieces of words, or a title's end (…表).
    below = ["".join(row.texts) for row in rows]
    heads = [k - 1 for k in range(1, len(rows)) if "表" in below[k] or _FRAGMENT.match(below[k])]
    if not heads:
        return rows
    out: list[Row] = []
    filled: list[dict[int, str] | None] = [None] * len(rows)
    done = 0  # rows before this are in ``out``
    for i in heads:
        if i < done:
            continue  # already joined into the row above
        row, nxt = rows[i], rows[i + 1]
        used = 0
        if "表" in below[i + 1] and _mask(row).bit_count() == _mask(nxt).bit_count() == 1:
            used = _title_wrap(rows, i)
        elif len(row.cells) > 1 and _FRAGMENT.match(below[i + 1]):
            head, more = _mask(row), _mask(nxt)
            if not more & ~head and more.bit_count() < head.bit_count():
                used = _cell_wrap(rows, filled, i)  # the line's cells all stand under ours
        if used:
            out.extend(rows[done:i])
            out.append(_joined(rows[i : i + used + 1]))
            done = i + used + 1
    out.extend(rows[done:])
    return out


def join_stacked(rows: list[Row]) -> list[Row]:
    """Rows of a rendering that keeps no positions (space/pipe rows from web pages): a title
    printed over two lines, and a label stacked a word per line (``年度`` / ``总体`` / ``目标``),
    joined back. Each line must be a one-cell row right under the previous one."""
    out: list[Row] = []
    i = 0
    while i < len(rows):
        used = _title_wrap(rows, i) or _stack(rows, i)
        out.append(_joined(rows[i : i + used + 1]) if used else rows[i])
        i += used + 1
    return out


def _stack(rows: list[Row], i: int) -> int:
    """How many one-cell lines after row ``i`` finish the label it starts (0: none)."""
    cells = rows[i].nonempty()
    if len(cells) != 1 or len(_WS.sub("", cells[0].text)) > 4:
        return 0
    first = joined = _WS.sub("", cells[0].text)
    best = 0
    for k in range(1, MAX_WRAP + 1):
        if i + k >= len(rows) or not _adjacent(rows[i + k - 1], rows[i + k]):
            break
        more = rows[i + k].nonempty()
        if len(more) != 1 or len(_WS.sub("", more[0].text)) > 4:
            break
        joined += _WS.sub("", more[0].text)
        whole = term(joined)
        if whole is not None and whole[0] in {"label", "heading"} and _completes(first, joined):
            best = k
    return best


def _filled(row: Row) -> dict[int, str]:
    return {
        c.col if c.col is not None else k: t
        for k, (c, t) in enumerate(zip(row.cells, row.texts, strict=True))
        if t
    }


def _cell_wrap(rows: list[Row], cache: list[dict[int, str] | None], i: int) -> int:
    """How many lines after row ``i`` continue its cells (0: none).

    The longest run of continuation lines after which every column they touched holds a term
    of the vocabulary, the head fragment alone holding none (or the same one)."""

    def filled(k: int) -> dict[int, str]:
        got = cache[k]
        if got is None:
            got = cache[k] = _filled(rows[k])
        return got

    head = filled(i)
    if len(rows[i].cells) < 2 or not head or i + 1 >= len(rows):
        return 0
    first = filled(i + 1)
    if not first or len(first) >= len(head) or not first.keys() <= head.keys():
        return 0  # the common case: the next line is a row of its own
    if any(
        len(head[col]) + len(text) > _TERM_MAX or not _FRAGMENT.match(text)
        for col, text in first.items()
    ):
        return 0  # no term is that long, or holds digits and signs
    parts = dict(head)
    touched: set[int] = set()
    best = 0
    for k in range(1, MAX_WRAP + 1):
        if i + k >= len(rows) or not _adjacent(rows[i + k - 1], rows[i + k]):
            break
        more = filled(i + k)
        if not more or not more.keys() <= head.keys():
            break  # a cell where the head row has none: a row of its own
        for col, text in more.items():
            parts[col] += text
        if any(len(parts[col]) > _TERM_MAX or not _FRAGMENT.match(more[col]) for col in more):
            break  # longer than any term, or a value: a row of its own
        touched |= more.keys()
        if all(_completes(head[col], parts[col]) for col in touched):
            best = k
    return best


def _completes(first: str, joined: str) -> bool:
    """``joined`` is a term and ``first`` alone none (or the same one)."""
    whole = term(joined)
    if whole is None:
        return False
    alone = term(first)
    return alone is None or alone == whole


def _title_wrap(rows: list[Row], i: int) -> int:
    """1 when row ``i`` and the next are one title printed over two lines, else 0."""
    if i + 1 >= len(rows):
        return 0
    head, tail = rows[i], rows[i + 1]
    if len(_filled(head)) != 1 or len(_filled(tail)) != 1 or not _adjacent(head, tail):
        return 0
    first = _WS.sub("", head.nonempty()[0].text)
    rest = _WS.sub("", tail.nonempty()[0].text)
    if vocab.TITLE.match(first) or term(first) is not None or _NOT_TITLE_HEAD.search(first):
        return 0
    if len(first) > 70 or not vocab.TITLE.match(first + rest) or len(first + rest) > 100:
        return 0
    if vocab.TITLE.match(rest) and (rest[:1].isdigit() or _ends_name(first)):
        return 0  # a title of its own under a line that ends a name (a unit, a place)
    return 1


_NAME_END = re.compile(
    r"(局|办公室|委员会|委|政府|中心|部|厅|院|校|所|站|队|会|处|室|馆|公司|市|区|县|镇|乡|街道)$"
)


def _ends_name(text: str) -> bool:
    return bool(_NAME_END.search(text))


def _adjacent(above: Row, below: Row) -> bool:
    """The two rows stand on consecutive source lines (a blank line ends a wrapped cell)."""
    a, b = above.cells[-1].line, below.line
    return a is None or b is None or b == a + 1


def _joined(rows: list[Row]) -> Row:
    """One row: the head row's cells with the continuation fragments appended column by column."""
    head = rows[0]
    texts = {k: c.text for k, c in enumerate(head.cells)}
    index = {c.col if c.col is not None else k: k for k, c in enumerate(head.cells)}
    for row in rows[1:]:
        for col, text in _filled(row).items():
            k = index.get(col, 0)
            texts[k] = clean(texts[k]) + text
    return Row([Cell(texts[k], c.line, c.col) for k, c in enumerate(head.cells)])


def _mask(row: Row) -> int:
    """The positions of the row's non-empty cells, as bits (cheap to compare row to row)."""
    mask = 0
    for k, text in enumerate(row.texts):
        if text:
            mask |= 1 << k
    return mask
