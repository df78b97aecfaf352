"""Per-unit value columns and explanations glued to names: two ways a flattened table hides
its cells, read from the table's own evidence rather than from the rendering.

**Per-unit value columns.** Some forms give every unit its own value column (one per
township: ``一级指标 … 指标方向 笏石街道办 埭头镇``), headed by names no vocabulary knows. A
row then prints its target once per unit; with no separators the copies are glued
(``≤100%100%``, ``否否``, ``≥11``). How many copies stand in a row is learnt from the rows
that show it unambiguously (two cells ``100%`` ``100%``, or ``否否``, whose pieces cannot be one
value), and a row whose copies cannot be told apart by themselves (``11``: eleven, or 1 and 1)
is cut by that count. Every unit printing the same value gives the target; the printed cells
stay in the provenance. Units printing different values give no single target: those rows are
left as read (the first value, the others reported).

**An explanation glued to its name.** A 指标解释 column restates what the indicator measures,
so a name and its explanation glued into one cell share their ending
(``已建工程是否存在质量问题`` + ``当年已完工项目是否在检查中发现质量问题``): the cut is where the
text's own ending first closes a piece of at least a name's length.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from jixiao import vocab
from jixiao.grammar import is_value_like
from jixiao.schema import Cell

_OP = re.compile(rf"^\s*(?:{vocab.OPERATOR_PATTERN})\s*")
_DIGITS = re.compile(r"^[\d.]+$")
#: Shortest name and explanation that a glued cell is cut into; shortest shared ending.
_MIN_NAME = 4
_MIN_NOTE = 6
_MIN_ENDING = 3
#: The role under which the printed per-unit cells are kept (provenance, never output).
KEPT = "unit_values"


def split_explanation(text: str) -> tuple[str, str] | None:
    """``name + explanation`` glued in one cell → (name, explanation), when the text's ending
    also closes an earlier piece (the explanation restates the name); else None."""
    t = text.strip()
    n = len(t)
    if n < _MIN_NAME + _MIN_NOTE:
        return None
    for size in range(min(8, n // 3), _MIN_ENDING - 1, -1):
        ending = t[-size:]
        if not re.fullmatch(r"[\u4e00-\u9fff]+", ending):
            continue
        at = t.find(ending)
        while at != -1 and at + size <= n - _MIN_NOTE:
            if at + size >= _MIN_NAME:
                return t[: at + size], t[at + size :]
            at = t.find(ending, at + 1)
    return None


def copies(body: str) -> int:
    """How many identical pieces ``body`` is glued from (1 when it is no repetition)."""
    n = len(body)
    for size in range(1, n // 2 + 1):
        if n % size == 0 and body[:size] * (n // size) == body:
            return n // size
    return 1


def _body(text: str) -> tuple[str, str]:
    """A value cell's operator prefix and the rest, blanks removed."""
    t = re.sub(r"\s+", "", text)
    m = _OP.match(t)
    return (m.group().strip(), t[m.end() :]) if m else ("", t)


def _run(cells: dict[str, Cell], extra: list[Cell]) -> list[Cell]:
    """The value cell and the value-like extras printed after it in the row."""
    value = cells.get("value")
    if value is None:
        return []
    after = [
        c
        for c in extra
        if (c.line, c.col or 0) > (value.line, value.col or 0) and is_value_like(c.text)
    ]
    return [value, *after]


def unit_count(runs: Iterable[list[Cell]]) -> int:
    """The number of per-unit copies the rows show unambiguously (0 when none shows it)."""
    seen: Counter[int] = Counter()
    for run in runs:
        bodies = [_body(c.text)[1] for c in run]
        if len(bodies) > 1 and len(set(bodies)) == 1:
            seen[len(bodies)] += 1
        elif len(bodies) == 1:
            body = bodies[0]
            k = copies(body)
            if k > 1 and not _DIGITS.match(body):  # ``否否``, ``100%100%``; never ``11``
                seen[k] += 1
    return seen.most_common(1)[0][0] if seen else 0


def settle(indicators: list, heads: int) -> None:  # type: ignore[type-arg]
    """Per-unit copies of each row's value → the one value they agree on.

    ``indicators``: the form's raw indicator rows (``parse.RawIndicator``); ``heads``: how
    many unknown column headings were taken as the value columns (at least 1).
    """
    runs = [_run(ind.cells, ind.extra) for ind in indicators]
    k = unit_count(runs)
    if k < 2 or (heads > 1 and heads != k):
        return
    for ind, run in zip(indicators, runs, strict=True):
        if not run:
            continue
        op, first = _body(run[0].text)
        bodies = [first, *(_body(c.text)[1] for c in run[1:])]
        if len(run) == k and len(set(bodies)) == 1:
            kept = run
        elif len(run) == 1 and copies(first) % k == 0 and copies(first) >= k:
            kept = [run[0]]
            first = first[: len(first) // k]
        else:
            continue
        value = run[0]
        ind.cells["value"] = Cell(op + first, value.line, value.col)
        for n, cell in enumerate(kept):
            ind.cells[KEPT if n == 0 else f"{KEPT}_{n + 1}"] = cell
        ind.extra = [c for c in ind.extra if not any(c is x for x in kept)]
