"""The LLM layer: config, prompts, response cache and the async client.

Names are imported lazily so that a rules-only run (backend ``none``) that reads
``jixiao.llm.config`` does not pay for importing openai and instructor (~0.5 s).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jixiao.llm.cache import CacheMiss, ResponseCache, cache_key
    from jixiao.llm.client import AnswerRejected, LLMClient
    from jixiao.llm.config import Backoff, LLMConfig, resolve_llm_config
    from jixiao.llm.prompts import Prompt, load_prompt
    from jixiao.llm.stats import CallRecord, LLMStats

__all__ = [
    "AnswerRejected",
    "Backoff",
    "CacheMiss",
    "CallRecord",
    "LLMClient",
    "LLMConfig",
    "LLMStats",
    "Prompt",
    "ResponseCache",
    "cache_key",
    "load_prompt",
    "resolve_llm_config",
]

_WHERE = {
    "AnswerRejected": "client",
    "CallRecord": "stats",
    "LLMClient": "client",
    "LLMStats": "stats",
    "Backoff": "config",
    "LLMConfig": "config",
    "resolve_llm_config": "config",
    "CacheMiss": "cache",
    "ResponseCache": "cache",
    "cache_key": "cache",
    "Prompt": "prompts",
    "load_prompt": "prompts",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"jixiao.llm.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'jixiao.llm' has no attribute {name!r}")
