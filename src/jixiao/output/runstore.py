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
import math
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import orjson

from jixiao import __version__, defects, limits
from jixiao.errors import InputError, internal_reason
from jixiao.ingest.archive import Member
from jixiao.ingest.decode import display_name
from jixiao.output import watchdog
from jixiao.output.runtime import worker_init
from jixiao.schema import FileResult, Reject

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
    limits: limits.Limits = field(default_factory=limits.Limits)
    #: One member of the archive at ``path`` (``sha`` is the archive's), or the whole file.
    member: Member | None = None

    @property
    def name(self) -> str:
        """The file's name as outputs and the store hold it (see ``ingest.display_name``);
        ``archive.zip!member`` for a member."""
        return self.member.name if self.member is not None else display_name(self.path)

    @property
    def key(self) -> str:
        return config_key(self.stage, self.llm, self.limits)


def config_key(stage: str, llm: str, lims: limits.Limits | None = None) -> str:
    """What a stored result depends on besides the bytes: the stage, the LLM, our version,
    and the limits when they are not the defaults (a file rejected at a limit is read again
    once the limit is raised)."""
    key = f"{stage}|{llm}|{__version__}"
    if lims is not None and lims != limits.Limits():
        key += "|" + ",".join(f"{v}" for v in vars(lims).values())
    return key


def process(job: Job, store: RunStore) -> tuple[Job, dict[str, int]]:
    """Parse (and repair) one file part by part into the store, behind a boundary.

    Parts go to the store as they are made, so a worker holds one part at a time however
    long the file; the caller only hears the totals. Whatever goes wrong inside (a limit hit
    late, a bug, memory exhausted) replaces the file's parts with one reject, and the batch
    goes on: one file never takes the run down.
    """
    from jixiao.pipeline import iter_path

    # loaded before the clock starts: a process-wide dictionary, not this file's cost (and a
    # limit hit inside jieba's loader, which swallows exceptions, would leave it half made)
    defects.jieba_tokenizer()
    start = time.monotonic()
    state = None
    try:
        with limits.use(job.limits), watchdog.watch(job.name) as state:
            parts = iter_path(Path(job.path), job.member)
            payloads = (_payload(part, job) for part in parts)
            totals = store.put_parts(job.name, job.sha, job.key, payloads)
    except InputError as exc:
        totals = store.put_parts(job.name, job.sha, job.key, [reject_payload(job, exc.reason)])
    except Exception as exc:  # the isolation boundary: any bug becomes this file's reject
        totals = store.put_parts(job.name, job.sha, job.key, [internal_payload(job, exc)])
    # what the file cost (kept with its totals in the store; eval/fuzz_hostile.py reads them)
    totals["ms"] = round(1000 * (time.monotonic() - start))
    totals["peak_mb"] = (state.peak if state is not None else watchdog.rss_bytes()) >> 20
    return job, totals


def internal_payload(job: Job, exc: BaseException) -> dict[str, Any]:
    """The payload of a file whose processing raised ``exc``."""
    message = " ".join(str(exc).split())[:300]
    return reject_payload(job, internal_reason(f"{type(exc).__name__}: {message}"))


def reject_payload(job: Job, reason: str) -> dict[str, Any]:
    """A stored part holding only one file-level reject."""
    return skip_payload(job.name, reason)


def skip_payload(name: str, reason: str) -> dict[str, Any]:
    """A part holding only one file-level reject of the file (or entry) ``name``."""
    reject = Reject(file=name, reason=reason).model_dump(mode="json", exclude_none=True)
    return {
        "file": name,
        "encoding": None,
        "layout": None,
        "forms": [],
        "provenance": [],
        "rejects": [reject],
        "queue": [],
        "cascade": "",
    }


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
    if job.stage != "parse" and (result.forms or job.stage == "llm"):
        stats = repair_results([result], job.stage, job.llm)
        queue = [q.model_dump(mode="json") for q in stats.queue]
        cascade = str(stats)
    payload = {
        "file": result.file,
        "encoding": result.encoding,
        "layout": result.layout,
        "forms": [exact_numbers(f.contract(), f.provenance()) for f in result.forms],
        "provenance": [f.provenance() for f in result.forms],
        "rejects": [r.model_dump(mode="json", exclude_none=True) for r in result.rejects],
        "queue": queue,
        "cascade": cascade,
    }
    safe: dict[str, Any] = json_safe(payload)
    return safe


#: Integers beyond this are not held exactly by readers that parse JSON numbers as doubles
#: (JavaScript, Excel, pandas); orjson cannot write those past 64 bits at all.
EXACT_INT = 2**53


def _inexact(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > EXACT_INT
    return isinstance(value, float) and not math.isfinite(value)


_DIGITS = re.compile(r"[-+]?\d[\d,，]*(?:\.\d+)?")


def exact_numbers(record: dict[str, Any], provenance: dict[str, Any]) -> dict[str, Any]:
    """A form record whose numbers every reader holds exactly: an indicator value that cannot
    be is kept as the source cell's digits (text) and flagged ``value_suspect``; a weight that
    cannot be is dropped and flagged; a header number is kept as text. Nothing is rounded
    silently (the parser's number may already be a rounded double: the cell is the truth)."""
    cells = [p.get("cells", {}) for p in provenance.get("indicators", [])]
    for k, ind in enumerate(record.get("indicators", [])):
        suspect = False
        if _inexact(ind.get("value")):
            raw = cells[k].get("value", {}).get("text", "") if k < len(cells) else ""
            digits = _DIGITS.search(raw)
            text = re.sub("[,，]", "", digits.group()) if digits else str(ind["value"])
            ind["value"], suspect = text, True
        if _inexact(ind.get("weight")):
            ind["weight"], suspect = None, True
        if suspect and "value_suspect" not in ind["flags"]:
            ind["flags"].append("value_suspect")
    for key, value in record.items():
        if key != "indicators" and _inexact(value):
            record[key] = str(value)
    return record


def json_safe(obj: Any) -> Any:
    """``obj`` with numbers no reader holds exactly turned into their text (see ``EXACT_INT``)."""
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [json_safe(v) for v in obj]
    return str(obj) if _inexact(obj) else obj


def run_jobs(
    jobs: list[Job],
    workers: int,
    store_path: Path,
    on_done: Callable[[Job, dict[str, int]], None],
) -> None:
    """Process jobs with ``workers`` processes (1: in this process), calling back per file.

    A worker that dies (killed for memory, a crash in a native reader) breaks the pool: the
    files that were in flight are tried again one at a time in a fresh process, so the one
    that kills its worker is found and rejected; the others go on in a new pool.
    """
    workers = min(workers, len(jobs))
    if workers <= 1:
        store = RunStore(store_path)
        try:
            for job in jobs:
                on_done(*process(job, store))
        finally:
            store.close()
        return
    todo = list(reversed(jobs))  # popped from the end: input order
    suspects: list[Job] = []
    while todo:
        suspects += _run_pool(todo, workers, store_path, on_done)
    for job in suspects:
        if not _run_pool([job], 1, store_path, on_done):
            continue  # it went through alone: the crash was another file's or transient
        store = RunStore(store_path)
        try:
            why = internal_reason(
                "处理进程意外退出 (worker process died: memory or a native crash)"
            )
            totals = store.put_parts(job.name, job.sha, job.key, [reject_payload(job, why)])
        finally:
            store.close()
        on_done(job, totals)


def _run_pool(
    todo: list[Job],
    workers: int,
    store_path: Path,
    on_done: Callable[[Job, dict[str, int]], None],
) -> list[Job]:
    """Run jobs popped from ``todo`` with at most ``workers`` in flight; when the pool breaks,
    return the jobs that were in flight (``todo`` keeps the ones not started)."""
    running: dict[Future[tuple[Job, dict[str, int]]], Job] = {}
    ctx = get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=worker_init) as pool:
        while todo or running:
            while todo and len(running) < workers:
                job = todo.pop()
                try:
                    running[pool.submit(_process_in_worker, job, str(store_path))] = job
                except BrokenProcessPool:
                    # a worker died since the last wait: this job never started
                    todo.append(job)
                    return list(running.values())
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = False
            for future in finished:
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                del running[future]
                on_done(*result)
            if broken:
                return list(running.values())
    return []


LOCK_NAME = ".jixiao-run.lock"


class OutputLock:
    """One writer per output directory: an exclusive ``flock`` on ``OUT/.jixiao-run.lock``.

    Two runs on one directory destroyed each other's outputs. The lock file says who holds
    it (pid, host, start time); the kernel releases the lock when the holder dies, even by
    ``kill -9``, so a stale file never blocks the next run.
    """

    def __init__(self, outdir: Path) -> None:
        self.path = outdir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise ``LockHeld`` naming the holder."""
        import datetime as dt
        import fcntl
        import os
        import socket

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "?"
            os.close(fd)
            raise LockHeld(self.path, holder) from None
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {now}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Let the lock go (the file stays; it is harmless once unlocked)."""
        import os

        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class LockHeld(Exception):
    """Another run holds the output directory."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(
            f"输出目录正被另一个运行占用 / output directory in use by another run: "
            f"{path.parent} ({holder}); wait for it to finish or use another -o"
        )
        self.holder = holder


def stored_payloads(store: RunStore, jobs: list[Job]) -> Iterator[dict[str, Any]]:
    """The stored parts in input order (deterministic output whatever finished first)."""
    for job in jobs:
        yield from store.parts(job.name, job.sha, job.key)
