"""A header printed as a column of labels, then a column of values (PDF text layers).

Text taken out of a PDF (a viewer's copy, ``pdftotext``, a document-sharing preview) gives
each text block in turn: the header's label column comes out whole, one label per line,
and the value column after it in the same order::

    项目名称
    主管部门
    资金总额
    年度绩效目标
    政务新媒体常态化检测服务
    重庆市某区人民政府办公室
    1256.3
    8
    保证区政府正常运转。

A narrow cell also breaks a number at its width (``1256.38`` as ``1256.3`` and ``8``). This
pass runs on the rows of any layout, before the parser: a run of rows that each hold a lone
header label, followed by the rows up to the next label, title, heading or indicator row, is
rewritten into one ``label | value`` row per label, in order (a single label only when its
value is broken over several lines). The pairing
is made only when the counts say how: as many values as labels; more values only when the
surplus is explained, first by numbers broken over two lines (a line of digits after a line
ending in a number: joined), then by a long text (年度绩效目标, 项目概况 …) wrapped over
several lines. With fewer values than labels (empty cells vanish) nothing is guessed and the
rows pass on unchanged.
"""

from __future__ import annotations

import re
from functools import lru_cache

from jixiao import vocab
from jixiao.grammar import Row, classify, clean
from jixiao.parse import column_runs, stream_rows
from jixiao.schema import Cell

_WS = re.compile(r"\s+")
_INLINE = re.compile(r"^([^:：]{2,14})[:：]\s*(\S.*)$", re.S)
#: A line that ends in a number (``1256.3``, ``1,256``): the first half of a broken number.
_NUMBER_HEAD = re.compile(r"(^|[^\d])\d[\d,，]*(\.\d*)?$")
#: A line of digits only: the rest of a number broken at the cell's width.
_NUMBER_TAIL = re.compile(r"^\d{1,4}$")
_UNIT_NOTE = re.compile(r"^(金额)?单位[:：]")
#: A note or caption line: ``说明：…``, ``注:…``, ``（以下为项目绩效指标）``.
_NOTE = re.compile(r"^(?!目标\s*\d)[^:：，,。；;]{1,6}[:：]")
_CAPTION = re.compile(r"^[（(][^（）()]*[）)]$")


def pair(rows: list[Row], positional: bool = True) -> list[Row]:
    """The rows with every label column followed by its value column paired row by row.

    First broken labels and rows a wrapped cell broke are joined; for renderings without
    positions, a table body given one cell per line is cut into rows (``stream_rows``).
    """
    if not positional:
        rows = column_runs.regroup(rows)  # a table given column by column (pdfminer)
    rows = join_wrapped_rows(join_broken_labels(rows))
    if not positional:
        rows = stream_rows.regroup(rows)
    out: list[Row] = []
    i = 0
    while i < len(rows):
        j, labels = i, list[Row]()
        while j < len(rows) and (_lone_label(rows[j]) or (labels and _blank(rows[j]))):
            if not _blank(rows[j]):
                labels.append(rows[j])
            j += 1
        if not labels:
            out.append(rows[i])
            i += 1
            continue
        k, values = j, list[Row]()
        while k < len(rows) and (_value_row(rows[k]) or _blank(rows[k])):
            if not _blank(rows[k]):
                if values and _caption_after(values[-1], rows[k]):
                    break
                values.append(rows[k])
            k += 1
        paired = _pair(labels, values) if len(labels) > 1 or len(values) > 1 else None
        if paired is None:
            out.extend(rows[i:j])
            i = j
            continue
        out.extend(paired)
        i = k
    return out


def _caption_after(before: Row, row: Row) -> bool:
    """``row`` starts something new: the text above ended (``。``/``；``) and this line is a
    short fragment that opens no item (``年度`` of a caption stacked a word per line)."""
    last, head = _filled(before)[-1], _filled(row)[0]
    return last[-1:] in ("。", "；", ";") and len(head) <= 6 and not _ITEM.match(head)


def _blank(row: Row) -> bool:
    return not any(row.texts)


def _filled(row: Row) -> list[str]:
    return [t for t in row.texts if t]


@lru_cache(maxsize=16384)
def _is_label(text: str) -> bool:
    return vocab.header_field(text) is not None or vocab.breakdown_key(text) is not None


def _lone_label(row: Row) -> bool:
    """One cell, a header label with no value of its own (``项目名称``, not ``项目名称：X``)."""
    filled = _filled(row)
    if len(filled) != 1:
        return False
    m = _INLINE.match(filled[0])
    if m and _is_label(m.group(1)):
        return False
    return _is_label(filled[0])


def _value_row(row: Row) -> bool:
    """A row that can be a header value: no label, title, heading, level name or unit note."""
    filled = _filled(row)
    if not filled:
        return False
    first = _WS.sub("", filled[0])
    if vocab.TITLE.match(first) or vocab.YEAR_LINE.match(first) or _UNIT_NOTE.match(first):
        return False
    if first.endswith((":", "：")) or _NOTE.match(first) or _CAPTION.match(first):
        return False  # a label the vocabulary does not know (``(6)年度预算安排:``), a note
    if vocab.canon_level1(first) or vocab.looks_like_level2(first):
        return False
    for text in filled:
        label = _INLINE.match(text)
        if _is_label(text) or (label and _is_label(label.group(1))):
            return False
        if vocab.column_role(text) is not None:
            return False  # a table heading (一级指标 二级指标 …, or one heading per line)
    return True


def _pair(labels: list[Row], values: list[Row]) -> list[Row] | None:
    """One ``label | value`` row per label, or None when the counts do not say how."""
    if len(values) < len(labels):
        return None
    groups: list[list[Row]] = [[v] for v in values]
    surplus = len(groups) - len(labels)
    k = 1
    while surplus and k < len(groups):
        if _broken_number(groups[k - 1], groups[k]):
            groups[k - 1] = [*groups[k - 1], *groups[k]]
            del groups[k]
            surplus -= 1
            continue
        k += 1
    fields = [vocab.header_field(_filled(r)[0]) for r in labels]
    if surplus:
        long = [n for n, f in enumerate(fields) if f in vocab.LONG_FIELDS]
        if not long:
            return None
        at = long[-1]  # the last long text takes the wrapped lines after its first one
        groups[at : at + surplus + 1] = [[r for g in groups[at : at + surplus + 1] for r in g]]
    out: list[Row] = []
    for label, group in zip(labels, groups, strict=True):
        cells = [label.nonempty()[0], *_value_cells(group)]
        out.append(Row([Cell(c.text, c.line, col) for col, c in enumerate(cells)]))
    return out


def _broken_number(head: list[Row], tail: list[Row]) -> bool:
    """``1256.3`` then ``8``: a number the cell's width broke before its last digits."""
    if len(tail) != 1 or len(_filled(tail[0])) != 1:
        return False
    if not _NUMBER_TAIL.match(_filled(tail[0])[0]):
        return False
    last = _filled(head[-1])[-1]
    return bool(_NUMBER_HEAD.search(last))


def _value_cells(group: list[Row]) -> list[Cell]:
    """The value's cells, each line after the first continuing the one before it: the halves
    of a broken number joined as one number, a wrapped text joined (a blank only between two
    Latin letters: Chinese text wraps anywhere, with no blank to restore)."""
    cells: list[Cell] = []
    for row in group:
        own = row.nonempty()
        if cells and own:
            last, head = clean(cells[-1].text), clean(own[0].text)
            glue = " " if _latin(last[-1]) and _latin(head[0]) else ""
            if _ITEM.match(head) and last[-1] in ";；。":
                glue = "\n"  # ``目标1:…;`` / ``目标2:…``: items on lines of their own, not a wrap
            cells[-1] = Cell(last + glue + head, cells[-1].line, cells[-1].col)
            own = own[1:]
        cells.extend(own)
    return cells


#: An enumerated item opening a line (``目标2:``, ``2.``, ``（二）``).
_ITEM = re.compile(r"^(目标\s*\d+\s*[:：]|\d{1,2}[.、．]|[（(][一二三四五六七八九十\d]{1,3}[)）])")


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


#: A cell left with an open bracket (``资金总额（万``) and the piece that closes it (``元）``).
_OPEN = re.compile(r"[（(][^（）()]{0,6}$")
_CLOSE = re.compile(r"^[^（）()]{0,6}[）)]$")


def join_broken_labels(rows: list[Row]) -> list[Row]:
    """Labels a narrow cell broke inside their bracket (``资金总额（万`` … ``元）``), joined.

    The closing piece stands alone on the next line, or on the line after the label's value
    (a text layer that gives the label cell's lines around the value beside it). The join is
    made only when the whole is a header label, so no other text is touched.
    """
    out = list(rows)
    i = 0
    while i < len(out):
        row = out[i]
        at = next((n for n, t in enumerate(row.texts) if t and _OPEN.search(t)), None)
        if at is not None and not _is_label(row.texts[at]):
            for gap in (1, 2):
                if i + gap >= len(out):
                    break
                piece = _filled(out[i + gap])
                if len(piece) == 1 and _CLOSE.match(piece[0]):
                    joined = row.texts[at] + piece[0]
                    if _is_label(joined):
                        cells = list(row.cells)
                        cells[at] = Cell(joined, cells[at].line, cells[at].col)
                        out[i] = Row(cells)
                        del out[i + gap]
                    break
                if gap == 1 and len(piece) != 1:
                    break  # only a lone value may stand between a label and its closing piece
        i += 1
    return out


def join_wrapped_rows(rows: list[Row]) -> list[Row]:
    """Rows a wrapped cell broke over lines, joined again (a text layer's row-wise lines).

    Outside a table, a long text after its label (``当年绩效目标 区政府办公室现有…``) runs on
    over the next lines: each following line of one cell that could be a value continues
    it. Inside a table (after a heading row), an indicator row whose name wrapped comes out
    as the row up to the name's first line, the name's other lines, then the rest of the row::

        产出指标 数量指标 各类文件、信息的起草、审核工作的次
        数
        ≥ 1 次/天 10

    The lines are joined when the last one starts with an operator or a value and holds more
    than one cell (so a stream of one cell per line is never touched), or when the wrapped
    piece completes a level-2 name (``服务对象满意度`` / ``指标``).
    """
    out: list[Row] = []
    in_table = False
    i = 0
    while i < len(rows):
        row = rows[i]
        filled = _filled(row)
        if not filled or row.unread:
            out.append(row)
            i += 1
            continue
        if _heading(row):
            in_table = True
        elif _is_label(filled[0]) or _inline_label(filled[0]) or vocab.TITLE.match(filled[0]):
            in_table = False
        if in_table and _may_continue(rows, i):
            joined, used = _wrapped_indicator(rows, i)
        elif _long_value(row):
            joined, used = _wrapped_text(rows, i)
        else:
            joined, used = row, 1
        out.append(joined)
        i += used
    return out


def _may_continue(rows: list[Row], i: int) -> bool:
    """Cheap gate before ``_wrapped_indicator``: a row can only be continued by a next line of
    one cell (a name's rest) or one that opens with a value or an operator (the row's rest)."""
    if i + 1 >= len(rows):
        return False
    nxt = _filled(rows[i + 1])
    return len(nxt) == 1 or (len(nxt) >= 2 and _kind(nxt[0]) in ("value", "operator"))


def _heading(row: Row) -> bool:
    roles = [vocab.column_role(t) for t in row.texts if t]
    return sum(1 for r in roles if r) >= 2 or (len(roles) == 1 and roles[0] is not None)


@lru_cache(maxsize=16384)
def _inline_label(text: str) -> bool:
    m = _INLINE.match(text)
    return bool(m and _is_label(m.group(1)))


def _long_value(row: Row) -> bool:
    """A long text's label with its value on the same row."""
    filled = _filled(row)
    m = _INLINE.match(filled[0])
    inline = bool(m and vocab.header_field(m.group(1)) in vocab.LONG_FIELDS)
    if not inline and not (len(filled) >= 2 and vocab.header_field(filled[0]) in vocab.LONG_FIELDS):
        return False  # the row opens with no long text's label (the common case: asked first)
    # several labels in one row: which one a next line continues is unknown
    return not any(_is_label(t) or _inline_label(t) for t in filled[1:])


def _wrapped_text(rows: list[Row], i: int) -> tuple[Row, int]:
    cells = list(rows[i].cells)
    used = 1
    while i + used < len(rows):
        nxt = rows[i + used]
        if len(_filled(nxt)) != 1 or not _value_row(nxt):
            break
        if _caption_after(rows[i + used - 1], nxt):
            break
        used += 1
    if used == 1:
        return rows[i], 1
    last = max(n for n, t in enumerate(rows[i].texts) if t)
    text = _value_cells([Row([cells[last]]), *rows[i + 1 : i + used]])[0].text
    cells[last] = Cell(text, cells[last].line, cells[last].col)
    return Row(cells), used


@lru_cache(maxsize=16384)
def _kind(text: str) -> str:
    t = clean(text)
    return "operator" if t in vocab.OPERATOR_WORDS else classify(t)


def _wrapped_indicator(rows: list[Row], i: int) -> tuple[Row, int]:
    head = rows[i]
    if _heading(head):
        return head, 1
    kinds = [_kind(t) for t in _filled(head)]
    named = [n for n, k in enumerate(kinds) if k not in ("level1", "level2")]
    if named == [len(kinds) - 1] and _namelike(_filled(head)[-1]):
        kinds[-1] = "text"  # the only cell after the levels is the name (提高政府网站, 2021年…)
    if any(k in ("value", "operator") for k in kinds):
        return _name_tail(rows, i, kinds)
    if kinds[-1] != "text":
        return head, 1  # the row ends in no name
    pieces: list[Row] = []
    k = i + 1
    while k < len(rows) and len(pieces) < 3:
        filled = _filled(rows[k])
        if len(filled) != 1 or len(clean(filled[0])) > _PIECE_CHARS:
            break
        if not (_namelike(filled[0]) or _bare_level_word(filled[0])):
            break
        pieces.append(rows[k])
        k += 1
    last = max(n for n, t in enumerate(head.texts) if t)
    name = _value_cells([Row([head.cells[last]]), *pieces])[0] if pieces else head.cells[last]
    cells = [*head.cells[:last], name]
    tail = rows[k] if k < len(rows) else None
    tail_kinds = [_kind(t) for t in _filled(tail)] if tail is not None else []
    if len(tail_kinds) >= 2 and tail_kinds[0] in ("value", "operator") and tail is not None:
        cells += [Cell(c.text, c.line, len(cells) + n) for n, c in enumerate(tail.nonempty())]
        return Row(cells), k + 1 - i
    if pieces and vocab.canon_level2(clean(name.text)) and _kind(name.text) == "level2":
        return Row(cells), k - i
    return head, 1


def _bare_level_word(text: str) -> bool:
    """A level-2 word without its ``指标`` (``数量``, ``质量``): the last word of a wrapped name
    (``…线路运维的`` / ``数量``) as often as a label; the rest of the row decides."""
    t = clean(text)
    return _kind(t) in ("level1", "level2") and not t.endswith("指标")


def _namelike(text: str) -> bool:
    """Text that can be (part of) a name: Chinese text, not a level label or an operator —
    even when it reads like a target (``完成率``, ``2022年发展真实情况``)."""
    t = clean(text)
    return (
        bool(re.search(r"[\u4e00-\u9fff]", t))
        and _kind(t) not in ("level1", "level2", "operator")
        and not re.match(rf"^({vocab.OPERATOR_PATTERN})", t)
    )


def _name_tail(rows: list[Row], i: int, kinds: list[str]) -> tuple[Row, int]:
    """A complete row whose name's last characters stand alone on the next line, beneath
    it (``pdftotext -layout``): ``…推进基层治理法治 优 10`` then ``建设``."""
    head = rows[i]
    if i + 2 >= len(rows):
        return head, 1  # a last line after the row is more likely a row cut off (truncated)
    piece = _filled(rows[i + 1])
    if len(piece) != 1 or _kind(piece[0]) != "text" or len(clean(piece[0])) > _TAIL_CHARS:
        return head, 1
    after = _filled(rows[i + 2]) if i + 2 < len(rows) else []
    if after and _kind(after[0]) in ("value", "operator", "number"):
        return head, 1  # the piece starts a row of its own, whose value follows
    first = next(n for n, k in enumerate(kinds) if k in ("value", "operator"))
    if first == 0 or kinds[first - 1] != "text":
        return head, 1
    filled = [n for n, t in enumerate(head.texts) if t]
    at = filled[first - 1]
    for n in filled[: first - 1]:  # the piece may end a level-2 name instead (``…满意度`` ``指标``)
        whole = head.texts[n] + clean(piece[0])
        if _kind(head.texts[n]) == "text" and _kind(whole) == "level2":
            at = n
    cells = list(head.cells)
    joined = _value_cells([Row([cells[at]]), rows[i + 1]])[0]
    cells[at] = Cell(joined.text, cells[at].line, cells[at].col)
    return Row(cells), 2


#: The longest line of a wrapped name between its row's head and the rest of the row (the
#: rest, opening with the value, says the lines are one row; a name runs to some 40 characters).
_PIECE_CHARS = 40
#: The longest piece of a name that wraps beneath its complete row (a few characters).
_TAIL_CHARS = 5
