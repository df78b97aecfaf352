"""Benchmark ``normalize`` on a synthetic set: forms/s per core, peak RSS, and the eval time.

Usage:
    python eval/bench_normalize.py                         # 100,000 forms (the issue's figure)
    python eval/bench_normalize.py --forms 20000           # a quicker run
    python eval/bench_normalize.py --forms 100000 --keep /tmp/synth100k   # keep the set
    python eval/bench_normalize.py --no-eval               # skip the run_eval timing

Writes a synthetic set with ``jixiao.synth`` (streamed to a temporary directory, 50 forms per
file, the three seed layouts in turn), then times ``normalize_path`` followed by
``repair_forms(stage="rules")`` over it file by file, in this one process, so forms/s is per
core; the process is tuned as every ``jixiao`` command tunes it (``runtime.tune_for_batch``).
The first file is read once before timing (it loads the jieba dictionary). Peak RSS is
``ru_maxrss`` after each phase, the high-water mark so far. Last, ``run_eval`` scores the whole
set with the real producer (normalise, rules, review, alignment, scoring); its time and peak
RSS are printed. Targets (issue 4): >= 2,000 forms/s per core through parse + normalise +
defects, and peak RSS under 300 MB however large the input; the RSS target is judged on the
generate + normalise phases (``run_eval`` is the harness, not ``normalize``).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from jixiao.evaluate import run_eval
from jixiao.evaluate.command import make_producer
from jixiao.output.runtime import tune_for_batch
from jixiao.pipeline import normalize_path
from jixiao.repair.cascade import repair_forms
from jixiao.synth import generate

TARGET_RATE = 2000.0
TARGET_RSS_MB = 300.0


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2**20


def bench(out: Path, n: int, seed: int, rate: float, run_the_eval: bool) -> int:
    tune_for_batch()  # as every ``jixiao`` command does
    t0 = time.perf_counter()
    summary = generate(n, seed, out, rate=rate)
    gen_s = time.perf_counter() - t0
    print(
        f"synthetic set: {summary.forms} forms, {summary.indicators} indicators, "
        f"{summary.cases} files in {out}"
    )
    print(
        f"  generated in {gen_s:.1f} s ({summary.forms / gen_s:,.0f} forms/s); "
        f"peak RSS {peak_rss_mb():.0f} MB"
    )

    layouts = {k: v["layout"] for k, v in json.loads((out / "cases.json").read_text()).items()}
    files = sorted((out / "inputs").glob("*.txt"))
    t0 = time.perf_counter()
    normalize_path(files[0])  # loads the jieba dictionary; not timed below
    warm_s = time.perf_counter() - t0

    forms: Counter[str] = Counter()
    parse_s: defaultdict[str, float] = defaultdict(float)
    rules_s: defaultdict[str, float] = defaultdict(float)
    rejects = 0
    for path in files:
        layout = layouts[path.stem]
        t0 = time.perf_counter()
        result = normalize_path(path)
        t1 = time.perf_counter()
        repair_forms(result.forms, "rules")
        t2 = time.perf_counter()
        forms[layout] += len(result.forms)
        rejects += len(result.rejects)
        parse_s[layout] += t1 - t0
        rules_s[layout] += t2 - t1
    total_forms = sum(forms.values())
    total_parse = sum(parse_s.values())
    total = total_parse + sum(rules_s.values())
    rss_norm = peak_rss_mb()
    print(f"\nnormalize_path + repair_forms(rules), single process (warm-up {warm_s:.1f} s):")
    print("| layout | forms | parse+normalise+defects forms/s | + rules forms/s |")
    print("|---|---:|---:|---:|")
    for layout in sorted(forms):
        both = parse_s[layout] + rules_s[layout]
        print(
            f"| {layout} | {forms[layout]:,} | {forms[layout] / parse_s[layout]:,.0f} "
            f"| {forms[layout] / both:,.0f} |"
        )
    print(
        f"| all | {total_forms:,} | {total_forms / total_parse:,.0f} | {total_forms / total:,.0f} |"
    )
    print(
        f"  {total:.1f} s for {total_forms:,} forms; {rejects} rejects; peak RSS {rss_norm:.0f} MB"
    )

    if run_the_eval:
        t0 = time.perf_counter()
        res = run_eval(out, make_producer("rules", "none"), stage="rules")
        eval_s = time.perf_counter() - t0
        o = res.overall
        print(
            f"\nrun_eval (stage rules) over the set: {eval_s:.1f} s "
            f"({o.forms_expected / eval_s:,.0f} forms/s); "
            f"indicator fields {o.group_accuracy(_indicator_fields()).value:.4f}, "
            f"flags F1 {o.flags_micro.f1 or 0:.4f}; peak RSS {peak_rss_mb():.0f} MB"
        )

    rate_ok = total_forms / total_parse >= TARGET_RATE
    rss_ok = rss_norm < TARGET_RSS_MB  # the target is normalise's; run_eval is reported above
    print(
        f"\ntargets: >= {TARGET_RATE:,.0f} forms/s per core through parse+normalise+defects: "
        f"{'met' if rate_ok else 'NOT met'}; peak RSS < {TARGET_RSS_MB:.0f} MB: "
        f"{'met' if rss_ok else 'NOT met'}"
    )
    return 0


def _indicator_fields() -> tuple[str, ...]:
    from jixiao.evaluate.score import SCORED_INDICATOR_FIELDS

    return SCORED_INDICATOR_FIELDS


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--forms", type=int, default=100_000, help="forms to generate (100000)")
    ap.add_argument("--seed", type=int, default=1, help="synth seed (1)")
    ap.add_argument("--rate", type=float, default=0.3, help="share of rows perturbed (0.3)")
    ap.add_argument("--keep", type=Path, help="write the set here and keep it")
    ap.add_argument("--no-eval", action="store_true", help="skip timing run_eval")
    args = ap.parse_args(argv)
    if args.keep is not None:
        return bench(args.keep, args.forms, args.seed, args.rate, not args.no_eval)
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-") as tmp:
        return bench(Path(tmp), args.forms, args.seed, args.rate, not args.no_eval)


if __name__ == "__main__":
    sys.exit(main())
