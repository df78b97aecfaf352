"""The repair cascade: rules, then the LLM for what the rules leave open, then the review queue.

Only flagged cells enter. Each stage fixes what it can prove and records how; whatever is
still open at the end goes to the review queue unchanged, and a truncated name nobody could
complete becomes ``null`` in the record (the cut text stays in ``name_raw``), as the contract
says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jixiao.defects import evidence_window
from jixiao.llm.config import resolve_llm_config
from jixiao.repair.llm import OpenCell, run_llm_stage
from jixiao.repair.queue import QueueEntry, write_queue
from jixiao.repair.rules import Evidence, Lexicon, apply_rules, form_text, infer_unit
from jixiao.schema import FileResult, Form, Indicator, Repair


@dataclass
class CascadeStats:
    """What a cascade run did (the eval harness reads ``calls``, ``tokens``, ``cache_hits``)."""

    rule_repairs: int = 0
    llm_repairs: int = 0
    open_cells: int = 0
    forms_with_open_cells: int = 0
    queued: int = 0
    calls: int = 0
    tokens: int = 0
    cache_hits: int = 0
    dropped: int = 0  # LLM answers refused by a grounding check
    regions: int = 0  # regions the grammar left unexplained, sent to the form-level fallback
    regions_read: int = 0  # regions whose answer changed a form (or added one)
    spans_dropped: int = 0  # fallback spans not in their region (or instruction-like): dropped
    endpoint_down: str = ""  # why the LLM stage stopped for the run, if it did
    queue: list[QueueEntry] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"rules repaired {self.rule_repairs} cells; {self.open_cells} left open in "
            f"{self.forms_with_open_cells} forms; LLM repaired {self.llm_repairs} "
            f"({self.calls} calls, {self.tokens} tokens, {self.cache_hits} cache hits, "
            f"{self.dropped} ungrounded answers dropped); "
            + (
                f"fallback read {self.regions_read} of {self.regions} unexplained regions "
                f"({self.spans_dropped} ungrounded spans dropped); "
                if self.regions
                else ""
            )
            + f"{self.queued} cells to the review queue"
        )


def repair_results(
    results: list[FileResult], stage: str, llm_backend: str, queue_path: Path | None = None
) -> CascadeStats:
    """Repair every form of a batch of files in place (the LLM stage may add forms)."""
    forms = [f for r in results for f in r.forms]
    return repair_forms(forms, stage, llm_backend, queue_path, files=results)


def repair_forms(
    forms: list[Form],
    stage: str,
    llm_backend: str = "none",
    queue_path: Path | None = None,
    *,
    files: list[FileResult] | None = None,
) -> CascadeStats:
    """Run the cascade up to ``stage`` (parse | rules | llm) over forms, mutating them.

    With ``files`` (the results the forms came from, source text included), the LLM stage
    first reads the regions the grammar left unexplained (``repair.regions``): their forms
    are corrected in place, and a form found only by the model is appended to its file's
    forms and to ``forms``.
    """
    stats = CascadeStats()
    if stage == "parse":
        return stats
    if stage == "llm" and files:
        _fallback(forms, files, llm_backend, stats)
    lexicon = Lexicon(
        ind.name
        for form in forms
        for ind in form.indicators
        if ind.name and "name_truncated" not in ind.flags
    )
    work: list[tuple[Form, list[OpenCell], str]] = []
    for form, document in zip(forms, _documents(forms), strict=True):
        before = _repair_count(form)
        tried = apply_rules(form, Evidence(document, lexicon))
        stats.rule_repairs += _repair_count(form) - before
        cells = _open_cells(form, tried)
        if cells:
            stats.open_cells += len(cells)
            stats.forms_with_open_cells += 1
            work.append((form, cells, form_text(form)))
    queue: list[QueueEntry] = []
    if stage == "llm" and work:
        queue = _llm(work, llm_backend, stats)
    else:
        queue = [
            _entry(form, cell, "rules could not resolve it; the LLM stage was not run")
            for form, cells, _ in work
            for cell in cells
        ]
    for form in forms:
        for ind in form.indicators:
            _finalise(ind)
    stats.queue = queue
    stats.queued = len(queue)
    if queue_path is not None:
        write_queue(queue, queue_path)
    return stats


def _documents(forms: list[Form]) -> list[str]:
    """Each form's evidence text: its file's forms, joined once, windowed around the form."""
    texts = [form_text(form) for form in forms]
    by_file: dict[str, list[int]] = {}
    for k, form in enumerate(forms):
        by_file.setdefault(form.source.file, []).append(k)
    documents = [""] * len(forms)
    for members in by_file.values():
        document = "\n".join(texts[k] for k in members)
        start = 0
        for k in members:
            end = start + len(texts[k])
            documents[k] = evidence_window(document, start, end)
            start = end + 1
    return documents


def _repair_count(form: Form) -> int:
    return sum(1 for ind in form.indicators for r in ind.source.repairs if r.by.startswith("rule:"))


def _open_cells(form: Form, tried: dict[int, str]) -> list[OpenCell]:
    """The cells still open after the rules, as the LLM stage takes them."""
    cells: list[OpenCell] = []
    for k, ind in enumerate(form.indicators):
        hint = tried.get(k, "")
        if "name_truncated" in ind.flags and not _repaired(ind, "name"):
            raw = ind.name_raw
            cells.append(OpenCell(indicator=k, field="name", raw=raw, flags=ind.flags, hint=hint))
        if (
            ind.unit is None
            and ind.value_kind == "quantitative"
            and ("unit_missing" in ind.flags or "unit_invalid" in ind.flags)
        ):
            raw = ind.source.cells["unit"].text.strip() if "unit" in ind.source.cells else ""
            cells.append(OpenCell(indicator=k, field="unit", raw=raw, flags=ind.flags, hint=hint))
        if ind.value is None and ("value_missing" in ind.flags or "value_suspect" in ind.flags):
            raw = ind.source.cells["value"].text.strip() if "value" in ind.source.cells else ""
            cells.append(OpenCell(indicator=k, field="value", raw=raw, flags=ind.flags, hint=hint))
    return cells


def _repaired(ind: Indicator, field_name: str) -> bool:
    return any(r.field == field_name for r in ind.source.repairs if not r.by.startswith("parse:"))


def _fallback(
    forms: list[Form], files: list[FileResult], backend: str, stats: CascadeStats
) -> None:
    from jixiao.repair.regions import find_regions, read_regions

    work = [(result, region) for result in files for region in find_regions(result)]
    stats.regions = len(work)
    if not work:
        return
    config = resolve_llm_config(backend=None if backend == "auto" else backend)
    outcome = read_regions(work, config)
    stats.calls += outcome.stats.calls
    stats.tokens += outcome.stats.tokens
    stats.cache_hits += outcome.stats.cache_hits
    stats.spans_dropped += outcome.dropped
    stats.regions_read += outcome.read
    stats.endpoint_down = stats.endpoint_down or outcome.down
    known = {id(f) for f in forms}
    for result in files:
        for form in result.forms:
            if id(form) not in known:
                forms.append(form)
                known.add(id(form))


def _llm(
    work: list[tuple[Form, list[OpenCell], str]], backend: str, stats: CascadeStats
) -> list[QueueEntry]:
    config = resolve_llm_config(backend=None if backend == "auto" else backend)
    result = run_llm_stage(work, config)
    stats.calls += result.stats.calls
    stats.tokens += result.stats.tokens
    stats.cache_hits += result.stats.cache_hits
    stats.dropped = result.stats.refused
    stats.llm_repairs = sum(
        1
        for form, _, _ in work
        for ind in form.indicators
        for r in ind.source.repairs
        if r.by.startswith("llm:")
    )
    return result.queue


def _entry(form: Form, cell: OpenCell, reason: str) -> QueueEntry:
    proposal = infer_unit(form.indicators[cell.indicator]) if cell.field == "unit" else None
    return cell.queue_entry(
        form,
        reason,
        "rules",
        tried=[] if cell.hint else ["rules"],
        proposal=proposal,
        confidence=0.9 if proposal else None,
    )


def _finalise(ind: Indicator) -> None:
    """A truncated name that no stage completed cannot be given with confidence: null."""
    if "name_truncated" in ind.flags and not _repaired(ind, "name") and ind.name is not None:
        ind.source.repairs.append(
            Repair(
                field="name",
                before=ind.name,
                after=None,
                by="cascade:unresolved",
                evidence="cut name not completed by any stage; kept in name_raw",
                confidence=1.0,
            )
        )
        ind.name = None
