"""Synthetic golden sets: the parser must find the defects ``synth`` puts in, and eval must gate.

One small set (60 forms, 20 per layout) is generated once and scored with the real producer at
stage ``rules``. Flags the parser is known to miss on it are marked ``xfail(strict=True)`` with
the reason, so they stay visible and the marks must be removed once the parser is fixed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import jixiao.normalize
from jixiao.cli import app
from jixiao.evaluate import EvalResult, run_eval
from jixiao.evaluate.command import make_producer
from jixiao.evaluate.kinds import score_by_kind
from jixiao.synth import (
    KIND_FLAGS,
    LAYOUTS,
    ROW_KINDS,
    cut_widths,
    generate,
    wrap_text,
)
from jixiao.synth.command import synth_command

SEED = 1
FORMS = 60
RATE = 0.4
RECALL = 0.9
CLEAN_FIELDS = 0.98

#: Flags the parser misses on this set (found by this test and reported; not the generator's).
KNOWN_MISSES = {
    "name_truncated": (
        "a cut ending on a character of defects._FINAL_CHARS (项 资 次 会 网 …) is not "
        "flagged unless the file shows PDF wraps, even when the document prints the full "
        "name; a cut the document does not support is rarely flagged"
    ),
}
ALL_FLAGS = sorted({f for flags in KIND_FLAGS.values() for f in flags} | {"value_missing"})


@pytest.fixture(scope="module")
def synth_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "set"
    generate(FORMS, SEED, out, rate=RATE)
    return out


@pytest.fixture(scope="module")
def result(synth_set: Path) -> EvalResult:
    return run_eval(synth_set, make_producer("rules", "none"), stage="rules")


def test_layout_and_files(synth_set: Path) -> None:
    cases = sorted((synth_set / "inputs").glob("*.txt"))
    assert len(cases) == len(LAYOUTS)  # 60 forms: one file of 20 per layout
    for path in cases:
        stem = path.stem
        assert (synth_set / "expected" / f"{stem}.jsonl").exists()
        assert (synth_set / "perturbations" / f"{stem}.jsonl").exists()


def test_every_kind_is_generated(synth_set: Path) -> None:
    import json

    meta = json.loads((synth_set / "cases.json").read_text(encoding="utf-8"))
    done = {k for m in meta.values() for k, v in m["perturbations"].items() if v}
    expected = {k for kinds in ROW_KINDS.values() for k in kinds} | {"weight_copy", "wrap"}
    assert done == expected


def test_same_seed_same_files(tmp_path: Path) -> None:
    generate(24, 5, tmp_path / "a", rate=0.5)
    generate(24, 5, tmp_path / "b", rate=0.5)
    for path in sorted((tmp_path / "a").rglob("*")):
        if path.is_file():
            twin = tmp_path / "b" / path.relative_to(tmp_path / "a")
            assert path.read_bytes() == twin.read_bytes(), path.name


def test_clean_forms_read_back_exactly(tmp_path: Path) -> None:
    """With no perturbation every record is read back field for field: the renderers are right."""
    generate(30, 3, tmp_path / "clean", rate=0.0)
    res = run_eval(tmp_path / "clean", make_producer("rules", "none"))
    overall = res.overall
    assert overall.indicators_matched == overall.indicators_expected > 0
    wrong = {k: a.value for k, a in overall.fields.items() if a.value != 1.0}
    assert not wrong
    assert not overall.flags


@pytest.mark.parametrize(
    "flag",
    [
        pytest.param(f, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[f]))
        if f in KNOWN_MISSES
        else f
        for f in ALL_FLAGS
    ],
)
def test_flag_recall(result: EvalResult, flag: str) -> None:
    prf = result.overall.flags.get(flag)
    assert prf is not None and prf.support > 0, f"{flag} not generated"
    assert prf.recall is not None and prf.recall >= RECALL, prf.to_json()


def test_clean_fields(result: EvalResult, synth_set: Path) -> None:
    """Rows with no defect (clean, OCR noise, wrap spaces) and form headers are read right."""
    scores = score_by_kind(result, synth_set)
    assert scores["unflagged"].rows > 100
    assert (scores["unflagged"].accuracy or 0) >= CLEAN_FIELDS
    assert (scores["header"].accuracy or 0) >= CLEAN_FIELDS
    assert result.overall.forms_matched == FORMS


def test_cut_widths_and_wraps() -> None:
    assert cut_widths("服务对象满意度") == (5,)  # 满|意度: inside a word
    assert cut_widths("节约化办公节约率") == ()  # 5 falls between words
    assert wrap_text("服务对象满意度") == "服务对象满 意度"
    assert wrap_text("20212022年") == "20212022年"  # no blank between digits


def test_breaking_a_parser_rule_fails_the_baseline(
    synth_set: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = tmp_path / "baseline.json"
    common = ["--history", str(tmp_path / "history.sqlite"), "--out", str(tmp_path / "reports")]
    runner = CliRunner()
    args = ["eval", str(synth_set), "--baseline", str(baseline), *common]
    res = runner.invoke(app, [*args, "--update-baseline"])
    assert res.exit_code == 0, res.stderr
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.stderr  # the unbroken parser meets its own baseline

    monkeypatch.setattr(jixiao.normalize, "canon_unit", lambda text: None)
    res = runner.invoke(app, args)
    assert res.exit_code == 1
    assert "regression: overall.field.unit" in res.stderr


def test_synth_command(tmp_path: Path) -> None:
    cli = typer.Typer()

    @cli.callback()
    def main() -> None:
        """Stand-in for the jixiao app."""

    cli.command("synth")(synth_command)
    out = tmp_path / "s"
    res = CliRunner().invoke(cli, ["synth", "-n", "9", "--seed", "2", "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    assert "wrote 9 forms" in res.stdout
    assert len(list((out / "inputs").iterdir())) == 3
    again = CliRunner().invoke(cli, ["synth", "-n", "9", "--seed", "2", "-o", str(out)])
    assert again.exit_code == 2 and "not empty" in again.stderr
    bad = ["synth", "-n", "9", "--seed", "2", "-o", str(tmp_path / "x"), "--layouts", "pdf"]
    assert CliRunner().invoke(cli, bad).exit_code == 2
