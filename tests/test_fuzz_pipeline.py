"""Property test: mutated seeds never crash the pipeline, and untouched forms keep their rows.

The default example count is small enough for CI; ``eval/bench_fuzz.py`` runs 10,000.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from functools import cache

from conftest import SEEDS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.pipeline import normalize_bytes
from jixiao.schema import FileResult

EXAMPLES = int(os.environ.get("JIXIAO_FUZZ_EXAMPLES", "150"))


@dataclass(frozen=True)
class Mutation:
    """A mutated seed and the 1-based line from which the mutation may have changed things."""

    data: bytes
    touched_from: int | None  # None: every form may change
    touched_to: int | None
    kind: str


@cache
def seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in SEEDS]


@cache
def clean_results() -> list[FileResult]:
    return [normalize_bytes(t.encode("utf-8"), "seed") for t in seed_texts()]


def mutate(index: int, kind: str, rnd: random.Random) -> Mutation:
    text = seed_texts()[index]
    lines = text.split("\n")
    n = len(lines)
    line = rnd.randrange(n)
    if kind == "truncate":
        cut = rnd.randrange(len(text))
        upto = text[:cut].count("\n") + 1
        return Mutation(text[:cut].encode("utf-8"), upto, None, kind)
    if kind == "duplicate_line":
        lines.insert(line, lines[line])
        return Mutation("\n".join(lines).encode("utf-8"), line, line + 2, kind)
    if kind == "empty_cell":
        cells = lines[line].split("\t")
        cells[rnd.randrange(len(cells))] = ""
        lines[line] = "\t".join(cells)
        return Mutation("\n".join(lines).encode("utf-8"), line, line + 2, kind)
    if kind == "flip_byte":
        data = bytearray(text.encode("utf-8"))
        pos = rnd.randrange(len(data))
        data[pos] ^= 1 << rnd.randrange(8)
        at = data[:pos].count(b"\n") + 1
        return Mutation(bytes(data), at, at + 1, kind)
    if kind == "shuffle_lines":
        rnd.shuffle(lines)
        return Mutation("\n".join(lines).encode("utf-8"), None, None, kind)
    if kind == "reencode":
        enc = rnd.choice(["gb18030", "utf-16", "utf-8-sig"])
        return Mutation(text.encode(enc), n + 1, None, kind)
    raise AssertionError(kind)


KINDS = ["truncate", "duplicate_line", "empty_cell", "flip_byte", "shuffle_lines", "reencode"]


def check(index: int, mutation: Mutation) -> None:
    """The invariants every mutated input must keep."""
    result = normalize_bytes(mutation.data, "mutated.txt")
    assert result.forms or result.rejects, "neither forms nor a reject"
    for reject in result.rejects:
        assert reject.reason and reject.file == "mutated.txt"
    if mutation.touched_from is None:
        return
    got: dict[str | None, int] = {}
    for form in result.forms:
        key = form.project_name or form.title
        got[key] = max(got.get(key, 0), len(form.indicators))
    for form in clean_results()[index].forms:
        start, end = form.source.line_start or 0, form.source.line_end or 0
        untouched = end + 1 < mutation.touched_from or (
            mutation.touched_to is not None and start > mutation.touched_to + 1
        )
        if mutation.kind == "reencode":
            untouched = True
        if untouched:
            key = form.project_name or form.title
            assert got.get(key, 0) >= len(form.indicators), (mutation.kind, key)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    index=st.integers(0, len(SEEDS) - 1),
    kind=st.sampled_from(KINDS),
    salt=st.integers(0, 2**32 - 1),
)
def test_mutated_seeds(index: int, kind: str, salt: int) -> None:
    check(index, mutate(index, kind, random.Random(salt)))
