"""Bulk runs: a run killed with SIGKILL resumes with nothing lost, nothing parsed twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SEEDS
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.output.runstore import MIGRATIONS, STORE_NAME, RunStore
from jixiao.output.writers import RunWriter
from jixiao.schema import Reject

runner = CliRunner()


def make_archive(root: Path, copies: int) -> Path:
    """Many small files: each seed, renamed, ``copies`` times over (distinct paths)."""
    src = root / "archive"
    for k in range(copies):
        for seed in SEEDS:
            target = src / f"batch{k % 7}" / f"{k:04d}_{seed.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(seed.read_bytes())
    return src


def stored_rows(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=0.1) as con:
            return int(con.execute("SELECT count(*) FROM files").fetchone()[0])
    except sqlite3.Error:
        return 0


def sorted_lines(path: Path) -> list[str]:
    return sorted(path.read_text(encoding="utf-8").splitlines())


def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    archive = make_archive(tmp_path, copies=60)  # 300 files
    clean = tmp_path / "clean"
    assert (
        runner.invoke(app, ["normalize", str(archive), "-o", str(clean), "-j", "1", "-q"]).exit_code
        == 0
    )

    out = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-m",
        "jixiao.cli",
        "normalize",
        str(archive),
        "-o",
        str(out),
        "-j",
        "2",
        "-q",
    ]
    proc = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while (
        stored_rows(out / STORE_NAME) < 30 and proc.poll() is None and time.monotonic() < deadline
    ):
        time.sleep(0.02)
    if proc.poll() is not None:
        pytest.skip("the run finished before it could be killed")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = stored_rows(out / STORE_NAME)
    assert 0 < partial < 300
    assert not (out / "forms.jsonl").exists()  # outputs appear only when a run completes

    resumed = runner.invoke(app, ["normalize", str(archive), "-o", str(out), "-j", "2", "-q"])
    assert resumed.exit_code == 0, resumed.output
    assert f"（{partial} 个未变，未重新解析）" in resumed.output
    assert sorted_lines(out / "forms.jsonl") == sorted_lines(clean / "forms.jsonl")
    store = RunStore(out / STORE_NAME)
    try:
        assert set(store.parses().values()) == {1}  # no file parsed twice
        assert len(store.parses()) == 300
    finally:
        store.close()


def test_output_order_is_deterministic_across_worker_counts(tmp_path: Path) -> None:
    archive = make_archive(tmp_path, copies=3)
    one, two = tmp_path / "one", tmp_path / "two"
    runner.invoke(app, ["normalize", str(archive), "-o", str(one), "-j", "1", "-q"])
    runner.invoke(app, ["normalize", str(archive), "-o", str(two), "-j", "2", "-q"])
    assert (one / "forms.jsonl").read_bytes() == (two / "forms.jsonl").read_bytes()
    assert (one / "indicators.csv").read_bytes() == (two / "indicators.csv").read_bytes()


def test_changed_file_is_parsed_again(tmp_path: Path) -> None:
    archive = make_archive(tmp_path, copies=1)
    out = tmp_path / "out"
    runner.invoke(app, ["normalize", str(archive), "-o", str(out), "-j", "1", "-q"])
    victim = next(archive.rglob("*_000_a0fb*.txt"))
    victim.write_text(
        victim.read_text(encoding="utf-8").replace("政务督查工作", "政务督查工作（修订）"),
        encoding="utf-8",
    )
    again = runner.invoke(app, ["normalize", str(archive), "-o", str(out), "-j", "1", "-q"])
    assert f"（{len(SEEDS) - 1} 个未变" in again.output
    forms = [
        json.loads(line) for line in (out / "forms.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert any(f["project_name"] == "政务督查工作（修订）" for f in forms)


def test_store_schema_is_pinned(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "s.sqlite")
    try:
        applied = [r[0] for r in store.db.execute("SELECT name FROM migrations ORDER BY name")]
        columns = [r[1] for r in store.db.execute("PRAGMA table_info(files)")]
    finally:
        store.close()
    assert applied == [name for name, _ in MIGRATIONS] == ["m001_files", "m002_parts"]
    assert columns == ["path", "sha256", "config", "payload", "parses", "done_at"]


def test_a_failed_run_leaves_the_previous_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "forms.jsonl").write_text("previous run\n", encoding="utf-8")
    with pytest.raises(RuntimeError), RunWriter(out) as writer:
        writer.add_reject(Reject(file="a.txt", reason="unreadable", code="unreadable"))
        raise RuntimeError("interrupted mid-run")
    assert (out / "forms.jsonl").read_text(encoding="utf-8") == "previous run\n"
    assert not (out / "rejects.jsonl").exists()
    assert not list(out.glob(".*.part"))
