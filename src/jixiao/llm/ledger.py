"""The run ledger: one LLM budget, deadline and endpoint state shared by every worker of a run.

``jixiao normalize`` repairs each file in whichever worker process takes it, so a budget kept
in one client's memory is a budget per file (issue 12: a budget of 3 allowed 33 calls). The
ledger is a small SQLite file (path in ``JIXIAO_LLM_LEDGER``) that every client of the run
updates under a write lock: calls and tokens spent, and whether the endpoint was found
unreachable (then every later call stops at once instead of retrying per form).
"""

from __future__ import annotations

import math
import os
import sqlite3
import time
from pathlib import Path

from jixiao.errors import ConfigError
from jixiao.llm.config import resolve_llm_config

_SCHEMA = "CREATE TABLE IF NOT EXISTS ledger (key TEXT PRIMARY KEY, num REAL, text TEXT)"


class RunLedger:
    """Counters and flags of one run, safe across processes (SQLite ``BEGIN IMMEDIATE``)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def _num(self, key: str) -> float:
        row = self._db.execute("SELECT num FROM ledger WHERE key = ?", (key,)).fetchone()
        return float(row[0]) if row and row[0] is not None else 0.0

    def _add(self, key: str, amount: float) -> None:
        self._db.execute(
            "INSERT INTO ledger (key, num) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET num = num + excluded.num",
            (key, amount),
        )

    def _limit(self, key: str) -> float | None:
        row = self._db.execute("SELECT num FROM ledger WHERE key = ?", (key,)).fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def set_share(self, calls: int | None, tokens: int | None) -> None:
        """Hold this ledger's client(s) to a share of the run's budget (a Ray worker's: the
        run's budget divided across workers); None: no share of that kind."""
        for key, value in (("share_calls", calls), ("share_tokens", tokens)):
            if value is not None:
                self._db.execute(
                    "INSERT OR REPLACE INTO ledger (key, num) VALUES (?, ?)", (key, value)
                )

    def take_call(self, max_calls: int | None, max_tokens: int | None) -> str | None:
        """Take one call of the run budget; the reason it is spent, or None when taken."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            calls, tokens = self._num("calls"), self._num("tokens")
            share_calls, share_tokens = self._limit("share_calls"), self._limit("share_tokens")
            if share_calls is not None and calls >= share_calls:
                return (
                    f"LLM budget spent: {int(calls)} of {int(share_calls)} calls, this worker's "
                    "share of the run's budget"
                )
            if share_tokens is not None and tokens >= share_tokens:
                return (
                    f"LLM budget spent: {int(tokens)} of {int(share_tokens)} tokens, this "
                    "worker's share of the run's budget"
                )
            if max_calls is not None and calls >= max_calls:
                return f"LLM budget spent: {int(calls)} of {max_calls} calls this run"
            if max_tokens is not None and tokens >= max_tokens:
                return f"LLM budget spent: {int(tokens)} of {max_tokens} tokens this run"
            self._add("calls", 1)
            return None
        finally:
            self._db.execute("COMMIT")

    def add_tokens(self, tokens: int) -> None:
        """Count tokens a call used against the run budget."""
        self._add("tokens", tokens)

    def add_spent(self, calls: int, tokens: int) -> None:
        """Count calls and tokens spent elsewhere (a Ray worker's own ledger) in this run."""
        self._add("calls", calls)
        self._add("tokens", tokens)

    def totals(self) -> tuple[int, int]:
        """(calls, tokens) spent so far this run."""
        return int(self._num("calls")), int(self._num("tokens"))

    def mark_down(self, reason: str) -> None:
        """Record that the endpoint is unreachable (first reason wins)."""
        self._db.execute(
            "INSERT OR IGNORE INTO ledger (key, text) VALUES ('down', ?)", (reason[:300],)
        )

    def down(self) -> str | None:
        """Why the endpoint was found unreachable this run, or None."""
        row = self._db.execute("SELECT text FROM ledger WHERE key = 'down'").fetchone()
        return str(row[0]) if row else None


#: ``jixiao normalize`` exit code when the LLM endpoint was unreachable (forms kept at rules).

LEDGER_NAME = ".jixiao-llm-ledger.sqlite"


def llm_run_env(
    out: Path,
    stage: str,
    llm: str,
    budget_calls: int | None = None,
    budget_tokens: int | None = None,
    deadline: float | None = None,
    timeout: float | None = None,
) -> RunLedger | None:
    """Set up one run's LLM stage for every worker (env vars they inherit); None if no LLM.

    The configuration is checked here, once, so a bad one is one line before any file is read
    (``ConfigError``); a fresh ledger is made in ``out`` so budgets count this run only.
    """
    if stage != "llm" or llm == "none":
        return None
    for name, value in (("--llm-deadline", deadline), ("--llm-timeout", timeout)):
        if value is not None and (not math.isfinite(value) or value <= 0):
            raise ConfigError(f"{name} must be a finite number of seconds > 0, got {value}")
    env = {
        "JIXIAO_LLM_MAX_CALLS": budget_calls,
        "JIXIAO_LLM_MAX_TOKENS": budget_tokens,
        "JIXIAO_LLM_TIMEOUT": timeout,
        "JIXIAO_LLM_DEADLINE_AT": None if deadline is None else time.time() + deadline,
    }
    for name, value in env.items():
        if value is not None:
            os.environ[name] = str(value)
        else:
            os.environ.pop(name, None)  # not this run's: no budget left over from another
    resolve_llm_config(backend=llm)  # raises ConfigError for a missing or bad setting
    path = out / LEDGER_NAME
    for stale in (path, path.with_name(path.name + "-journal")):
        stale.unlink(missing_ok=True)
    os.environ["JIXIAO_LLM_LEDGER"] = str(path)
    return RunLedger(path)


def endpoint_note(llm: str) -> str | None:
    """One line when an endpoint is configured in the environment but the run does not use it."""
    import os

    url = os.environ.get("JIXIAO_LLM_BASE_URL", "").strip()
    if llm == "none" and url:
        return f"JIXIAO_LLM_BASE_URL is set ({url}) but --llm is none: no LLM call is made"
    return None
