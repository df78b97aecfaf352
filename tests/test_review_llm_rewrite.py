"""review/llm_rewrite.py: LLM rewrites of the seeds' vague indicators, re-checked by the catalogue.

The end-to-end cases run ``run_review`` over the real openai + instructor stack against
``fakellm.FakeLLMServer``, which answers each form's request from a script keyed by the rows the
prompt asks about. Forms are the golden records (``golden/expected/<seed>.jsonl``), so these
tests do not depend on the parser.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer
from fakellm import KEY, FakeLLMServer, Reply, answer, config_for
from typer.testing import CliRunner

from jixiao.llm.prompts import load_prompt
from jixiao.review.command import ReviewRun, review_command, run_review
from jixiao.review.llm_rewrite import (
    PROMPT_NAME,
    RewriteJob,
    RewriteScope,
    assess,
    parse_graded,
    run_rewrite_stage,
)
from jixiao.review.profile import load_profile
from jixiao.review.rewrite import check_rewrite, suggest_rewrite, vague_indicators
from jixiao.review.rules import review_form
from jixiao.schema import Form

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden" / "expected"
STEMS = {
    "000": "000_a0fb249f9976cb71",
    "001": "001_0e2ef6552dc4366c",
    "002": "002_c08962188973ce9f",
    "003": "003_31a80ca4d7398804",
    "004": "004_5de54c583fead5ac",
}
PATHS = [GOLDEN / f"{stem}.jsonl" for stem in STEMS.values()]
BY = f"llm:fake-model@{load_prompt(PROMPT_NAME).ref}"


@cache
def _forms(seed: str) -> tuple[Form, ...]:
    text = (GOLDEN / f"{STEMS[seed]}.jsonl").read_text("utf-8")
    return tuple(Form.model_validate_json(line) for line in text.splitlines() if line)


def forms(seed: str) -> list[Form]:
    return [f.model_copy(deep=True) for f in _forms(seed)]


def vague_rows() -> list[tuple[str, int, int]]:
    return [
        (s, fi, i) for s in STEMS for fi, f in enumerate(_forms(s)) for i in vague_indicators(f)
    ]


# --------------------------------------------------------------------------- the script

E, SOC, ECO, SUS = "效益指标", "社会效益指标", "经济效益指标", "可持续影响指标"


def q(l1: str, l2: str, name: str, op: str, value: float, unit: str, why: str) -> dict[str, Any]:
    """A quantified rewrite as the model would propose it."""
    return {
        "level1": l1, "level2": l2, "name": name, "operator": op, "value": value,
        "unit": unit, "graded_standard": None, "rationale": why,
    }  # fmt: skip


def g(l1: str, l2: str, name: str, good: str, fair: str, mid: str, bad: str) -> dict[str, Any]:
    """A qualitative rewrite with its graded standard."""
    return {
        "level1": l1, "level2": l2, "name": name, "operator": "=", "value": "好", "unit": None,
        "graded_standard": {"好": good, "较好": fair, "一般": mid, "差": bad},
        "rationale": "以验收报告、印发文件或采用记录为佐证，按四档评定。",
    }  # fmt: skip


#: A measurable rewrite for every vague indicator of the five seeds: (seed, form, row) → answer.
GOOD: dict[tuple[str, int, int], dict[str, Any]] = {
    ("000", 4, 4): q("产出指标", "质量指标", "政府门户网站全年可用率", "≥", 99, "%", "以网站监测平台在线时长统计。"),
    ("001", 0, 4): q("满意度指标", "服务对象满意度指标", "群众满意度", "≥", 90, "%", "年末抽样问卷调查。"),
    ("002", 0, 4): q(E, SOC, "市容环境问题投诉量下降率", "≥", 10, "%", "以12345平台投诉记录统计，以上年为基数。"),
    ("002", 2, 3): q(E, SUS, "新购办公设备使用年限", "≥", 6, "年", "以固定资产台账记录为准。"),
    ("002", 4, 3): q(E, SOC, "遗属慰问覆盖率", "=", 100, "%", "以慰问名册和签收记录统计。"),
    ("002", 5, 3): q(E, SOC, "基干民兵参与应急处置任务人次", "≥", 300, "人次", "以武装部出动记录统计。"),
    ("002", 8, 2): q(E, SOC, "辖区居民健康素养水平", "≥", 25, "%", "以卫健部门健康素养监测结果为准。"),
    ("002", 9, 3): g(E, SUS, "办公用房维修改造项目验收情况", "按期完成并一次通过验收，有验收报告",
                     "完成并通过验收，整改事项不超过3项", "完成但验收整改事项超过3项",
                     "未完成或未通过验收"),
    ("002", 10, 3): q(E, SOC, "辖区道路机械化清扫率", "≥", 80, "%", "以环卫作业台账统计。"),
    ("002", 11, 2): q(E, SOC, "环境卫生问题群众投诉量", "≤", 20, "件", "以12345平台投诉记录统计。"),
    ("002", 12, 3): q(E, SOC, "整治点位问题复发率", "≤", 10, "%", "以复查记录统计复发点位占比。"),
    ("002", 13, 3): q(E, SOC, "帮扶就业人数", "≥", 200, "人", "以就业帮扶台账统计。"),
    ("002", 14, 3): q(E, SOC, "文化活动群众参与人次", "≥", 5000, "人次", "以活动签到记录统计。"),
    ("002", 15, 2): q(E, ECO, "带动社会投资额", "≥", 500, "万元", "以项目投资统计报表为准。"),
    ("002", 16, 3): q(E, ECO, "招商引资项目新增税收", "≥", 200, "万元", "以税务部门入库数据为准。"),
    ("002", 17, 2): q(E, SOC, "辖区矛盾纠纷调解成功率", "≥", 95, "%", "以调解台账统计。"),
    ("003", 0, 6): q(E, SOC, "政府网站年度访问量", "≥", 50, "万人次", "以网站统计系统数据为准。"),
    ("003", 2, 4): q(E, SOC, "政务服务事项网上可办率", "≥", 90, "%", "以政务服务平台事项清单统计。"),
    ("003", 3, 5): q(E, SOC, "政府网站信息公开群众知晓率", "≥", 80, "%", "以年末抽样调查统计。"),
    ("003", 4, 3): g(E, SUS, "中心办公条件改善项目完成情况", "改善项目全部完成并投入使用，有验收记录",
                     "主要项目完成（80%及以上）并投入使用", "部分完成（60%–80%）",
                     "完成不足60%或无佐证材料"),
    ("003", 6, 2): q(E, SOC, "职工遗属生活困难补助受益人数", "≥", 30, "人", "以补助发放名册统计。"),
    ("003", 7, 4): q(E, SUS, "机关服务对象投诉量", "≤", 5, "件", "以信访和12345平台记录统计。"),
    ("003", 9, 8): q(E, SUS, "会议设备故障导致停会次数", "=", 0, "次", "以会议服务记录统计。"),
    ("003", 13, 6): g(E, SUS, "机关办公条件改善事项落实情况", "改善事项全部落实，有验收和使用记录",
                      "主要事项落实（80%及以上）", "部分落实（60%–80%）", "落实不足60%或无佐证材料"),
    ("004", 0, 4): q(E, SOC, "较大及以上安全生产事故发生起数", "=", 0, "起", "以应急管理部门事故统计为准。"),
    ("004", 0, 5): g(E, SUS, "卫生健康应急保障制度建立和运行情况", "制度已印发，全年按制度运行并有运行记录",
                     "制度已印发，主要环节按制度运行", "制度在起草或试行中", "未建立相关制度"),
    ("004", 1, 17): q(E, SOC, "政务信息报送被采用篇数", "≥", 30, "篇", "以上级采用通报统计。"),
    ("004", 1, 18): q(E, SUS, "公文流转平均办理时长", "≤", 3, "天", "以办公系统流转记录统计。"),
    ("004", 2, 10): q(E, SOC, "电子政务外网接入单位覆盖率", "≥", 95, "%", "以外网接入台账统计。"),
    ("004", 2, 11): q(E, SUS, "电子政务网络故障平均修复时长", "≤", 4, "小时", "以运维工单记录统计。"),
    ("004", 3, 13): q(E, SOC, "督办事项群众反映问题化解率", "≥", 90, "%", "以督办台账统计。"),
    ("004", 3, 14): q(E, SOC, "政务公开群众知晓率", "≥", 85, "%", "以年末抽样调查统计。"),
    ("004", 4, 4): g(E, SOC, "年鉴资料在决策参考中的采用情况", "资料被领导机关决策文件或报告引用3次及以上",
                     "被引用1–2次，并有采用记录", "提供了资料但无采用记录", "未按时提供资料"),
    ("004", 4, 5): q(E, SOC, "年鉴资料被查阅引用次数", "≥", 500, "次", "以档案馆查阅登记统计。"),
    ("004", 4, 6): q(E, SUS, "年鉴资料存档保存年限", "≥", 30, "年", "以档案移交记录为准。"),
}  # fmt: skip

#: Proposals that still fail the catalogue.
VAGUE_AGAIN = {**GOOD[("004", 0, 5)], "value": "健全", "graded_standard": None}
SAT_100 = {**GOOD[("001", 0, 4)], "value": 100}


def asked(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows a request asks to rewrite (the JSON lines of the prompt's last section)."""
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    rows = user.split("待改写指标", 1)[1]
    return [json.loads(line) for line in rows.splitlines() if line.startswith("{")]


def _by_row(table: dict[tuple[str, int, int], dict[str, Any]]) -> dict[tuple[int, str], Any]:
    out: dict[tuple[int, str], Any] = {}
    for (seed, fi, i), proposal in table.items():
        ind = _forms(seed)[fi].indicators[i]
        key = (i, ind.name or ind.name_raw)
        assert key not in out, f"ambiguous script row {key}"
        out[key] = proposal
    return out


def scripted(
    overrides: dict[tuple[str, int, int], dict[str, Any]] | None = None,
) -> Callable[[dict[str, Any]], Reply]:
    """A responder answering every asked row from ``GOOD`` (``overrides`` win)."""
    table = _by_row({**GOOD, **(overrides or {})})

    def respond(request: dict[str, Any]) -> Reply:
        rows = asked(request)
        return answer(
            {
                "rewrites": [
                    {**table[(r["indicator"], r["name"])], "indicator": r["indicator"]}
                    for r in rows
                ]
            }
        )

    return respond


@pytest.fixture
def server():
    with FakeLLMServer() as s:
        yield s


def _rewrite(run: ReviewRun, seed: str, fi: int, i: int):
    (rf,) = [rf for rf in run if rf.name == str(GOLDEN / f"{STEMS[seed]}.jsonl")]
    return rf.rewrites.get(fi, {}).get(i)


# --------------------------------------------------------------------------- end to end


def test_every_vague_seed_indicator_gets_an_accepted_llm_rewrite(server, tmp_path):
    rows = vague_rows()
    assert len(rows) == len(GOOD) == 35 and set(rows) == set(GOOD)
    server.responder = scripted()
    run = run_review(PATHS, tmp_path / "out", llm="openai", llm_config=config_for(server, tmp_path))
    for seed, fi, i in rows:
        rw = _rewrite(run, seed, fi, i)
        want = GOOD[(seed, fi, i)]
        assert rw is not None and rw.source == BY, (seed, fi, i, rw)
        assert (rw.name, rw.level1, rw.level2, rw.operator) == (
            want["name"], want["level1"], want["level2"], want["operator"],
        )  # fmt: skip
        assert check_rewrite(_forms(seed)[fi], i, rw) == [], (seed, fi, i)
        if isinstance(rw.value, str):  # stays qualitative: four grades, each with a criterion
            std = parse_graded(rw.graded_standard)
            assert std is not None and set(std) == {"好", "较好", "一般", "差"}
    assert run.dropped == []
    # one call per form that has vague rows, each asking for exactly that form's rows
    per_form = {(s, fi) for s, fi, _ in rows}
    assert server.count == len(per_form) and run.llm_stats is not None
    assert run.llm_stats.calls == len(per_form)
    by_rows: dict[tuple[str, ...], Form] = {}
    for s, fi in per_form:
        form = _forms(s)[fi]
        rows = [form.indicators[i] for i in vague_indicators(form)]
        by_rows[tuple(ind.name or ind.name_raw for ind in rows)] = form
    assert len(by_rows) == len(per_form)
    for seen in server.seen:
        user = next(m["content"] for m in seen.body["messages"] if m["role"] == "user")
        rows = asked(seen.body)
        form = by_rows.pop(tuple(r["name"] for r in rows))  # each form asked exactly once
        assert (form.project_name or form.title or "") in user  # the form's context goes along
        assert (form.annual_goal or "（无）")[:20] in user
        assert all(r["problems"] for r in rows)  # and the catalogue's findings for each row
        assert seen.headers["authorization"] == f"Bearer {KEY}"
    assert by_rows == {}
    out = tmp_path / "out"
    recs = [json.loads(x) for x in (out / "rewrites.jsonl").read_text("utf-8").splitlines()]
    assert len(recs) == 35 and {r["source"] for r in recs} == {BY}
    assert (out / "rewrites_dropped.jsonl").read_text("utf-8") == ""
    assert BY in (out / "report.html").read_text("utf-8")


def test_rewrite_that_still_fails_the_rules_is_dropped_and_reported(server, tmp_path):
    server.responder = scripted({("004", 0, 5): VAGUE_AGAIN, ("001", 0, 4): SAT_100})
    paths = [GOLDEN / f"{STEMS[s]}.jsonl" for s in ("001", "004")]
    out = tmp_path / "out"
    run = run_review(paths, out, llm="openai", llm_config=config_for(server, tmp_path))
    # the two bad forms were re-asked twice (1 + reasks), the other four answered at once
    assert server.count == 3 + 3 + 4
    reask = [m["content"] for s in server.seen for m in s.body["messages"][2:]]
    assert any("satisfaction_threshold" in m and "无法通过调查验证" in m for m in reask)
    assert any("qualitative_vague" in m for m in reask)

    dropped = {(d.file, d.form, d.indicator): d for d in run.dropped}
    assert set(dropped) == {(str(paths[0]), 0, 4), (str(paths[1]), 0, 5)}
    sat = dropped[(str(paths[0]), 0, 4)]
    assert "satisfaction_threshold" in sat.codes and sat.proposal is not None
    assert sat.proposal["value"] == 100 and sat.by == BY and sat.fallback == "template"
    vague = dropped[(str(paths[1]), 0, 5)]
    assert "qualitative_vague" in vague.codes and vague.proposal["value"] == "健全"
    # never kept: those rows show the catalogue's template, which passes; the rest the LLM's
    for seed, fi, i in [("001", 0, 4), ("004", 0, 5)]:
        rw = _rewrite(run, seed, fi, i)
        assert rw == suggest_rewrite(_forms(seed)[fi], i)
        if rw is None:  # only a cut name is left without a template
            assert "name_truncated" in _forms(seed)[fi].indicators[i].flags
            continue
        assert rw.source == "template"
    assert _rewrite(run, "004", 0, 4).source == BY  # salvaged from the refused answer
    assert all(
        _rewrite(run, s, fi, i).source == BY
        for s, fi, i in vague_rows()
        if s in ("001", "004") and (s, fi, i) not in {("001", 0, 4), ("004", 0, 5)}
    )
    lines = (out / "rewrites_dropped.jsonl").read_text("utf-8").splitlines()
    assert sorted(json.loads(x)["indicator"] for x in lines) == [4, 5]
    recs = [json.loads(x) for x in (out / "rewrites.jsonl").read_text("utf-8").splitlines()]
    assert not any(r["value"] in (100, "健全") and r["source"] == BY for r in recs)


def test_reask_with_the_catalogue_message_fixes_the_answer(server, tmp_path):
    form = forms("001")[0]
    server.enqueue(
        answer({"rewrites": [{**SAT_100, "indicator": 4}]}),
        answer({"rewrites": [{**GOOD[("001", 0, 4)], "indicator": 4}]}),
    )
    job = RewriteJob(form=form, indicators=[4], findings=review_form(form))
    result = run_rewrite_stage([job], config_for(server, tmp_path))
    assert server.count == 2
    last = server.seen[1].body["messages"][-1]["content"]
    assert "satisfaction_threshold" in last and "≥" in last
    (outcome,) = result.outcomes
    assert outcome.dropped == [] and outcome.rewrites[4].value == 90
    assert outcome.rewrites[4].source == BY


def test_rerun_is_served_from_the_cache_and_replay_needs_no_server(server, tmp_path):
    server.responder = scripted()
    paths = [GOLDEN / f"{STEMS[s]}.jsonl" for s in ("002", "004")]
    first = run_review(paths, tmp_path / "a", llm="openai", llm_config=config_for(server, tmp_path))
    calls = server.count
    assert calls > 0 and first.llm_stats is not None and first.llm_stats.calls == calls
    second = run_review(
        paths, tmp_path / "b", llm="openai", llm_config=config_for(server, tmp_path)
    )
    assert server.count == calls  # the server saw no call
    assert second.llm_stats is not None
    assert second.llm_stats.calls == 0 and second.llm_stats.cache_hits == calls
    assert [rf.rewrites for rf in second] == [rf.rewrites for rf in first]
    replay = run_review(paths, tmp_path / "c", llm="replay", llm_config=config_for(None, tmp_path))
    assert server.count == calls
    assert [rf.rewrites for rf in replay] == [rf.rewrites for rf in first]
    assert replay.dropped == []


def test_replay_without_a_cache_keeps_templates_and_reports(tmp_path):
    paths = [GOLDEN / f"{STEMS['004']}.jsonl"]
    run = run_review(paths, tmp_path / "out", llm="replay", llm_config=config_for(None, tmp_path))
    rows = [r for r in vague_rows() if r[0] == "004"]
    assert len(run.dropped) == len(rows)
    assert all("replay" in d.reason and d.fallback == "template" for d in run.dropped)
    assert all(_rewrite(run, *r).source == "template" for r in rows)


def test_budget_spent_keeps_templates_and_reports(server, tmp_path):
    server.responder = scripted()
    paths = [GOLDEN / f"{STEMS['004']}.jsonl"]
    cfg = config_for(server, tmp_path, max_calls=1, concurrency=1)
    run = run_review(paths, tmp_path / "out", llm="openai", llm_config=cfg)
    assert server.count == 1
    rows = [r for r in vague_rows() if r[0] == "004"]
    llm = [r for r in rows if _rewrite(run, *r).source == BY]
    assert llm and len(llm) + len(run.dropped) == len(rows)
    assert all("budget" in d.reason and d.proposal is None for d in run.dropped)


def test_backend_none_gives_the_template_suggestions(tmp_path):
    out = tmp_path / "out"
    run = run_review(PATHS, out)  # --llm none is the default
    assert run.llm == "none" and run.llm_stats is None and run.dropped == []
    for seed, fi, i in vague_rows():
        rw = _rewrite(run, seed, fi, i)
        assert rw == suggest_rewrite(_forms(seed)[fi], i)
        if rw is None:  # only a cut name is left without a template
            assert "name_truncated" in _forms(seed)[fi].indicators[i].flags
            continue
        assert rw.source == "template"
    assert not (out / "rewrites_dropped.jsonl").exists()
    # the stage itself, with backend none, makes no call and gives the same templates
    form = forms("004")[0]
    job = RewriteJob(form=form, indicators=vague_indicators(form))
    (outcome,) = run_rewrite_stage([job], config_for(None, tmp_path, backend="none")).outcomes
    assert outcome.rewrites == {i: suggest_rewrite(form, i) for i in job.indicators}


def test_review_command_llm_option(server, tmp_path, monkeypatch):
    server.responder = scripted()
    monkeypatch.setenv("JIXIAO_LLM_BASE_URL", server.base_url)
    monkeypatch.setenv("JIXIAO_LLM_API_KEY", KEY)
    monkeypatch.setenv("JIXIAO_LLM_MODEL", "fake-model")
    monkeypatch.setenv("JIXIAO_HOME", str(tmp_path / "home"))
    app = typer.Typer()
    app.command()(review_command)
    src = str(GOLDEN / f"{STEMS['004']}.jsonl")
    res = CliRunner().invoke(app, [src, "-o", str(tmp_path / "o1"), "--llm", "openai"])
    assert res.exit_code == 0, res.output
    n = len([r for r in vague_rows() if r[0] == "004"])
    assert f"模型改写（openai）：采纳 {n} · 舍弃 0" in res.output
    assert KEY not in res.output
    bad = CliRunner().invoke(app, [src, "-o", str(tmp_path / "o2"), "--llm", "gpt"])
    assert bad.exit_code == 2 and "--llm" in bad.output
    monkeypatch.delenv("JIXIAO_LLM_BASE_URL")
    monkeypatch.delenv("JIXIAO_LLM_API_KEY")
    no_endpoint = CliRunner().invoke(app, [src, "-o", str(tmp_path / "o3"), "--llm", "openai"])
    assert no_endpoint.exit_code == 2


# --------------------------------------------------------------------------- vetting (named)

BASE = {**GOOD[("004", 0, 4)], "indicator": 4}
QUAL = {**GOOD[("004", 0, 5)], "indicator": 5}

REFUSED = {
    "not_asked": ({**BASE, "indicator": 6}, "不在待改写指标中"),
    "operator_word": ({**BASE, "operator": "约"}, "运算符"),
    "unit_unknown": ({**BASE, "unit": "坨"}, "不在单位表中"),
    "level2_not_under_level1": ({**BASE, "level2": "质量指标"}, "不属于「效益指标」"),
    "level1_unknown": ({**BASE, "level1": "效果指标"}, "不在规范体系中"),
    "vague_name": ({**BASE, "name": "安全生产形势明显好转"}, "模糊词"),
    "value_with_operator": ({**BASE, "value": "≥0起"}, "既不是数字"),
    "vague_value_again": ({**QUAL, "value": "明显", "graded_standard": None}, "qualitative_vague"),
    "grade_missing": (
        {**QUAL, "graded_standard": {"好": "制度已印发并运行", "差": "未建立制度"}},
        "缺少“较好、一般”档",
    ),
    "grade_criterion_vague": (
        {**QUAL, "graded_standard": {**QUAL["graded_standard"], "较好": "较好"}},
        "不可核验",
    ),
    "qualitative_with_unit": ({**QUAL, "unit": "项"}, "定性指标不填计量单位"),
    "qualitative_operator": ({**QUAL, "operator": "≥"}, "定性指标的运算符"),
    "satisfaction_100": ({**GOOD[("001", 0, 4)], "indicator": 4, "value": 100}, "无法通过调查"),
    "percent_over_100": ({**BASE, "value": 120, "unit": "%", "name": "安全检查覆盖率"}, "不可能"),
    "wrong_direction": ({**BASE, "operator": "≥", "value": 1}, "operator_direction"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_vetting_refuses(case):
    item, why = REFUSED[case]
    seed = "001" if case == "satisfaction_100" else "004"
    form = _forms(seed)[0]
    scope = RewriteScope(form, load_profile(), frozenset(vague_indicators(form)))
    verdict = assess(item, scope)
    assert verdict.problems and any(why in p for p in verdict.problems), verdict.problems


def test_vetting_accepts_lenient_spellings():
    form = _forms("004")[0]
    scope = RewriteScope(form, load_profile(), frozenset(vague_indicators(form)))
    text_standard = "好：制度已印发并全年运行；较好：制度已印发，主要环节运行；一般：制度在起草中；差：未建立制度"
    for item in (
        {**BASE, "operator": "等于", "value": "0"},
        {**QUAL, "graded_standard": text_standard},
        {**QUAL, "value": " 好 "},
    ):
        verdict = assess(item, scope)
        assert verdict.problems == [] and verdict.rewrite is not None, (item, verdict.problems)
    rw = assess({**QUAL, "graded_standard": text_standard}, scope).rewrite
    assert rw is not None and rw.graded_standard is not None
    assert rw.graded_standard.startswith("好：制度已印发并全年运行；较好：")
