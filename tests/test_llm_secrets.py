"""The API key never appears in logs, outputs, the cache file or error messages."""

from __future__ import annotations

import json
import logging

from fakellm import (
    KEY,
    SAMPLE_DOC,
    FakeLLMServer,
    answer,
    config_for,
    good_answer,
    sample_form,
    status,
)

from jixiao.llm.config import Backoff
from jixiao.repair.llm import run_llm_stage
from jixiao.repair.queue import write_queue


def _echo_auth(request, headers):
    """A server that echoes the credentials it got, as some gateways do in 401 bodies."""
    return f"invalid api key: {headers.get('authorization')}"


def test_api_key_never_leaks(tmp_path, caplog, capfd):
    caplog.set_level(logging.DEBUG)  # every logger: ours, openai, httpx, httpcore, instructor
    bad = good_answer()
    bad["proposals"][0]["quote"] = "不在原文里的引用"
    with FakeLLMServer() as server:
        server.enqueue(
            answer(bad),  # re-asked
            answer(good_answer()),
            status(401, body=_echo_auth),  # not retried; message carries the key
            status(500, body=_echo_auth),
            status(500, body=_echo_auth),
        )
        cfg = config_for(server, tmp_path, backoff=Backoff(attempts=2, initial=0.01, jitter=0))
        items = []
        for k in range(3):
            form, cells = sample_form(title=f"表{k}", file=f"f{k}.txt")
            items.append((form, cells, SAMPLE_DOC))
        results = [run_llm_stage([item], cfg) for item in items]
        headers = [s.headers.get("authorization") for s in server.seen]

    assert headers and all(h == f"Bearer {KEY}" for h in headers)  # the key was really used
    queue = [q for r in results for q in r.queue]
    assert any("invalid api key: Bearer ***" in q.reason for q in queue)  # echoed, then redacted

    out = tmp_path / "out"
    write_queue(queue, out / "review_queue.jsonl")
    records = "\n".join(json.dumps(f.contract(), ensure_ascii=False) for f, _, _ in items)
    provenance = json.dumps([f.provenance() for f, _, _ in items], ensure_ascii=False)
    cache_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("llm_cache.sqlite3*"))
    captured = capfd.readouterr()

    assert "HTTP Request: POST" in caplog.text  # logging was really on
    for where, text in {
        "logs": caplog.text,
        "stdout+stderr": captured.out + captured.err,
        "queue": (out / "review_queue.jsonl").read_text(encoding="utf-8"),
        "records": records,
        "provenance": provenance,
        "stats": repr([r.stats for r in results]),
        "config repr": repr(cfg),
    }.items():
        assert KEY not in text, f"API key leaked into {where}"
    assert cache_bytes and KEY.encode() not in cache_bytes
