"""Benchmark ``jixiao review`` at archive size: N forms in one forms.jsonl, time per phase.

Usage:
    python eval/bench_review.py                  # 5,400 forms (issue 16's archive)
    python eval/bench_review.py --forms 1000     # a quicker run
    python eval/bench_review.py --cli            # also time the whole command (subprocess)

The forms are the golden set's 64 hand-labelled records (``golden/expected``), repeated with a
numbered project name and department (so forms differ as an archive's do) into one
``forms.jsonl``; the review then runs phase by phase in this process: read, rule catalogue and
rewrites, findings.jsonl + rewrites.jsonl, report.html, review.xlsx. Prints each phase's seconds
and the total, wall-clock and this process's CPU time (on a shared machine the CPU time is the
fairer figure: the wall time grows with the other processes' load). Target (issue 16): 5,400
forms in under 30 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jixiao.output.runtime import tune_for_batch
from jixiao.review.command import (
    ReviewRun,
    load_inputs,
    profile_chooser,
    review_file,
    write_findings,
    write_rewrites,
    write_xlsx,
)
from jixiao.review.report_html import render_html

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 30.0


def golden_records() -> list[dict[str, object]]:
    """The golden set's form records, in file order."""
    out: list[dict[str, object]] = []
    for path in sorted((ROOT / "golden" / "expected").glob("*.jsonl")):
        if path.name.endswith(".review.jsonl"):
            continue
        out += [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
    return out


def write_forms(path: Path, n: int) -> None:
    """``n`` forms: the golden records in turn, each copy numbered (department k % 60)."""
    records = golden_records()
    with path.open("w", encoding="utf-8") as fh:
        for k in range(n):
            rec = dict(records[k % len(records)])
            rec["project_name"] = f"{rec.get('project_name') or rec.get('title')}（{k + 1}）"
            rec["department"] = f"{rec.get('department') or '某部门'}{k % 60 + 1}"
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms", type=int, default=5400)
    parser.add_argument("--cli", action="store_true", help="also time `jixiao review` itself")
    args = parser.parse_args()
    tune_for_batch()
    with tempfile.TemporaryDirectory() as tmp:
        forms = Path(tmp) / "forms.jsonl"
        write_forms(forms, args.forms)
        out = Path(tmp) / "review"
        out.mkdir()
        times: dict[str, tuple[float, float]] = {}
        t0 = start = time.perf_counter()
        c0 = cpu_start = time.process_time()

        def lap(name: str) -> None:
            nonlocal t0, c0
            now, cpu = time.perf_counter(), time.process_time()
            times[name] = (now - t0, cpu - c0)
            t0, c0 = now, cpu

        loaded, _skipped = load_inputs([forms])
        lap("read")
        choose = profile_chooser("default")
        files = ReviewRun([review_file(name, fs, choose) for name, fs in loaded])
        lap("rules")
        write_findings(files, out / "findings.jsonl")
        write_rewrites(files, out / "rewrites.jsonl")
        lap("jsonl")
        (out / "report.html").write_text(render_html(files), encoding="utf-8")
        lap("report.html")
        write_xlsx(files, out / "review.xlsx")
        lap("review.xlsx")
        total = time.perf_counter() - start
        total_cpu = time.process_time() - cpu_start
        n_findings = sum(len(rf.findings) for rf in files)
        size = (out / "report.html").stat().st_size / 1e6
        print(f"forms {args.forms} · findings {n_findings} · report.html {size:.1f} MB")
        print(f"  {'phase':12s} {'wall':>8s}   {'cpu':>8s}")
        for name, (wall, cpu) in times.items():
            print(f"  {name:12s} {wall:8.2f} s {cpu:8.2f} s")
        verdict = "ok" if total < TARGET_SECONDS else f"over the {TARGET_SECONDS:.0f} s target"
        print(f"total {total:.2f} s wall ({verdict}), {total_cpu:.2f} s cpu")
        if args.cli:
            cmd = [sys.executable, "-m", "jixiao.cli", "review", str(forms), "-o", str(out), "-q"]
            t = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True)
            print(
                f"jixiao review (whole command): {time.perf_counter() - t:.2f} s, exit {done.returncode}"
            )


if __name__ == "__main__":
    main()
