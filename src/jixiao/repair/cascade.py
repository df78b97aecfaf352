"""The repair cascade: rules, then the LLM for what the rules leave open, then the review queue.

Only flagged cells enter. Each stage fixes what it can prove and records how; whatever is
still open at the end goes to the review queue unchanged, and a truncated name nobody could
complete becomes ``null`` in the record (the cut text stays in ``name_raw``), as the contract
says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jixiao import vocab
from jixiao.defects import evidence_window
from jixiao.llm.config import resolve_llm_config
from jixiao.llm.prompts import load_prompt
from jixiao.llm.stage import call_failed
from jixiao.llm.stats import LLMStats
from jixiao.repair.columns import PROMPT_NAME as COLUMNS_PROMPT
from jixiao.repair.columns import map_columns
from jixiao.repair.llm import COMPLETE_PROMPT_NAME as COMPLETE_PROMPT
from jixiao.repair.llm import PROMPT_NAME as LLM_PROMPT
from jixiao.repair.llm import OpenCell, run_llm_stage
from jixiao.repair.queue import QueueEntry, write_queue
from jixiao.repair.regions import HEADER_PROMPT_NAME as HEADER_PROMPT
from jixiao.repair.regions import PROMPT_NAME as REGION_PROMPT
from jixiao.repair.regions import find_regions, read_regions
from jixiao.repair.rules import Evidence, Lexicon, apply_rules, form_text, infer_unit
from jixiao.schema import FileResult, Form, Indicator, Repair

#: Every prompt the LLM stage may send (their versions are part of a stored result's key).
PROMPTS = (COLUMNS_PROMPT, REGION_PROMPT, HEADER_PROMPT, LLM_PROMPT, COMPLETE_PROMPT)


def llm_settings(backend: str) -> str:
    """The LLM settings that change a result, as one string for the run store's key: model,
    endpoint host, instructor mode, model completions and prompt versions (never the key)."""
    from urllib.parse import urlsplit

    config = resolve_llm_config(backend=None if backend == "auto" else backend)
    host = urlsplit(config.base_url).netloc if config.base_url else "default"
    prompts = ",".join(load_prompt(name).ref for name in PROMPTS)
    return f"{config.model}@{host}|{config.mode}|{config.completions}|{prompts}"


@dataclass
class CascadeStats:
    """What a cascade run did (the eval harness reads ``calls``, ``tokens``, ``cache_hits``)."""

    rule_repairs: int = 0
    llm_repairs: int = 0
    open_cells: int = 0
    forms_with_open_cells: int = 0
    queued: int = 0
    #: The LLM usage of every stage of the run (fallback and cells): the one usage type
    llm: LLMStats = field(default_factory=LLMStats)
    dropped: int = 0  # LLM answers refused by a grounding check
    regions: int = 0  # regions the grammar left unexplained, sent to the form-level fallback
    regions_read: int = 0  # regions whose answer changed a form (or added one)
    spans_dropped: int = 0  # fallback spans not in their region (or instruction-like): dropped
    endpoint_down: str = ""  # why the LLM stage stopped for the run, if it did
    call_failures: int = 0  # cells and regions left unasked by a failure a rerun may fix
    queue: list[QueueEntry] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return self.llm.calls

    @property
    def tokens(self) -> int:
        return self.llm.tokens

    @property
    def cache_hits(self) -> int:
        return self.llm.cache_hits

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
    queue_read: list[QueueEntry] = []
    for form, document in zip(forms, _documents(forms), strict=True):
        before = _repair_count(form)
        tried = apply_rules(form, Evidence(document, lexicon))
        stats.rule_repairs += _repair_count(form) - before
        cells = _open_cells(form, tried)
        if cells and read_whole(form):
            # one call per form region: the fallback just read this form's rows from the
            # source; only a cut name (for the model's own completion) is asked again
            for cell in cells:
                if cell.field != "name":
                    queue_read.append(_entry(form, cell, READ_WHOLE, stage="llm"))
            stats.open_cells += sum(1 for c in cells if c.field != "name")
            cells = [c for c in cells if c.field == "name"]
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
    queue = queue_read + queue
    for form in forms:
        for ind in form.indicators:
            _finalise(ind)
    stats.queue = queue
    stats.queued = len(queue)
    stats.call_failures += sum(1 for q in queue if call_failed(q.reason))
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
    # a form whose level1 column prints only categories of the vocabulary (one that prints
    # its own, such as 过程管理指标, has none to give a row that lost its level1)
    printed = [
        ind.source.cells["level1"].text
        for ind in form.indicators
        if "level1" in ind.source.cells and ind.source.cells["level1"].text.strip()
    ]
    leveled = any(ind.level1 for ind in form.indicators) and all(
        vocab.canon_level1(t) for t in printed
    )
    # a row whose cells slid (column_shift) has suspect levels, and so have the rows below
    # that carried them down (no level cell of their own)
    carried = {"level1": False, "level2": False}
    for k, ind in enumerate(form.indicators):
        hint = tried.get(k, "")
        for level in ("level1", "level2"):
            value = getattr(ind, level)
            # a slid row's level is suspect when empty, or a level1 that can be a level2 in a
            # row that has no level2 (the level2 slid into the level1 column)
            suspect = value is None or (
                level == "level1" and ind.level2 is None and vocab.canon_level2(value)
            )
            carried[level] = ("column_shift" in ind.flags and bool(suspect)) or (
                carried[level] and level not in ind.source.cells
            )
            # a level1 lost while the form's other rows have one is asked too (a level2 may
            # well be empty in the source)
            if (leveled and level == "level1" and value is None) or carried[level]:
                raw = ind.source.cells[level].text.strip() if level in ind.source.cells else ""
                cells.append(
                    OpenCell(indicator=k, field=level, raw=raw, flags=ind.flags, hint=hint)
                )
        if (
            ind.operator is None
            and ind.value_kind == "quantitative"
            and ind.value is not None
            and "category_in_operator" not in ind.flags
            and "operator" in ind.source.cells
            and ind.source.cells["operator"].text.strip()
        ):
            raw = ind.source.cells["operator"].text.strip()
            cells.append(
                OpenCell(indicator=k, field="operator", raw=raw, flags=ind.flags, hint=hint)
            )
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
            text = ind.value_kind != "quantitative" and ind.unit is None
            cells.append(
                OpenCell(
                    indicator=k,
                    field="value",
                    raw=raw,
                    flags=ind.flags,
                    hint=hint,
                    qualitative=text,
                )
            )
    return cells


def _repaired(ind: Indicator, field_name: str) -> bool:
    return any(r.field == field_name for r in ind.source.repairs if not r.by.startswith("parse:"))


def _fallback(
    forms: list[Form], files: list[FileResult], backend: str, stats: CascadeStats
) -> None:

    work = [(result, region) for result in files for region in find_regions(result)]
    stats.regions = len(work)
    if not work:
        return
    config = resolve_llm_config(backend=None if backend == "auto" else backend)
    # a table under unseen column headings: its headings named first, its rows read by the
    # grammar; only a table that reading leaves unexplained is sent whole
    mapped = map_columns(work, config)
    stats.llm.merge(mapped.stats)
    stats.spans_dropped += mapped.dropped
    stats.regions_read += len(mapped.read)
    work = [w for k, w in enumerate(work) if k not in mapped.read]
    outcome = read_regions(work, config)
    stats.llm.merge(outcome.stats)
    stats.spans_dropped += outcome.dropped
    stats.regions_read += outcome.read
    stats.endpoint_down = stats.endpoint_down or outcome.down
    stats.call_failures += sum(1 for _, why in outcome.skipped if call_failed(why))
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
    stats.llm.merge(result.stats)
    stats.dropped = result.stats.refused
    stats.llm_repairs = sum(
        1
        for form, _, _ in work
        for ind in form.indicators
        for r in ind.source.repairs
        if r.by.startswith("llm:") and r.field != "row"  # a row read by the fallback is no repair
    )
    return result.queue


READ_WHOLE = (
    "the form-level fallback asked the model to read this whole form from the source in this "
    "run; not asked again"
)


def read_whole(form: Form) -> bool:
    """The form-level fallback asked about this whole form (a whole-form region) in this run,
    whether or not the model read anything of it."""
    return any(n.startswith("read by ") and f"@{REGION_PROMPT}:" in n for n in form.source.notes)


def _entry(form: Form, cell: OpenCell, reason: str, stage: str = "rules") -> QueueEntry:
    proposal = infer_unit(form.indicators[cell.indicator]) if cell.field == "unit" else None
    return cell.queue_entry(
        form,
        reason,
        stage,
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
