"""``jixiao eval`` end to end through typer: reports, history, trend, baseline gate, producers."""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from jixiao.evaluate import command
from jixiao.evaluate.history import (
    History,
    compare_baseline,
    history_path,
    migrate,
    missing_metrics,
)
from jixiao.schema import Form, Indicator, PartOutcome
from jixiao.settings import RunSettings

Records = tuple[list[dict[str, Any]], list[dict[str, Any]]]


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Stand-in for the jixiao app."""

    app.command("eval")(command.eval_command)
    return app


def seed_forms() -> list[dict[str, Any]]:
    rows = [
        Indicator(name="现场督查次数", name_raw="现场督查次数", operator="≥", value=200,
                  value_kind="quantitative", unit="次", weight=10),
        Indicator(name="建议提案办理率", name_raw="建议提案办理率", operator="≥", value=100,
                  value_kind="quantitative", unit="%", weight=20),
        Indicator(name="网站正常运行率", name_raw="网站正常运", operator="≥", value=95,
                  value_kind="quantitative", unit="%", weight=10, flags=["name_truncated"],
                  name_alternatives=["网站正常运转率"]),
    ]  # fmt: skip
    f = Form(title="部门专项绩效目标申报表", year=2024, project_name="政务督查工作",
             department="重庆市沙坪坝区人民政府办公室", budget_total=100,
             budget_breakdown={"区级支出": 100, "补助街镇": 0}, indicators=rows)  # fmt: skip
    return [f.contract()]


@pytest.fixture
def golden(tmp_path: Path) -> Path:
    root = tmp_path / "golden"
    (root / "inputs").mkdir(parents=True)
    (root / "expected").mkdir()
    for case in ("000_seed", "900_real"):
        (root / "inputs" / f"{case}.txt").write_text("源文件", encoding="utf-8")
        lines = [json.dumps(r, ensure_ascii=False) for r in seed_forms()]
        (root / "expected" / f"{case}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    review = {"form": 0, "indicator": None, "code": "missing_level1"}
    (root / "expected" / "000_seed.review.jsonl").write_text(json.dumps(review) + "\n")
    (root / "cases.json").write_text(json.dumps({"000_seed": {"layout": "cell_per_line"}}))
    return root


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """History relocated to tmp via its env var, as a nightly job would do."""
    monkeypatch.setenv("JIXIAO_EVAL_HISTORY", str(tmp_path / "state" / "history.sqlite"))
    return tmp_path


def fake_producer(break_unit: bool = False) -> Callable[[str, str], Callable[[Path], Records]]:
    """A ``make_producer`` stand-in: the expected records, optionally with one rule broken."""

    def factory(stage: str, llm: str) -> Callable[[Path], Records]:
        def produce(path: Path) -> Records:
            forms = copy.deepcopy(seed_forms())
            if break_unit:  # as if the 百分比 -> % unit rule were broken
                for row in forms[0]["indicators"]:
                    if row["unit"] == "%":
                        row["unit"] = "百分比"
            return forms, [{"form": 0, "indicator": None, "code": "missing_level1"}]

        return produce

    return factory


def invoke(args: list[str]) -> Any:
    return CliRunner().invoke(make_app(), ["eval", *args])


def test_eval_prints_table_writes_report_and_history(
    golden: Path, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(command, "make_producer", fake_producer())
    out = env / "reports"
    res = invoke([str(golden), "--out", str(out)])
    assert res.exit_code == 0, res.stderr
    assert "| **indicator fields** | 54 | **100.0** | 100.0 | 100.0 |" in res.stdout
    assert "F1 cell_per_line" in res.stdout and "F1 unknown" in res.stdout
    assert "| missing_level1 | 1 | 1 | 100.0 | 100.0 | 100.0 |" in res.stdout
    reports = list(out.glob("eval-*-rules.json"))
    assert len(reports) == 1
    data = json.loads(reports[0].read_text(encoding="utf-8"))
    assert data["metrics"]["layout.cell_per_line.flag.name_truncated.f1"] == 1.0
    assert data["metrics"]["overall.reviews.f1"] == 1.0

    res2 = invoke([str(golden), "--out", str(out)])
    assert res2.exit_code == 0
    assert "| trend |" in res2.stdout  # the second run sees the first
    db = sqlite3.connect(env / "state" / "history.sqlite")
    runs = db.execute("SELECT stage, llm, golden_dir FROM runs").fetchall()
    db.close()
    assert runs == [("rules", "none", str(golden.resolve()))] * 2


def test_json_output_is_the_report(
    golden: Path, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(command, "make_producer", fake_producer())
    res = invoke([str(golden), "--json", "--out", str(env / "r"), "--stages", "parse"])
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["stage"] == "parse"
    assert data["overall"]["counts"]["indicators_matched"] == 6
    assert data["metrics"]["case.900_real.field.name"] == 1.0


def test_broken_rule_fails_the_baseline(
    golden: Path, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = env / "baseline.json"
    out = str(env / "reports")
    monkeypatch.setattr(command, "make_producer", fake_producer())
    res = invoke([str(golden), "--baseline", str(baseline), "--update-baseline", "--out", out])
    assert res.exit_code == 0
    written = json.loads(baseline.read_text(encoding="utf-8"))
    assert list(written) == sorted(written)
    assert written["overall.field.unit"] == 1.0

    assert invoke([str(golden), "--baseline", str(baseline), "--out", out]).exit_code == 0

    monkeypatch.setattr(command, "make_producer", fake_producer(break_unit=True))
    res = invoke([str(golden), "--baseline", str(baseline), "--out", out])
    assert res.exit_code == 1
    lines = [x for x in res.stderr.splitlines() if x.startswith("regression:")]
    assert "regression: overall.field.unit 0.3333 < baseline 1.0000 (-0.6667)" in lines
    assert any(x.startswith("regression: layout.cell_per_line.field.unit ") for x in lines)
    assert any(x.startswith("regression: case.900_real.fields.indicator ") for x in lines)
    # A generous tolerance lets the same drop through.
    res = invoke([str(golden), "--baseline", str(baseline), "--tolerance", "0.7", "--out", out])
    assert res.exit_code == 0


def test_bad_golden_dir_is_one_line_and_exit_2(
    tmp_path: Path, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(command, "make_producer", fake_producer())
    res = invoke([str(tmp_path), "--out", str(tmp_path / "r")])
    assert res.exit_code == 2
    assert res.stderr.strip().startswith("error: ") and "inputs/ and expected/" in res.stderr


def test_missing_baseline_is_a_config_error(
    golden: Path, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(command, "make_producer", fake_producer())
    res = invoke([str(golden), "--baseline", str(env / "nope.json"), "--out", str(env / "r")])
    assert res.exit_code == 2
    assert "--update-baseline" in res.stderr


# --------------------------------------------------------------------------- baseline & history


def test_compare_baseline_tolerance_and_missing_metrics() -> None:
    base = {
        "overall.field.name": 0.9,
        "overall.field.unit": 0.8,
        "case.a.flag.column_shift.f1": 0.0,
    }
    now = {"overall.field.name": 0.896, "overall.field.unit": 0.79, "overall.field.value": 0.1}
    regs = compare_baseline(now, base, tolerance=0.005)
    assert [(r.metric, r.current) for r in regs] == [("overall.field.unit", 0.79)]
    # The false column_shift flag is gone, so its F1 is undefined: a note, not a failure.
    assert missing_metrics(now, base) == ["case.a.flag.column_shift.f1"]


def test_history_schema_is_pinned_and_migrations_run_once(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "h.sqlite")
    assert migrate(db) == ["m001_runs"]
    assert migrate(db) == []
    cols = [r[1] for r in db.execute("PRAGMA table_info(runs)")]
    assert cols == [
        "id", "time", "git_commit", "golden_dir", "stage", "llm", "metrics", "counts", "usage",
    ]  # fmt: skip
    db.close()


def test_history_recent_is_per_golden_dir_and_stage(tmp_path: Path) -> None:
    with History.open(tmp_path / "h.sqlite") as h:
        for k in range(7):
            h.append(time=f"2025-01-0{k + 1}T00:00:00+00:00", git_commit=None, golden_dir="g",
                     stage="rules", llm="none", metrics={"overall.field.name": k / 10}, counts={})  # fmt: skip
        h.append(time="2025-01-09T00:00:00+00:00", git_commit="abc", golden_dir="g",
                 stage="llm", llm="openai", metrics={}, counts={})  # fmt: skip
        recent = h.recent("g", "rules")
    assert [r.metrics["overall.field.name"] for r in recent] == [0.2, 0.3, 0.4, 0.5, 0.6]


def test_history_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JIXIAO_EVAL_HISTORY", raising=False)
    assert history_path() == Path("eval/history.sqlite")
    monkeypatch.setenv("JIXIAO_EVAL_HISTORY", str(tmp_path / "e.sqlite"))
    assert history_path() == tmp_path / "e.sqlite"
    assert history_path(tmp_path / "o.sqlite") == tmp_path / "o.sqlite"


# --------------------------------------------------------------------------- the real producer


def test_producer_scores_what_normalize_writes(tmp_path: Path) -> None:
    """eval reads a file through the route ``normalize`` takes: the records it scores are the
    lines of forms.jsonl (less the source keys the writer adds beside the contract)."""
    from jixiao.cli import app

    source = Path(__file__).resolve().parents[1] / "golden" / "inputs" / "000_a0fb249f9976cb71.txt"
    result = CliRunner().invoke(app, ["normalize", str(source), "-o", str(tmp_path / "out")])
    assert result.exit_code in (0, 1), result.output
    lines = (tmp_path / "out" / "forms.jsonl").read_text(encoding="utf-8").splitlines()
    written = [json.loads(line) for line in lines]
    records, _findings = command.make_producer("rules", "none")(source)
    assert written and records == [
        {k: v for k, v in w.items() if k not in ("source_file", "source_lines")} for w in written
    ]


def test_producer_sums_llm_usage(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[RunSettings] = []

    def run_file(path: Path, settings: RunSettings) -> Any:
        seen.append(settings)
        return iter([PartOutcome(file=path.name, calls=2, tokens=300, cache_hits=1)])

    monkeypatch.setattr(command, "run_file", run_file)
    producer = command.make_producer("llm", "replay")
    producer(tmp_path / "a.txt")
    producer(tmp_path / "b.txt")
    assert [(s.stage, s.llm) for s in seen] == [("llm", "replay")] * 2
    assert producer.usage.to_json() == {"calls": 4, "tokens": 600, "cache_hits": 2}
