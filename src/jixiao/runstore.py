"""Bulk runs: a process pool over files and a SQLite run store keyed by content hash.

Each file is parsed (and repaired) once per content: the worker writes its results into the
store part by part as they are made (a long dump is parsed in parts, so memory follows the
part, not the file), and the file is marked done when its last part is in. A run killed at
any point (even ``kill -9``) resumes where it stopped, and an unchanged file is never parsed
again. Outputs are streamed from the store in input order as files finish, each to a
temporary name renamed into place when the run completes: deterministic whatever the number
of workers, and flat in memory however many files there are and however long each is.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache, partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import orjson

from jixiao import __version__
from jixiao.runtime import tune_for_batch
from jixiao.schema import FileResult

STORE_NAME = ".jixiao-run.sqlite"
_OPTIONS = orjson.OPT_NON_STR_KEYS

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
    (
        # A file's results in parts (a long dump is parsed part by part); ``files`` keeps a
        # file's summary and marks it done once every part is in.
        "m002_parts",
        """
        CREATE TABLE parts (
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            config TEXT NOT NULL,
            part INTEGER NOT NULL,
            payload BLOB NOT NULL,
            PRIMARY KEY (path, sha256, config, part)
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
        self.db = sqlite3.connect(path, timeout=60)  # workers write parts concurrently
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

    def parts(self, path: str, sha: str, config: str) -> Iterator[dict[str, Any]]:
        """The stored parts of this file content under this configuration, in order."""
        rows = self.db.execute(
            "SELECT payload FROM parts WHERE path=? AND sha256=? AND config=? ORDER BY part",
            (path, sha, config),
        )
        for (payload,) in rows:
            yield orjson.loads(payload)

    def has(self, path: str, sha: str, config: str) -> bool:
        """Whether this file content is already done under this configuration."""
        return (
            self.db.execute(
                "SELECT 1 FROM files WHERE path=? AND sha256=? AND config=?", (path, sha, config)
            ).fetchone()
            is not None
        )

    def put_parts(
        self, path: str, sha: str, config: str, payloads: Iterable[dict[str, Any]]
    ) -> dict[str, int]:
        """Store a file's parts as they come (a killed run's leftovers are replaced); returns
        the file's totals. The file counts as done only once ``done`` records it."""
        self.db.execute(
            "DELETE FROM parts WHERE path=? AND sha256=? AND config=?", (path, sha, config)
        )
        self.db.commit()  # before the first part is parsed: no lock is held while parsing
        totals = {"parts": 0, "forms": 0, "rejects": 0}
        for payload in payloads:
            self.db.execute(
                "INSERT INTO parts (path, sha256, config, part, payload) VALUES (?, ?, ?, ?, ?)",
                (path, sha, config, totals["parts"], orjson.dumps(payload, option=_OPTIONS)),
            )
            self.db.commit()
            totals["parts"] += 1
            totals["forms"] += len(payload["forms"])
            totals["rejects"] += len(payload["rejects"])
        return totals

    def done(self, path: str, sha: str, config: str, totals: dict[str, int]) -> None:
        """Mark one file done (its parts are all in), durably, before the next is taken."""
        self.db.execute(
            "INSERT INTO files (path, sha256, config, payload) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(path, sha256, config) DO UPDATE SET payload=excluded.payload, "
            "parses=files.parses + 1",
            (path, sha, config, orjson.dumps(totals)),
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


def process(job: Job, store: RunStore) -> tuple[Job, dict[str, int]]:
    """Parse (and repair) one file part by part into the store.

    Parts go to the store as they are made, so a worker holds one part at a time however
    long the file; the caller only hears the totals.
    """
    from jixiao.pipeline import iter_path

    payloads = (_payload(part, job) for part in iter_path(Path(job.path)))
    return job, store.put_parts(job.path, job.sha, config_key(job.stage, job.llm), payloads)


def _process_in_worker(job: Job, store_path: str) -> tuple[Job, dict[str, int]]:
    """``process`` in a pool worker, with the worker's own store connection."""
    return process(job, _worker_store(store_path))


@lru_cache(maxsize=1)
def _worker_store(store_path: str) -> RunStore:
    """A worker process's connection to the run store, opened once (closed at its exit)."""
    return RunStore(Path(store_path))


def _payload(result: FileResult, job: Job) -> dict[str, Any]:
    """One part's JSON-ready result: records, provenance, rejects, review queue."""
    from jixiao.repair.cascade import repair_results

    queue: list[dict[str, Any]] = []
    cascade = ""
    if job.stage != "parse" and result.forms:
        stats = repair_results([result], job.stage, job.llm)
        queue = [q.model_dump(mode="json") for q in stats.queue]
        cascade = str(stats)
    return {
        "file": result.file,
        "encoding": result.encoding,
        "layout": result.layout,
        "forms": [f.contract() for f in result.forms],
        "provenance": [f.provenance() for f in result.forms],
        "rejects": [r.model_dump(mode="json", exclude_none=True) for r in result.rejects],
        "queue": queue,
        "cascade": cascade,
    }


def run_jobs(
    jobs: list[Job],
    workers: int,
    store_path: Path,
    on_done: Callable[[Job, dict[str, int]], None],
) -> None:
    """Process jobs with ``workers`` processes (1: in this process), calling back per file."""
    if workers <= 1 or len(jobs) <= 1:
        store = RunStore(store_path)
        try:
            for job in jobs:
                on_done(*process(job, store))
        finally:
            store.close()
        return
    work = partial(_process_in_worker, store_path=str(store_path))
    with get_context("spawn").Pool(workers, initializer=tune_for_batch) as pool:
        for job, totals in pool.imap_unordered(work, jobs, chunksize=4):
            on_done(job, totals)


def stored_payloads(store: RunStore, jobs: list[Job]) -> Iterator[dict[str, Any]]:
    """The stored parts in input order (deterministic output whatever finished first)."""
    for job in jobs:
        yield from store.parts(job.path, job.sha, config_key(job.stage, job.llm))
