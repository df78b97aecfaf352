"""File → forms: ingest, split into rows by layout, parse, normalise, flag (no LLM here).

One direction: bytes → ``SourceText`` → rows (layout) → ``RawForm`` → ``Form`` → flags.
A bad file becomes a reject with its reason; nothing here raises for bad input.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator
from itertools import accumulate
from pathlib import Path
from typing import Any

from jixiao import defects, layouts, limits, segment
from jixiao.errors import InputError
from jixiao.grammar import Row, clean
from jixiao.ingest import readers
from jixiao.ingest.decode import decode, display_name
from jixiao.normalize import build_form
from jixiao.output.exact import json_safe
from jixiao.parse import RawForm, split_forms
from jixiao.repair.cascade import repair_results
from jixiao.schema import FileResult, PartOutcome, Reject
from jixiao.settings import RunSettings

_WS = re.compile(r"\s+")

#: File suffixes read by the text pipeline (others are skipped when walking a directory).
TEXT_SUFFIXES = {".txt", ".text", ".md", ".csv", ".tsv", ".dump", ""}


def normalize_bytes(data: bytes, name: str) -> FileResult:
    """Parse one source file's bytes into forms and rejects; never raises for bad input."""
    return merge_parts(iter_bytes(data, name))


def iter_bytes(data: bytes, name: str, part_chars: int | None = None) -> Iterator[FileResult]:
    """One file's results, part by part (one part unless it is a long text dump).

    The format comes from the bytes, not the name: Word, Excel, PDF, HTML and images go
    through their readers (``jixiao.ingest.readers``), everything else is decoded as a text dump.
    """
    fmt = readers.sniff(data)
    try:
        if fmt not in ("text", "empty"):
            rows, fmt, text = readers.read(data, name)
            # Document readers (lxml, pdfminer) leave cyclic garbage; collected now, it does not
            # pile up under a batch run's raised GC threshold (runtime.tune_for_batch).
            gc.collect()
            result = normalize_rows(rows, name, None, fmt, text)
            if fmt in ("ocr", "pdf_ocr", "pdf_mixed"):
                from jixiao.ingest.readers.ocr import annotate  # the OCR stack: heavy, lazy

                annotate(result, rows)
                defects.ocr_confidence(result.forms, rows)
            yield result
            return
        source = decode(data, name)
    except InputError as exc:
        yield FileResult(file=name, layout=fmt, rejects=[Reject(file=name, reason=exc.reason)])
        return
    del data  # the decoded text is all the parts need: a long dump is not held twice
    yield from iter_text(source.text, name, source.encoding, part_chars)


def normalize_text(text: str, name: str = "<text>", encoding: str | None = None) -> FileResult:
    """Parse decoded text: choose the layout, split into forms, build and check each form."""
    return merge_parts(iter_text(text, name, encoding))


def iter_text(
    text: str, name: str = "<text>", encoding: str | None = None, part_chars: int | None = None
) -> Iterator[FileResult]:
    """Decoded text's results part by part (parts of about ``part_chars`` characters, by
    default ``segment.PART_CHARS``); line numbers and form indices stay the file's."""
    forms = 0
    parts = list(segment.part_starts(text, part_chars or segment.PART_CHARS))
    wraps = defects.text_wraps(text)  # a property of the whole dump, not of one part
    for k, (start, first_line) in enumerate(parts):
        end = parts[k + 1][0] if k + 1 < len(parts) else len(text)
        piece = text[start:end]
        lines = piece.split("\n")
        _check_cells(lines, name)
        layout, _score = layouts.choose(lines)
        rows = layout.rows(lines, first_line)
        # The evidence around the part's edge forms is what the whole text would give them.
        around = max(0, start - defects.EVIDENCE_MARGIN)
        result = normalize_rows(
            rows,
            name,
            encoding,
            layout.name,
            piece,
            layout.positional,
            first_line=first_line,
            first_form=forms,
            last_part=k + 1 == len(parts),
            wraps=wraps and defects.cells_wrap(rows),
            evidence=(text[around : end + defects.EVIDENCE_MARGIN], start - around)
            if len(parts) > 1
            else None,
            lines=lines,
        )
        forms += len(result.forms)
        yield result


def _check_cells(lines: list[str], name: str) -> None:
    """No cell of a text dump longer than the ``cell_chars`` limit (only long lines are split)."""
    limit = limits.current().cell_chars
    for line in lines:
        if len(line) > limit:
            limits.check(name, "cell_chars", max(len(c) for c in re.split(r"[\t|]", line)))


def merge_parts(parts: Iterable[FileResult]) -> FileResult:
    """The parts of one file as one result (the first part names the layout)."""
    merged: FileResult | None = None
    for part in parts:
        if merged is None:
            merged = part
        else:
            merged.forms.extend(part.forms)
            merged.rejects.extend(part.rejects)
            if merged.text is not None and part.text is not None:
                merged.text += part.text  # parts are cut at line starts: they join back whole
    if merged is None:
        raise ValueError("no parts to merge")
    return merged


def normalize_rows(
    rows: list[Row],
    name: str,
    encoding: str | None,
    layout: str,
    text: str | None = None,
    positional: bool = True,
    *,
    first_line: int = 1,
    first_form: int = 0,
    last_part: bool = True,
    wraps: bool | None = None,
    evidence: tuple[str, int] | None = None,
    lines: list[str] | None = None,
) -> FileResult:
    """Parse rows of cells (from a text layout or a document reader) into forms and rejects.

    ``text`` is the document's full text, the evidence base for cross-row checks; it is
    rebuilt from the cells when a reader gives none. For one part of a long file, ``text``
    is the part, starting at source line ``first_line``, its forms numbered from
    ``first_form``; only the ``last_part`` can end inside a cut row; ``wraps`` is the whole
    file's (see ``defects.text_wraps``), and ``evidence`` the file's text around the part with
    the offset where the part starts in it; ``lines`` is ``text`` split, when the caller has it.
    """
    if text is None:
        text = "\n".join("\t".join(c.text for c in row.cells) for row in rows)
    lines = lines if lines is not None else text.split("\n")
    raw_forms, _preamble = split_forms(rows, positional)
    if wraps is None:
        wraps = defects.text_wraps(text) and defects.cells_wrap(rows)
    context, shift = evidence or (text, 0)
    windowed = len(context) > 2 * defects.EVIDENCE_MARGIN  # else every form cites it whole
    line_offsets = list(accumulate((len(ln) + 1 for ln in lines), initial=0)) if windowed else []
    seen: dict[str, str | None] = {}  # truncation verdicts against the whole context
    result = FileResult(
        file=name, encoding=encoding, layout=layout, text=text, first_line=first_line
    )
    if not raw_forms:
        reason = (
            "no 绩效目标表 found: no form title, header label or indicator table heading "
            f"(read as {layout})"
        )
        result.rejects.append(Reject(file=name, reason=reason))
        return result
    for index, raw in enumerate(raw_forms):
        if not raw.indicators and not raw.header:
            result.rejects.append(
                Reject(
                    file=name,
                    kind="form",
                    form_index=first_form + index,
                    line=raw.line_start,
                    reason="form title found but no header fields or indicator rows follow",
                    text=clean(raw.title.text) if raw.title else None,
                )
            )
            continue
        if (
            not raw.columns
            and (raw.title is None or index < len(raw_forms) - 1)
            and not _cut_form(raw)
        ):
            result.rejects.append(
                Reject(
                    file=name,
                    kind="form",
                    line=raw.line_start,
                    reason="form labels or a title but no indicator table before the next form: not a form",
                    text=" | ".join(clean(c.text) for c in raw.header.values())[:200],
                )
            )
            continue
        form = build_form(raw, name, first_form + len(result.forms), encoding, layout)
        cited = context
        if windowed:
            start, end = _span(raw, line_offsets, first_line)
            cited = defects.evidence_window(context, shift + start, shift + end)
        defects.check_form(form, cited, wraps, seen if cited is context else None)
        if not raw.columns:
            result.rejects.append(
                Reject(
                    file=name,
                    kind="form",
                    form_index=first_form + len(result.forms),
                    line=raw.line_start,
                    reason="no indicator table heading (一级指标/三级指标/指标值 …) found in the form",
                )
            )
        leftovers = [
            (cell, "cell not understood (no label or column claims it)") for cell in raw.unplaced
        ]
        leftovers += [
            (cell, "cell not understood as an indicator: a subtotal or total row (小计/合计)")
            for cell in raw.totals
        ]
        leftovers += [
            (cell, "cell in an indicator row that no column of the table claims")
            for row in raw.indicators
            for cell in row.extra
        ]
        form.source.unread = [c for c, _ in leftovers if _worth_reporting(c.text)]
        form.source.unread += [label for _, label in raw.pending if _worth_reporting(label.text)]
        for cell, why in leftovers:
            if _worth_reporting(cell.text):
                result.rejects.append(
                    Reject(
                        file=name,
                        kind="row",
                        form_index=first_form + len(result.forms),
                        line=cell.line,
                        reason=why,
                        text=clean(cell.text)[:200],
                    )
                )
        result.forms.append(form)
    last = raw_forms[-1].indicators[-1] if raw_forms[-1].indicators else None
    at_end = last_part and last is not None and last.line == first_line - 1 + _last_line(lines)
    if last is not None and last.short and at_end and result.forms:
        form = result.forms[-1]
        cut = form.indicators[-1]
        reason = "file ends inside a table row: the text looks truncated"
        if cut.value is None and len(cut.name or "") < 4:
            form.indicators.pop()  # a fragment ("开展质"): nothing to keep but the reject
            reason += "; the fragment is not kept as an indicator"
        else:
            reason += "; the row is kept, flagged"
            defects.cut_at_file_end(cut)
        result.rejects.append(
            Reject(
                file=name,
                kind="row",
                form_index=first_form + len(result.forms) - 1,
                line=last.line,
                reason=reason,
                text=cut.name_raw,
            )
        )
    return result


_HEADER_CORE = ("project_name", "department", "implementing_unit", "budget_total")


def _cut_form(raw: RawForm) -> bool:
    """A form of its own cut off before its indicators (a page break, a truncated copy): its
    own title and at least two of the core header fields. It is kept, with a reject saying
    the table is missing, rather than lost."""
    own_title = raw.title is not None and raw.title.line == raw.line_start
    return own_title and sum(1 for k in _HEADER_CORE if k in raw.header) >= 2


def _span(raw: RawForm, line_offsets: list[int], first_line: int) -> tuple[int, int]:
    """Character offsets where a form's first line starts and its last line ends, in a text
    whose first line is source line ``first_line``."""
    last = len(line_offsets) - 1
    start = (raw.line_start or first_line) - first_line  # 0-based line within the text
    end = (raw.line_end or raw.line_start or first_line) - first_line + 1
    return line_offsets[min(max(start, 0), last)], line_offsets[min(max(end, 0), last)]


def _last_line(lines: list[str]) -> int:
    """1-based number of the last line that holds anything."""
    for i in range(len(lines), 0, -1):
        if lines[i - 1].strip():
            return i
    return 0


def _worth_reporting(text: str) -> bool:
    """Unit notes and checkbox debris are not content; everything else unplaced is reported."""
    t = re.sub(r"\s+", "", clean(text))
    return bool(t) and not re.fullmatch(
        r"(单位[:：]?(万元|元)|金额单位[:：]?(万元|元)|绩效指标|-+)", t
    )


def normalize_path(path: Path, name: str | None = None) -> FileResult:
    """Parse one source file from disk (named ``name``, default its path); an unreadable file
    becomes a reject."""
    return merge_parts(iter_path(path, name))


def iter_path(path: Path, name: str | None = None) -> Iterator[FileResult]:
    """One file from disk, part by part (see ``iter_bytes``), named ``name`` (default: its
    path); unreadable or over the ``file_bytes`` limit: one reject."""
    name = name or display_name(str(path))
    try:
        limits.check(name, "file_bytes", path.stat().st_size)
        data = path.read_bytes()
    except InputError as exc:
        yield FileResult(file=name, rejects=[Reject(file=name, reason=exc.reason)])
        return
    except OSError as exc:
        reason = f"无法读取 / cannot read: {exc.strerror or type(exc).__name__}"
        yield FileResult(file=name, rejects=[Reject(file=name, reason=reason)])
        return
    parts = iter_bytes(data, name)
    del data  # held by the parts until they are decoded, then let go
    yield from parts


def iter_sources(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and files under directories named (recursive, sorted, hidden ones skipped)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(p.startswith(".") for p in child.parts[len(path.parts) :])
                suffix = child.suffix.lower()
                known = suffix in TEXT_SUFFIXES or suffix in readers.DOCUMENT_SUFFIXES
                if child.is_file() and not hidden and known:
                    yield child
        else:
            yield path


def run_file(path: Path, settings: RunSettings, name: str | None = None) -> Iterator[PartOutcome]:
    """The one composer: a file read part by part (ingest, layout, parse, normalise, defect
    checks), each part repaired up to ``settings.stage``, as outcomes ready to store and write.

    ``normalize`` (both engines), ``eval``, ``review`` and ``inspect`` all read files through
    here, so they see the same forms. The settings' limits hold while the parts are made.
    """
    with limits.use(settings.limits):
        for result in iter_path(path, name):
            yield outcome(result, settings)


def run_named(path: Path, settings: RunSettings, names: dict[str, str]) -> Iterator[PartOutcome]:
    """``run_file`` with the file named by ``names`` (path → name shown, as ``<stdin>``); a
    module function, so ``functools.partial(run_named, names=...)`` travels to pool workers."""
    return run_file(path, settings, names.get(str(path)))


def outcome(result: FileResult, settings: RunSettings) -> PartOutcome:
    """One part's result repaired up to the stage, as JSON-ready records with provenance."""
    queue: list[dict[str, Any]] = []
    cascade = ""
    calls = tokens = cache_hits = failed = 0
    if settings.stage != "parse" and (result.forms or settings.stage == "llm"):
        stats = repair_results([result], settings.stage, settings.llm)
        queue = [q.model_dump(mode="json") for q in stats.queue]
        cascade = str(stats)
        calls, tokens, cache_hits = stats.calls, stats.tokens, stats.cache_hits
        failed = stats.call_failures
    for form in result.forms:
        defects.inexact_numbers(form)
    provenance = [f.provenance() for f in result.forms]
    return PartOutcome(
        file=result.file,
        encoding=result.encoding,
        layout=result.layout,
        forms=json_safe([f.contract() for f in result.forms]),
        provenance=json_safe(provenance),
        rejects=json_safe([r.model_dump(mode="json", exclude_none=True) for r in result.rejects]),
        queue=json_safe(queue),
        cascade=cascade,
        calls=calls,
        tokens=tokens,
        cache_hits=cache_hits,
        llm_failed=failed,
    )
