"""Progress bars of ``review`` and ``eval``: on stderr when it is a terminal, off with ``-q``
and when stderr is a pipe or a file (a log, CI). Run as a user would, in a pseudo-terminal."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden"
CASES = ("000_a0fb249f9976cb71", "001_0e2ef6552dc4366c")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


def _env() -> dict[str, str]:
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="100", LINES="40")
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    for var in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(var, None)
    return env


def run_in_terminal(args: list[str], cwd: Path, timeout: float = 120) -> tuple[int, str]:
    """The command with its stderr on a pseudo-terminal (stdout to a pipe); what the terminal
    received (escape codes and all)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "jixiao.cli", *args],
        cwd=cwd,
        env=_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 1 << 16)
                except OSError:  # the child closed its end
                    break
                if not chunk:
                    break
                seen += chunk
            elif proc.poll() is not None:
                break
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
        if proc.stdout is not None:
            proc.stdout.close()
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, seen.decode("utf-8", "replace")


def run_piped(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jixiao.cli", *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def many_forms(tmp_path: Path) -> Path:
    """120 forms (the golden records in turn) in one forms.jsonl."""
    records = []
    for p in sorted((GOLDEN / "expected").glob("*.jsonl")):
        if not p.name.endswith(".review.jsonl"):
            records += [json.loads(x) for x in p.read_text("utf-8").splitlines() if x]
    path = tmp_path / "many.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for k in range(120):
            fh.write(json.dumps(records[k % len(records)], ensure_ascii=False) + "\n")
    return path


def test_review_shows_a_bar_on_a_terminal_only(many_forms: Path, tmp_path: Path) -> None:
    rc, seen = run_in_terminal(["review", str(many_forms), "-o", "r1"], tmp_path)
    assert rc == 0, seen
    assert "审核 review" in seen and "120/120" in seen  # the bar, with forms done of all
    assert "文件 1 · 表 120" in seen  # and the summary after it
    rc, quiet = run_in_terminal(["review", str(many_forms), "-o", "r2", "-q"], tmp_path)
    assert rc == 0 and "审核 review" not in quiet and "文件 1 · 表 120" in quiet
    piped = run_piped(["review", str(many_forms), "-o", "r3"], tmp_path)
    assert piped.returncode == 0
    assert "审核 review" not in piped.stderr and "\x1b[" not in piped.stderr
    assert "文件 1 · 表 120" in piped.stderr


def test_eval_shows_a_bar_on_a_terminal_only(tmp_path: Path) -> None:
    golden = tmp_path / "golden"
    for sub in ("inputs", "expected"):
        (golden / sub).mkdir(parents=True)
    cases = json.loads((GOLDEN / "cases.json").read_text("utf-8"))
    for case in CASES:
        shutil.copy(GOLDEN / "inputs" / f"{case}.txt", golden / "inputs")
        for p in (GOLDEN / "expected").glob(f"{case}*.jsonl"):
            shutil.copy(p, golden / "expected")
    (golden / "cases.json").write_text(json.dumps({c: cases[c] for c in CASES}), "utf-8")
    common = ["eval", str(golden), "--history", str(tmp_path / "h.sqlite")]
    rc, seen = run_in_terminal([*common, "--out", "o1"], tmp_path)
    assert rc == 0, seen
    assert "评测 eval" in seen and "2/2" in seen
    assert (tmp_path / "o1" / "eval_report.html").is_file()
    rc, quiet = run_in_terminal([*common, "--out", "o2", "-q"], tmp_path)
    assert rc == 0 and "评测 eval" not in quiet and "html report:" in quiet
    piped = run_piped([*common, "--out", "o3"], tmp_path)
    assert piped.returncode == 0 and "评测 eval" not in piped.stderr
    assert "| **indicator fields** |" in piped.stdout
