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
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import orjson

from jixiao import limits
from jixiao.errors import InputError, internal_reason
from jixiao.ingest import uris
from jixiao.ingest.archive import Member
from jixiao.ingest.decode import display_name
from jixiao.output import watchdog
from jixiao.schema import PartOutcome, Reject
from jixiao.settings import RunSettings

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

    def parts(self, path: str, sha: str, config: str) -> Iterator[PartOutcome]:
        """The stored parts of this file content under this configuration, in order."""
        rows = self.db.execute(
            "SELECT payload FROM parts WHERE path=? AND sha256=? AND config=? ORDER BY part",
            (path, sha, config),
        )
        for (payload,) in rows:
            yield PartOutcome.from_dict(orjson.loads(payload))

    def has(self, path: str, sha: str, config: str) -> bool:
        """Whether this file content is already done under this configuration."""
        return (
            self.db.execute(
                "SELECT 1 FROM files WHERE path=? AND sha256=? AND config=?", (path, sha, config)
            ).fetchone()
            is not None
        )

    def put_parts(
        self, path: str, sha: str, config: str, parts: Iterable[PartOutcome]
    ) -> dict[str, int]:
        """Store a file's parts as they come (a killed run's leftovers are replaced); returns
        the file's totals. The file counts as done only once ``done`` records it;
        ``totals["llm_failed"]`` counts LLM calls that could not be made or answered (endpoint
        down, budget or deadline spent, transport failure): the caller then does not mark the
        file done, so the next run asks again."""
        self.db.execute(
            "DELETE FROM parts WHERE path=? AND sha256=? AND config=?", (path, sha, config)
        )
        self.db.commit()  # before the first part is parsed: no lock is held while parsing
        totals = {"parts": 0, "forms": 0, "rejects": 0, "llm_failed": 0}
        for part in parts:
            self.db.execute(
                "INSERT INTO parts (path, sha256, config, part, payload) VALUES (?, ?, ?, ?, ?)",
                (path, sha, config, totals["parts"], self.payload(part)),
            )
            self.db.commit()
            totals["parts"] += 1
            totals["forms"] += len(part.forms)
            totals["rejects"] += len(part.rejects)
            totals["llm_failed"] += part.llm_failed
        return totals

    @staticmethod
    def payload(part: PartOutcome) -> bytes:
        """A part as the store keeps it (JSON bytes)."""
        return orjson.dumps(part.as_dict(), option=_OPTIONS)

    def put_payloads(self, path: str, sha: str, config: str, payloads: list[bytes]) -> None:
        """Store a file's parts made elsewhere (a Ray worker's ``payload``s), replacing any
        leftovers, in one transaction."""
        with self.db:
            self.db.execute(
                "DELETE FROM parts WHERE path=? AND sha256=? AND config=?", (path, sha, config)
            )
            self.db.executemany(
                "INSERT INTO parts (path, sha256, config, part, payload) VALUES (?, ?, ?, ?, ?)",
                [(path, sha, config, k, data) for k, data in enumerate(payloads)],
            )

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
    """One file to process under one run's settings (picklable for the pool)."""

    path: str
    sha: str
    settings: RunSettings = field(default_factory=RunSettings)
    #: One member of the archive at ``path`` (``sha`` is the archive's), or the whole file.
    member: Member | None = None
    #: the name to show instead of the path (``<stdin>`` for standard input's temporary file)
    label: str | None = None

    @property
    def name(self) -> str:
        """The file's name as outputs and the store hold it (see ``ingest.display_name``);
        ``archive.zip!member`` for a member, ``label`` when one is given."""
        if self.member is not None:
            return self.member.name
        return self.label or display_name(self.path)

    @property
    def key(self) -> str:
        return self.settings.key()


#: The work done on one file: its parts as outcomes (``pipeline.run_file``: path, settings,
#: archive member, the name to show instead of the path), passed in by the caller so that the
#: store and the engines import no stage.
Work = Callable[[Path, RunSettings, Member | None, str | None], Iterable[PartOutcome]]


class PartSink(Protocol):
    """Where ``process`` puts a file's parts: the run store, or a Ray worker's collector."""

    def put_parts(
        self, path: str, sha: str, config: str, parts: Iterable[PartOutcome]
    ) -> dict[str, int]: ...


def process(job: Job, store: PartSink, work: Work) -> tuple[Job, dict[str, int]]:
    """Run ``work`` on one file part by part into the store, behind a boundary.

    Parts go to the store as they are made, so a worker holds one part at a time however
    long the file; the caller only hears the totals. Whatever goes wrong inside (a limit hit
    late, a bug, memory exhausted) replaces the file's parts with one reject, and the batch
    goes on: one file never takes the run down. The file's wall time and memory are watched
    (``watchdog``, the ``seconds``/``memory_mb`` limits) and kept with its totals (``ms``,
    ``peak_mb``: eval/fuzz_hostile.py reads them). A file named by URI (``s3://…``) is read
    through pyarrow's filesystem into a temporary copy for the time of its work, named by
    its URI.
    """
    start = time.monotonic()
    state = None
    try:
        lims = job.settings.limits
        with limits.use(lims), watchdog.watch(job.name, lims) as state:
            if uris.is_uri(job.path):
                with uris.local_copy(job.path) as copy:
                    parts = work(copy, job.settings, job.member, job.name)
                    totals = store.put_parts(job.name, job.sha, job.key, parts)
            else:
                parts = work(Path(job.path), job.settings, job.member, job.label)
                totals = store.put_parts(job.name, job.sha, job.key, parts)
    except InputError as exc:
        totals = store.put_parts(
            job.name, job.sha, job.key, [reject_outcome(job, exc.reason, exc.code)]
        )
    except Exception as exc:  # the isolation boundary: any bug becomes this file's reject
        totals = store.put_parts(job.name, job.sha, job.key, [internal_outcome(job, exc)])
    totals["ms"] = round(1000 * (time.monotonic() - start))
    totals["peak_mb"] = (state.peak if state is not None else watchdog.rss_bytes()) >> 20
    return job, totals


def internal_outcome(job: Job, exc: BaseException) -> PartOutcome:
    """The outcome of a file whose processing raised ``exc``."""
    message = " ".join(str(exc).split())[:300]
    return reject_outcome(
        job, internal_reason(f"{type(exc).__name__}: {message}"), "internal_error"
    )


def reject_outcome(job: Job, reason: str, code: str) -> PartOutcome:
    """A part holding only one file-level reject (``code``: see ``labels.REJECT_LABELS``)."""
    return skip_outcome(job.name, reason, code)


def skip_outcome(name: str, reason: str, code: str = "skipped") -> PartOutcome:
    """A part holding only one file-level reject of the file (or walk entry) ``name``."""
    reject = Reject(file=name, reason=reason, code=code)
    return PartOutcome(file=name, rejects=[reject.model_dump(mode="json", exclude_none=True)])


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


def stored_outcomes(store: RunStore, jobs: list[Job]) -> Iterator[PartOutcome]:
    """The stored parts in input order (deterministic output whatever finished first)."""
    for job in jobs:
        yield from store.parts(job.name, job.sha, job.key)
