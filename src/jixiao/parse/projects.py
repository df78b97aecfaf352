"""Several projects in one table: split a department's export into one form per project.

Spreadsheet exports list a department's projects in one table, one row per indicator::

    预算单位 | 项目名称 | 项目金额（元） | 年度目标 | 一级指标 | 二级指标 | 三级指标 | 指标值
    310-某局 | 项目甲   | 1200000       | 目标…   | 产出指标 | 数量指标 | …       | ≥5次
             |          |               |         | 效益指标 | …

The project's own cells (unit, name, amount, goal, codes) stand in columns beside the indicator
columns and are printed once, on the first row of the project's block (a merged cell), or on a
row of their own above it (``505006 | 学生伙食费 | 30.00``). This module is the parser's hook for
such tables:

- ``read_heading(form, heading, columns, before, positional)``: the heading cells that name a
  per-project field (``项目名称``, ``预算单位``, ``项目金额(元)``, ``单位代码`` …), in the heading row or
  the heading lines above it, when one of them is the project name;
- ``take(form, row, positional)``: while reading the table, lifts a row's project cells out
  before the indicator grammar reads the rest, and records where a project block opens;
- ``split(forms)``: cuts each such form into one form per project block, the header fields
  from the block's project cells (unit fields carried down from the block above when their
  merged cell is empty), amounts in 元 (said by the heading or a ``单位：元`` caption) marked
  for conversion to 万元.

Rows that print project cells and are followed by another such row before any indicator are
group rows (a unit's subtotal above its projects): only their unit fields carry down; their
other cells are reported as unplaced, never dropped.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from typing import TYPE_CHECKING

from jixiao import vocab
from jixiao.grammar import Row, classify, clean
from jixiao.schema import Cell

if TYPE_CHECKING:
    from jixiao.parse import RawForm

_WS = re.compile(r"\s+")
_BRACKETED = re.compile(r"[（(][^（）()]*[）)]")
#: Heading of a per-project column (blanks and a bracketed unit note removed) → header field.
_FIELD_HEADINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^(项目名称|项目\(专项\)名称|项目（专项）名称|单位\(专项\)名称|单位（专项）名称|"
            r"专项名称|专项资金名称|资金名称|项目)$"
        ),
        "project_name",
    ),
    (
        re.compile(
            r"^(单位名称|预算部门|部门|部门名称|主管部门|主管单位|"
            r"业务主管部门|项目主管部门|部门\(单位\)名称|部门（单位）名称)$"
        ),
        "department",
    ),
    # A budget unit is not the 主管部门 (golden fj23, dg19): read, carried down, not mapped.
    (re.compile(r"^(单位|预算单位|预算单位名称)$"), "budget_unit"),
    (
        re.compile(r"^(实施单位|项目实施单位|执行单位|项目执行单位|具体实施单位)$"),
        "implementing_unit",
    ),
    (
        re.compile(
            r"^(项目金额|预算金额|资金总额|金额|项目资金|预算数|年度预算|项目预算|年度资金总额|"
            r"项目总金额|预算总额|合计|项目预算数|当年预算)$"
        ),
        "budget_total",
    ),
    (
        re.compile(
            r"^(年度目标|年度绩效目标|项目年度目标|项目年度绩效目标|当年绩效目标|项目绩效目标|"
            r"实施期绩效目标|年度总体目标|绩效目标|整体目标|总体目标|项目目标)$"
        ),
        "annual_goal",
    ),
    (re.compile(r"^(单位代码|单位编码|预算单位编码|预算单位代码|部门编码|部门代码)$"), "unit_code"),
    (re.compile(r"^(项目编码|项目代码|项目编号|项目ID)$"), "project_code"),
)
#: Other header fields a project column may hold (by the header's own labels).
_OTHER_FIELDS = frozenset(
    {"project_attribute", "duration", "period_start", "period_end", "overview", "basis",
     "compiling_unit"}
)  # fmt: skip
_TOTAL = re.compile(r"^(合计|总计|小计|共计)[:：]?$")
_SERIAL_HEADING = re.compile(r"^(序号|编号|行次|序)$")
_BREAKDOWN = "breakdown:"  # field prefix of a sub-amount column (其中：财政拨款 …)
#: Fields of the unit a project belongs to: a merged (empty) cell carries them down.
_UNIT_FIELDS = ("department", "implementing_unit", "budget_unit", "unit_code")
_YUAN = re.compile(r"[（(]\s*(单位[:：])?\s*元\s*[）)]")
_CAPTION = re.compile(r"^(金额)?单位[:：]\s*(元|万元)$")
_CODE = re.compile(r"^[0-9A-Z]{3,30}$")
_CODE_LEAD = re.compile(r"^(?P<code>\d{3,30})\s*(?P<rest>[\u3400-\u9fff].*)$", re.S)
_TARGET = re.compile(r"^(≥|≤|>=|<=|>|<|=|＝)?[\d.]+\s*\S{0,3}$")  # ``≥95%``, ``100``, ``3次``


@lru_cache(maxsize=16384)
def heading_field(text: str) -> tuple[str | None, bool]:
    """The header field a per-project column heading names, and whether it says 元."""
    key = _WS.sub("", clean(text)).rstrip(":：")
    yuan = bool(_YUAN.search(key))
    for variant in (key, _BRACKETED.sub("", key)):
        for pattern, name in _FIELD_HEADINGS:
            if pattern.match(variant):
                return name, yuan and name == "budget_total"
    if _SERIAL_HEADING.match(key):
        return "serial", False
    part = vocab.breakdown_key(key)
    if part is not None:
        return _BREAKDOWN + part, yuan
    other = vocab.header_field(key)
    return (other, False) if other in _OTHER_FIELDS else (None, False)


def read_heading(
    form: RawForm, heading: Row, columns: dict[int, str], before: list[Row], positional: bool
) -> None:
    """Find the table's per-project columns: heading cells outside the indicator columns that
    name a project field, in the heading row itself or in the heading lines just above it (a
    two-level heading: ``单位代码 | 单位(专项)名称 | 资金总额 | … | 绩效指标`` over ``一级指标 …``).

    Sets ``form.project_columns`` (column → field; for renderings that drop empty cells only
    the order of the keys matters) when the project name is among them — with the amount too
    when they stand in the lines above — and marks a heading that says 元; leaves an ordinary
    table alone.
    """
    upper: list[Row] = []
    for prev in reversed(before[-8:]):
        texts = [t for t in prev.texts if t]
        if not texts or not all(
            heading_field(t)[0] or vocab.column_role(t) == "lead" for t in texts
        ):
            break
        upper.insert(0, prev)
    found: dict[int, str] = {}
    yuan = False
    used: list[Cell] = []
    leads: list[int] = []
    order = 0
    for row, same in [*((r, False) for r in upper), (heading, True)]:
        for k, (cell, text) in enumerate(zip(row.cells, row.texts, strict=True)):
            col = cell.col if cell.col is not None else k
            if not text:
                continue
            name, in_yuan = heading_field(text)
            if same and col in columns:
                if not (columns[col] == "lead" and name == "annual_goal"):
                    continue
                leads.append(col)  # 绩效目标 beside 项目名称: the project's goal, not a lead
            if name is None or name in found.values():
                continue
            key = col if positional else order
            order += 1
            if positional and (key in found or (not same and key in columns)):
                continue
            found[key] = name
            yuan = yuan or in_yuan
            if not same:
                used.append(cell)
    if "project_name" not in found.values():
        return
    if used and "budget_total" not in found.values():
        return  # a label row above the table (项目名称 left blank), not a project list
    if not positional:
        # Keys only give the order; the upper line's cells stand before the table's own.
        found = {k: f for k, (_, f) in enumerate(sorted(found.items()))}
    for col in leads:
        form.columns.pop(col, None)
    form.project_columns = found
    form.budget_in_yuan = form.budget_in_yuan or yuan
    taken = {(c.line, c.col, c.text) for c in used}
    form.unplaced = [c for c in form.unplaced if (c.line, c.col, c.text) not in taken]


def take(form: RawForm, row: Row, positional: bool) -> Row | None:
    """Lift the row's project cells out (recording a block opener); the rest of the row for
    the indicator grammar, or None when the row held nothing else."""
    if positional:
        mine = {
            form.project_columns[c.col]: c
            for c, t in zip(row.cells, row.texts, strict=True)
            if t and c.col in form.project_columns
        }
        if not mine:
            return row
        rest = [c for c in row.cells if c.col not in form.project_columns]
    else:
        mine, rest = _take_by_order(form, row)
        if not mine:
            return row
    if any(_TOTAL.match(_WS.sub("", c.text)) for c in mine.values()):
        form.unplaced.extend(row.nonempty())  # a 合计/小计 row over the projects: no project
        return None
    if set(mine) != {"serial"}:  # a row number alone opens no project
        form.project_rows.append((len(form.indicators), mine))
    if not any(clean(c.text) for c in rest):
        return None
    return Row(rest)


def _fields_in_order(form: RawForm) -> list[str]:
    return [f for _, f in sorted(form.project_columns.items())]


def _take_by_order(form: RawForm, row: Row) -> tuple[dict[str, Cell], list[Cell]]:
    """Renderings that drop empty cells: the project cells are the ones before the row's
    first 一级 label (a new project opens a new 一级 merge), or the whole row when it holds no
    level label and reads as code, name and amount (a project's own row above its block)."""
    cells = row.nonempty()
    kinds = [classify(c.text) for c in cells]
    fields = _fields_in_order(form)
    if "level1" in kinds:
        k = kinds.index("level1")
        if k == 0 or any(kd in ("level2", "numbered") for kd in kinds[:k]):
            return {}, cells
        mine = _assign(cells[:k], fields)
        return (mine, cells[k:]) if mine else ({}, cells)
    if "level2" in kinds or len(cells) > len(fields):
        return {}, cells
    mine = _assign(cells, fields)
    own_row = (
        "project_name" in mine
        and "budget_total" in mine
        and any(f in mine for f in ("unit_code", "project_code"))
    )
    return (mine, []) if own_row else ({}, cells)


#: What leaving a project field without a cell costs: a unit's merged cell is expected
#: (it carries down), a missing project name is not.
_SKIP = {
    "department": -0.5,
    "implementing_unit": -0.5,
    "budget_unit": -0.5,
    "unit_code": -0.5,
    "serial": -0.5,
    "project_name": -3.0,
}


def _suit(field: str, text: str) -> float | None:
    bare = _WS.sub("", text)
    if field in ("unit_code", "project_code"):
        return 2.0 if _CODE.match(bare) else None
    if field == "budget_total" or field.startswith(_BREAKDOWN):
        return 2.0 if vocab.AMOUNT_CELL.match(bare) else None
    if field == "serial":
        return 2.0 if re.fullmatch(r"\d{1,4}", bare) else None
    if vocab.AMOUNT_CELL.match(bare) or _CODE.match(bare):
        return None
    if field in (
        "project_name",
        "department",
        "implementing_unit",
        "budget_unit",
    ) and _TARGET.match(bare):
        return None
    return 1.0


def _split_codes(cells: list[Cell], fields: list[str]) -> list[Cell]:
    """A code glued to the name after it (``505006州民族特殊教育学校``) as two cells, when the
    table has a code column."""
    if not any(f in ("unit_code", "project_code") for f in fields):
        return cells
    out: list[Cell] = []
    for cell in cells:
        m = _CODE_LEAD.match(clean(cell.text))
        if m and not m.group("rest").startswith(("年", "月")):
            out.append(Cell(text=m.group("code"), line=cell.line, col=cell.col))
            out.append(Cell(text=m.group("rest"), line=cell.line, col=cell.col))
        else:
            out.append(cell)
    return out


def _assign(cells: list[Cell], fields: list[str]) -> dict[str, Cell]:
    """Give every cell a project field, in heading order, by content (codes to code columns,
    amounts to the amount column, text to the others), skipping the fields whose cells are
    missing at least cost; {} when the cells cannot all be placed."""
    cells = _split_codes(cells, fields)
    n, m = len(cells), len(fields)
    neg = float("-inf")
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m):
            here = best[i][j]
            if here == neg:
                continue
            skip = here + _SKIP.get(fields[j], -1.0)
            if skip > best[i][j + 1]:
                best[i][j + 1], back[i][j + 1] = skip, (i, j)
            if i < n:
                suit = _suit(fields[j], clean(cells[i].text))
                if suit is not None and here + suit > best[i + 1][j + 1]:
                    best[i + 1][j + 1], back[i + 1][j + 1] = here + suit, (i, j)
    if best[n][m] == neg:
        return {}
    out: dict[str, Cell] = {}
    i, j = n, m
    while i or j:
        step = back[i][j]
        assert step is not None
        if step[0] != i:
            out[fields[step[1]]] = cells[step[0]]
        i, j = step
    return out


def split(forms: list[RawForm]) -> list[RawForm]:
    """Each multi-project form cut into one form per project block; other forms unchanged."""
    out: list[RawForm] = []
    for form in forms:
        if form.project_rows:
            out.extend(_split_one(form))
        else:
            out.append(form)
    return out


def _in_yuan(form: RawForm) -> bool:
    """The table's amounts are in 元: its amount heading says so, or a caption does."""
    if form.budget_in_yuan:
        return True
    texts = [_WS.sub("", clean(c.text)) for c in form.unplaced]
    for k, text in enumerate(texts):
        m = _CAPTION.match(text)
        if m is None and k + 1 < len(texts) and re.fullmatch(r"(金额)?单位[:：]", text):
            m = _CAPTION.match(text + texts[k + 1])
        if m is not None:
            return m.group(2) == "元"
    return False


def _explained(form: RawForm) -> list[Cell]:
    """The form's unplaced cells without the amount caption (the split has read it)."""
    keep: list[Cell] = []
    skip_next = False
    for cell in form.unplaced:
        text = _WS.sub("", clean(cell.text))
        if skip_next and text in ("元", "万元"):
            skip_next = False
            continue
        skip_next = bool(re.fullmatch(r"(金额)?单位[:：]", text))
        if _CAPTION.match(text) or skip_next:
            continue
        keep.append(cell)
    return keep


def _repeats(block: dict[str, Cell], cells: dict[str, Cell]) -> bool:
    """Every project cell of the row says what the open block's cells say (serial aside)."""
    named = [f for f in cells if f != "serial"]
    return "project_name" in cells and all(
        f in block and _WS.sub("", block[f].text) == _WS.sub("", cells[f].text) for f in named
    )


def _split_one(form: RawForm) -> list[RawForm]:
    openers: list[tuple[int, dict[str, Cell]]] = []
    groups: list[Cell] = []
    carried: dict[str, Cell] = {}
    for index, cells in form.project_rows:
        if openers and openers[-1][0] == index:
            # Two openers before the same indicator: the first was a group (unit) row.
            group = openers.pop()[1]
            carried.update({f: c for f, c in group.items() if f in _UNIT_FIELDS})
            groups.extend(c for f, c in group.items() if f not in _UNIT_FIELDS)
        elif openers and _repeats(openers[-1][1], cells):
            continue  # the project's cells printed again on its next row (no merge): same block
        merged = {f: c for f, c in carried.items() if f not in cells}
        merged.update(cells)
        openers.append((index, merged))
        carried = {f: c for f, c in merged.items() if f in _UNIT_FIELDS}
    yuan = _in_yuan(form)
    unplaced = _explained(form) + groups
    out: list[RawForm] = []
    if openers and openers[0][0] > 0:
        openers.insert(0, (0, {}))  # rows before the first project: a block of their own
    for k, (start, cells) in enumerate(openers):
        end = openers[k + 1][0] if k + 1 < len(openers) else len(form.indicators)
        inds = form.indicators[start:end]
        header = dict(form.header)
        breakdown = list(form.breakdown) if k == 0 else []
        for field, cell in cells.items():
            if field.startswith(_BREAKDOWN):
                breakdown.append((field[len(_BREAKDOWN) :], cell))
            elif field == "unit_code":
                if "department" in cells:
                    header["department_code"] = cell
                else:
                    header["unit_code"] = cell  # the unit's own code: kept, not mapped
            else:
                header[field] = cell
        lines = [c.line for c in cells.values() if c.line is not None]
        lines += [i.line for i in inds if i.line is not None]
        part = dataclasses.replace(
            form,
            header=header,
            breakdown=breakdown,
            indicators=inds,
            line_start=form.line_start if k == 0 or not lines else min(lines),
            line_end=max(lines) if lines else form.line_end,
            unplaced=unplaced if k == 0 else [],
            notes=[*form.notes, f"project {k + 1} of {len(openers)} in one multi-project table"],
            pending=[],
            held={},
            stream=[],
            budget_in_yuan=yuan,
            project_rows=[],
        )
        out.append(part)
    return out
