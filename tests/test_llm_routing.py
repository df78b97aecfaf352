"""More cells routed to the LLM, still verbatim-grounded (issue 14, "Route more cells").

Levels, operators, 定性 (text) values and units printed only in the 年度目标 text reach the
LLM stage when the parser left them empty or suspect; each answer must be printed in the
document (a level: a word of the level vocabulary; a text value: in a clause naming the
indicator). The oracle (``tests/oracle.py``) answers them from hand labels, quoting the text it
was sent. And the hostile synthetic set of ``eval/bench_llm.py`` (synth forms with unseen
column headings or header labels, exact truth) is read badly by the grammar and well once the
form-level fallback fires.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from conftest import ROOT
from fakellm import SAMPLE_DOC, config_for, sample_form
from oracle import OracleServer

from jixiao.repair.cascade import _open_cells
from jixiao.repair.llm import CellProposal, Grounding, OpenCell, check_proposal, run_llm_stage
from jixiao.schema import Cell, Form, FormSource, Indicator

LEVELS_DOC = SAMPLE_DOC.replace("绩效指标\n", "绩效指标\n产出指标\n数量指标\n")


def _bench():
    spec = importlib.util.spec_from_file_location("bench_llm", ROOT / "eval" / "bench_llm.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check(cell: OpenCell, document: str = LEVELS_DOC, **kw):
    form, _ = sample_form()
    g = Grounding.build(form, [cell], document)
    return check_proposal(CellProposal.model_validate({"confidence": 0.9, **kw}), g)


def test_a_level_printed_in_the_document_is_read_as_the_vocabulary_category():
    cell = OpenCell(indicator=1, field="level1", raw="")
    assert _check(cell, field="level1", indicator=1, value="产出", quote="产出指标") == "产出指标"
    cell2 = OpenCell(indicator=1, field="level2", raw="")
    assert _check(cell2, field="level2", indicator=1, value="数量指标", quote="数量指标") == (
        "数量指标"
    )


def test_a_level_not_printed_or_not_a_category_is_refused():
    cell = OpenCell(indicator=1, field="level1", raw="")
    with pytest.raises(ValueError, match="does not occur"):  # 效益指标 is printed nowhere
        _check(cell, field="level1", indicator=1, value="效益指标", quote="效益指标")
    with pytest.raises(ValueError, match="level vocabulary"):
        _check(cell, field="level1", indicator=1, value="平台运行", quote="民生监察平台运行维护")


def test_a_text_value_is_taken_from_a_clause_naming_the_indicator():
    doc = SAMPLE_DOC.replace("当年绩效目标\n", "当年绩效目标\n群众满意度明显提升。\n")
    cell = OpenCell(indicator=2, field="value", raw="", qualitative=True)
    got = _check(
        cell, doc, field="value", indicator=2, value="明显提升", quote="群众满意度明显提升"
    )
    assert got == "明显提升"
    with pytest.raises(ValueError, match="does not appear"):
        _check(cell, doc, field="value", indicator=2, value="良好", quote="群众满意度明显提升")
    number_cell = OpenCell(indicator=2, field="value", raw="")  # a 定量 row asks for a number
    with pytest.raises(ValueError, match="bare number"):
        _check(
            number_cell,
            doc,
            field="value",
            indicator=2,
            value="明显提升",
            quote="群众满意度明显提升",
        )


def _row(name: str, level1: str | None, level2: str | None, own: tuple[str, ...], flags=()):
    ind = Indicator(name=name, name_raw=name, level1=level1, level2=level2, flags=list(flags))
    ind.source.cells = {"name": Cell(name)} | {f: Cell(getattr(ind, f) or "") for f in own}
    return ind


def test_a_slid_row_routes_its_suspect_levels_and_the_rows_that_carried_them():
    # 成本指标 may be a level1 or a level2: in a slid row (column_shift) it is suspect, and
    # the rows below that have no level1 cell of their own carried it down
    form = Form(
        indicators=[
            _row("开展专项整治次数", "产出指标", "数量指标", ("level1", "level2")),
            _row("差旅费成本", "成本指标", None, ("level1",), ["column_shift"]),
            _row("政务公开完成及时性", "成本指标", "时效指标", ("level2",)),
            _row("整治成效", "效益指标", "社会效益指标", ("level1", "level2")),
        ],
        source=FormSource(file="x.txt", form_index=0),
    )
    asked = {(c.indicator, c.field) for c in _open_cells(form, {})}
    assert asked == {(1, "level1"), (1, "level2"), (2, "level1")}


def test_the_oracle_answers_a_unit_printed_only_in_the_goal_text(tmp_path):
    """群众满意度's unit is printed only in 年度目标 (不低于90%): the oracle quotes that clause."""
    golden = tmp_path / "golden"
    (golden / "inputs").mkdir(parents=True)
    (golden / "expected").mkdir()
    (golden / "inputs" / "sample.txt").write_text(SAMPLE_DOC, encoding="utf-8")
    rows = [
        {"name": "民生监察平台", "name_raw": "民生监察平", "unit": "%", "value": 100},
        {"name": "监督检查覆盖率", "name_raw": "监督检查覆盖率", "unit": "%", "value": 95},
        {"name": "群众满意度", "name_raw": "群众满意度", "unit": "%", "value": 90},
    ]
    (golden / "expected" / "sample.jsonl").write_text(
        json.dumps({"indicators": rows}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    form, cells = sample_form()
    form.indicators = form.indicators[:3]
    form.indicators[1].source.cells = {"name": Cell("监督检查覆盖率"), "unit": Cell("23")}
    cells = [c for c in cells if c.field in ("unit", "value")]
    with OracleServer(golden) as server:
        result = run_llm_stage([(form, cells, SAMPLE_DOC)], config_for(server, tmp_path))
    assert form.indicators[1].unit == "%"  # from 监督检查覆盖率达到95%
    assert form.indicators[2].value == 90  # from 群众满意度不低于90%
    assert not result.queue


def test_damage_renames_whole_cells_only():
    damage, words = _bench().damage, _bench().UNSEEN_HEADINGS
    text = "绩效指标\t一级指标\t三级指标\t指标值\n\t产出指标\t指标值达标率\t100"
    assert damage(text, words) == (
        "考核要点\t第一层级\t具体考核内容\t目标水平\n\t产出指标\t指标值达标率\t100"
    )


def test_hostile_synth_forms_are_read_by_the_fallback():
    bench = _bench()
    with bench.synth_hostile(6, 1) as golden:
        rows = {stage: (res, usage) for stage, res, usage in bench.measure(golden, "json")}
    rules, _ = rows["rules"]
    llm, cascade = rows["llm+oracle"]
    assert not llm.errors
    for name, score in rules.layouts.items():
        if name.endswith("+headings"):  # unseen column headings: no row read by the grammar
            assert score.metrics("x")["x.fields.indicator"] < 0.5, name
    assert llm.overall.metrics("x")["x.fields.indicator"] >= 0.95
    assert cascade.calls > 0


def test_a_table_under_a_header_read_whole_is_sent_without_the_header():
    from jixiao.pipeline import normalize_path
    from jixiao.repair.regions import find_regions

    bench = _bench()
    with bench.synth_hostile(3, 1) as golden:
        path = next((golden / "inputs").glob("*pdf_tab7_headings.txt"))
        result = normalize_path(path)
    regions = find_regions(result)
    assert regions and all(r.part == "form" for r in regions)
    for region in regions:
        form = result.forms[region.form_index]
        assert not form.indicators and form.project_name  # no row read, the header read
        assert form.project_name not in region.text  # the header is not sent again
        assert form.project_name in region.context  # but the rows' checks see it
        assert "考核要点" in region.text  # the table, from its unseen heading on


def test_a_unit_cell_is_not_asked_when_only_a_level_or_the_name_holds_a_unit_word():
    from jixiao.repair.llm import hopeless

    # dg19's row: 预期产出指标 | 数量指标 | 镇街补助款完成结算项目数 | 3 — 期, 镇 and 项 are unit
    # words of the list, but printed in the level and the name, never as this row's unit
    cells = {
        "level1": Cell(text="预期产出指标", line=1),
        "level2": Cell(text="数量指标", line=1),
        "name": Cell(text="镇街补助款完成结算项目数", line=1),
        "value": Cell(text="3", line=1),
    }
    ind = Indicator(name="镇街补助款完成结算项目数", name_raw="镇街补助款完成结算项目数",
                    value=3, value_kind="quantitative", flags=["unit_missing"])  # fmt: skip
    ind.source.cells = cells
    form = Form(title="东莞市财政项目支出绩效目标批复表", indicators=[ind], source=FormSource())
    cell = OpenCell(indicator=0, field="unit", raw="", flags=ind.flags)
    document = "预期产出指标 | 数量指标 | 镇街补助款完成结算项目数 | 3"
    assert "not asked" in (hopeless(cell, Grounding.build(form, [cell], document)) or "")
    ind.source.cells["value"] = Cell(text="3个", line=1)  # a unit printed in the value cell
    assert hopeless(cell, Grounding.build(form, [cell], document + "个")) is None
