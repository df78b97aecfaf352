"""`jixiao normalize` through the CLI: outputs, summary, exit codes, bad files never stop a batch."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from conftest import SEEDS
from test_pipeline_seeds import source_indicator_lines
from typer.testing import CliRunner

from jixiao.cli import app

runner = CliRunner()


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_seeds_run_clean(tmp_path: Path) -> None:
    result = runner.invoke(app, ["normalize", *map(str, SEEDS), "-o", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    forms = read_jsonl(tmp_path / "forms.jsonl")
    assert len(forms) == 49
    assert read_jsonl(tmp_path / "rejects.jsonl") == []
    raw = (tmp_path / "indicators.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to show Chinese
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == 304
    assert "表 49" in result.output and "指标 304" in result.output  # Chinese first
    english = runner.invoke(
        app, ["normalize", *map(str, SEEDS), "-o", str(tmp_path), "-q", "--lang", "en"]
    )
    assert "forms 49" in english.output and "indicators 304" in english.output


def test_bad_files_are_rejected_and_the_batch_goes_on(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a_empty.txt").write_bytes(b"")
    (src / "b_binary.txt").write_bytes(bytes(range(256)) * 50)
    seed_text = SEEDS[3].read_text(encoding="utf-8")
    (src / "c_truncated.txt").write_text(seed_text[:400], encoding="utf-8")
    (src / "d_not_a_form.txt").write_text("会议纪要\n今天讨论了预算编制工作。\n", encoding="utf-8")
    (src / "e_good.txt").write_text(SEEDS[0].read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["normalize", str(src), "-o", str(out), "-q"])
    assert result.exit_code == 1
    rejects = read_jsonl(out / "rejects.jsonl")
    by_file = {Path(str(r["file"])).name: r for r in rejects}
    assert by_file["a_empty.txt"]["reason"] == "空文件 / empty file"  # Chinese first
    assert by_file["a_empty.txt"]["code"] == "empty_file"  # the stable code for scripts
    assert "binary" in str(by_file["b_binary.txt"]["reason"])
    assert by_file["b_binary.txt"]["code"] == "binary"
    assert "no 绩效目标表" in str(by_file["d_not_a_form.txt"]["reason"])
    assert by_file["d_not_a_form.txt"]["code"] == "no_form"
    assert "拒收原因：" in result.output and "空文件 1" in result.output
    assert "c_truncated.txt" in by_file  # cut before the indicator table: said so
    assert "truncated" in str(by_file["c_truncated.txt"]["reason"])
    forms = read_jsonl(out / "forms.jsonl")
    assert (
        sum(1 for f in forms if f["project_name"] == "政务督查工作") == 1
    )  # the good file survived


def test_no_source_row_lost(tmp_path: Path) -> None:
    """Every source indicator row is in forms.jsonl (by its line) or in rejects.jsonl."""
    for seed in SEEDS:
        out = tmp_path / seed.stem
        runner.invoke(app, ["normalize", str(seed), "-o", str(out), "-q"])
        placed = {
            ind["line"]
            for prov in read_jsonl(out / "provenance.jsonl")
            for ind in prov["indicators"]  # type: ignore[attr-defined]
        }
        rejected = {r.get("line") for r in read_jsonl(out / "rejects.jsonl")}
        missing = [n for n in source_indicator_lines(seed) if n not in placed | rejected]
        assert missing == [], seed.name


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert (
        runner.invoke(app, ["normalize", str(tmp_path / "nope"), "-o", str(tmp_path)]).exit_code
        == 2
    )
    assert runner.invoke(app, ["normalize", "--stage", "bogus", str(tmp_path)]).exit_code == 2


def test_inspect_shows_layout_and_flags() -> None:
    result = runner.invoke(app, ["inspect", str(SEEDS[4])])
    assert result.exit_code == 0
    assert "layout=tab_rows" in result.output
    assert "column_shift" in result.output
