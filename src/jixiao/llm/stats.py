"""Run accounting for the LLM stage: usage per call and run totals.

Kept apart from the client so a rules-only run can report (empty) LLM stats without importing
openai and instructor.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import cast


@dataclass(frozen=True)
class CallRecord:
    """Usage of one request: tokens, whether the cache answered, transport attempts, time."""

    prompt: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    cached: bool
    attempts: int
    seconds: float
    at: str


@dataclass
class LLMStats:
    """Run totals: budgeted calls, tokens, cache hits and misses, transport retries."""

    calls: int = 0
    tokens: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0
    misses: int = 0  # cache lookups that found nothing; in replay these are the reported misses
    retries: int = 0
    refused: int = 0  # cells whose answer was dropped by a grounding check (each counted once)
    records: list[CallRecord] = field(default_factory=list)

    def merge(self, other: LLMStats) -> None:
        """Add another client's totals and calls to these (one stage after another)."""
        for name in ("calls", "tokens", "prompt_tokens", "completion_tokens", "cache_hits"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses += other.misses
        self.retries += other.retries
        self.refused += other.refused
        self.records.extend(other.records)

    def summary(self) -> dict[str, int]:
        """Totals only (for the run summary)."""
        d = asdict(self)
        d.pop("records")
        return cast(dict[str, int], d)
