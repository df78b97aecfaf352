"""What a run is asked to do: the stage, the LLM backend and the limits every stage reads.

Defined once, so the CLI's choices, the run store's key and the composer (``pipeline``) agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from jixiao import __version__
from jixiao.limits import Limits

#: How far the cascade runs: parse only, deterministic repair rules, then the LLM.
Stage = Literal["parse", "rules", "llm"]
STAGES: tuple[str, ...] = get_args(Stage)

#: Where LLM answers come from: nowhere, an OpenAI-compatible endpoint, or a replayed cache.
Backend = Literal["none", "openai", "replay"]
BACKENDS: tuple[str, ...] = get_args(Backend)


@dataclass(frozen=True)
class RunSettings:
    """The settings that change what a file gives (picklable: it travels to pool workers)."""

    stage: str = "rules"
    llm: str = "none"
    limits: Limits = field(default_factory=Limits)

    def key(self) -> str:
        """What a stored result depends on besides the bytes: the stage, the LLM, our version,
        and the limits when they are not the defaults (a file rejected at a limit is read again
        once the limit is raised)."""
        key = f"{self.stage}|{self.llm}|{__version__}"
        if self.limits != Limits():
            key += "|" + ",".join(f"{v}" for v in vars(self.limits).values())
        return key
