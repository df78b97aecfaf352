"""``--engine ray``: the same outputs as the local pool, the same store, the same resumption.

One local Ray (2 CPUs, no dashboard) serves the whole module; the CLI joins it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import GOLDEN, SEEDS
from fakellm import FakeLLMServer, answer
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.engines import ray as ray_engine
from jixiao.llm.cache import ResponseCache
from jixiao.llm.ledger import RunLedger
from jixiao.output.runstore import STORE_NAME, RunStore

if not ray_engine.available():
    pytest.skip(
        "ray is not installed (pip install -e '.[ray]'): --engine ray not tested",
        allow_module_level=True,
    )

import ray  # noqa: E402

runner = CliRunner()
OUTPUTS = (
    "forms.jsonl",
    "provenance.jsonl",
    "indicators.csv",
    "rejects.jsonl",
    "review_queue.jsonl",
)


@pytest.fixture(scope="module")
def cluster() -> object:
    """A local Ray for this module; its GCS address lets a subprocess driver join it."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The bundled golden inputs plus a small synthetic set (150 forms in 3 files)."""
    synth = tmp_path_factory.mktemp("synth")
    made = runner.invoke(app, ["synth", "-n", "150", "--seed", "5", "-o", str(synth)])
    assert made.exit_code == 0, made.output
    return [GOLDEN / "inputs", synth / "inputs"]


def normalize(paths: list[Path], out: Path, *extra: str) -> str:
    result = runner.invoke(app, ["normalize", *map(str, paths), "-o", str(out), "-q", *extra])
    assert result.exit_code in (0, 1), result.output
    return result.output


def same_outputs(a: Path, b: Path) -> None:
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def stored_keys(out: Path) -> set[tuple[str, str, str]]:
    with sqlite3.connect(out / STORE_NAME) as con:
        return set(con.execute("SELECT path, sha256, config FROM files").fetchall())


def parses(out: Path) -> dict[str, int]:
    store = RunStore(out / STORE_NAME)
    try:
        return store.parses()
    finally:
        store.close()


def copies(root: Path, n: int) -> Path:
    """``n`` renamed copies of each seed document (distinct paths, the same few contents)."""
    archive = root / "archive"
    for k in range(n):
        for seed in SEEDS:
            target = archive / f"b{k % 5}" / f"{k:04d}_{seed.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(seed.read_bytes())
    return archive


def test_ray_outputs_and_store_keys_are_the_local_ones(
    cluster: str, inputs: list[Path], tmp_path: Path
) -> None:
    local, distributed = tmp_path / "local", tmp_path / "ray"
    normalize(inputs, local, "-j", "1")
    said = normalize(inputs, distributed, "--engine", "ray")
    assert "（0 个未变" in said
    same_outputs(local, distributed)
    assert stored_keys(local) == stored_keys(distributed)
    assert len(stored_keys(distributed)) == 19 + 3  # every input file, each once
    assert set(parses(distributed).values()) == {1}
    again = normalize(inputs, distributed, "--engine", "ray")  # nothing left to parse
    assert "（22 个未变" in again
    same_outputs(local, distributed)


def test_a_failing_task_rejects_only_its_file_and_local_finishes_the_run(
    cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = copies(tmp_path, 4)  # 20 files
    clean = tmp_path / "clean"
    normalize([archive], clean, "-j", "1")
    raising, crashing = "0001_" + SEEDS[2].name, "0002_" + SEEDS[3].name

    def flaky(job: ray_engine.Job, work: Any, real: Any = ray_engine.parse_file) -> list:
        if job.path.endswith(raising):
            raise RuntimeError("injected failure")
        if job.path.endswith(crashing):
            os._exit(1)  # the worker process dies: Ray retries, then gives the file up
        return real(job, work)

    monkeypatch.setattr(ray_engine, "parse_file", flaky)
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["normalize", str(archive), "-o", str(out), "-q", "--engine", "ray"]
    )
    assert result.exit_code == 1, result.output
    rejects = (out / "rejects.jsonl").read_text(encoding="utf-8")
    failed = [line for line in rejects.splitlines() if "处理失败" in line]
    assert len(failed) == 2
    assert raising in failed[0] and "RuntimeError: injected failure" in failed[0]
    assert crashing in failed[1] and "worker running it was lost" in failed[1]
    assert len(stored_keys(out)) == 18  # the two failed files are not done
    monkeypatch.undo()

    resumed = normalize([archive], out, "--engine", "local", "-j", "1")  # the other engine
    assert "（18 个未变，未重新解析）" in resumed
    same_outputs(clean, out)
    assert set(parses(out).values()) == {1} and len(parses(out)) == 20


def test_a_sigkilled_ray_driver_resumes_with_identical_outputs(
    cluster: str, tmp_path: Path
) -> None:
    archive = copies(tmp_path, 60)  # 300 files
    clean = tmp_path / "clean"
    normalize([archive], clean, "-j", "1")

    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "jixiao.cli", "normalize", str(archive), "-o", str(out), "-q"]
    cmd += ["--engine", "ray", "--ray-address", cluster]
    proc = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 90
    while stored(out) < 20 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.skip("the run finished before it could be killed")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = stored(out)
    assert 0 < partial < 300
    assert not (out / "forms.jsonl").exists()  # outputs appear only when a run completes

    resumed = normalize([archive], out, "--engine", "ray")
    assert f"（{partial} 个未变，未重新解析）" in resumed
    same_outputs(clean, out)
    assert set(parses(out).values()) == {1} and len(parses(out)) == 300


def stored(out: Path) -> int:
    db = out / STORE_NAME
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=0.1) as con:
            return int(con.execute("SELECT count(*) FROM files").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.fixture
def llm_env(llm_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """conftest's LLM settings, with one call at a time per worker."""
    llm_env.setenv("JIXIAO_LLM_CONCURRENCY", "1")
    return llm_env


def abstain(request: dict[str, Any]) -> Any:
    """Every LLM request of the stage answered with nothing to change."""
    system = "\n".join(str(m.get("content") or "") for m in request["messages"])
    if "抄录字段" in system:
        return answer({})
    if "抄录" in system:
        return answer({"forms": []})
    if "补全被截断" in system:
        return answer({"completions": []})
    return answer({"proposals": []})


def test_llm_on_ray_keeps_the_run_budget_and_merges_the_caches(
    cluster: str, llm_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # the golden text inputs need more than 3 calls (regions and cells of the real samples)
    inputs = sorted((GOLDEN / "inputs").glob("*.txt"))
    llm = ["--engine", "ray", "--llm", "openai"]
    with FakeLLMServer(responder=abstain) as server:
        llm_env.setenv("JIXIAO_LLM_BASE_URL", server.base_url)
        budget = normalize(inputs, tmp_path / "budget", *llm, "--budget-calls", "3")
        assert server.count <= 3, budget
        # the budget divided across the 2 workers, and what was used of it, is said
        assert "LLM 预算 3 calls 按 2 个工作进程分为 2/1" in budget
        assert f"用了 {server.count}，未用 {3 - server.count}" in budget
        assert f"LLM：本次调用 {server.count} 次" in budget  # the run's ledger has it all
        queue = (tmp_path / "budget" / "review_queue.jsonl").read_text(encoding="utf-8")
        assert "LLM budget spent" in queue  # the calls refused are said per cell
        assert server.max_inflight <= 2  # one request per worker at a time (concurrency 1)

        first = server.count
        full = normalize(inputs, tmp_path / "full", *llm)  # no budget: the rest is asked
        assert server.count > first, full
        made = server.count
        # a fresh output directory: every file is parsed again, every answer is in the
        # run's cache (the workers' caches were merged into it): no call at all
        again = normalize(inputs, tmp_path / "again", *llm)
        assert server.count == made, again
        assert "LLM：本次调用 0 次" in again
        local = normalize(inputs, tmp_path / "local", "--llm", "openai", "-j", "1")
        assert server.count == made, local  # the local engine reads the same merged cache
    same_outputs(tmp_path / "local", tmp_path / "again")
    same_outputs(tmp_path / "full", tmp_path / "again")


def test_uri_inputs_are_listed_and_read_through_pyarrow_and_keep_their_names(
    cluster: str, tmp_path: Path
) -> None:
    archive = copies(tmp_path, 2)  # 10 files in b0/ and b1/
    (archive / ".hidden.txt").write_text("x", encoding="utf-8")
    (archive / "notes.xyz").write_text("x", encoding="utf-8")
    with zipfile.ZipFile(archive / "z.zip", "w") as zf:  # a zip given by URI is read too
        for seed in SEEDS[:2]:
            zf.write(seed, f"in/{seed.name}")
        zf.writestr("in/skip.xyz", "x")
    uri = archive.as_uri()  # file:///…/archive
    assert uri.startswith("file:///")
    by_path, by_uri, by_ray = tmp_path / "path", tmp_path / "uri", tmp_path / "ray"
    normalize([archive], by_path, "-j", "1")
    runner.invoke(app, ["normalize", uri, "-o", str(by_uri), "-q", "-j", "1"])
    said = runner.invoke(app, ["normalize", uri, "-o", str(by_ray), "-q", "--engine", "ray"])
    assert said.exit_code in (0, 1), said.output
    same_outputs(by_uri, by_ray)  # both engines read URIs alike
    # the same files as by path, each named by its URI
    for name in OUTPUTS:
        local = (by_path / name).read_text(encoding="utf-8")
        assert local.replace(str(archive), uri) == (by_uri / name).read_text(encoding="utf-8")
    rejects = (by_uri / "rejects.jsonl").read_text(encoding="utf-8")
    assert f"{uri}/.hidden.txt" in rejects and f"{uri}/notes.xyz" in rejects
    forms = (by_uri / "forms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(forms) >= 12 and all(f'"{uri}/b' in x or f'"{uri}/z.zip!' in x for x in forms)
    members = {f"{uri}/z.zip!in/{seed.name}" for seed in SEEDS[:2]}  # as the local walk
    assert {key[0] for key in stored_keys(by_ray)} == {
        f"{uri}/{p.relative_to(archive).as_posix()}" for p in archive.rglob("0*")
    } | members
    assert f"{uri}/z.zip!in/skip.xyz" in rejects


def test_budget_shares_and_task_groups() -> None:
    assert ray_engine.split(10, 3) == [4, 3, 3] and sum(ray_engine.split(7, 4)) == 7
    assert ray_engine.split(1, 2) == [1, 0] and ray_engine.split(None, 2) == [None, None]
    rows = [{"path": f"/a/{k}.txt"} for k in range(20)] + [{"path": "/a/scan.jpg"}]
    cut = ray_engine.groups(rows, cpus=2)  # 4 tasks per CPU: 8 groups of text, the scan alone
    assert cut[0] == [{"path": "/a/scan.jpg"}] and [len(g) for g in cut[1:]] == [3] * 6 + [2]
    assert [r for g in cut[1:] for r in g] == rows[:20]  # every file once, in order


def test_a_worker_share_stops_its_calls(tmp_path: Path) -> None:
    ledger = RunLedger(tmp_path / "ledger.sqlite")
    ledger.set_share(2, None)
    taken = [ledger.take_call(10, None) for _ in range(3)]
    assert taken[:2] == [None, None]
    assert taken[2] and taken[2].startswith("LLM budget spent: 2 of 2 calls, this worker's share")
    ledger.close()


def test_cache_merge_is_a_union(tmp_path: Path) -> None:
    def put(cache: ResponseCache, key: str, text: str) -> None:
        cache.put(key, model="m", prompt="p", prompt_version="1", request={}, response={"t": text})

    run, worker = ResponseCache(tmp_path / "run.sqlite"), ResponseCache(tmp_path / "w.sqlite")
    put(run, "k1", "run's")
    start = worker.last_row()
    put(worker, "k1", "worker's")
    put(worker, "k2", "new")
    _, rows = worker.rows_after(start)
    assert run.merge(rows) == 1  # k2 is new; k1 keeps the first answer
    assert run.get("k1").response == {"t": "run's"}  # type: ignore[union-attr]
    assert run.get("k2").response == {"t": "new"}  # type: ignore[union-attr]
    run.close(), worker.close()


def test_ray_tasks_keep_the_per_file_limits(
    cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--max-seconds and --max-memory-mb hold in a Ray task as in a local worker: the file
    over its limit is its own reject, with the local reject's text, and the batch goes on."""
    archive = copies(tmp_path, 1)  # 5 files
    slow = "0000_" + SEEDS[1].name

    def crawling(job: ray_engine.Job, work: Any, real: Any = ray_engine.parse_file) -> list:
        def crawl(path: Path, settings: Any, member: Any, name: Any) -> Any:
            if str(path).endswith(slow):
                while True:  # a stage gone quadratic: pure Python that never returns
                    sum(range(1000))
            return work(path, settings, member, name)

        return real(job, crawl)

    monkeypatch.setattr(ray_engine, "parse_file", crawling)
    out = tmp_path / "out"
    args = ["normalize", str(archive), "-o", str(out), "-q", "--engine", "ray"]
    result = runner.invoke(app, [*args, "--max-seconds", "5"])
    assert result.exit_code == 1, result.output
    rejects = [json.loads(x) for x in (out / "rejects.jsonl").read_text("utf-8").split("\n") if x]
    limited = [r for r in rejects if r.get("code") == "limit_exceeded"]
    assert slow in {Path(r["file"]).name for r in limited}
    for reject in limited:  # on a loaded machine another file may be slow too: no timing here
        assert re.fullmatch(
            r"超出限制「每个文件的处理时间（秒）」: \d+\.\d > 5（用 --max-seconds 调高）"
            r" / limit exceeded: seconds \d+\.\d > 5 \(raise it with --max-seconds\)",
            reject["reason"],
        )
    forms = (out / "forms.jsonl").read_text("utf-8").split("\n")
    named = {json.loads(x)["source_file"] for x in forms if x} | {r["file"] for r in rejects}
    assert len({Path(n).name for n in named}) == 5  # the batch went on past the slow file
    monkeypatch.undo()

    # a Ray worker alone is resident past 64 MB: every file is over this limit, each its own
    # reject. Each file's work lasts a second here, so that the watchdog (it looks every POLL
    # seconds) sees every one of them running, however fast the machine reads a seed.
    def lasting(job: ray_engine.Job, work: Any, real: Any = ray_engine.parse_file) -> list:
        def last(path: Path, settings: Any, member: Any, name: Any) -> Any:
            until = time.monotonic() + 1.0
            while time.monotonic() < until:  # pure Python, where the limit is raised
                sum(range(1000))
            return work(path, settings, member, name)

        return real(job, last)

    monkeypatch.setattr(ray_engine, "parse_file", lasting)
    memory = tmp_path / "memory"
    result = runner.invoke(
        app, ["normalize", str(archive), "-o", str(memory), "-q", "--engine", "ray",
              "--max-memory-mb", "64"]
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    rejects = [
        json.loads(x) for x in (memory / "rejects.jsonl").read_text("utf-8").split("\n") if x
    ]
    assert len(rejects) == 5 and {r["code"] for r in rejects} == {"limit_exceeded"}
    assert all("(raise it with --max-memory-mb)" in r["reason"] for r in rejects)
