"""Per-format field accuracy of the document readers, and OCR seconds per page on one core.

Usage:
    python eval/bench_readers.py                              # every format, every golden case
    python eval/bench_readers.py --formats docx,pdf           # some formats
    python eval/bench_readers.py --ocr-forms 2                # OCR: first 2 forms of each case
    python eval/bench_readers.py --json eval/reports/readers.json

Every golden record is rendered to each format (``jixiao.synth.render``), read back through
``jixiao.ingest.readers.read`` and ``jixiao.pipeline.normalize_rows`` (parse stage, no repair), and
scored against the truth with the eval harness's own ``score_case``. The row ``ideal`` feeds
the parser the rows a perfect reader would emit, so ``ideal`` minus a format is what that
reader loses; ``ideal`` itself is bounded by the parser (truncated names stay truncated).

The run is pinned to one CPU and OCR to one onnxruntime thread. ``s/page`` is read plus
parse time over the rendered pages (PDF pages, TIFF frames); a .docx/.xlsx/.html file counts
as one page. ``ocr flagged`` is indicators carrying ``ocr_low_confidence`` / indicators read;
``wrong op, unflagged`` counts operators that are wrong, not null, and carry no flag.
OCR formats read only the first ``--ocr-forms`` forms of each case, to keep a run in minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OCR_FORMATS = ("png", "jpeg", "tiff", "pdf_scan")
DEFAULT_FORMATS = ("ideal", "docx", "xlsx", "html", "pdf", "pdf_plain", "tiff", "pdf_scan")
FIELDS = ("name_raw", "level1", "level2", "operator", "value", "unit", "weight")


def pages_of(data: bytes, fmt: str) -> int:
    """Pages in a rendered file (TIFF frames, PDF pages; 1 otherwise)."""
    if fmt == "tiff":
        from PIL import Image

        with Image.open(__import__("io").BytesIO(data)) as img:
            return int(getattr(img, "n_frames", 1))
    if fmt in ("pdf", "pdf_plain", "pdf_scan"):
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(data)
        try:
            return len(doc)
        finally:
            doc.close()
    return 1


def run(formats: list[str], cases: list[str] | None, ocr_forms: int) -> dict[str, Any]:
    from jixiao import defects
    from jixiao.evaluate.score import (
        SCORED_FORM_FIELDS,
        SCORED_INDICATOR_FIELDS,
        Score,
        score_case,
    )
    from jixiao.ingest import readers
    from jixiao.ingest.readers import ocr
    from jixiao.pipeline import normalize_rows
    from jixiao.synth import render

    paths = [
        p
        for p in sorted((ROOT / "golden" / "expected").glob("*.jsonl"))
        if not p.name.endswith(".review.jsonl")
        and (not cases or any(p.stem.startswith(c) for c in cases))
    ]
    report: dict[str, Any] = {}
    if any(f in OCR_FORMATS for f in formats):
        ocr.engine()  # model load is not page time
    for fmt in formats:
        total = Score()
        seconds = 0.0
        pages = 0
        flagged = 0
        guessed = 0
        indicators = 0
        errors: list[str] = []
        for path in paths:
            records = render.load_records(path)
            if fmt in OCR_FORMATS:
                records = records[:ocr_forms]
            if fmt == "ideal":
                rows, layout, text = render.ideal_rows(records), "ideal", None
                start = time.perf_counter()
            else:
                data = render.render(records, fmt)
                pages += pages_of(data, fmt)
                start = time.perf_counter()
                try:
                    rows, layout, text = readers.read(data, path.stem)
                except Exception as exc:  # a reader failure is a result here, not a crash
                    errors.append(f"{path.stem}: {exc}")
                    total.merge(score_case(records, []).score)
                    continue
            result = normalize_rows(rows, path.stem, None, layout, text)
            ocr.annotate(result, rows)
            flagged += defects.ocr_confidence(result.forms, rows)
            seconds += time.perf_counter() - start
            indicators += sum(len(f.indicators) for f in result.forms)
            case = score_case(records, [f.contract() for f in result.forms])
            total.merge(case.score)
            for miss in case.mismatches:
                if miss.get("field") != "operator" or "actual_indicator" not in miss:
                    continue
                got = result.forms[miss["actual_form"]].indicators[miss["actual_indicator"]]
                if got.operator is not None and "ocr_low_confidence" not in got.flags:
                    guessed += 1  # a wrong operator nothing warns about
        report[fmt] = {
            "forms": f"{total.forms_matched}/{total.forms_expected}",
            "header": total.group_accuracy(SCORED_FORM_FIELDS).value,
            "indicator": total.group_accuracy(SCORED_INDICATOR_FIELDS).value,
            "fields": {f: total.fields[f].value for f in FIELDS},
            "seconds": seconds,
            "pages": pages,
            "s_per_page": seconds / pages if pages else None,
            "ocr_flagged": f"{flagged}/{indicators}" if fmt in OCR_FORMATS else None,
            "wrong_operator_unflagged": guessed,
            "errors": errors,
        }
        print(_line(fmt, report[fmt]), flush=True)
    return report


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.1f}"


def _line(fmt: str, r: dict[str, Any]) -> str:
    cells = [
        fmt,
        r["forms"],
        _pct(r["header"]),
        _pct(r["indicator"]),
        *(_pct(r["fields"][f]) for f in FIELDS),
        f"{r['s_per_page']:.2f}" if r["s_per_page"] is not None else "—",
        r["ocr_flagged"] or "—",
        str(r["wrong_operator_unflagged"]),
    ]
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--formats", default=",".join(DEFAULT_FORMATS))
    parser.add_argument("--cases", default="", help="comma-separated case-name prefixes")
    parser.add_argument("--ocr-forms", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("JIXIAO_OCR_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    sys.path.insert(0, str(ROOT / "src"))
    head = ["format", "forms", "header %", "indicator %", *[f"{f} %" for f in FIELDS]]
    head += ["s/page", "ocr flagged", "wrong op, unflagged"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    formats = [f for f in args.formats.split(",") if f]
    cases = [c for c in args.cases.split(",") if c] or None
    report = run(formats, cases, args.ocr_forms)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
