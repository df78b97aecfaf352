"""Pair expected with actual records so that one missing or extra row shifts nothing else.

Alignment is order-preserving (forms and indicators are in source order on both sides) and
runs in two passes:

1. **Anchors.** ``difflib.SequenceMatcher`` pairs the runs of records whose exact key agrees
   (normalised name cell for indicators; kind, name, department and budget for forms). On a
   decent parse these anchors cover almost everything, cheaply.
2. **Gaps.** Between two anchors, a small dynamic programme picks the non-crossing pairs with
   the highest total fuzzy similarity (rapidfuzz), allowing a pair only above a threshold.
   A truncated or mis-split name still finds its row; a row with nothing in common stays
   unpaired and is scored as a miss (expected side) or an extra (actual side).

Records are plain contract dicts (``Form.contract()``), so any golden set can be aligned.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from difflib import SequenceMatcher
from typing import Any, TypeGuard, TypeVar

from rapidfuzz import fuzz

T = TypeVar("T")

#: One alignment step: ``(expected index, actual index)``; ``None`` on the side that lacks a partner.
Pair = tuple[int | None, int | None]

#: A pair of indicators is allowed only at or above this similarity (0..1).
INDICATOR_THRESHOLD = 0.5
#: A pair of forms is allowed only at or above this similarity (0..1).
FORM_THRESHOLD = 0.5
#: Above this many cells a gap is aligned within a diagonal band only, to bound the cost.
_FULL_DP_CELLS = 40_000
_BAND = 60


def norm_text(value: Any) -> str:
    """Text with every run of whitespace (including U+3000) collapsed to one space, trimmed."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def _squash(value: Any) -> str:
    """Text with all whitespace removed: line-wrap spaces must not make names differ."""
    return "".join(str(value).split()) if value is not None else ""


def is_number(value: object) -> TypeGuard[int | float]:
    """True for int/float but not bool (``True == 1`` must not count as a match)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def numbers_equal(a: Any, b: Any, tol: float = 1e-6) -> bool:
    """Numeric equality with an absolute tolerance; ``20`` equals ``20.0``."""
    return is_number(a) and is_number(b) and math.isclose(a, b, rel_tol=0.0, abs_tol=tol)


def _ratio(a: str, b: str) -> float:
    """Normalised similarity 0..1 of two strings (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return float(fuzz.ratio(a, b)) / 100.0


# --------------------------------------------------------------------------- generic alignment


def align(
    expected: Sequence[T],
    actual: Sequence[T],
    key: Callable[[T], str],
    similarity: Callable[[T, T], float],
    threshold: float,
) -> list[Pair]:
    """Order-preserving alignment of two sequences: exact-key anchors, then fuzzy gap filling.

    Every index of both sides appears exactly once in the result, in ascending order per side.
    An empty key is no evidence of identity: such records never anchor, only the gap pass
    may pair them.
    """
    exp_keys = [key(x) or f"\x00e{i}" for i, x in enumerate(expected)]
    act_keys = [key(x) or f"\x00a{j}" for j, x in enumerate(actual)]
    matcher = SequenceMatcher(None, exp_keys, act_keys, autojunk=False)
    pairs: list[Pair] = []
    i = j = 0
    for block in matcher.get_matching_blocks():  # the last block is the (len, len, 0) sentinel
        pairs.extend(_fill_gap(expected, actual, i, block.a, j, block.b, similarity, threshold))
        pairs.extend((block.a + k, block.b + k) for k in range(block.size))
        i, j = block.a + block.size, block.b + block.size
    return pairs


def _fill_gap(
    expected: Sequence[T],
    actual: Sequence[T],
    i0: int,
    i1: int,
    j0: int,
    j1: int,
    similarity: Callable[[T, T], float],
    threshold: float,
) -> list[Pair]:
    """Heaviest common subsequence of ``expected[i0:i1]`` and ``actual[j0:j1]`` by similarity."""
    n, m = i1 - i0, j1 - j0
    if n == 0 or m == 0:
        return [(i, None) for i in range(i0, i1)] + [(None, j) for j in range(j0, j1)]
    banded = n * m > _FULL_DP_CELLS
    band = max(_BAND, abs(n - m) + _BAND)

    def sim(a: int, b: int) -> float:
        if banded and abs(a * m / n - b) > band:
            return 0.0
        s = similarity(expected[i0 + a], actual[j0 + b])
        return s if s >= threshold else 0.0

    # score[a][b]: best total over expected[i0:i0+a] x actual[j0:j0+b]
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    match = [[0.0] * (m + 1) for _ in range(n + 1)]
    for a in range(1, n + 1):
        row, prev = score[a], score[a - 1]
        mrow = match[a]
        for b in range(1, m + 1):
            s = sim(a - 1, b - 1)
            mrow[b] = s
            best = prev[b] if prev[b] >= row[b - 1] else row[b - 1]
            if s > 0.0 and prev[b - 1] + s > best:
                best = prev[b - 1] + s
            row[b] = best
    # Trace back, preferring a pair when it explains the score.
    out: list[Pair] = []
    a, b = n, m
    while a > 0 and b > 0:
        s = match[a][b]
        if s > 0.0 and math.isclose(score[a][b], score[a - 1][b - 1] + s):
            out.append((i0 + a - 1, j0 + b - 1))
            a, b = a - 1, b - 1
        elif score[a][b - 1] >= score[a - 1][b]:  # on a tie, misses read before extras
            out.append((None, j0 + b - 1))
            b -= 1
        else:
            out.append((i0 + a - 1, None))
            a -= 1
    out.extend((i0 + k, None) for k in range(a - 1, -1, -1))
    out.extend((None, j0 + k) for k in range(b - 1, -1, -1))
    out.reverse()
    return out


# --------------------------------------------------------------------------- indicators


def _indicator_names(ind: Mapping[str, Any], alternatives: bool) -> list[str]:
    names = [_squash(ind.get("name")), _squash(ind.get("name_raw"))]
    if alternatives:
        names += [_squash(x) for x in ind.get("name_alternatives") or []]
    return [x for x in dict.fromkeys(names) if x]


def indicator_key(ind: Mapping[str, Any]) -> str:
    """Exact anchor key: the name cell as printed (whitespace removed), else the name."""
    return _squash(ind.get("name_raw")) or _squash(ind.get("name"))


def _attr_agreement(e: Mapping[str, Any], a: Mapping[str, Any]) -> float:
    """Share of (value, unit, weight) that agree: a tie-breaker when names are alike or absent."""
    agree = 0
    for f in ("value", "unit", "weight"):
        x, y = e.get(f), a.get(f)
        if x == y or numbers_equal(x, y):
            agree += 1
    return agree / 3


def indicator_similarity(e: Mapping[str, Any], a: Mapping[str, Any]) -> float:
    """0..1: best fuzzy ratio over name/name_raw/alternatives, nudged by value/unit/weight."""
    e_names = _indicator_names(e, alternatives=True)
    a_names = _indicator_names(a, alternatives=False)
    attrs = _attr_agreement(e, a)
    if not e_names and not a_names:
        return 0.8 * attrs  # two nameless rows: only the cells can tell
    name_sim = max((_ratio(x, y) for x in e_names for y in a_names), default=0.0)
    return 0.85 * name_sim + 0.15 * attrs


def align_indicators(
    expected: Sequence[Mapping[str, Any]], actual: Sequence[Mapping[str, Any]]
) -> list[Pair]:
    """Align the indicator rows of one expected form with those of its actual partner."""
    return align(expected, actual, indicator_key, indicator_similarity, INDICATOR_THRESHOLD)


# --------------------------------------------------------------------------- forms


def _form_name(form: Mapping[str, Any]) -> str:
    return _squash(form.get("project_name")) or _squash(form.get("title"))


def form_key(form: Mapping[str, Any]) -> str:
    """Exact anchor key: kind, project name (else title), department and budget ("" if nameless)."""
    if not _form_name(form):
        return ""
    budget = form.get("budget_total")
    budget_s = repr(float(budget)) if is_number(budget) else ""
    parts = [str(form.get("form_kind") or ""), _form_name(form), _squash(form.get("department"))]
    return "\x1f".join([*parts, budget_s])


def _name_set(form: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(k for i in form.get("indicators") or [] if (k := indicator_key(i)))


def form_similarity(e: Mapping[str, Any], a: Mapping[str, Any]) -> float:
    """0..1 blend: name 0.4, shared indicator names 0.3, kind/department/budget 0.1 each.

    The indicator overlap lets a form whose header the parser garbled still find its partner.
    """
    name = _ratio(_form_name(e), _form_name(a))
    de, da = _squash(e.get("department")), _squash(a.get("department"))
    dept = 1.0 if de == da else _ratio(de, da)
    be, ba = e.get("budget_total"), a.get("budget_total")
    budget = 1.0 if be == ba or numbers_equal(be, ba) else 0.0
    kind = 1.0 if e.get("form_kind") == a.get("form_kind") else 0.0
    se, sa = _name_set(e), _name_set(a)
    overlap = 1.0 if not se and not sa else len(se & sa) / len(se | sa)
    return 0.4 * name + 0.3 * overlap + 0.1 * dept + 0.1 * budget + 0.1 * kind


def align_forms(
    expected: Sequence[Mapping[str, Any]], actual: Sequence[Mapping[str, Any]]
) -> list[Pair]:
    """Align the forms of one case (expected records vs what the producer returned)."""
    return align(expected, actual, form_key, form_similarity, FORM_THRESHOLD)
