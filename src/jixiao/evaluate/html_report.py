"""``eval_report.html``: one offline page a person looks at after a nightly eval.

What it shows: the run's counts, the regressions against the baseline (each metric, its
baseline and its value now), the per-field table (overall and per layout), the flag and review
tables, and the history store plotted as inline SVG: end-to-end accuracy (every indicator field
of every expected row, missed rows wrong: ``fields.indicator``; header fields beside it), flag
F1, LLM calls and tokens per run. A metric below its baseline by more than the tolerance is
marked in the tables (red, ↓, the baseline in the cell) and in the charts (a red point, the
baseline as a dashed line). Jinja2 template ``evaluate/templates/eval_report.html.j2``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace as V
from typing import Any

from jixiao.evaluate.history import Regression, Run
from jixiao.evaluate.score import (
    PRF,
    SCORED_FORM_FIELDS,
    SCORED_INDICATOR_FIELDS,
    EvalResult,
    Score,
)
from jixiao.output.templating import environment
from jixiao.schema import FLAGS

REPORT_NAME = "eval_report.html"
#: Runs plotted at most (the newest).
HISTORY_RUNS = 60

#: The charts: (title, metric or usage key, series colour, is a ratio).
ACCURACY_SERIES: tuple[tuple[str, str, str], ...] = (
    ("指标字段（端到端）/ indicator fields (end to end)", "overall.fields.indicator", "#1f618d"),
    ("表头字段 / header fields", "overall.fields.form", "#7d3c98"),
)
FLAG_SERIES: tuple[tuple[str, str, str], ...] = (
    ("标记 F1 / flag F1", "overall.flags.f1", "#117a65"),
)
REVIEW_SERIES: tuple[tuple[str, str, str], ...] = (
    ("审核问题 F1 / review F1", "overall.reviews.f1", "#b9770e"),
)


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


@dataclass(frozen=True)
class Marks:
    """Which metrics regressed, with their baselines, for the tables."""

    regressions: Mapping[str, Regression]
    baseline: Mapping[str, float] | None

    def cell(self, metric: str, value: float | None) -> V:
        reg = self.regressions.get(metric)
        base = self.baseline.get(metric) if self.baseline else None
        return V(
            text=pct(value),
            reg=reg is not None,
            base=pct(base) if base is not None else None,
            metric=metric,
        )


# --------------------------------------------------------------------------- charts


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    *,
    ratio: bool,
    tips: Sequence[str] | None = None,
    baselines: Mapping[str, float] | None = None,
    tolerance: float = 0.0,
    width: int = 560,
    height: int = 210,
) -> V:
    """Geometry of a line chart over the runs (oldest left); ``series`` are (name, colour,
    values); with ``baselines`` (series name → baseline value) the baseline is a dashed line
    and every point below it by more than ``tolerance`` is marked."""
    left, right, top, bottom = 52, 16, 30, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, _, vs in series for v in vs if v is not None]
    values += list((baselines or {}).values())
    if ratio:
        lo = min(values, default=0.0)
        lo = max(0.0, min(lo - 0.02, 0.9))
        hi = 1.0
    else:
        lo, hi = 0.0, _nice_ceiling(max(values, default=0.0))
    span = (hi - lo) or 1.0
    n = len(labels)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / span)

    def fmt(v: float) -> str:
        return pct(v) if ratio else f"{v:,.0f}"

    ticks = [lo + span * k / 4 for k in range(5)]
    lines = []
    for name, colour, vs in series:
        base = (baselines or {}).get(name)
        points = []
        for i, v in enumerate(vs):
            if v is None:
                continue
            low = base is not None and v < base - tolerance
            points.append(
                V(x=round(x(i), 1), y=round(y(v), 1), v=fmt(v), low=low, label=(tips or labels)[i])
            )
        path = " ".join(f"{'M' if k == 0 else 'L'}{p.x},{p.y}" for k, p in enumerate(points))
        lines.append(
            V(
                name=name,
                colour=colour,
                points=points,
                path=path,
                base=None if base is None else V(y=round(y(base), 1), v=fmt(base)),
                last=points[-1] if points else None,
            )
        )
    step = max(1, -(-n // 5))  # at most five dates under the axis
    return V(
        title=title,
        width=width,
        height=height,
        left=left,
        right=width - right,
        top=top,
        bottom=top + plot_h,
        ticks=[V(y=round(y(t), 1), v=fmt(t)) for t in ticks],
        xlabels=[V(x=round(x(i), 1), v=labels[i]) for i in range(n) if i % step == 0 or i == n - 1],
        lines=lines,
        empty=not values,
    )


def _nice_ceiling(v: float) -> float:
    """The smallest of 1, 2, 4, 5 × 10^k at or above ``v`` (so the ticks are round numbers)."""
    if v <= 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(v))
    return next(m * scale for m in (1, 2, 4, 5, 10) if m * scale >= v)


def _label(run: Run) -> str:
    """``12-03`` under the axis; the time and commit are in each point's tooltip."""
    return run.time[5:10]


def _tip(run: Run) -> str:
    return f"{run.time[:16].replace('T', ' ')} {(run.git_commit or '')[:12]}".strip()


def history_charts(
    runs: Sequence[Run], baseline: Mapping[str, float] | None, tolerance: float
) -> list[V]:
    """The four charts of the history (oldest run first, this run last)."""
    labels = [_label(r) for r in runs]
    tips = [_tip(r) for r in runs]

    def metric_chart(title: str, spec: tuple[tuple[str, str, str], ...]) -> V:
        series = [(name, colour, [r.metrics.get(m) for r in runs]) for name, m, colour in spec]
        bases = {name: baseline[m] for name, m, _ in spec if baseline and m in baseline}
        return line_chart(
            title, labels, series, ratio=True, tips=tips, baselines=bases, tolerance=tolerance
        )

    def usage_chart(title: str, key: str, colour: str) -> V:
        vals: list[float | None] = [
            float(r.usage.get(key, 0)) if r.usage is not None else None for r in runs
        ]
        return line_chart(title, labels, [(title, colour, vals)], ratio=False, tips=tips)

    return [
        metric_chart("端到端准确率 / end-to-end accuracy", ACCURACY_SERIES),
        metric_chart("标记与审核 F1 / flag and review F1", FLAG_SERIES + REVIEW_SERIES),
        usage_chart("模型调用次数 / LLM calls per run", "calls", "#922b21"),
        usage_chart("token 数 / tokens per run", "tokens", "#5d6d7e"),
    ]


# --------------------------------------------------------------------------- tables


def _field_rows(overall: Score, layouts: Mapping[str, Score], marks: Marks) -> list[V]:
    rows = []
    for group, key, names in (
        ("表头字段 / header fields", "form", SCORED_FORM_FIELDS),
        ("指标字段 / indicator fields", "indicator", SCORED_INDICATOR_FIELDS),
    ):
        acc = overall.group_accuracy(names)
        rows.append(
            V(
                name=group,
                group=True,
                n=acc.total,
                overall=marks.cell(f"overall.fields.{key}", acc.value),
                layouts=[
                    marks.cell(f"layout.{t}.fields.{key}", s.group_accuracy(names).value)
                    for t, s in layouts.items()
                ],
            )
        )
        for name in names:
            rows.append(
                V(
                    name=name,
                    group=False,
                    n=overall.fields[name].total,
                    overall=marks.cell(f"overall.field.{name}", overall.fields[name].value),
                    layouts=[
                        marks.cell(f"layout.{t}.field.{name}", s.fields[name].value)
                        for t, s in layouts.items()
                    ],
                )
            )
    return rows


def _prf_row(name: str, prefix: str, p: PRF, marks: Marks, bold: bool = False) -> V:
    return V(
        name=name,
        group=bold,
        support=p.support,
        predicted=p.predicted,
        p=marks.cell(f"{prefix}.precision", p.precision),
        r=marks.cell(f"{prefix}.recall", p.recall),
        f1=marks.cell(f"{prefix}.f1", p.f1),
    )


def _flag_rows(overall: Score, layouts: Mapping[str, Score], marks: Marks) -> list[V]:
    seen = [f for f, p in overall.flags.items() if p.support or p.predicted]
    names = [f for f in FLAGS if f in seen] + sorted(f for f in seen if f not in FLAGS)
    rows = []
    for f in names:
        row = _prf_row(f, f"overall.flag.{f}", overall.flags[f], marks)
        row.layouts = [
            marks.cell(f"layout.{t}.flag.{f}.f1", s.flags[f].f1 if f in s.flags else None)
            for t, s in layouts.items()
        ]
        rows.append(row)
    micro = _prf_row("全部标记 / all flags", "overall.flags", overall.flags_micro, marks, True)
    micro.layouts = [
        marks.cell(f"layout.{t}.flags.f1", s.flags_micro.f1) for t, s in layouts.items()
    ]
    return [*rows, micro]


def _review_rows(overall: Score, marks: Marks) -> list[V]:
    if not overall.review_scored:
        return []
    rows = [
        _prf_row(code, f"overall.review.{code}", p, marks)
        for code, p in sorted(overall.review.items())
    ]
    rows.append(
        _prf_row("全部代码 / all codes", "overall.reviews", overall.review_micro, marks, True)
    )
    return rows


def render_eval_html(
    result: EvalResult,
    *,
    runs: Sequence[Run],
    commit: str | None = None,
    baseline: Mapping[str, float] | None = None,
    baseline_path: str | None = None,
    regressions: Sequence[Regression] = (),
    tolerance: float = 0.0,
) -> str:
    """The page: ``runs`` is the history (oldest first) including this run."""
    marks = Marks({r.metric: r for r in regressions}, baseline)
    overall, layouts = result.overall, result.layouts
    multi = len(layouts) > 1
    shown_layouts = layouts if multi else {}
    data: dict[str, Any] = {
        "title": "jixiao eval",
        "result": result,
        "stage": result.stage,
        "commit": commit,
        "counts": overall.counts(),
        "cases": len(result.cases),
        "usage": result.usage,
        "layouts": list(shown_layouts),
        "fields": _field_rows(overall, shown_layouts, marks),
        "flags": _flag_rows(overall, shown_layouts, marks),
        "reviews": _review_rows(overall, marks),
        "regressions": [
            V(
                metric=r.metric,
                base=pct(r.baseline),
                now=pct(r.current),
                delta=f"{100 * (r.current - r.baseline):+.1f}",
            )
            for r in regressions
        ],  # fmt: skip
        "baseline_path": baseline_path,
        "tolerance": f"{100 * tolerance:g}",
        "charts": history_charts(runs, baseline, tolerance),
        "runs": len(runs),
        "errors": result.errors,
        "warnings": result.warnings,
    }
    return environment("jixiao.evaluate").get_template("eval_report.html.j2").render(**data)
