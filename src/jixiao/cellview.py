"""``jixiao inspect --cells``: the typed cell stream of a file and what the grammar made of it.

A user who meets a new template needs to see *why* a row was read the way it was: how the
rendering was cut into cells, what each cell looks like on its own (its type, from its content
alone), and which role the reading gave it (a header field, an indicator column, the title, or
nothing). The cells are cut again here exactly as the pipeline cuts them (same readers, same
layout choice); the roles come from the finished result's provenance, so this view explains the
real run and cannot drift from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jixiao import layouts, vocab
from jixiao.errors import InputError
from jixiao.grammar import Row, classify, clean
from jixiao.ingest import readers
from jixiao.ingest.decode import decode
from jixiao.schema import FileResult

#: Cell types shown to the user, Chinese first (the code stays stable for scripts).
TYPE_LABELS: dict[str, str] = {
    "label": "标签",
    "heading": "列标题",
    "level1": "一级指标",
    "level2": "二级指标",
    "numbered": "编号指标",
    "operator": "符号",
    "value": "值",
    "date": "日期",
    "text": "文本",
    "empty": "空",
}

_OPERATORS = frozenset({"≥", "≤", "=", ">", "<", ">=", "<=", "＞", "＜", "＝", "≧", "≦"})
_DATE = re.compile(r"^\d{4}\s*(年|[.\-/]\d{1,2})[\d月日.\-/至到~—\s年]*$")
_LEADING_NUMBER = re.compile(r"^[≥≤=<>＞＜]*\s*[-+]?\d[\d.,，]*")

#: Field and role names as a person reads them (contract codes in brackets stay greppable).
ROLE_LABELS: dict[str, str] = {
    "title": "标题",
    "project_name": "项目名称",
    "project_code": "项目编码",
    "department": "主管部门",
    "department_code": "部门编码",
    "implementing_unit": "实施单位",
    "implementing_unit_code": "实施单位编码",
    "compiling_unit": "编制单位",
    "budget_total": "资金总额",
    "project_attribute": "项目属性",
    "period_start": "起始时间",
    "period_end": "终止时间",
    "duration": "项目期",
    "overview": "项目概况",
    "basis": "立项依据",
    "annual_goal": "年度目标",
    "other_goal": "其他目标",
    "level1": "一级指标",
    "level2": "二级指标",
    "name": "指标名称",
    "operator": "符号",
    "value": "指标值",
    "unit": "单位",
    "weight": "权重",
    "kind": "指标性质",
    "note": "指标解释",
    "seq": "序号",
    "unit_values": "各单位指标值",
    "name_and_note": "指标名称+指标解释",
}


def cell_type(text: str) -> str:
    """What a cell holds judged by its content alone (no position, no neighbours)."""
    t = clean(text)
    if t in _OPERATORS:
        return "operator"
    if _DATE.match(t):
        return "date"
    kind = classify(t)
    if kind == "value" and len(_LEADING_NUMBER.sub("", t)) > 6:
        return "text"  # a name that opens with a number (2022年…, 5G…), not a target
    if kind != "text":
        return kind
    if vocab.column_role(t):
        return "heading"
    if len(t) <= 20 and vocab.header_field(t.rstrip(":：")):
        return "label"
    return "text"


@dataclass(frozen=True)
class CellReading:
    """One cell of the stream: where it stood, its type, and the role the reading gave it."""

    line: int | None
    col: int | None
    text: str
    type: str
    role: str | None  # "form 0 · 项目名称", "form 0 · #3 name", "title", or None (unclaimed)


def file_rows(path: Path) -> tuple[str, list[Row]]:
    """The rows of cells the pipeline cuts ``path`` into, with the layout or format's name."""
    data = path.read_bytes()
    fmt = readers.sniff(data)
    if fmt not in ("text", "empty"):
        rows, fmt, _text = readers.read(data, path.name)
        return fmt, rows
    lines = decode(data, path.name).text.split("\n")
    layout, _score = layouts.choose(lines)
    return layout.name, layout.rows(lines, 1)


_Key = tuple[int | None, int | None, str]


def _roles(result: FileResult) -> dict[_Key, str]:
    """Each claimed cell (position and text: a glued line reuses positions) → its role."""
    roles: dict[_Key, str] = {}
    for k, form in enumerate(result.forms):
        for fieldname, cell in form.source.header_cells.items():
            label = ROLE_LABELS.get(fieldname, fieldname)
            roles.setdefault((cell.line, cell.col, clean(cell.text)), f"表{k + 1} · {label}")
        for i, ind in enumerate(form.indicators):
            for role, cell in ind.source.cells.items():
                label = ROLE_LABELS.get(role) or ROLE_LABELS.get(role.rsplit("_", 1)[0], role)
                roles.setdefault(
                    (cell.line, cell.col, clean(cell.text)), f"表{k + 1} · 指标{i + 1} {label}"
                )
    return roles


def readings(path: Path, result: FileResult) -> tuple[str, Iterator[list[CellReading]]]:
    """The cut's name and, row by row, every non-empty cell with its type and role."""
    try:
        name, rows = file_rows(path)
    except InputError:
        return result.layout or "?", iter(())
    roles = _roles(result)

    def role(line: int | None, col: int | None, text: str) -> str | None:
        found = roles.get((line, col, text))
        if found is None and line is not None and len(text) >= 4:
            # The title is one joined string (no cell of its own in provenance): a cell
            # printed just above a form's table and contained in its title is a title part.
            for k, form in enumerate(result.forms):
                start = form.source.line_start or 0
                if start - 3 <= line <= start + 6 and text.replace(" ", "") in form.title:
                    return f"表{k + 1} · 标题"
        return found

    def stream() -> Iterator[list[CellReading]]:
        for row in rows:
            cells = [
                CellReading(c.line, c.col, t, cell_type(t), role(c.line, c.col, t))
                for c, t in zip(row.cells, row.texts, strict=True)
                if t
            ]
            if cells:
                yield cells

    return name, stream()
