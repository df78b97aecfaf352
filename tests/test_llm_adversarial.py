"""An adversarial model (issue 14): schema-valid answers whose values are not in the source.

The server answers every request of the LLM stage — the form-level fallback and the open
cells — with well-formed values that the document does not print (invented rows, names,
targets, units, header fields and quotes), in every instructor mode, through the real
openai/instructor stack on 127.0.0.1. None of them lands in any output; each is dropped and
counted.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import GOLDEN
from fakellm import KEY, FakeLLMServer, Reply, answer, config_for

from jixiao.pipeline import normalize_path
from jixiao.repair.cascade import repair_forms
from jixiao.repair.regions import Region, read_regions

INVENTED = ("虚构", "99999", "88888")
FAKE_ROWS = [
    {"level1": "虚构一级指标", "name": "虚构指标甲", "value": "≥99999", "unit": "虚构单位"},
    {"name": "虚构指标乙", "operator": "≥", "value": "88888", "weight": "99999"},
]
FAKE_HEADER = {"title": "虚构绩效目标表", "project_name": "虚构项目", "budget_total": "99999"}
#: drops per region answer: the 3 header spans and 4 + 3 row spans no source prints, and the
#: second row's "≥" (printed, but its row has no grounded name, so the row goes with it)
INVENTED_SPANS = 3 + 4 + 3 + 1


def _open_cells(request: dict) -> list[dict]:
    user = "\n".join(str(m.get("content") or "") for m in request["messages"])
    cells = []
    for line in user.split("\n"):
        if line.startswith("{"):
            try:
                cell = json.loads(line)
            except ValueError:
                continue
            if isinstance(cell, dict) and "indicator" in cell and "field" in cell:
                cells.append(cell)
    return cells


HEADER_ASKED: list[list[str]] = []  # the header fields each header-region request asked


def adversary(request: dict) -> Reply:
    system = "\n".join(str(m.get("content") or "") for m in request["messages"])
    if "抄录字段" in system:  # a header region: every field asked, invented
        fields = [f.split(" ")[0] for f in re.search(r"Fields: (.*)", system)[1].split("; ")]
        HEADER_ASKED.append(fields)
        invented = {
            f: [{"label": "虚构资金", "amount": "99999"}] if f == "budget_breakdown" else f"虚构{f}"
            for f in fields
        }
        return answer(invented)
    if "抄录" in system:  # the form-level fallback
        return answer({"forms": [{**FAKE_HEADER, "rows": FAKE_ROWS}]})
    if "补全被截断" in system:  # the model's own completions: a target smuggled into each
        cut = re.findall(r"^(\d+): (.*)$", request["messages"][-1]["content"], re.M)
        return answer(
            {
                "completions": [
                    {"indicator": int(i), "value": raw + "99999", "confidence": 0.99}
                    for i, raw in cut
                ]
            }  # fmt: skip
        )
    proposals = []
    for cell in _open_cells(request):
        value: object = {"name": (cell.get("raw") or "") + "虚构后缀", "unit": "万亩",
                         "value": 99999, "operator": "≥"}[cell["field"]]  # fmt: skip
        proposals.append(
            {
                "indicator": cell["indicator"],
                "field": cell["field"],
                "value": value,
                "quote": f"虚构的引文{value}",
                "confidence": 0.99,
            }
        )
    return answer({"proposals": proposals})


@pytest.mark.parametrize("mode", ["json", "md_json", "tools"])
def test_invented_values_never_land_and_each_drop_is_counted(mode, tmp_path, monkeypatch):
    paths = [GOLDEN / "inputs" / n for n in ("real_xx23_tejiao.txt", "003_31a80ca4d7398804.txt")]
    results = [normalize_path(p) for p in paths]
    forms = [f for r in results for f in r.forms]
    with FakeLLMServer(responder=adversary) as server:
        for key, value in {
            "JIXIAO_LLM_BASE_URL": server.base_url,
            "JIXIAO_LLM_API_KEY": KEY,
            "JIXIAO_LLM_MODEL": "adversary",
            "JIXIAO_LLM_MODE": mode,
            "JIXIAO_HOME": str(tmp_path),
        }.items():
            monkeypatch.setenv(key, value)
        stats = repair_forms(forms, "llm", "openai", files=results)
    assert server.count == stats.calls > 0
    out = json.dumps([f.contract() for f in forms], ensure_ascii=False)
    out += json.dumps([f.provenance() for f in forms], ensure_ascii=False, default=str)
    for word in INVENTED:
        assert word not in out, word
    # the fallback: one region (xx23's header: only its lines above the table are
    # unexplained), each invented span of every field asked dropped and counted
    assert stats.regions == 1 and stats.regions_read == 0
    assert HEADER_ASKED and stats.spans_dropped == len(HEADER_ASKED[-1])
    # the open cells: every cell asked was answered with an invented value, each refused
    asked = [q for q in stats.queue if q.stage == "llm" and "not asked" not in q.reason]
    assert asked and all("refused" in q.reason for q in asked)
    assert stats.dropped == len(asked)
    assert all(q.proposal is None for q in stats.queue)


def test_real_names_with_invented_targets_keep_the_names_only(tmp_path, monkeypatch):
    """Grounded spans are kept, ungrounded ones beside them dropped: a row never carries a
    target its source does not print."""
    reply = {
        "forms": [
            {
                "project_name": "学生伙食费",
                "budget_total": "99999",
                "rows": [{"name": "学生补助标准", "value": "99999元", "unit": "虚构单位"}],
            }
        ]
    }
    result = normalize_path(GOLDEN / "inputs" / "real_xx23_tejiao.txt")
    form = result.forms[0]
    lines = result.text.split("\n")
    start, end = form.source.line_start, form.source.line_end
    # the whole form's span as a region (the trigger itself sends only xx23's header)
    region = Region(result.file, start, end, lines[start - 1 : end], ["test"], form_index=0)
    with FakeLLMServer(responder=lambda _r: answer(reply)) as server:
        outcome = read_regions([(result, region)], config_for(server, tmp_path))
    # the kept span agrees with what the grammar read; the invented ones are dropped
    assert outcome.dropped == 3 and outcome.stats.calls == 1
    assert form.project_name == "学生伙食费"  # grounded: kept
    out = json.dumps(form.contract(), ensure_ascii=False)
    assert "99999" not in out and "虚构" not in out
