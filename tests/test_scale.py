"""Whole archives in one file: evidence is windowed around each form and results stay the same.

A department's archive often arrives as one long dump. Truncation checks and name completion
cite the text around a form; over a whole file that was quadratic, so each form now cites a
window of the file around it. These tests pin that the window changes nothing a form can see.
"""

from __future__ import annotations

from conftest import SEEDS

from jixiao.defects import EVIDENCE_MARGIN, evidence_window
from jixiao.pipeline import normalize_text
from jixiao.repair.cascade import repair_forms
from jixiao.repair.rules import Lexicon


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
