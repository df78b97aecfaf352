"""``--engine ray``: a normalize batch on Ray Data, with the local run's store, keys and outputs.

The manifest of input files (path, size, content hash) is the unit of work: Ray Data maps
its rows, a few files per task, through the very function the local pool calls
(``runstore.process`` on ``pipeline.run_file``), run against the worker's own in-memory store, and the task returns
each file's parts. The driver puts them into the run store under the keys a local run uses
and hands the file to the same callback as the local pool (mark done, progress bar, writer
in input order). So a killed run resumes, unchanged files are never parsed again, and
``--engine local`` and ``--engine ray`` finish each other's runs. Workers need the inputs at
the same path (a shared mount) and jixiao installed; they never touch the driver's store.

A file whose task raises becomes that file's reject, and is not marked done: a rerun tries
it again. Ray itself is an optional extra (``pip install 'jixiao[ray]'``), imported only here.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import orjson

from jixiao.ingest.archive import Member
from jixiao.limits import Limits
from jixiao.output.runstore import Job, RunStore, Work, process, reject_outcome
from jixiao.output.runtime import tune_for_batch
from jixiao.schema import PartOutcome
from jixiao.settings import RunSettings

#: Files per Ray task: a task costs a few milliseconds, a small file tens (the local pool
#: hands its workers 4 at a time too). A crash of the worker loses at most these files.
FILES_PER_TASK = 4

#: Times Ray reruns a task whose worker died (a crash on one file) before its files are
#: given up as rejects (retried by the next run).
TASK_RETRIES = 2

Task = Callable[[Job], list[dict[str, Any]]]


def available() -> bool:
    """Whether Ray Data can be imported (the ``ray`` extra is installed)."""
    try:
        import ray.data  # noqa: F401
    except ImportError:
        return False
    return True


def manifest(jobs: list[Job]) -> list[dict[str, Any]]:
    """One row per input file: its place in the run, path, size, content hash, configuration."""
    rows = []
    for index, job in enumerate(jobs):
        try:
            size = os.stat(job.path).st_size
        except OSError:
            size = -1  # the task reports the file as unreadable, like a local run
        rows.append(
            {
                "index": index,
                "path": job.path,
                "size": size,
                "sha256": job.sha,
                "stage": job.settings.stage,
                "llm": job.settings.llm,
                "limits": vars(job.settings.limits),
                "llm_key": job.settings.llm_key,
                "member_index": job.member.index if job.member else -1,
                "member_name": job.member.name if job.member else "",
            }
        )
    return rows


def parse_file(job: Job, work: Work) -> list[dict[str, Any]]:
    """One file's stored parts, made by ``runstore.process`` exactly as a local worker makes
    them, in this worker's in-memory store, and taken out of it again."""
    store = _memory_store()
    process(job, store, work)
    parts = [part.as_dict() for part in store.parts(job.name, job.sha, job.key)]
    store.db.execute(
        "DELETE FROM parts WHERE path=? AND sha256=? AND config=?", (job.name, job.sha, job.key)
    )
    store.db.commit()
    return parts


@lru_cache(maxsize=1)
def _memory_store() -> RunStore:
    """A worker process's scratch store (SQLite in memory), opened once."""
    return RunStore(Path(":memory:"))


def failed_parts(job: Job, why: str) -> list[dict[str, Any]]:
    """The one reject of a file whose task failed, shaped as a stored part."""
    reason = (
        f"处理失败，重跑会再试 (the Ray task for this file failed: {why}; a rerun tries it again)"
    )
    return [reject_outcome(job, reason, "other").as_dict()]


def _map_row(row: dict[str, Any], task: Task) -> dict[str, Any]:
    """Ray Data's per-row function: one manifest row in, the file's parts (JSON) out."""
    tune_for_batch()
    settings = RunSettings(row["stage"], row["llm"], Limits(**row["limits"]), row["llm_key"])
    member = None
    if int(row.get("member_index", -1)) >= 0:
        member = Member(int(row["member_index"]), str(row["member_name"]))
    job = Job(row["path"], row["sha256"], settings, member)
    try:
        parts, failed = task(job), False
    except Exception as exc:  # one bad file fails only itself
        parts, failed = failed_parts(job, f"{type(exc).__name__}: {exc}"), True
    return {
        "index": row["index"],
        "parts": orjson.dumps(parts, option=orjson.OPT_NON_STR_KEYS),
        "failed": failed,
    }


def connect(address: str | None, num_cpus: int | None) -> bool:
    """Join the cluster at ``address`` (``auto``, ``ray://HOST:10001``), or start a local Ray
    with ``num_cpus``; reuse a session already open. Returns whether one was started here."""
    import ray

    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
    if address:
        ray.init(address=address, **options)
    else:
        ray.init(num_cpus=num_cpus, include_dashboard=False, **options)
    return True


def run_jobs(
    jobs: list[Job],
    store_path: Path,
    on_done: Callable[[Job, dict[str, int]], None],
    work: Work,
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    files_per_task: int = FILES_PER_TASK,
) -> None:
    """Process jobs on Ray Data, storing each file and calling back as its task finishes.

    ``on_done`` gets the file's totals; ``totals["failed"]`` is 1 when its task failed (its
    reject is stored, but the file must not be marked done).
    """
    if not jobs:
        return
    import ray
    import ray.data

    started = connect(address, num_cpus)
    logging.getLogger("ray.data").setLevel(logging.ERROR)  # plan and timing chatter
    try:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # the CLI's bar is fed below
        context.max_errored_blocks = -1  # a lost task costs its files, not the run
        store = RunStore(store_path)
        left = set(range(len(jobs)))

        def finish(index: int, parts: list[dict[str, Any]], failed: bool) -> None:
            job = jobs[index]
            outcomes = [PartOutcome.from_dict(part) for part in parts]
            totals = store.put_parts(job.name, job.sha, job.key, outcomes)
            if failed:
                totals["failed"] = 1
            left.discard(index)
            on_done(job, totals)

        def run_pass(rows: list[dict[str, Any]], per_task: int) -> None:
            dataset = ray.data.from_items(
                rows, override_num_blocks=math.ceil(len(rows) / per_task)
            ).map(partial(_map_row, task=partial(parse_file, work=work)), max_retries=TASK_RETRIES)
            for row in dataset.iter_rows():
                finish(int(row["index"]), orjson.loads(row["parts"]), bool(row["failed"]))

        try:
            rows = manifest(jobs)
            run_pass(rows, max(1, files_per_task))
            if left and files_per_task > 1:  # a lost task's files again, one per task
                run_pass([rows[i] for i in sorted(left)], 1)
            for index in sorted(left):  # their worker died TASK_RETRIES + 1 times
                why = "the worker running it was lost (crashed or killed)"
                finish(index, failed_parts(jobs[index], why), True)
        finally:
            store.close()
    finally:
        if started:
            ray.shutdown()
