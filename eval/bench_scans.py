"""Scans (issue 15): accuracy per paper defect, and OCR cost against raw RapidOCR.

Usage:
    python eval/bench_scans.py                        # 3 forms per defect (quick)
    python eval/bench_scans.py --forms 20 --keep /tmp/scans
    python eval/bench_scans.py --defects seal,two_pages --forms 5
    python eval/bench_scans.py --cost-defects all --cost-pages 2   # CPU/RSS per defect kind

Writes ``jixiao.synth.scans`` cases (exact truth) and prints, per defect kind: end-to-end
indicator accuracy (every field of every expected row; missed rows wrong), header accuracy,
operator recall (rows whose printed operator is ≥ ≤ = < >: how many come back with it),
flag precision (the truth of a clean scanned form has no flags: a flag counts as right when
the truth has it, or when it is ``ocr_low_confidence`` on a row that was in fact misread) and
how many misread rows carry a flag; then, per defect kind timed (``--cost-defects``), CPU
seconds per page of jixiao's whole read (``readers.read_rows``: seals, pen, orientation,
perspective, deskew, OCR, ruling, glyphs) against RapidOCR alone on the same page with the
same thread count, and peak RSS of each, measured in child processes.
"""

from __future__ import annotations

import argparse
import json
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

_CHILD = r"""
import resource, sys, time
from pathlib import Path
mode, paths = sys.argv[1], sys.argv[2:]
from PIL import Image, ImageSequence
import numpy as np
from jixiao.ingest.readers import ocr, read_rows
ocr.engine()
pages = 0
t0 = time.process_time()
for p in paths:
    if mode == "raw":
        for frame in ImageSequence.Iterator(Image.open(p)):
            gray = np.asarray(frame.convert("L"))
            ocr.engine()(np.stack([gray] * 3, axis=-1))
            pages += 1
    else:
        read_rows(Path(p).read_bytes(), Path(p).name)
        pages += getattr(Image.open(p), "n_frames", 1)
cpu = time.process_time() - t0
print(cpu, pages, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _cost(mode: str, paths: list[Path]) -> tuple[float, int, int]:
    """CPU seconds, pages and peak RSS (KiB) of one child process reading ``paths``."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, *map(str, paths)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


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
        print("\n| defect | pages | RapidOCR alone s/page | jixiao s/page | CPU ratio "
              "| RapidOCR peak RSS MB | jixiao peak RSS MB | RSS ratio |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for kind in cost_defects:
            paths = sorted((out / "inputs").glob(f"scan_{kind}_*"))[:cost_pages]
            if not paths:
                continue
            raw_cpu, pages, raw_rss = _cost("raw", paths)
            our_cpu, _, our_rss = _cost("jixiao", paths)
            print(
                f"| {kind} | {pages} | {raw_cpu / pages:.2f} | {our_cpu / pages:.2f} "
                f"| **{our_cpu / raw_cpu:.2f}×** | {raw_rss / 1024:.0f} | {our_rss / 1024:.0f} "
                f"| **{our_rss / raw_rss:.2f}×** |"
            )
        print("(CPU: process time of one child process per column, 1 onnxruntime thread)")
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
    ap.add_argument("--keep", type=Path, help="write the set here and keep it")
    args = ap.parse_args(argv)
    defects = parse_defects(args.defects)
    timed = tuple(d for d in parse_defects(args.cost_defects) if d in defects)
    if args.keep is not None:
        return run(args.keep, args.forms, args.seed, defects, args.cost_pages, timed)
    with tempfile.TemporaryDirectory(prefix="jixiao-scans-") as tmp:
        return run(Path(tmp), args.forms, args.seed, defects, args.cost_pages, timed)


if __name__ == "__main__":
    sys.exit(main())
