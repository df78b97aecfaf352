"""Honest operation of the LLM stage (issues 12 and 14): no silent no-op, no hang, run budgets.

Everything goes through the CLI (``jixiao normalize``) against the fake server or a closed port.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from conftest import GOLDEN, SEEDS
from fakellm import FakeLLMServer, answer
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.errors import EXIT_LLM_DOWN
from jixiao.llm.ledger import RunLedger

runner = CliRunner()


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


def _responder(request: dict):
    """Answers every LLM request of the stage with nothing to change (abstentions)."""
    system = "\n".join(str(m.get("content") or "") for m in request["messages"])
    if "抄录字段" in system:
        return answer({})
    if "抄录" in system:
        return answer({"forms": []})
    if "补全被截断" in system:
        return answer({"completions": []})
    return answer({"proposals": []})


def test_rerun_after_an_outage_asks_again_and_an_unchanged_store_asks_nothing(llm_env, tmp_path):
    """Issue 11 item 6: a file whose calls failed is not stored as done; a done one is reused."""
    inputs = [str(GOLDEN / "inputs" / n) for n in ("real_dg19_road.txt", "real_nd19_fzw.txt")]
    out = tmp_path / "o"
    llm_env.setenv("JIXIAO_LLM_BASE_URL", f"http://127.0.0.1:{_closed_port()}/v1")
    down = _run(*inputs, "-o", str(out), "--llm", "openai")
    assert down.exit_code == EXIT_LLM_DOWN, down.output
    with FakeLLMServer(responder=_responder) as server:
        llm_env.setenv("JIXIAO_LLM_BASE_URL", server.base_url)
        up = _run(*inputs, "-o", str(out), "--llm", "openai")
        assert up.exit_code in (0, 1), up.output
        made = server.count
        assert made >= 2  # both files asked: the outage left neither done
        again = _run(*inputs, "-o", str(out), "--llm", "openai")
        assert again.exit_code in (0, 1) and server.count == made  # stored: 0 calls
        # another model is another result: the store key holds the model, so it asks again
        llm_env.setenv("JIXIAO_LLM_MODEL", "another-model")
        other = _run(*inputs, "-o", str(out), "--llm", "openai")
        assert other.exit_code in (0, 1) and server.count > made


def test_a_spent_budget_leaves_the_file_for_the_next_run(llm_env, tmp_path):
    inputs = [str(GOLDEN / "inputs" / n) for n in ("real_nd19_fzw.txt", "real_hs22_dangxiao.txt")]
    out = tmp_path / "o"
    with FakeLLMServer(responder=_responder) as server:
        llm_env.setenv("JIXIAO_LLM_BASE_URL", server.base_url)
        _run(*inputs, "-o", str(out), "--llm", "openai", "--budget-calls", "1")
        assert server.count == 1
        queue = (out / "review_queue.jsonl").read_text(encoding="utf-8")
        assert "LLM budget spent" in queue
        _run(*inputs, "-o", str(out), "--llm", "openai")
        assert server.count > 1  # the calls the budget stopped are made now
        made = server.count
        _run(*inputs, "-o", str(out), "--llm", "openai")
        assert server.count == made


def _completing(request: dict):
    """A model that completes every cut name it is asked about (its own knowledge)."""
    system = "\n".join(str(m.get("content") or "") for m in request["messages"])
    if "补全被截断" in system:
        cut = re.findall(r"^(\d+): (.*)$", request["messages"][-1]["content"], re.M)
        return answer(
            {
                "completions": [
                    {
                        "indicator": int(i),
                        "value": raw + "造",
                        "confidence": 0.7,
                        "alternatives": [raw + "建", raw + "99"],
                    }  # fmt: skip
                    for i, raw in cut
                ]
            }
        )
    return _responder(request)


@pytest.mark.parametrize("accept", [False, True])
def test_model_completions_are_suggestions_unless_accepted(llm_env, tmp_path, accept):
    """Issue 14: a cut name printed nowhere (网站升级改, seed 003) gets the model's completion
    in the review queue, with confidence and alternatives; in name only when accepted."""
    llm_env.setenv("JIXIAO_LLM_COMPLETIONS", "")
    out = tmp_path / "o"
    with FakeLLMServer(responder=_completing) as server:
        llm_env.setenv("JIXIAO_LLM_BASE_URL", server.base_url)
        args = [str(GOLDEN / "inputs" / "003_31a80ca4d7398804.txt"), "-o", str(out)]
        args += ["--llm", "openai"] + (["--accept-model-completions"] if accept else [])
        result = _run(*args)
        assert result.exit_code in (0, 1), result.output
    queue = [json.loads(x) for x in (out / "review_queue.jsonl").read_text().splitlines() if x]
    mine = [q for q in queue if q["raw"] == "网站升级改"]
    assert len(mine) == 1 and mine[0]["kind"] == "model_completion"
    # the alternative with digits is not a completion of words: dropped
    assert mine[0]["proposal"] == "网站升级改造" and mine[0]["alternatives"] == ["网站升级改建"]
    assert mine[0]["confidence"] == 0.7
    rows = [
        ind
        for line in (out / "forms.jsonl").read_text(encoding="utf-8").splitlines()
        for ind in json.loads(line)["indicators"]
        if ind["name_raw"] == "网站升级改"
    ]
    assert len(rows) == 1
    if accept:
        assert rows[0]["name"] == "网站升级改造"
        assert rows[0]["flags"][:2] == ["name_truncated", "name_completed_by_model"]
    else:
        assert rows[0]["name"] is None and "name_completed_by_model" not in rows[0]["flags"]


def test_completions_off_skips_the_call_and_says_so(llm_env, tmp_path):
    llm_env.setenv("JIXIAO_LLM_COMPLETIONS", "off")
    out = tmp_path / "o"
    with FakeLLMServer(responder=_completing) as server:
        llm_env.setenv("JIXIAO_LLM_BASE_URL", server.base_url)
        _run(str(GOLDEN / "inputs" / "003_31a80ca4d7398804.txt"), "-o", str(out), "--llm", "openai")
    queue = [json.loads(x) for x in (out / "review_queue.jsonl").read_text().splitlines() if x]
    mine = [q for q in queue if q["raw"] == "网站升级改"]
    assert mine and "printed nowhere" in mine[0]["reason"] and "not asked" in mine[0]["reason"]
    assert mine[0]["proposal"] is None
