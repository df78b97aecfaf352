"""Benchmark ``jixiao normalize`` with one process against a pool, to choose ``--jobs``' default.

Usage:
    python eval/bench_jobs.py                          # golden/inputs and a 1,500-form set
    python eval/bench_jobs.py --forms 1500 --seed 3 --repeat 2
    python eval/bench_jobs.py --inputs /data/archive   # any directory of sources

Each run is the real command in a fresh process (``python -m jixiao.cli normalize DIR -o
NEW_DIR -q`` with ``--jobs 1``, ``--jobs N`` for every core, and no ``--jobs``: the default),
into a new output directory so nothing is reused; wall seconds are the fastest of
``--repeat`` runs. The synthetic set is made with ``jixiao synth -n FORMS --seed SEED``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(inputs: Path, jobs: int | None, work: Path) -> float:
    out = Path(tempfile.mkdtemp(dir=work))
    cmd = [sys.executable, "-m", "jixiao.cli", "normalize", str(inputs), "-o", str(out), "-q"]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("JIXIAO_JOBS", None)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr[-500:]}")
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--inputs", type=Path, action="append", help="directories to time")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sets = list(args.inputs or [])
        if not sets:
            syn = work / "syn"
            subprocess.run(
                [sys.executable, "-m", "jixiao.cli", "synth", "-n", str(args.forms)]
                + ["--seed", str(args.seed), "-o", str(syn)],
                env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                check=True,
                capture_output=True,
            )
            sets = [ROOT / "golden" / "inputs", syn / "inputs"]
        print(f"cores {cores}, load {os.getloadavg()[0]:.1f}, best of {args.repeat}")
        for inputs in sets:
            files = [p for p in inputs.rglob("*") if p.is_file()]
            size = sum(p.stat().st_size for p in files)
            row = []
            for label, jobs in (("-j 1", 1), (f"-j {cores}", cores), ("default", None)):
                best = min(run(inputs, jobs, work) for _ in range(args.repeat))
                row.append(f"{label} {best:.2f} s")
            print(f"{inputs} ({len(files)} files, {size / 1e6:.1f} MB): " + " · ".join(row))


if __name__ == "__main__":
    main()
