"""Benchmark the engines: forms/s of ``jixiao normalize`` with the local pool and with Ray.

Usage:
    python eval/bench_engines.py                      # 2,000 synthetic forms (quick)
    python eval/bench_engines.py --forms 20000        # the issue's figure
    python eval/bench_engines.py --runs local1,ray1   # a subset: local1 local2 ray1 ray2
    python eval/bench_engines.py --scans 40           # 40 scanned pages instead (OCR)

Writes a synthetic set (``jixiao.synth``, 50 forms per file) to a temporary directory, then
runs the real CLI end to end in a fresh subprocess per configuration (``--stage rules``, a new
output directory each time, so nothing is reused): local ``-j 1``, local ``-j 2``, and
``--engine ray`` starting its own local Ray with 1 and 2 CPUs (Ray's start-up is counted: it
is what a user waits for). Memory is sampled from /proc every 0.1 s over the process tree:
the driver's peak RSS, the largest worker's peak RSS (pool workers, Ray ``default_worker``),
and the tree's peak total (for Ray this includes its GCS, raylet and agents). The overhead
ratio is Ray's wall time over the local pool's with the same CPU count (goal: <= 1.2x).
Needs the ``ray`` extra for the Ray runs.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.synth import generate
from jixiao.synth.scans import SCAN_DEFECTS, write_scan_set

RUNS = {
    "local1": ["-j", "1"],
    "local2": ["-j", "2"],
    "ray1": ["--engine", "ray", "-j", "1"],
    "ray2": ["--engine", "ray", "-j", "2"],
}


@dataclass
class Memory:
    """Peaks of RSS in MB over a process tree, sampled."""

    driver: float = 0.0
    worker: float = 0.0
    total: float = 0.0
    seen: set[int] = field(default_factory=set)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _is_worker(pid: int) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return b"default_worker" in cmd or b"multiprocessing" in cmd


def sample(root: int, memory: Memory, stop: threading.Event) -> None:
    while not stop.is_set():
        tree, todo, total = _children(), [root], 0.0
        while todo:
            pid = todo.pop()
            todo.extend(tree.get(pid, []))
            rss = _rss_mb(pid)
            total += rss
            if pid == root:
                memory.driver = max(memory.driver, rss)
            elif _is_worker(pid):
                memory.worker = max(memory.worker, rss)
                memory.seen.add(pid)
        memory.total = max(memory.total, total)
        stop.wait(0.1)


def _subreaper() -> None:
    """Adopt orphaned descendants (Ray's workers outlive their raylet for a moment), so their
    CPU time is counted in ``RUSAGE_CHILDREN`` once they are reaped."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _reap(seconds: float = 15.0) -> None:
    """Wait for every adopted descendant to exit (at most ``seconds``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(name: str, inputs: Path, out: Path) -> tuple[float, float, int, Memory]:
    """One CLI run in a fresh process: wall seconds, CPU seconds of the whole process tree
    (driver, workers, Ray's daemons), forms written, memory peaks."""
    cmd = [sys.executable, "-m", "jixiao.cli", "normalize", str(inputs), "-o", str(out), "-q"]
    memory, stop = Memory(), threading.Event()
    cpu0 = _cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [*cmd, *RUNS[name]], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    sampler = threading.Thread(target=sample, args=(proc.pid, memory, stop), daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    _reap()
    cpu = _cpu() - cpu0
    if proc.returncode not in (0, 1) or not (out / "forms.jsonl").exists():
        raise SystemExit(f"{name} failed ({proc.returncode}):\n{err[-2000:]}")
    with (out / "forms.jsonl").open("rb") as handle:
        forms = sum(1 for _ in handle)
    return wall, cpu, forms, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--forms", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", default="local1,local2,ray1,ray2")
    parser.add_argument(
        "--scans", type=int, default=0, help="scanned pages (jixiao.synth.scans) instead of text"
    )
    args = parser.parse_args()
    names = args.runs.split(",")
    _subreaper()
    root = Path(tempfile.mkdtemp(prefix="bench-engines-"))
    try:
        if args.scans:
            per = -(-args.scans // len(SCAN_DEFECTS))
            cases = write_scan_set(root / "set", per, args.seed, SCAN_DEFECTS)
            for extra in sorted((root / "set" / "inputs").iterdir())[args.scans :]:
                extra.unlink()
            print(f"synthetic scans: {min(cases, args.scans)} images, one form each")
        else:
            summary = generate(args.forms, args.seed, root / "set")
            print(f"synthetic set: {summary.forms} forms in {summary.cases} files")
        walls: dict[str, float] = {}
        cpus: dict[str, float] = {}
        outputs: dict[str, bytes] = {}
        for name in names:
            wall, cpu, forms, mem = run(name, root / "set" / "inputs", root / name)
            walls[name], cpus[name] = wall, cpu
            outputs[name] = (root / name / "forms.jsonl").read_bytes()
            print(
                f"{name:7s} {wall:6.1f} s wall {cpu:6.1f} s CPU  {forms / wall:7,.0f} forms/s  "
                f"peak RSS: driver "
                f"{mem.driver:4.0f} MB, largest worker {mem.worker:4.0f} MB "
                f"({len(mem.seen)} workers), tree {mem.total:5.0f} MB"
            )
        for n in ("1", "2"):
            if f"local{n}" in walls and f"ray{n}" in walls:
                ratio = walls[f"ray{n}"] / walls[f"local{n}"]
                cpu_ratio = cpus[f"ray{n}"] / cpus[f"local{n}"]
                print(
                    f"ray/local with {n} CPU(s): {ratio:.2f}x wall time, {cpu_ratio:.2f}x CPU time "
                    "(goal <= 1.2x)"
                )
        same = len(set(outputs.values())) == 1
        print(f"forms.jsonl byte-identical across runs: {same}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
