"""File → forms: ingest, split into rows by layout, parse, normalise, flag (no LLM here).

One direction: bytes → ``SourceText`` → rows (layout) → ``RawForm`` → ``Form`` → flags.
A bad file becomes a reject with its reason; nothing here raises for bad input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import accumulate
from pathlib import Path

from jixiao import defects, layouts, readers
from jixiao.errors import InputError
from jixiao.ingest import decode
from jixiao.layouts.base import Row, clean
from jixiao.normalize import build_form
from jixiao.parse import RawForm, split_forms
from jixiao.schema import FileResult, Reject

#: File suffixes read by the text pipeline (others are skipped when walking a directory).
TEXT_SUFFIXES = {".txt", ".text", ".md", ".csv", ".tsv", ".dump", ""}


def normalize_bytes(data: bytes, name: str) -> FileResult:
    """Parse one source file's bytes into forms and rejects; never raises for bad input.

    The format comes from the bytes, not the name: Word, Excel, PDF, HTML and images go
    through their readers (``jixiao.readers``), everything else is decoded as a text dump.
    """
    fmt = readers.sniff(data)
    try:
        if fmt not in ("text", "empty"):
            rows, fmt, text = readers.read(data, name)
            result = normalize_rows(rows, name, None, fmt, text)
            if fmt in ("ocr", "pdf_ocr", "pdf_mixed"):
                from jixiao.readers.ocr import flag_low_confidence

                flag_low_confidence(result, rows)
            return result
        source = decode(data, name)
    except InputError as exc:
        return FileResult(file=name, layout=fmt, rejects=[Reject(file=name, reason=exc.reason)])
    return normalize_text(source.text, name, source.encoding)


def normalize_text(text: str, name: str = "<text>", encoding: str | None = None) -> FileResult:
    """Parse decoded text: choose the layout, split into forms, build and check each form."""
    lines = text.split("\n")
    layout, _score = layouts.choose(lines)
    return normalize_rows(layout.rows(lines), name, encoding, layout.name, text, layout.positional)


def normalize_rows(
    rows: list[Row],
    name: str,
    encoding: str | None,
    layout: str,
    text: str | None = None,
    positional: bool = True,
) -> FileResult:
    """Parse rows of cells (from a text layout or a document reader) into forms and rejects.

    ``text`` is the document's full text, the evidence base for cross-row checks; it is
    rebuilt from the cells when a reader gives none.
    """
    if text is None:
        text = "\n".join("\t".join(c.text for c in row.cells) for row in rows)
    lines = text.split("\n")
    raw_forms, _preamble = split_forms(rows, positional)
    wraps = defects.text_wraps(text)
    line_offsets = list(accumulate((len(ln) + 1 for ln in lines), initial=0))
    seen: dict[str, str | None] = {}  # truncation verdicts against the whole text
    result = FileResult(file=name, encoding=encoding, layout=layout)
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
                    form_index=index,
                    line=raw.line_start,
                    reason="form title found but no header fields or indicator rows follow",
                    text=clean(raw.title.text) if raw.title else None,
                )
            )
            continue
        if not raw.columns and (raw.title is None or index < len(raw_forms) - 1):
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
        form = build_form(raw, name, len(result.forms), encoding, layout)
        evidence = defects.evidence_window(text, *_span(raw, line_offsets))
        defects.check_form(form, evidence, wraps, seen if evidence is text else None)
        if not raw.columns:
            result.rejects.append(
                Reject(
                    file=name,
                    kind="form",
                    form_index=len(result.forms),
                    line=raw.line_start,
                    reason="no indicator table heading (一级指标/三级指标/指标值 …) found in the form",
                )
            )
        leftovers = [
            (cell, "cell not understood (no label or column claims it)") for cell in raw.unplaced
        ]
        leftovers += [
            (cell, "cell in an indicator row that no column of the table claims")
            for row in raw.indicators
            for cell in row.extra
        ]
        for cell, why in leftovers:
            if _worth_reporting(cell.text):
                result.rejects.append(
                    Reject(
                        file=name,
                        kind="row",
                        form_index=len(result.forms),
                        line=cell.line,
                        reason=why,
                        text=clean(cell.text)[:200],
                    )
                )
        result.forms.append(form)
    last = raw_forms[-1].indicators[-1] if raw_forms[-1].indicators else None
    if last is not None and last.short and last.line == _last_line(lines) and result.forms:
        form = result.forms[-1]
        cut = form.indicators[-1]
        reason = "file ends inside a table row: the text looks truncated"
        if cut.value is None and len(cut.name or "") < 4:
            form.indicators.pop()  # a fragment ("开展质"): nothing to keep but the reject
            reason += "; the fragment is not kept as an indicator"
        else:
            reason += "; the row is kept, flagged"
            if cut.value is None and "value" not in cut.source.cells:
                cut.add_flag("name_truncated", "the file ends inside this name cell")
        result.rejects.append(
            Reject(
                file=name,
                kind="row",
                form_index=len(result.forms) - 1,
                line=last.line,
                reason=reason,
                text=cut.name_raw,
            )
        )
    return result


def _span(raw: RawForm, line_offsets: list[int]) -> tuple[int, int]:
    """Character offsets where a form's first line starts and its last line ends."""
    last = len(line_offsets) - 1
    first_line = raw.line_start or 1
    last_line = raw.line_end or first_line
    return (
        line_offsets[min(max(first_line - 1, 0), last)],
        line_offsets[min(max(last_line, 0), last)],
    )


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


def normalize_path(path: Path) -> FileResult:
    """Parse one source file from disk; an unreadable file becomes a reject."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return FileResult(
            file=str(path), rejects=[Reject(file=str(path), reason=f"cannot read: {exc}")]
        )
    return normalize_bytes(data, str(path))


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
