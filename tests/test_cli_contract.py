"""The command-line contract a person meets (issue 16): one test per promise, through the CLI."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- a fresh clone


def test_no_test_reads_a_file_outside_the_repository() -> None:
    """A fresh clone has no ``../shared`` beside it: no test may reach for it."""
    outside = re.compile(r"ROOT\.parent\b|\.parent\.parent\.parent|/work/shared|\.\./shared")
    hits = [
        f"{p.name}:{n}"
        for p in sorted((ROOT / "tests").glob("*.py"))
        if p.name != Path(__file__).name
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if outside.search(line)
    ]
    assert hits == []


def test_readme_names_the_system_packages_the_skips_name() -> None:
    from conftest import CHROMIUM_PACKAGE, FONT_PACKAGE

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert FONT_PACKAGE in readme and CHROMIUM_PACKAGE in readme and "fonts-noto-cjk" in readme


# --------------------------------------------------------------------------- Chinese first


def test_every_flag_and_reject_code_has_a_chinese_and_an_english_label() -> None:
    from jixiao.labels import FLAG_LABELS, REJECT_KINDS, flag_label, reject_code, reject_reason
    from jixiao.schema import FLAGS

    assert set(FLAGS) <= set(FLAG_LABELS)
    for zh, en in FLAG_LABELS.values():
        assert re.search(r"[\u4e00-\u9fff]", zh) and en.isascii()
    assert flag_label("column_shift") == "单元格错列"
    assert flag_label("column_shift", "en") == "cells in the wrong columns"
    assert len({code for code, *_ in REJECT_KINDS}) == len(REJECT_KINDS)
    # reasons as the readers write them (readers/__init__.py, readers/pdf.py, pipeline.py)
    said = {
        "empty file (0 bytes)": "empty_file",
        "encrypted PDF: a password is needed to open it": "encrypted",
        "legacy Word 97-2003 .doc (binary): save it as .docx to read it": "legacy_office",
        "corrupt .docx (cannot open the package: File is not a zip file)": "corrupt",
        "no 绩效目标表 found: no form title, header label or indicator table heading": "no_form",
        "cell not understood (no label or column claims it)": "cell_unplaced",
        "内部错误: ValueError: x / internal error in jixiao; the rest of the batch went on": (
            "internal_error"
        ),
        "something new": "other",
    }
    assert {r: reject_code(r) for r in said} == said
    assert reject_reason("empty file (0 bytes)") == "空文件 / empty file (0 bytes)"
    assert reject_reason("empty file (0 bytes)", "en") == "empty file (0 bytes)"


def test_lang_other_than_zh_or_en_is_a_usage_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from jixiao.cli import app

    seed = ROOT / "golden" / "inputs" / "000_a0fb249f9976cb71.txt"
    for cmd in ("normalize", "review"):
        res = CliRunner().invoke(app, [cmd, str(seed), "-o", str(tmp_path / cmd), "--lang", "fr"])
        assert res.exit_code == 2 and "zh or en" in res.output, res.output
