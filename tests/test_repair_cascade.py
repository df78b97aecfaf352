"""The repair cascade on the seeds: what the rules prove, what they leave, what the LLM adds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import SEEDS
from fakellm import KEY, FakeLLMServer, answer

from jixiao.pipeline import normalize_path
from jixiao.repair import rules
from jixiao.repair.cascade import repair_forms
from jixiao.repair.queue import read_queue
from jixiao.repair.rules import Evidence, complete_name, infer_unit
from jixiao.schema import Form, Indicator

SEED003 = SEEDS[3]


def seed003() -> list[Form]:
    return normalize_path(SEED003).forms


def named(forms: list[Form], raw: str) -> Indicator:
    return next(i for f in forms for i in f.indicators if i.name_raw == raw)


def test_seed003_truncated_name_completed_from_overview() -> None:
    forms = seed003()
    repair_forms(forms, "rules")
    ind = named(forms, "民生监察平")
    assert ind.name == "民生监察平台"
    repair = next(r for r in ind.source.repairs if r.field == "name")
    assert repair.by.startswith("rule:document_tail")
    assert "民生监察平台" in repair.evidence  # the quoted text is in the source
    assert repair.evidence in SEED003.read_text(encoding="utf-8").replace(" ", "")
    assert ind.flags[0] == "name_truncated"  # flags describe the source and stay


def test_seed003_unclosed_title_mark_closed() -> None:
    forms = seed003()
    repair_forms(forms, "rules")
    assert named(forms, "《政务信息").name == "《政务信息》"


def test_seed003_list_item_completed() -> None:
    """区政府常务 … the overview lists 常务会、党组会: the cell cut the 会."""
    forms = seed003()
    repair_forms(forms, "rules")
    assert named(forms, "区政府党组").name == "区政府党组会"


def test_unresolved_truncation_becomes_null_and_queued(tmp_path: Path) -> None:
    forms = seed003()
    queue = tmp_path / "q.jsonl"
    stats = repair_forms(forms, "rules", queue_path=queue)
    ind = named(forms, "文件档案整")
    assert ind.name is None and ind.name_raw == "文件档案整"
    entries = read_queue(queue)
    assert len(entries) == stats.queued == stats.open_cells
    entry = next(e for e in entries if e.raw == "文件档案整")
    assert entry.field == "name" and "LLM stage was not run" in entry.reason


def test_parse_stage_changes_nothing() -> None:
    forms = seed003()
    before = [f.contract() for f in forms]
    stats = repair_forms(forms, "parse")
    assert [f.contract() for f in forms] == before and stats.open_cells == 0


def test_completion_must_extend_the_cut_text() -> None:
    evidence = Evidence("网站升级改造完成。网站升级改版上线。")
    done = complete_name("网站升级改", evidence)
    assert done is not None and done.name.startswith("网站升级改")
    assert complete_name("无关名称", Evidence("完全不同的文字")) is None


@pytest.mark.parametrize(
    ("name", "value", "stated", "expected"),
    [
        ("群众满意度", 95, None, "%"),
        ("项目验收合格率", 100, None, "%"),
        ("培训人数", 30, None, "人"),
        ("网络带宽", 10, None, None),  # nothing in the name says which unit
        ("合格率", 250, None, None),  # not a percentage
    ],
)
def test_unit_inferred_only_when_unambiguous(
    name: str, value: float, stated: str | None, expected: str | None
) -> None:
    ind = Indicator(name=name, name_raw=name, value=value, value_kind="quantitative", unit=stated)
    assert infer_unit(ind) == expected


def test_inferred_unit_is_proposed_not_applied(tmp_path: Path) -> None:
    """The contract keeps a missing unit null; the inferred one goes to the queue as a proposal."""
    text = (
        SEEDS[3]
        .read_text(encoding="utf-8")
        .replace("\t服务对象满意度\t95\t≥\t%\t10", "\t服务对象满意度\t95\t≥\t\t10", 1)
    )
    source = tmp_path / "x.txt"
    source.write_text(text, encoding="utf-8")
    forms = normalize_path(source).forms
    stats = repair_forms(forms, "rules")
    ind = next(
        i for f in forms for i in f.indicators if i.name == "服务对象满意度" and i.unit is None
    )
    assert "unit_missing" in ind.flags
    entry = next(q for q in stats.queue if q.field == "unit" and q.proposal == "%")
    assert entry.confidence == 0.9 and "proposed, not applied" in entry.tried[0]


def test_stated_units_untouched_by_the_rules() -> None:
    forms = normalize_path(SEEDS[0]).forms
    repair_forms(forms, "rules")
    units = [i.unit for f in forms for i in f.indicators]
    fresh = [i.unit for f in normalize_path(SEEDS[0]).forms for i in f.indicators]
    assert units == fresh


def test_llm_stage_gets_one_call_per_form_with_open_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the real openai+instructor stack: rules first, one call per open form, rest queued."""

    def responder(request: dict[str, Any]) -> Any:
        return answer({"proposals": []})  # the model abstains on everything

    monkeypatch.setenv("JIXIAO_LLM_BASE_URL", "")
    with FakeLLMServer(responder) as server:
        monkeypatch.setenv("JIXIAO_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("JIXIAO_LLM_API_KEY", KEY)
        monkeypatch.setenv("JIXIAO_HOME", str(tmp_path))
        forms = [f for path in SEEDS for f in normalize_path(path).forms]
        stats = repair_forms(forms, "llm", "openai")
    # a form whose open cells cannot be grounded at all (a cut name continued nowhere in the
    # document, a weight copy with no target printed elsewhere) is not asked: each of its
    # cells is queued saying so
    asked = {(q.file, q.form) for q in stats.queue if not q.reason.endswith("not asked")}
    assert server.count == stats.calls == len(asked) > 0
    assert len(asked) < stats.forms_with_open_cells
    assert stats.queued == stats.open_cells


def test_llm_completes_what_the_rules_leave(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "ACCEPT", 1.01)  # make the rules decline everything
    proposal = {
        "indicator": 1,
        "field": "name",
        "value": "民生监察平台",
        "quote": "綦江区民生监察平台的网站",
        "confidence": 0.9,
    }

    def responder(request: dict[str, Any]) -> Any:
        body = str(request)
        return answer({"proposals": [proposal] if "民生监察平" in body else []})

    with FakeLLMServer(responder) as server:
        monkeypatch.setenv("JIXIAO_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("JIXIAO_LLM_API_KEY", KEY)
        monkeypatch.setenv("JIXIAO_HOME", str(tmp_path))
        forms = seed003()[:1]
        repair_forms(forms, "llm", "openai")
    ind = forms[0].indicators[1]
    assert ind.name == "民生监察平台"
    assert ind.source.repairs[-1].by.startswith("llm:")
