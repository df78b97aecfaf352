"""Score the pipeline on a synthetic set and print per-flag precision/recall (for the notes).

Usage:
    python eval/bench_synth_eval.py                        # 2,000 forms, seed 1, rate 0.3, rules
    python eval/bench_synth_eval.py --forms 5000 --seed 4 --stages parse
    python eval/bench_synth_eval.py --keep /tmp/synth2k    # keep the set (then: jixiao eval DIR)

Generates the set with ``jixiao.synth`` in a temporary directory, runs ``run_eval`` with the
real producer up to ``--stages``, and prints Markdown tables: each flag's support, TP/FP/FN,
precision, recall and F1 (overall, then recall per layout); field accuracy per perturbation
kind (``unflagged`` = rows whose truth has no flag; ``header`` = form fields).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from jixiao.evaluate import EvalResult, run_eval
from jixiao.evaluate.command import make_producer
from jixiao.evaluate.kinds import score_by_kind
from jixiao.schema import FLAGS
from jixiao.synth import generate


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def print_tables(res: EvalResult, out: Path) -> None:
    o = res.overall
    flags = [f for f in FLAGS if f in o.flags] + sorted(set(o.flags) - set(FLAGS))
    print("| flag | support | TP | FP | FN | precision | recall | F1 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for f in flags:
        p = o.flags[f]
        print(
            f"| {f} | {p.support} | {p.tp} | {p.fp} | {p.fn} | {_pct(p.precision)} "
            f"| {_pct(p.recall)} | {_pct(p.f1)} |"
        )
    m = o.flags_micro
    print(
        f"| **all (micro)** | {m.support} | {m.tp} | {m.fp} | {m.fn} | {_pct(m.precision)} "
        f"| {_pct(m.recall)} | {_pct(m.f1)} |"
    )

    layouts = res.layouts
    print("\nrecall per layout (support in brackets):\n")
    print("| flag | " + " | ".join(layouts) + " |")
    print("|---|" + "---:|" * len(layouts))
    for f in flags:
        cells = []
        for s in layouts.values():
            lp = s.flags.get(f)
            cells.append(
                "–" if lp is None or not lp.support else f"{_pct(lp.recall)} ({lp.support})"
            )
        print(f"| {f} | " + " | ".join(cells) + " |")

    print("\nfield accuracy by perturbation (indicator fields; header = form fields):\n")
    print("| rows | count | field accuracy | rows with exactly the right flags |")
    print("|---|---:|---:|---:|")
    for key, k in sorted(score_by_kind(res, out).items(), key=lambda kv: -kv[1].rows):
        exact = "–" if key == "header" else _pct(k.flag_rate)  # forms carry no flags
        print(f"| {key} | {k.rows} | {_pct(k.accuracy)} | {exact} |")


def run(out: Path, n: int, seed: int, rate: float, stage: str) -> int:
    t0 = time.perf_counter()
    summary = generate(n, seed, out, rate=rate)
    gen_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = run_eval(out, make_producer(stage, "none"), stage=stage)
    eval_s = time.perf_counter() - t0
    o = res.overall
    print(
        f"synthetic set: {summary.forms} forms, {summary.indicators} indicators, seed {seed}, "
        f"rate {rate}; generated in {gen_s:.1f} s, scored (stage {stage}) in {eval_s:.1f} s"
    )
    print(
        f"forms matched {o.forms_matched}/{o.forms_expected}, indicators matched "
        f"{o.indicators_matched}/{o.indicators_expected} (found {o.indicators_found})"
    )
    print(
        "perturbations: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.perturbations.items()))
    )
    print()
    print_tables(res, out)
    if res.errors:
        print(f"\n{len(res.errors)} case(s) crashed: {res.errors}")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--forms", type=int, default=2000, help="forms to generate (2000)")
    ap.add_argument("--seed", type=int, default=1, help="synth seed (1)")
    ap.add_argument("--rate", type=float, default=0.3, help="share of rows perturbed (0.3)")
    ap.add_argument("--stages", choices=("parse", "rules"), default="rules")
    ap.add_argument("--keep", type=Path, help="write the set here and keep it")
    args = ap.parse_args(argv)
    if args.keep is not None:
        return run(args.keep, args.forms, args.seed, args.rate, args.stages)
    with tempfile.TemporaryDirectory(prefix="jixiao-synth-eval-") as tmp:
        return run(Path(tmp), args.forms, args.seed, args.rate, args.stages)


if __name__ == "__main__":
    sys.exit(main())
