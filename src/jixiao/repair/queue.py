"""The review queue: every cell no stage could repair with confidence, for a person to decide.

A cell lands here unchanged. Its entry says where it is (file, form, indicator, field), what the
source printed, which flags it carries, what was tried and why each attempt was refused, so a
reviewer never has to rerun the pipeline to see why.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

QUEUE_FILE = "review_queue.jsonl"


class QueueEntry(BaseModel):
    """One unresolved or low-confidence cell."""

    file: str
    form: int
    indicator: int | None = None
    field: str
    raw: str = ""
    flags: list[str] = Field(default_factory=list)
    tried: list[str] = Field(default_factory=list)
    reason: str
    stage: str = "llm"
    proposal: Any = None  # the refused value, or the model's completion (a suggestion)
    confidence: float | None = None
    #: ``unresolved``: no stage could settle the cell; ``model_completion``: the model's own
    #: completion of a cut name printed nowhere (``proposal``), a suggestion for a person.
    kind: str = "unresolved"
    alternatives: list[str] = Field(default_factory=list)  # the model's other completions


def write_queue(entries: Iterable[QueueEntry], path: Path, *, append: bool = False) -> int:
    """Write entries as JSONL (UTF-8, Chinese unescaped); return how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("a" if append else "w", encoding="utf-8", newline="\n") as fh:
        for entry in entries:
            fh.write(json.dumps(entry.model_dump(mode="json"), ensure_ascii=False) + "\n")
            n += 1
    return n


def read_queue(path: Path) -> list[QueueEntry]:
    """Read a queue file back (for reports and tests)."""
    with path.open(encoding="utf-8") as fh:
        return [QueueEntry.model_validate_json(line) for line in fh if line.strip()]
