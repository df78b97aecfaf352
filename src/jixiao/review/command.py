"""``jixiao review``: findings.jsonl, report.html and review.xlsx for forms or source files.

Inputs are contract records (``*.jsonl``, one form per line, e.g. a ``forms.jsonl`` written by
``jixiao normalize``) or source files, which are parsed first. Findings index forms within their
input file, as the golden ``*.review.jsonl`` files do, and carry the file's name.

Rewrites of vague indicators come from the catalogue's templates (``--llm none``, the default)
or from the LLM (``--llm openai|replay``, one call per form, see ``llm_rewrite``); either way
every rewrite passed ``check_rewrite``, and LLM proposals that did not are listed in
``rewrites_dropped.jsonl``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from jixiao.errors import (
    EXIT_LLM_DOWN,
    EXIT_OPERATIONAL,
    EXIT_REJECTS,
    EXIT_USAGE,
    ConfigError,
    InputError,
    JixiaoError,
    LLMError,
    error_line,
    out_dir_problem,
)
from jixiao.grammar import fmt_number
from jixiao.ingest.stdin import stdin_paths
from jixiao.labels import LANG_ENV, Lang, check_lang, flag_labels, reject_reason
from jixiao.llm.config import LLMConfig, resolve_llm_config
from jixiao.llm.stats import LLMStats
from jixiao.output import logs
from jixiao.output import xlsx as xlsxout
from jixiao.output.jsonout import REVIEW_JSON_HELP, print_json
from jixiao.output.progress import Progress, progress_bar
from jixiao.output.safetext import escape_json_line, jsonl_lines
from jixiao.output.xlsx import SEVERITY_FILL
from jixiao.pipeline import iter_sources, run_file
from jixiao.review.llm_rewrite import DroppedRewrite, RewriteJob, run_rewrite_stage
from jixiao.review.profile import (
    AUTO,
    DEFAULT_PROFILE,
    Profile,
    auto_profiles,
    load_profile,
    select_profile,
)
from jixiao.review.report_html import (
    PAGES_DIR,
    SEVERITY_LABEL,
    RejectedInput,
    ReviewedFile,
    department_of,
    write_report,
)
from jixiao.review.rewrite import suggest_rewrites, vague_indicators
from jixiao.review.rules import RULES, review_form
from jixiao.schema import Form, form_from_record
from jixiao.settings import RunSettings

if TYPE_CHECKING:
    import httpx

PROFILE_ENV = "JIXIAO_REVIEW_PROFILE"
LLM_BACKENDS = ("none", "openai", "replay")


class ReviewRun(list[ReviewedFile]):
    """The reviewed files of a run, plus what the LLM rewrite stage did (when it ran)."""

    def __init__(
        self,
        files: Sequence[ReviewedFile] = (),
        *,
        llm: str = "none",
        dropped: Sequence[DroppedRewrite] = (),
        llm_stats: LLMStats | None = None,
    ) -> None:
        super().__init__(files)
        self.skipped: list[tuple[Path, str]] = []
        self.rejects: list[RejectedInput] = []
        self.llm = llm
        self.dropped = list(dropped)
        self.llm_stats = llm_stats


#: What ``jixiao normalize`` and ``jixiao review`` write beside forms.jsonl: never forms.
NOT_FORMS = frozenset(
    {
        "provenance.jsonl",
        "rejects.jsonl",
        "review_queue.jsonl",
        "findings.jsonl",
        "rewrites.jsonl",
        "rewrites_dropped.jsonl",
    }
)


#: What they write for people: under a directory, not read as sources either.
NOT_SOURCES = frozenset({"indicators.csv", "indicators.xlsx", "review.xlsx", "report.html"})


def _report_page(path: Path) -> bool:
    """A page of a review report (``report/*.html`` beside a ``report.html``): not a source."""
    return path.parent.name == PAGES_DIR and (path.parent.parent / "report.html").exists()


class NotForms(InputError):
    """An input that holds no form records and no readable form: refused (exit 2).

    ``rejects`` are the parser's records of why, for a source file (a directory's file is
    listed on the report's rejects page with them, as ``normalize`` would have listed it)."""

    def __init__(
        self,
        file: str,
        reason: str,
        rejects: Sequence[RejectedInput] = (),
        code: str = "other",
    ) -> None:
        super().__init__(file, reason, code)
        self.rejects = list(rejects)


def form_record(record: object) -> dict[str, Any] | None:
    """``record`` when it is a form record (an object with ``form_kind`` and an ``indicators``
    list, as the contract lays out), else None: ``{"a": 1}`` is not a form."""
    if not isinstance(record, dict):
        return None
    if "form_kind" not in record or not isinstance(record.get("indicators"), list):
        return None
    return record


#: Forms of one input file as a review groups them: (the source file's name, its forms).
FileForms = tuple[str, list[Form]]


def load_forms(path: Path, name: str | None = None) -> list[FileForms]:
    """The forms a file holds, grouped by the source file they were read from.

    A ``.jsonl`` of contract records (``normalize``'s forms.jsonl) is grouped by each record's
    ``source_file``, with the provenance.jsonl written beside it (line for line) attached, so
    it reviews exactly as its sources do; any other file is read through ``pipeline.run_file``,
    the route ``normalize`` takes. Raises ``NotForms`` naming the reason when the file holds no
    form: an empty file, a line that is not a form record (provenance, rejects, findings,
    ``{"a": 1}``), a source file in which the parser finds no 绩效目标表. ``name`` is the
    name shown for the file (default: its path; ``<stdin>`` for standard input).
    """
    return load_file(path, name)[0]


def load_file(path: Path, name: str | None = None) -> tuple[list[FileForms], list[RejectedInput]]:
    """``load_forms``, plus what was refused on the way: the parser's rejects of a source file,
    or the ``rejects.jsonl`` that ``jixiao normalize`` wrote beside a ``forms.jsonl``."""
    shown = name or str(path)
    if path.suffix.lower() == ".jsonl":
        loaded = _load_records(path, shown)
        beside = path.with_name("rejects.jsonl")
        return loaded, read_rejects(beside) if path.name == "forms.jsonl" else []
    forms: list[Form] = []
    rejects: list[dict[str, Any]] = []
    for part in run_file(path, RunSettings(), name=name):
        shown = part.file
        forms += part.records()
        rejects += part.rejects
    refused = [reject_input(r, shown) for r in rejects]
    if not forms:
        first = rejects[0] if rejects else None
        why = (
            reject_reason(str(first.get("code") or "other"), first["reason"])
            if first
            else "no 绩效目标表 found"
        )
        raise NotForms(
            shown,
            f"既不是表单记录，也不是含绩效目标表的源文件 / neither forms nor a source with a "
            f"form: {why}",
            refused,
        )
    return [(shown, forms)], refused


def reject_input(rec: dict[str, Any], file: str = "") -> RejectedInput:
    """A reject record (rejects.jsonl, or a run's) as the report lists it."""
    line_no, code, text = rec.get("line"), rec.get("code"), rec.get("text")
    return RejectedInput(
        file=str(rec.get("file") or file),
        reason=str(rec.get("reason") or ""),
        kind=str(rec.get("kind") or "file"),
        code=code if isinstance(code, str) else None,
        line=line_no if isinstance(line_no, int) else None,
        text=text if isinstance(text, str) else None,
    )


def read_rejects(path: Path) -> list[RejectedInput]:
    """The records of a ``rejects.jsonl`` (missing or unreadable: none; bad lines skipped)."""
    try:
        lines = jsonl_lines(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return []
    out: list[RejectedInput] = []
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and isinstance(rec.get("reason"), str):
            out.append(reject_input(rec))
    return out


def _load_records(path: Path, shown: str) -> list[FileForms]:
    if path.name in NOT_FORMS or path.name.endswith(".review.jsonl"):
        raise NotForms(
            shown,
            f"是 jixiao 的其他输出，不是表单文件 / {path.name} is not a forms file (it is a "
            "jixiao output)",
        )
    try:
        lines = [ln for ln in jsonl_lines(path.read_text(encoding="utf-8-sig")) if ln.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise NotForms(shown, f"无法读取 / cannot read: {exc}", code="unreadable") from exc
    provenance = _provenance_beside(path, len(lines))
    groups: dict[str, list[Form]] = {}
    for n, line in enumerate(lines, 1):
        try:
            record = form_record(json.loads(line))
            if record is None:
                raise NotForms(
                    shown,
                    f"第 {n} 行不是表单记录 / line {n} is not a form record (a form has "
                    "form_kind and indicators)",
                )
            form = form_from_record(record, provenance[n - 1] if provenance else None)
        except (ValidationError, ValueError) as exc:
            why = " ".join(str(exc).split())[:200]
            raise NotForms(
                shown, f"第 {n} 行不是表单记录 / line {n} is not a form record: {why}"
            ) from exc
        groups.setdefault(str(record.get("source_file") or shown), []).append(form)
    if not groups:
        raise NotForms(shown, "没有表单记录（文件为空）/ no form records (the file is empty)")
    return list(groups.items())


def _provenance_beside(path: Path, count: int) -> list[dict[str, Any]] | None:
    """``provenance.jsonl`` next to a forms file, when it has one line per form record."""
    beside = path.with_name("provenance.jsonl")
    if path.name != "forms.jsonl" or not beside.is_file():
        return None
    try:
        lines = [ln for ln in jsonl_lines(beside.read_text(encoding="utf-8")) if ln.strip()]
        records = [json.loads(ln) for ln in lines]
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    ok = len(records) == count and all(isinstance(r, dict) for r in records)
    return records if ok else None


def expand_inputs(paths: Sequence[Path]) -> list[Path]:
    """Files named, and under directories named their forms files (``*.jsonl`` other than
    jixiao's other outputs) and source files."""
    out: list[Path] = []
    for p in paths:
        if not p.exists():
            raise NotForms(str(p), "找不到文件或目录 / no such file or directory")
        if p.is_dir():
            out += sorted(
                q
                for q in p.rglob("*.jsonl")
                if q.name not in NOT_FORMS and not q.name.endswith(".review.jsonl")
            )
            out += [
                s
                for s in iter_sources([p])
                if s.suffix.lower() != ".jsonl"
                and s.name not in NOT_SOURCES
                and not _report_page(s)
            ]
        else:
            out.append(p)
    return out


@dataclass
class Inputs:
    """The forms of every input, the files under directories skipped with their reason, and
    what the inputs' own runs refused (rejects)."""

    loaded: list[FileForms]
    skipped: list[tuple[Path, str]]
    rejects: list[RejectedInput]
    #: the skipped files as the report's rejects page lists them (with their codes)
    refused: list[RejectedInput]


def load_inputs(
    paths: Sequence[Path],
    progress: Callable[[int, int], None] | None = None,
    names: dict[str, str] | None = None,
) -> Inputs:
    """The forms of every input, the files skipped, the rejects.

    A file named on the command line that holds no form is refused (``NotForms``); one found
    under a directory is skipped and listed. No form at all is refused too.
    """
    named = {p.resolve() for p in paths if p.is_file()}
    loaded: list[FileForms] = []
    skipped: list[tuple[Path, str]] = []
    rejects: list[RejectedInput] = []
    skipped_rejects: list[RejectedInput] = []
    files = expand_inputs(paths)
    for k, path in enumerate(files):
        try:
            forms, refused = load_file(path, (names or {}).get(str(path)))
            loaded += forms
            rejects += refused
        except NotForms as exc:
            if path.resolve() in named:
                raise
            skipped.append((path, exc.reason))
            skipped_rejects.append(RejectedInput(str(path), exc.reason, "skipped", exc.code))
            rejects += exc.rejects
        if progress is not None:
            progress(k + 1, len(files))
    if not loaded:
        where = ", ".join(map(str, paths))
        raise NotForms(where, f"没有可审核的表 / no forms to review ({len(skipped)} files skipped)")
    return Inputs(loaded, skipped, rejects, skipped_rejects)


def profile_chooser(name: str) -> Callable[[Form], Profile]:
    """``auto`` picks a regional profile per form by its ``match`` keywords; else one profile."""
    if name == AUTO:
        default, regional = load_profile(DEFAULT_PROFILE), auto_profiles()
        return lambda form: select_profile(form, regional, default)
    fixed = load_profile(name)
    return lambda form: fixed


def review_file(
    name: str,
    forms: list[Form],
    choose: Callable[[Form], Profile],
    tick: Callable[[], None] | None = None,
) -> ReviewedFile:
    """Findings and rewrites for the forms of one input file (``tick`` after each form)."""
    rf = ReviewedFile(name=name, forms=forms, findings=[])
    used: set[str] = set()
    for i, form in enumerate(forms):
        if tick is not None:
            tick()
        profile = choose(form)
        used.add(profile.name)
        found = review_form(form, i, profile, forms)
        rf.findings += found
        rewrites = suggest_rewrites(form, profile, found)
        if rewrites:
            rf.rewrites[i] = rewrites
    rf.profile = "、".join(sorted(used)) or DEFAULT_PROFILE
    return rf


def llm_rewrites(
    files: Sequence[ReviewedFile],
    choose: Callable[[Form], Profile],
    config: LLMConfig,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[list[DroppedRewrite], LLMStats]:
    """Replace the template rewrites of every vague row by the LLM's, where they pass.

    One call per form with vague rows; a row whose proposal is refused keeps its template.
    """

    jobs: list[tuple[ReviewedFile, int, RewriteJob]] = []
    for rf in files:
        for fi, form in enumerate(rf.forms):
            found = rf.findings_of(fi)
            profile = choose(form)
            rows = vague_indicators(form, profile, found)
            if rows:
                job = RewriteJob(
                    form=form,
                    indicators=rows,
                    findings=found,
                    profile=profile,
                    form_index=fi,
                    file=rf.name,
                    templates=dict(rf.rewrites.get(fi, {})),
                )
                jobs.append((rf, fi, job))
    result = run_rewrite_stage([j for _, _, j in jobs], config, transport=transport)
    dropped: list[DroppedRewrite] = []
    for (rf, fi, _), outcome in zip(jobs, result.outcomes, strict=True):
        if outcome.rewrites:
            rf.rewrites[fi] = outcome.rewrites
        else:
            rf.rewrites.pop(fi, None)
        dropped += outcome.dropped
    return dropped, result.stats


def run_review(
    paths: Sequence[Path],
    out: Path,
    profile: str = DEFAULT_PROFILE,
    llm: str = "none",
    *,
    llm_config: LLMConfig | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    lang: Lang = "zh",
    progress: Progress | None = None,
    names: dict[str, str] | None = None,
) -> ReviewRun:
    """Review every input and write findings.jsonl, rewrites.jsonl, report.html, review.xlsx.

    ``llm`` (none | openai | replay) picks where rewrites of vague rows come from; ``llm_config``
    is the LLM configuration to use instead of the environment's (its backend is set to ``llm``).
    With an LLM backend, refused proposals go to rewrites_dropped.jsonl. ``names`` maps a
    path to the name shown and written for it (``<stdin>``).
    """
    if llm not in LLM_BACKENDS:
        raise ConfigError(f"--llm must be one of {', '.join(LLM_BACKENDS)}, not {llm!r}")
    choose = profile_chooser(profile)
    inputs = load_inputs(paths, progress.step("读取 read") if progress else None, names)
    loaded = inputs.loaded
    tick = progress.step("审核 review", sum(len(f) for _, f in loaded)) if progress else None
    files = ReviewRun(
        [
            review_file(name, forms, choose, (lambda: tick(1, 0)) if tick else None)
            for name, forms in loaded
        ],
        llm=llm,
    )
    files.skipped = inputs.skipped
    # a skipped source file is listed by its parser's rejects; other skipped files as skipped
    listed = {r.file for r in inputs.rejects}
    files.rejects = [r for r in inputs.refused if r.file not in listed] + inputs.rejects
    if llm != "none":
        config = llm_config.with_(backend=llm) if llm_config else resolve_llm_config(backend=llm)
        files.dropped, files.llm_stats = llm_rewrites(files, choose, config, transport=transport)
    if progress is not None:
        progress.step("写出 write", 1)
    out.mkdir(parents=True, exist_ok=True)
    # Every output goes to a temporary name first and all are renamed into place at the end:
    # a review that fails half-way leaves the previous outputs as they were, none half-written.
    staged: list[tuple[Path, Path]] = []
    pages = out / f".{PAGES_DIR}.part"

    def part(name: str) -> Path:
        staged.append((out / f".{name}.part", out / name))
        return staged[-1][0]

    try:
        write_findings(files, part("findings.jsonl"))
        write_rewrites(files, part("rewrites.jsonl"))
        if llm != "none":
            write_dropped(files.dropped, part("rewrites_dropped.jsonl"))
        shutil.rmtree(pages, ignore_errors=True)
        write_report(files, pages, files.rejects, lang)
        write_xlsx(files, part("review.xlsx"), lang)
    except BaseException:
        for tmp, _final in staged:
            tmp.unlink(missing_ok=True)
        shutil.rmtree(pages, ignore_errors=True)
        raise
    for tmp, final in staged:
        os.replace(tmp, final)
    # the report: the index, then its pages (the old pages go first: a department may be gone)
    os.replace(pages / "report.html", out / "report.html")
    shutil.rmtree(out / PAGES_DIR, ignore_errors=True)
    os.replace(pages / PAGES_DIR, out / PAGES_DIR)
    pages.rmdir()
    return files


# --------------------------------------------------------------------------- writers


def finding_records(rf: ReviewedFile) -> list[dict[str, Any]]:
    """Findings of one file as JSON records: the golden keys first, then the details."""
    return [{"file": rf.name, **f.model_dump(mode="json")} for f in rf.findings]


def write_findings(files: Sequence[ReviewedFile], path: Path) -> None:
    """One finding per line (UTF-8, Chinese kept readable)."""
    with path.open("w", encoding="utf-8") as fh:
        for rf in files:
            for rec in finding_records(rf):
                fh.write(escape_json_line(json.dumps(rec, ensure_ascii=False)) + "\n")


def write_rewrites(files: Sequence[ReviewedFile], path: Path) -> None:
    """One suggested rewrite per line, keyed like findings."""
    with path.open("w", encoding="utf-8") as fh:
        for rf in files:
            for fi, rows in sorted(rf.rewrites.items()):
                for ii, rw in sorted(rows.items()):
                    rec = {"file": rf.name, "form": fi, "indicator": ii, **rw.model_dump()}
                    fh.write(escape_json_line(json.dumps(rec, ensure_ascii=False)) + "\n")


def write_dropped(dropped: Sequence[DroppedRewrite], path: Path) -> None:
    """One refused LLM proposal (or unanswered row) per line, with the reason and rule codes."""
    with path.open("w", encoding="utf-8") as fh:
        for d in dropped:
            fh.write(
                escape_json_line(json.dumps(d.model_dump(mode="json"), ensure_ascii=False)) + "\n"
            )


#: Sheet 指标: (中文表头, English header, width).
INDICATOR_HEADINGS: tuple[tuple[str, str, float], ...] = (
    ("文件", "file", 30),
    ("表序号", "form_no", 7),
    ("项目/表名", "project", 28),
    ("主管部门", "department", 22),
    ("指标序号", "indicator_no", 7),
    ("一级指标", "level1", 12),
    ("二级指标", "level2", 14),
    ("指标名称", "name", 30),
    ("原始名称", "name_raw", 30),
    ("运算符", "operator", 7),
    ("指标值", "value", 12),
    ("单位", "unit", 8),
    ("权重", "weight", 7),
    ("源数据标记", "flags", 24),
    ("问题代码", "finding_codes", 28),
    ("建议改写", "rewrite", 40),
)
#: Sheet 问题: (中文表头, English header, width).
PROBLEM_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("文件", "file", 30),
    ("表序号", "form_no", 7),
    ("项目/表名", "project", 28),
    ("主管部门", "department", 22),
    ("指标序号", "indicator_no", 7),
    ("指标名称", "indicator", 30),
    ("级别", "severity", 7),
    ("代码", "code", 22),
    ("规则", "rule", 24),
    ("问题", "message", 50),
    ("建议", "suggestion", 40),
    ("依据", "evidence", 40),
)
PROBLEM_HEADINGS = [zh for zh, _en, _w in PROBLEM_COLUMNS]
_SEVERITY_EN = {"error": "error", "warning": "warning", "info": "info"}


def write_xlsx(files: Sequence[ReviewedFile], path: Path, lang: Lang = "zh") -> None:
    """Sheets 指标 (one row per indicator) and 问题 (one row per finding), written in one pass
    (write-only: time and memory linear in the rows); frozen header, filters, text cells."""

    zh = lang == "zh"
    book = xlsxout.Workbook()
    try:
        _write_sheets(book, files, lang, zh)
        book.save(path)
    finally:
        book.close()


def _write_sheets(book: Any, files: Sequence[ReviewedFile], lang: Lang, zh: bool) -> None:

    ws = book.sheet(
        "指标" if zh else "indicators",
        [h[0] if zh else h[1] for h in INDICATOR_HEADINGS],
        [h[2] for h in INDICATOR_HEADINGS],
    )
    for rf in files:
        by_row: dict[tuple[int, int], list[str]] = {}
        for f in rf.findings:
            if f.indicator is not None:
                by_row.setdefault((f.form, f.indicator), []).append(f.code)
        for fi, form in enumerate(rf.forms):
            for ii, ind in enumerate(form.indicators):
                rw = rf.rewrites.get(fi, {}).get(ii)
                ws.append(
                    [
                        rf.name,
                        fi + 1,
                        form.project_name or form.title,
                        department_of(form),
                        ii + 1,
                        ind.level1,
                        ind.level2,
                        ind.name,
                        ind.name_raw,
                        ind.operator,
                        ind.value,
                        ind.unit,
                        ind.weight,
                        flag_labels(ind.flags, lang),
                        "、".join(by_row.get((fi, ii), [])),
                        rw.display() + (f"（{rw.graded_standard}）" if rw.graded_standard else "")
                        if rw
                        else None,
                    ]
                )
    ws2 = book.sheet(
        "问题" if zh else "findings",
        [h[0] if zh else h[1] for h in PROBLEM_COLUMNS],
        [h[2] for h in PROBLEM_COLUMNS],
    )
    for rf in files:
        for f in rf.findings:
            form = rf.forms[f.form]
            row = form.indicators[f.indicator] if f.indicator is not None else None
            ws2.append(
                [
                    rf.name,
                    f.form + 1,
                    form.project_name or form.title,
                    department_of(form),
                    None if f.indicator is None else f.indicator + 1,
                    None if row is None else (row.name or row.name_raw),
                    SEVERITY_LABEL[f.severity] if zh else _SEVERITY_EN[f.severity],
                    f.code,
                    RULES[f.code].title if f.code in RULES else f.code,
                    f.message,
                    f.suggestion,
                    f.evidence,
                ],
                fill=(6, SEVERITY_FILL[f.severity]),
            )


# --------------------------------------------------------------------------- command


@dataclass(frozen=True)
class _Tally:
    """What the summary counts, once, whatever language it is printed in."""

    severities: Counter[str]
    codes: Counter[str]
    forms: int
    rewrites: int
    llm: tuple[int, int, LLMStats] | None  # model rewrites accepted, fallbacks kept, calls


def _tally(files: Sequence[ReviewedFile]) -> _Tally:
    llm = None
    if isinstance(files, ReviewRun) and files.llm_stats is not None:
        accepted = sum(
            1
            for rf in files
            for rows in rf.rewrites.values()
            for rw in rows.values()
            if rw.source.startswith("llm:")
        )
        llm = (accepted, sum(1 for d in files.dropped if d.fallback), files.llm_stats)
    return _Tally(
        Counter(f.severity for rf in files for f in rf.findings),
        Counter(f.code for rf in files for f in rf.findings),
        sum(len(rf.forms) for rf in files),
        sum(len(r) for rf in files for r in rf.rewrites.values()),
        llm,
    )


def summary_lines(files: Sequence[ReviewedFile], out: Path, lang: Lang = "zh") -> list[str]:
    """The short summary the command prints (Chinese, or English with ``lang="en"``)."""
    t = _tally(files)
    sev = t.severities
    dropped = len(files.dropped) if isinstance(files, ReviewRun) else 0
    model = files.llm if isinstance(files, ReviewRun) else ""
    if lang == "zh":
        lines = [
            f"文件 {len(files)} · 表 {t.forms} · 问题 {sum(sev.values())}"
            f"（错误 {sev['error']}，警告 {sev['warning']}，提示 {sev['info']}）"
            f" · 改写建议 {t.rewrites} → {out}"
        ]
        if t.codes:
            lines.append(
                "按规则："
                + "、".join(
                    f"{RULES[c].title if c in RULES else c}（{c}）{fmt_number(n)}"
                    for c, n in t.codes.most_common()
                )
            )
        if t.llm is not None:
            accepted, kept, st = t.llm
            lines.append(
                f"模型改写（{model}）：采纳 {accepted} · 舍弃 {dropped}"
                f"（其中 {kept} 条保留模板改写）· 调用 {st.calls} · token {st.tokens} · "
                f"缓存命中 {st.cache_hits}"
            )
        return lines
    lines = [
        f"files {len(files)} · forms {t.forms} · findings {sum(sev.values())} "
        f"(error {sev['error']}, warning {sev['warning']}, info {sev['info']}) · "
        f"rewrites {t.rewrites} → {out}"
    ]
    if t.codes:
        lines.append(
            "by rule: " + ", ".join(f"{c} {fmt_number(n)}" for c, n in t.codes.most_common())
        )
    if t.llm is not None:
        accepted, kept, st = t.llm
        lines.append(
            f"llm rewrites ({model}): accepted {accepted} · dropped {dropped} "
            f"(template kept for {kept}) · calls {st.calls} · tokens {st.tokens} · "
            f"cache hits {st.cache_hits}"
        )
    return lines


def review_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="forms.jsonl files, source files or directories; - reads standard input "
            "(forms as JSON Lines, or a source file).",
            metavar="PATH",
        ),
    ],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output directory.")] = Path("review"),
    profile: Annotated[
        str,
        typer.Option(
            "-p",
            "--profile",
            envvar=PROFILE_ENV,
            help="Reviewer profile: default | ningxia | auto (per form by region) | path.toml.",
        ),
    ] = DEFAULT_PROFILE,
    llm: Annotated[
        str,
        typer.Option(
            "--llm",
            help="Rewrites of vague indicators: none (catalogue templates) | openai (the "
            "JIXIAO_LLM_* endpoint, cached) | replay (cached answers only, no network).",
        ),
    ] = "none",
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            envvar=LANG_ENV,
            help="Language of the summary and the xlsx labels: zh | en (codes in JSON Lines "
            "do not change).",
        ),
    ] = "zh",
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding is at or above: error | warning | never.",
        ),
    ] = "never",
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help=logs.QUIET_HELP)] = False,
    verbose: Annotated[
        int, typer.Option("-v", "--verbose", count=True, help=logs.VERBOSE_HELP)
    ] = 0,
    json_output: Annotated[bool, typer.Option("--json", help=REVIEW_JSON_HELP)] = False,
) -> None:
    """Check forms against the rule catalogue; write findings.jsonl, report.html (the overview;
    one page per department under report/, and report/rejects.html), review.xlsx.

    Also writes rewrites.jsonl: rewrites for vague indicators, each re-checked by the catalogue
    (source "template", or "llm:<model>@rewrite_indicator:<version>" with --llm), and with --llm
    rewrites_dropped.jsonl: the LLM proposals that still failed the rules, and why.

    Examples:

        jixiao review out/forms.jsonl -o review

        jixiao review golden/inputs -o review --profile auto

        jixiao normalize a.docx -o out && cat out/forms.jsonl | jixiao review - -o review --json

        jixiao review forms.jsonl -o review --profile my_region.toml

        JIXIAO_LLM_BASE_URL=... jixiao review forms.jsonl -o review --llm openai
    """
    logs.setup(logs.level(verbose, quiet))
    if llm not in LLM_BACKENDS:
        raise typer.BadParameter(
            f"must be one of {', '.join(LLM_BACKENDS)}, not {llm!r}", param_hint="--llm"
        )
    try:
        language = check_lang(lang)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if fail_on not in ("error", "warning", "never"):
        raise typer.BadParameter("must be error, warning or never", param_hint="--fail-on")
    problem = out_dir_problem(out)
    if problem:
        typer.echo(error_line(problem), err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        with stdin_paths(paths) as (inputs, names), progress_bar(quiet) as progress:
            files = run_review(
                inputs, out, profile, llm, lang=language, progress=progress, names=names
            )
    except (ConfigError, InputError) as exc:  # bad option, or an input that is not forms
        typer.echo(error_line(exc), err=True)
        raise typer.Exit(EXIT_USAGE) from None
    except LLMError as exc:
        typer.echo(f"模型服务不可用 / LLM: {' '.join(str(exc).split())}", err=True)
        raise typer.Exit(EXIT_LLM_DOWN) from None
    except (OSError, JixiaoError) as exc:
        typer.echo(f"运行失败 / run failed: {' '.join(str(exc).split())}", err=True)
        raise typer.Exit(EXIT_OPERATIONAL) from None
    for path, why in files.skipped:
        typer.echo(
            (f"跳过 {path}：{why}" if language == "zh" else f"skipped {path}: {why}"), err=True
        )
    for line in summary_lines(files, out, language):
        typer.echo(line, err=True)
    worst = {"error": 0, "warning": 1, "info": 2}
    limit = {"error": 0, "warning": 1, "never": -1}[fail_on]
    failed = any(worst[f.severity] <= limit for rf in files for f in rf.findings)
    code = EXIT_REJECTS if failed else 0
    if json_output:
        print_json(summary_json(files, out, code))
    if code:
        raise typer.Exit(code)


def summary_json(files: ReviewRun, out: Path, code: int) -> dict[str, Any]:
    """The ``--json`` summary of a review (keys: ``jsonout.REVIEW_JSON_HELP``)."""
    t = _tally(files)
    return {
        "command": "review",
        "exit": code,
        "out": str(out),
        "files": len(files),
        "forms": t.forms,
        "findings": sum(t.severities.values()),
        "severity": {k: t.severities[k] for k in ("error", "warning", "info")},
        "codes": dict(t.codes.most_common()),
        "rewrites": t.rewrites,
        "skipped": [{"file": str(p), "reason": why} for p, why in files.skipped],
    }
