"""Each unseen rendering (issue 13): deterministic for a seed, truth valid under the contract.

The parser is being rewritten to read these; nothing here asserts what it reads.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jixiao.ingest.decode import fold_radicals
from jixiao.schema import FLAGS, FORM_FIELDS, INDICATOR_FIELDS
from jixiao.synth import generate, iter_cases, parse_layouts, rendering_names

RENDERINGS = rendering_names()
_OPS = {"≥", "≤", "=", ">", "<", None}
_LEVEL1 = {"产出指标", "效益指标", "满意度指标", "成本指标", None}


def _case(name: str, seed: int) -> tuple[str, list[dict]]:
    (case,) = list(iter_cases(6, seed, (name,), forms_per_file=6))
    return case.text(), case.records()


def _check_record(rec: dict) -> None:
    assert list(rec) == list(FORM_FIELDS)
    assert rec["form_kind"] in ("project", "department")
    assert isinstance(rec["title"], str) and rec["title"]
    assert rec["year"] is None or isinstance(rec["year"], int)
    assert isinstance(rec["budget_breakdown"], dict)
    assert rec["budget_total"] is None or isinstance(rec["budget_total"], int | float)
    for key in ("project_code", "project_name", "department", "department_code", "duration"):
        assert rec[key] is None or isinstance(rec[key], str)
    assert rec["project_attribute"] in ("新增", "延续", None)
    assert rec["indicators"]
    for ind in rec["indicators"]:
        assert list(ind) == list(INDICATOR_FIELDS)
        assert ind["level1"] in _LEVEL1
        assert ind["operator"] in _OPS
        assert ind["value_kind"] in ("quantitative", "qualitative", None)
        assert isinstance(ind["name_raw"], str) and ind["name_raw"]
        assert ind["flags"] == [f for f in FLAGS if f in ind["flags"]]
        if ind["value_kind"] == "quantitative" and ind["value"] is not None:
            assert isinstance(ind["value"], int | float) and ind["unit"]
        if ind["value_kind"] == "qualitative":
            assert isinstance(ind["value"], str) and ind["unit"] is None
        if ind["value"] is None:
            assert "value_missing" in ind["flags"]
        assert ind["weight"] is None or isinstance(ind["weight"], int | float)
        json.dumps(ind, ensure_ascii=False)


def test_twelve_renderings() -> None:
    assert len(RENDERINGS) >= 12
    assert parse_layouts("renderings") == RENDERINGS


@pytest.mark.parametrize("name", RENDERINGS)
def test_rendering_deterministic_and_valid(name: str) -> None:
    text, records = _case(name, 3)
    assert (text, records) == _case(name, 3)
    assert _case(name, 4)[0] != text
    assert len(records) == 6
    for rec in records:
        _check_record(rec)
        # every indicator's name (or its raw cell) is printed in the text, once it is folded
        # as decoding folds it (Kangxi radicals, traditional characters); a PDF text layer
        # may wrap it over lines
        folded = fold_radicals(text)
        if name in ("pdf_text_layer", "column_major"):
            folded = folded.replace("\n", "")
        if name == "markdown_tables":  # a Markdown cell's <br> is a line break in the cell
            folded = folded.replace("<br>", "\n")
        for ind in rec["indicators"]:
            if name == "wrapped_text_layer" or name.startswith("ocr_lines_"):
                # a wrapped name's pieces stand around (or under) the row's values
                assert _in_order(ind["name_raw"], folded)
                continue
            assert ind["name_raw"] in folded or name == "glued_text" and ind["name"] in text


def _in_order(name: str, text: str) -> bool:
    """Every character of ``name`` appears in ``text``, in order."""
    rest = iter(text)
    return all(ch in rest for ch in name)


def test_glued_text_has_no_separators() -> None:
    text, records = _case("glued_text", 1)
    assert "\t" not in text and "|" not in text
    ind = records[0]["indicators"][0]
    assert f"{ind['level1']}{ind['level2'] or ''}{ind['name']}" in text


def test_ocr_noise_never_guesses_a_digit() -> None:
    seen = 0
    for seed in range(6):
        _text, records = _case("ocr_noise", seed)
        for ind in (i for r in records for i in r["indicators"]):
            if "value_suspect" in ind["flags"]:
                seen += 1
                assert ind["value"] is None and ind["operator"] is None
    assert seen


def test_generate_writes_renderings_as_a_golden_set(tmp_path: Path) -> None:
    summary = generate(2 * len(RENDERINGS), 2, tmp_path, RENDERINGS)
    assert summary.forms == 2 * len(RENDERINGS) and set(summary.layouts) == set(RENDERINGS)
    cases = json.loads((tmp_path / "cases.json").read_text(encoding="utf-8"))
    assert {m["layout"] for m in cases.values()} == set(RENDERINGS)
    for case in cases:
        assert (tmp_path / "inputs" / f"{case}.txt").is_file()
        lines = (tmp_path / "expected" / f"{case}.jsonl").read_text(encoding="utf-8")
        for line in lines.splitlines():
            _check_record(json.loads(line))
