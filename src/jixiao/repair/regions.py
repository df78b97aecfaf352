"""Form-level LLM fallback: regions the grammar left unexplained, read as verbatim spans.

A *region* is a run of source lines the grammar could not explain: a form's span that still
holds cells nothing claimed (``FormSource.unread``), a form whose table gave no rows, or a
file where no form was found although its text speaks of 绩效目标/指标. The trigger needs no
labels, and a form the grammar reads fully never fires (no unread cell, rows read).

The region's text goes to the model line-numbered, in one call, and the model answers with
the table as rows of **verbatim cell spans** (level1, level2, name, operator, value, unit,
weight) and the header fields as spans. Every span must occur in the region (whitespace and
width aside) or it is dropped and counted; a span that talks to a reader (an injected
instruction) is dropped too. Kept spans are resolved to the source's own characters and line,
and jixiao's own builder (``normalize.build_indicator``/``build_form``) and defect checks turn
them into typed fields, exactly as for parsed cells: the model never types a value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, create_model

from jixiao import defects, vocab
from jixiao.grammar import classify, clean, to_number
from jixiao.llm.prompts import Prompt, load_prompt
from jixiao.llm.stage import CALL_FAILURES, failure_reason, fan_out, run
from jixiao.llm.stats import LLMStats
from jixiao.normalize import build_form
from jixiao.parse import RawForm, RawIndicator
from jixiao.repair.llm import INSTRUCTION_LIKE, fence_safe
from jixiao.schema import FORM_FIELDS, Cell, FileResult, Form, Indicator, Repair

if TYPE_CHECKING:
    from jixiao.llm.client import LLMClient

PROMPT_NAME = "read_region"
HEADER_PROMPT_NAME = "read_header"
#: A region longer than this (characters) is cut into pieces of about this size at line ends.
MAX_REGION_CHARS = 8_000
#: Lines above a form's first line sent with its region (a title wrapped over lines).
CONTEXT_LINES = 3
#: Text that says a page holds a performance-target form, when the grammar found none.
FORM_VOCABULARY = re.compile(r"绩效目标|绩效指标|三级指标|二级指标|指标值")
#: Web-page furniture around a published form: never a reason to read a region.
_CHROME = re.compile(
    r"^(发布时间|发布日期|日期|时间|点击|浏览|阅读|作者|来源|信息来源|字体|文件下载|附件下载|返回|"
    r"标签|政策咨询|您的位置|当前位置|首页|打印|关闭|分享|我要纠错|\]我要纠错|如果您对)"
)
_CJK_OR_DIGIT = re.compile(r"[\u3400-\u9fff0-9]")

#: Header fields a model may answer, as the builder's label keys (``RawForm.header``).
HEADER_SPANS: tuple[str, ...] = (
    "title",
    "year",
    "project_name",
    "department",
    "implementing_unit",
    "compiling_unit",
    "budget_total",
    "project_attribute",
    "period_start",
    "period_end",
    "duration",
    "overview",
    "basis",
    "annual_goal",
)
ROW_SPANS: tuple[str, ...] = ("level1", "level2", "name", "operator", "value", "unit", "weight")
#: At most this many non-blank lines are sent as a table's heading lines.
MAX_HEADING_LINES = 10


# ----------------------------------------------------------------------------- regions


@dataclass
class Region:
    """Source lines ``line_start..line_end`` of one file that the grammar left unexplained."""

    file: str
    line_start: int
    line_end: int
    lines: list[str]  # the source lines, in order
    reasons: list[str] = field(default_factory=list)
    form_index: int | None = None  # index in the file's forms; None: no form was read here
    #: ``form``: the whole form is read (rows and header); ``header``: only the lines above the
    #: table, asked for header fields only (every unexplained cell is above the first row).
    part: str = "form"
    fields: tuple[str, ...] = ()  # a header region: the header fields asked (the form lacks)
    #: The form's whole span when only its table is sent: the text the defect checks of the
    #: rows read see (a cut name's rest may be printed in the header); empty: ``text``.
    context: str = ""
    #: Each line's source line number when the lines are not a run (a header region sends
    #: only its unexplained lines); empty: ``line_start``, ``line_start + 1`` …
    numbers: list[int] = field(default_factory=list)
    #: A table the grammar read no row of under a header it read whole (unseen column
    #: headings): its heading lines may be mapped first (``repair.columns``).
    table: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def line_numbers(self) -> list[int]:
        """The source line of each of ``lines``."""
        return self.numbers or list(range(self.line_start, self.line_start + len(self.lines)))

    def numbered(self) -> str:
        """The region as the model sees it: ``<line>|<text>`` per line."""
        return "\n".join(f"{n}|{ln}" for n, ln in zip(self.line_numbers(), self.lines, strict=True))


def is_content(cell: Cell) -> bool:
    """An unread cell that is content, not page furniture or a one-character scrap."""
    text = clean(cell.text).strip()
    return len(_CJK_OR_DIGIT.findall(text)) >= 2 and not _CHROME.match(text)


#: A unit note alone in a cell: ``(万元)``, the annotation of a label beside it.
_UNIT_NOTE = re.compile(r"^[（(]\s*(万元|元|万|千元|亿元)\s*[)）]$")
#: A time of day: the rest of a page's 发布时间 line.
_CLOCK = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")
#: Row flags the cell stage would ask about (a whole-form reading answers them in the same call).
_OPEN_FLAGS = frozenset({"name_truncated", "value_missing"})
_NUMBER_CELL = re.compile(r"^[0-9][0-9,，]*(?:\.[0-9]+)?$")


def _read_texts(form: Form) -> tuple[dict[int | None, set[str]], set[str], list[str], set[str]]:
    """What the grammar read of ``form``: row cells by line, every row cell, the header's
    texts, and the levels its rows carry (all folded)."""
    by_line: dict[int | None, set[str]] = {}
    every: set[str] = set()
    levels: set[str] = set()
    for ind in form.indicators:
        levels |= {v for v in (ind.level1, ind.level2) if v}
        for cell in ind.source.cells.values():
            key = fold(clean(cell.text))
            if key:
                by_line.setdefault(cell.line, set()).add(key)
                every.add(key)
    header = [fold(c.text) for c in form.source.header_cells.values() if fold(c.text)]
    for name in _MERGED_FIELDS:
        value = getattr(form, name)
        if isinstance(value, str) and value:
            header.append(fold(value))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            header.append(fold(f"{value:g}"))
    header += [fold(f"{v:g}") for v in form.budget_breakdown.values() if v is not None]
    return by_line, every, header, levels


def explained(cell: Cell, form: Form, glued: bool = False, read: Any = None) -> bool:
    """An unread cell that only repeats what the grammar read, so reading it teaches nothing.

    A level heading the rows already carry or a level over no row, a 定性/定量 tag, a copy of a cell read on the same
    line (a table printed twice side by side: 申报 and 批复 columns), a header label whose
    field is read, or a header value read elsewhere (a unit named again above the table, an
    amount printed twice). Glued text has one line, so a same-line copy proves nothing there.
    """
    by_line, _every, header, levels = read or _read_texts(form)
    text = clean(cell.text).strip()
    key = fold(text)
    if not key or _UNIT_NOTE.match(key) or _CLOCK.match(key) or not vocab.strip_annotation(text):
        return True  # nothing, a unit note, a clock time, a score note like (40-50)分
    if vocab.canon_level1(text) in levels or vocab.canon_level2(text) in levels:
        return True
    if vocab.canon_level1(text) is not None or vocab.canon_level2(text) is not None:
        return True  # a level printed over no row (a placeholder: 生态环境成本指标, then nothing)
    if key in vocab.QUALITATIVE_MARKERS or key in vocab.QUANTITATIVE_MARKERS:
        return True
    if not glued and key in by_line.get(cell.line, set()):
        return True
    label, sep, value = text.partition(":") if ":" in text else text.partition("：")
    field = vocab.header_field(label if sep else text)
    field_read = field == "ignored" or (field is not None and getattr(form, field, None))
    if field_read and (not sep or not fold(value) or any(fold(value) in h for h in header)):
        return True  # a label whose field is read (and its value, if beside it, is that)
    if sep and len(fold(value)) >= 4 and any(fold(value) in h for h in header):
        return True  # 预算单位:X where X is read as the department
    if _NUMBER_CELL.match(key):
        number = to_number(key.replace(",", "").replace("，", ""))
        return number is not None and fold(f"{float(number):g}") in header
    return len(key) >= 4 and any(key in h for h in header)


def _rereadable(ind: Indicator, text: str) -> bool:
    """A row with an open cell that reading its lines again could settle: not a name cut by
    the page end (its rest printed nowhere), nor that cut row's missing value."""
    flags = _OPEN_FLAGS & set(ind.flags)
    if flags and flags <= {"name_truncated", "value_missing"}:  # a row the page end cut
        raw = fold(ind.name_raw or "")
        folded = fold(text)
        at = folded.find(raw) if raw else -1
        cut_everywhere = True
        while at >= 0:
            after = folded[at + len(raw) : at + len(raw) + 1]
            if after and after not in "|":
                cut_everywhere = False
                break
            at = folded.find(raw, at + 1)
        if cut_everywhere:
            return False  # the row ends with the page: nothing more is printed to read
    return bool(flags)


def scrap(cell: Cell, lines: list[str], first: int) -> bool:
    """A piece of at most three characters alone on its line (a label wrapped over lines, or
    a row cut by the page end): no field can be read from it."""
    if cell.line is None or not 0 <= cell.line - first < len(lines):
        return False
    key = fold(clean(cell.text))
    return len(key) <= 3 and not re.search(r"\d", key) and fold(lines[cell.line - first]) == key


def find_regions(result: FileResult) -> list[Region]:
    """The regions of one file's result that the LLM fallback should read (maybe none)."""
    if not result.text:
        return []
    lines = result.text.split("\n")
    first = result.first_line

    def cut(start: int, end: int) -> list[str]:
        return lines[max(0, start - first) : max(0, end - first + 1)]

    regions: list[Region] = []
    for k, form in enumerate(result.forms):
        reasons: list[str] = []
        glued = (form.source.layout or "").startswith("glued")
        read = _read_texts(form)
        # with a form below, what follows this form's last row is that form's (its title)
        after = result.forms[k + 1].source.line_start if k + 1 < len(result.forms) else None
        last_row = max((i.source.line or 0 for i in form.indicators), default=0)
        if after is not None and last_row:
            after = min(after, last_row + 1)
        unread = [
            c
            for c in form.source.unread
            if is_content(c)
            and not explained(c, form, glued, read)
            and not (after is not None and c.line is not None and c.line >= after)
            and not scrap(c, lines, first)
        ]
        if unread:
            where = ", ".join(str(c.line) for c in unread[:5] if c.line is not None)
            reasons.append(f"{len(unread)} cells nothing explained (lines {where})")
        if not form.indicators:
            reasons.append("no indicator rows read")
        if (form.source.layout or "").startswith("glued") and any(
            "value_missing" in i.flags for i in form.indicators
        ):
            # glued text is cut at vocabulary anchors: a row with no value may be a mis-cut
            reasons.append("glued text with rows that have no value")
        start, end = form.source.line_start, form.source.line_end
        if not reasons or start is None:
            continue
        end = max([end or start] + [c.line or start for c in form.source.unread])
        # a title printed over several lines may start just above the form's first line
        start = max(first, start - CONTEXT_LINES)
        part, context = "form", ""
        is_table = False
        fields: tuple[str, ...] = ()
        numbers: list[int] = []
        rows = [i.source.line for i in form.indicators if i.source.line is not None]
        if (
            unread
            and rows
            and len(reasons) == 1
            and all(c.line is not None and c.line < min(rows) for c in unread)
            and not any(_rereadable(i, result.text) for i in form.indicators)
        ):
            # only the header is unexplained and every row is whole: the header's lines, asked
            # for the header fields the form lacks (with open cells the whole form is read)
            heads = table_headings(form, unread, lines, first, min(rows))
            if heads:
                # unexplained cells among the table's headings: the rows were read under
                # headings the grammar half knows; the table goes to the column map
                regions.append(
                    Region(
                        result.file,
                        heads[0],
                        end,
                        cut(heads[0], end),
                        [*reasons, f"unexplained table headings (lines {heads[0]}-{heads[-1]})"],
                        form_index=k,
                        context="\n".join(cut(start, end)),
                        table=True,
                    )
                )
                unread = [c for c in unread if c.line not in heads]
                if not unread:
                    continue
            part, end = "header", min(rows) - 1
            fields = missing_header(form)
            if not fields:
                continue  # every header field is read: the unread cells fill none of them
            numbers = header_lines(unread, lines, first, start, end)
        elif unread and not rows and not missing_header(form, essential=True):
            # a table read by no row under a header read whole (unseen column headings): only
            # the table's lines, from its first unexplained cell, are sent (the header would
            # only repeat what the grammar read)
            header_end = max(
                (c.line for c in form.source.header_cells.values() if c.line is not None),
                default=None,
            )
            table = min((c.line for c in unread if c.line is not None), default=None)
            if header_end is not None and table is not None and table > header_end:
                context, start = "\n".join(cut(start, end)), table
                is_table = True
        regions.append(
            Region(
                result.file,
                numbers[0] if numbers else start,
                numbers[-1] if numbers else end,
                [lines[n - first] for n in numbers] if numbers else cut(start, end),
                reasons,
                form_index=k,
                part=part,
                fields=fields if part == "header" else (),
                context=context or ("\n".join(cut(start, end)) if numbers else ""),
                numbers=numbers,
                table=is_table,
            )
        )
    if not result.forms and FORM_VOCABULARY.search(result.text):
        last = first + len(lines) - 1
        regions.append(
            Region(
                result.file,
                first,
                last,
                lines,
                ["no form found, but the text speaks of 绩效目标/指标"],
            )
        )
    return [piece for r in regions for piece in _pieces(r)]


#: A column heading is short; a longer cell is a row's text (a name, a goal).
MAX_HEADING_CHARS = 14


def data_cell(text: str) -> bool:
    """A cell of a row, not of a heading: a number, a target, a level category, a long text."""
    text = clean(text).strip()
    return (
        bool(text)
        and vocab.column_role(text) is None
        and (
            classify(text) in ("value", "number", "level1", "level2")
            or len(fold(text)) > MAX_HEADING_CHARS
        )
    )


def table_headings(
    form: Form, unread: list[Cell], lines: list[str], first: int, first_row: int
) -> list[int]:
    """The source lines between the header the grammar read and the table's first row that
    hold headings (no row's cell), when an unexplained cell stands among them; else []."""
    header_end = max(
        (c.line for c in form.source.header_cells.values() if c.line is not None), default=0
    )
    block = [
        n for n in range(max(header_end + 1, first), first_row) if lines[n - first].strip(" \t|")
    ]
    if not block or not any(c.line in block for c in unread):
        return []
    if any(c.line in block for c in form.source.header_cells.values()) or len(block) > 12:
        return []
    texts = [lines[n - first] for n in block]
    candidate = Region(form.source.file, block[0], block[-1], texts, numbers=block)
    return block if heading_lines(candidate) == block else []


def heading_lines(region: Region) -> list[int]:
    """The source lines of a table region that hold its column headings: from the region's
    first line up to the first line with a row's cell (a number, a target, a level category,
    a long text) or, after two lines printed together, the first blank one; at most
    ``MAX_HEADING_LINES`` non-blank lines; [] when the first line is a row already."""
    picked: list[int] = []
    spaced = False
    for number, line in zip(region.line_numbers(), region.lines, strict=True):
        if not line.strip(" \t|"):
            if len(picked) >= 2 and not spaced:
                break  # a heading printed a cell a line ends at the line between it and the rows
            spaced = spaced or bool(picked)  # headings printed with blank lines between them
            continue
        if any(data_cell(c) for c in re.split(r"[\t|\s]+", line)):
            break
        picked.append(number)
        if len(picked) >= MAX_HEADING_LINES:
            break
    return picked


#: A cell that can be a header label (its value beside or below it): short, no digit, no
#: sentence punctuation.
_LABEL_LIKE = re.compile(r"^[^\d，。；;,.！？!?]{2,12}[:：]?$")


def header_lines(
    unread: list[Cell], lines: list[str], first: int, start: int, end: int
) -> list[int]:
    """The lines of a header region worth sending: each line holding an unexplained cell,
    and after a line that ends in an unexplained label-like cell the next non-blank line
    (the value printed below its label). The rest of the header the grammar read already."""
    picked: set[int] = set()
    for cell in unread:
        if cell.line is None or not start <= cell.line <= end:
            continue
        picked.add(cell.line)
        pieces = [p.strip() for p in re.split(r"[\t|]", lines[cell.line - first]) if p.strip()]
        if pieces and fold(pieces[-1]) == fold(cell.text) and _LABEL_LIKE.match(fold(cell.text)):
            below = next(
                (n for n in range(cell.line + 1, end + 1) if lines[n - first].strip()), None
            )
            if below is not None:
                picked.add(below)
    return sorted(picked)


def _pieces(region: Region) -> list[Region]:
    """A long region as pieces of at most ``MAX_REGION_CHARS`` characters, cut at line ends."""
    if len(region.text) <= MAX_REGION_CHARS or region.numbers:
        return [region]  # a region of picked lines is a few lines

    def lines_at(start: int, chunk: list[str]) -> Region:
        end = start + len(chunk) - 1
        return Region(
            region.file, start, end, chunk, region.reasons, part=region.part, context=region.context
        )

    out: list[Region] = []
    chunk: list[str] = []
    start, size = region.line_start, 0
    for k, line in enumerate(region.lines):
        if chunk and size + len(line) > MAX_REGION_CHARS:
            out.append(lines_at(start, chunk))
            start, size, chunk = region.line_start + k, 0, []
        chunk.append(line[:MAX_REGION_CHARS])
        size += len(line) + 1
    if chunk:
        out.append(lines_at(start, chunk))
    for piece in out:
        piece.form_index = region.form_index if len(out) == 1 else None
    if region.form_index is not None and out:
        out[0].form_index = region.form_index
    return out


# ----------------------------------------------------------------------------- spans


class Locator:
    """Find a span in a region's text, whitespace and character width aside.

    Each source character is folded on its own (NFKC, spaces dropped), so a match in the
    folded text maps back to the source's own characters and to its line.
    """

    def __init__(self, text: str, first_line: int = 1, numbers: list[int] | None = None) -> None:
        self.text = text
        self.first_line = first_line
        self.numbers = numbers or []  # each line's source line, when not a run from first_line
        folded: list[str] = []
        where: list[int] = []
        for i, ch in enumerate(text):
            for f in fold(ch):
                folded.append(f)
                where.append(i)
        self.folded = "".join(folded)
        self.where = where

    def find(self, span: str, start: int = 0) -> tuple[int, int] | None:
        """Source offsets ``[a, b)`` of the first match of ``span`` at or after folded ``start``."""
        key = fold(span)
        if not key:
            return None
        pos = self.folded.find(key, start)
        if pos < 0:
            return None
        return self.where[pos], self.where[pos + len(key) - 1] + 1

    def locate(
        self, span: str, near: int | None = None, before: bool = False
    ) -> tuple[int, int] | None:
        """Source offsets of the occurrence of ``span`` a reader means: one within a line
        before one across a line break (``15`` is not ``1`` above ``5``), then the nearest
        after source offset ``near`` (a row's value after its name; ``before``: the nearest
        before it, as a row's levels), else the first."""
        key = fold(span)
        hits: list[tuple[int, int]] = []
        pos = self.folded.find(key) if key else -1
        while pos >= 0:
            hits.append((self.where[pos], self.where[pos + len(key) - 1] + 1))
            pos = self.folded.find(key, pos + 1)
        if not hits:
            return None

        def rank(hit: tuple[int, int]) -> tuple[bool, bool, int]:
            a, b = hit
            if near is None:
                return "\n" in self.text[a:b], False, a
            wrong_side = a > near if before else a < near
            return "\n" in self.text[a:b], wrong_side, abs(a - near)

        return min(hits, key=rank)

    def cell(self, span: str, near: int | None = None, before: bool = False) -> Cell | None:
        """The span as a source cell: the source's own text there, and its line; or None."""
        hit = self.locate(span, near, before)
        if hit is None:
            return None
        a, b = hit
        k = self.text.count("\n", 0, a)
        line = self.numbers[k] if k < len(self.numbers) else self.first_line + k
        return Cell(text=self.text[a:b], line=line)


def fold(text: str) -> str:
    """Text for span matching: NFKC per character, whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", ch) for ch in text if not ch.isspace())


# ----------------------------------------------------------------------------- answer schema


class RowSpans(BaseModel):
    """One indicator row."""

    level1: str | None = None
    level2: str | None = None
    name: str | None = None
    operator: str | None = None
    value: str | None = None
    unit: str | None = None
    weight: str | None = None


class BreakdownSpan(BaseModel):
    label: str
    amount: str | None = None


class HeaderSpans(BaseModel):
    """A form's header fields."""

    title: str | None = None
    year: str | None = None
    project_name: str | None = None
    department: str | None = None
    implementing_unit: str | None = None
    compiling_unit: str | None = None
    budget_total: str | None = None
    budget_breakdown: list[BreakdownSpan] = Field(default_factory=list)
    project_attribute: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    duration: str | None = None
    overview: str | None = None
    basis: str | None = None
    annual_goal: str | None = None


class FormSpans(HeaderSpans):
    """One form: header fields and rows."""

    rows: list[RowSpans] = Field(default_factory=list)


class RegionAnswer(BaseModel):
    """The forms of 原文 (usually one); every value a span copied from it, or null."""

    forms: list[FormSpans] = Field(default_factory=list)

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The schema the model is shown, without what it does not need (see ``compact``)."""
        schema = super().model_json_schema(*args, **kwargs)
        return {**compact(schema), "title": schema["title"]}  # tools mode names the function


#: What each header span is, as the header prompt lists the fields it asks.
HEADER_GLOSS: dict[str, str] = {
    "title": "表名",
    "year": "年度",
    "project_name": "项目名称",
    "department": "主管部门",
    "implementing_unit": "实施单位",
    "compiling_unit": "编制单位",
    "budget_total": "资金总额",
    "budget_breakdown": "资金构成 [{label, amount}]",
    "project_attribute": "项目属性（新增/延续）",
    "period_start": "起始时间",
    "period_end": "终止时间",
    "duration": "实施期限",
    "overview": "项目概况",
    "basis": "立项依据",
    "annual_goal": "年度目标",
}


class HeaderAnswer(BaseModel):
    """Header fields of the form in 原文; every value a span copied from it, or null."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        schema = super().model_json_schema(*args, **kwargs)
        return {**compact(schema), "title": schema["title"]}

    def as_region(self) -> RegionAnswer:
        """The same reading as a one-form ``RegionAnswer`` with no rows."""
        return RegionAnswer(forms=[FormSpans(**self.model_dump())])


@lru_cache(maxsize=64)
def header_answer(fields: tuple[str, ...]) -> type[HeaderAnswer]:
    """The answer model of a header region: only the fields asked (the schema the model is
    shown holds nothing else)."""
    spec: dict[str, Any] = {
        f: (list[BreakdownSpan], Field(default_factory=list))
        if f == "budget_breakdown"
        else (str | None, None)
        for f in fields
    }
    return create_model("HeaderAnswer", __base__=HeaderAnswer, **spec)


#: Header fields every form of ours prints (the rest are printed by some templates only).
ESSENTIAL_HEADER = ("title", "project_name", "department")


def missing_header(form: Form, essential: bool = False) -> tuple[str, ...]:
    """The header fields ``form`` has no value for (what a header region may fill); with
    ``essential``, only those of ``ESSENTIAL_HEADER``."""
    if essential:  # a department's form (部门整体) names no project
        wanted = [f for f in ESSENTIAL_HEADER if f != "project_name" or form.form_kind == "project"]
        return tuple(f for f in wanted if getattr(form, f, None) in (None, ""))
    out = [f for f in HEADER_SPANS if getattr(form, f, None) in (None, "")]
    if not form.budget_breakdown:
        out.insert(
            out.index("project_attribute") if "project_attribute" in out else len(out),
            "budget_breakdown",
        )
    return tuple(out)


def compact(schema: Any) -> Any:
    """A JSON schema without titles, defaults and ``anyOf [X, null]`` (nullability is said
    once in the prompt): the same contract in a fraction of the tokens."""
    if isinstance(schema, list):
        return [compact(x) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: compact(v) for name, v in value.items()}  # names are fields
            continue
        if key in ("title", "default"):
            continue
        if key == "anyOf" and isinstance(value, list):
            kept = [v for v in value if v != {"type": "null"}]
            if len(kept) == 1:
                out.update(compact(kept[0]))
                continue
        out[key] = compact(value)
    return out


@dataclass
class Built:
    """What a region's answer became: typed forms, and the spans dropped (with why)."""

    forms: list[Form]
    dropped: list[str] = field(default_factory=list)
    kept: int = 0
    header_keys: list[set[str]] = field(default_factory=list)  # grounded header fields per form


def _ground(
    span: str | None,
    loc: Locator,
    what: str,
    dropped: list[str],
    near: int | None = None,
    before: bool = False,
) -> Cell | None:
    if span is None or not fold(span):
        return None
    if INSTRUCTION_LIKE.search(span):
        dropped.append(f"{what}: {span[:60]!r} reads as an instruction, not data")
        return None
    cell = loc.cell(span, near, before)
    if cell is None:
        dropped.append(f"{what}: {span[:60]!r} does not occur in the region")
    return cell


def raw_form(spans: FormSpans, loc: Locator, dropped: list[str]) -> RawForm:
    """A ``RawForm`` from grounded spans (ungrounded ones dropped into ``dropped``)."""
    raw = RawForm()
    for key in HEADER_SPANS:
        cell = _ground(getattr(spans, key), loc, key, dropped)
        if cell is None:
            continue
        if key == "title":
            raw.title = cell
        else:
            raw.header[key] = cell
    for item in spans.budget_breakdown:
        label = _ground(item.label, loc, "budget_breakdown label", dropped)
        if label is None:
            continue
        amount = _ground(item.amount, loc, "budget_breakdown amount", dropped)
        key = vocab.breakdown_key(label.text) or "".join(clean(label.text).split())
        raw.breakdown.append((key, amount))
    cursor = 0  # where the row above was found: rows come in source order
    for r, row in enumerate(spans.rows):
        cells: dict[str, Cell] = {}
        at = loc.locate(row.name, cursor) if row.name and fold(row.name) else None
        near = at[0] if at else cursor  # a row's cells are found near its name
        for role in ("name", *(x for x in ROW_SPANS if x != "name")):
            level = role in ("level1", "level2")  # printed before the name
            cell = _ground(getattr(row, role), loc, f"row {r} {role}", dropped, near, level)
            if cell is not None:
                cells[role] = cell
        cursor = at[1] if at else cursor
        if "name" not in cells:
            if cells:
                dropped.append(f"row {r}: no grounded name, row not kept")
            continue
        raw.indicators.append(RawIndicator(cells=cells, line=cells["name"].line))
    # Levels a model leaves blank are merged cells: carried down as the grammar does.
    raw.columns = {0: "level1", 1: "level2", 2: "name"}
    lines = [c.line for c in [raw.title, *raw.header.values()] if c and c.line is not None]
    lines += [i.line for i in raw.indicators if i.line is not None]
    raw.line_start = min(lines) if lines else loc.first_line
    raw.line_end = max(lines) if lines else loc.first_line
    return raw


def build_region(
    answer: RegionAnswer,
    region: Region,
    *,
    by: str,
    encoding: str | None = None,
    layout: str | None = None,
    first_index: int = 0,
) -> Built:
    """Typed forms from a region's answer, through the same builder and checks as the grammar."""
    loc = Locator(region.text, region.line_start, region.numbers)
    dropped: list[str] = []
    forms: list[Form] = []
    keys: list[set[str]] = []
    kept = 0
    for spans in answer.forms:
        raw = raw_form(spans, loc, dropped)
        if not raw.indicators and not raw.header and raw.title is None:
            continue
        kept += len(raw.header) + len(raw.indicators) + (raw.title is not None)
        form = build_form(raw, region.file, first_index + len(forms), encoding, layout or "llm")
        defects.check_form(form, region.context or region.text)
        lines = f"{region.line_start}-{region.line_end}"
        form.source.notes.append(f"read by {by} from source lines {lines}")
        for ind in form.indicators:
            ind.source.repairs.append(
                Repair(
                    field="row",
                    after=ind.name_raw,
                    by=by,
                    evidence=f"verbatim spans of source lines {lines}",
                    evidence_line=ind.source.line,
                    confidence=1.0,
                )
            )
        forms.append(form)
        keys.append(set(raw.header) | ({"title"} if raw.title is not None else set()))
    return Built(forms, dropped, kept, keys)


# ----------------------------------------------------------------------------- merging

#: Header fields the fallback may set on a form the grammar read in part.
_MERGED_FIELDS = tuple(f for f in FORM_FIELDS if f not in ("budget_breakdown", "indicators"))


def merge_reading(form: Form, read: Form, header_keys: set[str]) -> int:
    """Put the fallback's reading of a region into the grammar's form; return fields changed.

    A header field the model grounded replaces the grammar's; the rows replace the grammar's
    when the model read at least half as many (a model that skipped most of a table does not
    wipe out what the grammar read).
    """
    changed = 0
    keys = set(header_keys)
    if "title" in keys:
        keys |= {"form_kind", "year"}
    if {"project_name"} & keys:
        keys.add("project_code")
    if "department" in keys:
        keys.add("department_code")
    if "implementing_unit" in keys:
        keys.add("implementing_unit_code")
    for name in _MERGED_FIELDS:
        value = getattr(read, name)
        if name in keys and value not in (None, "") and value != getattr(form, name):
            setattr(form, name, value)
            changed += 1
    if read.budget_breakdown and read.budget_breakdown != form.budget_breakdown:
        form.budget_breakdown = dict(read.budget_breakdown)
        changed += 1
    if read.indicators and 2 * len(read.indicators) >= len(form.indicators):
        # A cut name cell is a fact of the source (the file ends inside it), whoever reads it.
        cut = {
            ind.name_raw: ind
            for ind in form.indicators
            if "name_truncated" in ind.flags and ind.name_raw
        }
        for ind in read.indicators:
            old = cut.get(ind.name_raw)
            if old is not None and "name_truncated" not in ind.flags:
                for ev in old.source.evidence:
                    if ev.flag == "name_truncated":
                        ind.add_flag(ev.flag, ev.reason, *ev.cells)
                        break
        kept = _unread_rows(form.indicators, read.indicators)
        form.indicators = sorted(
            [*read.indicators, *kept], key=lambda i: i.source.line if i.source.line else 0
        )
        changed += len(read.indicators)
    form.source.notes.extend(read.source.notes)
    return changed


def _unread_rows(grammar: list[Indicator], model: list[Indicator]) -> list[Indicator]:
    """The grammar's rows the model's reading left out (a name wrapped over lines is no
    verbatim span): kept when they read as rows (a name of four characters or more, a value
    or a weight) and no row of the model's has their name or a name they begin or end."""
    names = [fold(i.name_raw or "") for i in model if i.name_raw]
    out = []
    for ind in grammar:
        name = fold(ind.name_raw or "")
        if len(name) < 4 or (ind.value is None and ind.weight is None):
            continue
        if any(n == name or n.startswith(name) or name.startswith(n) for n in names):
            continue
        out.append(ind)
    return out


# ----------------------------------------------------------------------------- the call


def _names(form: Form) -> set[str]:
    return {fold(i.name_raw) for i in form.indicators if i.name_raw}


def _likeness(target: Form, read: Form) -> tuple[int, int, int]:
    """How surely ``read`` is the model's reading of the grammar's ``target`` form."""
    shared = len(_names(target) & _names(read))
    same_header = sum(
        1
        for f in ("title", "project_name", "department")
        if getattr(target, f) and getattr(target, f) == getattr(read, f)
    )
    return shared, same_header, len(read.indicators)


def _same_form(read: Form, known: Form) -> bool:
    """``read`` is a form already in the file (most of its rows, or its title and project)."""
    names = _names(read)
    if names:
        return 2 * len(names & _names(known)) >= len(names)
    return bool(read.title) and (read.title, read.project_name) == (
        known.title,
        known.project_name,
    )


def render_region(prompt: Prompt, region: Region) -> list[dict[str, str]]:
    document = fence_safe(region.numbered())
    if "fields" not in prompt.placeholders:
        return prompt.render(document=document)
    asked = region.fields or tuple(HEADER_GLOSS)
    return prompt.render(
        document=document, fields="; ".join(f"{f} {HEADER_GLOSS[f]}" for f in asked)
    )


async def read_region(
    region: Region, client: LLMClient, prompt: Prompt, header_prompt: Prompt | None = None
) -> tuple[RegionAnswer | None, str]:
    """One call for one region: the answer, or None and why not (budget, endpoint, refusal)."""
    from jixiao.llm.client import AnswerRejected

    if client.config.backend == "openai":
        stop = client.unavailable()
        if stop:
            return None, stop
    try:
        if region.part == "header":
            header = header_prompt or load_prompt(HEADER_PROMPT_NAME)
            model = header_answer(region.fields or tuple(HEADER_GLOSS))
            got = await client.structured(header, render_region(header, region), model)
            answer = got.as_region()
        else:
            answer = await client.structured(prompt, render_region(prompt, region), RegionAnswer)
    except AnswerRejected as exc:
        return None, failure_reason(exc)
    except CALL_FAILURES as exc:
        return None, failure_reason(exc, "region")
    return answer, ""


def fill_from_grammar(answer: RegionAnswer, form: Form) -> int:
    """Cells the model left out of a row the grammar read too (same name as printed), taken
    from the grammar's reading: a weight or unit skipped in a noisy text stays read (not a
    cell the model read as another field). Both are the source's own text, grounded like
    every span; return how many were filled."""
    rows = {fold(i.name_raw): i for i in form.indicators if i.name_raw}
    filled = 0
    for spans in answer.forms:
        for row in spans.rows:
            ind = rows.get(fold(row.name or ""))
            if ind is None:
                continue
            for role in ROW_SPANS:
                cell = ind.source.cells.get(role)
                used = {fold(getattr(row, r) or "") for r in ROW_SPANS}
                if getattr(row, role) is None and cell is not None and fold(cell.text):
                    if fold(cell.text) in used:
                        continue  # the model read that cell as another field of the row
                    setattr(row, role, cell.text)
                    filled += 1
    return filled


def spans_of(answer: RegionAnswer) -> dict[str, Any]:
    """The answer as plain data (for logs and tests)."""
    return answer.model_dump(mode="json")


@dataclass
class FallbackOutcome:
    """What the fallback did over a run: usage, regions read, spans dropped, why it stopped."""

    stats: Any  # LLMStats
    read: int = 0
    dropped: int = 0
    down: str = ""
    skipped: list[tuple[Region, str]] = field(default_factory=list)


async def aread_regions(
    work: list[tuple[FileResult, Region]],
    config: Any,
    *,
    transport: Any = None,
    prompt: Prompt | None = None,
) -> FallbackOutcome:
    """Read every region (bounded concurrency), then apply the readings in input order."""

    if config.backend == "none" or not work:
        return FallbackOutcome(LLMStats(), skipped=[(r, "LLM backend is none") for _, r in work])
    used = prompt or load_prompt(PROMPT_NAME)
    header_prompt = load_prompt(HEADER_PROMPT_NAME)

    async def ask(
        item: tuple[FileResult, Region], client: LLMClient
    ) -> tuple[RegionAnswer | None, str]:
        return await read_region(item[1], client, used, header_prompt)

    answers, stats = await fan_out(work, config, ask, transport=transport)
    outcome = FallbackOutcome(stats)
    for (result, region), got in zip(work, answers, strict=True):
        answer, why = got or (None, "")
        by = f"llm:{config.model}@{(header_prompt if region.part == 'header' else used).ref}"
        if answer is None:
            outcome.skipped.append((region, why))
            if why.startswith("endpoint unreachable"):
                outcome.down = outcome.down or why
            continue
        if region.form_index is not None:
            fill_from_grammar(answer, result.forms[region.form_index])
        built = build_region(
            answer,
            region,
            by=by,
            encoding=result.encoding,
            layout=result.layout,
            first_index=len(result.forms),
        )
        outcome.dropped += len(built.dropped)
        stats.refused += len(built.dropped)
        if region.form_index is not None and region.part == "form" and not built.forms:
            # the model saw the whole form and read nothing of it: its cells are not asked
            # again one by one (one call per form region)
            lines = f"{region.line_start}-{region.line_end}"
            result.forms[region.form_index].source.notes.append(
                f"read by {by} from source lines {lines}: nothing read"
            )
        if region.form_index is not None and built.forms:
            target = result.forms[region.form_index]
            rest = [g for g in result.forms if g is not target]
            fresh = [f for f in built.forms if not any(_same_form(f, g) for g in rest)]
            covered = set().union(*(_names(f) for f in fresh)) & _names(target)
            at = result.forms.index(target)
            if len(fresh) >= 2 and 2 * len(covered) >= len(_names(target)):
                # the model reads the grammar's one form as several (a table of projects)
                for f in fresh:
                    f.source.notes.append(f"the model split the grammar's form {at} here")
                result.forms[at : at + 1] = fresh
                outcome.read += 1
            else:
                best = max(range(len(built.forms)), key=lambda k: _likeness(target, built.forms[k]))
                if merge_reading(target, built.forms[best], built.header_keys[best]):
                    outcome.read += 1
                new = [
                    f
                    for k, f in enumerate(built.forms)
                    if k != best and not any(_same_form(f, g) for g in result.forms)
                ]
                result.forms[at + 1 : at + 1] = new  # forms the grammar missed, in order
                if new:
                    outcome.read += 1
        elif built.forms:
            result.forms.extend(
                f for f in built.forms if not any(_same_form(f, g) for g in result.forms)
            )
            outcome.read += 1
        for k, form in enumerate(result.forms):
            form.source.form_index = k
    return outcome


def read_regions(
    work: list[tuple[FileResult, Region]],
    config: Any,
    *,
    transport: Any = None,
    prompt: Prompt | None = None,
) -> FallbackOutcome:
    """``aread_regions`` from synchronous code."""

    return run(aread_regions(work, config, transport=transport, prompt=prompt))
