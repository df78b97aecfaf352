"""Shared fixtures: the seed documents and golden records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden"
SEEDS = sorted(p for p in (GOLDEN / "inputs").glob("*.txt") if not p.name.startswith("real_"))


def golden_records(case: str) -> list[dict[str, object]]:
    """The hand-labelled records of one golden case."""
    path = GOLDEN / "expected" / f"{case}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(params=SEEDS, ids=lambda p: p.stem[:3])
def seed(request: pytest.FixtureRequest) -> Path:
    """Each seed document in turn."""
    return request.param  # type: ignore[no-any-return]
