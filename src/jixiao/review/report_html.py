"""The offline HTML report of a review: an index page plus one page per department.

``report.html`` is the overview: totals, bar charts (by rule, severity and department, each bar
split by the findings' own severity), a search box over departments and forms, and the list of
pages. ``report/`` holds one page per department (a department of more than ``PAGE_SIZE`` forms,
or forms that name none, are cut into pages of ``PAGE_SIZE``) and ``rejects.html``: the inputs
that were refused, and why. Every finding shows its source cell text and the file and line it
came from inline (so it prints), not only in a tooltip.

Everything is inline (CSS, SVG, a few lines of script for the search box; no fonts, images or
scripts from anywhere), so the pages can be mailed or archived and opened offline. The pages are
Jinja2 templates (``review/templates/``, autoescaped); this module builds what they show.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace as V
from typing import Any

from jixiao.grammar import fmt_number
from jixiao.labels import (
    OTHER_REJECT,
    Lang,
    flag_label,
    reject_label,
    report_text,
    severity_label,
)
from jixiao.output.templating import environment
from jixiao.review.rewrite import Rewrite
from jixiao.review.rules import RULES, SEVERITY_ORDER, effective_levels
from jixiao.schema import Cell, Finding, Form, Indicator

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_COLOR = {"error": "#c0392b", "warning": "#d68910", "info": "#2e86c1"}

#: Forms per page at most: a bigger department, or the forms that name none, are cut up.
PAGE_SIZE = 500
#: Bars in the department chart at most (the rest are counted in its caption).
CHART_ROWS = 30
#: The index lists every form for the search box; above this many the list shows only matches.
INDEX_LIST_OPEN = 200
#: Where the pages other than the index go, beside report.html.
PAGES_DIR = "report"

#: Which table cell a parser flag belongs to ("row" marks the whole row).
FLAG_FIELD = {
    "name_truncated": "name",
    "value_in_name": "name",
    "unit_invalid": "unit",
    "unit_missing": "unit",
    "value_missing": "value",
    "value_suspect": "value",
    "column_shift": "row",
    "category_in_operator": "operator",
    "ocr_low_confidence": "row",
}

#: Table columns: (field, label key, source cell role).
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("level1", "col_level1", "level1"),
    ("level2", "col_level2", "level2"),
    ("name", "col_name", "name"),
    ("operator", "col_operator", "operator"),
    ("value", "col_value", "value"),
    ("unit", "col_unit", "unit"),
    ("weight", "col_weight", "weight"),
)
#: Form-level findings about the goal text: their source is the 年度绩效目标 cell.
GOAL_CODES = frozenset({"goal_missing", "vague_target", "goal_boilerplate", "goal_indicator_gap"})


@dataclass
class ReviewedFile:
    """One input file as reviewed: its forms, findings and rewrites (form → row → rewrite)."""

    name: str
    forms: list[Form]
    findings: list[Finding]
    rewrites: dict[int, dict[int, Rewrite]] = field(default_factory=dict)
    profile: str = "default"
    _by_form: dict[int, list[Finding]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _grouped: tuple[int, int] = field(default=(0, -1), init=False, repr=False, compare=False)

    def findings_of(self, fi: int) -> list[Finding]:
        """The findings of form ``fi``, grouped in one pass (regrouped when findings change)."""
        key = (id(self.findings), len(self.findings))
        if self._by_form is None or self._grouped != key:
            self._by_form = {}
            for f in self.findings:
                self._by_form.setdefault(f.form, []).append(f)
            self._grouped = key
        return self._by_form.get(fi, [])


@dataclass(frozen=True)
class RejectedInput:
    """Something a review run could not read as forms: a skipped file or a parser's reject."""

    file: str
    reason: str
    kind: str = "file"  # file | form | row | skipped
    code: str | None = None
    line: int | None = None
    text: str | None = None

    @property
    def reject_code(self) -> str:
        return self.code or OTHER_REJECT


def department_of(form: Form) -> str:
    """The department a finding is counted under."""
    return form.department or form.implementing_unit or form.compiling_unit or "（未注明单位）"


def _named_department(form: Form) -> str | None:
    return form.department or form.implementing_unit or form.compiling_unit


def form_label(form: Form, index: int, lang: Lang = "zh") -> str:
    """``第3张 · 应急管理工作`` for headings and lists."""
    what = form.project_name or (
        report_text("dept_form", lang) if form.form_kind == "department" else form.title
    )
    what = what or report_text("unnamed", lang)
    return f"第{index + 1}张 · {what}" if lang == "zh" else f"form {index + 1} · {what}"


def _worst(findings: Iterable[Finding]) -> str:
    sev = [f.severity for f in findings]
    return min(sev, key=lambda s: SEVERITY_ORDER[s]) if sev else "ok"


# --------------------------------------------------------------------------- pages


@dataclass
class Page:
    """One department page (or one part of a big or unnamed department)."""

    name: str  # file name under report/
    department: str | None
    part: int  # 1-based; 0 when the department fits on one page
    entries: list[tuple[int, int]] = field(default_factory=list)  # (file index, form index)
    severities: Counter[str] = field(default_factory=Counter)

    def title(self, lang: Lang) -> str:
        name = self.department or report_text("no_department", lang)
        return name + (f" · {report_text('part', lang, n=self.part)}" if self.part else "")


def plan_pages(files: Sequence[ReviewedFile], size: int | None = None) -> list[Page]:
    """Forms grouped by department in order of first appearance, cut into pages of ``size``;
    the forms that name no department come last, in pages of ``size``."""
    size = size or PAGE_SIZE
    groups: dict[str | None, list[tuple[int, int]]] = {}
    for k, rf in enumerate(files):
        for fi, form in enumerate(rf.forms):
            groups.setdefault(_named_department(form), []).append((k, fi))
    if None in groups:
        groups[None] = groups.pop(None)  # last
    pages: list[Page] = []
    for dept, entries in groups.items():
        chunks = [entries[i : i + size] for i in range(0, len(entries), size)]
        for part, chunk in enumerate(chunks, 1):
            n = len(pages) + 1
            page = Page(f"p{n:04d}.html", dept, part if len(chunks) > 1 else 0, chunk)
            for k, fi in chunk:
                page.severities.update(f.severity for f in files[k].findings_of(fi))
            pages.append(page)
    return pages


# --------------------------------------------------------------------------- charts


def bar_chart(
    title: str, rows: Sequence[tuple[str, Mapping[str, int]]], width: int = 700
) -> dict[str, Any]:
    """Geometry of a horizontal bar chart; each bar is split by severity (its own colours)."""
    label_w, row_h, top = 300 if width > 500 else 90, 22, 28
    bar_w = width - label_w - 50
    peak = max((sum(c.values()) for _, c in rows), default=0) or 1
    bars = []
    for k, (label, counts) in enumerate(rows):
        y = top + k * row_h
        x = label_w
        segs = []
        for sev in SEVERITIES:
            n = counts.get(sev, 0)
            if not n:
                continue
            w = max(2, round(bar_w * n / peak))
            segs.append({"x": x, "w": w, "colour": SEVERITY_COLOR[sev], "sev": sev, "n": n})
            x += w
        bars.append(
            {
                "label": label,
                "short": label if len(label) <= 30 else label[:29] + "…",
                "total": sum(counts.values()),
                "y": y,
                "segs": segs,
                "end": x,
            }
        )
    return {
        "title": title,
        "width": width,
        "height": top + row_h * len(rows) + 8,
        "label_w": label_w,
        "bars": bars,
    }


# --------------------------------------------------------------------------- one form


def _where(cell: Cell | None, line: int | None, lang: Lang) -> list[str]:
    parts = []
    n = cell.line if cell is not None and cell.line is not None else line
    if n is not None:
        parts.append(report_text("line", lang, n=n))
    if cell is not None and cell.col is not None:
        parts.append(report_text("col", lang, n=cell.col + 1))
    return parts


def provenance(ind: Indicator, role: str, lang: Lang = "zh") -> str:
    """Hover text for one cell: the raw cell, where it was, flags and repairs touching it."""
    src = report_text("source", lang)
    lines: list[str] = []
    cell = ind.source.cells.get(role)
    if cell is not None:
        lines.append(f"{src}：{cell.text.strip() or report_text('empty', lang)}")
        where = _where(cell, None, lang)
        if where:
            lines.append(" ".join(where))
    elif role == "name" and ind.name_raw:
        lines.append(f"{src}：{ind.name_raw}")
    elif ind.source.cells:
        lines.append(f"{src}：{report_text('source_absent', lang)}")
    else:
        lines.append(f"{src}：{report_text('source_none', lang)}")
    if ind.source.line is not None and cell is None:
        lines.append(report_text("line", lang, n=ind.source.line))
    for ev in ind.source.evidence:
        if FLAG_FIELD.get(ev.flag) in (role, "row"):
            lines.append(f"「{flag_label(ev.flag, lang)}」（{ev.flag}）：{ev.reason}")
    for rep in ind.source.repairs:
        if rep.field == role:
            lines.append(f"{fmt_number(rep.before)} → {fmt_number(rep.after)}（{rep.by}）")
    return "\n".join(lines)


#: A source text longer than this is shown cut (the goal, a long name): the form shows it whole.
CLIP = 120


def _clip(text: str) -> str:
    return text if len(text) <= CLIP else text[: CLIP - 1] + "…"


def _file_of(form: Form, rf: ReviewedFile) -> str:
    return form.source.file or rf.name


def finding_source(rf: ReviewedFile, form: Form, f: Finding, lang: Lang) -> V:
    """The source a finding points at: the cell's text as printed, its file and line."""
    rule = RULES.get(f.code)
    role = rule.field if rule is not None and rule.field else "name"
    file = _file_of(form, rf)
    if f.indicator is not None and 0 <= f.indicator < len(form.indicators):
        ind = form.indicators[f.indicator]
        cell = ind.source.cells.get(role)
        shown_role = role
        if cell is None and role != "name":
            cell, shown_role = ind.source.cells.get("name"), "name"
        if cell is not None:
            text = _clip(cell.text.strip())
        elif role == "name" or ind.name_raw:
            text, shown_role = ind.name_raw or (ind.name or ""), "name"
        else:
            text = fmt_number(getattr(ind, role, None))
        where = _where(cell, ind.source.line, lang)
        if ind.source.page is not None:
            where.insert(0, report_text("page_no", lang, n=ind.source.page))
        column = report_text(f"col_{shown_role}", lang) if shown_role else ""
        return V(role=column, text=text, file=file, where=" ".join(where))
    src = form.source
    if f.code in GOAL_CODES:
        cell = src.header_cells.get("annual_goal")
        text = _clip(cell.text.strip() if cell is not None else (form.annual_goal or ""))
        where = _where(cell, src.line_start, lang)
        return V(
            role=report_text("field_annual_goal", lang),
            text=text,
            file=file,
            where=" ".join(where),
        )
    if src.line_start is not None and src.line_end is not None:
        span = report_text("lines", lang, a=src.line_start, b=src.line_end)
    elif src.line_start is not None:
        span = report_text("line", lang, n=src.line_start)
    else:
        span = ""
    return V(role="", text="", file=file, where=span)


def _cells(
    ind: Indicator, levels: tuple[str | None, str | None], flagged: set[str | None],
    repaired: set[str], lang: Lang,
) -> list[V]:  # fmt: skip
    out = []
    for fld, _label, role in COLUMNS:
        classes = [c for c, on in (("flag", fld in flagged), ("repaired", fld in repaired)) if on]
        inferred = levels[0] if fld == "level1" else levels[1] if fld == "level2" else None
        v = getattr(ind, fld)
        if fld == "name":
            text, guess = ind.name or ind.name_raw or "∅", False
        elif v is None and inferred:
            text, guess = inferred, True
        else:
            text, guess = ("" if v is None else fmt_number(v)), False
        tip = provenance(ind, role, lang) if fld == "name" or classes else None
        out.append(V(text=text, cls=" ".join(classes), tip=tip, inferred=guess))
    return out


def _rule_title(code: str) -> str:
    return RULES[code].title if code in RULES else code


def form_view(rf: ReviewedFile, k: int, fi: int, lang: Lang) -> V:
    """What the page shows of one form."""
    form = rf.forms[fi]
    findings = sorted(
        rf.findings_of(fi), key=lambda f: (SEVERITY_ORDER[f.severity], f.indicator or -1)
    )
    rewrites = rf.rewrites.get(fi, {})
    by_row: dict[int, list[Finding]] = {}
    for f in findings:
        if f.indicator is not None:
            by_row.setdefault(f.indicator, []).append(f)
    rows = []
    for i, ind in enumerate(form.indicators):
        row_findings = by_row.get(i, [])
        flagged: set[str | None] = {
            RULES[f.code].field for f in row_findings if f.code in RULES
        } | {FLAG_FIELD.get(fl) for fl in ind.flags}
        repaired = {r.field for r in ind.source.repairs}
        rows.append(
            V(
                n=i + 1,
                row_flag="row" in flagged,
                cells=_cells(ind, effective_levels(ind), flagged, repaired, lang),
                badges=[
                    V(sev=f.severity, title=_rule_title(f.code), tip=f"{f.code}：{f.message}")
                    for f in row_findings
                ],
                flags=[V(code=fl, label=flag_label(fl, lang)) for fl in ind.flags],
                rewrite=i in rewrites,
            )
        )
    items = []
    for f in findings:
        items.append(
            V(
                sev=f.severity,
                sev_label=severity_label(f.severity, lang),
                code=f.code,
                title=_rule_title(f.code),
                where=report_text("whole_form", lang)
                if f.indicator is None
                else report_text("item", lang, n=f.indicator + 1),
                message=f.message,
                suggestion=f.suggestion,
                evidence=f.evidence,
                source=finding_source(rf, form, f, lang),
            )
        )
    rw_rows = []
    for i, rw in sorted(rewrites.items()):
        ind = form.indicators[i]
        rw_rows.append(
            V(
                n=i + 1,
                before=f"{ind.name or ind.name_raw} {ind.operator or ''}{fmt_number(ind.value)}"
                f"{ind.unit or ''}",
                levels=f"{rw.level1}/{rw.level2 or '—'}",
                name=rw.name,
                target=f"{rw.operator or ''}{fmt_number(rw.value)}{rw.unit or ''}",
                graded=rw.graded_standard or "—",
                rationale=rw.rationale,
                source=rw.source,
            )
        )
    src = form.source
    lines = (
        report_text("lines", lang, a=src.line_start, b=src.line_end)
        if src.line_start is not None and src.line_end is not None
        else ""
    )
    meta = [
        (report_text("meta_title", lang), form.title),
        (report_text("department", lang), department_of(form)),
        (report_text("meta_code", lang), form.project_code),
        (report_text("meta_year", lang), form.year),
        (
            report_text("meta_budget", lang),
            fmt_number(form.budget_total) if form.budget_total is not None else None,
        ),
        (report_text("meta_file", lang), f"{_file_of(form, rf)} {lines}".strip()),
    ]
    sevs = sorted({f.severity for f in findings}, key=SEVERITY_ORDER.__getitem__)
    return V(
        anchor=f"f{k}-{fi}",
        label=form_label(form, fi, lang),
        file=rf.name,
        worst=_worst(findings),
        sevs=" ".join(sevs) or "ok",
        meta=[(m, v) for m, v in meta if v not in (None, "")],
        goal=form.annual_goal,
        goal_flag=any(f.indicator is None and f.code in GOAL_CODES for f in findings),
        rows=rows,
        findings=items,
        rewrites=rw_rows,
    )


def _ns(obj: Any) -> Any:
    """Dicts as namespaces, all the way down: the templates read attributes, which Jinja finds
    at the first try on a namespace (on a dict it tries an attribute, fails, then the key)."""
    if isinstance(obj, dict):
        return V(**{k: _ns(v) for k, v in obj.items()})
    if isinstance(obj, list):
        return [_ns(v) for v in obj]
    return obj


# --------------------------------------------------------------------------- the whole report


def _totals(files: Sequence[ReviewedFile]) -> dict[str, Any]:
    by_sev: Counter[str] = Counter(f.severity for rf in files for f in rf.findings)
    return {
        "files": len(files),
        "forms": sum(len(rf.forms) for rf in files),
        "indicators": sum(len(fm.indicators) for rf in files for fm in rf.forms),
        "findings": sum(by_sev.values()),
        "severities": [(s, by_sev[s]) for s in SEVERITIES],
        "rewrites": sum(len(r) for rf in files for r in rf.rewrites.values()),
    }


def _charts(files: Sequence[ReviewedFile], lang: Lang) -> tuple[list[dict[str, Any]], int]:
    by_rule: dict[str, Counter[str]] = {}
    by_sev: Counter[str] = Counter()
    by_dept: dict[str, Counter[str]] = {}
    for rf in files:
        for f in rf.findings:
            by_rule.setdefault(f.code, Counter())[f.severity] += 1
            by_sev[f.severity] += 1
            if 0 <= f.form < len(rf.forms):
                dept = _named_department(rf.forms[f.form]) or report_text("no_department", lang)
                by_dept.setdefault(dept, Counter())[f.severity] += 1
    rules = sorted(by_rule.items(), key=lambda kv: -sum(kv[1].values()))
    depts = sorted(by_dept.items(), key=lambda kv: -sum(kv[1].values()))
    charts = [
        bar_chart(report_text("by_rule", lang), [(f"{c} {_rule_title(c)}", n) for c, n in rules]),
        bar_chart(
            report_text("by_severity", lang),
            [(severity_label(s, lang), Counter({s: by_sev[s]})) for s in SEVERITIES if by_sev[s]],
            420,
        ),
        bar_chart(report_text("by_department", lang), depts[:CHART_ROWS]),
    ]
    return charts, max(0, len(depts) - CHART_ROWS)


def _reject_rows(rejects: Sequence[RejectedInput], lang: Lang) -> list[dict[str, Any]]:
    rows = []
    for r in rejects:
        code = r.reject_code
        label = reject_label(code, lang)
        detail = r.reason.removeprefix(f"{label} / ")  # rejects.jsonl puts the label in front
        where = report_text("line", lang, n=r.line) if r.line is not None else ""
        rows.append(
            {
                "file": r.file,
                "kind": report_text(f"kind_{r.kind}", lang)
                if f"kind_{r.kind}" in _KINDS
                else r.kind,
                "code": code,
                "label": label,
                "reason": detail,
                "where": where,
                "text": r.text or "",
            }
        )
    return rows


_KINDS = {"kind_file", "kind_form", "kind_row", "kind_skipped"}


def render_pages(
    files: Sequence[ReviewedFile],
    rejects: Sequence[RejectedInput] = (),
    lang: Lang = "zh",
    page_size: int | None = None,
) -> dict[str, str]:
    """Every page of the report: ``{"report.html": …, "report/p0001.html": …, …}``.

    The cyclic garbage collector is paused meanwhile: the pages allocate millions of short-lived
    strings and namespaces that reference counting frees, and each full collection would walk
    the whole run's forms again (a third of the time at 5,400 forms).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _render_pages(files, rejects, lang, page_size or PAGE_SIZE)
    finally:
        if was_enabled:
            gc.enable()


def _render_pages(
    files: Sequence[ReviewedFile],
    rejects: Sequence[RejectedInput],
    lang: Lang,
    page_size: int,
) -> dict[str, str]:
    env = environment("jixiao.review")

    def t(key: str, **values: object) -> str:
        return report_text(key, lang, **values)

    common = {
        "t": t,
        "lang": lang,
        "sev_label": lambda s: severity_label(s, lang),
        "severities": SEVERITIES,
        "columns": [(fld, t(label)) for fld, label, _ in COLUMNS],
        "profiles": "、".join(sorted({rf.profile for rf in files})),
    }
    pages = plan_pages(files, page_size)
    charts, more_depts = _charts(files, lang)
    index_forms = []
    for page in pages:
        for k, fi in page.entries:
            rf = files[k]
            form = rf.forms[fi]
            found = rf.findings_of(fi)
            index_forms.append(
                {
                    "href": f"{PAGES_DIR}/{page.name}#f{k}-{fi}",
                    "page": f"{PAGES_DIR}/{page.name}",
                    "label": form_label(form, fi, lang),
                    "file": Path(rf.name).name,
                    "path": rf.name,
                    "dept": page.title(lang),
                    "worst": _worst(found),
                    "sevs": " ".join(sorted({f.severity for f in found})) or "ok",
                    "n": len(found),
                    "codes": " ".join(sorted({f.code for f in found})),
                }
            )
    page_rows = [
        {
            "href": f"{PAGES_DIR}/{p.name}",
            "title": p.title(lang),
            "forms": len(p.entries),
            "counts": [(s, p.severities[s]) for s in SEVERITIES],
            "sevs": " ".join(s for s in SEVERITIES if p.severities[s]) or "ok",
        }
        for p in pages
    ]
    out: dict[str, str] = {}
    out["report.html"] = env.get_template("index.html.j2").render(
        **common,
        root="",
        totals=_totals(files),
        charts=_ns(charts),
        more_depts=more_depts,
        pages=_ns(page_rows),
        forms=_ns(index_forms),
        list_open=len(index_forms) <= INDEX_LIST_OPEN,
        n_rejects=len(rejects),
    )
    page_tpl = env.get_template("page.html.j2")
    for n, page in enumerate(pages):
        out[f"{PAGES_DIR}/{page.name}"] = page_tpl.render(
            **common,
            root="../",
            page=_ns(page_rows[n]),
            prev=pages[n - 1].name if n else None,
            next=pages[n + 1].name if n + 1 < len(pages) else None,
            number=n + 1,
            of=len(pages),
            forms=[form_view(files[k], k, fi, lang) for k, fi in page.entries],
        )
    out[f"{PAGES_DIR}/rejects.html"] = env.get_template("rejects.html.j2").render(
        **common, root="../", rejects=_ns(_reject_rows(rejects, lang))
    )
    return out


def write_report(
    files: Sequence[ReviewedFile],
    out: Path,
    rejects: Sequence[RejectedInput] = (),
    lang: Lang = "zh",
    *,
    index: Path | None = None,
) -> list[Path]:
    """Write the pages: the index to ``index`` (default ``out/report.html``), the others under
    ``out/report/``. Returns the paths written."""
    written = []
    for name, html in render_pages(files, rejects, lang).items():
        path = index if (name == "report.html" and index is not None) else out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        written.append(path)
    return written
