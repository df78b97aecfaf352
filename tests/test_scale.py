"""Whole archives in one file: evidence is windowed around each form and results stay the same.

A department's archive often arrives as one long dump. Truncation checks and name completion
cite the text around a form; over a whole file that was quadratic, so each form now cites a
window of the file around it. These tests pin that the window changes nothing a form can see.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEEDS
from typer.testing import CliRunner

from jixiao import segment
from jixiao.cli import app
from jixiao.defects import EVIDENCE_MARGIN, evidence_window
from jixiao.output.runstore import STORE_NAME, RunStore
from jixiao.pipeline import iter_text, merge_parts, normalize_text
from jixiao.repair.cascade import repair_forms
from jixiao.repair.rules import Lexicon

runner = CliRunner()


def test_window_is_the_whole_text_when_small_and_bounded_when_large() -> None:
    small = "网站升级改造完成。" * 10
    assert evidence_window(small, 10, 20, margin=100) is small
    big = "".join(chr(0x4E00 + i % 500) for i in range(10_000))
    assert evidence_window(big, 5_000, 5_100, margin=100) == big[4_900:5_200]
    assert evidence_window(big, 0, 50, margin=100) == big[:150]


def test_a_file_of_many_copies_reads_every_copy_as_the_single_file() -> None:
    # Seed 003 is the PDF dump with wrapped cells: its truncation checks and completions lean
    # hardest on the rest of the document.
    text = SEEDS[3].read_text(encoding="utf-8")
    copies = 16
    archive = "\n".join([text] * copies)
    assert len(archive) > len(text) + 2 * EVIDENCE_MARGIN  # the evidence really is windowed
    single = normalize_text(text, "one.txt")
    many = normalize_text(archive, "many.txt")
    n = len(single.forms)
    assert n and len(many.forms) == copies * n
    repair_forms(single.forms, "rules")
    repair_forms(many.forms, "rules")
    want = [f.contract() for f in single.forms]
    assert any("name_truncated" in i["flags"] for f in want for i in f["indicators"])
    for k in range(copies):
        assert [f.contract() for f in many.forms[k * n : (k + 1) * n]] == want, f"copy {k}"


def test_lexicon_offers_names_that_extend_the_cut_most_frequent_first() -> None:
    lexicon = Lexicon(["网站升级改造", "网站升级改版上线", "网站升级改造", "网站", "网站升级改"])
    assert lexicon.extending("网站升级改") == ["网站升级改造", "网站升级改版上线"]
    assert lexicon.extending("网站升级改造") == []
    assert lexicon.extending("无关名称") == []


def archive_of(seed: int, copies: int) -> str:
    return "\n".join([SEEDS[seed].read_text(encoding="utf-8")] * copies)


def test_a_long_dump_is_parsed_in_parts_with_the_same_result() -> None:
    text = archive_of(3, 60)
    whole = merge_parts(iter_text(text, "a.txt", part_chars=10 * len(text)))
    parts = list(iter_text(text, "a.txt", part_chars=150_000))
    assert len(parts) >= 3
    joined = merge_parts(iter(parts))
    assert [f.contract() for f in joined.forms] == [f.contract() for f in whole.forms]
    assert [f.provenance() for f in joined.forms] == [f.provenance() for f in whole.forms]
    assert joined.rejects == whole.rejects
    # Each part starts at a form title, and line numbers stay the file's own.
    lines = text.split("\n")
    for part in parts[1:]:
        first = part.forms[0].source.line_start
        assert first is not None and "绩效目标表" in lines[first - 1]


def test_normalize_writes_every_part_of_a_long_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive.txt"
    archive.write_text(archive_of(0, 12), encoding="utf-8")
    whole, parted = tmp_path / "whole", tmp_path / "parted"
    for out in (whole, parted):
        if out is parted:
            monkeypatch.setattr(segment, "PART_CHARS", 10_000)
        run = runner.invoke(app, ["normalize", str(archive), "-o", str(out), "-j", "1", "-q"])
        assert run.exit_code == 0, run.output
    store = RunStore(parted / STORE_NAME)
    try:
        (n_parts,) = store.db.execute("SELECT count(*) FROM parts").fetchone()
    finally:
        store.close()
    assert n_parts >= 3
    for name in ("forms.jsonl", "indicators.csv", "rejects.jsonl"):
        assert (parted / name).read_bytes() == (whole / name).read_bytes(), name


def test_parts_are_cut_only_before_a_form_title_that_opens_a_form() -> None:
    form = "项目名称\t某项目\n一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t培训人数\t100人\n"
    title = "某单位2024年项目支出绩效目标表"
    heading = "某县财政局关于公开绩效目标表"  # a page heading right above the form title
    tail = form + title + "\n" + form  # a title straight after a table row, no blank line
    text = "\n".join([title, "", form, "", heading, "", title, "", tail])
    starts = [offset for offset, _line in segment.part_starts(text, 10)]
    lines_at = [text[offset:].split("\n", 1)[0] for offset in starts]
    # The start, then before the page heading (not between it and its title); the last title
    # follows a table row with no blank line, so it is not a cut point.
    assert lines_at == [title, heading]
    assert list(segment.part_starts(form * 3, 10)) == [(0, 1)]  # no title: one part
