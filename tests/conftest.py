"""Shared fixtures: the seed documents and golden records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden"
SEEDS = sorted(p for p in (GOLDEN / "inputs").glob("*.txt") if not p.name.startswith("real_"))


def golden_records(case: str) -> list[dict[str, object]]:
    """The hand-labelled records of one golden case."""
    path = GOLDEN / "expected" / f"{case}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(params=SEEDS, ids=lambda p: p.stem[:3])
def seed(request: pytest.FixtureRequest) -> Path:
    """Each seed document in turn."""
    return request.param  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- system packages

#: The Debian packages the rendering tests use (README, "Running the tests").
FONT_PACKAGE = "fonts-wqy-microhei"
CHROMIUM_PACKAGE = "chromium"


def cjk_font_missing() -> str | None:
    """Why no CJK font can draw the rendered PDFs and scans here, or None when one can."""
    from jixiao.synth import render

    try:
        render.find_font()
    except FileNotFoundError as exc:
        return f"{exc} (apt-get install {FONT_PACKAGE})"
    return None


def truetype_cjk_font_missing() -> str | None:
    """Why the PDF round trip cannot run here: it needs a TrueType CJK font (pdfminer does not
    read fpdf2's subsets of a CFF/OpenType font such as fonts-noto-cjk back as text)."""
    missing = cjk_font_missing()
    if missing:
        return missing
    from fontTools.ttLib import TTFont

    from jixiao.synth import render

    path, index = render.find_font()
    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        if "glyf" not in font:
            return (
                f"{path} is a CFF (OpenType) font whose PDF text pdfminer cannot read back: "
                f"apt-get install {FONT_PACKAGE}"
            )
    finally:
        font.close()
    return None


needs_cjk_font = pytest.mark.skipif(cjk_font_missing() is not None, reason=str(cjk_font_missing()))
needs_truetype_cjk_font = pytest.mark.skipif(
    truetype_cjk_font_missing() is not None, reason=str(truetype_cjk_font_missing())
)


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """The LLM stage against the fake server (tests/fakellm.py): its key and model, a home of
    the test's own; the run's settings, which the CLI writes into os.environ for its workers,
    undone after each test."""
    from fakellm import KEY

    monkeypatch.setenv("JIXIAO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("JIXIAO_LLM_API_KEY", KEY)
    monkeypatch.setenv("JIXIAO_LLM_MODEL", "fake-model")
    for name in (
        "JIXIAO_LLM_LEDGER",
        "JIXIAO_LLM_TIMEOUT",
        "JIXIAO_LLM_MAX_CALLS",
        "JIXIAO_LLM_MAX_TOKENS",
        "JIXIAO_LLM_DEADLINE_AT",
        "JIXIAO_LLM_COMPLETIONS",
    ):
        monkeypatch.setenv(name, "")
    return monkeypatch
