"""``--engine local``: the files of a run on a process pool of this machine (or in this
process), each through the work function it is given, into the run store.

A worker that dies (killed for memory, a crash in a native reader) breaks the pool: the files
that were in flight are tried again one at a time in a fresh process, so the one that kills
its worker is found and rejected; the others go on in a new pool.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path

from jixiao.errors import internal_reason
from jixiao.ingest.readers import pages
from jixiao.output.runstore import Job, RunStore, Work, process, reject_outcome
from jixiao.output.runtime import worker_init

Done = Callable[[Job, dict[str, int]], None]


def run_jobs(
    jobs: list[Job],
    workers: int,
    store_path: Path,
    on_done: Done,
    work: Work,
    page_jobs: int = 1,
) -> None:
    """Process jobs with ``workers`` processes (1: in this process), calling back per file.

    A worker that dies (killed for memory, a crash in a native reader) breaks the pool: the
    files that were in flight are tried again one at a time in a fresh process, so the one
    that kills its worker is found and rejected; the others go on in a new pool.
    ``page_jobs``: processes each file's scanned pages may be read by (``readers.pages``),
    when the run has fewer files than processes; the file's result is the same.
    """
    with pages.spread(page_jobs):
        _run_jobs(jobs, workers, store_path, on_done, work)


def _run_jobs(jobs: list[Job], workers: int, store_path: Path, on_done: Done, work: Work) -> None:
    workers = min(workers, len(jobs))
    if workers <= 1:
        store = RunStore(store_path)
        try:
            for job in jobs:
                on_done(*process(job, store, work))
        finally:
            store.close()
        return
    todo = list(reversed(jobs))  # popped from the end: input order
    suspects: list[Job] = []
    while todo:
        suspects += _run_pool(todo, workers, store_path, on_done, work)
    for job in suspects:
        if not _run_pool([job], 1, store_path, on_done, work):
            continue  # it went through alone: the crash was another file's or transient
        store = RunStore(store_path)
        try:
            why = internal_reason(
                "处理进程意外退出 (worker process died: memory or a native crash)"
            )
            totals = store.put_parts(
                job.name, job.sha, job.key, [reject_outcome(job, why, "internal_error")]
            )
        finally:
            store.close()
        on_done(job, totals)


def _run_pool(
    todo: list[Job],
    workers: int,
    store_path: Path,
    on_done: Done,
    work: Work,
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
                    running[pool.submit(_process_in_worker, job, str(store_path), work)] = job
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


def _process_in_worker(job: Job, store_path: str, work: Work) -> tuple[Job, dict[str, int]]:
    """``process`` in a pool worker, with the worker's own store connection."""
    return process(job, _worker_store(store_path), work)


@lru_cache(maxsize=1)
def _worker_store(store_path: str) -> RunStore:
    """A worker process's connection to the run store, opened once (closed at its exit)."""
    return RunStore(Path(store_path))
