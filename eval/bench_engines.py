"""Benchmark the engines: forms/s of ``jixiao normalize`` with the local pool and with Ray.

Usage:
    python eval/bench_engines.py                      # 2,000 synthetic forms (quick)
    python eval/bench_engines.py --forms 20000        # the issue's figure
    python eval/bench_engines.py --repeat 3           # three rounds, the best of each kept
    python eval/bench_engines.py --runs local1,ray1   # a subset: local1 local2 ray1 ray2
    python eval/bench_engines.py --scans 40           # 40 scanned pages instead (OCR)

Writes a synthetic set (``jixiao.synth``, 50 forms per file) to a temporary directory, then
runs the real CLI end to end in a fresh subprocess per configuration (``--stage rules``, a new
output directory each time, so nothing is reused): local ``-j 1``, local ``-j 2``, and
``--engine ray`` starting its own local Ray with 1 and 2 CPUs (Ray's start-up is counted: it
is what a user waits for). The configurations alternate within a round, so that the load of a
shared machine falls on each alike; the best wall time of the rounds is compared, and the
load average is printed with each run. Every process of the tree is sampled from /proc every
0.1 s: its CPU seconds and peak RSS, by role: the driver, each worker (a pool worker, a Ray
worker running our tasks) and the others (Ray's GCS, raylet, dashboard, agents, monitors and
Ray Data's own actors). CPU time is the larger of that sum and ``RUSAGE_CHILDREN`` (which
misses the processes Ray leaves unreaped). The overhead ratio is Ray's time over the local
pool's with the same CPU count (goal: <= 1.2x on text, <= 1.05x on scans).
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
class Proc:
    """One process of the tree as last sampled: its role, CPU seconds, peak RSS in MB."""

    role: str
    cpu: float = 0.0
    peak: float = 0.0
    title: str = ""


@dataclass
class Tree:
    """The processes of one run, sampled from /proc: the driver, the workers (pool workers,
    Ray worker processes: tasks and actors), Ray's daemons; and the tree's peak RSS."""

    procs: dict[int, Proc] = field(default_factory=dict)
    total: float = 0.0

    def of(self, role: str) -> list[Proc]:
        return [p for p in self.procs.values() if p.role == role]

    def cpu(self, role: str) -> float:
        return sum(p.cpu for p in self.of(role))


TICK = os.sysconf("SC_CLK_TCK")
#: Ray's own processes that run no task of ours (their titles, cut to 15 characters).
RAY_DAEMONS = (
    b"ray::DashboardAgent",
    b"ray::RuntimeEnvAgent",
    b"ray::RuntimeEnv",
    b"ray::Dashboard",
)


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


def _stat(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) and RSS in MB of one process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK, int(fields[21]) * PAGE / (1 << 20)


PAGE = os.sysconf("SC_PAGE_SIZE")


def _role(pid: int, root: int) -> tuple[str, str] | None:
    """The process's role and a short title (a Ray worker's names the task or actor)."""
    if pid == root:
        return "driver", "driver"
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").strip()
    except OSError:
        return None  # gone
    if not cmd:
        return None  # a zombie: exited, not yet reaped
    argv = cmd.decode(errors="replace").split(" ")
    title = next((a for a in argv if a.endswith(".py")), argv[0]).rsplit("/", 1)[-1][:40]
    if b"multiprocessing" in cmd and b"spawn_main" in cmd:
        return "worker", "pool worker"
    if title == "default_worker.py":
        return "worker", title
    if cmd.startswith(b"ray::") and not cmd.startswith(RAY_DAEMONS):
        # a Ray worker renames itself: ray::IDLE, ray::<task>; Ray Data's own actors
        # (ray::_StatsActor, ...) are Ray's
        return ("other" if cmd.startswith(b"ray::_") else "worker"), title
    return "other", title


def sample(root: int, tree: Tree, stop: threading.Event) -> None:
    """Every 0.1 s: each process under ``root`` (and each orphan of it this process adopted)."""
    me = os.getpid()
    while not stop.is_set():
        children, total = _children(), 0.0
        todo = [root] + [pid for pid in children.get(me, []) if pid != root]  # adopted orphans
        while todo:
            pid = todo.pop()
            todo.extend(children.get(pid, []))
            try:
                cpu, rss = _stat(pid)
            except OSError:
                continue
            proc = tree.procs.setdefault(pid, Proc("other"))
            if proc.role != "driver":  # a Ray worker renames itself as it starts and works
                seen = _role(pid, root)
                if seen is not None:
                    proc.role = seen[0]
                    if not seen[1].startswith("ray::IDLE") or not proc.title:
                        proc.title = seen[1]
            proc.cpu = max(proc.cpu, cpu)
            proc.peak = max(proc.peak, rss)
            total += rss
        tree.total = max(tree.total, total)
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


@dataclass
class Result:
    """One run: wall and CPU seconds, forms written, the sampled process tree."""

    wall: float
    cpu: float  # RUSAGE_CHILDREN of the whole tree, or the sampled sum when it is larger
    forms: int
    tree: Tree
    output: bytes


def run(name: str, inputs: Path, out: Path) -> Result:
    """One CLI run in a fresh process."""
    cmd = [sys.executable, "-m", "jixiao.cli", "normalize", str(inputs), "-o", str(out), "-q"]
    tree, stop = Tree(), threading.Event()
    cpu0 = _cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [*cmd, *RUNS[name]], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    sampler = threading.Thread(target=sample, args=(proc.pid, tree, stop), daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    _reap()
    stop.set()
    sampler.join()
    cpu = _cpu() - cpu0
    if proc.returncode not in (0, 1) or not (out / "forms.jsonl").exists():
        raise SystemExit(f"{name} failed ({proc.returncode}):\n{err[-2000:]}")
    output = (out / "forms.jsonl").read_bytes()
    shutil.rmtree(out, ignore_errors=True)
    sampled = sum(p.cpu for p in tree.procs.values())
    return Result(wall, max(cpu, sampled), output.count(b"\n"), tree, output)


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--forms", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", default="local1,ray1,local2,ray2")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; the best of each is kept")
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
        print(f"load average before: {_load()} ({os.cpu_count()} CPUs)")
        best: dict[str, Result] = {}
        outputs: set[bytes] = set()
        for round_ in range(1, args.repeat + 1):
            for name in names:  # alternated, so that the machine's load falls on each alike
                res = run(name, root / "set" / "inputs", root / name)
                outputs.add(res.output)
                if name not in best or res.wall < best[name].wall:
                    best[name] = res
                tree = res.tree
                workers = sorted(tree.of("worker"), key=lambda p: -p.peak)
                per_worker = ", ".join(f"{p.title} {p.peak:.0f}" for p in workers) or "-"
                print(
                    f"[{round_}] {name:7s} {res.wall:6.1f} s wall {res.cpu:6.1f} s CPU "
                    f"({1000 * res.cpu / max(1, res.forms):.2f} ms/form: driver "
                    f"{tree.cpu('driver'):.1f}, workers {tree.cpu('worker'):.1f}, "
                    f"others {tree.cpu('other'):.1f})  {res.forms / res.wall:7,.1f} forms/s  "
                    f"load {_load()}"
                )
                print(
                    f"    peak RSS MB: driver {tree.of('driver')[0].peak if tree.of('driver') else 0:.0f}, "
                    f"each worker [{per_worker}], tree {tree.total:.0f}"
                )
        if args.repeat > 1:
            print(f"best of {args.repeat} (by wall time):")
            for name, res in best.items():
                print(
                    f"  {name:7s} {res.wall:6.1f} s wall {res.cpu:6.1f} s CPU  "
                    f"{res.forms / res.wall:7,.1f} forms/s"
                )
        goal = "1.05x" if args.scans else "1.2x"
        for n in ("1", "2"):
            if f"local{n}" in best and f"ray{n}" in best:
                ray, local = best[f"ray{n}"], best[f"local{n}"]
                print(
                    f"ray/local with {n} CPU(s): {ray.wall / local.wall:.2f}x wall time, "
                    f"{ray.cpu / local.cpu:.2f}x CPU time (goal <= {goal})"
                )
        print(f"forms.jsonl byte-identical across runs: {len(outputs) == 1}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
