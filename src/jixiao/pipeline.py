"""File → forms: ingest, split into rows by layout, parse, normalise, flag (no LLM here).

One direction: bytes → ``SourceText`` → rows (layout) → ``RawForm`` → ``Form`` → flags.
A bad file becomes a reject with its reason; nothing here raises for bad input.
"""

from __future__ import annotations

import gc
import re
import zipfile
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from io import BytesIO
from itertools import accumulate
from pathlib import Path
from typing import IO, Any

from jixiao import defects, layouts, limits, segment
from jixiao.errors import InputError, internal_reason
from jixiao.grammar import Row, clean, is_value_like
from jixiao.ingest import archive, readers
from jixiao.ingest.archive import Member, Skipped
from jixiao.ingest.decode import decode, display_name
from jixiao.normalize import build_form
from jixiao.output.exact import json_safe
from jixiao.parse import RawForm, split_forms
from jixiao.parse.site_text import row_text, site_marks, split_site_text
from jixiao.repair.cascade import repair_results
from jixiao.schema import Cell, FileResult, PartOutcome, Reject
from jixiao.settings import RunSettings

_WS = re.compile(r"\s+")

#: File suffixes read by the text pipeline (others are skipped when walking a directory).
TEXT_SUFFIXES = readers.TEXT_SUFFIXES


def normalize_bytes(data: bytes, name: str) -> FileResult:
    """Parse one source file's bytes into forms and rejects; never raises for bad input."""
    return merge_parts(iter_bytes(data, name))


def iter_bytes(
    data: bytes, name: str, part_chars: int | None = None, depth: int = 0
) -> Iterator[FileResult]:
    """One file's results, part by part (one part unless it is a long text dump).

    The format comes from the bytes, not the name: Word, Excel, OFD, PDF, HTML and images go
    through their readers (``jixiao.ingest.readers``), a zip archive is walked member by member
    (``depth`` archives deep already), everything else is decoded as a text dump.
    """
    fmt = readers.sniff(data)
    if fmt == "zip":
        yield from iter_archive(BytesIO(data), name, depth + 1)
        return
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
        yield FileResult(
            file=name, layout=fmt, rejects=[Reject(file=name, reason=exc.reason, code=exc.code)]
        )
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
        # The layout is the form's: the site's own lines (footer, byline) do not vote.
        marks = site_marks(lines)
        layout, _score = layouts.choose([ln for ln, s in zip(lines, marks, strict=True) if not s])
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
    # The site's own text (breadcrumb, byline, footer) is no part of any form: set aside first.
    rows, site = split_site_text(rows, lines, first_line)
    lines = lines if lines is not None else text.split("\n")
    raw_forms, preamble = split_forms(rows, positional)
    if wraps is None:
        wraps = defects.text_wraps(text) and defects.cells_wrap(rows)
    elif wraps and site:  # ``索 引 号``, ``大 中 小``: the site's blanks are no cell's wraps
        wraps = defects.cells_wrap(rows)
    context, shift = evidence or (text, 0)
    windowed = len(context) > 2 * defects.EVIDENCE_MARGIN  # else every form cites it whole
    line_offsets = list(accumulate((len(ln) + 1 for ln in lines), initial=0)) if windowed else []
    seen: dict[str, str | None] = {}  # truncation verdicts against the whole context
    result = FileResult(
        file=name, encoding=encoding, layout=layout, text=text, first_line=first_line
    )
    if not raw_forms:
        result.rejects.append(_no_form_reject(name, layout))
        return result
    result.rejects.extend(_preamble_rejects(preamble, name))
    result.rejects.extend(_site_text_rejects(site, name, lines, first_line))
    cell_index: tuple[list[int], list[Cell]] | None = None  # made when a part is discarded
    for index, raw in enumerate(raw_forms):
        refused = _not_a_form(raw, name, first_form + index, index == len(raw_forms) - 1)
        if refused is not None:
            result.rejects.append(refused)
            cell_index = cell_index or _line_index(rows)
            result.rejects.extend(_discarded_rows(raw, name, cell_index))
            continue
        at = first_form + len(result.forms)
        form = build_form(raw, name, at, encoding, layout)
        cited = context
        if windowed:
            start, end = _span(raw, line_offsets, first_line)
            cited = defects.evidence_window(context, shift + start, shift + end)
        defects.check_form(form, cited, wraps, seen if cited is context else None)
        if not raw.columns:
            result.rejects.append(_no_table_reject(raw, name, at))
        leftovers = _leftover_cells(raw)
        form.source.unread = [c for c, _, _ in leftovers]
        form.source.unread += [label for _, label in raw.pending if _worth_reporting(label.text)]
        result.rejects += _repeated_label_rejects(raw, name, at)
        result.rejects += [_row_reject(name, at, *left) for left in leftovers]
        result.forms.append(form)
    if last_part:
        _cut_at_file_end(result, raw_forms[-1], lines, first_line, first_form)
    return result


def _no_form_reject(name: str, layout: str) -> Reject:
    """The file's one reject when no form is found in it."""
    reason = (
        "no 绩效目标表 found: no form title, header label or indicator table heading "
        f"(read as {layout})"
    )
    return Reject(file=name, reason=reason, code="no_form")


def _not_a_form(raw: RawForm, name: str, form_index: int, last: bool) -> Reject | None:
    """Why a raw form is no form (its rows are then discarded), or None when it is one.

    A title with nothing after it is no form; nor are labels or a title with no indicator table
    before the next form (the ``last`` one may be a form cut at the file's end).
    """
    if not raw.indicators and not raw.header:
        return Reject(
            file=name,
            kind="form",
            form_index=form_index,
            line=raw.line_start,
            reason="form title found but no header fields or indicator rows follow",
            code="form_without_body",
            text=clean(raw.title.text) if raw.title else None,
        )
    if not raw.columns and (raw.title is None or not last) and not _cut_form(raw):
        return Reject(
            file=name,
            kind="form",
            line=raw.line_start,
            reason="form labels or a title but no indicator table before the next form: not a form",
            code="not_a_form",
            text=" | ".join(clean(c.text) for c in raw.header.values())[:200],
        )
    return None


def _no_table_reject(raw: RawForm, name: str, form_index: int) -> Reject:
    """A form read without an indicator table heading (its fields are kept)."""
    return Reject(
        file=name,
        kind="form",
        form_index=form_index,
        line=raw.line_start,
        reason="no indicator table heading (一级指标/三级指标/指标值 …) found in the form",
        code="no_indicator_table",
    )


def _leftover_cells(raw: RawForm) -> list[tuple[Cell, str, str]]:
    """The cells of a form no label or column claims, worth reporting: cell, reason, code."""
    leftovers = [
        (cell, "cell not understood (no label or column claims it)", "cell_unplaced")
        for cell in raw.unplaced
    ]
    leftovers += [
        (
            cell,
            "cell not understood as an indicator: a subtotal or total row (小计/合计)",
            "cell_unplaced",
        )
        for cell in raw.totals
    ]
    leftovers += [
        (cell, "cell in an indicator row that no column of the table claims", "cell_extra")
        for row in raw.indicators
        for cell in row.extra
    ]
    return [left for left in leftovers if _worth_reporting(left[0].text)]


def _row_reject(name: str, form_index: int, cell: Cell, reason: str, code: str) -> Reject:
    """A row reject of form ``form_index`` at ``cell``, its text cut to 200 characters."""
    text = clean(cell.text)[:200]
    return Reject(
        file=name,
        kind="row",
        form_index=form_index,
        line=cell.line,
        reason=reason,
        text=text,
        code=code,
    )


def _repeated_label_rejects(raw: RawForm, name: str, form_index: int) -> list[Reject]:
    """A header label printed again: the later cell is not read, the first value is kept."""
    out: list[Reject] = []
    for later, kept in raw.repeated:
        if clean(later.text) == clean(kept.text):
            reason = f"label repeated with the same value as line {kept.line}: not read again"
        else:
            reason = (
                f"label repeated with a different value: line {kept.line}'s "
                f"{clean(kept.text)[:60]!r} is kept"
            )
        out.append(_row_reject(name, form_index, later, reason, "label_repeated"))
    return out


def _cut_at_file_end(
    result: FileResult, raw: RawForm, lines: list[str], first_line: int, first_form: int
) -> None:
    """A file that ends inside the last form's last indicator row: the text looks truncated.

    A short fragment without a value (``开展质``) is dropped, a longer row kept and flagged;
    either way one row reject says so.
    """
    last = raw.indicators[-1] if raw.indicators else None
    at_end = last is not None and last.line == first_line - 1 + _last_line(lines)
    if last is None or not last.short or not at_end or not result.forms:
        return
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
            file=result.file,
            kind="row",
            form_index=first_form + len(result.forms) - 1,
            line=last.line,
            reason=reason,
            text=cut.name_raw,
            code="file_truncated",
        )
    )


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


_DIGIT = re.compile(r"[\d０-９]")

#: Lines before a form that are no content: an attachment number, a page number.
_NOT_CONTENT = re.compile(
    r"(附件|附表)\s*[\d一二三四五六七八九十]*[:：]?|第?\s*\d{1,3}\s*页?|[-—\s]*\d{1,3}[-—\s]*"
)


def _line_index(rows: list[Row]) -> tuple[list[int], list[Cell]]:
    """Every cell of ``rows`` sorted by source line, with the lines alone (for bisecting)."""
    cells = sorted((c for row in rows for c in row.cells if c.line is not None), key=_at)
    return [c.line or 0 for c in cells], cells


def _at(cell: Cell) -> tuple[int, int]:
    return cell.line or 0, cell.col or 0


def _discarded_rows(raw: RawForm, name: str, index: tuple[list[int], list[Cell]]) -> list[Reject]:
    """One reject per source line of a part rejected as not a form, after the first (which
    the form's reject names): its rows are in no output, so each is named. The part's cells
    as the parser kept them, and every source row within its lines (a cell the parser let go
    of is named too)."""
    cells = [*raw.header.values(), *(c for _, c in raw.breakdown if c is not None)]
    cells += [*raw.unplaced, *(label for _, label in raw.pending), *(c for c, _ in raw.repeated)]
    cells += [
        *raw.stream,
        *(c for ind in raw.indicators for c in [*ind.cells.values(), *ind.extra]),
    ]
    first, last = raw.line_start or 0, raw.line_end or raw.line_start or 0
    lines, by_position = index
    cells += by_position[bisect_right(lines, first) : bisect_right(lines, last)]
    by_line: dict[int, list[str]] = {}
    seen: set[tuple[int, int | None, str]] = set()
    for cell in sorted(cells, key=_at):
        if cell.line is None or cell.line == raw.line_start:
            continue
        if _worth_reporting(cell.text) and (cell.line, cell.col, cell.text) not in seen:
            seen.add((cell.line, cell.col, cell.text))
            by_line.setdefault(cell.line, []).append(clean(cell.text))
    return [
        Reject(
            file=name,
            kind="row",
            line=line,
            reason=f"row of the part from line {raw.line_start} rejected as not a form: not read",
            text=" | ".join(texts)[:200],
            code="row_discarded",
        )
        for line, texts in sorted(by_line.items())
    ]


def _site_text_rejects(
    site: list[Row], name: str, lines: list[str], first_line: int
) -> list[Reject]:
    """One reject per source line of the web page's own text that was set aside
    (``site_text``): a line a layout cut into several rows is reported once."""
    texts = {row.line: clean(row_text(row, lines, first_line)) for row in site}
    return [
        Reject(
            file=name,
            kind="row",
            line=line,
            text=text,
            reason="web page text around the form (navigation, byline, footer): not read",
            code="site_text",
        )
        for line, text in texts.items()
    ]


def _preamble_rejects(preamble: list[Cell], name: str) -> list[Reject]:
    """One reject per source line before the first form that holds a number or a target
    value (issue 12: such rows were in no output and no reject). Page furniture without
    numbers (``当前位置:``, a heading, a bureau's name) is not reported."""
    by_line: dict[int, list[str]] = {}
    keep: set[int] = set()
    for cell in preamble:
        text = clean(cell.text)
        if cell.line is None:
            continue
        if _worth_reporting(text) and not _NOT_CONTENT.fullmatch(text):
            by_line.setdefault(cell.line, []).append(text)
            if _DIGIT.search(text) or is_value_like(text):
                keep.add(cell.line)
    return [
        Reject(
            file=name,
            kind="row",
            line=line,
            reason="row before the first form: no form title or header label above it",
            text=" | ".join(texts)[:200],
            code="row_before_form",
        )
        for line, texts in sorted(by_line.items())
        if line in keep
    ]


def _worth_reporting(text: str) -> bool:
    """Unit notes and checkbox debris are not content; everything else unplaced is reported."""
    t = re.sub(r"\s+", "", clean(text))
    return bool(t) and not re.fullmatch(
        r"(单位[:：]?(万元|元)|金额单位[:：]?(万元|元)|绩效指标|-+)", t
    )


def normalize_path(path: Path, name: str | None = None) -> FileResult:
    """Parse one source file from disk (named ``name``, default its path); an unreadable file
    becomes a reject."""
    return merge_parts(iter_path(path, name=name))


def _reject(name: str, reason: str, code: str) -> FileResult:
    return FileResult(file=name, rejects=[Reject(file=name, reason=reason, code=code)])


def iter_path(
    path: Path, member: Member | None = None, name: str | None = None
) -> Iterator[FileResult]:
    """One file from disk, part by part (see ``iter_bytes``), named ``name`` (default: its
    path); unreadable or over the ``file_bytes`` limit: one reject. A zip archive is walked
    member by member from disk (only ``member`` when given: a batch run makes each member a
    job of its own)."""
    name = name or display_name(str(path))
    if member is not None:
        yield from iter_archive(str(path), name, 1, only=member)
        return
    if is_archive(path):
        yield from iter_archive(str(path), name, 1)
        return
    try:
        limits.check(name, "file_bytes", path.stat().st_size)
        data = path.read_bytes()
    except InputError as exc:
        yield FileResult(file=name, rejects=[Reject(file=name, reason=exc.reason, code=exc.code)])
        return
    except OSError as exc:
        reason = f"无法读取 / cannot read: {exc.strerror or type(exc).__name__}"
        yield _reject(name, reason, "unreadable")
        return
    parts = iter_bytes(data, name)
    del data  # held by the parts until they are decoded, then let go
    yield from parts


def iter_archive(
    source: str | IO[bytes], name: str, depth: int, only: Member | None = None
) -> Iterator[FileResult]:
    """A zip archive's results, member by member, each behind its own boundary: a member
    that cannot be read (or that hits a bug) is that member's reject, and the walk goes on.
    Entries skipped (unknown suffix, hidden, ``__MACOSX``) are rejects that say so."""
    try:
        limits.check(name, "zip_depth", depth)
        zf = archive.open_zip(source, name)
    except InputError as exc:
        yield _reject(name, exc.reason, exc.code)
        return
    with zf:
        if only is not None:
            yield from _member_results(zf, only, depth)
            return
        try:
            found = archive.entries(zf, name)
        except InputError as exc:
            yield _reject(name, exc.reason, exc.code)
            return
        if not found:
            yield _reject(name, "empty zip archive: no file in it", "empty_file")
        for entry in found:
            if isinstance(entry, Skipped):
                yield _reject(entry.name, entry.reason, "skipped")
            else:
                yield from _member_results(zf, entry, depth)


def _member_results(zf: zipfile.ZipFile, member: Member, depth: int) -> Iterator[FileResult]:
    try:
        data = archive.read_member(zf, member.index, member.name)
        yield from iter_bytes(data, member.name, depth=depth)
    except InputError as exc:
        yield _reject(member.name, exc.reason, exc.code)
    except Exception as exc:  # the member's boundary: a bug in one member spares the rest
        message = " ".join(str(exc).split())[:300]
        yield _reject(
            member.name, internal_reason(f"{type(exc).__name__}: {message}"), "internal_error"
        )


def is_archive(path: Path) -> bool:
    """Whether ``path`` is a zip archive of files (not a .docx/.xlsx/.ofd package)."""
    try:
        with path.open("rb") as handle:
            if handle.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
                return False
        with zipfile.ZipFile(path) as zf:
            return readers.zip_kind(zf.namelist()) == "zip"
    except Exception:  # noqa: BLE001 - damaged: the reader of the bytes says why
        return path.suffix.lower() in archive.ARCHIVE_SUFFIXES


@dataclass(frozen=True)
class Source:
    """One unit of work: a file, or one member of an archive file."""

    path: Path
    member: Member | None = None


def iter_sources(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and files under directories named (recursive, sorted), without the
    entries ``walk`` skips."""
    seen: set[Path] = set()
    for unit in walk(paths):
        if isinstance(unit, Source) and unit.path not in seen:
            seen.add(unit.path)
            yield unit.path


def walk(paths: Iterable[Path]) -> Iterator[Source | Skipped]:
    """Every unit of work under ``paths``, and every entry skipped with its reason.

    A directory is walked recursively in sorted order; an entry is skipped when its suffix is
    unknown, it is hidden (a hidden directory is named once), it is a symlink to a directory
    or to a file outside the tree, or it is not a regular file. A zip archive (named, or met in
    the walk) gives one unit per member (``archive.zip!member``); one that cannot be listed is
    one unit, rejected when read.
    """
    for path in paths:
        if not path.is_dir():
            yield from _file_units(path)
            continue
        root = path.resolve()
        for child in sorted(path.rglob("*")):
            rel = child.parts[len(path.parts) :]
            hidden = [k for k, p in enumerate(rel) if p.startswith(".")]
            shown = display_name(str(child))
            if hidden and hidden[0] < len(rel) - 1:
                continue  # inside a hidden directory, named once below
            if hidden:
                what = "hidden directory" if child.is_dir() else "hidden file"
                yield Skipped(shown, f"跳过 / skipped: {what}")
                continue
            if child.is_symlink():
                target = child.resolve()
                if child.is_dir():
                    yield Skipped(shown, "跳过 / skipped: symlink to a directory, not followed")
                    continue
                if not target.is_relative_to(root):
                    yield Skipped(
                        shown, f"跳过 / skipped: symlink outside the input tree ({target})"
                    )
                    continue
            if child.is_dir():
                continue
            if not child.is_file():
                yield Skipped(shown, "跳过 / skipped: not a regular file")
                continue
            if not archive.known_suffix(child.suffix.lower()):
                yield Skipped(shown, f"跳过 / skipped: unknown suffix {child.suffix.lower()!r}")
                continue
            yield from _file_units(child)


def _file_units(path: Path) -> Iterator[Source | Skipped]:
    """A file's units: itself, or each member of the archive it is."""
    if not path.is_file() or not is_archive(path):
        yield Source(path)
        return
    name = display_name(str(path))
    try:
        with archive.open_zip(str(path), name) as zf:
            found = archive.entries(zf, name)
    except InputError:
        found = []
    if not found:  # unreadable, past a limit or empty: reading it says why
        yield Source(path)
        return
    for entry in found:
        yield entry if isinstance(entry, Skipped) else Source(path, entry)


def run_file(
    path: Path, settings: RunSettings, member: Member | None = None, name: str | None = None
) -> Iterator[PartOutcome]:
    """The one composer: a file read part by part (ingest, layout, parse, normalise, defect
    checks), each part repaired up to ``settings.stage``, as outcomes ready to store and write.

    ``normalize`` (both engines), ``eval``, ``review`` and ``inspect`` all read files through
    here, so they see the same forms. The settings' limits hold while the parts are made.
    ``member``: only that member of the zip archive at ``path`` (a batch run's unit);
    ``name``: the name shown instead of the path (``<stdin>``).
    """
    with limits.use(settings.limits):
        for result in iter_path(path, member, name):
            yield outcome(result, settings)


def run_named(
    path: Path,
    settings: RunSettings,
    member: Member | None = None,
    name: str | None = None,
    *,
    names: dict[str, str],
) -> Iterator[PartOutcome]:
    """``run_file`` with the file named by ``names`` (path → name shown, as ``<stdin>``); a
    module function, so ``functools.partial(run_named, names=...)`` travels to pool workers."""
    return run_file(path, settings, member, name or names.get(str(path)))


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
