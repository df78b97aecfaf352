"""One self-contained HTML report a budget officer can open offline.

Everything is inline (CSS, SVG charts; no scripts, fonts or images from anywhere), so the file
can be mailed or archived as is. On top: counts by rule, severity and department with bar charts;
then per form its header, goal, indicator table (flagged cells red, repaired cells green, hover
shows the raw cell and where it came from), findings and suggested rewrites.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from jixiao.grammar import fmt_number
from jixiao.labels import flag_label
from jixiao.review.rewrite import Rewrite
from jixiao.review.rules import RULES, SEVERITY_ORDER, effective_levels
from jixiao.schema import Finding, Form, Indicator

SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_COLOR = {"error": "#c0392b", "warning": "#d68910", "info": "#2e86c1"}

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

#: Table columns: (field, heading, source cell role).
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("level1", "一级指标", "level1"),
    ("level2", "二级指标", "level2"),
    ("name", "三级指标", "name"),
    ("operator", "运算符", "operator"),
    ("value", "指标值", "value"),
    ("unit", "单位", "unit"),
    ("weight", "权重", "weight"),
)


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


def _e(text: object) -> str:
    return escape("" if text is None else str(text), quote=True)


def department_of(form: Form) -> str:
    """The department a finding is counted under."""
    return form.department or form.implementing_unit or form.compiling_unit or "（未注明单位）"


def form_label(form: Form, index: int) -> str:
    """``第3张 · 应急管理工作`` for headings and lists."""
    what = form.project_name or ("部门整体" if form.form_kind == "department" else form.title)
    return f"第{index + 1}张 · {what or '未命名'}"


# --------------------------------------------------------------------------- charts


def bar_chart(title: str, rows: Sequence[tuple[str, int, str]], width: int = 700) -> str:
    """A horizontal SVG bar chart; rows are (label, count, colour)."""
    if not rows:
        return f'<p class="muted">{_e(title)}：无</p>'
    label_w, bar_w, row_h, top = 300, width - 300 - 50, 22, 28
    peak = max(c for _, c, _ in rows) or 1
    height = top + row_h * len(rows) + 8
    parts = [
        f'<svg class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{_e(title)}">',
        f'<text x="0" y="16" class="chart-title">{_e(title)}</text>',
    ]
    for k, (label, count, colour) in enumerate(rows):
        y = top + k * row_h
        w = max(2, round(bar_w * count / peak))
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(
            f"<g><title>{_e(label)}：{count}</title>"
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_e(short)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row_h - 6}" '
            f'fill="{colour}" rx="2"/>'
            f'<text x="{label_w + w + 4}" y="{y + 15}">{count}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _counts(files: Sequence[ReviewedFile]) -> tuple[Counter[str], Counter[str], Counter[str]]:
    by_rule: Counter[str] = Counter()
    by_sev: Counter[str] = Counter()
    by_dept: Counter[str] = Counter()
    for f in files:
        for fd in f.findings:
            by_rule[fd.code] += 1
            by_sev[fd.severity] += 1
            if 0 <= fd.form < len(f.forms):
                by_dept[department_of(f.forms[fd.form])] += 1
    return by_rule, by_sev, by_dept


def _worst(findings: Iterable[Finding]) -> str:
    sev = [f.severity for f in findings]
    return min(sev, key=lambda s: SEVERITY_ORDER[s]) if sev else "ok"


# --------------------------------------------------------------------------- cells


def _cell_html(ind: Indicator, fld: str, inferred: str | None) -> str:
    """A cell's text; a level the form does not state shows the inferred one, greyed."""
    v = getattr(ind, fld)
    if fld == "name":
        return _e(ind.name or ind.name_raw or "∅")
    if v is None and inferred:
        return f'<span class="inferred" title="按名称推断">{_e(inferred)}</span>'
    return "" if v is None else _e(fmt_number(v))


def provenance(ind: Indicator, role: str) -> str:
    """Hover text for one cell: the raw cell, where it was, flags and repairs touching it."""
    lines: list[str] = []
    cell = ind.source.cells.get(role)
    if cell is not None:
        lines.append(f"原文：{cell.text.strip() or '（空）'}")
        where = []
        if cell.line is not None:
            where.append(f"第{cell.line}行")
        if cell.col is not None:
            where.append(f"第{cell.col + 1}列")
        if where:
            lines.append("位置：" + " ".join(where))
    elif role == "name" and ind.name_raw:
        lines.append(f"原文：{ind.name_raw}")
    elif ind.source.cells:
        lines.append("原文：（表中无此栏）")
    else:
        lines.append("原文：（未记录原始单元格）")
    if ind.source.line is not None and cell is None:
        lines.append(f"来源行：第{ind.source.line}行")
    for ev in ind.source.evidence:
        if FLAG_FIELD.get(ev.flag) in (role, "row"):
            lines.append(f"标记「{flag_label(ev.flag)}」（{ev.flag}）：{ev.reason}")
    for rep in ind.source.repairs:
        if rep.field == role:
            lines.append(f"修复 {fmt_number(rep.before)} → {fmt_number(rep.after)}（{rep.by}）")
    return "\n".join(lines)


def _indicator_table(
    form: Form, findings: Sequence[Finding], rewrites: Mapping[int, Rewrite]
) -> str:
    by_row: dict[int, list[Finding]] = {}
    for f in findings:
        if f.indicator is not None:
            by_row.setdefault(f.indicator, []).append(f)
    levels = [effective_levels(ind) for ind in form.indicators]
    head = "".join(f"<th>{_e(h)}</th>" for _, h, _ in COLUMNS)
    out = [f'<table class="ind"><thead><tr><th>#</th>{head}<th>问题</th></tr></thead><tbody>']
    for i, ind in enumerate(form.indicators):
        row_findings = by_row.get(i, [])
        flagged = {RULES[f.code].field for f in row_findings if f.code in RULES}
        flagged |= {FLAG_FIELD.get(fl) for fl in ind.flags}
        repaired = {r.field for r in ind.source.repairs}
        row_cls = "row-flag" if "row" in flagged else ""
        cells = [f'<td class="num">{i + 1}</td>']
        for fld, _, role in COLUMNS:
            cls = []
            if fld in flagged:
                cls.append("flag")
            if fld in repaired:
                cls.append("repaired")
            cls_attr = f' class="{" ".join(cls)}"' if cls else ""
            inferred = (
                levels[i][0] if fld == "level1" else levels[i][1] if fld == "level2" else None
            )
            cells.append(
                f'<td{cls_attr} title="{_e(provenance(ind, role))}">'
                f"{_cell_html(ind, fld, inferred)}</td>"
            )
        badges = "".join(
            f'<span class="badge {f.severity}" title="{_e(f.code)}：{_e(f.message)}">'
            f"{_e(RULES[f.code].title if f.code in RULES else f.code)}</span>"
            for f in sorted(row_findings, key=lambda f: SEVERITY_ORDER[f.severity])
        )
        if ind.flags:
            badges += "".join(
                f'<span class="badge src" title="源数据标记（解析时发现）：{_e(fl)}">'
                f"源·{_e(flag_label(fl))}</span>"
                for fl in ind.flags
            )
        if i in rewrites:
            badges += '<span class="badge rw" title="见下方改写建议">改写</span>'
        cells.append(f"<td>{badges}</td>")
        out.append(f'<tr class="{row_cls}">{"".join(cells)}</tr>')
    out.append("</tbody></table>")
    return "".join(out)


def _findings_list(form: Form, findings: Sequence[Finding]) -> str:
    if not findings:
        return '<p class="ok">未发现问题。</p>'
    items = []
    for f in sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.indicator or -1)):
        title = RULES[f.code].title if f.code in RULES else f.code
        where = "整表" if f.indicator is None else f"第{f.indicator + 1}项"
        evidence = f'<div class="ev">依据：{_e(f.evidence)}</div>' if f.evidence else ""
        items.append(
            f'<li class="finding {f.severity}"><span class="badge {f.severity}">'
            f"{SEVERITY_LABEL[f.severity]}</span> <code>{_e(f.code)}</code> "
            f"<b>{_e(title)}</b>（{_e(where)}）<div>{_e(f.message)}</div>"
            f'<div class="sugg">建议：{_e(f.suggestion)}</div>{evidence}</li>'
        )
    return f'<ul class="findings">{"".join(items)}</ul>'


def _rewrites_table(form: Form, rewrites: Mapping[int, Rewrite]) -> str:
    if not rewrites:
        return ""
    rows = []
    for i, rw in sorted(rewrites.items()):
        ind = form.indicators[i]
        before = f"{ind.name or ind.name_raw} {ind.operator or ''}{fmt_number(ind.value)}{ind.unit or ''}"
        target = f"{rw.operator or ''}{fmt_number(rw.value)}{rw.unit or ''}"
        rows.append(
            f'<tr><td class="num">{i + 1}</td><td>{_e(before)}</td>'
            f"<td>{_e(rw.level1)}/{_e(rw.level2 or '—')}</td><td><b>{_e(rw.name)}</b></td>"
            f"<td>{_e(target)}</td><td>{_e(rw.graded_standard or '—')}</td>"
            f"<td>{_e(rw.rationale)}<br><span class=muted>来源：{_e(rw.source)}</span></td></tr>"
        )
    return (
        '<h4>改写建议（已通过规则复核）</h4><table class="rw"><thead><tr><th>#</th><th>原指标</th>'
        "<th>层级</th><th>建议指标</th><th>目标值</th><th>分级标准</th><th>说明</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _form_section(rf: ReviewedFile, fi: int, anchor: str) -> str:
    form = rf.forms[fi]
    findings = rf.findings_of(fi)
    form_level = {f.code for f in findings if f.indicator is None}
    goal_cls = (
        ' class="flag"'
        if form_level & {"goal_missing", "vague_target", "goal_boilerplate", "goal_indicator_gap"}
        else ""
    )
    meta = [
        ("表名", form.title),
        ("主管部门", department_of(form)),
        ("项目编码", form.project_code),
        ("年度", form.year),
        ("预算（万元）", fmt_number(form.budget_total) if form.budget_total is not None else None),
    ]
    meta_html = "".join(
        f"<span><b>{_e(k)}</b> {_e(v)}</span>" for k, v in meta if v not in (None, "")
    )
    worst = _worst(findings)
    return (
        f'<section class="form" id="{anchor}"><h3><span class="dot {worst}"></span>'
        f"{_e(form_label(form, fi))}</h3>"
        f'<div class="meta">{meta_html}</div>'
        f'<div class="goal"><b>绩效目标</b><p{goal_cls}>{_e(form.annual_goal or "（空）")}</p></div>'
        f"{_indicator_table(form, findings, rf.rewrites.get(fi, {}))}"
        f"<h4>问题（{len(findings)}）</h4>{_findings_list(form, findings)}"
        f"{_rewrites_table(form, rf.rewrites.get(fi, {}))}</section>"
    )


CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;
color:#222;line-height:1.5;max-width:1280px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;border-bottom:2px solid #ddd;padding-bottom:4px}
h3{font-size:16px;margin:0 0 6px}h4{font-size:14px;margin:14px 0 6px}
.muted{color:#888}.inferred{color:#999;font-style:italic}.ok{color:#1e8449}
.totals span{display:inline-block;margin-right:18px}
.charts{display:flex;flex-wrap:wrap;gap:18px}.chart{font-size:12px;background:#fafafa;
border:1px solid #eee}.chart-title{font-weight:bold;font-size:13px}
section.form{border:1px solid #ddd;border-radius:6px;padding:12px 16px;margin:18px 0}
.meta span{margin-right:16px;font-size:13px}.goal p{margin:4px 0;font-size:13px;
white-space:pre-wrap}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 6px;vertical-align:top}table.rw td:nth-child(5){white-space:nowrap}th{background:#f2f2f2}
td.num{text-align:right;color:#888}
td.flag,p.flag{background:#fdecea;outline:1px solid #e6b0aa}
td.repaired{background:#e9f7ef}td.flag.repaired{background:linear-gradient(90deg,#fdecea,#e9f7ef)}
tr.row-flag td{border-left:3px solid #c0392b}
.badge{display:inline-block;font-size:11px;padding:0 5px;margin:1px;border-radius:3px;
color:#fff;background:#888}
.badge.error{background:#c0392b}.badge.warning{background:#d68910}.badge.info{background:#2e86c1}
.badge.src{background:#7f8c8d}.badge.rw{background:#1e8449}
ul.findings{list-style:none;padding:0;margin:0}
li.finding{border-left:4px solid #888;padding:4px 8px;margin:4px 0;background:#fcfcfc;font-size:13px}
li.finding.error{border-color:#c0392b}li.finding.warning{border-color:#d68910}
li.finding.info{border-color:#2e86c1}
.sugg{color:#1a5276}.ev{color:#666;font-size:12px}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px;
background:#1e8449}.dot.error{background:#c0392b}.dot.warning{background:#d68910}
.dot.info{background:#2e86c1}
.toc{columns:2;font-size:13px}.toc a{text-decoration:none;color:#1a5276}
.legend span{margin-right:14px;font-size:12px}
@media print{section.form{page-break-inside:avoid}}
"""


def render_html(files: Sequence[ReviewedFile], title: str = "预算绩效目标表审核报告") -> str:
    """The whole report as one HTML string (UTF-8, no external references)."""
    by_rule, by_sev, by_dept = _counts(files)
    n_forms = sum(len(f.forms) for f in files)
    n_inds = sum(len(fm.indicators) for f in files for fm in f.forms)
    n_rw = sum(len(r) for f in files for r in f.rewrites.values())
    profiles = sorted({f.profile for f in files})
    rule_rows = [
        (
            f"{code} {RULES[code].title}" if code in RULES else code,
            n,
            SEVERITY_COLOR.get(RULES[code].severity if code in RULES else "info", "#888"),
        )
        for code, n in by_rule.most_common()
    ]
    sev_rows = [
        (SEVERITY_LABEL[s], by_sev[s], SEVERITY_COLOR[s])
        for s in ("error", "warning", "info")
        if by_sev[s]
    ]
    dept_rows = [(d, n, "#5d6d7e") for d, n in by_dept.most_common()]
    toc: list[str] = []
    sections: list[str] = []
    for k, rf in enumerate(files):
        toc_items = []
        sections.append(f"<h2>{_e(rf.name)}</h2>")
        for fi, form in enumerate(rf.forms):
            anchor = f"f{k}-{fi}"
            fnd = rf.findings_of(fi)
            toc_items.append(
                f'<li><span class="dot {_worst(fnd)}"></span><a href="#{anchor}">'
                f"{_e(form_label(form, fi))}</a> <span class=muted>({len(fnd)})</span></li>"
            )
            sections.append(_form_section(rf, fi, anchor))
        toc.append(f"<h4>{_e(rf.name)}</h4><ul class=toc>{''.join(toc_items)}</ul>")
    legend = (
        '<div class="legend"><span><span class="badge error">错误</span>须改正</span>'
        '<span><span class="badge warning">警告</span>应改正</span>'
        '<span><span class="badge info">提示</span>供参考</span>'
        '<span style="background:#fdecea">　</span> 有问题的单元格 '
        '<span style="background:#e9f7ef">　</span> 已修复的单元格（悬停查看原文与来源）</div>'
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1>"
        f'<p class="muted">审核配置：{_e("、".join(profiles))}；规则依据 review-rules.md'
        "（财预〔2015〕88号、财预〔2020〕10号、财预〔2021〕101号）。</p>"
        f'<div class="totals"><span>文件 <b>{len(files)}</b></span><span>表 <b>{n_forms}</b></span>'
        f"<span>指标 <b>{n_inds}</b></span><span>问题 <b>{sum(by_sev.values())}</b></span>"
        + "".join(f"<span>{SEVERITY_LABEL[s]} <b>{by_sev[s]}</b></span>" for s in SEVERITY_LABEL)
        + f"<span>改写建议 <b>{n_rw}</b></span></div>"
        "<h2>汇总</h2><div class=charts>"
        f"{bar_chart('按规则', rule_rows)}{bar_chart('按级别', sev_rows, 420)}"
        f"{bar_chart('按部门', dept_rows)}</div>"
        f"{legend}<h2>目录</h2>{''.join(toc)}{''.join(sections)}</body></html>"
    )
