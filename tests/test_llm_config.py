"""llm/config.py: env resolution in one function, frozen config, backend choice."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from jixiao.errors import ConfigError
from jixiao.llm import config as config_mod
from jixiao.llm.config import LLMConfig, resolve_llm_config

KEY = "sk-config-test-secret"


def test_no_endpoint_means_backend_none_said_once(caplog, monkeypatch):
    monkeypatch.setattr(config_mod, "_announced_none", False)
    caplog.set_level(logging.INFO, logger="jixiao.llm.config")
    assert resolve_llm_config({}).backend == "none"
    assert resolve_llm_config({}).backend == "none"
    said = [r for r in caplog.records if "LLM backend: none" in r.getMessage()]
    assert len(said) == 1


def test_env_is_read():
    cfg = resolve_llm_config(
        {
            "JIXIAO_LLM_BASE_URL": "http://127.0.0.1:8000/v1",
            "JIXIAO_LLM_API_KEY": KEY,
            "JIXIAO_LLM_MODEL": "qwen-plus",
            "JIXIAO_LLM_MODE": "tools",
            "JIXIAO_LLM_CONCURRENCY": "8",
            "JIXIAO_LLM_MAX_CALLS": "100",
            "JIXIAO_LLM_MAX_TOKENS": "50000",
            "JIXIAO_LLM_TIMEOUT": "12.5",
            "JIXIAO_HOME": "/tmp/jx-home",
        }
    )
    assert (cfg.backend, cfg.base_url, cfg.api_key, cfg.model, cfg.mode) == (
        "openai",
        "http://127.0.0.1:8000/v1",
        KEY,
        "qwen-plus",
        "tools",
    )
    assert (cfg.concurrency, cfg.max_calls, cfg.max_tokens, cfg.timeout) == (8, 100, 50000, 12.5)
    assert cfg.cache_path == Path("/tmp/jx-home/llm_cache.sqlite3")


def test_key_falls_back_to_openai_api_key():
    cfg = resolve_llm_config({"OPENAI_API_KEY": KEY})
    assert cfg.api_key == KEY and cfg.backend == "openai" and cfg.base_url is None
    own = resolve_llm_config({"OPENAI_API_KEY": "other", "JIXIAO_LLM_API_KEY": KEY})
    assert own.api_key == KEY


def test_defaults():
    cfg = resolve_llm_config({"JIXIAO_LLM_BASE_URL": "http://localhost:11434/v1"})
    assert cfg.mode == "json" and cfg.concurrency == 4 and cfg.max_calls is None
    assert cfg.api_key is None and cfg.backend == "openai"


def test_overrides_beat_env_and_none_overrides_are_ignored(tmp_path):
    env = {"JIXIAO_LLM_BASE_URL": "http://a/v1", "JIXIAO_LLM_MODEL": "env-model"}
    cfg = resolve_llm_config(
        env, model="cli-model", backend="replay", max_calls=None, home=tmp_path
    )
    assert cfg.model == "cli-model" and cfg.backend == "replay" and cfg.home == tmp_path


def test_openai_backend_without_endpoint_or_key_is_an_error():
    with pytest.raises(ConfigError, match="needs JIXIAO_LLM_BASE_URL"):
        resolve_llm_config({}, backend="openai")


def test_replay_needs_no_key():
    assert resolve_llm_config({"JIXIAO_LLM_BACKEND": "replay"}).backend == "replay"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"JIXIAO_LLM_CONCURRENCY": "many"}, "JIXIAO_LLM_CONCURRENCY must be an integer"),
        ({"JIXIAO_LLM_MAX_CALLS": "0"}, "JIXIAO_LLM_MAX_CALLS must be at least 1"),
        ({"JIXIAO_LLM_MODE": "functions"}, "JIXIAO_LLM_MODE must be one of"),
        ({"JIXIAO_LLM_BACKEND": "anthropic"}, "JIXIAO_LLM_BACKEND must be one of"),
        ({"JIXIAO_LLM_TIMEOUT": "soon"}, "JIXIAO_LLM_TIMEOUT must be a number"),
    ],
    ids=["concurrency_not_int", "max_calls_zero", "bad_mode", "bad_backend", "bad_timeout"],
)
def test_bad_env_names_the_variable(env, message):
    with pytest.raises(ConfigError, match=message):
        resolve_llm_config(env)


def test_unknown_override_is_an_error():
    with pytest.raises(ConfigError, match="unknown LLM config option"):
        resolve_llm_config({}, modle="typo")


def test_config_is_frozen_and_hides_the_key():
    cfg = resolve_llm_config({"JIXIAO_LLM_API_KEY": KEY})
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.model = "x"  # type: ignore[misc]
    assert KEY not in repr(cfg) and KEY not in str(cfg)
    assert cfg.with_(model="y").model == "y" and cfg.model != "y"
    assert isinstance(cfg, LLMConfig)
