"""``jixiao eval``: score the pipeline on a golden directory, keep history, gate on a baseline.

The command is thin: ``make_producer`` builds what turns an input file into records (the seam
tests replace), ``run_eval`` scores, ``report``/``history`` render and persist.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from jixiao.errors import JixiaoError, error_line, out_dir_problem
from jixiao.evaluate.history import (
    DEFAULT_TOLERANCE,
    HISTORY_ENV,
    History,
    compare_baseline,
    git_commit,
    history_path,
    load_baseline,
    missing_metrics,
    write_baseline,
)
from jixiao.evaluate.html_report import HISTORY_RUNS, REPORT_NAME, render_eval_html
from jixiao.evaluate.report import HEADLINE, render_markdown, write_json_report
from jixiao.evaluate.score import LLMUsage, Producer, Record, case_sources, run_eval
from jixiao.output import logs
from jixiao.output.progress import progress_bar
from jixiao.pipeline import run_file
from jixiao.review import review_records
from jixiao.review.rules import program_codes
from jixiao.schema import Form
from jixiao.settings import Backend, RunSettings, Stage

DEFAULT_BASELINE = Path("eval/baseline.json")
DEFAULT_OUT = Path("eval/reports")


class PipelineProducer:
    """The real producer: each file through ``pipeline.run_file`` (the route ``normalize``
    takes), scored on the records it writes and reviewed as ``jixiao review`` reviews them.

    ``usage`` sums the LLM cost the cascade reports, so ``run_eval`` can put it beside the
    scores.
    """

    def __init__(self, settings: RunSettings) -> None:
        self.settings = settings
        self.stage = settings.stage
        self.usage = LLMUsage()

    def __call__(self, path: Path) -> tuple[list[Record], list[Record]]:
        records: list[Record] = []
        forms: list[Form] = []
        for part in run_file(path, self.settings):
            records += part.forms
            forms += part.records()
            self.usage.add(calls=part.calls, tokens=part.tokens, cache_hits=part.cache_hits)
        # Only the rules the golden sets label are scored (heuristic candidates are not).
        return records, [dict(r) for r in review_records(forms)]


def make_producer(stage: str, llm: str) -> Producer:
    """The producer for ``--stages``/``--llm``: normalise, then the cascade up to ``stage``."""
    return PipelineProducer(RunSettings(stage, llm))


def eval_command(
    golden_dir: Annotated[
        Path,
        typer.Argument(
            exists=True,
            file_okay=False,
            help="Golden dir: inputs/, expected/, cases.json.",
            metavar="GOLDEN_DIR",
        ),
    ],
    stages: Annotated[
        Stage, typer.Option("--stages", help="Run the cascade up to this stage.")
    ] = "rules",
    llm: Annotated[Backend, typer.Option("--llm", help="LLM backend for --stages llm.")] = "none",
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="Fail (exit 1) when a metric drops below this file's."),
    ] = None,
    update_baseline: Annotated[
        bool,
        typer.Option(
            "--update-baseline",
            help=f"Write this run's metrics to --baseline (default {DEFAULT_BASELINE}).",
        ),
    ] = False,
    tolerance: Annotated[
        float, typer.Option("--tolerance", help="Allowed drop below the baseline.", min=0.0)
    ] = DEFAULT_TOLERANCE,
    out: Annotated[
        Path, typer.Option("--out", help="Directory for the dated JSON report.")
    ] = DEFAULT_OUT,
    history: Annotated[
        Path | None,
        typer.Option(
            "--history",
            envvar=HISTORY_ENV,
            help="SQLite history store (default eval/history.sqlite).",
        ),
    ] = None,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the JSON report (as saved under --out) to stdout instead of Markdown: "
            "golden_dir, stage, llm, time, usage, warnings, errors, overall, "
            "layouts, cases, metrics, commit, history, baseline, tolerance, regressions, "
            "missing_metrics, trend.",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help=logs.QUIET_HELP)] = False,
    verbose: Annotated[
        int, typer.Option("-v", "--verbose", count=True, help=logs.VERBOSE_HELP)
    ] = 0,
) -> None:
    """Score the pipeline against a golden directory; exit 1 on a regression.

    Prints a Markdown table (fields, flags, review codes; overall and per layout), writes a
    dated JSON report and eval_report.html (the tables, the history plotted, regressions
    against the baseline marked) under --out, appends the run to the history store and shows
    the trend.

    Examples:

        jixiao eval golden

        jixiao eval golden --stages llm --llm replay --baseline eval/baseline.json

        jixiao eval golden --stages rules --update-baseline
    """
    logs.setup(logs.level(verbose, quiet))
    problem = out_dir_problem(out, "--out")
    if problem:
        typer.echo(error_line(problem), err=True)
        raise typer.Exit(2)
    producer = make_producer(stages, llm)
    try:
        with progress_bar(quiet) as progress:
            result = run_eval(
                golden_dir, producer, stage=stages, llm=llm, progress=progress.step("评测 eval")
            )
        base = load_baseline(baseline) if baseline is not None and not update_baseline else None
    except JixiaoError as exc:
        typer.echo(error_line(exc), err=True)
        raise typer.Exit(2) from exc
    for w_text in result.warnings:
        typer.echo(f"warning: {w_text}", err=True)
    for case, err in result.errors.items():
        typer.echo(f"error: case {case}: {err}", err=True)

    metrics = result.metrics()
    regressions = compare_baseline(metrics, base, tolerance) if base is not None else []
    missing = missing_metrics(metrics, base) if base is not None else []
    commit = git_commit()
    store = history_path(history)
    with History.open(store) as h:
        key = str(golden_dir.resolve())
        trend = h.recent(key, result.stage)
        h.append(
            time=result.time,
            git_commit=commit,
            golden_dir=key,
            stage=result.stage,
            llm=llm,
            metrics=metrics,
            counts=result.overall.counts(),
            usage=result.usage.to_json() if result.usage else None,
        )
        runs = h.recent(key, result.stage, limit=HISTORY_RUNS)  # this run last
    extra: dict[str, Any] = {
        "commit": commit,
        "history": str(store),
        "baseline": str(baseline) if baseline else None,
        "tolerance": tolerance,
        "regressions": [r.line() for r in regressions],
        "missing_metrics": missing,
        "trend": [
            {
                "time": r.time,
                "git_commit": r.git_commit,
                "metrics": {m: r.metrics[m] for m in HEADLINE if m in r.metrics},
            }
            for r in trend
        ],
    }
    path, data = write_json_report(result, out, extra)
    html = out / REPORT_NAME
    html.write_text(
        render_eval_html(
            result,
            runs=runs,
            commit=commit,
            baseline=base,
            baseline_path=str(baseline) if base is not None else None,
            regressions=regressions,
            tolerance=tolerance,
        ),
        encoding="utf-8",
    )
    if json_output:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        typer.echo(
            render_markdown(
                result,
                commit=commit,
                trend=trend,
                program_codes=program_codes(),
                sources=case_sources(golden_dir),
            ),
            nl=False,
        )
    typer.echo(f"report: {path}", err=True)
    typer.echo(f"html report: {html}", err=True)

    if update_baseline:
        target = baseline or DEFAULT_BASELINE
        write_baseline(target, metrics)
        typer.echo(f"baseline written: {target} ({len(metrics)} metrics)", err=True)
        return
    if missing:
        shown = ", ".join(missing[:3]) + (", …" if len(missing) > 3 else "")
        typer.echo(f"note: {len(missing)} baseline metric(s) not produced now: {shown}", err=True)
    if regressions:
        for r in regressions:
            typer.echo(r.line(), err=True)
        typer.echo(
            f"{len(regressions)} regression(s) against {baseline} (tolerance {tolerance})",
            err=True,
        )
        raise typer.Exit(1)
