"""Scans (issue 15): accuracy per paper defect, and OCR cost against raw RapidOCR.

Usage:
    python eval/bench_scans.py                        # 3 forms per defect (quick)
    python eval/bench_scans.py --forms 20 --keep /tmp/scans
    python eval/bench_scans.py --defects seal,two_pages --forms 5
    python eval/bench_scans.py --cost-defects all --cost-pages 2   # CPU/RSS per defect kind
    python eval/bench_scans.py --defects plain --cost-pages 1 --profile   # where the CPU goes
    python eval/bench_scans.py --cost-pages 2 --cost-repeats 3   # least of 3 runs (a loaded machine)

Writes ``jixiao.synth.scans`` cases (exact truth) and prints, per defect kind: end-to-end
indicator accuracy (every field of every expected row; missed rows wrong), header accuracy,
operator recall (rows whose printed operator is ≥ ≤ = < >: how many come back with it),
flag precision (the truth of a clean scanned form has no flags: a flag counts as right when
the truth has it, or when it is ``ocr_low_confidence`` on a row that was in fact misread) and
how many misread rows carry a flag; then, per defect kind timed (``--cost-defects``), CPU
seconds per page of jixiao's whole read (``readers.read_rows``: seals, pen, orientation,
perspective, deskew, OCR, ruling, glyphs) against RapidOCR alone on the same page with the
same thread count, and peak RSS of each, each side in its own fresh child process. With
``--cost-repeats N`` each side runs N times (raw and jixiao alternating, so a burst of load
on the shared machine hits both) and the least CPU of each is kept: other processes only
ever add CPU time (cache and memory-bandwidth contention), so the least is the page's cost.
Peak memory is the median of the N runs: it is not a load effect but varies by itself, run to
run, with the address-space layout (RapidOCR alone on one page: 598–712 MB over seven runs;
the same figure every run under ``setarch -R`` with a fixed ``PYTHONHASHSEED``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from jixiao.evaluate import run_eval
from jixiao.evaluate.align import align_forms, align_indicators
from jixiao.evaluate.command import make_producer
from jixiao.synth.scans import parse_defects, write_scan_set

# One fresh child process per side and page set. The raw side imports RapidOCR only (no
# jixiao), builds the engine with the same settings (one onnxruntime thread, same score cut
# and detection side) and runs it on each page as a caller would: ``RapidOCR()(image)``.
# The jixiao side runs the whole read (``readers.read_rows``) on the file's bytes.
# CPU is the child's own process time (user + system, ``RUSAGE_SELF``), split into start-up
# (imports, model load, jixiao's glyph templates) and pages; peak memory is the child's ``VmHWM`` from /proc: the
# high-water mark of its own address space. (``ru_maxrss`` is not used: Linux carries the
# parent's peak over ``exec`` into it, so every child looked as big as the benchmark.)
_CHILD = r"""
import os, resource, sys
from pathlib import Path

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

mode, paths = sys.argv[1], sys.argv[2:]
from PIL import Image, ImageSequence
import numpy as np
if mode == "raw":
    from rapidocr_onnxruntime import RapidOCR
    engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, text_score=0.30,
                      max_side_len=2000)
else:
    from jixiao.ingest.readers import glyphs, ocr, read_rows
    ocr.engine()
    glyphs.templates()  # built once per process, as the engine's models are loaded once
pages = 0
t0 = cpu()
for p in paths:
    if mode == "raw":
        for frame in ImageSequence.Iterator(Image.open(p)):
            engine(np.asarray(frame.convert("RGB")))
            pages += 1
    elif mode == "profile":
        import cProfile, pstats
        prof = cProfile.Profile()
        prof.runcall(read_rows, Path(p).read_bytes(), Path(p).name)
        stats = pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative")
        stats.print_stats(r"jixiao|rapidocr_onnxruntime/main|text_(det|rec|cls)", 30)
        pages += getattr(Image.open(p), "n_frames", 1)
    else:
        read_rows(Path(p).read_bytes(), Path(p).name)
        pages += getattr(Image.open(p), "n_frames", 1)
work = cpu() - t0
status = Path("/proc/self/status").read_text()
hwm = int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("VmHWM:")))
print(work, pages, hwm, t0)
"""


def _span(rss: list[int]) -> str:
    """The range of peak RSS figures (MB) of one side's runs."""
    return f"{min(rss) / 1024:.0f}–{max(rss) / 1024:.0f}" if len(rss) > 1 else ""


def _cost(mode: str, paths: list[Path]) -> tuple[float, int, int, float]:
    """CPU seconds on the pages, pages, peak RSS (KiB) and start-up CPU of one fresh child."""
    env = {**os.environ, "JIXIAO_OCR_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, *map(str, paths)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    if mode == "profile":
        print(done.stderr)
    out = done.stdout.split()
    return float(out[0]), int(out[1]), int(out[2]), float(out[3])


_FIELDS = ("level1", "level2", "name", "operator", "value", "unit", "weight")


def _operators_and_flags(golden: Path, produced: dict[str, list[dict[str, Any]]]) -> Counter[str]:
    """Per defect: rows with a printed operator, those read back with it; flags raised/right."""
    cases = json.loads((golden / "cases.json").read_text(encoding="utf-8"))
    c: Counter[str] = Counter()
    for stem, meta in cases.items():
        kind = meta["layout"]
        exp = [json.loads(x) for x in (golden / "expected" / f"{stem}.jsonl").open()]
        got = produced.get(stem, [])
        for fp in align_forms(exp, got):
            e, a = fp[0], fp[1]
            if e is None:
                continue
            ef = exp[e] if isinstance(e, int) else e
            af = (got[a] if isinstance(a, int) else a) if a is not None else {"indicators": []}
            pairs = align_indicators(ef["indicators"], af["indicators"])
            for ip in pairs:
                x, y = ip[0], ip[1]
                if x is None:
                    continue
                xi = ef["indicators"][x] if isinstance(x, int) else x
                yi = (af["indicators"][y] if isinstance(y, int) else y) if y is not None else {}
                if xi.get("operator"):
                    c[f"{kind}.ops"] += 1
                    c[f"{kind}.ops_ok"] += yi.get("operator") == xi["operator"]
                want = set(xi.get("flags") or [])
                wrong = any(xi.get(k) != yi.get(k) for k in _FIELDS)
                c[f"{kind}.wrong"] += wrong
                c[f"{kind}.wrong_flagged"] += wrong and bool(set(yi.get("flags") or []) - want)
                for f in yi.get("flags") or []:
                    c[f"{kind}.flags"] += 1
                    # ocr_low_confidence is a warning, not a defect of the source: it is right
                    # when the row it is on was in fact misread, wrong on a row read right.
                    c[f"{kind}.flags_ok"] += f in want or (f == "ocr_low_confidence" and wrong)
    return c


def run(
    out: Path,
    forms: int,
    seed: int,
    defects: tuple[str, ...],
    cost_pages: int,
    cost_defects: tuple[str, ...] = ("plain",),
    profile: bool = False,
    repeats: int = 1,
) -> int:
    t0 = time.perf_counter()
    write_scan_set(out, forms, seed, defects)
    print(f"{forms} forms per defect, seed {seed}; rendered in {time.perf_counter() - t0:.0f} s")
    produced: dict[str, list[dict[str, Any]]] = {}
    producer = make_producer("rules", "none")

    def keep(path: Path) -> Any:
        forms_, rejects = producer(path)
        produced[path.stem] = list(forms_)
        return forms_, rejects

    t0 = time.perf_counter()
    res = run_eval(out, keep, stage="rules")  # type: ignore[arg-type]
    print(f"scored in {time.perf_counter() - t0:.0f} s\n")
    extra = _operators_and_flags(out, produced)
    print("| defect | end-to-end indicator acc | header acc | forms found/expected "
          "| operator recall | flag precision (raised) | misread rows flagged |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind in defects:
        s = res.layouts.get(kind)
        if s is None:
            continue
        m = s.metrics("x")
        ops, flags = extra[f"{kind}.ops"], extra[f"{kind}.flags"]
        op_recall = f"{extra[f'{kind}.ops_ok'] / ops:.3f}" if ops else "–"
        flag_p = f"{extra[f'{kind}.flags_ok'] / flags:.3f} ({flags})" if flags else "– (0)"
        ind = m.get("x.fields.indicator")
        head = m.get("x.fields.form")
        print(
            f"| {kind} | {'–' if ind is None else f'{ind:.3f}'} "
            f"| {'–' if head is None else f'{head:.3f}'} "
            f"| {s.forms_found}/{s.forms_expected} | {op_recall} | {flag_p} "
            f"| {extra[f'{kind}.wrong_flagged']}/{extra[f'{kind}.wrong']} |"
        )
    if cost_pages:
        print("\n| defect | pages | RapidOCR alone CPU s/page | jixiao CPU s/page | CPU ratio "
              "| RapidOCR peak RSS MB | jixiao peak RSS MB | RSS ratio |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for kind in cost_defects:
            paths = sorted((out / "inputs").glob(f"scan_{kind}_*"))[:cost_pages]
            if not paths:
                continue
            raw_cpu, pages, rss, raw_start = _cost("raw", paths)
            our_cpu, _, rss2, our_start = _cost("jixiao", paths)
            raw_rsss, our_rsss = [rss], [rss2]
            for _ in range(repeats - 1):
                cpu, _, rss, _ = _cost("raw", paths)
                raw_cpu, raw_rsss = min(raw_cpu, cpu), [*raw_rsss, rss]
                cpu, _, rss, _ = _cost("jixiao", paths)
                our_cpu, our_rsss = min(our_cpu, cpu), [*our_rsss, rss]
            raw_rss, our_rss = statistics.median(raw_rsss), statistics.median(our_rsss)
            if profile:
                _cost("profile", paths[:1])
            print(
                f"| {kind} | {pages} | {raw_cpu / pages:.2f} | {our_cpu / pages:.2f} "
                f"| **{our_cpu / raw_cpu:.2f}×** | {raw_rss / 1024:.0f} | {our_rss / 1024:.0f} "
                f"| **{our_rss / raw_rss:.2f}×** |"
            )
            print(f"|  | (start-up CPU s: RapidOCR {raw_start:.2f}, jixiao {our_start:.2f}) "
                  f"| | | | {_span(raw_rsss)} | {_span(our_rsss)} | |")  # fmt: skip
        print("(one fresh child process per cell pair, 1 onnxruntime thread; CPU: the child's "
              f"user+system time on its pages, least of {repeats} run(s) a side; RSS: the "
              f"child's VmHWM, median of {repeats} run(s) a side, range under it)")  # fmt: skip
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--forms", type=int, default=3, help="forms per defect (3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--defects", default="all")
    ap.add_argument("--cost-pages", type=int, default=3, help="plain pages timed (0: skip)")
    ap.add_argument(
        "--cost-defects", default="plain", help="defect kinds timed ('all' or a list; plain)"
    )
    ap.add_argument(
        "--cost-repeats", type=int, default=1, help="runs a side; the least CPU is kept (1)"
    )
    ap.add_argument("--keep", type=Path, help="write the set here and keep it")
    ap.add_argument(
        "--profile", action="store_true", help="cProfile jixiao's read of one page per kind timed"
    )
    args = ap.parse_args(argv)
    defects = parse_defects(args.defects)
    timed = tuple(d for d in parse_defects(args.cost_defects) if d in defects)
    repeats = max(1, args.cost_repeats)
    if args.keep is not None:
        return run(
            args.keep, args.forms, args.seed, defects, args.cost_pages, timed, args.profile, repeats
        )
    with tempfile.TemporaryDirectory(prefix="jixiao-scans-") as tmp:
        return run(
            Path(tmp), args.forms, args.seed, defects, args.cost_pages, timed, args.profile, repeats
        )


if __name__ == "__main__":
    sys.exit(main())
