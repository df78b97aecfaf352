"""SQLite cache of LLM responses, so a rerun or a nightly eval of unchanged input costs nothing.

Each HTTP request is keyed by a tagged hash of canonical JSON (``cache_key``) over the model,
the instructor mode, the prompt's name, version and file hash, and the full request body
(messages, schema, sampling options). A re-ask is a request too, so a replayed conversation
replays its re-asks. The request is stored beside the response so ``verify`` can re-derive
every key. The API key is never part of a request body, so it never reaches the file.

The schema evolves by numbered migrations recorded in ``_migrations`` (as in simonw/llm).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jixiao.errors import LLMError

KEY_TAG = "jxllm1:sha256:"


class CacheMiss(LLMError):
    """``replay`` mode found no cached response for a request."""


def canonical_json(obj: Any) -> str:
    """Key-sorted, compact, UTF-8 JSON: equal requests give equal text."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def cache_key(payload: Mapping[str, Any]) -> str:
    """The tagged sha256 of ``payload``'s canonical JSON; the tag versions the key scheme."""
    digest = hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
    return KEY_TAG + digest


_COLUMNS = (
    "key, model, prompt, prompt_version, request_json, response_json, prompt_tokens, "
    "completion_tokens, created_at"
)


def _m001_responses(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE responses (
            key TEXT PRIMARY KEY,
            model TEXT NOT NULL,
            prompt TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            request_json TEXT NOT NULL,
            response_json TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX responses_prompt ON responses (prompt, prompt_version)")


MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("m001_responses", _m001_responses),
]


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the migrations not yet recorded, in order; return the names applied."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    applied = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with db:
            fn(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                (name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
        applied.append(name)
    return applied


@dataclass(frozen=True)
class CachedResponse:
    """A stored response body and the tokens it cost when it was fetched."""

    response: dict[str, Any]
    prompt_tokens: int
    completion_tokens: int


Lookup = Callable[[str], "CachedResponse | None"]

#: The run's cache held by another process (a Ray worker asks the driver's through an actor
#: instead of holding a copy of it): consulted when this process's own cache has no answer.
_shared: Lookup | None = None


def share(lookup: Lookup | None) -> None:
    """Make ``lookup`` the answer of every cache of this process on a miss (None: stop)."""
    global _shared
    _shared = lookup


class ResponseCache:
    """The cache file; ``readonly`` (replay) never creates, migrates or writes it."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        self._db: sqlite3.Connection | None
        if readonly:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True) if path.exists() else None
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path)
            migrate(self._db)

    def get(self, key: str) -> CachedResponse | None:
        """The cached response for ``key`` (here, else in the shared cache), or ``None``."""
        found = self._own(key)
        if found is None and _shared is not None:
            return _shared(key)
        return found

    def _own(self, key: str) -> CachedResponse | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute(
                "SELECT response_json, prompt_tokens, completion_tokens FROM responses WHERE key = ?",
                (key,),
            ).fetchone()
        except sqlite3.OperationalError:  # a read-only file that was never migrated
            return None
        if row is None:
            return None
        return CachedResponse(json.loads(row[0]), int(row[1]), int(row[2]))

    def put(
        self,
        key: str,
        *,
        model: str,
        prompt: str,
        prompt_version: str,
        request: Mapping[str, Any],
        response: Mapping[str, Any],
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
    ) -> None:
        """Store a response (no-op when read-only); the first answer for a key wins."""
        if self.readonly or self._db is None:
            return
        with self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    model,
                    prompt,
                    prompt_version,
                    canonical_json(request),
                    canonical_json(response),
                    prompt_tokens,
                    completion_tokens,
                    datetime.now(UTC).isoformat(timespec="seconds"),
                ),
            )

    def last_row(self) -> int:
        """The highest row number stored (0 when empty): ``rows_after`` it gives what is new."""
        if self._db is None:
            return 0
        try:
            row = self._db.execute("SELECT max(rowid) FROM responses").fetchone()
        except sqlite3.OperationalError:
            return 0
        return int(row[0] or 0)

    def rows_after(self, rowid: int) -> tuple[int, list[tuple[Any, ...]]]:
        """The entries stored after row ``rowid`` (whole rows, for ``merge``), and the last
        row number seen."""
        if self._db is None:
            return rowid, []
        try:
            rows = self._db.execute(
                f"SELECT rowid, {_COLUMNS} FROM responses WHERE rowid > ? ORDER BY rowid",
                (rowid,),
            ).fetchall()
        except sqlite3.OperationalError:
            return rowid, []
        return (int(rows[-1][0]) if rows else rowid), [tuple(r[1:]) for r in rows]

    def merge(self, rows: list[tuple[Any, ...]]) -> int:
        """Add entries made by another cache (``rows_after``); keys are content hashes, so this
        is a union: a key already here keeps its first answer. Returns how many were new."""
        if self.readonly or self._db is None or not rows:
            return 0
        with self._db:
            before = self._db.total_changes
            self._db.executemany(
                f"INSERT OR IGNORE INTO responses ({_COLUMNS}) VALUES ({', '.join('?' * 9)})",
                rows,
            )
            return self._db.total_changes - before

    def requests(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every stored (key, key payload), for ``verify``."""
        if self._db is None:
            return
        for key, request_json in self._db.execute("SELECT key, request_json FROM responses"):
            yield key, json.loads(request_json)

    def verify(self) -> list[str]:
        """Keys whose stored request no longer hashes to the key (should be empty)."""
        return [key for key, payload in self.requests() if cache_key(payload) != key]

    def close(self) -> None:
        """Close the database."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
