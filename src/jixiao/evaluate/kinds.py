"""A synthetic set's accuracy split by what was done to each row (``jixiao synth`` writes the
plan of every form to ``perturbations/<case>.jsonl``): how each kind of messy cell fares."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jixiao.evaluate.score import SCORED_FORM_FIELDS, SCORED_INDICATOR_FIELDS, EvalResult

#: Kinds that must leave every field right and raise no flag.
NOISE_KINDS = frozenset({"ocr_noise", "wrap"})


@dataclass
class KindScore:
    """Indicator rows of one perturbation key: fields right, and rows whose flags are exact."""

    rows: int = 0
    fields: int = 0
    wrong: int = 0
    flags_exact: int = 0

    @property
    def accuracy(self) -> float | None:
        return (self.fields - self.wrong) / self.fields if self.fields else None

    @property
    def flag_rate(self) -> float | None:
        return self.flags_exact / self.rows if self.rows else None


def kind_key(form_kinds: Sequence[str], row_kinds: Sequence[str]) -> str:
    """``clean``, ``truncate``, ``wrap+truncate``, ``weight_copy+value_in_name`` …"""
    return "+".join([*form_kinds, *row_kinds]) or "clean"


def score_by_kind(result: EvalResult, golden_dir: Path) -> dict[str, KindScore]:
    """Split a run's indicator-field accuracy by what was done to each row.

    Besides one entry per perturbation key there are ``unflagged`` (rows whose truth has no
    flag: clean, OCR noise, wrap), ``perturbed`` (the rest) and ``header`` (form fields).
    Reads ``perturbations/<case>.jsonl``; needs every mismatch of a case in the report, which
    holds for files of a few dozen forms.
    """
    width = len(SCORED_INDICATOR_FIELDS)
    out: dict[str, KindScore] = {}
    for name, case in result.cases.items():
        if case.mismatches_total > len(case.mismatches):
            raise ValueError(f"case {name}: mismatches were capped; use smaller files")
        sidecar = golden_dir / "perturbations" / f"{name}.jsonl"
        plans = [json.loads(ln) for ln in sidecar.read_text(encoding="utf-8").splitlines() if ln]
        wrong: Counter[tuple[int, int]] = Counter()
        bad_flags: set[tuple[int, int]] = set()
        missing_forms: set[int] = set()
        header = out.setdefault("header", KindScore())
        header.rows += len(plans)
        header.fields += len(plans) * len(SCORED_FORM_FIELDS)
        for m in case.mismatches:
            if m.get("kind") == "missing_form":
                missing_forms.add(int(m["form"]))
                header.wrong += len(SCORED_FORM_FIELDS)
            elif m.get("kind") == "missing_row":
                wrong[(m["form"], m["indicator"])] += width
                bad_flags.add((m["form"], m["indicator"]))
            elif "indicator" in m and m.get("field") == "flags":
                bad_flags.add((m["form"], m["indicator"]))
            elif "indicator" in m and m.get("field"):
                wrong[(m["form"], m["indicator"])] += 1
            elif m.get("field"):
                header.wrong += 1
        for plan in plans:
            f = int(plan["form"])
            for k, row_kinds in enumerate(plan["rows"]):
                key = kind_key(plan["form_kinds"], row_kinds)
                clean = set(plan["form_kinds"]) | set(row_kinds) <= NOISE_KINDS
                n_wrong = width if f in missing_forms else wrong[(f, k)]
                exact = f not in missing_forms and (f, k) not in bad_flags
                for bucket in (key, "unflagged" if clean else "perturbed"):
                    s = out.setdefault(bucket, KindScore())
                    s.rows += 1
                    s.fields += width
                    s.wrong += n_wrong
                    s.flags_exact += exact
    return dict(sorted(out.items()))
