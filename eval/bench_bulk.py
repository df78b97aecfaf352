"""Benchmark bulk ``jixiao normalize``: --jobs 1 vs --jobs 2 on a mixed-format synthetic set.

Usage:
    python eval/bench_bulk.py                 # 20,000 forms: text dumps + .docx/.xlsx/.html/.pdf
    python eval/bench_bulk.py --forms 4000    # a quicker run

Builds a synthetic set with ``jixiao.synth`` (50 forms per file, the three seed layouts), renders
one file in five of each format kind with ``jixiao.synth.render`` (docx, xlsx, html, pdf), then runs the
CLI twice in fresh output directories, ``--jobs 1`` and ``--jobs 2``, printing wall time,
forms/s and the peak RSS of the run (parent and workers, from ``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jixiao.synth import generate
from jixiao.synth.render import render


def build(root: Path, forms: int) -> Path:
    """A synthetic set, one file in five re-rendered as docx/xlsx/html/pdf (by turns)."""
    synth = root / "synth"
    generate(forms, 7, synth)
    mixed = root / "mixed"
    mixed.mkdir()
    formats = ["docx", "xlsx", "html", "pdf"]
    for k, path in enumerate(sorted((synth / "inputs").glob("*.txt"))):
        if k % 5 == 4:
            expected = synth / "expected" / f"{path.stem}.jsonl"
            records = [
                json.loads(line) for line in expected.read_text(encoding="utf-8").splitlines()
            ]
            fmt = formats[(k // 5) % len(formats)]
            (mixed / f"{path.stem}.{fmt}").write_bytes(render(records, fmt))
        else:
            (mixed / path.name).write_bytes(path.read_bytes())
    return mixed


def run(mixed: Path, out: Path, jobs: int) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one CLI run in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    cmd = [
        sys.executable,
        "-m",
        "jixiao.cli",
        "normalize",
        str(mixed),
        "-o",
        str(out),
        "-j",
        str(jobs),
        "-q",
    ]
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    return elapsed, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--forms", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        mixed = build(root, args.forms)
        kinds: dict[str, int] = {}
        for p in mixed.iterdir():
            kinds[p.suffix] = kinds.get(p.suffix, 0) + 1
        print(
            f"set: {args.forms} forms in {sum(kinds.values())} files {kinds} (built in {time.perf_counter() - t:.0f} s)"
        )
        for jobs in (1, 2):
            elapsed, rss = run(mixed, root / f"out{jobs}", jobs)
            forms = sum(1 for _ in (root / f"out{jobs}" / "forms.jsonl").open(encoding="utf-8"))
            print(
                f"--jobs {jobs}: {elapsed:.1f} s, {forms / elapsed:.0f} forms/s ({forms} forms), peak RSS {rss / 1024:.0f} MB"
            )


if __name__ == "__main__":
    main()
