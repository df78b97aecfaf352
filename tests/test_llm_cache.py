"""llm/cache.py: tagged keys, migrations, read-only replay, verify."""

from __future__ import annotations

import sqlite3

from jixiao.llm.cache import KEY_TAG, MIGRATIONS, ResponseCache, cache_key, canonical_json


def test_key_is_tagged_and_independent_of_dict_order():
    a = cache_key({"model": "m", "request": {"messages": [{"role": "user", "content": "你好"}]}})
    b = cache_key({"request": {"messages": [{"content": "你好", "role": "user"}]}, "model": "m"})
    assert a == b and a.startswith(KEY_TAG) and len(a) == len(KEY_TAG) + 64
    assert cache_key({"model": "n", "request": {}}) != cache_key({"model": "m", "request": {}})


def test_canonical_json_keeps_chinese_and_sorts():
    assert canonical_json({"b": 1, "a": "指标"}) == '{"a":"指标","b":1}'


def test_put_get_roundtrip_and_first_answer_wins(tmp_path):
    payload = {"model": "m", "request": {"q": 1}}
    key = cache_key(payload)
    with ResponseCache(tmp_path / "c.db") as cache:
        assert cache.get(key) is None
        cache.put(
            key,
            model="m",
            prompt="p",
            prompt_version="1",
            request=payload,
            response={"id": "a"},
            prompt_tokens=3,
            completion_tokens=2,
        )
        cache.put(
            key, model="m", prompt="p", prompt_version="1", request=payload, response={"id": "b"}
        )
        hit = cache.get(key)
        assert hit is not None and hit.response == {"id": "a"}
        assert (hit.prompt_tokens, hit.completion_tokens) == (3, 2)
        assert cache.verify() == []


def test_migrations_are_recorded_once_and_schema_is_pinned(tmp_path):
    path = tmp_path / "c.db"
    ResponseCache(path).close()
    ResponseCache(path).close()
    db = sqlite3.connect(path)
    names = [r[0] for r in db.execute("SELECT name FROM _migrations")]
    assert names == [name for name, _ in MIGRATIONS] == ["m001_responses"]
    cols = [r[1] for r in db.execute("PRAGMA table_info(responses)")]
    assert cols == [
        "key",
        "model",
        "prompt",
        "prompt_version",
        "request_json",
        "response_json",
        "prompt_tokens",
        "completion_tokens",
        "created_at",
    ]
    db.close()


def test_readonly_never_creates_or_writes(tmp_path):
    path = tmp_path / "sub" / "c.db"
    with ResponseCache(path, readonly=True) as cache:
        assert cache.get("anything") is None
        cache.put("k", model="m", prompt="p", prompt_version="1", request={}, response={})
    assert not path.exists() and not path.parent.exists()


def test_verify_finds_a_tampered_row(tmp_path):
    path = tmp_path / "c.db"
    payload = {"model": "m", "request": {"q": 1}}
    with ResponseCache(path) as cache:
        cache.put(
            cache_key(payload),
            model="m",
            prompt="p",
            prompt_version="1",
            request=payload,
            response={},
        )
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE responses SET request_json = ?", (canonical_json({"model": "x"}),))
    db.close()
    with ResponseCache(path, readonly=True) as cache:
        assert cache.verify() == [cache_key(payload)]
