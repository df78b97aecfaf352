"""The backbone: every command reads a file through ``pipeline.run_file``, so they agree.

Reviewing ``normalize``'s forms.jsonl gives what reviewing its sources gives: the same
findings, rewrites and report, source files and cell positions included.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from jixiao.cli import app

GOLDEN_INPUTS = Path(__file__).resolve().parents[1] / "golden" / "inputs"
runner = CliRunner()


def test_review_of_forms_jsonl_agrees_with_review_of_the_sources(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["normalize", str(GOLDEN_INPUTS), "-o", str(out), "-q"])
    assert result.exit_code in (0, 1), result.output
    from_sources = tmp_path / "r1"
    from_records = tmp_path / "r2"
    for args, where in (
        ([str(GOLDEN_INPUTS)], from_sources),
        ([str(out / "forms.jsonl")], from_records),
    ):
        result = runner.invoke(app, ["review", *args, "-o", str(where), "--fail-on", "never"])
        assert result.exit_code == 0, result.output
    for name in ("findings.jsonl", "rewrites.jsonl", "report.html"):
        assert (from_sources / name).read_bytes() == (from_records / name).read_bytes(), name
    findings = [
        json.loads(line)
        for line in (from_records / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(findings) > 100
    # every finding names its source file, never the forms file it was read from
    assert all("forms.jsonl" not in str(f.get("file", "")) for f in findings)
    report = (from_records / "report.html").read_text(encoding="utf-8")
    assert "未记录原始单元格" not in report  # the source cells came along from provenance.jsonl


def test_review_of_forms_jsonl_without_provenance_still_reviews(tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner.invoke(
        app, ["normalize", str(GOLDEN_INPUTS / "000_a0fb249f9976cb71.txt"), "-o", str(out), "-q"]
    )
    lone = tmp_path / "lone" / "forms.jsonl"
    lone.parent.mkdir()
    lone.write_bytes((out / "forms.jsonl").read_bytes())  # no provenance.jsonl beside it
    result = runner.invoke(
        app, ["review", str(lone), "-o", str(tmp_path / "r"), "--fail-on", "never"]
    )
    assert result.exit_code == 0, result.output
    findings = (tmp_path / "r" / "findings.jsonl").read_text(encoding="utf-8")
    assert "000_a0fb249f9976cb71.txt" in findings  # grouped by the records' source_file
