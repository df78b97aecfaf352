"""llm/client.py: transport faults, retries, budget and usage, over HTTP and a mock transport."""

from __future__ import annotations

import asyncio
import email.utils
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import openai
import pytest
from fakellm import (
    SAMPLE_DOC,
    FakeLLMServer,
    answer,
    body,
    config_for,
    delayed,
    good_answer,
    sample_form,
    status,
    text,
)
from pydantic import BaseModel

from jixiao.errors import BudgetExceeded, LLMError
from jixiao.llm.client import AnswerRejected, EndpointDown, LLMClient, _retry_after
from jixiao.llm.config import Backoff
from jixiao.llm.prompts import parse_prompt
from jixiao.repair.llm import run_llm_stage

PROMPT = parse_prompt(
    "echo", "---\nversion: 1\n---\n=== system ===\nSay a word.\n=== user ===\n$q\n"
)


class Word(BaseModel):
    word: str


@pytest.fixture
def server():
    with FakeLLMServer() as s:
        yield s


def ask(config, q="hi", transport=None):
    async def go():
        async with LLMClient(config, transport=transport) as client:
            try:
                return await client.structured(PROMPT, PROMPT.render(q=q), Word), client.stats
            except LLMError as exc:
                return exc, client.stats

    return asyncio.run(go())


def test_429_with_retry_after_then_good(server, tmp_path):
    server.enqueue(status(429, retry_after="0.3"), answer({"word": "好"}))
    result, stats = ask(config_for(server, tmp_path))
    assert result.word == "好"
    assert server.count == 2 and stats.retries == 1 and stats.calls == 1
    gap = server.seen[1].at - server.seen[0].at
    assert gap >= 0.3  # Retry-After honoured, not the 0.01 s backoff


def test_two_500s_then_good(server, tmp_path):
    server.enqueue(status(500), status(503), answer({"word": "好"}))
    result, stats = ask(config_for(server, tmp_path))
    assert result.word == "好" and server.count == 3 and stats.retries == 2
    assert stats.records[-1].attempts == 3


def test_5xx_every_time_gives_up_after_the_bounded_attempts(server, tmp_path):
    server.enqueue(*[status(500)] * 5)
    cfg = config_for(server, tmp_path, backoff=Backoff(attempts=3, initial=0.01, jitter=0.0))
    result, _ = ask(cfg)
    assert isinstance(result, LLMError) and "after 3 attempt(s)" in str(result)
    assert "HTTP 500" in str(result) and result.attempts == 3
    assert server.count == 3


def test_timeout_then_good(server, tmp_path):
    server.enqueue(delayed(1.0, answer({"word": "慢"})), answer({"word": "好"}))
    result, stats = ask(config_for(server, tmp_path, timeout=0.25))
    assert result.word == "好" and server.count == 2 and stats.retries == 1


def test_timeout_every_time_sends_cells_to_the_queue(server, tmp_path):
    server.responder = lambda req: delayed(0.6, answer(good_answer()))
    form, cells = sample_form()
    cfg = config_for(server, tmp_path, timeout=0.2, backoff=Backoff(attempts=2, initial=0.01))
    result = run_llm_stage([(form, cells, SAMPLE_DOC)], cfg)
    assert server.count == 2
    assert len(result.queue) == 4
    assert all("APITimeoutError" in q.reason for q in result.queue)
    assert form.indicators[0].name is None


def test_malformed_response_body_is_retried(server, tmp_path):
    server.enqueue(body(b'{"id": "x", "choices": [ oops'), body(b'{"object": "error"}'))
    server.enqueue(answer({"word": "好"}))
    result, stats = ask(config_for(server, tmp_path))
    assert result.word == "好" and server.count == 3 and stats.retries == 2


def test_client_error_is_not_retried(server, tmp_path):
    server.enqueue(status(400, body="bad request: unknown model"))
    result, _ = ask(config_for(server, tmp_path))
    assert isinstance(result, LLMError) and "HTTP 400" in str(result)
    assert server.count == 1


def test_usage_is_recorded_per_call(server, tmp_path):
    server.enqueue(answer({"word": "一"}, tokens=(11, 3)), answer({"word": "二"}, tokens=(13, 4)))
    cfg = config_for(server, tmp_path)

    async def go():
        async with LLMClient(cfg) as client:
            await client.structured(PROMPT, PROMPT.render(q="1"), Word)
            await client.structured(PROMPT, PROMPT.render(q="2"), Word)
            await client.structured(PROMPT, PROMPT.render(q="1"), Word)  # cached
            return client.stats

    stats = asyncio.run(go())
    assert [(r.prompt_tokens, r.completion_tokens, r.cached) for r in stats.records] == [
        (11, 3, False),
        (13, 4, False),
        (11, 3, True),
    ]
    assert stats.summary() == {
        "calls": 2,
        "tokens": 31,
        "prompt_tokens": 24,
        "completion_tokens": 7,
        "cache_hits": 1,
        "misses": 2,
        "retries": 0,
        "refused": 0,
    }
    assert stats.records[0].prompt == "echo:1" and stats.records[0].model == "fake-model"


def test_budget_exceeded_is_raised_before_the_call(server, tmp_path):
    server.enqueue(answer({"word": "一"}))
    cfg = config_for(server, tmp_path, max_calls=1)

    async def go():
        async with LLMClient(cfg) as client:
            await client.structured(PROMPT, PROMPT.render(q="1"), Word)
            with pytest.raises(BudgetExceeded, match="1 of 1 calls"):
                await client.structured(PROMPT, PROMPT.render(q="2"), Word)

    asyncio.run(go())
    assert server.count == 1


# -- the same seam with an httpx.MockTransport (no server) -----------------------------------


def _completion(content: str) -> dict:
    return {
        "id": "c1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    }


def test_mock_transport_seam(tmp_path):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(502, json={"error": {"message": "bad gateway"}})
        return httpx.Response(200, json=_completion('{"word": "好"}'))

    cfg = config_for(None, tmp_path, base_url="http://llm.invalid/v1")
    result, stats = ask(cfg, transport=httpx.MockTransport(handler))
    assert result.word == "好" and len(seen) == 2 and stats.tokens == 7
    assert seen[0].url.path == "/v1/chat/completions"


def test_connection_refused_is_retried_once_then_the_endpoint_is_down(tmp_path):
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    cfg = config_for(None, tmp_path, base_url="http://llm.invalid/v1")
    result, stats = ask(cfg, transport=httpx.MockTransport(handler))
    assert isinstance(result, EndpointDown) and "APIConnectionError" in str(result)
    assert str(result).startswith("endpoint unreachable: http://llm.invalid/v1")
    assert stats.retries == 1  # connect_attempts = 2, not the 5 transport attempts


def _status_error(headers: dict[str, str]) -> openai.APIStatusError:
    req = httpx.Request("POST", "http://x/v1/chat/completions")
    resp = httpx.Response(429, headers=headers, request=req)
    return openai.RateLimitError("rate limited", response=resp, body=None)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({}, None),
        ({"retry-after": "soon"}, None),
    ],
    ids=["seconds", "fractional", "ms_header", "absent", "garbage"],
)
def test_retry_after_parsing(headers, expected):
    assert _retry_after(_status_error(headers)) == expected


def test_retry_after_http_date():
    when = datetime.now(UTC) + timedelta(seconds=30)
    got = _retry_after(
        _status_error({"retry-after": email.utils.format_datetime(when, usegmt=True)})
    )
    assert got is not None and 25 < got <= 30


def test_retry_after_is_capped(server, tmp_path):
    server.enqueue(status(429, retry_after="30"), answer({"word": "好"}))
    cfg = config_for(server, tmp_path, backoff=Backoff(initial=0.01, max_retry_after=0.1, jitter=0))
    t0 = time.monotonic()
    result, _ = ask(cfg)
    assert result.word == "好" and time.monotonic() - t0 < 5


def test_answer_cut_off_at_the_token_limit_is_rejected(server, tmp_path):
    server.enqueue(replace(text('{"word": "好'), finish_reason="length"))
    result, _ = ask(config_for(server, tmp_path))
    assert isinstance(result, AnswerRejected) and "token limit" in str(result)
    assert server.count == 1


def test_tools_mode_answer_without_a_tool_call_is_rejected(tmp_path):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=_completion("我不用工具"))

    cfg = config_for(None, tmp_path, base_url="http://llm.invalid/v1", mode="tools", reasks=1)
    result, _ = ask(cfg, transport=httpx.MockTransport(handler))
    assert isinstance(result, AnswerRejected)


def test_the_schema_instructor_appends_is_sent_without_indentation():
    import json

    from jixiao.llm.client import compact_schema

    schema = {"properties": {"name": {"type": "string"}}, "type": "object"}
    system = (
        "Copy cells.\n\n            As a genius expert, your task is to understand the content "
        "and provide\n            the parsed objects in json that match the following "
        f"json_schema:\n\n\n{json.dumps(schema, indent=2)}\n\n            Make sure to return an "
        "instance of the JSON, not the schema itself\n"
    )
    request = {
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": "x"}]
    }
    got = compact_schema(request)["messages"]
    dense = '{"properties":{"name":{"type":"string"}},"type":"object"}'
    assert got[0]["content"].startswith("Copy cells.\n\nAs a genius expert")
    assert f"json_schema: {dense}\nMake sure to return an instance" in got[0]["content"]
    assert (
        json.dumps(schema, indent=2) not in got[0]["content"] and got[1] == request["messages"][1]
    )
    plain = {"messages": [{"role": "user", "content": "no schema"}]}
    assert compact_schema(plain) == plain  # tools mode sends the schema as a tool, not here
