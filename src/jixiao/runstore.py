"""Bulk runs: a process pool over files and a SQLite run store keyed by content hash.

Each file is parsed (and repaired) once per content: its results go into the store the moment
they arrive, so a run killed at any point (even ``kill -9``) resumes where it stopped, and an
unchanged file is never parsed again. Outputs are written only at the end, streamed from the
store in input order, each to a temporary name renamed into place — deterministic whatever
the number of workers, and flat in memory however many files there are.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import orjson

from jixiao import __version__
from jixiao.runtime import tune_for_batch

STORE_NAME = ".jixiao-run.sqlite"

#: Numbered schema migrations, applied once each and recorded in ``migrations``.
MIGRATIONS: list[tuple[str, str]] = [
    (
        "m001_files",
        """
        CREATE TABLE files (
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            config TEXT NOT NULL,
            payload TEXT NOT NULL,
            parses INTEGER NOT NULL DEFAULT 1,
            done_at TEXT NOT NULL DEFAULT (datetime('now')),
            PRIMARY KEY (path, sha256, config)
        )
        """,
    ),
]


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (streamed)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class RunStore:
    """The SQLite store of per-file results for one output directory."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._migrate()

    def _migrate(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
        done = {row[0] for row in self.db.execute("SELECT name FROM migrations")}
        for name, sql in MIGRATIONS:
            if name not in done:
                self.db.execute(sql)
                self.db.execute("INSERT INTO migrations VALUES (?, datetime('now'))", (name,))
        self.db.commit()

    def get(self, path: str, sha: str, config: str) -> dict[str, Any] | None:
        """The stored result of this file content under this configuration, if any."""
        row = self.db.execute(
            "SELECT payload FROM files WHERE path=? AND sha256=? AND config=?", (path, sha, config)
        ).fetchone()
        return orjson.loads(row[0]) if row else None

    def has(self, path: str, sha: str, config: str) -> bool:
        """Whether this file content is already done under this configuration."""
        return (
            self.db.execute(
                "SELECT 1 FROM files WHERE path=? AND sha256=? AND config=?", (path, sha, config)
            ).fetchone()
            is not None
        )

    def put(self, path: str, sha: str, config: str, payload: dict[str, Any]) -> None:
        """Record one file's result, durably, before the next file is taken."""
        self.db.execute(
            "INSERT INTO files (path, sha256, config, payload) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(path, sha256, config) DO UPDATE SET payload=excluded.payload, "
            "parses=files.parses + 1",
            (path, sha, config, orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)),
        )
        self.db.commit()

    def parses(self) -> dict[str, int]:
        """How many times each stored file was parsed (1 everywhere after a clean resume)."""
        return dict(self.db.execute("SELECT path, parses FROM files").fetchall())

    def close(self) -> None:
        """Close the database."""
        self.db.close()


@dataclass(frozen=True)
class Job:
    """One file to process under one configuration (picklable for the pool)."""

    path: str
    sha: str
    stage: str
    llm: str


def config_key(stage: str, llm: str) -> str:
    """What a stored result depends on besides the bytes: the stage, the LLM, our version."""
    return f"{stage}|{llm}|{__version__}"


def process(job: Job) -> tuple[Job, dict[str, Any]]:
    """Parse (and repair) one file into a JSON-ready payload; runs in a worker process."""
    from jixiao.pipeline import normalize_path
    from jixiao.repair.cascade import repair_results

    result = normalize_path(Path(job.path))
    queue: list[dict[str, Any]] = []
    cascade = ""
    if job.stage != "parse" and result.forms:
        stats = repair_results([result], job.stage, job.llm)
        queue = [q.model_dump(mode="json") for q in stats.queue]
        cascade = str(stats)
    payload = {
        "file": result.file,
        "encoding": result.encoding,
        "layout": result.layout,
        "forms": [f.contract() for f in result.forms],
        "provenance": [f.provenance() for f in result.forms],
        "rejects": [r.model_dump(mode="json", exclude_none=True) for r in result.rejects],
        "queue": queue,
        "cascade": cascade,
    }
    return job, payload


def run_jobs(jobs: list[Job], workers: int, on_done: Callable[[Job, dict[str, Any]], None]) -> None:
    """Process jobs with ``workers`` processes (1: in this process), calling back per file."""
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            on_done(*process(job))
        return
    with get_context("spawn").Pool(workers, initializer=tune_for_batch) as pool:
        for job, payload in pool.imap_unordered(process, jobs, chunksize=4):
            on_done(job, payload)


def stored_payloads(store: RunStore, jobs: list[Job]) -> Iterator[dict[str, Any]]:
    """The stored results in input order (deterministic output whatever finished first)."""
    for job in jobs:
        payload = store.get(job.path, job.sha, config_key(job.stage, job.llm))
        if payload is not None:
            yield payload
