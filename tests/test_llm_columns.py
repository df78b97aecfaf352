"""Unseen column headings (issue 14): the model names the headings, the grammar reads the rows.

A table the grammar reads no row of under a header it read whole sends only its heading lines
(one call per distinct heading block in a run); each answer is a verbatim heading span and the
field it heads. Spans not in the heading lines are dropped and counted; the rows, values and
units are the grammar's reading of the source. A map that still leaves cells of the table
unexplained sends the whole table instead. Through the real openai/instructor stack against a
local fake server (no network, no key).
"""

from __future__ import annotations

import json

from fakellm import FakeLLMServer, answer, config_for

from jixiao import vocab
from jixiao.pipeline import normalize_text
from jixiao.repair.cascade import repair_forms
from jixiao.repair.columns import HEADINGS, heading_lines, map_columns
from jixiao.repair.regions import find_regions

FORM = (
    "2023年项目支出绩效目标表\n"
    "项目名称\t社区食堂运营补助\n"
    "主管部门\t某区民政局\n"
    "考核要点\t第一层级\t第二层级\t具体考核内容\t目标水平\t计数方式\n"
    "\t产出指标\t数量指标\t服务老人人次\t1200\t人次\n"
    "\t效益指标\t服务对象满意度指标\t服务对象满意度\t≥95\t%\n"
)
TWO = FORM + "\n" + FORM.replace("社区食堂运营补助", "老年助餐服务").replace("1200", "800")
MAP = {
    "columns": [
        {"heading": "第一层级", "field": "level1"},
        {"heading": "第二层级", "field": "level2"},
        {"heading": "具体考核内容", "field": "name"},
        {"heading": "目标水平", "field": "value"},
        {"heading": "计数方式", "field": "unit"},
        {"heading": "考核标题", "field": "weight"},  # printed nowhere: dropped and counted
    ]
}


def _rows(form):
    return [(i.level1, i.level2, i.name, i.operator, i.value, i.unit) for i in form.indicators]


def test_our_heading_for_each_field_is_read_back_as_that_field():
    for name, heading in HEADINGS.items():
        assert vocab.column_role(heading) == {"group": "lead"}.get(name, name)


def test_only_the_heading_lines_of_a_table_read_by_no_row_are_sent():
    result = normalize_text(FORM, "one.txt")
    (region,) = find_regions(result)
    assert region.table and not result.forms[0].indicators
    assert heading_lines(region) == [4]  # the rows below hold numbers and level categories


def test_headings_named_by_the_model_let_the_grammar_read_every_form(tmp_path):
    result = normalize_text(TWO, "two.txt")
    work = [(result, r) for r in find_regions(result)]
    assert len(work) == 2
    with FakeLLMServer(responder=lambda _request: answer(MAP)) as server:
        outcome = map_columns(work, config_for(server, tmp_path))
    assert server.count == 1  # the same heading lines over two forms: asked once
    sent = server.seen[0].body["messages"][-1]["content"]
    assert "1|考核要点\t第一层级" in sent and "服务老人人次" not in sent
    assert outcome.read == {0, 1} and outcome.dropped == 1
    first, second = result.forms
    assert _rows(first) == [
        ("产出指标", "数量指标", "服务老人人次", None, 1200, "人次"),
        ("效益指标", "服务对象满意度指标", "服务对象满意度", "≥", 95, "%"),
    ]
    assert _rows(second)[0][4] == 800  # each form's own rows, from its own lines
    repair = first.indicators[0].source.repairs[-1]
    assert repair.by == "llm:fake-model@map_columns:2" and "具体考核内容→name" in repair.evidence


def test_a_map_that_leaves_a_column_unexplained_sends_the_whole_table(llm_env):
    partial = {"columns": [c for c in MAP["columns"] if c["field"] != "unit"]}
    whole = {
        "forms": [
            {
                "rows": [
                    {"level1": "产出指标", "level2": "数量指标", "name": "服务老人人次",
                     "value": "1200", "unit": "人次"},
                    {"level1": "效益指标", "level2": "服务对象满意度指标", "name": "服务对象满意度",
                     "value": "≥95", "unit": "%"},
                ]
            }
        ]
    }  # fmt: skip

    def respond(request):
        system = request["messages"][0]["content"]
        return answer(partial if "列标题" in system else whole)

    result = normalize_text(FORM, "one.txt")
    with FakeLLMServer(responder=respond) as server:
        llm_env.setenv("JIXIAO_LLM_BASE_URL", server.base_url)
        stats = repair_forms(result.forms, "llm", "openai", files=[result])
    kinds = ["列标题" in s.body["messages"][0]["content"] for s in server.seen]
    assert kinds[:2] == [True, False]  # the map, then the whole table (the 计数方式 cells left)
    assert stats.regions_read == 1
    assert _rows(result.forms[0])[1] == (
        "效益指标",
        "服务对象满意度指标",
        "服务对象满意度",
        "≥",
        95,
        "%",
    )
    assert result.forms[0].indicators[0].source.repairs[-1].by.endswith("@read_region:2")


def test_a_heading_span_not_in_the_lines_never_reaches_a_record(tmp_path):
    invented = {"columns": [{"heading": "指标名称", "field": "name"}]}  # not printed there
    result = normalize_text(FORM, "one.txt")
    work = [(result, r) for r in find_regions(result)]
    with FakeLLMServer(responder=lambda _request: answer(invented)) as server:
        outcome = map_columns(work, config_for(server, tmp_path))
    assert outcome.read == set() and outcome.dropped == 1
    assert "no mapped heading" in outcome.why[0]
    assert not result.forms[0].indicators
    assert json.dumps(outcome.stats.summary())  # usage is kept


def test_rows_read_under_half_known_headings_are_read_again_under_the_map(llm_env):
    """rc22 with unseen headings: the grammar reads its rows by content (the value taken for
    the weight, no operator) and leaves the headings unexplained; the map sets them right."""
    import importlib.util

    from conftest import GOLDEN, ROOT
    from oracle import OracleServer

    from jixiao.pipeline import normalize_path

    spec = importlib.util.spec_from_file_location("bench_llm", ROOT / "eval" / "bench_llm.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    with bench.real_hostile(GOLDEN) as golden, OracleServer(golden) as server:
        result = normalize_path(golden / "inputs" / "real_rc22_lvhua_headings.txt")
        assert [i.weight for i in result.forms[0].indicators] == [3500, 15000, 85]  # misread
        (table, _header) = find_regions(result)
        assert table.table and heading_lines(table) == list(range(76, 83))
        llm_env.setenv("JIXIAO_LLM_BASE_URL", server.base_url)
        repair_forms(result.forms, "llm", "openai", files=[result])
    got = [(i.operator, i.value, i.unit, i.weight) for i in result.forms[0].indicators]
    assert got == [("=", 3500, "米", None), ("=", 15000, "株", None), ("≥", 85, "%", None)]
    kinds = [s.body["messages"][0]["content"] for s in server.seen]
    assert "列标题" in kinds[0] and not any("抄录单元格" in k for k in kinds)  # no whole table
