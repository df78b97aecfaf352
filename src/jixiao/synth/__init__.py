"""Synthetic golden sets with exact truth, for volume evals and benchmarks (``jixiao synth``).

The five seeds are all the labelled text there is, and hand labelling does not scale, so this
module makes more: clean forms are recombined from the seeds' golden records (only indicators
that carry no flag and have every field), rendered in the text shape of each seed layout, and
perturbed in known ways at controlled rates. Because every defect is put in on purpose, the
truth is known exactly and is written beside the input, in the contract's golden-set layout::

    <out>/inputs/<case>.txt           one layout per case, ``forms_per_file`` forms per file
    <out>/expected/<case>.jsonl       the truth, one contract record per form
    <out>/perturbations/<case>.jsonl  what was done to each form and row (for per-kind scores)
    <out>/cases.json                  case -> {"layout", "source": "synth", "forms", counts}

Output is written case by case, so 100,000 forms never sit in memory.

Layouts (one module each in ``jixiao.synth.layouts``, a ``SeedLayout`` the builder of
``jixiao.synth.builder`` calls; they write the same text shapes the seeds use, so the real
parser reads them):

* ``cell_per_line``: docx dump, one tab-indented cell per line, blank line between rows (000–002);
* ``pdf_tab7``: tab-separated PDF dump, 7 indicator columns plus the caption column (003);
* ``ocr_4col``: tab-separated OCR dump, 4 columns, merged level cells, ``指标N:`` names, values
  like ``≤20万元`` (004).

Perturbations and the truth they produce (at stage ``rules``):

============== ===================== =====================================================
kind           layouts               truth
============== ===================== =====================================================
truncate       pdf_tab7              cut mid-word at a cell width (5 or 10): name_truncated;
                                     name = the full name when the file prints it elsewhere
                                     (another row, or the overview, where it is put on
                                     purpose for half the cuts), else null with the full
                                     name as an alternative
wrap (form)    pdf_tab7              a blank every 5 characters next to CJK text: no flag,
                                     the name comes back without blanks
unit_invalid   cell_per_line, pdf    a number in the unit cell: unit_invalid, unit null
unit_blank     cell_per_line, pdf    no unit for a number: unit_missing, unit null
value_blank    all                   no target: value_missing, value null
value_in_name  all                   the target moved into the name (``满意度90%``):
                                     value_in_name; name without it, value from it
category_op    cell_per_line         产出/效益/满意度 in the operator column:
                                     category_in_operator, operator null, level1 from it
weight_copy    cell_per_line, pdf    (whole form) every value cell holds the weight:
  (form)                             value_suspect + value_missing, or the value from the
                                     name where the name carries it (value_in_name)
column_shift   ocr_4col              the row's cells slid a column left or right:
                                     column_shift, fields as printed
ocr_noise      all                   ``％``, full-width digits, ``＞＝``/``＜＝``/``＝``: no flag,
                                     the same values
============== ===================== =====================================================

``web_noise`` (``jixiao synth --web-noise``) prints every form on a page (file) of its own, seed layouts
unperturbed and renderings as their modules print them, and wraps each in the chrome of a
scraped government web page (breadcrumb, byline, notice, allocation table, footer:
``jixiao.synth.web_page``); chrome adds no form, field or indicator, so the truth is the form's.

``rate`` is the share of indicator rows that get one row perturbation (kinds drawn by fixed
weights per layout); a form is weight-copied with probability ``rate / 3`` and a PDF form is
wrapped with probability ``rate``. Everything is drawn from ``random.Random`` seeded per case,
so a seed gives the same files byte for byte.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.synth import web_page
from jixiao.synth.builder import KIND_FLAGS, Builder
from jixiao.synth.forms import SynthForm, cut_widths, resolve_truncations, wrap_text
from jixiao.synth.layouts import SEED_LAYOUTS
from jixiao.synth.pool import DEFAULT_GOLDEN, Item, Pool, load_pool
from jixiao.synth.renderings import RENDERINGS, build

__all__ = [
    "DEFAULT_GOLDEN", "FORMS_PER_FILE", "KIND_FLAGS", "LAYOUTS", "ROW_KINDS", "Item", "Pool",
    "SynthCase", "SynthSummary", "cut_widths", "generate", "iter_cases", "load_pool",
    "parse_layouts", "rendering_names", "wrap_text",
]  # fmt: skip

#: The seed layouts the generator renders, with their ``cases.json`` tags.
LAYOUTS: tuple[str, ...] = tuple(SEED_LAYOUTS)
#: Row perturbations per seed layout with their relative weights.
ROW_KINDS: dict[str, dict[str, float]] = {k: dict(v.row_kinds) for k, v in SEED_LAYOUTS.items()}
FORMS_PER_FILE = 50


@dataclass
class SynthCase:
    """One output file: its name, layout, forms and rendered text."""

    name: str
    layout: str
    forms: list[SynthForm]
    rendered: tuple[str, list[dict[str, Any]]] | None = None  # unseen renderings: text, truth

    def text(self) -> str:
        if self.rendered is not None:
            return self.rendered[0]
        return SEED_LAYOUTS[self.layout].render(self.forms)

    def records(self) -> list[dict[str, Any]]:
        """The truth, one contract record per form."""
        if self.rendered is not None:
            return self.rendered[1]
        return [f.record() for f in self.forms]

    def counts(self) -> Counter[str]:
        """Perturbations applied (row kinds once per row, form kinds once per form)."""
        c: Counter[str] = Counter()
        for f in self.forms:
            c.update(f.kinds)
            for r in f.rows:
                c.update(r.kinds)
        return c


# --------------------------------------------------------------------------- generation


def rendering_names() -> tuple[str, ...]:
    """The unseen renderings of issue 13 (``jixiao.synth.renderings``)."""
    return tuple(RENDERINGS)


def parse_layouts(spec: str) -> tuple[str, ...]:
    """``all`` (seed layouts), ``renderings``, ``everything`` or a comma list → validated."""
    spec = spec.strip()
    if spec in ("", "all"):
        return LAYOUTS
    if spec == "renderings":
        return rendering_names()
    if spec == "everything":
        return LAYOUTS + rendering_names()
    known = LAYOUTS + rendering_names()
    chosen = tuple(dict.fromkeys(s.strip() for s in spec.split(",") if s.strip()))
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise ValueError(f"unknown layout(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    return chosen


def iter_cases(
    n: int,
    seed: int,
    layouts: Sequence[str] = LAYOUTS,
    rate: float = 0.3,
    forms_per_file: int = FORMS_PER_FILE,
    pool: Pool | None = None,
    web_noise: bool = False,
) -> Iterator[SynthCase]:
    """Yield the cases of a synthetic set one by one (one layout per case, round robin).

    Small sets get smaller files, so every layout has at least one case. With ``web_noise``
    every form is a file of its own, wrapped in a scraped web page's chrome
    (``jixiao.synth.web_page``); the truth is the same form's.
    """
    if n < 0 or not 0.0 <= rate <= 1.0 or forms_per_file < 1 or not layouts:
        raise ValueError("need n >= 0, 0 <= rate <= 1, forms_per_file >= 1 and a layout")
    pool = pool or load_pool()
    per_file = max(1, min(forms_per_file, math.ceil(n / len(layouts)))) if n else 1
    done = 0
    index = 0
    while done < n:
        layout = layouts[index % len(layouts)]
        count = min(per_file, n - done)
        rng = random.Random(f"jixiao-synth:{seed}:{index}")
        if web_noise:  # one page per file, as a page is scraped
            chrome = random.Random(f"jixiao-web:{seed}:{index}")
            page = _web_page(layout, pool, rng, chrome)
            yield SynthCase(f"synth_{index:05d}_{layout}", layout, [], page)
            done += 1
            index += 1
            continue
        if layout in RENDERINGS:  # an unseen rendering: its own module, its own truth
            rendered = build(layout, pool, rng, count)
            yield SynthCase(f"synth_{index:05d}_{layout}", layout, [], rendered)
            done += count
            index += 1
            continue
        builder = Builder(pool, rng, SEED_LAYOUTS[layout], rate)
        forms = [builder.form() for _ in range(count)]
        resolve_truncations(forms)
        yield SynthCase(f"synth_{index:05d}_{layout}", layout, forms)
        done += count
        index += 1


def _web_page(
    layout: str, pool: Pool, rng: random.Random, chrome: random.Random
) -> tuple[str, list[dict[str, Any]]]:
    """One form of ``layout`` wrapped in a web page's chrome: the page's text and its truth."""
    if layout in RENDERINGS:
        text, records = build(layout, pool, rng, 1)
    else:
        form = Builder(pool, rng, SEED_LAYOUTS[layout], 0.0).form()
        text, records = SEED_LAYOUTS[layout].render([form]), [form.record()]
    return web_page.wrap(text, chrome, records[0].get("title")), records


@dataclass
class SynthSummary:
    """What ``generate`` wrote."""

    out: Path
    cases: int = 0
    forms: int = 0
    indicators: int = 0
    layouts: Counter[str] = field(default_factory=Counter)
    perturbations: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)


def generate(
    n: int,
    seed: int,
    out: Path,
    layouts: Sequence[str] = LAYOUTS,
    rate: float = 0.3,
    forms_per_file: int = FORMS_PER_FILE,
    pool: Pool | None = None,
    web_noise: bool = False,
) -> SynthSummary:
    """Write a synthetic golden set of ``n`` forms to ``out`` (streaming, case by case)."""
    for sub in ("inputs", "expected", "perturbations"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    summary = SynthSummary(out=out)
    meta: dict[str, Any] = {}
    for case in iter_cases(n, seed, layouts, rate, forms_per_file, pool, web_noise):
        text = case.text()
        (out / "inputs" / f"{case.name}.txt").write_text(text, encoding="utf-8")
        records = case.records()
        _write_jsonl(out / "expected" / f"{case.name}.jsonl", records)
        plans = [
            {"form": k, "form_kinds": f.kinds, "rows": [r.kinds for r in f.rows]}
            for k, f in enumerate(case.forms)
        ] or [
            {"form": k, "form_kinds": [], "rows": [[] for _ in rec["indicators"]]}
            for k, rec in enumerate(records)
        ]
        _write_jsonl(out / "perturbations" / f"{case.name}.jsonl", plans)
        counts = case.counts()
        flags: Counter[str] = Counter(
            fl for rec in records for ind in rec["indicators"] for fl in ind["flags"]
        )
        meta[case.name] = {
            "layout": case.layout,
            "source": "synth",
            "seed": seed,
            "forms": len(records),
            "perturbations": dict(sorted(counts.items())),
        }
        summary.cases += 1
        summary.forms += len(records)
        summary.indicators += sum(len(rec["indicators"]) for rec in records)
        summary.layouts[case.layout] += len(records)
        summary.perturbations.update(counts)
        summary.flags.update(flags)
    (out / "cases.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return summary


def _write_jsonl(path: Path, records: Sequence[Mapping[str, Any]]) -> None:
    lines = (json.dumps(r, ensure_ascii=False) for r in records)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
