"""Score produced records against a golden directory: per field, per flag, per review code.

The unit of truth is the expected record. After alignment (``align.py``):

* an aligned pair scores each field right or wrong;
* an expected form or indicator with no partner is a *miss*: wrong for every field, and a false
  negative for each of its flags;
* an actual indicator with no partner is an *extra*: it cannot make a field wrong (there is no
  truth for it) but each of its flags is a false positive.

Scores add up, so the same ``Score`` type serves a case, a layout and the whole run. Flat metric
names (``overall.field.value``, ``layout.pdf_tab7.flag.name_truncated.f1``,
``case.000_x.match.indicators.recall``) are what the baseline and the history store keep; every
one of them is a ratio in 0..1 where higher is better, so "below baseline" always means worse.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jixiao.errors import InputError
from jixiao.evaluate.align import align_forms, align_indicators, is_number, norm_text, numbers_equal
from jixiao.schema import FLAGS, FORM_FIELDS, INDICATOR_FIELDS

Record = dict[str, Any]

#: A producer turns one input file into (contract form records, review finding records).
Producer = Callable[[Path], tuple[list[Record], list[Record]]]

#: Header fields scored per form (``indicators`` is scored row by row).
SCORED_FORM_FIELDS: tuple[str, ...] = tuple(f for f in FORM_FIELDS if f != "indicators")
#: Indicator fields scored per row (alternatives only widen ``name``; flags get P/R/F1).
SCORED_INDICATOR_FIELDS: tuple[str, ...] = tuple(
    f for f in INDICATOR_FIELDS if f not in ("name_alternatives", "flags")
)
#: Free texts compared after whitespace normalisation (line wraps are not content).
LONG_TEXT_FIELDS = frozenset({"title", "overview", "basis", "annual_goal"})
#: Mismatch details kept per case in the JSON report (enough to debug, bounded in size).
MAX_MISMATCHES = 500


# --------------------------------------------------------------------------- comparisons


def values_equal(expected: Any, actual: Any) -> bool:
    """Contract-value equality: numbers within 1e-6 (int == float), dicts/lists elementwise."""
    if is_number(expected) or is_number(actual):
        return numbers_equal(expected, actual)
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            values_equal(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(
            values_equal(x, y) for x, y in zip(expected, actual, strict=True)
        )
    return type(expected) is type(actual) and bool(expected == actual)


def field_equal(name: str, expected: Mapping[str, Any], actual: Mapping[str, Any]) -> bool:
    """Is ``actual[name]`` right? ``name`` also accepts any of the golden ``name_alternatives``."""
    e, a = expected.get(name), actual.get(name)
    if name in LONG_TEXT_FIELDS and isinstance(e, str) and isinstance(a, str):
        return norm_text(e) == norm_text(a)
    if values_equal(e, a):
        return True
    if name == "name" and isinstance(a, str):
        return a in (expected.get("name_alternatives") or [])
    return False


# --------------------------------------------------------------------------- tallies


@dataclass
class Accuracy:
    """Right answers out of all answers expected."""

    correct: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.correct += int(ok)

    def merge(self, other: Accuracy) -> None:
        self.correct += other.correct
        self.total += other.total

    @property
    def value(self) -> float | None:
        return self.correct / self.total if self.total else None


@dataclass
class PRF:
    """True/false positives and false negatives of one detector (a flag or a review code).

    A ratio with an empty denominator is ``None`` (undefined), never a made-up 0 or 1;
    F1 is ``2tp / (2tp + fp + fn)``, which equals the harmonic mean whenever both are defined.
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def merge(self, other: PRF) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def add_sets(self, expected: Iterable[Any], actual: Iterable[Any]) -> None:
        e, a = set(expected), set(actual)
        self.tp += len(e & a)
        self.fp += len(a - e)
        self.fn += len(e - a)

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def predicted(self) -> int:
        return self.tp + self.fp

    @property
    def precision(self) -> float | None:
        return self.tp / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.support if self.support else None

    @property
    def f1(self) -> float | None:
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else None

    def to_json(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


def _micro(parts: Iterable[PRF]) -> PRF:
    total = PRF()
    for p in parts:
        total.merge(p)
    return total


@dataclass
class Score:
    """Everything counted for some set of cases; ``merge`` adds another set in."""

    fields: dict[str, Accuracy] = field(
        default_factory=lambda: {
            f: Accuracy() for f in (*SCORED_FORM_FIELDS, *SCORED_INDICATOR_FIELDS)
        }
    )
    flags: dict[str, PRF] = field(default_factory=dict)
    review: dict[str, PRF] = field(default_factory=dict)
    review_scored: bool = False
    forms_expected: int = 0
    forms_found: int = 0
    forms_matched: int = 0
    indicators_expected: int = 0
    indicators_found: int = 0
    indicators_matched: int = 0

    def flag(self, name: str) -> PRF:
        return self.flags.setdefault(name, PRF())

    def merge(self, other: Score) -> None:
        for k, acc in other.fields.items():
            self.fields.setdefault(k, Accuracy()).merge(acc)
        for k, prf in other.flags.items():
            self.flag(k).merge(prf)
        for k, prf in other.review.items():
            self.review.setdefault(k, PRF()).merge(prf)
        self.review_scored = self.review_scored or other.review_scored
        for name in _COUNT_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def group_accuracy(self, names: Sequence[str]) -> Accuracy:
        """Micro accuracy over a group of fields (all header fields, all indicator fields)."""
        total = Accuracy()
        for n in names:
            total.merge(self.fields[n])
        return total

    @property
    def flags_micro(self) -> PRF:
        return _micro(self.flags.values())

    @property
    def review_micro(self) -> PRF:
        return _micro(self.review.values())

    def counts(self) -> dict[str, int]:
        return {name: int(getattr(self, name)) for name in _COUNT_NAMES}

    def metrics(self, prefix: str) -> dict[str, float]:
        """Flat, higher-is-better metrics under ``prefix``; undefined ratios are left out."""
        out: dict[str, float | None] = {}
        for name, acc in self.fields.items():
            out[f"{prefix}.field.{name}"] = acc.value
        out[f"{prefix}.fields.form"] = self.group_accuracy(SCORED_FORM_FIELDS).value
        out[f"{prefix}.fields.indicator"] = self.group_accuracy(SCORED_INDICATOR_FIELDS).value
        out[f"{prefix}.match.forms.recall"] = _ratio(self.forms_matched, self.forms_expected)
        out[f"{prefix}.match.forms.precision"] = _ratio(self.forms_matched, self.forms_found)
        out[f"{prefix}.match.indicators.recall"] = _ratio(
            self.indicators_matched, self.indicators_expected
        )
        out[f"{prefix}.match.indicators.precision"] = _ratio(
            self.indicators_matched, self.indicators_found
        )
        groups: list[tuple[str, str, dict[str, PRF], PRF]] = [
            ("flag", "flags", self.flags, self.flags_micro)
        ]
        if self.review_scored:
            groups.append(("review", "reviews", self.review, self.review_micro))
        for one, many, table, micro in groups:
            for name, prf in table.items():
                for stat in ("precision", "recall", "f1"):
                    out[f"{prefix}.{one}.{name}.{stat}"] = getattr(prf, stat)
            for stat in ("precision", "recall", "f1"):
                out[f"{prefix}.{many}.{stat}"] = getattr(micro, stat)
        return {k: v for k, v in out.items() if v is not None}

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "fields": {
                k: {"correct": a.correct, "total": a.total, "accuracy": a.value}
                for k, a in self.fields.items()
            },
            "fields_form": self.group_accuracy(SCORED_FORM_FIELDS).value,
            "fields_indicator": self.group_accuracy(SCORED_INDICATOR_FIELDS).value,
            "flags": {k: p.to_json() for k, p in sorted(self.flags.items(), key=_flag_order)},
            "flags_micro": self.flags_micro.to_json(),
            "review": {k: p.to_json() for k, p in sorted(self.review.items())}
            if self.review_scored
            else None,
            "review_micro": self.review_micro.to_json() if self.review_scored else None,
        }


_COUNT_NAMES = (
    "forms_expected",
    "forms_found",
    "forms_matched",
    "indicators_expected",
    "indicators_found",
    "indicators_matched",
)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _flag_order(item: tuple[str, PRF]) -> tuple[int, str]:
    """Vocabulary order first (as the contract lists flags), unknown flags after, by name."""
    name = item[0]
    return (FLAGS.index(name) if name in FLAGS else len(FLAGS), name)


# --------------------------------------------------------------------------- one case


@dataclass
class CaseScore:
    """The score of one case plus the differences behind it (for the JSON report)."""

    score: Score
    mismatches: list[dict[str, Any]]
    mismatches_total: int


def _flags_of(rec: Mapping[str, Any]) -> list[str]:
    return [str(f) for f in rec.get("flags") or []]


def score_case(
    expected: Sequence[Mapping[str, Any]],
    actual: Sequence[Mapping[str, Any]],
    expected_review: Sequence[Mapping[str, Any]] | None = None,
    actual_review: Sequence[Mapping[str, Any]] = (),
) -> CaseScore:
    """Align and score one case; ``expected_review=None`` means the case has no review labels."""
    s = Score()
    diffs: list[dict[str, Any]] = []
    n_diffs = 0

    def note(d: dict[str, Any]) -> None:
        nonlocal n_diffs
        n_diffs += 1
        if len(diffs) < MAX_MISMATCHES:
            diffs.append(d)

    s.forms_expected = len(expected)
    s.forms_found = len(actual)
    form_map: dict[int, int] = {}  # actual form -> expected form
    row_map: dict[tuple[int, int], tuple[int, int]] = {}  # (actual f, row) -> (expected f, row)

    for ei, ai in align_forms(expected, actual):
        e_rows = list(expected[ei].get("indicators") or []) if ei is not None else []
        a_rows = list(actual[ai].get("indicators") or []) if ai is not None else []
        s.indicators_expected += len(e_rows)
        s.indicators_found += len(a_rows)
        if ei is None:  # extra form: its rows are extras
            assert ai is not None
            note({"actual_form": ai, "kind": "extra_form", "title": actual[ai].get("title")})
            for r in a_rows:
                _extra_row(s, r)
            continue
        if ai is None:  # missed form: every header field and every row is a miss
            note({"form": ei, "kind": "missing_form", "title": expected[ei].get("title")})
            for f in SCORED_FORM_FIELDS:
                s.fields[f].add(False)
            for r in e_rows:
                _missed_row(s, r)
            continue
        s.forms_matched += 1
        form_map[ai] = ei
        for f in SCORED_FORM_FIELDS:
            ok = field_equal(f, expected[ei], actual[ai])
            s.fields[f].add(ok)
            if not ok:
                note(
                    {
                        "form": ei,
                        "actual_form": ai,
                        "field": f,
                        "expected": expected[ei].get(f),
                        "actual": actual[ai].get(f),
                    }
                )
        for ek, ak in align_indicators(e_rows, a_rows):
            if ek is None:
                assert ak is not None
                _extra_row(s, a_rows[ak])
                note(
                    {
                        "form": ei,
                        "actual_form": ai,
                        "actual_indicator": ak,
                        "kind": "extra_row",
                        "name_raw": a_rows[ak].get("name_raw"),
                    }
                )
                continue
            if ak is None:
                _missed_row(s, e_rows[ek])
                note(
                    {
                        "form": ei,
                        "indicator": ek,
                        "kind": "missing_row",
                        "name_raw": e_rows[ek].get("name_raw"),
                    }
                )
                continue
            s.indicators_matched += 1
            row_map[(ai, ak)] = (ei, ek)
            e, a = e_rows[ek], a_rows[ak]
            for f in SCORED_INDICATOR_FIELDS:
                ok = field_equal(f, e, a)
                s.fields[f].add(ok)
                if not ok:
                    note(
                        {
                            "form": ei,
                            "indicator": ek,
                            "actual_form": ai,
                            "actual_indicator": ak,
                            "field": f,
                            "expected": e.get(f),
                            "actual": a.get(f),
                        }
                    )
            e_flags, a_flags = set(_flags_of(e)), set(_flags_of(a))
            for flag in e_flags & a_flags:
                s.flag(flag).tp += 1
            for flag in a_flags - e_flags:
                s.flag(flag).fp += 1
            for flag in e_flags - a_flags:
                s.flag(flag).fn += 1
            if e_flags != a_flags:
                note(
                    {
                        "form": ei,
                        "indicator": ek,
                        "actual_form": ai,
                        "actual_indicator": ak,
                        "field": "flags",
                        "expected": sorted(e_flags),
                        "actual": sorted(a_flags),
                    }
                )

    if expected_review is not None:
        s.review_scored = True
        _score_review(s, expected_review, actual_review, form_map, row_map)
    return CaseScore(s, diffs, n_diffs)


def _extra_row(s: Score, row: Mapping[str, Any]) -> None:
    """An actual row with no expected partner: each of its flags is a false positive."""
    for flag in set(_flags_of(row)):
        s.flag(flag).fp += 1


def _missed_row(s: Score, row: Mapping[str, Any]) -> None:
    """An expected row nobody produced: wrong in every field, each flag a false negative."""
    for f in SCORED_INDICATOR_FIELDS:
        s.fields[f].add(False)
    for flag in set(_flags_of(row)):
        s.flag(flag).fn += 1


def _finding_key(f: Mapping[str, Any]) -> tuple[int, int | None, str]:
    ind = f.get("indicator")
    return (int(f["form"]), None if ind is None else int(ind), str(f["code"]))


def _score_review(
    s: Score,
    expected: Sequence[Mapping[str, Any]],
    actual: Sequence[Mapping[str, Any]],
    form_map: Mapping[int, int],
    row_map: Mapping[tuple[int, int], tuple[int, int]],
) -> None:
    """Findings match on (form, indicator, code), with actual indices mapped through alignment.

    Without the mapping, one extra form early in a file would turn every later finding into
    a false positive. A finding on an unaligned form or row cannot match anything.
    """
    exp = {_finding_key(f) for f in expected}
    act: set[tuple[int, int | None, str]] = set()
    unmatched: list[str] = []
    for f in actual:
        form, ind, code = _finding_key(f)
        if ind is None and form in form_map:
            act.add((form_map[form], None, code))
        elif ind is not None and (form, ind) in row_map:
            act.add((*row_map[(form, ind)], code))
        else:
            unmatched.append(code)
    for code in {k[2] for k in exp} | {k[2] for k in act} | set(unmatched):
        prf = s.review.setdefault(code, PRF())
        prf.add_sets({k for k in exp if k[2] == code}, {k for k in act if k[2] == code})
        prf.fp += unmatched.count(code)


# --------------------------------------------------------------------------- golden directory


@dataclass(frozen=True)
class GoldenCase:
    """One case of a golden directory: its input file and where its expected records are.

    The records are read when the case is scored, not when the directory is loaded, so a
    golden set of any size is held in memory one case at a time.
    """

    name: str
    input: Path
    expected_path: Path
    review_path: Path | None
    layout: str

    def expected(self) -> list[Record]:
        """The expected forms, in the contract's format."""
        return list(_iter_jsonl(self.expected_path))

    def review(self) -> list[Record] | None:
        """The expected review findings, or None when the case has no review labels."""
        return list(_iter_jsonl(self.review_path)) if self.review_path else None


def _iter_jsonl(path: Path) -> Iterator[Record]:
    """The objects of a JSONL file, read line by line; a bad line names the file and line."""
    with path.open(encoding="utf-8") as lines:
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(
                    str(path), f"line {n}: not JSON ({exc.msg})", code="unreadable"
                ) from exc
            if not isinstance(rec, dict):
                raise InputError(str(path), f"line {n}: expected a JSON object", code="unreadable")
            if path.name.endswith(".review.jsonl") and not (
                isinstance(rec.get("form"), int) and isinstance(rec.get("code"), str)
            ):
                raise InputError(
                    str(path), f"finding {n}: needs an integer form and a code", code="unreadable"
                )
            yield rec


def _layouts(golden_dir: Path) -> dict[str, str]:
    path = golden_dir / "cases.json"
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not JSON ({exc.msg})", code="unreadable") from exc
    if not isinstance(data, dict):
        raise InputError(
            str(path), "expected an object mapping case -> {layout: ...}", code="unreadable"
        )
    out: dict[str, str] = {}
    for case, meta in data.items():
        layout = meta.get("layout") if isinstance(meta, dict) else meta
        if isinstance(layout, str) and layout:
            out[str(case)] = layout
    return out


def case_sources(golden_dir: Path) -> dict[str, str]:
    """Case -> ``source`` from ``cases.json`` (``seed``, ``real-sample`` …); missing ones absent."""
    path = golden_dir / "cases.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except json.JSONDecodeError:
        return {}  # _layouts reports a bad file
    if not isinstance(data, dict):
        return {}
    return {
        str(k): str(v["source"])
        for k, v in data.items()
        if isinstance(v, dict) and isinstance(v.get("source"), str)
    }


def load_golden(golden_dir: Path) -> tuple[list[GoldenCase], list[str]]:
    """Read a golden directory; returns the cases and warnings for files that do not pair up."""
    inputs_dir, expected_dir = golden_dir / "inputs", golden_dir / "expected"
    if not inputs_dir.is_dir() or not expected_dir.is_dir():
        raise InputError(
            str(golden_dir),
            "not a golden directory (needs inputs/ and expected/)",
            code="unreadable",
        )
    layouts = _layouts(golden_dir)
    warnings: list[str] = []
    inputs: dict[str, Path] = {}
    for p in sorted(inputs_dir.iterdir()):
        if p.name.startswith(".") or not p.is_file():
            continue
        if p.stem in inputs:
            raise InputError(str(p), f"two inputs for case {p.stem!r}", code="unreadable")
        inputs[p.stem] = p
    cases: list[GoldenCase] = []
    for name, path in inputs.items():
        exp = expected_dir / f"{name}.jsonl"
        if not exp.exists():
            warnings.append(f"{path}: no expected/{name}.jsonl, case skipped")
            continue
        rev = expected_dir / f"{name}.review.jsonl"
        review = rev if rev.exists() else None
        for labels in (exp, review):
            if labels is not None:
                for _ in _iter_jsonl(labels):  # fail before a long run, not in the middle
                    pass
        cases.append(GoldenCase(name, path, exp, review, layouts.get(name, "unknown")))
    for exp in sorted(expected_dir.glob("*.jsonl")):
        stem = exp.name.removesuffix(".jsonl")
        if not stem.endswith(".review") and stem not in inputs:
            warnings.append(f"{exp}: no input for case {stem!r}, ignored")
    if not cases:
        raise InputError(
            str(golden_dir),
            "no cases (inputs/<case>.* with expected/<case>.jsonl)",
            code="unreadable",
        )
    return cases, warnings


# --------------------------------------------------------------------------- a whole run


@dataclass
class LLMUsage:
    """LLM cost of a run or a case: calls made, tokens spent, answers served from the cache."""

    calls: int = 0
    tokens: int = 0
    cache_hits: int = 0

    def add(self, calls: int = 0, tokens: int = 0, cache_hits: int = 0) -> None:
        self.calls += calls
        self.tokens += tokens
        self.cache_hits += cache_hits

    def minus(self, other: LLMUsage) -> LLMUsage:
        return LLMUsage(
            self.calls - other.calls, self.tokens - other.tokens, self.cache_hits - other.cache_hits
        )

    def copy(self) -> LLMUsage:
        return LLMUsage(self.calls, self.tokens, self.cache_hits)

    def to_json(self) -> dict[str, int]:
        return {"calls": self.calls, "tokens": self.tokens, "cache_hits": self.cache_hits}


def producer_usage(producer: object) -> LLMUsage | None:
    """The producer's running LLM usage, if it keeps one (an ``usage: LLMUsage`` attribute)."""
    usage = getattr(producer, "usage", None)
    return usage if isinstance(usage, LLMUsage) else None


@dataclass
class CaseResult:
    """One case after the run: where it came from, what it scored, what went wrong."""

    name: str
    layout: str
    input: str
    score: Score
    mismatches: list[dict[str, Any]]
    mismatches_total: int
    error: str | None = None
    usage: LLMUsage | None = None


@dataclass
class EvalResult:
    """A scored run over one golden directory."""

    golden_dir: str
    stage: str
    llm: str
    time: str
    cases: dict[str, CaseResult]
    warnings: list[str] = field(default_factory=list)
    usage: LLMUsage | None = None

    @property
    def overall(self) -> Score:
        total = Score()
        for c in self.cases.values():
            total.merge(c.score)
        return total

    @property
    def layouts(self) -> dict[str, Score]:
        out: dict[str, Score] = {}
        for c in self.cases.values():
            out.setdefault(c.layout, Score()).merge(c.score)
        return dict(sorted(out.items()))

    @property
    def errors(self) -> dict[str, str]:
        return {n: c.error for n, c in self.cases.items() if c.error}

    def metrics(self) -> dict[str, float]:
        """All flat metrics: ``overall.*``, ``layout.<tag>.*``, ``case.<case>.*``."""
        out = self.overall.metrics("overall")
        for tag, s in self.layouts.items():
            out.update(s.metrics(f"layout.{tag}"))
        for name, c in self.cases.items():
            out.update(c.score.metrics(f"case.{name}"))
        return dict(sorted(out.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "golden_dir": self.golden_dir,
            "stage": self.stage,
            "llm": self.llm,
            "time": self.time,
            "usage": self.usage.to_json() if self.usage else None,
            "warnings": self.warnings,
            "errors": self.errors,
            "overall": self.overall.to_json(),
            "layouts": {k: s.to_json() for k, s in self.layouts.items()},
            "cases": {
                n: {
                    "layout": c.layout,
                    "input": c.input,
                    "error": c.error,
                    "usage": c.usage.to_json() if c.usage else None,
                    "score": c.score.to_json(),
                    "mismatches_total": c.mismatches_total,
                    "mismatches": c.mismatches,
                }
                for n, c in self.cases.items()
            },
            "metrics": self.metrics(),
        }


def run_eval(
    golden_dir: Path,
    producer: Producer,
    *,
    stage: str = "rules",
    llm: str = "none",
    progress: Callable[[int, int], None] | None = None,
) -> EvalResult:
    """Run ``producer`` on every case of ``golden_dir`` and score it (no files written).

    A producer that raises on a case is recorded as that case's error and scores as if it had
    produced nothing, so one crash shows up as a drop rather than hiding the other cases.
    """
    cases, warnings = load_golden(golden_dir)
    usage = producer_usage(producer)
    results: dict[str, CaseResult] = {}
    for done, case in enumerate(cases, 1):
        before = usage.copy() if usage else None
        error: str | None = None
        try:
            forms, findings = producer(case.input)
        except Exception as exc:  # any crash is a result to report, not a reason to stop
            forms, findings, error = [], [], f"{type(exc).__name__}: {exc}"
        cs = score_case(case.expected(), forms, case.review(), findings)
        results[case.name] = CaseResult(
            name=case.name,
            layout=case.layout,
            input=str(case.input),
            score=cs.score,
            mismatches=cs.mismatches,
            mismatches_total=cs.mismatches_total,
            error=error,
            usage=usage.minus(before) if usage and before else None,
        )
        if progress is not None:
            progress(done, len(cases))
    return EvalResult(
        golden_dir=str(golden_dir),
        stage=stage,
        llm=llm,
        time=datetime.now(UTC).isoformat(timespec="seconds"),
        cases=results,
        warnings=warnings,
        usage=usage,
    )
