"""llm/prompts.py: prompts are files, loaded by name, versioned and checked before use."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from jixiao.errors import ConfigError
from jixiao.llm.prompts import PROMPTS_DIR, load_prompt, parse_prompt

GOOD = "---\nversion: 2\ndescription: test\n---\n=== system ===\n系统 $a\n=== user ===\n用户 $b，价格 $$5\n"


def test_repair_form_prompt_loads_and_renders():
    p = load_prompt("repair_form")
    assert p.version == "4" and p.ref == "repair_form:4"
    raw = (PROMPTS_DIR / "repair_form.md").read_bytes()
    assert p.sha256 == hashlib.sha256(raw).hexdigest()
    assert p.placeholders == {"title", "siblings", "cells", "document", "knowledge"}
    messages = p.render(**{k: f"<{k}>" for k in p.placeholders})
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "<document>" in messages[1]["content"] and "$" not in messages[1]["content"]


def test_render_fills_and_escapes():
    p = parse_prompt("t", GOOD)
    assert p.render(a="甲", b="乙") == [
        {"role": "system", "content": "系统 甲"},
        {"role": "user", "content": "用户 乙，价格 $5"},
    ]


def test_render_refuses_missing_or_extra_values():
    p = parse_prompt("t", GOOD)
    with pytest.raises(ConfigError, match="missing"):
        p.render(a="x")
    with pytest.raises(ConfigError, match="unexpected"):
        p.render(a="x", b="y", c="z")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("=== system ===\nx\n=== user ===\ny\n", "no front matter"),
        ("---\nversion: 1\n=== system ===\n", "not closed"),
        ("---\ndescription: d\n---\n=== system ===\nx\n=== user ===\ny\n", "no 'version:'"),
        ("---\nversion: 1\n---\n=== user ===\ny\n", "exactly one"),
        ("---\nversion: 1\n---\n=== system ===\n$\n=== user ===\ny\n", "bad placeholder"),
    ],
    ids=["no_front_matter", "unclosed", "no_version", "no_system", "bad_dollar"],
)
def test_bad_prompt_files_are_refused(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_prompt("t", text)


def test_unknown_or_bad_name(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_prompt("nope", tmp_path)
    with pytest.raises(ConfigError, match="bad prompt name"):
        load_prompt("../etc/passwd")


def test_editing_a_prompt_changes_its_hash(tmp_path):
    (tmp_path / "t.md").write_text(GOOD, encoding="utf-8")
    before = load_prompt("t", tmp_path).sha256
    (tmp_path / "t.md").write_text(GOOD + "\n", encoding="utf-8")
    assert load_prompt("t", tmp_path).sha256 != before


def test_prompts_ship_in_the_wheel(tmp_path):
    """A built wheel carries ``prompts/`` as ``jixiao/prompts`` (where the package reads them).

    Built offline from a copy of the tree (``--no-build-isolation``), so the checkout is
    left untouched and no index is needed.
    """
    pytest.importorskip("wheel")
    root = Path(__file__).resolve().parents[1]
    tree = tmp_path / "tree"
    for part in ("src", "prompts"):
        # No *.egg-info: its stale file list would smuggle the prompts in whatever the config.
        ignore = shutil.ignore_patterns("*.egg-info", "__pycache__")
        shutil.copytree(root / part, tree / part, symlinks=True, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, tree / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(tmp_path / "dist"), str(tree)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("jixiao-*.whl")
    with zipfile.ZipFile(wheel) as z:
        for prompt in sorted((root / "prompts").glob("*.md")):
            assert z.read(f"jixiao/prompts/{prompt.name}") == prompt.read_bytes()
