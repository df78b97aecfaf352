"""``--engine ray`` keeps the API key out of every task and object: it goes into the job's
environment at ``ray.init`` (``runtime_env`` env_vars), which Ray hands to the workers.

Every value Ray serialises in the driver (task arguments, ``ray.put`` objects, Ray Data's
blocks and map function, actor arguments) and every function it pickles is recorded and
searched for the key.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import GOLDEN
from fakellm import KEY, FakeLLMServer
from test_engine_ray import abstain
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.engines import ray as ray_engine

if not ray_engine.available():
    pytest.skip("ray is not installed: --engine ray not tested", allow_module_level=True)

import ray  # noqa: E402
import ray.remote_function  # noqa: E402
from ray import cloudpickle  # noqa: E402
from ray._private import function_manager, serialization  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def cluster() -> object:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def test_connect_puts_the_secrets_in_the_jobs_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", lambda **kw: calls.append(kw))
    assert ray_engine.connect("auto", None, {"JIXIAO_LLM_API_KEY": KEY})
    assert ray_engine.connect(None, 2, {})
    assert calls[0]["runtime_env"] == {"env_vars": {"JIXIAO_LLM_API_KEY": KEY}}
    assert "runtime_env" not in calls[1]  # nothing to hand over: the job's own env


def test_the_key_is_in_no_task_payload(
    cluster: str, llm_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blobs: list[bytes] = []

    def record(value: Any) -> None:
        try:
            blobs.append(cloudpickle.dumps(value))
        except Exception:  # noqa: BLE001 - an ObjectRef outside Ray's context: its repr
            blobs.append(repr(value).encode())

    real_serialize = serialization.SerializationContext.serialize

    def serialize(self: Any, value: Any) -> Any:
        record(value)
        return real_serialize(self, value)

    def dumps(real: Any) -> Any:
        def spy(obj: Any, error_msg: str) -> Any:
            data = real(obj, error_msg)
            blobs.append(data)
            return data

        return spy

    llm_env.setattr(serialization.SerializationContext, "serialize", serialize)
    for module in (ray.remote_function, function_manager):
        llm_env.setattr(module, "pickle_dumps", dumps(module.pickle_dumps))
    inputs = sorted((GOLDEN / "inputs").glob("*.txt"))
    with FakeLLMServer(responder=abstain) as server:
        url = server.base_url
        llm_env.setenv("JIXIAO_LLM_BASE_URL", url)
        args = ["normalize", *map(str, inputs), "-o", str(tmp_path / "o"), "-q"]
        said = runner.invoke(app, [*args, "--engine", "ray", "--llm", "openai"])
        assert said.exit_code in (0, 1), said.output
        assert server.count > 0, said.output
    assert any(url.encode() in b for b in blobs)  # the plan was seen
    assert any(b"rows" in b for b in blobs)  # and the manifest's blocks
    leaks = [b[:200] for b in blobs if KEY.encode() in b]
    assert not leaks
    # this session was opened without the key: the run says the workers use their own env
    assert "JIXIAO_LLM_API_KEY 不随任务发送" in said.output


def test_a_joining_driver_hands_the_key_to_its_workers(cluster: str, tmp_path: Path) -> None:
    inputs = sorted((GOLDEN / "inputs").glob("*.txt"))
    with FakeLLMServer(responder=abstain) as server:
        env = dict(os.environ)
        env.update(
            JIXIAO_HOME=str(tmp_path / "home"),
            JIXIAO_LLM_API_KEY=KEY,
            JIXIAO_LLM_MODEL="fake-model",
            JIXIAO_LLM_BASE_URL=server.base_url,
            PYTHONPATH=str(Path(__file__).parents[1] / "src"),
        )
        cmd = [sys.executable, "-m", "jixiao.cli", "normalize", *map(str, inputs)]
        cmd += ["-o", str(tmp_path / "o"), "-q", "--engine", "ray", "--ray-address", cluster]
        done = subprocess.run(
            [*cmd, "--llm", "openai"], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode in (0, 1), done.stderr[-2000:]
        assert server.count > 0
        auth = {
            s.headers.get("authorization") or s.headers.get("Authorization") for s in server.seen
        }
    assert auth == {f"Bearer {KEY}"}  # every worker had the key, from the job's environment
    assert "不随任务发送" not in done.stdout
