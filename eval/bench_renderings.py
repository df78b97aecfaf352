"""End-to-end accuracy of the real pipeline on each unseen rendering of issue 13.

Usage:
    python eval/bench_renderings.py                    # 20 forms per rendering (quick)
    python eval/bench_renderings.py --forms 300        # the issue's measure (>= 300 each)
    python eval/bench_renderings.py --renderings glued_text,ocr_noise --keep /tmp/r13
    python eval/bench_renderings.py --forms 10 --web-noise   # each form on a scraped web page

Writes each rendering with ``jixiao.synth`` (exact truth) into a temporary golden directory,
runs the same producer as ``jixiao eval`` (``make_producer``: normalise, then the cascade up to
``--stages``) and prints one Markdown row per rendering: end-to-end indicator accuracy
(``fields.indicator``: every indicator field of every expected row, missed rows wrong), header
accuracy, forms found / expected, indicators matched / expected (and found: a row read that
is no indicator, a footer line say, is found but not matched), and flag precision/recall
(issue 13: no unit_missing/value_missing/value_suspect on qualitative values, dates, sentences). Works against whatever the
parser is today; a rendering it cannot read scores low, it does not fail the script.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from jixiao.evaluate import run_eval
from jixiao.evaluate.command import make_producer
from jixiao.synth import FORMS_PER_FILE, generate, parse_layouts, rendering_names


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def run(
    out: Path, forms: int, seed: int, renderings: tuple[str, ...], stage: str, web: bool = False
) -> int:
    t0 = time.perf_counter()
    generate(
        forms * len(renderings), seed, out, renderings, forms_per_file=FORMS_PER_FILE, web_noise=web
    )
    gen_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = run_eval(out, make_producer(stage, "none"), stage=stage)
    eval_s = time.perf_counter() - t0
    print(
        f"{forms} forms per rendering, seed {seed}, stage {stage}"
        f"{', each on a web page (--web-noise)' if web else ''}; "
        f"generated in {gen_s:.1f} s, scored in {eval_s:.1f} s"
    )
    print()
    print("| rendering | end-to-end indicator acc | header acc | forms found/expected "
          "| indicators matched/expected (found) | flags P | flags R |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    layouts = res.layouts
    for name in renderings:
        s = layouts.get(name)
        if s is None:
            print(f"| {name} | – | – | – | – | – | – |")
            continue
        m = s.metrics("x")
        print(
            f"| {name} | {_pct(m.get('x.fields.indicator'))} | {_pct(m.get('x.fields.form'))} "
            f"| {s.forms_found}/{s.forms_expected} "
            f"| {s.indicators_matched}/{s.indicators_expected} ({s.indicators_found}) "
            f"| {_pct(m.get('x.flags.precision'))} | {_pct(m.get('x.flags.recall'))} |"
        )
    o = res.overall.metrics("x")
    print(
        f"| **all** | {_pct(o.get('x.fields.indicator'))} | {_pct(o.get('x.fields.form'))} "
        f"| {res.overall.forms_found}/{res.overall.forms_expected} "
        f"| {res.overall.indicators_matched}/{res.overall.indicators_expected} "
        f"({res.overall.indicators_found}) "
        f"| {_pct(o.get('x.flags.precision'))} | {_pct(o.get('x.flags.recall'))} |"
    )
    if res.errors:
        print(f"\n{len(res.errors)} case(s) crashed:")
        for case, err in sorted(res.errors.items()):
            print(f"- {case}: {err}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--forms", type=int, default=20, help="forms per rendering (20)")
    ap.add_argument("--seed", type=int, default=1, help="synth seed (1)")
    ap.add_argument("--renderings", default="renderings", help="renderings (default: all 12)")
    ap.add_argument("--stages", choices=("parse", "rules"), default="rules")
    ap.add_argument("--keep", type=Path, help="write the set here and keep it")
    ap.add_argument("--web-noise", action="store_true", help="wrap each form in web-page chrome")
    args = ap.parse_args(argv)
    chosen = parse_layouts(args.renderings)
    unknown = [r for r in chosen if r not in rendering_names()]
    if unknown:
        ap.error(f"not an unseen rendering: {', '.join(unknown)}")
    if args.keep is not None:
        return run(args.keep, args.forms, args.seed, chosen, args.stages, args.web_noise)
    with tempfile.TemporaryDirectory(prefix="jixiao-renderings-") as tmp:
        return run(Path(tmp), args.forms, args.seed, chosen, args.stages, args.web_noise)


if __name__ == "__main__":
    sys.exit(main())
