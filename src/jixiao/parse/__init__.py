"""Rows of cells → raw forms, read by the form's own labels and column headings.

A form starts at its title (or, for pages without one, at a project-name label after a
finished table). Header cells are found by their labels (``vocab.HEADER_LABELS``); the
indicator table by a row of known column headings; each indicator row is mapped onto those
columns by position, and by content where the positions do not fit (cells slid sideways,
cells dropped), which is recorded as a column shift. Nothing here interprets a value: every
cell stays the string it was, with its position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from jixiao import vocab
from jixiao.grammar import Row, canon_unit, classify, clean, is_value_like
from jixiao.parse import centred, label_columns, projects, unit_values, unwrap, wrapped_lines
from jixiao.schema import Cell

_WS = re.compile(r"\s+")

_TABLE_END = re.compile(
    r"^(综合评定等级|审核意见|审核人|填报人|联系电话|备注[:：]|说明[:：]|注[:：])|盖章|签字|年\s+月\s+日"
)
_INLINE_LABEL = re.compile(r"^([^:：]{2,14})[:：]\s*(.*)$", re.S)
_WEIGHT = re.compile(r"\d+(\.\d+)?%?")


@dataclass
class RawIndicator:
    """One indicator row: its cells by role (level1, level2, name, value, weight, unit, …)."""

    cells: dict[str, Cell]
    line: int | None
    shifted: list[str] = field(default_factory=list)  # roles found outside their column
    extra: list[Cell] = field(default_factory=list)  # cells that fit no role
    short: bool = False  # fewer cells than the table has columns


@dataclass
class RawForm:
    """A form as found: title, header cells by field, the table's columns and its rows."""

    title: Cell | None = None
    year_cell: Cell | None = None
    header: dict[str, Cell] = field(default_factory=dict)
    breakdown: list[tuple[str, Cell | None]] = field(default_factory=list)
    columns: dict[int, str] = field(default_factory=dict)
    indicators: list[RawIndicator] = field(default_factory=list)
    line_start: int | None = None
    line_end: int | None = None
    unplaced: list[Cell] = field(default_factory=list)  # non-empty cells nothing claimed
    totals: list[Cell] = field(default_factory=list)  # cells of 小计/合计 rows (not indicators)
    notes: list[str] = field(default_factory=list)
    pending: list[tuple[str, Cell]] = field(default_factory=list)  # labels waiting for a value
    #: (later value, kept value) of a header label met again with a value (the first is kept)
    repeated: list[tuple[Cell, Cell]] = field(default_factory=list)
    cell_stream: bool = False  # one cell per row, no row delimiter: rows are rebuilt by content
    stream: list[Cell] = field(default_factory=list)  # cells of the stream row being rebuilt
    held: dict[str, Cell] = field(default_factory=dict)  # level labels of a placeholder row
    inferred: bool = False  # columns inferred from the rows (no heading row printed)
    budget_in_yuan: bool = False  # the budget label says its amounts are in 元, not 万元
    # Another header field was read after the budget's parts: the budget block is over.
    budget_closed: bool = False
    # A multi-project table (``jixiao.parse.projects``): column → header field of the per-project
    # columns, and (indicator index, project cells) where each project block opens.
    project_columns: dict[int, str] = field(default_factory=dict)
    project_rows: list[tuple[int, dict[str, Cell]]] = field(default_factory=list)
    # Value columns headed by unit names (one per township), not by 指标值: how many headings.
    unit_heads: int = 0
    # The rendering keeps empty cells (a cell's column is its position), see ``split_forms``.
    positional: bool = False
    # The open labels came from a row of labels only (a header printed as a grid, its values in
    # a row below): in a positional rendering they are answered by the cells under them.
    grid: bool = False
    #: (field, value) of a row whose last label got no value beside it: a line of one piece
    #: under that row is the value's wrapped rest (OCR text), not the empty label's value.
    run_on: tuple[str, Cell] | None = None
    last_value: tuple[str, Cell] | None = None  # the last name read as a label's value
    # Its table's cells were left unread (``Row.unread``): the table is over, as after rows.
    unread_table: bool = False


def split_forms(rows: list[Row], positional: bool = True) -> tuple[list[RawForm], list[Cell]]:
    """Walk the rows once; return the forms found and the cells before the first form.

    ``positional`` says whether the rendering keeps empty cells, so that a cell's column is
    its position (tab dumps); otherwise (pipe/space text from web pages, where merged cells
    vanish) cells are matched to the columns by order and content.
    """
    # cells a narrow column wrapped onto more lines
    if positional:
        rows = unwrap.join_wrapped(rows)
    else:  # a cell's lines around its row's line, then lines of one piece between rows
        rows = wrapped_lines.join(unwrap.join_stacked(centred.join(rows)))
    rows = label_columns.pair(rows, positional)  # label columns, wrapped rows (PDF text)
    forms: list[RawForm] = []
    preamble: list[Cell] = []
    form: RawForm | None = None
    in_table = False
    i = 0
    while i < len(rows):
        row = rows[i]
        if row.unread:  # cells a pass could not read with proof: reported, never read
            (form.unplaced if form is not None else preamble).extend(row.nonempty())
            if form is not None:
                form.unread_table = True
            i += 1
            continue
        texts = row.texts
        filled = [t for t in texts if t]
        if not filled:
            i += 1
            continue
        if len(filled) == 1:
            title = _title_cell(row)
        else:
            title = None if positional else _split_title(row)
            if title is not None:
                row = Row([title])
        if title is not None and form is not None and _untouched(form):
            # Several title lines before any content (page heading, then form title): one form.
            if form.title is None or len(clean(title.text)) < len(clean(form.title.text)):
                form.title = title
            i += 1
            continue
        starts_new = title is not None or (
            form is not None
            and (form.indicators or form.unread_table)
            and _has_label(row, "project_name")
        )
        if starts_new:
            if form is not None:
                _flush_stream(form)
            page_title = forms[-1].title if forms else None
            form = RawForm(title=title, line_start=row.line, positional=positional)
            if title is None:
                form.title = page_title  # no title of its own: the page's carries over
                form.year_cell = forms[-1].year_cell if forms else None
            forms.append(form)
            in_table = False
            if title is not None:
                i += 1
                continue
        if form is None:
            if _has_label(row, "project_name") or _has_label(row, "department") or _columns(row):
                form = RawForm(line_start=row.line, positional=positional)
                forms.append(form)
            else:
                preamble.extend(row.nonempty())
                i += 1
                continue
        form.line_end = row.cells[-1].line
        if len(filled) == 1 and vocab.YEAR_LINE.match(filled[0]):
            form.year_cell = row.nonempty()[0]
            i += 1
            continue
        roles = _cell_roles(row)
        columns = _columns(row, roles)
        stream_heading = False
        if not columns and (
            _is_heading_part(roles, len(filled))
            or (not positional and len(filled) == 1 and any(roles))
        ):
            row, used = _join_heading_lines(rows, i, positional)
            roles = _cell_roles(row)
            columns = _columns(row, roles)
            if columns:
                stream_heading = len(filled) == 1 and used == len(row.cells)
                i += used - 1
        if columns:
            _flush_stream(form)
            form.pending.clear()
            # cells of a heading row that head no column (a shuffled dump's stray value):
            # reported, never dropped (issue 12)
            form.unplaced.extend(
                c
                for c, t, r in zip(row.cells, row.texts, roles, strict=True)
                if t
                and r is None
                and (c.col not in columns or (form.columns and not form.inferred))
                and _data(t)
            )
            if not form.columns or form.inferred:
                form.columns = columns
                form.unit_heads = _unit_heads(row, roles)
                projects.read_heading(form, row, columns, rows[max(0, i - 8) : i], positional)
                form.cell_stream = stream_heading
                form.inferred = False
            in_table = True
            i += 1
            continue
        if (
            not in_table
            and not form.columns
            and not positional
            and (_opens_headless_table(row) or (_level_only(row) and _next_is_row(rows, i)))
        ):
            # No heading row (bracketed blocks, prose): the rows themselves say they are
            # indicators, level labels first; the columns are the grammar's default order.
            form.columns = dict(enumerate(_DEFAULT_COLUMNS))
            form.inferred = True
            form.notes.append(
                "no table heading: columns inferred from the rows (一级 二级 三级 指标值)"
            )
            in_table = True
        if in_table and any(_TABLE_END.search(t) for t in filled[:2]):
            _flush_stream(form)
            in_table = False
            i += 1
            continue
        if in_table and _is_subheading(row, roles):
            i += 1
            continue
        if in_table and form.indicators and _continues_weight(row, form):
            form.indicators[-1].cells["weight"] = row.nonempty()[0]
            i += 1
            continue
        if in_table and form.cell_stream and len(filled) == 1 and not _is_header_row(row):
            _stream_cell(form, row.nonempty()[0])
            i += 1
            continue
        if in_table and not _is_header_row(row) and _level_only(row):
            # A placeholder row (a 二级 with no indicator, a merged 一级 printed alone): not an
            # indicator, but its labels run down onto the rows below it.
            _hold_levels(form, row)
            i += 1
            continue
        if in_table and _total_row(row):
            form.totals.extend(row.nonempty())  # a 小计/合计 row sums the rows above it
            i += 1
            continue
        if in_table and not _is_header_row(row):
            if positional and _stray_line(row, form.columns):
                form.unplaced.extend(row.nonempty())  # a footer or a note, not a slid name
                i += 1
                continue
            used = 1
            if positional:
                row, used = _merge_continuations(rows, i, len(form.columns))
            if form.project_columns:
                rest = projects.take(form, row, positional)
                if rest is None:  # a row of project cells only: it opens the next block
                    i += used
                    continue
                row = rest
            indicator = (
                _read_indicator(row, form.columns)
                if positional
                else _read_by_order(row, form.columns)
            )
            if indicator is not None:
                indicator.short = not form.inferred and len(row.cells) <= max(
                    form.columns, default=0
                )
                _take_levels(form, indicator)
                form.indicators.append(indicator)
            else:
                form.unplaced.extend(row.nonempty())
            i += used
            continue
        _flush_stream(form)
        in_table = False
        _read_header(row, form)
        i += 1
    if form is not None:
        _flush_stream(form)
    for f in forms:
        f.unplaced.extend(f.held.values())  # level labels above no row: reported, not lost
        f.held = {}
        if f.unit_heads:
            unit_values.settle(f.indicators, f.unit_heads)
        if "budget_total" not in f.header and "budget_lifetime" in f.header:
            f.header["budget_total"] = f.header["budget_lifetime"]  # no annual amount printed
    return projects.split(forms), preamble


# ----------------------------------------------------------------------------- header


def _untouched(form: RawForm) -> bool:
    """Nothing but a title (and a year line) read so far."""
    return not form.header and not form.breakdown and not form.columns and not form.indicators


def _title_cell(row: Row) -> Cell | None:
    filled = [k for k, t in enumerate(row.texts) if t]
    if len(filled) != 1:
        return None
    text = _WS.sub("", row.texts[filled[0]])
    return row.cells[filled[0]] if vocab.TITLE.match(text) and len(text) <= 60 else None


def _split_title(row: Row) -> Cell | None:
    """A title a blank split into cells (``2022 年财政资金项目支出绩效目标表`` in text cut at
    blanks): the pieces joined, when they make a title and nothing else."""
    cells = row.nonempty()
    if not 2 <= len(cells) <= 3:
        return None
    text = "".join(_WS.sub("", c.text) for c in cells)
    if not (vocab.TITLE.match(text) and len(text) <= 60):
        return None
    return Cell(" ".join(clean(c.text) for c in cells), cells[0].line, cells[0].col)


def _has_label(row: Row, name: str) -> bool:
    return any(vocab.header_field(t) == name for t in row.texts if t)


def _is_header_row(row: Row) -> bool:
    """A row that carries a form header label (so the table before it has ended)."""
    return any(vocab.header_field(t) is not None for t in row.texts[:2] if t)


def _read_header(row: Row, form: RawForm) -> None:
    """Pair each label cell with the next non-label, non-empty cell of the same row."""
    cells, texts = row.cells, row.texts
    if any(_YUAN_CAPTION.match(t) for t in texts if t) or _YUAN_CAPTION.match("".join(texts)):
        form.budget_in_yuan = True  # ``单位：元`` in a cell, or cut as 金额单位 | 元
    j = 0
    claimed = False
    used: set[int] = set()  # indices of the cells read as a label or a value
    run_on, form.run_on = form.run_on, None
    if run_on is not None and _runs_on(run_on[1], row):
        # 主管部门 重庆市沙坪坝区 实施单位 / 人民政府办公室: the department's name wrapped in
        # its cell; the label left with no value beside it had none
        wrapped_field, head = run_on
        form.header[wrapped_field] = wrapped_lines.wrapped([head, *row.nonempty()], head.col)
        form.pending.clear()
        return
    if form.pending and form.grid and form.positional:
        j, claimed = _answer_below(row, form)
        if j < 0:
            form.unplaced.extend(row.nonempty())  # a row of another table under the grid
            return
        used.update(range(j))  # the grid's answers, and 合计 captions beside them
    # Cells before the row's first label answer labels left open on the rows above.
    while j < len(cells) and form.pending:
        text = texts[j]
        if text and (_is_label(text)):
            break
        if text:
            pending_field, _label = form.pending.pop(0)
            if pending_field == "budget_total" and not vocab.budget_cell(_WS.sub("", text)):
                continue  # ``项目资金`` over ``预算执行 10分``: a caption, not the budget's label
            answer, start = cells[j], j
            if pending_field in vocab.LONG_FIELDS and not form.pending:
                answer, j = _join_long(row, j)  # the one open label's goal, wrapped over cells
            used.update(range(start, j + 1))
            _answer(form, pending_field, answer)
            claimed = True
        j += 1
    form.grid = False
    labels_here = 0
    answered_here = 0
    while j < len(cells):
        parts = _budget_parts(texts[j])
        if parts and not any(key == k for key, _ in form.breakdown for k, _ in parts):
            # ``其中：财政拨款100万元，其他资金20万元``: the budget's parts, listed in one cell
            here = cells[j]
            form.breakdown += [(k, Cell(text=a, line=here.line, col=here.col)) for k, a in parts]
            used.add(j)
            claimed = True
            j += 1
            continue
        label, inline = _split_inline_label(texts[j])
        if label and not inline and j + 1 < len(cells) and texts[j + 1]:
            joined = label + texts[j + 1]
            if vocab.header_field(joined) and not vocab.header_field(texts[j + 1]):
                # a label wrapped over two cells: ``年度主要目标`` | ``和成果``
                used.add(j)
                label, j = joined, j + 1
        fieldname = vocab.header_field(label) if label else None
        bkey = vocab.breakdown_key(label) if label else None
        if fieldname is None and bkey is None:
            j += 1
            continue
        label_at = j
        used.add(j)
        if not claimed:
            form.pending.clear()  # a new row of labels: older unanswered labels were captions
        claimed = True
        label_cell = cells[j]
        value: Cell | None = None
        if inline:
            value = Cell(text=inline, line=cells[j].line, col=cells[j].col)
            j += 1
        else:
            k = j + 1
            while k < len(cells):
                nxt = texts[k]
                if nxt:
                    nlabel, _ = _split_inline_label(nxt)
                    if vocab.header_field(nlabel) or vocab.breakdown_key(nlabel):
                        break
                    amount_only = fieldname == "budget_total" or fieldname is None
                    if amount_only and not vocab.budget_cell(_WS.sub("", nxt)):
                        # a budget label's (or a budget part's) value is an amount, never
                        # text or a score: that cell is reported below, not read as budget
                        break
                    value, start = cells[k], k
                    if fieldname in vocab.LONG_FIELDS:
                        value, k = _join_long(row, k)
                    used.update(range(start, k + 1))
                    break
                k += 1
            # With no value, k stopped on the next label (or the row end): read that next.
            j = k if value is None else k + 1
        if fieldname == "budget_year_total":
            m = re.match(r"^(\d{4})", _WS.sub("", label))
            if m:
                form.header.setdefault("year", Cell(text=m.group(1), line=label_cell.line))
            fieldname = "budget_total"
        if fieldname == "budget_total" and _IN_YUAN.search(_WS.sub("", label)):
            form.budget_in_yuan = True
        elif fieldname == "budget_total" and "万元" in label:
            form.budget_in_yuan = False  # the label's own unit outranks a caption's
        if bkey is not None and fieldname is None:
            before = next((t for t in reversed(texts[:label_at]) if t), "")
            if (
                value is None
                and before
                and not _is_label(before)
                and not vocab.AMOUNT_CELL.match(before)
            ):
                continue  # ``财政资金预算分类 | 一般公共预算``: the value of a label we do not know
            if form.budget_closed and any(k == bkey for k, _ in form.breakdown):
                # a part named again below the budget block (a 履职目标 table's ``基本支出 |
                # 171.41``) is a cell of another table: the budget's own part stands
                form.unplaced.extend(c for c in (label_cell, value) if c is not None)
                continue
            form.breakdown.append((bkey, value))
            labels_here += 1
            if value is None:
                form.pending.append((_BREAKDOWN + bkey, label_cell))
            else:
                answered_here += 1
        elif fieldname is not None:
            labels_here += 1
            if value is not None:
                answered_here += 1
                _store(form, fieldname, value)
                form.last_value = (fieldname, value) if fieldname in _TEXT_FIELDS else None
            else:
                form.pending.append((fieldname, label_cell))
                last = form.last_value
                if last is not None and last[1].line == label_cell.line:
                    form.run_on = last  # a value, then on its line a label left empty
                form.last_value = None
    form.grid = labels_here >= 2 and not answered_here and len(form.pending) >= 2
    if not claimed:
        cells = row.nonempty()
        while cells and form.pending:
            fieldname, _label = form.pending.pop(0)
            _answer(form, fieldname, cells.pop(0))
        form.unplaced.extend(cells)
        return
    # Cells of a label row that are neither a label nor a label's value (an unknown label's
    # value, a cell more than the labels take): reported, never dropped (issue 12).
    form.unplaced.extend(
        c for k, c in enumerate(cells) if k not in used and texts[k] and not _is_label(texts[k])
    )


#: Header fields whose value is a name that a narrow cell may wrap.
_TEXT_FIELDS = frozenset(
    {"project_name", "department", "implementing_unit", "compiling_unit", "project_attribute"}
)


def _runs_on(head: Cell, row: Row) -> bool:
    """``row`` is a value's wrapped rest: one piece of words on the line under it, no label,
    no wider than the value's first line (which filled the cell)."""
    cells = row.nonempty()
    if len(cells) != 1 or head.line is None or cells[0].line != head.line + 1:
        return False
    text, first = clean(cells[0].text), clean(head.text)
    if _is_label(text) or _INLINE_LABEL.match(text) or vocab.TITLE.match(text):
        return False
    if first.endswith(("。", "；", ";")) or not re.search(r"[\u4e00-\u9fff]", text):
        return False
    return wrapped_lines.width(text) <= wrapped_lines.width(first) + 2


_PARTS = re.compile(r"^其中[:：]?(?P<rest>.+)$", re.S)
_PART = re.compile(
    r"^(?P<label>[^\d:：]{2,16}?)[:：]?(?P<amount>\d[\d,，]*(?:\.\d+)?(?:万元|元|万)?)$"
)


def _budget_parts(text: str) -> list[tuple[str, str]]:
    """``其中：财政拨款100万元，其他资金20万元`` → [(财政拨款, 100万元), (其他资金, 20万元)]: a cell
    listing the budget's parts, each a part's label and its amount; [] for anything else."""
    m = _PARTS.match(_WS.sub("", text)) if text.startswith("其中") else None
    if m is None:
        return []
    out: list[tuple[str, str]] = []
    for piece in re.split(r"[;；，、]|,(?!\d{3})", m.group("rest")):  # never 1,200's comma
        part = _PART.match(piece)
        key = vocab.breakdown_key(part.group("label")) if part else None
        if part is None or key is None:
            return []
        out.append((key, part.group("amount")))
    return out


#: The pending name of a budget part left open (``其中：财政拨款`` over its amount).
_BREAKDOWN = "breakdown:"


def _answer(form: RawForm, pending_field: str, value: Cell) -> None:
    """Give a label left open its value: a header field, or a budget part."""
    if not pending_field.startswith(_BREAKDOWN):
        _store(form, pending_field, value)
        return
    key = pending_field[len(_BREAKDOWN) :]
    for k, (bkey, old) in enumerate(form.breakdown):
        if bkey == key and old is None:
            form.breakdown[k] = (bkey, value)
            break
    form.pending = [(f, c) for f, c in form.pending if f != pending_field]


def _answer_below(row: Row, form: RawForm) -> tuple[int, bool]:
    """Answer a grid of labels by the cells under them (same column), up to the row's first
    label. Returns where the row's own labels start and whether anything was answered; -1 when
    the row holds other cells (a row of the task table a grid of amount labels heads, which
    its 合计 row answers): the labels stay open for that row.

    A cell under no open label is allowed only as a 合计 caption; open labels nothing answers
    are captions over the grid (``资金情况（万元）``) and are let go.
    """
    cells, texts = row.cells, row.texts
    first = next((k for k, t in enumerate(texts) if t and _is_label(t)), len(cells))
    at = {c.col: (f, c) for f, c in form.pending if c.col is not None}
    answers: list[tuple[str, Cell]] = []
    for k in range(first):
        if not texts[k]:
            continue
        col = cells[k].col
        if col is not None and col in at:
            answers.append((at[col][0], cells[k]))
        elif not (_total_caption(texts[k]) or vocab.TOTAL_ROW.match(_WS.sub("", texts[k]))):
            return -1, False
    if not answers:
        return (0, False) if first == 0 else (-1, False)
    for pending_field, cell in answers:
        if pending_field == "budget_total" and not vocab.budget_cell(_WS.sub("", cell.text)):
            continue
        _answer(form, pending_field, cell)
    form.pending.clear()
    return first, True


def _total_caption(text: str) -> bool:
    """``金额合计``, ``资金合计``, ``预算合计``: the row that sums a task table's amounts."""
    return bool(re.fullmatch(r"(金额|资金|预算|经费)?(合计|总计)[:：]?", _WS.sub("", text)))


_IN_YUAN = re.compile(r"[（(](单位[:：])?元[）)]")
#: A caption that puts the form's amounts in 元: ``单位：元``, ``金额单位:元``.
_YUAN_CAPTION = re.compile(r"^[（(]?(金额|资金)?单位[:：]\s*元[）)]?$")


def _join_long(row: Row, k: int) -> tuple[Cell, int]:
    """A long text split over several cells of its line (blank-separated renderings): join up
    to a label. Cells of other lines (a one-cell-per-line row) are not joined in: a joined
    cell names only its first line, so their lines would be in no output and no reject."""
    cells, texts = row.cells, row.texts
    parts = [texts[k]]
    end = k
    for j in range(k + 1, len(cells)):
        text = texts[j]
        if (text and _is_label(text)) or cells[j].line != cells[k].line:
            break
        if text:
            parts.append(text)
            end = j
    return Cell(text=" ".join(parts), line=cells[k].line, col=cells[k].col), end


def _store(form: RawForm, fieldname: str, value: Cell) -> None:
    """Keep the first non-empty value a label gets (later repeats do not overwrite it)."""
    if fieldname not in form.header or not clean(form.header[fieldname].text):
        form.header[fieldname] = value
    elif clean(value.text) and value is not form.header[fieldname]:
        form.repeated.append((value, form.header[fieldname]))
    if form.breakdown and fieldname not in _BUDGET_FIELDS:
        form.budget_closed = True
    form.pending = [(f, c) for f, c in form.pending if f != fieldname]


#: Fields read inside a budget block (a year in its label, the total, its unit).
_BUDGET_FIELDS = frozenset({"budget_total", "budget_year_total", "year", "ignored"})


def _is_label(text: str) -> bool:
    label, _ = _split_inline_label(text)
    return vocab.header_field(label) is not None or vocab.breakdown_key(label) is not None


def _split_inline_label(text: str) -> tuple[str, str]:
    """``编制单位：某单位`` → (``编制单位``, ``某单位``); a bare label → (label, "")."""
    if ":" not in text and "：" not in text:
        return text, ""
    m = _INLINE_LABEL.match(text)
    if m and (vocab.header_field(m.group(1)) or vocab.breakdown_key(m.group(1))):
        return m.group(1), m.group(2).strip()
    return text, ""


# ----------------------------------------------------------------------------- table


def _cell_roles(row: Row) -> list[str | None]:
    """Each cell's column role (``vocab.column_role``), None for empty and unknown cells.

    A row with 一级/二级 headings and no heading of its own for the names: the first heading
    after them that can name indicators (``绩效指标``, ``指标内容``) is the name column.
    """
    roles = [vocab.column_role(t) if t else None for t in row.texts]
    if "name" in roles or not ({"level1", "level2"} & set(roles)):
        return roles
    last = max(k for k, r in enumerate(roles) if r in ("level1", "level2"))
    for k in range(last + 1, len(roles)):
        if roles[k] is not None and vocab.NAME_FALLBACK_HEADINGS.match(_WS.sub("", row.texts[k])):
            roles[k] = "name"
            break
    return roles


def _data(text: str) -> bool:
    """A cell that holds a number or a target (not a caption a heading row may carry)."""
    return classify(clean(text)) in ("value", "number")


def _columns(row: Row, cell_roles: list[str | None] | None = None) -> dict[int, str]:
    """Column index → role when the row is a table heading row, else {}.

    ``cell_roles``: each cell's ``vocab.column_role``, when the caller has them already.
    """
    if cell_roles is None:
        cell_roles = _cell_roles(row)
    if "name" not in cell_roles:
        return {}  # no 指标名称 heading: not a heading row (the common case, settled at once)
    roles: dict[int, str] = {}
    unknown: list[int] = []
    for k, (cell, text, role) in enumerate(zip(row.cells, row.texts, cell_roles, strict=True)):
        if not text:
            continue
        if role == "name" and _WS.sub("", text) == "级指标" and "level2" in cell_roles[k + 1 :]:
            role = "level1"  # 一级指标 with its first character lost: it stands before 二级指标
        if role is None:
            if not _data(text):  # a number or a target heads no column: a stray cell
                unknown.append(cell.col if cell.col is not None else len(roles))
            continue
        if role in ("level2", "name") and role in roles.values() and "value" in roles.values():
            # A second column set (中央 template: 二级 | 三级 | 指标值 once for 中期, once for
            # 年度): the annual set, printed last, is the form's; the first set is a note.
            roles = _set_aside(roles)
        if role in roles.values():
            if role == "value":  # a second value set (中期/年度, per-town): the last one wins
                roles = {k: v for k, v in roles.items() if v != "value"}
            elif role == "operator" and "operator2" not in roles.values():
                role = "operator2"  # 指标性质 (正向/反向) beside 指标方向 (=, ≥)
            elif role == "note":  # 指标解释, 评分标准, 数据来源 …: each its own column
                role = f"note_{sum(1 for r in roles.values() if r.startswith('note')) + 1}"
            else:
                continue
        roles[cell.col if cell.col is not None else len(roles)] = role
    has_core = "name" in roles.values() and (
        "value" in roles.values() or "weight" in roles.values() or "level2" in roles.values()
    )
    if not (has_core and len(roles) >= 3):
        return {}
    if "value" not in roles.values() and unknown:
        # Columns headed by something else (a township per column): they hold the values.
        roles[unknown[-1]] = "value"
    return roles


_SET_ROLES = frozenset({"level2", "name", "value", "unit", "operator", "operator2", "value_type"})


def _set_aside(roles: dict[int, str]) -> dict[int, str]:
    """The roles of a heading row with its first column set turned into notes."""
    out: dict[int, str] = {}
    notes = sum(1 for r in roles.values() if r.startswith("note"))
    for col, role in roles.items():
        if role == "level2" and SET_LEVEL2 not in out.values():
            role = SET_LEVEL2
        elif role in _SET_ROLES:
            notes += 1
            role = "note" if notes == 1 else f"note_{notes}"
        out[col] = role
    return out


#: The 二级 column of a column set set aside (a note, kept apart for ``_read_by_order``).
SET_LEVEL2 = "note_set_level2"


def _total_row(row: Row) -> bool:
    """A subtotal or total row: its first cell says 小计/合计, nothing in it names an indicator."""
    first = next((t for t in row.texts if t), "")
    if "计" not in first:  # 小计, 合计, 总计, 共计: asked first (the common row has none)
        return False
    return bool(vocab.TOTAL_ROW.match(_WS.sub("", clean(first))))


def _unit_heads(row: Row, cell_roles: list[str | None]) -> int:
    """How many headings no vocabulary knows stand where a heading row has no 指标值: the
    value columns of a form with one column per unit (township), see ``_columns``."""
    if "value" in cell_roles:
        return 0
    return sum(1 for t, r in zip(row.texts, cell_roles, strict=True) if t and r is None)


def _merge_continuations(rows: list[Row], i: int, width: int) -> tuple[Row, int]:
    """Join a row cut by a blank line inside a cell (docx dumps) with the row that finishes it."""
    row = rows[i]
    used = 1
    cells = list(row.cells)
    while width and len(cells) < width and i + used < len(rows):
        nxt = rows[i + used]
        if not nxt.cells or not nxt.texts[0] or len(cells) + len(nxt.cells) > width:
            break
        if _title_cell(nxt) is not None or _is_header_row(nxt):
            break
        for c in nxt.cells:
            cells.append(Cell(text=c.text, line=c.line, col=len(cells)))
        used += 1
    return Row(cells), used


@lru_cache(maxsize=16384)
def fits(role: str, text: str) -> bool:
    """Whether a cell's content is plausible for the column it stands in."""
    kind = classify(text)
    if kind == "empty":
        return role != "name"
    if role == "level1":  # a 二级-like label may head a block (社会效益指标, 过程管理指标)
        return vocab.canon_level1(text) is not None or vocab.canon_level2(text) is not None
    if role == "level2":
        return vocab.canon_level2(text) is not None
    if role == "name":
        return kind in {"text", "numbered", "value"} or vocab.canon_level1(text) is None
    if role == "value":
        return kind in {"value", "text"}
    if role == "lead":
        return kind in {"text", "numbered"}
    return True


def _stray_line(row: Row, columns: dict[int, str]) -> bool:
    """A row whose one cell is text in a level column, nothing beside it: in a rendering that
    keeps positions that is a line of the page under the table (``Copyright …``, ``网站维护：…``),
    not an indicator (a name slid out of its column comes with its target)."""
    cells = row.nonempty()
    if len(cells) != 1 or cells[0].col is None:
        return False
    return columns.get(cells[0].col) in ("level1", "level2") and classify(cells[0].text) == "text"


def _read_indicator(row: Row, columns: dict[int, str]) -> RawIndicator | None:
    """Map the row's cells onto the table's roles; fall back to content where positions misfit."""
    if not any(row.texts):
        return None
    by_col = {c.col: c for c in row.cells if c.col is not None}
    text_at = {c.col: t for c, t in zip(row.cells, row.texts, strict=True) if c.col is not None}
    placed = {role: by_col[col] for col, role in columns.items() if text_at.get(col)}
    misfit = any(not fits(role, by_col[col].text) for col, role in columns.items() if col in by_col)
    if "lead" in columns.values():
        lead = next(col for col, r in columns.items() if r == "lead")
        if lead in by_col and classify(by_col[lead].text) in {"level1", "level2"}:
            misfit = True
    if (
        "lead" not in columns.values()
        and 0 not in columns
        and 0 in by_col
        and classify(by_col[0].text) in {"level1", "level2", "numbered"}
    ):
        misfit = True
    if "name" not in placed and any(r in columns.values() for r in ("level1", "level2")):
        misfit = True
    extra = [c for c, t in zip(row.cells, row.texts, strict=True) if t and c.col not in columns]
    if not misfit:
        placed.pop("lead", None)
        if "name" not in placed:
            return None
        return RawIndicator(cells=placed, line=row.line, extra=extra)
    return _read_by_content(row, columns)


def _read_by_content(row: Row, columns: dict[int, str]) -> RawIndicator | None:
    """Assign level1/level2/name/value by what the cells hold; note every role that moved."""
    home = {role: col for col, role in columns.items()}
    placed: dict[str, Cell] = {}
    rest: list[Cell] = []
    for cell in row.cells:
        kind = classify(cell.text)
        if kind in ("level1", "level2") and kind not in placed and "name" not in placed:
            placed[kind] = cell
        elif kind in ("numbered", "text") and "name" not in placed:
            placed["name"] = cell
        elif kind in ("value", "text") and "name" in placed and "value" not in placed:
            placed["value"] = cell
        elif kind != "empty":
            rest.append(cell)
    if "name" not in placed:
        return None
    # Roles the content pass does not know keep their columns (unit, weight, operator …).
    for col, role in columns.items():
        if role in ("level1", "level2", "name", "value", "lead"):
            continue
        found = next((c for c in row.cells if c.col == col), None)
        if found is not None and clean(found.text) and found not in placed.values():
            placed[role] = found
            if found in rest:
                rest.remove(found)
    shifted = [r for r, c in placed.items() if r in home and c.col != home[r]]
    return RawIndicator(cells=placed, line=row.line, shifted=shifted, extra=rest)


def _stream_cell(form: RawForm, cell: Cell) -> None:
    """Take the next cell of a cell stream; a row is complete at its value, or when a level
    label follows a named row (a qualitative value, or none)."""
    kind = classify(cell.text)
    named = any(classify(c.text) not in _LEVEL_KINDS for c in form.stream)
    if kind in _LEVEL_KINDS and named:
        _flush_stream(form)
    form.stream.append(cell)
    if kind == "value" and sum(1 for c in form.stream if classify(c.text) not in _LEVEL_KINDS) >= 2:
        _flush_stream(form)


_LEVEL_KINDS = ("level1", "level2")


def _flush_stream(form: RawForm) -> None:
    """Turn the buffered stream cells into an indicator: leading level labels, name, value.

    Of several level labels, a canonical 一级 label (产出指标) is the level1 and the label
    after it the level2; labels before it (a grouping above the 一级 column, 实施效果指标)
    stay with the row as extras, reported. Without a canonical one, two labels are the 一级
    and the 二级, and a lone label is a 二级 under the merged 一级 cell above. A buffer with
    no name, or text with no level and no value, is not an indicator: its cells are reported
    as unplaced.
    """
    cells, form.stream = form.stream, []
    if not cells:
        return
    n = 0
    while n < len(cells) and classify(cells[n].text) in _LEVEL_KINDS:
        n += 1
    levels, rest = cells[:n], cells[n:]
    if not rest or (not levels and (len(rest) < 2 or classify(rest[1].text) != "value")):
        form.unplaced.extend(cells)  # no name, or loose text after the table: not a row
        return
    canonical = [k for k, c in enumerate(levels) if classify(c.text) == "level1"]
    first = canonical[-1] if canonical else 0
    level1 = levels[first] if len(levels) > 1 or canonical else None
    level2 = levels[first + 1] if len(levels) > first + 1 else None
    if levels and not canonical and len(levels) == 1:
        level2 = levels[0]  # a lone 二级 label: the 一级 cell above is merged over this row
    extra = levels[:first] + levels[first + 2 :] + rest[2:]
    placed = {
        "level1": level1,
        "level2": level2,
        "name": rest[0],
        "value": rest[1] if len(rest) > 1 else None,
    }
    form.indicators.append(
        RawIndicator(
            cells={role: c for role, c in placed.items() if c is not None},
            line=rest[0].line,
            extra=extra,
        )
    )


_DEFAULT_COLUMNS = ("level1", "level2", "name", "value", "unit", "weight")


def _opens_headless_table(row: Row) -> bool:
    """A level label followed by a name and a value in one row: an indicator row."""
    kinds = [classify(t) for t in row.texts if t]
    if not kinds or kinds[0] not in _LEVEL_KINDS:
        return False
    rest = [k for k in kinds if k not in _LEVEL_KINDS]
    return len(rest) >= 2 and "value" in rest[1:]


def _next_is_row(rows: list[Row], i: int) -> bool:
    """The next non-empty row holds a name and a value: the level row above opens a table."""
    for row in rows[i + 1 : i + 3]:
        kinds = [classify(t) for t in row.texts if t]
        if kinds:
            rest = [k for k in kinds if k not in _LEVEL_KINDS]
            return len(rest) >= 2 and "value" in rest[1:]
    return False


def _level_only(row: Row) -> bool:
    """A row holding level labels and nothing an indicator needs (no name, no value)."""
    kinds = [classify(t) for t in row.texts if t and not _VALUE_TYPE.match(t)]
    return bool(kinds) and all(k in _LEVEL_KINDS for k in kinds)


_VALUE_TYPE = re.compile(r"^-?(定量|定性)(指标)?$")


def _hold_levels(form: RawForm, row: Row) -> None:
    own1 = False
    for cell, text in zip(row.cells, row.texts, strict=True):
        kind = classify(text) if text else "empty"
        if kind == "level1" and own1 and vocab.canon_level2(text):
            kind = "level2"  # 【产出指标-成本指标】: after this row's 一级, 成本指标 is its 二级
        own1 = own1 or kind == "level1"
        if kind == "level1":
            form.unplaced.extend(form.held.values())  # held for no row: reported, not lost
            form.held = {"level1": cell}
        elif kind == "level2":
            if "level2" in form.held:
                form.unplaced.append(form.held["level2"])
            form.held["level2"] = cell


def _take_levels(form: RawForm, indicator: RawIndicator) -> None:
    """Give a row without its own level cells the labels of the placeholder row above it."""
    if not form.held:
        return
    if "level1" in indicator.cells:
        form.held = {}
        return
    for role, cell in form.held.items():
        indicator.cells.setdefault(role, cell)
    form.held = {}


def _is_subheading(row: Row, cell_roles: list[str | None]) -> bool:
    """A second heading line inside the table (``2021年实际实现值 | 预期2022年实现值``)."""
    seen = False
    for text, role in zip(row.texts, cell_roles, strict=True):
        if not text:
            continue
        if role is None and not _ACTUAL.match(_WS.sub("", text)):
            return False  # an indicator row fails on its first cell
        seen = True
    return seen


_ACTUAL = re.compile(
    r"^(\d{4}年)?(实际(实现|完成)值|上年(实际)?完成值|历史值|中期指标值|年度指标值)$"
)


def _continues_weight(row: Row, form: RawForm) -> bool:
    """A lone number wrapped onto its own line: the weight of the row above."""
    cells = row.nonempty()
    if len(cells) != 1 or "weight" not in form.columns.values():
        return False
    last = form.indicators[-1]
    return "weight" not in last.cells and bool(_WEIGHT.fullmatch(clean(cells[0].text)))


#: How well a cell's content suits a column role (None: it cannot stand there).
@lru_cache(maxsize=16384)
def _suit(role: str, text: str) -> float | None:
    t = _WS.sub("", clean(text))
    kind = classify(t)
    if _UNIT_NOTE.match(t):
        return 0.2 if role.startswith("note") else None
    if role == "level1":
        return 4.0 if vocab.canon_level1(t) else None
    if role == "level2":
        if not vocab.canon_level2(t):
            return None
        # 服务对象满意度 is as often a name as a 二级 label: a weak fit, a name wins it
        return 4.0 if kind in _LEVEL_KINDS else 1.0
    if role == "name":
        if kind in ("level1", "level2") or t in _NOT_NAMES or t in vocab.OPERATOR_WORDS:
            return None
        # A row without a name is no indicator: naming a cell outweighs any other fit.
        if kind == "value" and re.match(rf"^({vocab.OPERATOR_PATTERN})\s*[\d０-９]", t):
            return 3.5  # ``≥95%`` is a target, not a name (a lone level2-like cell before it is the name)
        return 6.0 if kind in ("text", "numbered") else 5.3
    if role == "value":
        if kind == "value":
            return 3.0 if re.search(r"\d", t) else 1.5
        return 0.3 if kind == "text" and len(t) <= 20 else None
    if role == "unit":
        ok = t in vocab.QUALITATIVE_MARKERS or canon_unit(t) is not None
        return 3.0 if ok else None
    if role in ("operator", "operator2"):
        ok = (
            t in vocab.OPERATOR_WORDS
            or t in vocab.CATEGORY_WORDS
            or t in vocab.QUALITATIVE_MARKERS
            or t in vocab.QUANTITATIVE_MARKERS
            or t in _DIRECTIONS
        )
        return 3.0 if ok else None
    if role == "weight":
        return 2.5 if re.fullmatch(r"\d+(\.\d+)?[%％分]?", t) else None
    if role == "seq":
        return 2.0 if re.fullmatch(r"\d{1,3}[.、．]?", t) else None
    if role == "value_type":
        return 3.0 if t in vocab.QUALITATIVE_MARKERS or t in vocab.QUANTITATIVE_MARKERS else None
    return 0.2  # note and other free-text columns


#: Directions an operator column prints that are no operator (正向/反向; 是/否 for a yes/no target).
_DIRECTIONS = frozenset({"正向", "反向", "是/否", "是否"})
_EXTRA_COST = -2.0
_NOT_NAMES = frozenset({"正向", "反向", "定性", "定量", "定", "共性", "个性"})
_TRAILING_COST = -0.5
#: A tie-break, far below any difference of fit: a cell under its own note heading (实际完成值,
#: 得分) stays a note when it would fit a target or weight column as well.
_AT_HOME = 0.001
_SUBSTANTIVE = {"level1", "level2", "value", "unit", "weight", "operator", "value_type"}
_UNIT_NOTE = re.compile(r"^(金额)?单位[:：]")


def _read_by_order(row: Row, columns: dict[int, str]) -> RawIndicator | None:
    """Match the row's non-empty cells to the table's roles in order, by content.

    Web renderings drop the cells of merged ranges, so positions mean little; the order of
    cells still follows the headings. A small dynamic programme picks the assignment that
    suits the contents best, skipping roles whose cells are missing; a cell nothing suits is
    kept as an extra (reported, never dropped).
    """
    cells = row.nonempty()
    roles: list[str] = []
    homes: list[int] = []
    for col, role in sorted(columns.items()):
        if role != "lead" and role not in roles:
            roles.append(role)
            homes.append(col)
    split = _split_explanation(cells, roles)
    printed = None if split is cells else next(c for c in cells if c not in split)
    cells = split
    n, m = len(cells), len(roles)
    in_place = _in_place(cells, roles)
    if in_place is not None:
        return RawIndicator(cells=in_place, line=row.line)
    neg = float("-inf")
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    move: list[list[tuple[int, int, str | None]]] = [[(0, 0, None)] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = best[i][j]
            if here == neg:
                continue
            if j < m and here > best[i][j + 1]:  # role j has no cell in this row
                best[i][j + 1] = here
                move[i][j + 1] = (i, j, None)
            if i < n:
                # Cell i suits nothing here; past the last role it is likely another value set.
                cost = _EXTRA_COST if j < m else _TRAILING_COST
                if here + cost > best[i + 1][j]:
                    best[i + 1][j] = here + cost
                    move[i + 1][j] = (i, j, "extra")
                if j < m:
                    suit = _suit(roles[j], cells[i].text)
                    if suit is not None and cells[i].col == homes[j] and roles[j][:4] == "note":
                        suit += _AT_HOME  # a result or a score under its own heading stays there
                    if suit is not None and here + suit > best[i + 1][j + 1]:
                        best[i + 1][j + 1] = here + suit
                        move[i + 1][j + 1] = (i, j, roles[j])
    placed: dict[str, Cell] = {}
    extra: list[Cell] = []
    i, j = n, m
    while i > 0 or j > 0:
        pi, pj, taken = move[i][j]
        if taken == "extra":
            extra.append(cells[pi])
        elif taken is not None:
            placed[taken] = cells[pi]
        i, j = pi, pj
    if "name" not in placed or not placed.keys() & _SUBSTANTIVE:
        return None  # a lone text cell in a table is a caption or a note, not an indicator
    if SET_LEVEL2 in roles and "level1" in placed and "level2" in placed:
        first, second = (_WS.sub("", clean(placed[r].text)) for r in ("level1", "level2"))
        if first == second and vocab.canon_level2(first):
            # 成本指标 … 成本指标: the first set's copy of this row's 二级 (the 一级 is merged
            # away above), not a 一级 of its own
            placed[SET_LEVEL2] = placed.pop("level1")
    if printed is not None:
        placed[GLUED_NAME] = printed  # the cell as printed, name and 解释 in one
    return RawIndicator(cells=placed, line=row.line, extra=list(reversed(extra)))


def _in_place(cells: list[Cell], roles: list[str]) -> dict[str, Cell] | None:
    """The row's cells one per column in heading order, when nothing can have been dropped:
    a cell for every column but trailing free-text ones (备注), each suiting its column except
    one value-like cell under 计量单位 (a date serial ``44,561`` printed there: the unit is
    invalid, and the builder says so). Else None: the cells are matched by content."""
    n = len(cells)
    if n < 4 or n > len(roles) or any(not r.startswith("note") for r in roles[n:]):
        return None
    misfit = [k for k in range(n) if _suit(roles[k], cells[k].text) is None]
    if len(misfit) != 1 or roles[misfit[0]] != "unit":
        return None
    if not is_value_like(cells[misfit[0]].text):
        return None
    return dict(zip(roles, cells, strict=False))


#: The role under which a name cell that also held its 解释 is kept as printed (provenance).
GLUED_NAME = "name_and_note"


def _split_explanation(cells: list[Cell], roles: list[str]) -> list[Cell]:
    """A name cell that also holds the row's 指标解释 (glued text): cut in two, when the
    table has a 解释 column right after the names and the row has no other text cell."""
    if "name" not in roles or roles[roles.index("name") + 1 : roles.index("name") + 2] != ["note"]:
        return cells
    texts = [n for n, c in enumerate(cells) if classify(c.text) in ("text", "numbered")]
    if len(texts) != 1:
        return cells
    at = texts[0]
    if at + 1 < len(cells) and classify(cells[at + 1].text) not in ("value", "empty"):
        return cells
    split = unit_values.split_explanation(clean(cells[at].text))
    if split is None:
        return cells
    name, note = split
    here = cells[at]
    return [
        *cells[:at],
        Cell(name, here.line, here.col),
        Cell(note, here.line, here.col),
        *cells[at + 1 :],
    ]


def _is_heading_part(cell_roles: list[str | None], filled: int) -> bool:
    """Two or more cells, all column headings: a heading row the rendering broke over lines."""
    known = sum(1 for r in cell_roles if r)
    return known >= 2 and known == filled


def _join_heading_lines(rows: list[Row], i: int, positional: bool = False) -> tuple[Row, int]:
    """Join the heading pieces that follow row ``i`` into one heading row.

    In a positional rendering a heading printed over two rows of a merged table (``绩效指标``
    over ``一级指标 | 二级指标 | 三级指标``, ``指标值`` and ``权重`` merged down) is joined by
    column: the lower row's heading stands under the upper's group heading or empty cell.
    """
    cells = list(rows[i].nonempty())
    used = 1
    while i + used < len(rows):
        texts = [t for t in rows[i + used].texts if t]
        if not texts or not all(vocab.column_role(t) for t in texts):
            break
        cells.extend(rows[i + used].nonempty())
        used += 1
    if positional and used == 2:
        stacked = _stack_heading(rows[i], rows[i + 1])
        if stacked is not None:
            return stacked, used
    return Row([Cell(text=c.text, line=c.line, col=k) for k, c in enumerate(cells)]), used


def _stack_heading(upper: Row, lower: Row) -> Row | None:
    """Two heading rows of one merged table joined by column, or None when they collide."""
    by_col: dict[int, Cell] = {}
    for cell in upper.nonempty():
        if cell.col is None:
            return None
        by_col[cell.col] = cell
    for cell in lower.nonempty():
        if cell.col is None:
            return None
        above = by_col.get(cell.col)
        if above is not None and vocab.column_role(above.text) != "lead":
            return None  # two headings for one column: not one table's heading
        by_col[cell.col] = cell
    if not any(vocab.column_role(c.text) == "lead" for c in upper.nonempty()):
        return None  # no group heading above: the rows are pieces of one line, not a stack
    width = max(by_col) + 1
    return Row([by_col.get(k, Cell(text="", line=upper.line, col=k)) for k in range(width)])
