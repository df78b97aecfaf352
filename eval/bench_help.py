"""Time ``jixiao --help`` (issue 16: under 0.4 s): wall and CPU seconds of a fresh process.

Usage:
    python eval/bench_help.py            # 15 runs of `python -m jixiao.cli --help`
    python eval/bench_help.py -n 30

Prints the minimum and median wall time and CPU time (user + system, from the children's
rusage), beside a bare ``python -c pass`` and ``import typer`` for scale. On a shared machine
wall time follows the load; CPU time much less so.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(cmd: list[str], n: int) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    walls, cpus = [], []
    for _ in range(n):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    walls.sort()
    cpus.sort()
    return (
        f"wall min {walls[0]:.3f} median {walls[n // 2]:.3f} s · "
        f"cpu min {cpus[0]:.3f} median {cpus[n // 2]:.3f} s"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=15)
    args = ap.parse_args()
    print(f"load {os.getloadavg()[0]:.1f}, {args.n} runs each")
    for label, cmd in (
        ("jixiao --help", [sys.executable, "-m", "jixiao.cli", "--help"]),
        ("jixiao normalize -h", [sys.executable, "-m", "jixiao.cli", "normalize", "-h"]),
        ("import typer", [sys.executable, "-c", "import typer"]),
        ("python -c pass", [sys.executable, "-c", "pass"]),
    ):
        print(f"{label:22} {measure(cmd, args.n)}")


if __name__ == "__main__":
    main()
