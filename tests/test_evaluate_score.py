"""Scoring: field comparison rules, flag and review P/R/F1 worked out by hand, run aggregation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jixiao.errors import InputError
from jixiao.evaluate.score import (
    PRF,
    LLMUsage,
    field_equal,
    load_golden,
    run_eval,
    score_case,
    values_equal,
)


def ind(name: str, *, flags: tuple[str, ...] = (), **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "level1": "产出指标",
        "level2": "数量指标",
        "name": name,
        "name_alternatives": [],
        "name_raw": name,
        "operator": "≥",
        "value": 1,
        "value_kind": "quantitative",
        "unit": "个",
        "weight": 10,
        "flags": list(flags),
    }
    row.update(kw)
    return row


def form(name: str, rows: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "form_kind": "project",
        "title": "部门专项绩效目标申报表",
        "year": 2024,
        "project_code": None,
        "project_name": name,
        "department": "重庆市沙坪坝区信访办公室",
        "department_code": None,
        "implementing_unit": None,
        "implementing_unit_code": None,
        "compiling_unit": "重庆市沙坪坝区信访办公室",
        "budget_total": 20,
        "budget_breakdown": {"区级支出": 20, "补助街镇": 0},
        "project_attribute": None,
        "period_start": None,
        "period_end": None,
        "duration": None,
        "overview": "信访工作经费",
        "basis": None,
        "annual_goal": "零进京上访、零进京非访",
        "indicators": rows,
    }
    rec.update(kw)
    return rec


# --------------------------------------------------------------------------- comparisons


def test_values_equal_numbers_dicts_and_types() -> None:
    assert values_equal(20, 20.0)
    assert values_equal(54.864, 54.864 + 5e-7)
    assert not values_equal(54.864, 54.865)
    assert not values_equal(1, True)  # a bool is not a number
    assert not values_equal(90, "90")
    assert values_equal({"财政拨款": 20, "其他资金": None}, {"财政拨款": 20.0, "其他资金": None})
    assert not values_equal({"财政拨款": 20}, {"财政拨款": 20, "其他资金": None})
    assert values_equal(None, None)


def test_long_texts_ignore_whitespace_short_fields_do_not() -> None:
    e = {"annual_goal": "及时督办\n满意度达100%", "department": "重庆市 沙坪坝区"}
    a = {"annual_goal": "  及时督办   满意度达100% ", "department": "重庆市  沙坪坝区"}
    assert field_equal("annual_goal", e, a)
    assert not field_equal("department", e, a)


def test_seed003_name_alternatives_count_as_right() -> None:
    e = ind("网站正常运行率", name_raw="网站正常运", name_alternatives=["网站正常运转率"])
    assert field_equal("name", e, ind("网站正常运转率"))
    assert field_equal("name", e, ind("网站正常运行率"))
    assert not field_equal("name", e, ind("网站正常运"))
    assert not field_equal("name_raw", e, ind("网站正常运转率"))  # alternatives only widen name


# --------------------------------------------------------------------------- flags by hand


def test_flag_precision_recall_by_hand() -> None:
    expected = [
        form(
            "稳定处突",
            [
                ind("网站正常运行率", flags=("name_truncated",)),
                ind("满意度", flags=("value_in_name", "value_suspect")),
                ind("网络带宽", flags=("unit_missing",)),
                ind("培训费"),
            ],
        )
    ]
    actual = [
        form(
            "稳定处突",
            [
                ind("网站正常运行率", flags=("name_truncated", "column_shift")),  # TP + FP
                ind("满意度", flags=("value_in_name",)),  # TP, FN value_suspect
                # 网络带宽 missing: FN unit_missing, every field wrong
                ind("培训费", flags=("unit_missing",)),  # FP unit_missing
                ind("会议费额外行", flags=("value_missing",)),  # extra: FP value_missing
            ],
        )
    ]
    s = score_case(expected, actual).score
    assert (s.indicators_expected, s.indicators_found, s.indicators_matched) == (4, 4, 3)
    assert s.fields["weight"].correct == 3 and s.fields["weight"].total == 4
    assert s.flags["name_truncated"] == PRF(tp=1, fp=0, fn=0)
    assert s.flags["value_in_name"] == PRF(tp=1, fp=0, fn=0)
    assert s.flags["value_suspect"] == PRF(tp=0, fp=0, fn=1)
    assert s.flags["unit_missing"] == PRF(tp=0, fp=1, fn=1)
    assert s.flags["value_missing"] == PRF(tp=0, fp=1, fn=0)
    assert s.flags["column_shift"] == PRF(tp=0, fp=1, fn=0)
    # micro: tp 2, fp 3, fn 2 -> P 2/5, R 2/4, F1 4/9
    micro = s.flags_micro
    assert micro.precision == pytest.approx(0.4)
    assert micro.recall == pytest.approx(0.5)
    assert micro.f1 == pytest.approx(4 / 9)
    m = s.metrics("x")
    assert "x.flag.value_suspect.precision" not in m  # nothing predicted: undefined, left out
    assert m["x.flag.value_suspect.recall"] == 0.0
    assert "x.flag.value_missing.recall" not in m
    assert m["x.flag.value_missing.f1"] == 0.0
    assert m["x.flags.f1"] == pytest.approx(4 / 9)
    assert m["x.field.weight"] == pytest.approx(0.75)
    assert m["x.match.indicators.recall"] == pytest.approx(0.75)
    assert m["x.match.indicators.precision"] == pytest.approx(0.75)


def test_missed_form_misses_header_and_rows() -> None:
    expected = [
        form("基础办公类", [ind("在编在职人员"), ind("退休老干部")]),
        form("运行成本类", [ind("区级机关综合办公楼", flags=("value_missing",))], budget_total=35),
    ]
    s = score_case(expected, expected[:1]).score
    assert (s.forms_expected, s.forms_found, s.forms_matched) == (2, 1, 1)
    assert s.fields["title"].correct == 1 and s.fields["title"].total == 2
    assert s.fields["name"].correct == 2 and s.fields["name"].total == 3
    assert s.flags["value_missing"] == PRF(tp=0, fp=0, fn=1)


def test_field_mismatches_are_listed() -> None:
    expected = [form("会务服务", [ind("区政府常务会", value=26, unit="次")])]
    actual = [form("会务服务", [ind("区政府常务会", value=26.0, unit="个")], year=2023)]
    cs = score_case(expected, actual)
    fields = {(d.get("indicator"), d["field"]) for d in cs.mismatches if "field" in d}
    assert fields == {(None, "year"), (0, "unit")}
    assert cs.score.fields["value"].correct == 1


# --------------------------------------------------------------------------- review by hand


def test_review_findings_map_through_alignment() -> None:
    expected = [
        form("基础办公类", [ind("在编在职人员"), ind("退休老干部")]),
        form("会议培训类", [ind("市级经费使用率")], annual_goal="严格按照中央八项规定"),
    ]
    extra = form(
        "部门整体", [ind("办公设备政府采购金额")], form_kind="department", budget_total=400
    )
    actual = [extra, *expected]  # one extra form first: actual form i+1 is expected form i
    exp_review: list[dict[str, Any]] = [
        {"form": 0, "indicator": 1, "code": "input_as_output"},
        {"form": 1, "indicator": None, "code": "goal_boilerplate"},
        {"form": 1, "indicator": 0, "code": "input_as_output"},
    ]
    act_review: list[dict[str, Any]] = [
        {"form": 1, "indicator": 1, "code": "input_as_output"},  # -> (0, 1): TP
        {"form": 2, "indicator": None, "code": "goal_boilerplate"},  # -> (1, None): TP
        {"form": 2, "indicator": 0, "code": "process_indicator"},  # FP
        {"form": 0, "indicator": 0, "code": "input_as_output"},  # on the extra form: FP
    ]  # (1, 0, input_as_output) never found: FN
    s = score_case(expected, actual, exp_review, act_review).score
    assert s.review["input_as_output"] == PRF(tp=1, fp=1, fn=1)
    assert s.review["goal_boilerplate"] == PRF(tp=1, fp=0, fn=0)
    assert s.review["process_indicator"] == PRF(tp=0, fp=1, fn=0)
    micro = s.review_micro  # tp 2, fp 2, fn 1
    assert micro.precision == pytest.approx(0.5)
    assert micro.recall == pytest.approx(2 / 3)
    m = s.metrics("overall")
    assert m["overall.reviews.recall"] == pytest.approx(2 / 3)
    assert m["overall.review.goal_boilerplate.f1"] == 1.0


def test_cases_without_review_labels_are_not_review_scored() -> None:
    rec = [form("会务服务", [ind("区政府常务会")])]
    s = score_case(rec, rec, None, [{"form": 0, "indicator": 0, "code": "x"}]).score
    assert not s.review_scored
    assert not any(".review" in k for k in s.metrics("overall"))


# --------------------------------------------------------------------------- golden dirs and runs


def write_golden(
    root: Path, cases: dict[str, list[dict[str, Any]]], layouts: dict[str, str]
) -> Path:
    (root / "inputs").mkdir(parents=True)
    (root / "expected").mkdir()
    for name, forms in cases.items():
        (root / "inputs" / f"{name}.txt").write_text("源文件", encoding="utf-8")
        lines = [json.dumps(f, ensure_ascii=False) for f in forms]
        (root / "expected" / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "cases.json").write_text(
        json.dumps({k: {"layout": v, "source": "seed"} for k, v in layouts.items()}),
        encoding="utf-8",
    )
    return root


def read_expected(golden: Path, case: str) -> list[dict[str, Any]]:
    text = (golden / "expected" / f"{case}.jsonl").read_text(encoding="utf-8")
    return [json.loads(x) for x in text.splitlines()]


def test_run_eval_aggregates_case_layout_overall(tmp_path: Path) -> None:
    golden = write_golden(
        tmp_path / "g",
        {
            "a": [form("会务服务", [ind("区政府常务会"), ind("区政府党组会")])],
            "b": [form("网站运维", [ind("网站升级改造", unit="个")])],
            "c": [form("网络租赁", [ind("网络带宽", unit=None)])],
        },
        {"a": "cell_per_line", "b": "pdf_tab7"},
    )

    def producer(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        forms = read_expected(golden, path.stem)
        if path.stem == "b":
            forms[0]["indicators"][0]["unit"] = "项"
        if path.stem == "c":
            raise NotImplementedError("layout not written yet")
        return forms, []

    r = run_eval(golden, producer, stage="parse")
    m = r.metrics()
    assert m["case.a.field.unit"] == 1.0
    assert m["case.b.field.unit"] == 0.0
    assert m["layout.cell_per_line.field.unit"] == 1.0
    assert m["layout.pdf_tab7.field.unit"] == 0.0
    assert m["layout.unknown.match.indicators.recall"] == 0.0  # c crashed: all missed
    assert m["overall.field.unit"] == pytest.approx(2 / 4)
    assert r.errors == {"c": "NotImplementedError: layout not written yet"}
    assert r.usage is None
    report = r.to_json()
    assert report["cases"]["b"]["mismatches"][0]["field"] == "unit"
    json.dumps(report)  # serialisable as is


def test_run_eval_reports_llm_usage_per_case(tmp_path: Path) -> None:
    golden = write_golden(
        tmp_path / "g",
        {"a": [form("会务服务", [ind("区政府常务会")])], "b": [form("网站运维", [])]},
        {},
    )

    class Counting:
        stage = "llm"

        def __init__(self) -> None:
            self.usage = LLMUsage()

        def __call__(self, path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            self.usage.add(calls=1, tokens=100 if path.stem == "a" else 50, cache_hits=1)
            forms = read_expected(golden, path.stem)
            return forms, []

    r = run_eval(golden, Counting(), stage="llm", llm="replay")
    assert r.usage == LLMUsage(calls=2, tokens=150, cache_hits=2)
    assert r.cases["a"].usage == LLMUsage(calls=1, tokens=100, cache_hits=1)
    assert r.stage == "llm"
    assert r.cases["a"].layout == "unknown"


def test_load_golden_reports_bad_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a golden directory"):
        load_golden(tmp_path)
    golden = write_golden(tmp_path / "g", {"a": [form("会务服务", [])]}, {})
    (golden / "inputs" / "orphan.txt").write_text("x", encoding="utf-8")
    cases, warnings = load_golden(golden)
    assert [c.name for c in cases] == ["a"]
    assert any("orphan" in w for w in warnings)
    (golden / "expected" / "a.jsonl").write_text('{"title": "x"}\n[1]\n', encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        load_golden(golden)


def test_public_api_is_exact() -> None:
    import jixiao.evaluate

    assert jixiao.evaluate.__all__ == [
        "EvalResult",
        "LLMUsage",
        "Producer",
        "Score",
        "align_forms",
        "align_indicators",
        "compare_baseline",
        "load_baseline",
        "load_golden",
        "missing_metrics",
        "run_eval",
        "score_case",
        "write_baseline",
    ]
    assert all(hasattr(jixiao.evaluate, name) for name in jixiao.evaluate.__all__)
