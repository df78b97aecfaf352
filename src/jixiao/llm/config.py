"""LLM configuration: one frozen object, with every env var resolved in ``resolve_llm_config``.

Env vars (each also settable as a keyword override, e.g. from a CLI option):

    JIXIAO_LLM_BACKEND      none | openai | replay   (default: openai if an endpoint/key is set, else none)
    JIXIAO_LLM_BASE_URL     OpenAI-compatible endpoint, e.g. https://api.deepseek.com/v1
    JIXIAO_LLM_API_KEY      the key; falls back to OPENAI_API_KEY
    JIXIAO_LLM_MODEL        model name (default gpt-4o-mini)
    JIXIAO_LLM_MODE         instructor mode: json (default) | md_json | tools
    JIXIAO_LLM_CONCURRENCY  requests in flight at once (default 4)
    JIXIAO_LLM_MAX_CALLS    run budget: HTTP calls (default unlimited)
    JIXIAO_LLM_MAX_TOKENS   run budget: total tokens (default unlimited)
    JIXIAO_LLM_TIMEOUT      seconds per request (default 60; finite and > 0)
    JIXIAO_LLM_LEDGER       the run ledger file: budgets and endpoint state shared by workers
    JIXIAO_LLM_DEADLINE_AT  the LLM stage stops at this Unix time (the CLI sets it per run)
    JIXIAO_HOME             all state, incl. the response cache (default ~/.jixiao)

The key is kept out of ``repr`` so a logged or printed config never shows it.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast, get_args

from jixiao.errors import ConfigError
from jixiao.settings import Backend

logger = logging.getLogger(__name__)

ModeName = Literal["json", "md_json", "tools"]

DEFAULT_MODEL = "gpt-4o-mini"
CACHE_FILE = "llm_cache.sqlite3"


@dataclass(frozen=True)
class Backoff:
    """Transport retry policy: attempts and exponential backoff with jitter (tests shrink it)."""

    attempts: int = 5
    initial: float = 0.5
    maximum: float = 20.0
    jitter: float = 0.5
    max_retry_after: float = 60.0  # a server's Retry-After is honoured up to this many seconds


@dataclass(frozen=True)
class LLMConfig:
    """Everything the LLM stage needs; frozen so one run sees one configuration."""

    backend: Backend = "none"
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    model: str = DEFAULT_MODEL
    mode: ModeName = "json"
    concurrency: int = 4
    max_calls: int | None = None
    max_tokens: int | None = None
    timeout: float = 60.0
    home: Path = field(default_factory=lambda: Path.home() / ".jixiao")
    reasks: int = 2  # instructor re-asks after a validation failure (attempts = 1 + reasks)
    min_confidence: float = 0.5  # accepted proposals below this go to the review queue
    temperature: float = 0.0
    backoff: Backoff = field(default_factory=Backoff)
    ledger_path: Path | None = None  # shared run budget (``jixiao.llm.ledger``); None: per client
    deadline_at: float | None = None  # Unix time after which no call is started
    connect_attempts: int = 2  # connection refused this many times in a row: endpoint is down

    @property
    def cache_path(self) -> Path:
        """The SQLite response cache, under ``home`` so one variable relocates all state."""
        return self.home / CACHE_FILE

    def with_(self, **changes: Any) -> LLMConfig:
        """A copy with some fields changed (the object itself stays frozen)."""
        return replace(self, **changes)


_announced_none = False


def _int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, got {value}")
    return value


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return None
    if raw not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def resolve_llm_config(env: Mapping[str, str] | None = None, **overrides: Any) -> LLMConfig:
    """Build the config from env vars (``os.environ`` by default), then explicit overrides.

    Overrides win over env (a CLI option beats its env var); ``None`` overrides are ignored so
    callers can pass unset options straight through. With no endpoint and no key the backend
    is ``none``, which is logged once per process.
    """
    global _announced_none
    env = os.environ if env is None else env
    ov = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(ov) - set(LLMConfig.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"unknown LLM config option(s): {', '.join(sorted(unknown))}")

    base_url = ov.pop("base_url", None) or env.get("JIXIAO_LLM_BASE_URL", "").strip() or None
    api_key = (
        ov.pop("api_key", None)
        or env.get("JIXIAO_LLM_API_KEY", "").strip()
        or env.get("OPENAI_API_KEY", "").strip()
        or None
    )
    home_raw = ov.pop("home", None) or env.get("JIXIAO_HOME", "").strip()
    home = Path(home_raw).expanduser() if home_raw else Path.home() / ".jixiao"

    values: dict[str, Any] = {
        "model": env.get("JIXIAO_LLM_MODEL", "").strip() or DEFAULT_MODEL,
        "mode": _choice(env, "JIXIAO_LLM_MODE", get_args(ModeName)) or "json",
        "concurrency": _int(env, "JIXIAO_LLM_CONCURRENCY") or 4,
        "max_calls": _int(env, "JIXIAO_LLM_MAX_CALLS"),
        "max_tokens": _int(env, "JIXIAO_LLM_MAX_TOKENS"),
    }
    timeout_raw = env.get("JIXIAO_LLM_TIMEOUT", "").strip()
    if timeout_raw:
        try:
            values["timeout"] = float(timeout_raw)
        except ValueError:
            raise ConfigError(f"JIXIAO_LLM_TIMEOUT must be a number, got {timeout_raw!r}") from None
    ledger = env.get("JIXIAO_LLM_LEDGER", "").strip()
    if ledger:
        values["ledger_path"] = Path(ledger)
    deadline = env.get("JIXIAO_LLM_DEADLINE_AT", "").strip()
    if deadline:
        try:
            values["deadline_at"] = float(deadline)
        except ValueError:
            raise ConfigError(
                f"JIXIAO_LLM_DEADLINE_AT must be a number, got {deadline!r}"
            ) from None
    values.update(ov)
    timeout = values.get("timeout", 60.0)
    if not isinstance(timeout, int | float) or not math.isfinite(timeout) or timeout <= 0:
        raise ConfigError(f"LLM timeout must be a finite number of seconds > 0, got {timeout!r}")

    backend = cast(
        "Backend | None",
        values.pop("backend", None) or _choice(env, "JIXIAO_LLM_BACKEND", get_args(Backend)),
    )
    if backend is not None and backend not in get_args(Backend):
        raise ConfigError(f"LLM backend must be one of none, openai, replay, got {backend!r}")
    if values["mode"] not in get_args(ModeName):
        raise ConfigError(f"LLM mode must be one of json, md_json, tools, got {values['mode']!r}")
    if backend is None:
        backend = "openai" if (base_url or api_key) else "none"
        if backend == "none" and not _announced_none:
            _announced_none = True
            logger.info(
                "LLM backend: none (set JIXIAO_LLM_BASE_URL or JIXIAO_LLM_API_KEY to enable it); "
                "cells the rules leave open go to the review queue"
            )
    if backend == "openai" and not (base_url or api_key):
        raise ConfigError(
            "LLM backend openai needs JIXIAO_LLM_BASE_URL or JIXIAO_LLM_API_KEY (or OPENAI_API_KEY)"
        )
    return LLMConfig(backend=backend, base_url=base_url, api_key=api_key, home=home, **values)
