"""The five seeds end to end: forms found, every indicator row found with its source line."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import SEEDS, golden_records

from jixiao.pipeline import normalize_path


def source_indicator_lines(path: Path) -> list[int]:
    """Indicator rows counted straight from the source text, independent of the parser.

    Docx dumps (000–002): a row is a blank line, an empty tab cell, then a name cell, then
    5 more cells. PDF dump (003): a tab row whose 2nd cell is a level1 label. OCR dump (004):
    every ``指标N:`` cell. These are the counting rules the golden labels were checked with.
    """
    lines = path.read_text(encoding="utf-8").split("\n")
    found: list[int] = []
    stem = path.stem[:3]
    if stem in ("000", "001", "002"):
        in_table = False
        for i, line in enumerate(lines):
            if line == "\t指标值":
                in_table = True
            elif line.startswith("\t") and re.search(r"绩效目标(申报)?表$", line):
                in_table = False
            elif in_table and line == "\t" and lines[i - 1] == "" and i + 1 < len(lines):
                name = lines[i + 1].strip("\t\u3000 ")
                if name:
                    found.append(i + 1)
    elif stem == "003":
        for i, line in enumerate(lines, 1):
            cells = line.split("\t")
            if len(cells) > 3 and cells[1] in ("产出指标", "效益指标", "满意度指标"):
                found.append(i)
    else:
        for i, line in enumerate(lines, 1):
            found.extend(i for _ in re.finditer(r"指标\d+:", line))
    return found


def test_seed_totals() -> None:
    forms = [normalize_path(p).forms for p in SEEDS]
    assert sum(len(f) for f in forms) == 49
    counts = [sum(len(form.indicators) for form in f) for f in forms]
    assert counts == [30, 28, 84, 98, 64]


def test_every_source_row_found_with_its_line(seed: Path) -> None:
    result = normalize_path(seed)
    assert result.rejects == []
    lines = sorted(
        ind.source.line for form in result.forms for ind in form.indicators if ind.source.line
    )
    assert lines == source_indicator_lines(seed)


def test_form_and_indicator_counts_match_golden(seed: Path) -> None:
    expected = golden_records(seed.stem)
    forms = normalize_path(seed).forms
    assert [len(f["indicators"]) for f in expected] == [len(f.indicators) for f in forms]  # type: ignore[arg-type]


def test_clean_cells_match_golden(seed: Path) -> None:
    """Every indicator cell the golden set leaves unflagged and uncompleted is parsed right."""
    expected = golden_records(seed.stem)
    forms = normalize_path(seed).forms
    fields = ("level1", "level2", "name_raw", "operator", "value", "value_kind", "unit", "weight")
    wrong = []
    for fi, (exp, got) in enumerate(zip(expected, forms, strict=True)):
        for ii, (e, g) in enumerate(
            zip(exp["indicators"], got.contract()["indicators"], strict=True)
        ):  # type: ignore[arg-type]
            if e["flags"]:
                continue
            for field in fields:
                if e[field] != g[field]:
                    wrong.append((fi, ii, field, e[field], g[field]))
    assert wrong == []


def test_header_fields_match_golden(seed: Path) -> None:
    expected = golden_records(seed.stem)
    forms = normalize_path(seed).forms
    wrong = []
    for fi, (exp, got) in enumerate(zip(expected, forms, strict=True)):
        record = got.contract()
        for key, value in exp.items():
            if key != "indicators" and record[key] != value:
                wrong.append((fi, key, value, record[key]))
    assert wrong == []
