"""Glued OCR text fixtures: golden forms printed, scanned, read by real RapidOCR, kept as text.

Why: forms are often published (or passed on) as the plain text an OCR engine gave for a scan,
with every trace of the table gone. This script makes such text with exact truth: each chosen
golden form is drawn as ``jixiao synth --scans`` draws a ``plain`` scan (``scans.scan_pages``:
the PDF rasterised at 200 dpi, slightly turned, blurred, noised, JPEG'd), read by RapidOCR with
its default settings (``text_score`` 0.5, as a site publishing OCR output would run it), and
the recognised boxes are written out the ways OCR text is published:

* ``boxes``: one recognised box per line, in reading order (top to bottom, left to right);
* ``spaced``: the boxes of one visual line joined by a space, a line per visual line;
* ``glued``: the same lines joined with nothing between the boxes.

A visual line is the run of boxes (sorted by centre height) whose centres fall inside the
line's vertical extent; a line's boxes are ordered left to right. Pages follow each other.

The expected record is the golden record, changed **only** where the OCR text verifiably lacks
what the truth holds. Each indicator's table row is the band between two of the table's row
rules (found on the clean page) that holds the box its name starts with; the row's text is
every box whose centre falls in that band. The rules, each applied by reading that text:

1. operator: no operator in the row's text (no ``≥ ≤ > < = ＝`` and no operator word such as
   ``大于等于``): RapidOCR dropped the lone symbol, so the operator is null. A ``≥`` read as
   letters (``IV``, ``N``) is no operator either: the text does not say ``≥``. An operator read
   as another operator (``≤`` read ``<``) is left as the truth (the text is wrong, not short).
2. unit: the truth's unit printed nowhere in the row's text (a lone ``%`` dropped): the unit is
   null, and a quantitative target then has ``unit_missing``, as the schema says of a source
   with no unit.
3. weight: the weight's number not among the row's boxes right of the name: the weight is null.
4. value: the target's number (or word) not in the row's text and no other box right of the
   name but the operator, unit and weight: the value is null, ``value_kind`` null and
   ``value_missing`` added. A value misread (``98`` read ``86``) is left as the truth.
5. header fields: a field's value (budget numbers included) that is in none of the page's
   boxes once spaces are removed is null (a short box such as ``0`` dropped).

Every change is printed (``--explain``) and counted in ``cases.json`` (``truth_changes``), so a
reviewer can check it against the text. Nothing is ever taken from the parser's output.

Usage::

    PYTHONPATH=src python eval/make_ocr_text.py                  # writes tests/fixtures/ocr_text
    PYTHONPATH=src python eval/make_ocr_text.py --cache /tmp/ocrbox --explain

``--cache DIR`` keeps the OCR boxes of each form (RapidOCR takes ~10 s a page on one core), so
the text and truth can be rewritten without reading the pages again.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from jixiao.synth import render, scans

ROOT = Path(__file__).resolve().parent.parent
#: (golden case, form index, short name): seeds of each layout and real samples that render,
#: with and without level columns, long and short names, one- and two-page forms.
FORMS: tuple[tuple[str, int, str], ...] = (
    ("000_a0fb249f9976cb71", 0, "s000"),
    ("002_c08962188973ce9f", 0, "s002"),
    ("003_31a80ca4d7398804", 9, "s003"),
    ("004_5de54c583fead5ac", 2, "s004"),
    ("real_hs22_dangxiao", 0, "hs22"),
    ("real_gz23_food", 0, "gz23"),
)
VARIANTS: tuple[str, ...] = ("boxes", "spaced", "glued")
SEED = 1
_OPERATOR = re.compile(r"[≥≤><=＝]|大于|小于|等于|不低于|不高于|不少于|不超过|不多于|以上|以下")
_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]+")
#: Headings of the name column: the table starts below them.
_NAME_HEADINGS = frozenset({"三级指标", "级指标", "指标名称", "绩效指标"})
_HEADER_FIELDS = (
    "title",
    "project_name",
    "department",
    "implementing_unit",
    "compiling_unit",
    "period_start",
    "period_end",
    "duration",
)


@dataclass(frozen=True)
class Box:
    """One recognised box: pixel rectangle on its page, text, score."""

    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    score: float

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)


def read_form(record: dict[str, Any], seed: int, engine: Any) -> tuple[list[Box], list[list[int]]]:
    """The OCR boxes of a form scanned as ``plain``, and each page's row rules (clean page)."""
    import numpy as np

    boxes: list[Box] = []
    clean = render.rasterise(render.to_pdf([record]), scans.DPI)
    rules = [scans._rules(page) for page in clean]
    for k, page in enumerate(scans.scan_pages(record, "plain", seed)):
        gray = np.asarray(page.convert("L"))
        result, _ = engine(np.stack([gray] * 3, axis=-1))
        for quad, text, score in result or []:
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            text = str(text).strip()
            if text:
                boxes.append(Box(k, min(xs), min(ys), max(xs), max(ys), text, float(score)))
    return boxes, rules


def visual_lines(boxes: Sequence[Box]) -> list[list[Box]]:
    """Boxes grouped into visual lines, top to bottom, each line left to right."""
    lines: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: (b.page, b.cy)):
        line = lines[-1] if lines else None
        if (
            line
            and line[0].page == box.page
            and min(b.top for b in line) <= box.cy <= max(b.bottom for b in line)
        ):
            line.append(box)
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def text_of(boxes: Sequence[Box], variant: str) -> str:
    """The OCR text as published in ``variant``."""
    lines = visual_lines(boxes)
    if variant == "boxes":
        out = [b.text for line in lines for b in line]
    else:
        sep = " " if variant == "spaced" else ""
        out = [sep.join(b.text for b in line) for line in lines]
    return "\n".join(out) + "\n"


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def _word(text: str) -> str:
    """Letters, digits and CJK only: OCR turns ``:`` into ``：`` and drops spaces."""
    return _NON_WORD.sub("", text)


def _table_start(boxes: Sequence[Box]) -> tuple[int, float]:
    """Where the indicator table's heading stands (its name column's heading box)."""
    for box in sorted(boxes, key=lambda b: (b.page, b.top)):
        if _word(box.text) in _NAME_HEADINGS:
            return box.page, box.cy
    return -1, -1.0


def _row_band(
    name: str, boxes: Sequence[Box], rules: list[list[int]], after: tuple[int, float]
) -> tuple[int, int, int] | None:
    """The (page, top rule, bottom rule) of the table row below ``after`` whose first box
    starts the name (or is the name's first piece); ``None`` when no box does."""
    key = _word(name)
    for box in sorted(boxes, key=lambda b: (b.page, b.top)):
        if (box.page, box.cy) <= after:
            continue
        text = _word(box.text)
        if len(text) >= 2 and (key.startswith(text) or text.startswith(key[:8])):
            page_rules = rules[box.page]
            above = [r for r in page_rules if r <= box.cy]
            below = [r for r in page_rules if r > box.cy]
            if above and below:
                return box.page, above[-1], below[0]
    return None


def adjust(
    record: dict[str, Any], boxes: Sequence[Box], rules: list[list[int]]
) -> tuple[dict[str, Any], list[str]]:
    """The record the OCR text supports (rules 1–5 of the module docstring), and the changes."""
    from jixiao.grammar import fmt_number

    rec = copy.deepcopy(record)
    changes: list[str] = []
    lines = visual_lines(boxes)
    joined = "".join(_squash(b.text) for line in lines for b in line)
    spaced = " ".join(_squash(b.text) for line in lines for b in line)
    for field in _HEADER_FIELDS:
        value = rec.get(field)
        text = value if isinstance(value, str) else ""
        if text and _squash(text) not in joined and not _pieces_present(text, boxes):
            changes.append(f"{field}: {value!r} not in the text -> null")
            rec[field] = None
    amounts = [("budget_total", rec.get("budget_total"))]
    amounts += [(label, v) for label, v in (rec.get("budget_breakdown") or {}).items()]
    for label, amount in amounts:
        if isinstance(amount, (int, float)) and not _number_in(fmt_number(amount), spaced):
            changes.append(f"{label} {amount} not in the text -> null")
            if label == "budget_total":
                rec["budget_total"] = None
            else:
                rec["budget_breakdown"][label] = None
    after = _table_start(boxes)
    for n, ind in enumerate(rec["indicators"]):
        band = _row_band(ind["name_raw"] or ind["name"] or "", boxes, rules, after)
        if band is None:
            changes.append(f"indicator {n} {ind['name_raw']!r}: row not found, kept")
            continue
        page, top, bottom = band
        after = (page, float(top))
        row = [b for b in boxes if b.page == page and top < b.cy < bottom]
        after = (page, float(bottom) - 1)
        text = "".join(_squash(b.text) for b in sorted(row, key=lambda b: b.x0))
        where = f"indicator {n} {ind['name_raw']!r}"
        if ind["operator"] and not _OPERATOR.search(text):
            changes.append(f"{where}: no operator in {text!r} -> operator null")
            ind["operator"] = None
        if ind["unit"] and not _unit_present(ind["unit"], text):
            changes.append(f"{where}: unit {ind['unit']!r} not in {text!r} -> null")
            ind["unit"] = None
            if ind["value_kind"] == "quantitative" and "unit_missing" not in ind["flags"]:
                ind["flags"].append("unit_missing")
        name_x1 = max((b.x1 for b in row if _squash(ind["name_raw"] or "")[:4] in _squash(b.text)),
                      default=0.0)  # fmt: skip
        if isinstance(ind["weight"], (int, float)):
            mark = fmt_number(ind["weight"])
            if not any(b.x0 > name_x1 and mark in _squash(b.text) for b in row):
                changes.append(f"{where}: weight {mark} not in {text!r} -> null")
                ind["weight"] = None
        value = ind["value"]
        if value is not None:
            mark = fmt_number(value) if isinstance(value, (int, float)) else _squash(str(value))
            rest = text.replace(_squash(ind["name_raw"] or ""), "", 1)
            others = [
                b.text
                for b in row
                if b.x0 > name_x1
                and _squash(b.text) != fmt_number(ind["weight"] or -1)
                and _squash(b.text) not in {w for w, _ in _unit_spellings()}
                and not _OPERATOR.fullmatch(_squash(b.text))
            ]
            if mark in rest:
                pass
            elif others:
                changes.append(f"{where}: value {mark!r} misread as {others}, kept")
            else:
                changes.append(f"{where}: value {mark!r} not in {text!r} -> null")
                ind["value"] = None
                ind["value_kind"] = None
                if "value_missing" not in ind["flags"]:
                    ind["flags"].append("value_missing")
    return rec, changes


def _number_in(mark: str, text: str) -> bool:
    """``mark`` stands in ``text`` as a whole number (not inside ``1000`` or ``2.5``)."""
    return re.search(rf"(?<![\d.]){re.escape(mark)}(?![\d]|\.\d)", text) is not None


def _pieces_present(value: str, boxes: Sequence[Box]) -> bool:
    """A value wrapped in its cell: every box of it present in order, other text between."""
    key = _squash(value)
    pos = 0
    for line in visual_lines(boxes):
        for b in line:
            t = _squash(b.text)
            if t and key.startswith(t, pos):
                pos += len(t)
                if pos >= len(key):
                    return True
    return False


def _unit_present(unit: str, text: str) -> bool:
    spellings = {unit} | {raw for raw, canon in _unit_spellings() if canon == unit}
    return any(s in text for s in spellings)


def _unit_spellings() -> list[tuple[str, str]]:
    from jixiao.grammar import canon_unit

    words = ["%", "％", "百分比", "平方米", "㎡", "万元", "元", "次", "人", "人次", "个", "件",
             "天", "年", "月", "日", "家", "户", "项", "场", "所", "辆", "台", "公里", "亩"]  # fmt: skip
    return [(w, canon_unit(w) or w) for w in words]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "fixtures" / "ocr_text")
    ap.add_argument("--golden", type=Path, default=ROOT / "golden")
    ap.add_argument("--cache", type=Path, help="keep / reuse the OCR boxes here")
    ap.add_argument("--explain", action="store_true", help="print every truth change")
    args = ap.parse_args(argv)
    engine = None
    (args.out / "inputs").mkdir(parents=True, exist_ok=True)
    (args.out / "expected").mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {}
    for case, index, short in FORMS:
        records = render.load_records(args.golden / "expected" / f"{case}.jsonl")
        record = records[index]
        cached = args.cache / f"{short}.json" if args.cache else None
        if cached and cached.exists():
            data = json.loads(cached.read_text(encoding="utf-8"))
            boxes = [Box(**b) for b in data["boxes"]]
            rules = data["rules"]
        else:
            engine = engine or _engine()
            boxes, rules = read_form(record, SEED, engine)
            if cached:
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_text(
                    json.dumps(
                        {"boxes": [asdict(b) for b in boxes], "rules": rules}, ensure_ascii=False
                    ),  # fmt: skip
                    encoding="utf-8",
                )
        truth, changes = adjust(record, boxes, rules)
        if args.explain:
            for c in changes:
                print(f"{short}: {c}", file=sys.stderr)
        for variant in VARIANTS:
            name = f"ocr_{short}_{variant}"
            (args.out / "inputs" / f"{name}.txt").write_text(
                text_of(boxes, variant), encoding="utf-8"
            )
            (args.out / "expected" / f"{name}.jsonl").write_text(
                json.dumps(truth, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            meta[name] = {
                "layout": f"ocr_text_{variant}",
                "source": "ocr-text",
                "from": f"{case}#{index}",
                "truth_changes": len(changes),
            }
    (args.out / "cases.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"{len(meta)} cases written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
