"""The review rule catalogue on the seed forms (named cases from review-rules.md §4), the golden
review labels, profiles, rules-only rewrites, the HTML report and the ``review`` command.

Forms are built from the independent reference labels (a copy in ``tests/fixtures/reference-labels``),
so these tests do not depend on the parser nor on any file outside the repository.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from jixiao.errors import ConfigError
from jixiao.review import (
    RULES,
    check_rewrite,
    labelled_codes,
    load_profile,
    render_html,
    review_forms,
    review_records,
    suggest_rewrite,
    vague_indicators,
)
from jixiao.review import lexicon as lx
from jixiao.review.command import review_command, run_review
from jixiao.review.profile import auto_profiles, select_profile
from jixiao.review.report_html import ReviewedFile, form_label
from jixiao.review.rewrite import PLACEHOLDER, Rewrite, suggest_rewrites
from jixiao.review.rules import judgement_codes, program_codes, rule
from jixiao.schema import Cell, Finding, Form

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "tests" / "fixtures" / "reference-labels"
GOLDEN = ROOT / "golden" / "expected"
STEMS = {
    "000": "000_a0fb249f9976cb71",
    "001": "001_0e2ef6552dc4366c",
    "002": "002_c08962188973ce9f",
    "003": "003_31a80ca4d7398804",
    "004": "004_5de54c583fead5ac",
}


@cache
def _forms(seed: str) -> tuple[Form, ...]:
    path = REFERENCE / f"{STEMS[seed]}.jsonl"
    return tuple(
        Form.model_validate_json(line) for line in path.read_text("utf-8").splitlines() if line
    )


def forms(seed: str) -> list[Form]:
    """Fresh copies of a seed's reference forms (tests may add source cells)."""
    return [f.model_copy(deep=True) for f in _forms(seed)]


@cache
def _findings(seed: str, profile: str = "default") -> tuple[Finding, ...]:
    return tuple(review_forms(list(_forms(seed)), load_profile(profile)))


def keys(seed: str, code: str, profile: str = "default") -> set[tuple[int, int | None]]:
    return {(f.form, f.indicator) for f in _findings(seed, profile) if f.code == code}


def finding(seed: str, code: str, form: int, indicator: int | None = None) -> Finding:
    hits = [
        f for f in _findings(seed) if f.code == code and f.form == form and f.indicator == indicator
    ]
    assert len(hits) == 1, f"{seed} {code} {form}/{indicator}: {hits}"
    return hits[0]


# --------------------------------------------------------------------------- named seed cases

# (id, seed, code, expected (form, indicator) keys, exact?) — exact means no other hits.
CASES = [
    ("seed003_48440_weights_sum_95", "003", "weights_sum", {(2, None)}, True),
    ("seed001_value_equals_weight", "001", "value_equals_weight", {(f, None) for f in range(7)}, True),
    ("seed000_no_effect_indicator", "000", "missing_level1", {(0, None), (2, None), (3, None)}, True),
    ("seed001_specials_no_effect", "001", "missing_level1", {(f, None) for f in range(1, 7)}, True),
    ("seed001_category_in_operator", "001", "operator_invalid",
     {(f, i) for f, n in enumerate((5, 4, 4, 4, 4, 3, 4)) for i in range(n)}, True),
    ("seed001_value_in_name", "001", "value_in_name",
     {(0, 3), (1, 0), (1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3), (4, 3), (5, 2), (6, 3)}, True),
    ("seed001_process_indicator", "001", "process_indicator", {(6, 1), (6, 2)}, True),
    ("seed003_completed_spending_process", "003", "process_indicator", {(6, 3)}, True),
    ("seed002_money_with_ge", "002", "operator_direction",
     {(0, 0), (0, 3), (1, 0), (3, 1), (12, 1)}, True),
    ("seed000_degenerate_percent", "000", "percent_out_of_range",
     {(0, 1), (0, 2), (0, 3), (0, 4), (2, 1), (2, 3), (4, 0), (4, 1), (4, 3)}, True),
    ("seed002_degenerate_percent", "002", "percent_out_of_range",
     {(0, 3), (0, 5), (1, 2), (3, 2), (7, 0), (7, 2), (15, 1)}, True),
    ("seed000_qualitative_value_missing", "000", "value_missing", {(4, 4)}, True),
    ("seed004_timeliness_value_missing", "004", "value_missing", {(2, 4)}, True),
    ("seed003_unit_missing", "003", "unit_missing", {(0, 1), (2, 0), (2, 1)}, True),
    ("seed001_rate_with_count_unit", "001", "unit_mismatch", {(4, 2), (6, 1), (6, 2)}, True),
    ("seed002_accident_rate_in_times", "002", "unit_mismatch", {(6, 2)}, True),
    ("seed002_qualitative_vague", "002", "qualitative_vague",
     {(0, 4), (2, 3), (4, 3), (5, 3), (8, 2), (9, 3), (10, 3), (11, 2), (12, 3), (13, 3),
      (14, 3), (15, 2), (16, 3), (17, 2)}, True),
    ("seed004_obvious_and_sound", "004", "qualitative_vague", {(0, 4), (0, 5), (4, 6)}, False),
    ("seed003_pseudo_quantification", "003", "pseudo_quantification",
     {(0, 6), (3, 5), (6, 2), (7, 4), (13, 6)}, False),
    ("seed000_satisfaction_100", "000", "satisfaction_threshold", {(0, 4)}, True),
    ("seed001_satisfaction_weight_copy", "001", "satisfaction_threshold", {(0, 4)}, False),
    ("seed003_survivor_allowance_over_budget", "003", "cost_exceeds_budget", {(6, None)}, True),
    ("seed003_year_2021_in_2022_table", "003", "year_mismatch",
     {(0, 4), (1, 3), (2, 2), (4, 1)}, True),
    # ``指标N:`` numbering is the template's, not content (golden/REVIEW-NOTES.md, issue 18).
    ("seed004_repeated_numbering", "004", "duplicate_indicator", set(), True),
    ("seed003_nonstandard_level2", "003", "level_mismatch",
     {(1, 5), (4, 3), (5, 2), (6, 3), (7, 3), (8, 2), (9, 8), (10, 4), (11, 4), (11, 6), (12, 4),
      (12, 6), (13, 6)}, True),
    ("seed002_effect_as_count", "002", "level_mismatch", {(0, 3)}, True),
    ("seed002_rates_filed_as_counts", "002", "misclassified_indicator",
     {(11, 0), (15, 1), (10, 1), (1, 2), (3, 1)}, False),
    ("seed001_inputs_as_outputs", "001", "input_as_output", {(3, 0), (3, 2), (4, 0)}, False),
    ("seed003_48438_vague_goal", "003", "vague_target", {(0, None), (13, None)}, False),
    ("seed002_department_goal_vague", "002", "vague_target", {(0, None)}, False),
    ("seed000_network_goal_vague", "000", "vague_target", {(4, None)}, False),
    ("seed001_boilerplate_goal", "001", "goal_boilerplate", {(f, None) for f in (3, 4, 5, 6)}, True),
    ("seed002_goal_equals_overview", "002", "goal_boilerplate",
     {(5, None), (6, None), (9, None), (17, None)}, False),
    ("seed001_zero_target_not_in_values", "001", "goal_indicator_gap", {(1, None)}, True),
    ("seed000_no_cost_indicator", "000", "missing_cost_indicator", {(f, None) for f in range(5)}, True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("seed", "code", "expected", "exact"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_seed_case(
    seed: str, code: str, expected: set[tuple[int, int | None]], exact: bool
) -> None:
    got = keys(seed, code)
    if exact:
        assert got == expected
    else:
        assert expected <= got, sorted(expected - got)


def test_seed003_48440_weights_sum_95() -> None:
    f = finding("003", "weights_sum", 2)
    assert f.severity == "error"
    assert "95" in f.message and "90" in f.message


def test_seed001_value_equals_weight_message() -> None:
    f = finding("001", "value_equals_weight", 1)
    assert f.severity == "warning" and "4/4" in f.message


def test_seed001_value_in_name_conflict_is_error() -> None:
    assert finding("001", "value_in_name", 1, 0).severity == "error"  # 20人次 vs value cell 30
    assert finding("001", "value_in_name", 1, 1).severity == "warning"  # 20件次 == 20
    assert finding("001", "value_in_name", 0, 3).severity == "error"  # 零 vs 20


def test_seed002_goal_numbers_matched_counter_example() -> None:
    assert (16, None) not in keys("002", "goal_indicator_gap")  # 不少于4次 ↔ ≥4
    assert (2, None) not in keys("003", "goal_indicator_gap")  # 381个村 ↔ 381


def test_seed003_survivor_allowance_is_rounding_warning() -> None:
    assert finding("003", "cost_exceeds_budget", 6).severity == "warning"
    assert (2, None) not in keys("004", "cost_exceeds_budget")  # 175+40+18+30 = 263 = budget


def test_seed004_yearbook_year_excused() -> None:
    assert keys("004", "year_mismatch") == set()


def test_level1_split_severity() -> None:
    assert finding("000", "level1_weight_split", 0).severity == "warning"  # 满意度 30 of 90
    assert finding("002", "level1_weight_split", 1).severity == "info"  # 60/20/10
    assert (0, None) not in keys("002", "level1_weight_split")  # 50/30/10
    assert finding("003", "level1_weight_split", 9).severity == "info"  # 会务服务 效益10 满意度5


def test_missing_level1_severity() -> None:
    assert finding("000", "missing_level1", 0).severity == "error"


def test_seed004_operator_embedded_not_reported() -> None:
    """Ningxia writes ``100%`` without an operator; it reads as "=", reported only on request."""
    assert keys("004", "operator_invalid") == set()


def test_unit_mismatch_from_raw_cells() -> None:
    """Cells the contract drops (``%`` on a 定性 row, ``定``) are judged from the parser's cells."""
    f000 = forms("000")
    f000[4].indicators[4].source.cells["unit"] = Cell(text="%")
    assert (4, 4) in {
        (f.form, f.indicator) for f in review_forms(f000) if f.code == "unit_mismatch"
    }
    f002 = forms("002")
    f002[13].indicators[3].source.cells["unit"] = Cell(text="定")
    f002[12].indicators[3].source.cells["unit"] = Cell(text="定性")  # the template's marker
    hits = {(f.form, f.indicator) for f in review_forms(f002) if f.code == "unit_mismatch"}
    assert (13, 3) in hits and (12, 3) not in hits


# --------------------------------------------------------------------------- golden labels

#: Findings that need raw cells the reference records do not carry (see REVIEW-NOTES.md).
NEEDS_RAW_CELLS = {("000", 4, 4, "unit_mismatch"), ("002", 13, 3, "unit_mismatch")}
#: Judgement labels the deterministic check does not reach (left to ``--llm``; REVIEW-NOTES.md):
#: ``维稳处突及重要活动安保`` with unit 次 reads like a count of events.
JUDGEMENT_MISSES = {("001", 0, 1, "name_is_activity")}


@pytest.mark.parametrize("seed", sorted(STEMS))
def test_golden_review_labels(seed: str) -> None:
    path = GOLDEN / f"{STEMS[seed]}.review.jsonl"
    expected = {
        (d["form"], d["indicator"], d["code"])
        for d in map(json.loads, path.read_text("utf-8").splitlines())
    }
    assert {c for *_, c in expected} <= labelled_codes()
    got = {(r["form"], r["indicator"], r["code"]) for r in review_records(list(_forms(seed)))}
    missing = {k for k in expected - got if (seed, *k) not in NEEDS_RAW_CELLS | JUDGEMENT_MISSES}
    assert not missing and not (got - expected)


# --------------------------------------------------------------------------- registry, lexicon


def test_registry() -> None:
    assert all(r.title and re.search(r"[\u4e00-\u9fff]", r.title) for r in RULES.values())
    assert "qualitative_share" not in labelled_codes()  # optional: off by default, not labelled
    assert "misclassified_indicator" in labelled_codes()  # judgement rules are labelled too
    assert RULES["misclassified_indicator"].basis == "judgement"
    assert RULES["weights_sum"].basis == "program"
    assert program_codes() | judgement_codes() == set(RULES)
    assert not program_codes() & judgement_codes()
    with pytest.raises(ValueError):
        rule("weights_sum", "error", "重复")(lambda ctx: [])


def test_messages_are_chinese() -> None:
    for f in _findings("001"):
        assert re.search(r"[\u4e00-\u9fff]", f.message) and f.suggestion


def test_lexicon() -> None:
    assert lx.keyword_class("农贸市场保洁人员劳务费发放及时率") == "时效指标"
    assert lx.keyword_class("服务群众项目数") == "数量指标"
    assert lx.keyword_class("市级经费使用率") is None
    assert lx.polarity("无纸化办公,节约办公成本", "万元/年") == "up"
    assert lx.polarity("采购金额", "万元") == "down"
    assert lx.is_vague_value("有所提升") and not lx.is_vague_value("95")


# --------------------------------------------------------------------------- profiles


def test_profiles() -> None:
    default, ningxia = load_profile("default"), load_profile("ningxia")
    assert default.weights.expected_total == 90 and default.level2.required == ()
    assert "社会效益指标" in ningxia.level2.required
    assert ningxia.weights.expected_total == 90  # inherited
    with pytest.raises(ConfigError):
        load_profile("atlantis")


def test_ningxia_profile_on_seeds() -> None:
    """Under a Ningxia profile every 002 专项 form fails 质量/时效/成本; all 004 forms comply."""
    hits = keys("002", "missing_required_level2", "ningxia")
    assert {(f, None) for f in range(1, 18)} <= hits
    assert keys("004", "missing_required_level2", "ningxia") == set()
    sev = {f.severity for f in _findings("000", "ningxia") if f.code == "missing_cost_indicator"}
    assert sev == {"warning"}


def test_profile_file_and_auto(tmp_path: Path) -> None:
    p = tmp_path / "region.toml"
    p.write_text('extends = "default"\nname = "r"\n[weights]\nexpected_total = 100\n', "utf-8")
    prof = load_profile(p)
    assert prof.weights.expected_total == 100
    assert {(f.form, f.code) for f in review_forms(list(_forms("003")), prof)} >= {
        (0, "weights_sum")
    }
    chosen = select_profile(_forms("004")[0], auto_profiles(), load_profile())
    assert chosen.name == "ningxia"
    assert select_profile(_forms("003")[0], auto_profiles(), load_profile()).name == "default"


# --------------------------------------------------------------------------- rewrites


def _vague_rows() -> list[tuple[str, int, int]]:
    return [
        (s, fi, i)
        for s in sorted(STEMS)
        for fi, f in enumerate(_forms(s))
        for i in vague_indicators(f)
    ]


def test_vague_rows_cover_catalogue_examples() -> None:
    rows = set(_vague_rows())
    assert {("002", 0, 4), ("002", 5, 3), ("004", 0, 4), ("004", 0, 5), ("003", 0, 6)} <= rows
    assert ("001", 0, 4) in rows  # satisfaction without a number
    assert ("000", 4, 4) in rows  # qualitative row without a value


def test_every_vague_seed_indicator_gets_a_passing_rewrite() -> None:
    rows = _vague_rows()
    assert len(rows) >= 30
    for seed, fi, i in rows:
        form = _forms(seed)[fi]
        rw = suggest_rewrite(form, i)
        if "name_truncated" in form.indicators[i].flags and rw is None:
            continue  # a cut name (政府机关办公条件有所…) is not reworded with its cut
        assert rw is not None, (seed, fi, i)
        assert rw.source == "template"
        assert check_rewrite(form, i, rw) == [], (seed, fi, i, rw)
        if rw.action == "drop":  # a filler effect is proposed for removal, with the reason
            assert "删除" in rw.rationale, rw
        elif rw.value == PLACEHOLDER:  # a target the form does not give is left to fill in
            assert "核定" in rw.rationale or "填写" in rw.rationale, rw
        elif isinstance(rw.value, str):
            assert (
                rw.graded_standard and "较好" in rw.graded_standard and "差" in rw.graded_standard
            )


def test_rewrite_examples() -> None:
    dirty = suggest_rewrite(_forms("002")[0], 4)  # 辖区外观美好整洁 = 优
    # The form states no complaint figure, so the target is left to fill in, never invented.
    assert dirty is not None and dirty.value == PLACEHOLDER and "投诉" in dirty.name
    sat = suggest_rewrite(_forms("001")[0], 4)  # 群众满意度, value lost
    assert sat is not None and sat.operator == "≥" and sat.unit == "%"
    assert sat.value == PLACEHOLDER and "上年" in sat.rationale
    econ = suggest_rewrite(_forms("002")[16], 3)  # 招商引资引税成效 filed under 社会效益
    assert econ is not None and econ.level2 == "经济效益指标"


def test_check_rewrite_rejects_a_bad_suggestion() -> None:
    form = _forms("002")[0]
    bad = Rewrite(
        level1="满意度指标", level2="服务对象满意度指标", name="群众满意度",
        operator="≥", value=100, unit="%",
    )  # fmt: skip
    codes = {f.code for f in check_rewrite(form, 4, bad)}
    assert "satisfaction_threshold" in codes
    vague = Rewrite(
        level1="效益指标",
        level2="社会效益指标",
        name="辖区整洁",
        operator="=",
        value="优",
        unit=None,
    )
    assert "qualitative_vague" in {f.code for f in check_rewrite(form, 4, vague)}


# --------------------------------------------------------------------------- report and command


def _reviewed(seed: str) -> ReviewedFile:
    fs = list(_forms(seed))
    found = list(_findings(seed))
    rw = {
        i: r
        for i, f in enumerate(fs)
        if (r := suggest_rewrites(f, None, [x for x in found if x.form == i]))
    }
    return ReviewedFile(name=STEMS[seed], forms=fs, findings=found, rewrites=rw)


def test_html_report_is_self_contained_and_complete() -> None:
    files = [_reviewed(s) for s in sorted(STEMS)]
    html = render_html(files)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html and "<link" not in html and "@import" not in html
    for rf in files:
        for fi, form in enumerate(rf.forms):
            assert form_label(form, fi) in html
    assert html.count('<section class="form"') == sum(len(rf.forms) for rf in files)
    assert "<svg" in html and "按规则" in html and "按部门" in html
    assert 'title="原文：重点人员稳控管理20人次' in html  # hover shows the raw name
    for code in {f.code for rf in files for f in rf.findings}:
        assert code in html


def test_run_review_outputs(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    inputs = [REFERENCE / f"{STEMS[s]}.jsonl" for s in ("001", "004")]
    files = run_review(inputs, tmp_path, "auto")
    lines = (tmp_path / "findings.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == sum(len(rf.findings) for rf in files)
    rec = json.loads(lines[0])
    assert {"file", "form", "indicator", "code", "severity", "message", "suggestion"} <= set(rec)
    assert files[1].profile == "ningxia" and files[0].profile == "default"
    wb = load_workbook(tmp_path / "review.xlsx")
    assert wb.sheetnames == ["指标", "问题"]
    n_inds = sum(len(f.indicators) for rf in files for f in rf.forms)
    assert wb["指标"].max_row == n_inds + 1
    assert wb["问题"].max_row == len(lines) + 1
    assert (tmp_path / "report.html").read_text("utf-8").startswith("<!DOCTYPE html>")
    assert (tmp_path / "rewrites.jsonl").read_text("utf-8").strip()


def test_review_command_cli(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(review_command)
    src = REFERENCE / f"{STEMS['003']}.jsonl"
    res = CliRunner().invoke(app, [str(src), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "问题" in res.output and "权重合计不符（weights_sum）" in res.output  # Chinese first
    en = CliRunner().invoke(app, [str(src), "-o", str(tmp_path / "out"), "--lang", "en"])
    assert "findings" in en.output and "weights_sum" in en.output
    bad = CliRunner().invoke(app, [str(src), "-o", str(tmp_path / "o2"), "--profile", "nowhere"])
    assert bad.exit_code == 2
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json}\n", "utf-8")
    assert CliRunner().invoke(app, [str(broken), "-o", str(tmp_path / "o3")]).exit_code == 2
