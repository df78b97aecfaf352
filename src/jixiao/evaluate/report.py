"""Render a scored run: a compact Markdown summary for people, a dated JSON file for tools.

The Markdown is meant to be pasted into a PR or a closing note: counts, one row per field,
one row per flag, one column per layout (when there is more than one), then the trend.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from jixiao.evaluate.history import Run
from jixiao.evaluate.score import (
    PRF,
    SCORED_FORM_FIELDS,
    SCORED_INDICATOR_FIELDS,
    EvalResult,
    Score,
)
from jixiao.schema import FLAGS

#: The metrics the trend shows: one line each, the rest is in the JSON report.
HEADLINE: tuple[str, ...] = (
    "overall.fields.form",
    "overall.fields.indicator",
    "overall.field.name",
    "overall.field.value",
    "overall.field.unit",
    "overall.flags.f1",
    "overall.match.indicators.recall",
    "overall.reviews.f1",
)


def pct(value: float | None) -> str:
    """A ratio as a percentage with one decimal; an undefined one as an en dash."""
    return "–" if value is None else f"{100 * value:.1f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right_from: int = 1) -> str:
    align = ["---" if i < right_from else "--:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _flag_names(score: Score) -> list[str]:
    seen = [f for f, p in score.flags.items() if p.support or p.predicted]
    return [f for f in FLAGS if f in seen] + sorted(f for f in seen if f not in FLAGS)


def render_markdown(
    result: EvalResult,
    *,
    commit: str | None = None,
    trend: Sequence[Run] = (),
    program_codes: Collection[str] | None = None,
    sources: Mapping[str, str] | None = None,
) -> str:
    """The whole human report: header, counts, fields, flags, review codes, errors, trend.

    With ``program_codes`` (the review rules a program can check) the review findings are
    also totalled per case source (``sources``: case -> ``seed``/``real-sample``…) for those
    rules and for all labelled findings.

    Regressions are not in it: the command prints those to stderr, one per line, for CI logs.
    """
    overall = result.overall
    layouts = result.layouts
    multi = len(layouts) > 1
    head = f"## jixiao eval · {result.golden_dir} · stage {result.stage} · llm {result.llm}"
    head += f" · {result.time}" + (f" · {commit}" if commit else "")
    out = [head, "", _counts_line(result, overall), ""]

    cols = list(layouts) if multi else []
    header = ["field", "n", "overall", *cols]
    rows: list[list[str]] = []
    for group, names in (
        ("header fields", SCORED_FORM_FIELDS),
        ("indicator fields", SCORED_INDICATOR_FIELDS),
    ):
        acc = overall.group_accuracy(names)
        rows.append(
            [f"**{group}**", str(acc.total), f"**{pct(acc.value)}**"]
            + [pct(layouts[c].group_accuracy(names).value) for c in cols]
        )
        for n in names:
            rows.append(
                [n, str(overall.fields[n].total), pct(overall.fields[n].value)]
                + [pct(layouts[c].fields[n].value) for c in cols]
            )
    out += [_table(header, rows), ""]

    flags = _flag_names(overall)
    if flags:
        header = ["flag", "support", "predicted", "P", "R", "F1", *(f"F1 {c}" for c in cols)]
        rows = [_prf_row(f, overall.flags[f]) + [_f1(layouts[c], f) for c in cols] for f in flags]
        micro = overall.flags_micro
        rows.append(
            _prf_row("**all flags**", micro) + [pct(layouts[c].flags_micro.f1) for c in cols]
        )
        out += [_table(header, rows), ""]

    if overall.review_scored:
        rows = [_prf_row(code, p) for code, p in sorted(overall.review.items())]
        rows.append(_prf_row("**all codes**", overall.review_micro))
        out += [_table(["review code", "support", "predicted", "P", "R", "F1"], rows), ""]
        if program_codes is not None:
            out += [_review_groups(result, program_codes, sources or {}), ""]

    for name, err in result.errors.items():
        out.append(f"- error in case `{name}`: {err}")
    if result.errors:
        out.append("")
    if trend:
        out += [render_trend(result.metrics(), trend), ""]
    return "\n".join(out).rstrip() + "\n"


def _review_groups(
    result: EvalResult, program_codes: Collection[str], sources: Mapping[str, str]
) -> str:
    """Review P/R per case source: the rules a program can check, and every labelled finding."""
    groups: dict[str, dict[str, PRF]] = {}
    for name, case in result.cases.items():
        if not case.score.review_scored:
            continue
        g = groups.setdefault(sources.get(name, "other"), {"program": PRF(), "all": PRF()})
        for code, p in case.score.review.items():
            g["all"].merge(p)
            if code in program_codes:
                g["program"].merge(p)
    rows = []
    for src in sorted(groups, key=lambda k: (k != "real-sample", k)):
        for part, label in (("program", "rules a program can check"), ("all", "all labelled")):
            p = groups[src][part]
            rows.append(
                [src, label, str(p.support), str(p.predicted), pct(p.precision), pct(p.recall)]
            )
    return _table(["review · source", "rules", "support", "predicted", "P", "R"], rows)


def _counts_line(result: EvalResult, s: Score) -> str:
    line = (
        f"{len(result.cases)} cases · forms {s.forms_matched}/{s.forms_expected} matched"
        f" ({s.forms_found} found) · indicators {s.indicators_matched}/{s.indicators_expected}"
        f" matched ({s.indicators_found} found)"
    )
    if result.usage is not None:
        u = result.usage
        line += f" · LLM {u.calls} calls, {u.tokens} tokens, {u.cache_hits} cache hits"
    return line


def _prf_row(name: str, p: PRF) -> list[str]:
    return [name, str(p.support), str(p.predicted), pct(p.precision), pct(p.recall), pct(p.f1)]


def _f1(score: Score, flag: str) -> str:
    p = score.flags.get(flag)
    return pct(p.f1) if p else "–"


def render_trend(current: dict[str, float], runs: Sequence[Run]) -> str:
    """Headline metrics of the previous runs (oldest first), this run, and the change since the last."""
    labels = [f"{r.time[:10]} {(r.git_commit or '')[:7]}".strip() for r in runs]
    header = ["trend", *labels, "now", "Δ last"]
    rows: list[list[str]] = []
    for m in HEADLINE:
        past = [r.metrics.get(m) for r in runs]
        now = current.get(m)
        if now is None and all(v is None for v in past):
            continue
        last = past[-1] if past else None
        delta = "–" if now is None or last is None else f"{100 * (now - last):+.1f}"
        rows.append([m.removeprefix("overall."), *(pct(v) for v in past), pct(now), delta])
    return _table(header, rows)


def report_filename(result: EvalResult) -> str:
    """``eval-<UTC time>-<stage>.json``: sortable, and two stages of one night do not collide."""
    stamp = datetime.fromisoformat(result.time).strftime("%Y%m%dT%H%M%SZ")
    return f"eval-{stamp}-{result.stage}.json"


def write_json_report(
    result: EvalResult, out_dir: Path, extra: dict[str, Any]
) -> tuple[Path, dict[str, Any]]:
    """Write the full report (scores, mismatches, metrics, ``extra``) under ``out_dir``.

    Returns the path and the data written, so ``--json`` can print exactly what was saved.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / report_filename(result)
    n = 1
    while path.exists():  # two runs in one second: keep both
        n += 1
        path = out_dir / report_filename(result).replace(".json", f"-{n}.json")
    data = {**result.to_json(), **extra}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path, data
