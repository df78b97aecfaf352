"""The output contract (``docs/schema.md``, contract v1) plus provenance.

``Form`` and ``Indicator`` carry exactly the contract's fields, in its order; ``contract()``
dumps those and nothing else, so any golden set in the contract's format can score us.
Provenance (where each cell came from, why each flag was raised, which repair changed what)
rides alongside in ``source`` fields that ``contract()`` leaves out. A position that could
not be found is ``None``, never invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

from pydantic import BaseModel, Field

FormKind = Literal["project", "department"]
Operator = Literal["≥", "≤", "=", ">", "<"]
ValueKind = Literal["quantitative", "qualitative"]
Severity = Literal["error", "warning", "info"]

#: The flag vocabulary of the contract, in its table order (flag lists are written in this order).
FLAGS: tuple[str, ...] = (
    "name_truncated",
    "name_completed_by_model",
    "value_in_name",
    "unit_invalid",
    "unit_missing",
    "value_missing",
    "value_suspect",
    "column_shift",
    "category_in_operator",
    "ocr_low_confidence",
)

FORM_FIELDS: tuple[str, ...] = (
    "form_kind",
    "title",
    "year",
    "project_code",
    "project_name",
    "department",
    "department_code",
    "implementing_unit",
    "implementing_unit_code",
    "compiling_unit",
    "budget_total",
    "budget_breakdown",
    "project_attribute",
    "period_start",
    "period_end",
    "duration",
    "overview",
    "basis",
    "annual_goal",
    "indicators",
)

INDICATOR_FIELDS: tuple[str, ...] = (
    "level1",
    "level2",
    "name",
    "name_alternatives",
    "name_raw",
    "operator",
    "value",
    "value_kind",
    "unit",
    "weight",
    "flags",
)


@dataclass(slots=True)
class Cell:
    """One source cell: its text as printed and where it stood (1-based line, 0-based column).

    A plain slotted dataclass rather than a model: the parser makes one per cell of every row
    (the hottest allocation of a run), and pydantic validates it anyway wherever it is part of
    a model. Treat it as read-only: cells are evidence.
    """

    text: str
    line: int | None = None
    col: int | None = None


@dataclass(slots=True)
class WrappedCell(Cell):
    """A cell a rendering printed over several lines, joined again: ``text`` is the pieces'
    texts in order, ``line`` the first piece's; ``pieces`` keeps every piece with its line."""

    pieces: tuple[Cell, ...] = ()


#: An OCR cell read below this score is doubtful (``ocr_low_confidence``).
OCR_LOW_CONFIDENCE = 0.80
#: Symbols the glyph classifier reads from ink that OCR dropped.
GLYPH_SYMBOLS: tuple[str, ...] = ("≥", "≤", "=", "<", ">", "±", "%")


@dataclass(slots=True)
class OcrCell(Cell):
    """A cell read by OCR: where it was on the page and how sure the reader was."""

    confidence: float | None = None
    box: tuple[float, float, float, float] | None = None
    page: int | None = None
    read_as: str | None = None  # the OCR text when a vocabulary repair replaced it
    rect: tuple[float, float, float, float] | None = None  # the ruled cell around it
    glyph: str | None = None  # classifier id when a symbol was read from the cell's ink

    def doubtful(self, threshold: float = OCR_LOW_CONFIDENCE) -> bool:
        """Read with less than ``threshold`` confidence; a lone symbol the glyph classifier
        was sure of passed its own threshold."""
        if self.glyph is not None and self.text.strip() in GLYPH_SYMBOLS:
            return False
        return self.confidence is not None and self.confidence < threshold


class FlagEvidence(BaseModel):
    """Why a flag was raised: the cell(s) looked at and a short reason."""

    flag: str
    reason: str
    cells: list[Cell] = Field(default_factory=list)


class Repair(BaseModel):
    """A change made to a parsed field by the repair cascade, with who made it and why."""

    field: str
    before: Any = None
    after: Any = None
    by: str  # rule id ("rule:complete_name") or "llm:<model>@<prompt-version>"
    evidence: str = ""
    evidence_line: int | None = None
    confidence: float = 1.0


class IndicatorSource(BaseModel):
    """Provenance of one indicator row: the raw cells by role and the evidence for each flag."""

    line: int | None = None
    cells: dict[str, Cell] = Field(default_factory=dict)
    evidence: list[FlagEvidence] = Field(default_factory=list)
    repairs: list[Repair] = Field(default_factory=list)
    #: The page (1-based) the row was printed on, where the reader knows pages (scans).
    page: int | None = None


class Indicator(BaseModel):
    """One performance indicator (三级指标) in contract form."""

    level1: str | None = None
    level2: str | None = None
    name: str | None = None
    name_alternatives: list[str] = Field(default_factory=list)
    name_raw: str = ""
    operator: Operator | None = None
    value: float | int | str | None = None
    value_kind: ValueKind | None = None
    unit: str | None = None
    weight: float | int | None = None
    flags: list[str] = Field(default_factory=list)
    source: IndicatorSource = Field(default_factory=IndicatorSource, exclude=True)

    def add_flag(self, flag: str, reason: str, *cells: Cell) -> None:
        """Raise ``flag`` once, recording why; flags stay in vocabulary order."""
        if flag not in self.flags:
            self.flags.append(flag)
            self.flags.sort(key=lambda f: FLAGS.index(f) if f in FLAGS else len(FLAGS))
        self.source.evidence.append(FlagEvidence(flag=flag, reason=reason, cells=list(cells)))


class FormSource(BaseModel):
    """Where a form came from."""

    file: str = ""
    encoding: str | None = None
    layout: str | None = None
    form_index: int = 0
    line_start: int | None = None
    line_end: int | None = None
    header_cells: dict[str, Cell] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    #: Cells of the form's span that the grammar left unexplained (unplaced cells, cells no
    #: column claims, labels with no value): what may send the region to the LLM fallback.
    unread: list[Cell] = Field(default_factory=list, exclude=True)


class Form(BaseModel):
    """One 绩效目标表 in contract form."""

    form_kind: FormKind = "project"
    title: str = ""
    year: int | None = None
    project_code: str | None = None
    project_name: str | None = None
    department: str | None = None
    department_code: str | None = None
    implementing_unit: str | None = None
    implementing_unit_code: str | None = None
    compiling_unit: str | None = None
    budget_total: float | int | None = None
    budget_breakdown: dict[str, float | int | None] = Field(default_factory=dict)
    project_attribute: Literal["新增", "延续"] | None = None
    period_start: str | None = None
    period_end: str | None = None
    duration: str | None = None
    overview: str | None = None
    basis: str | None = None
    annual_goal: str | None = None
    indicators: list[Indicator] = Field(default_factory=list)
    source: FormSource = Field(default_factory=FormSource, exclude=True)

    def contract(self) -> dict[str, Any]:
        """The record exactly as the contract lays it out (no provenance)."""
        return self.model_dump(mode="json")

    def provenance(self) -> dict[str, Any]:
        """Provenance of the form and of each indicator, aligned by index."""
        return {
            "source": self.source.model_dump(mode="json"),
            "indicators": [i.source.model_dump(mode="json") for i in self.indicators],
        }


class Reject(BaseModel):
    """Something that could not be turned into a form or an indicator, and why."""

    file: str
    reason: str
    form_index: int | None = None
    line: int | None = None
    text: str | None = None
    kind: Literal["file", "form", "row"] = "file"
    #: The stable code (``labels.REJECT_LABELS``), set where the reject is made.
    code: str


class Finding(BaseModel):
    """A review finding (see ``shared/design/review-rules.md``)."""

    form: int
    indicator: int | None = None
    code: str
    severity: Severity = "warning"
    message: str = ""
    suggestion: str = ""
    evidence: str = ""


class FileResult(BaseModel):
    """Everything one source file produced: its forms and its rejects."""

    file: str
    encoding: str | None = None
    layout: str | None = None
    forms: list[Form] = Field(default_factory=list)
    rejects: list[Reject] = Field(default_factory=list)
    #: The decoded source text this result was read from (source line ``first_line`` first),
    #: kept for the LLM fallback that reads regions the grammar left unexplained; never output.
    text: str | None = Field(default=None, exclude=True)
    first_line: int = Field(default=1, exclude=True)


def form_from_record(record: dict[str, Any], provenance: dict[str, Any] | None = None) -> Form:
    """A ``Form`` back from its contract record and, when given, its provenance line: the
    reviewer then sees the same form, source cells and positions as the run that wrote it.

    Keys the contract does not have (``source_file``, ``source_lines``) are ignored; a null
    ``title`` (which the contract allows) is read as empty.
    """
    data = {k: v for k, v in record.items() if k in FORM_FIELDS}
    if data.get("title") is None:
        data["title"] = ""
    prov = provenance or {}
    if prov.get("source"):
        data["source"] = prov["source"]
    elif record.get("source_file"):
        data["source"] = {"file": record["source_file"]}
    sources = prov.get("indicators") or []
    data["indicators"] = [
        {**ind, "source": sources[k]} if k < len(sources) else ind
        for k, ind in enumerate(data.get("indicators") or [])
    ]
    return Form.model_validate(data)


@dataclass
class PartOutcome:
    """What one part of one file gave a run, ready to store and write: the contract records,
    their provenance (aligned by index), rejects and review-queue entries as JSON objects,
    the cascade's summary line, and whether an LLM call failed (the file is then not done)."""

    file: str
    encoding: str | None = None
    layout: str | None = None
    forms: list[dict[str, Any]] = field(default_factory=list)
    provenance: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    queue: list[dict[str, Any]] = field(default_factory=list)
    cascade: str = ""
    calls: int = 0
    tokens: int = 0
    cache_hits: int = 0
    #: Cells and regions an LLM call failed for (endpoint down, budget spent …): not done.
    llm_failed: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The stored shape (JSON-ready; shallow: the records are not copied)."""
        return {name: getattr(self, name) for name in _OUTCOME_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PartOutcome:
        """Back from the stored shape; keys a newer or older store has and this one lacks
        are ignored or defaulted."""
        return cls(**{k: v for k, v in data.items() if k in _OUTCOME_FIELDS})

    def records(self) -> list[Form]:
        """The forms as models, with their provenance."""
        return [form_from_record(r, p) for r, p in zip(self.forms, self.provenance, strict=True)]


_OUTCOME_FIELDS = tuple(f.name for f in fields(PartOutcome))
