"""The run ledger: one LLM budget, deadline and endpoint state shared by every worker of a run.

``jixiao normalize`` repairs each file in whichever worker process takes it, so a budget kept
in one client's memory is a budget per file (issue 12: a budget of 3 allowed 33 calls). The
ledger is a small SQLite file (path in ``JIXIAO_LLM_LEDGER``) that every client of the run
updates under a write lock: calls and tokens spent, and whether the endpoint was found
unreachable (then every later call stops at once instead of retrying per form).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

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

    def take_call(self, max_calls: int | None, max_tokens: int | None) -> str | None:
        """Take one call of the run budget; the reason it is spent, or None when taken."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            calls, tokens = self._num("calls"), self._num("tokens")
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
