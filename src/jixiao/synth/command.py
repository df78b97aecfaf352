"""``jixiao synth``: write a synthetic golden set with exact truth (see ``jixiao.synth``).

Kept apart from ``synth.py`` so the generator can be used without typer. Register with
``app.command("synth")(synth_command)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jixiao.errors import error_line, out_dir_problem
from jixiao.output import logs
from jixiao.output.jsonout import SYNTH_JSON_HELP, print_json
from jixiao.synth import generate, parse_layouts


def synth_command(
    n: Annotated[int, typer.Option("-n", "--forms", min=0, help="Number of forms to write.")],
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: a seed always gives the same files.")
    ],
    out: Annotated[
        Path,
        typer.Option("-o", "--out", help="Output directory (golden-set layout)."),
    ],
    layouts: Annotated[
        str,
        typer.Option(
            "--layouts", help="all, or a comma list of: cell_per_line, pdf_tab7, ocr_4col."
        ),
    ] = "all",
    rate: Annotated[
        float,
        typer.Option("--rate", min=0.0, max=1.0, help="Share of indicator rows perturbed."),
    ] = 0.3,
    scans: Annotated[
        str | None,
        typer.Option(
            "--scans",
            help="扫描件：all 或逗号分隔的缺陷 / scanned pages instead of text, N forms per "
            "defect: all, or a comma list of plain, upside_down, sideways, skew, seal, two_pages, "
            "perspective, handwriting.",
        ),
    ] = None,
    web_noise: Annotated[
        bool,
        typer.Option(
            "--web-noise",
            help="网页噪声：每张表单独成页，外加网站导航、发布信息、页脚等 / wrap every form in "
            "a scraped web page's chrome (breadcrumb, byline, notice, footer); the truth is "
            "unchanged.",
        ),
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help=SYNTH_JSON_HELP)] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help=logs.QUIET_HELP)] = False,
    verbose: Annotated[
        int, typer.Option("-v", "--verbose", count=True, help=logs.VERBOSE_HELP)
    ] = 0,
) -> None:
    """Write a synthetic golden set: seed-recombined forms, known defects, exact truth.

    Writes DIR/inputs/*.txt (50 forms per file, one layout per file), DIR/expected/*.jsonl,
    DIR/perturbations/*.jsonl and DIR/cases.json; score it with `jixiao eval DIR`.
    Refuses a DIR that already holds inputs, so stale cases never get scored.

    Examples:

        jixiao synth -n 2000 --seed 1 -o /tmp/synth && jixiao eval /tmp/synth --out /tmp/r

        jixiao synth -n 100000 --seed 7 -o /data/synth --layouts pdf_tab7 --rate 0.5

        jixiao synth -n 5 --seed 1 -o /tmp/scans --scans seal,two_pages

        jixiao synth -n 250 --seed 1 -o /tmp/web --layouts renderings --web-noise
    """
    logs.setup(logs.level(verbose, quiet))
    problem = out_dir_problem(out)
    if problem:
        typer.echo(error_line(problem), err=True)
        raise typer.Exit(2)
    try:
        chosen = parse_layouts(layouts)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--layouts") from exc
    inputs = out / "inputs"
    if inputs.is_dir() and any(inputs.iterdir()):
        typer.echo(
            error_line(
                f"{inputs} 不是空目录：请换一个新目录或先删除 / is not empty; choose a new "
                "directory or remove it"
            ),
            err=True,
        )
        raise typer.Exit(2)
    if scans is not None:
        from jixiao.synth.scans import parse_defects, write_scan_set

        try:
            defects = parse_defects(scans)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--scans") from exc
        cases = write_scan_set(out, n, seed, defects)
        typer.echo(
            f"wrote {cases} scanned forms ({n} per defect: {', '.join(defects)}) to {out}",
            err=True,
        )
        if json_output:
            print_json(
                {
                    "command": "synth",
                    "exit": 0,
                    "out": str(out),
                    "forms": cases,
                    "indicators": None,  # scanned pages: counted by eval, not here
                    "files": cases,
                    "layouts": {"scan": cases},
                    "perturbations": {d: n for d in defects},
                    "flags": {},
                }
            )
        return
    summary = generate(n, seed, out, chosen, rate, web_noise=web_noise)
    by_layout = ", ".join(f"{k} {v}" for k, v in sorted(summary.layouts.items()))
    typer.echo(
        f"wrote {summary.forms} forms ({summary.indicators} indicators) in {summary.cases} "
        f"files to {out} ({by_layout or 'no forms'})",
        err=True,
    )
    if summary.perturbations:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(summary.perturbations.items()))
        typer.echo(f"perturbations: {shown}", err=True)
    if summary.flags:
        typer.echo(
            "flags in truth: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.flags.items())),
            err=True,
        )
    if json_output:
        print_json(
            {
                "command": "synth",
                "exit": 0,
                "out": str(out),
                "forms": summary.forms,
                "indicators": summary.indicators,
                "files": summary.cases,
                "layouts": dict(sorted(summary.layouts.items())),
                "perturbations": dict(sorted(summary.perturbations.items())),
                "flags": dict(sorted(summary.flags.items())),
            }
        )
