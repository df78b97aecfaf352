"""Unseen column headings named by the model; the rows read by jixiao's own grammar.

When the grammar finds a form (its header read) but reads no row, the table's column headings
are ones no vocabulary of ours knows (``具体考核内容 | 目标水平 | 计数方式``). Sending the whole
table costs the whole table, and the model would copy every cell. Instead only the heading
lines go out, numbered, in one small call; the answer is, per column, a **verbatim heading
span** and the field it heads. A span not in the heading lines (whitespace and width aside)
or that talks to a reader is dropped and counted. Each kept span is replaced in the source
lines by our own heading for its field, and the grammar reads the table again: every row,
value and unit is the grammar's reading of the source, never the model's. When that reading
still leaves cells of the table unexplained (or reads no row), the region goes to the
whole-region reading of ``repair.regions`` instead.

The same heading lines printed over many forms of a file (a publisher's template) are asked
once per run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from jixiao import defects, layouts
from jixiao.llm.prompts import Prompt, load_prompt
from jixiao.llm.stage import CALL_FAILURES, failure_reason, fan_out, run
from jixiao.llm.stats import LLMStats
from jixiao.normalize import build_form
from jixiao.parse import RawForm, split_forms
from jixiao.repair.llm import INSTRUCTION_LIKE, fence_safe
from jixiao.repair.regions import (
    Locator,
    Region,
    compact,
    explained,
    fold,
    heading_lines,
    is_content,
    scrap,
)
from jixiao.schema import Cell, FileResult, Form, Repair

if TYPE_CHECKING:
    from jixiao.llm.client import LLMClient

PROMPT_NAME = "map_columns"
#: Our own heading for each field a model may name (``vocab.column_role`` reads it back).
HEADINGS: dict[str, str] = {
    "level1": "一级指标",
    "level2": "二级指标",
    "name": "三级指标",
    "operator": "指标性质",
    "value": "指标值",
    "unit": "计量单位",
    "weight": "权重",
    "note": "备注",
    "group": "绩效指标",
}
ColumnField = Literal[
    "level1", "level2", "name", "operator", "value", "unit", "weight", "note", "group"
]
_CELL_EDGE = re.compile(r"[\t|\s]")


class ColumnSpan(BaseModel):
    heading: str
    field: ColumnField


class ColumnAnswer(BaseModel):
    """The field each column heading of 原文 heads; each heading a span copied from it."""

    columns: list[ColumnSpan] = Field(default_factory=list)

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        schema = super().model_json_schema(*args, **kwargs)
        return {**compact(schema), "title": schema["title"]}


@dataclass
class Headings:
    """One table's heading lines, as sent (numbered from 1: the same headings printed over
    many forms are one request)."""

    numbers: list[int]  # their source lines
    lines: list[str]

    @property
    def key(self) -> str:
        return "\n".join(self.lines)

    def numbered(self) -> str:
        return "\n".join(f"{k}|{ln}" for k, ln in enumerate(self.lines, 1))


def headings_of(result: FileResult, region: Region) -> Headings | None:
    """The heading lines of a region whose table the grammar read no row of, or None when
    the region is not such a table (see ``Region.table``)."""
    if not region.table or region.form_index is None:
        return None
    numbers = heading_lines(region)
    if not numbers:
        return None
    lines = (result.text or "").split("\n")
    return Headings(numbers, [lines[n - result.first_line] for n in numbers])


def ground(answer: ColumnAnswer, headings: Headings, dropped: list[str]) -> list[tuple[str, str]]:
    """The answer's (heading as printed, field) pairs whose heading occurs in the heading
    lines; the rest are dropped into ``dropped``."""
    loc = Locator(headings.key)
    out: list[tuple[str, str]] = []
    for col in answer.columns:
        if INSTRUCTION_LIKE.search(col.heading):
            dropped.append(f"heading {col.heading[:60]!r} reads as an instruction, not data")
            continue
        cell = loc.cell(col.heading) if fold(col.heading) else None
        if cell is None:
            dropped.append(f"heading {col.heading[:60]!r} does not occur in the heading lines")
            continue
        out.append((cell.text, col.field))
    return out


def _occurrences(line: str, span: str) -> list[tuple[int, int]]:
    """Where ``span`` stands in ``line`` as a whole cell (delimiters or the line's ends on
    both sides), else its first occurrence (glued text has no delimiters)."""
    hits: list[tuple[int, int]] = []
    at = line.find(span)
    while at >= 0 and span:
        end = at + len(span)
        before = line[at - 1] if at else " "
        after = line[end] if end < len(line) else " "
        if _CELL_EDGE.match(before) and _CELL_EDGE.match(after):
            hits.append((at, end))
        at = line.find(span, end)
    return hits


def relabel(lines: list[str], mapping: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """The heading lines with each mapped heading replaced by ours; and what was replaced."""
    out = list(lines)
    done: list[str] = []
    for span, name in sorted(mapping, key=lambda m: -len(m[0])):  # longer headings first
        found = [_occurrences(line, span) for line in out]
        if not any(found):  # no whole cell anywhere: its first occurrence (glued text)
            k = next((k for k, line in enumerate(out) if span in line), None)
            if k is not None:
                found[k] = [(out[k].find(span), out[k].find(span) + len(span))]
        for k, hits in enumerate(found):
            for a, b in reversed(hits):
                out[k] = out[k][:a] + HEADINGS[name] + out[k][b:]
        if any(found):
            done.append(f"{span}→{name}")
    return out, done


def reread(
    result: FileResult, region: Region, headings: Headings, mapping: list[tuple[str, str]]
) -> tuple[Form | None, str]:
    """The table read again by the grammar with the mapped headings: the form, or None and
    why not. Read from the first heading line to the region's end, or, when that reads no
    row (a heading wrapped over lines is joined inside a form only), from the form's first
    line. Only its rows are taken; cells left unexplained count after the heading lines."""
    lines = (result.text or "").split("\n")
    fixed, done = relabel([lines[n - result.first_line] for n in headings.numbers], mapping)
    if not done:
        return None, "no mapped heading is a cell of the heading lines"
    target = result.forms[region.form_index or 0]
    why = ""
    for start in dict.fromkeys([headings.numbers[0], target.source.line_start]):
        if start is None or start > headings.numbers[0]:
            continue
        form, why = _read_from(result, region, headings, fixed, start)
        if form is not None:
            form.source.notes.append("columns: " + ", ".join(done))
            return form, ""
    return None, why


def _read_from(
    result: FileResult, region: Region, headings: Headings, fixed: list[str], start: int
) -> tuple[Form | None, str]:
    """``reread`` from source line ``start``."""
    lines = (result.text or "").split("\n")
    first = result.first_line
    target = result.forms[region.form_index or 0]
    span = lines[start - first : region.line_end - first + 1]
    for n, line in zip(headings.numbers, fixed, strict=True):
        span[n - start] = line
    layout = next((x for x in layouts.REGISTRY if x.name == target.source.layout), None)
    if layout is None:
        layout = layouts.choose(span)[0]
    rows = layout.rows(span, start)
    raws, preamble = split_forms(rows, layout.positional)
    read = [r for r in raws if r.indicators]
    if len(read) != 1:
        return None, f"the mapped table reads as {len(read)} forms with rows"
    raw = read[0]
    form = build_form(raw, result.file, target.source.form_index, result.encoding, layout.name)
    context = region.context or region.text
    defects.check_form(form, context, defects.text_wraps(context) and defects.cells_wrap(rows))
    glued = layout.name.startswith("glued")
    left = [
        c
        for c in [*preamble, *_leftovers(raw)]
        if c.line is not None
        and c.line > headings.numbers[-1]  # the header is the grammar's first reading's
        and is_content(c)
        and not explained(c, form, glued)
        and not scrap(c, span, start)
    ]
    if left:
        where = ", ".join(str(c.line) for c in left[:5])
        return None, f"{len(left)} cells still unexplained under the mapped headings ({where})"
    return form, ""


def _leftovers(raw: RawForm) -> list[Cell]:
    """Cells of a raw form nothing claimed (as ``pipeline`` reports them)."""
    cells = [*raw.unplaced, *raw.totals, *(c for row in raw.indicators for c in row.extra)]
    return cells + [label for _, label in raw.pending]


@dataclass
class ColumnsOutcome:
    """What the column maps did: the regions read (index in the work list), usage, drops."""

    stats: Any  # LLMStats
    read: set[int] = field(default_factory=set)
    dropped: int = 0
    why: dict[int, str] = field(default_factory=dict)  # regions not read: why


async def amap_columns(
    work: list[tuple[FileResult, Region]],
    config: Any,
    *,
    transport: Any = None,
    prompt: Prompt | None = None,
) -> ColumnsOutcome:
    """Ask each distinct heading block once, then read each table under its map and put the
    rows into the grammar's form. The regions not in ``read`` are for the whole-region call."""
    blocks: dict[str, Headings] = {}
    of: dict[int, Headings] = {}
    for k, (result, region) in enumerate(work):
        headings = headings_of(result, region)
        if headings is not None:
            of[k] = headings  # its own lines; the answer is shared by every copy of them
            blocks.setdefault(headings.key, headings)
    if config.backend == "none" or not blocks:
        return ColumnsOutcome(LLMStats())
    used = prompt or load_prompt(PROMPT_NAME)
    asked = list(blocks.values())

    async def ask(headings: Headings, client: LLMClient) -> tuple[ColumnAnswer | None, str]:
        from jixiao.llm.client import AnswerRejected

        if client.config.backend == "openai" and (stop := client.unavailable()):
            return None, stop
        try:
            document = fence_safe(headings.numbered())
            got = await client.structured(used, used.render(document=document), ColumnAnswer)
        except AnswerRejected as exc:
            return None, failure_reason(exc)
        except CALL_FAILURES as exc:
            return None, failure_reason(exc, "table heading")
        return got, ""

    answers, stats = await fan_out(asked, config, ask, transport=transport)
    outcome = ColumnsOutcome(stats)
    grounded: dict[str, list[tuple[str, str]]] = {}
    for headings, got in zip(asked, answers, strict=True):
        answer, why = got or (None, "")
        dropped: list[str] = []
        grounded[headings.key] = ground(answer, headings, dropped) if answer else []
        outcome.dropped += len(dropped)
        if why:
            outcome.why |= {k: why for k, h in of.items() if h.key == headings.key}
    stats.refused += outcome.dropped
    by = f"llm:{config.model}@{used.ref}"
    for k, headings in of.items():
        if k in outcome.why:
            continue
        result, region = work[k]
        form, why = reread(result, region, headings, grounded[headings.key])
        if form is None:
            outcome.why[k] = why
            continue
        target = result.forms[region.form_index or 0]
        if len(form.indicators) < len(target.indicators):
            outcome.why[k] = "the mapped headings read fewer rows than the grammar did"
            continue
        lines = f"{headings.numbers[0]}-{region.line_end}"
        for ind in form.indicators:
            ind.source.repairs.append(
                Repair(
                    field="row",
                    after=ind.name_raw,
                    by=by,
                    evidence=f"the grammar's reading of source lines {lines} under the model's "
                    f"column headings ({form.source.notes[-1].removeprefix('columns: ')})",
                    evidence_line=ind.source.line,
                    confidence=1.0,
                )
            )
        target.indicators = form.indicators
        target.source.notes.append(f"rows read by the grammar under {by}'s {form.source.notes[-1]}")
        outcome.read.add(k)
    return outcome


def map_columns(
    work: list[tuple[FileResult, Region]],
    config: Any,
    *,
    transport: Any = None,
    prompt: Prompt | None = None,
) -> ColumnsOutcome:
    """``amap_columns`` from synchronous code."""
    return run(amap_columns(work, config, transport=transport, prompt=prompt))
