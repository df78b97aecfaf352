"""Honest operation of the LLM stage (issues 12 and 14): no silent no-op, no hang, run budgets.

Everything goes through the CLI (``jixiao normalize``) against the fake server or a closed port.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from conftest import GOLDEN, SEEDS
from fakellm import KEY, FakeLLMServer, answer
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.errors import EXIT_LLM_DOWN
from jixiao.llm.ledger import RunLedger

runner = CliRunner()


@pytest.fixture
def llm_env(monkeypatch, tmp_path):
    monkeypatch.setenv("JIXIAO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("JIXIAO_LLM_API_KEY", KEY)
    monkeypatch.setenv("JIXIAO_LLM_MODEL", "fake-model")
    # the CLI writes the run's settings into os.environ for its workers: undo after each test
    for name in (
        "JIXIAO_LLM_LEDGER",
        "JIXIAO_LLM_TIMEOUT",
        "JIXIAO_LLM_MAX_CALLS",
        "JIXIAO_LLM_MAX_TOKENS",
        "JIXIAO_LLM_DEADLINE_AT",
    ):
        monkeypatch.setenv(name, "")
    return monkeypatch


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(*args: str):
    return runner.invoke(app, ["normalize", *args, "-q", "-j", "1"])


def test_llm_without_stage_runs_the_llm_stage(llm_env, tmp_path):
    with FakeLLMServer(responder=lambda r: answer({"proposals": []})) as server:
        llm_env.setenv("JIXIAO_LLM_BASE_URL", server.base_url)
        result = _run(*map(str, SEEDS), "-o", str(tmp_path / "o"), "--llm", "openai")
        assert server.count > 0, result.output
    assert "LLM：本次调用" in result.output


def test_llm_with_a_lower_stage_is_refused_in_one_line(llm_env, tmp_path):
    result = _run(str(SEEDS[0]), "-o", str(tmp_path / "o"), "--llm", "openai", "--stage", "rules")
    assert result.exit_code == 2
    assert "only acts in the llm stage" in result.output
    assert "Traceback" not in result.output


def test_missing_endpoint_is_one_line_not_a_traceback(llm_env, tmp_path):
    llm_env.delenv("JIXIAO_LLM_API_KEY")
    llm_env.delenv("OPENAI_API_KEY", raising=False)
    llm_env.delenv("JIXIAO_LLM_BASE_URL", raising=False)
    result = _run(str(SEEDS[0]), "-o", str(tmp_path / "o"), "--llm", "openai")
    assert result.exit_code == 2 and "needs JIXIAO_LLM_BASE_URL" in result.output
    assert "Traceback" not in result.output and result.output.strip().count("\n") == 0


def test_configured_but_unused_endpoint_is_mentioned(llm_env, tmp_path):
    llm_env.setenv("JIXIAO_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    result = _run(str(SEEDS[0]), "-o", str(tmp_path / "o"))
    assert "JIXIAO_LLM_BASE_URL is set" in result.output and "no LLM call" in result.output


def test_closed_port_fails_fast_with_one_line_and_exit_3(llm_env, tmp_path, caplog):
    llm_env.setenv("JIXIAO_LLM_BASE_URL", f"http://127.0.0.1:{_closed_port()}/v1")
    out = tmp_path / "o"
    result = _run(*map(str, SEEDS), "-o", str(out), "--llm", "openai")
    assert result.exit_code == EXIT_LLM_DOWN, result.output
    lines = [ln for ln in result.output.splitlines() if "模型服务不可达" in ln]
    assert len(lines) == 1 and "重新运行即可重试" in lines[0]
    # the whole run tried to connect twice (connect_attempts), not 5 times per form
    warnings = [r for r in caplog.records if "LLM request failed" in r.getMessage()]
    assert len(warnings) <= 1
    queue = [json.loads(x) for x in (out / "review_queue.jsonl").read_text().splitlines() if x]
    asked = [q for q in queue if q["stage"] == "llm" and not q["reason"].endswith("not asked")]
    assert asked and all("endpoint unreachable" in q["reason"] for q in asked)
    assert (out / "forms.jsonl").read_text()  # the forms are still written, at the rules stage
    # a rerun after the outage asks again (nothing was recorded as done)
    with FakeLLMServer(responder=lambda r: answer({"proposals": []})) as server:
        llm_env.setenv("JIXIAO_LLM_BASE_URL", server.base_url)
        again = _run(*map(str, SEEDS), "-o", str(out), "--llm", "openai")
        assert again.exit_code in (0, 1), again.output
        assert server.count > 0


def test_call_budget_is_per_run_not_per_file(llm_env, tmp_path):
    # the seeds alone need one call now that hopeless cells are not asked; the real samples
    # add the form-level fallback's regions
    inputs = sorted((GOLDEN / "inputs").glob("*.txt"))
    with FakeLLMServer(responder=lambda r: answer({"proposals": []})) as server:
        llm_env.setenv("JIXIAO_LLM_BASE_URL", server.base_url)
        unlimited = _run(*map(str, inputs), "-o", str(tmp_path / "a"), "--llm", "openai")
        assert server.count > 2, (
            unlimited.output
        )  # the golden inputs need more than 2 calls (regions + cells)
        llm_env.setenv("JIXIAO_HOME", str(tmp_path / "home2"))  # no cache hits
        before = server.count
        budget = _run(
            *map(str, inputs), "-o", str(tmp_path / "b"), "--llm", "openai", "--budget-calls", "2"
        )
        assert server.count - before == 2, budget.output
    queue = (tmp_path / "b" / "review_queue.jsonl").read_text(encoding="utf-8")
    assert "this run" in queue  # "LLM budget spent: 2 of 2 calls this run"


def test_ledger_is_shared_by_clients(tmp_path: Path):
    a, b = RunLedger(tmp_path / "l.sqlite"), RunLedger(tmp_path / "l.sqlite")
    taken = [x.take_call(3, None) for x in (a, b, a, b, a)]
    assert taken[:3] == [None, None, None] and all(t and "3 of 3" in t for t in taken[3:])
    a.mark_down("refused")
    assert b.down() == "refused"
    a.close(), b.close()


def test_deadline_passed_starts_no_call(llm_env, tmp_path):
    with FakeLLMServer(responder=lambda r: answer({"proposals": []})) as server:
        llm_env.setenv("JIXIAO_LLM_BASE_URL", server.base_url)
        result = _run(
            *map(str, SEEDS), "-o", str(tmp_path / "o"), "--llm", "openai", "--llm-deadline", "1e-9"
        )
        assert server.count == 0, result.output
    queue = (tmp_path / "o" / "review_queue.jsonl").read_text(encoding="utf-8")
    assert "deadline passed" in queue


@pytest.mark.parametrize("bad", ["nan", "-1", "0"])
def test_bad_timeout_is_refused(llm_env, tmp_path, bad):
    llm_env.setenv("JIXIAO_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    result = _run(str(SEEDS[0]), "-o", str(tmp_path / "o"), "--llm", "openai", "--llm-timeout", bad)
    assert result.exit_code == 2 and "finite number of seconds" in result.output
