"""``--engine ray``: a normalize batch on Ray Data, with the local run's store, keys and outputs.

The manifest of input files (path, size, content hash) is the unit of work: Ray Data maps
groups of its rows (many small text files per task, one document or scan per task) through
the very function the local pool calls (``runstore.process`` on ``pipeline.run_file``). A
worker keeps each part as the bytes the run store holds (no store of its own, no decoding and
re-encoding on the way) and returns them with the file's totals; the driver inserts them under
the keys a local run uses, one transaction per file, and hands the file to the same callback
as the local pool (mark done, progress bar, writer in input order). So a killed run resumes,
unchanged files are never parsed again, and ``--engine local`` and ``--engine ray`` finish
each other's runs. Workers read local paths at the same path (a shared mount) and URIs
(``s3://…``) through pyarrow's filesystems; they never touch the driver's store.

The LLM stage: the run's call and token budget is divided across the workers up front (each
worker process claims one share; a worker never spends more than its share, so the run never
spends more than its budget), each worker keeps the client's bounded concurrency
(``JIXIAO_LLM_CONCURRENCY`` requests in flight per worker), looks answers up in the run's
response cache through one actor on the driver's node (no worker holds a copy of the cache:
it may be large), keeps what it asks in a cache of its own, and sends back with each file the
entries it made: the driver merges them into the run's cache as files finish (keys are
content hashes: a union) and adds the calls and tokens to the run's ledger. The API key never
travels with a task or an object: it is in the job's environment (``runtime_env`` env_vars
given to ``ray.init``), which Ray hands to every worker of the job. ``run_jobs`` returns a note of the shares and what each
worker used, so budget left unused on one worker while another ran out is said, not lost.

A file whose task raises becomes that file's reject, and is not marked done: a rerun tries
it again. Ray itself is an optional extra (``pip install 'jixiao[ray]'``), imported only here.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from jixiao.ingest.archive import Member
from jixiao.llm import cache
from jixiao.llm.cache import CachedResponse, ResponseCache
from jixiao.llm.config import CACHE_FILE, resolve_llm_config
from jixiao.llm.ledger import RunLedger
from jixiao.output.runstore import Job, RunStore, Work, process, reject_outcome
from jixiao.output.runtime import tune_for_batch
from jixiao.schema import PartOutcome
from jixiao.settings import RunSettings

#: Files per Ray task at most: a task costs milliseconds of scheduling, a small text file
#: tens; a crash of the worker loses at most these files (they are retried one per task).
MAX_FILES_PER_TASK = 64
#: Tasks per CPU at least, so the last tasks do not leave CPUs idle for long.
TASKS_PER_CPU = 4
#: Suffixes whose files take seconds each (OCR, LibreOffice): one file per task.
HEAVY_SUFFIXES = frozenset(
    {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".doc", ".wps", ".xls", ".et"}
)

#: Bytes of results a task gathers before Ray Data ships them to the driver as one block
#: (its default, 128 MiB, held a whole task's results in the worker until the task ended:
#: workers peaked at 0.5 GB on 64 text files of 50 forms, and the driver waited).
BLOCK_BYTES = 1 << 20

#: Times Ray reruns a task whose worker died (a crash on one file) before its files are
#: given up as rejects (retried by the next run).
TASK_RETRIES = 2

#: The variables a worker needs to make the run's LLM calls (a joined cluster's workers were
#: started without the driver's environment), sent with the run's plan; never a secret.
LLM_ENV = (
    "JIXIAO_LLM_BACKEND",
    "JIXIAO_LLM_BASE_URL",
    "JIXIAO_LLM_MODEL",
    "JIXIAO_LLM_MODE",
    "JIXIAO_LLM_CONCURRENCY",
    "JIXIAO_LLM_TIMEOUT",
    "JIXIAO_LLM_DEADLINE_AT",
    "JIXIAO_LLM_COMPLETIONS",
    "JIXIAO_LLM_MAX_CALLS",
    "JIXIAO_LLM_MAX_TOKENS",
)
#: The secrets among them: only ever in the job's environment (``ray.init``'s runtime_env).
SECRET_ENV = ("JIXIAO_LLM_API_KEY", "OPENAI_API_KEY")

#: One file's result as a worker returns it: its totals and its parts as stored bytes.
FileResult = tuple[dict[str, int], list[bytes]]
Task = Callable[[Job, Work], FileResult]


def available() -> bool:
    """Whether Ray Data can be imported (the ``ray`` extra is installed)."""
    try:
        import ray.data  # noqa: F401
    except ImportError:
        return False
    return True


def manifest(jobs: list[Job]) -> list[dict[str, Any]]:
    """One row per input file: its place in the run, path (or URI), size, content hash."""
    rows = []
    for index, job in enumerate(jobs):
        try:
            size = -1 if "://" in job.path else os.stat(job.path).st_size
        except OSError:
            size = -1  # the task reports the file as unreadable, like a local run
        rows.append(
            {
                "index": index,
                "path": job.path,
                "size": size,
                "sha256": job.sha,
                "member_index": job.member.index if job.member else -1,
                "member_name": job.member.name if job.member else "",
                "label": job.label or "",
            }
        )
    return rows


def groups(rows: list[dict[str, Any]], cpus: int, per_task: int | None = None) -> list[list[Any]]:
    """The manifest cut into tasks, in order: a document or scan alone (seconds each), text
    files ``per_task`` at a time (by default as many as keeps ``TASKS_PER_CPU`` tasks per CPU,
    at most ``MAX_FILES_PER_TASK``)."""
    heavy = [r for r in rows if Path(r["path"]).suffix.lower() in HEAVY_SUFFIXES]
    light = [r for r in rows if Path(r["path"]).suffix.lower() not in HEAVY_SUFFIXES]
    if per_task is None:
        per_task = -(-len(light) // max(1, cpus * TASKS_PER_CPU))
    size = min(MAX_FILES_PER_TASK, max(1, per_task))
    cut = [light[k : k + size] for k in range(0, len(light), size)]
    return [[r] for r in heavy] + cut


class _Collect:
    """A worker's sink for ``runstore.process``: each part as the bytes the store keeps."""

    def __init__(self) -> None:
        self.payloads: list[bytes] = []

    def put_parts(
        self, path: str, sha: str, config: str, parts: Iterable[PartOutcome]
    ) -> dict[str, int]:
        totals = {"parts": 0, "forms": 0, "rejects": 0, "llm_failed": 0}
        for part in parts:
            self.payloads.append(RunStore.payload(part))
            totals["parts"] += 1
            totals["forms"] += len(part.forms)
            totals["rejects"] += len(part.rejects)
            totals["llm_failed"] += part.llm_failed
        return totals


def parse_file(job: Job, work: Work) -> FileResult:
    """One file's totals and stored parts, made by ``runstore.process`` exactly as a local
    worker makes them."""
    sink = _Collect()
    _, totals = process(job, sink, work)
    return totals, sink.payloads


def failed_result(job: Job, why: str) -> FileResult:
    """The one reject of a file whose task failed, as a stored part."""
    reason = (
        f"处理失败，重跑会再试 (the Ray task for this file failed: {why}; a rerun tries it again)"
    )
    part = reject_outcome(job, reason, "other")
    totals = {"parts": 1, "forms": 0, "rejects": len(part.rejects), "llm_failed": 0}
    return totals, [RunStore.payload(part)]


# ----------------------------------------------------------------------------- LLM on workers


@dataclass(frozen=True)
class LLMPlan:
    """What a worker needs for the LLM stage: the run's settings (no secret), the actor that
    looks answers up in the run's cache, the actor handing out budget shares."""

    run: str  # this run's id: a worker process reused by the next run starts afresh
    env: dict[str, str]
    cache: Any  # the ``_CacheReader`` actor
    shares: Any  # the ``_Shares`` actor


@dataclass
class Usage:
    """What one file's LLM calls cost on its worker, and the cache entries they made."""

    slot: int
    calls: int = 0
    tokens: int = 0
    down: str | None = None
    cache: list[tuple[Any, ...]] = field(default_factory=list)


class _WorkerLLM:
    """A worker process's LLM state: its own home (a cache of the answers it fetched, the
    run's cache asked through the actor on a miss), its own ledger holding its share of the
    run's budget. Made once per process, removed at its exit."""

    def __init__(self, plan: LLMPlan) -> None:
        import ray

        self.run = plan.run
        self.dir = Path(tempfile.mkdtemp(prefix="jixiao-ray-llm-"))
        atexit.register(shutil.rmtree, self.dir, True)
        home = self.dir / "home"
        home.mkdir()
        reader = plan.cache
        cache.share(lambda key: _hit(ray.get(reader.get.remote(key))))
        for name in LLM_ENV:  # the run's settings, none left over from an earlier run
            os.environ.pop(name, None)
        os.environ.update(plan.env)
        os.environ["JIXIAO_HOME"] = str(home)
        os.environ["JIXIAO_LLM_LEDGER"] = str(self.dir / "ledger.sqlite")
        self.slot, calls, tokens = ray.get(plan.shares.claim.remote())
        self.ledger = RunLedger(self.dir / "ledger.sqlite")
        self.ledger.set_share(calls, tokens)
        self.cache = ResponseCache(home / CACHE_FILE)
        self.row = self.cache.last_row()

    def close(self) -> None:
        cache.share(None)
        self.ledger.close()
        self.cache.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def usage_since(self, calls: int, tokens: int) -> Usage:
        now_calls, now_tokens = self.ledger.totals()
        self.row, rows = self.cache.rows_after(self.row)
        return Usage(self.slot, now_calls - calls, now_tokens - tokens, self.ledger.down(), rows)


_worker_llm: _WorkerLLM | None = None


def _llm_state(plan: LLMPlan) -> _WorkerLLM:
    global _worker_llm
    if _worker_llm is not None and _worker_llm.run != plan.run:
        _worker_llm.close()
        _worker_llm = None
    if _worker_llm is None:
        _worker_llm = _WorkerLLM(plan)
    return _worker_llm


def _hit(found: tuple[dict[str, Any], int, int] | None) -> CachedResponse | None:
    return CachedResponse(*found) if found is not None else None


class _CacheReader:
    """The run's response cache, read for the workers (a Ray actor on the driver's node, so
    it opens the driver's file; a driver joined by Ray Client sends it a snapshot instead)."""

    def __init__(self, path: str, snapshot: bytes | None) -> None:
        if snapshot is not None:
            folder = tempfile.mkdtemp(prefix="jixiao-ray-cache-")
            atexit.register(shutil.rmtree, folder, True)
            path = str(Path(folder) / CACHE_FILE)
            Path(path).write_bytes(snapshot)
        self.cache = ResponseCache(Path(path), readonly=True)

    def get(self, key: str) -> tuple[dict[str, Any], int, int] | None:
        """The answer stored for ``key`` (response, prompt and completion tokens), or None."""
        found = self.cache.get(key)
        if found is None:
            return None
        return found.response, found.prompt_tokens, found.completion_tokens


class _Shares:
    """Hands each worker process its share of the run's budget, once (a Ray actor)."""

    def __init__(self, shares: list[tuple[int | None, int | None]]) -> None:
        self.shares = shares
        self.claimed = 0

    def claim(self) -> tuple[int, int | None, int | None]:
        """(slot, calls, tokens): a worker beyond the planned ones (a replacement for one that
        died) gets nothing, so the run's budget is never exceeded."""
        slot = self.claimed
        self.claimed += 1
        if slot < len(self.shares):
            return (slot, *self.shares[slot])
        calls, tokens = self.shares[0] if self.shares else (None, None)
        return slot, (0 if calls is not None else None), (0 if tokens is not None else None)


def split(budget: int | None, parts: int) -> list[int | None]:
    """``budget`` divided into ``parts`` shares as even as can be (the first ones get the
    remainder); None (no budget) for each when there is none."""
    if budget is None:
        return [None] * parts
    return [budget // parts + (1 if k < budget % parts else 0) for k in range(parts)]


# ----------------------------------------------------------------------------- the Ray side


def _map_group(
    item: dict[str, Any],
    *,
    settings: RunSettings,
    work: Work,
    task: Task,
    llm: LLMPlan | None,
) -> Iterator[dict[str, Any]]:
    """Ray Data's function: a group of manifest rows in, one result row per file out, each
    yielded as its file is done (Ray Data ships it in the next block, see ``BLOCK_BYTES``)."""
    tune_for_batch()
    state = _llm_state(llm) if llm is not None else None
    for row in orjson.loads(item["rows"]):
        member = None
        if int(row["member_index"]) >= 0:
            member = Member(int(row["member_index"]), str(row["member_name"]))
        job = Job(row["path"], row["sha256"], settings, member, row["label"] or None)
        spent = state.ledger.totals() if state is not None else (0, 0)
        try:
            result, failed = task(job, work), False
        except Exception as exc:  # one bad file fails only itself
            result, failed = failed_result(job, f"{type(exc).__name__}: {exc}"), True
        usage = state.usage_since(*spent) if state is not None else None
        yield {"index": row["index"], "result": pickle.dumps((result, failed, usage))}


def _task_options() -> dict[str, Any]:
    """Ray's options for each map task."""
    return {"max_retries": TASK_RETRIES}


def connect(
    address: str | None, num_cpus: int | None, secrets: dict[str, str] | None = None
) -> bool:
    """Join the cluster at ``address`` (``auto``, ``ray://HOST:10001``), or start a local Ray
    with ``num_cpus``; reuse a session already open. ``secrets`` go into the job's
    environment, the one way they reach the workers. Returns whether one was started here."""
    import ray

    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
    if secrets:
        options["runtime_env"] = {"env_vars": dict(secrets)}
    if address:
        ray.init(address=address, **options)
    else:
        ray.init(num_cpus=num_cpus, include_dashboard=False, **options)
    return True


class _RunLLM:
    """The driver's side of the LLM stage on Ray: the plan sent to workers, the merge back."""

    def __init__(self, settings: RunSettings, workers: int) -> None:
        import ray
        from ray.util import client
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        config = resolve_llm_config(backend=settings.llm)
        self.calls = split(config.max_calls, workers)
        self.tokens = split(config.max_tokens, workers)
        self.budget = (config.max_calls, config.max_tokens)
        self.used: dict[int, list[int]] = {}
        self.cache = ResponseCache(config.cache_path, readonly=config.backend == "replay")
        # Ray Client: the driver's files are not on the cluster
        if client.ray.is_connected():  # type: ignore[no-untyped-call]
            snapshot = _snapshot(config.cache_path) if config.cache_path.exists() else b""
            reader = ray.remote(num_cpus=0)(_CacheReader).remote("", snapshot)
        else:
            here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), False)
            reader = (
                ray.remote(num_cpus=0)(_CacheReader)
                .options(scheduling_strategy=here)
                .remote(str(config.cache_path), None)
            )
        ledger = os.environ.get("JIXIAO_LLM_LEDGER", "").strip()
        self.ledger = RunLedger(Path(ledger)) if ledger else None
        env = {name: os.environ[name] for name in LLM_ENV if os.environ.get(name)}
        actor = ray.remote(num_cpus=0)(_Shares).remote(
            list(zip(self.calls, self.tokens, strict=True))
        )
        self.plan = LLMPlan(uuid.uuid4().hex, env, reader, actor)

    def merge(self, usage: Usage) -> None:
        """One file's calls, tokens and new cache entries into the run's ledger and cache."""
        used = self.used.setdefault(usage.slot, [0, 0])
        used[0] += usage.calls
        used[1] += usage.tokens
        self.cache.merge(usage.cache)
        if self.ledger is not None:
            self.ledger.add_spent(usage.calls, usage.tokens)
            if usage.down:
                self.ledger.mark_down(usage.down)

    def note(self) -> list[str]:
        """The shares and what each worker used (Chinese first)."""
        max_calls, max_tokens = self.budget
        slots = sorted(self.used)
        used = ", ".join(f"#{s}: {self.used[s][0]} 次/{self.used[s][1]} token" for s in slots)
        lines = [f"LLM（Ray）：{len(slots)} 个工作进程各用 {used or '无'}"]
        for kind, budget, shares, k in (
            ("calls", max_calls, self.calls, 0),
            ("tokens", max_tokens, self.tokens, 1),
        ):
            if budget is None:
                continue
            spent = sum(u[k] for u in self.used.values())
            left = budget - spent
            shown = "/".join(str(s) for s in shares)
            lines.append(
                f"LLM 预算 {budget} {kind} 按 {len(shares)} 个工作进程分为 {shown}；"
                f"用了 {spent}，未用 {max(0, left)}"
                + (
                    "（有的进程用完了份额而别的进程有剩：预算用尽而未问的文件未标记完成，"
                    "重跑会再问 / a worker ran out of its share while others had some left: "
                    "files not asked are left for the next run)"
                    if left > 0
                    and any(
                        self.used.get(s, [0, 0])[k] >= sh
                        for s, sh in enumerate(shares)
                        if sh is not None
                    )  # fmt: skip
                    else ""
                )
            )
        return lines

    def close(self) -> None:
        self.cache.close()
        if self.ledger is not None:
            self.ledger.close()


def _snapshot(path: Path) -> bytes:
    """The SQLite cache file's bytes, consistent even while another process writes it."""
    import sqlite3

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / CACHE_FILE
        source, target = sqlite3.connect(path), sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return copy.read_bytes()


def _secrets_note(secrets: dict[str, str]) -> list[str]:
    """A note when the session was opened elsewhere without the run's secrets in its job
    environment: they are not sent with the tasks, so workers use their own environment's."""
    import ray

    given = (ray.get_runtime_context().runtime_env or {}).get("env_vars") or {}
    missing = sorted(n for n, v in secrets.items() if given.get(n) != v)
    if not missing:
        return []
    return [
        f"Ray 会话已在别处打开，{'、'.join(missing)} 不随任务发送：工作进程用自己环境中的值 / "
        "the Ray session was opened elsewhere: the API key is not sent with tasks, workers use "
        "their own environment's (open it with runtime_env env_vars, or let jixiao open it)"
    ]


def run_jobs(
    jobs: list[Job],
    store_path: Path,
    on_done: Callable[[Job, dict[str, int]], None],
    work: Work,
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    files_per_task: int | None = None,
) -> list[str]:
    """Process jobs on Ray Data, storing each file and calling back as its task finishes;
    returns notes for the user (the LLM budget's shares and use).

    ``on_done`` gets the file's totals; ``totals["failed"]`` is 1 when its task failed (its
    reject is stored, but the file must not be marked done).
    """
    if not jobs:
        return []
    import ray
    import ray.data

    settings = jobs[0].settings
    asks = settings.stage == "llm" and settings.llm != "none"
    secrets = {n: os.environ[n] for n in SECRET_ENV if asks and os.environ.get(n)}
    started = connect(address, num_cpus, secrets)
    logging.getLogger("ray.data").setLevel(logging.ERROR)  # plan and timing chatter
    notes = [] if started else _secrets_note(secrets)
    llm: _RunLLM | None = None
    try:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # the CLI's bar is fed below
        context.max_errored_blocks = -1  # a lost task costs its files, not the run
        context.target_max_block_size = BLOCK_BYTES  # results leave a task as files finish
        resources = ray.cluster_resources()  # type: ignore[no-untyped-call]
        cpus = max(1, int(resources.get("CPU", 1)))
        rows = manifest(jobs)
        tasks = groups(rows, cpus, files_per_task)
        if asks:
            llm = _RunLLM(settings, min(cpus, len(tasks)))
        store = RunStore(store_path)
        left = set(range(len(jobs)))

        def finish(index: int, result: FileResult, failed: bool, usage: Usage | None) -> None:
            if llm is not None and usage is not None:
                llm.merge(usage)  # calls made, even by a retried task sending a file again
            if index not in left:  # a retried task sends again the files it had sent
                return
            job = jobs[index]
            totals, payloads = result
            store.put_payloads(job.name, job.sha, job.key, payloads)
            totals = dict(totals)
            if failed:
                totals["failed"] = 1
            left.discard(index)
            on_done(job, totals)

        def run_pass(cut: list[list[Any]]) -> None:
            items = [{"rows": orjson.dumps(group)} for group in cut]
            fn = partial(
                _map_group,
                settings=settings,
                work=work,
                task=parse_file,
                llm=llm.plan if llm is not None else None,
            )
            dataset = ray.data.from_items(items, override_num_blocks=len(items)).flat_map(
                fn,
                ray_remote_args_fn=_task_options,  # (max_retries as a keyword is deprecated)
            )
            for row in dataset.iter_rows():
                finish(int(row["index"]), *pickle.loads(row["result"]))

        try:
            run_pass(tasks)
            if left and any(len(group) > 1 for group in tasks):  # a lost task's files again
                run_pass([[rows[i]] for i in sorted(left)])
            for index in sorted(left):  # their worker died TASK_RETRIES + 1 times
                why = "the worker running it was lost (crashed or killed)"
                finish(index, failed_result(jobs[index], why), True, None)
        finally:
            store.close()
        return notes + (llm.note() if llm is not None else [])
    finally:
        if llm is not None:
            llm.close()
        if started:
            ray.shutdown()
