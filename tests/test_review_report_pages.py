"""The review report through the CLI: index, department pages, the source beside each finding,
the rejects page, paging of big or unnamed departments, ``--lang en``, escaping, and reruns.

The source checks read the seed source files themselves: a finding's quoted cell must be on
the line of the file the report names.
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.review import report_html

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ROOT / "golden" / "inputs"
SEED_001 = INPUTS / "001_0e2ef6552dc4366c.txt"
SEED_004 = INPUTS / "004_5de54c583fead5ac.txt"
runner = CliRunner()

#: One finding as the page prints it: the quoted source cell and where it is.
SOURCE_LINE = re.compile(
    r'<div class="src">原文(?:（(?P<role>[^）]*)）)?：(?:<q>(?P<quote>.*?)</q>|<span class="muted">—</span>)'
    r'<span class="loc">(?P<file>[^<]*?)(?: · (?P<where>[^<]*))?</span></div>',
    re.S,
)


def invoke(*args: str) -> object:
    return runner.invoke(app, list(args))


def pages_of(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): p.read_text("utf-8")
        for p in [out / "report.html", *sorted((out / "report").glob("*.html"))]
    }


def findings_of(out: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in (out / "findings.jsonl").read_text("utf-8").splitlines()]


@pytest.fixture
def normalized(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``jixiao normalize`` of two seeds, a binary file and a text without a form."""
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    for seed in (SEED_001, SEED_004):
        (src / seed.name).write_bytes(seed.read_bytes())
    (src / "junk.txt").write_bytes(b"\x00\x01\x02 binary junk \x00")
    (src / "note.txt").write_text("这是一份会议通知，请各单位准时参加。\n", encoding="utf-8")
    res = invoke("normalize", "src", "-o", "out", "-q")
    assert res.exit_code == 1, res.output  # two files rejected
    return tmp_path


def test_review_of_forms_jsonl_pages_sources_and_rejects(normalized: Path) -> None:
    res = invoke("review", "out/forms.jsonl", "-o", "rv", "-q")
    assert res.exit_code == 0, res.output
    out = normalized / "rv"
    pages = pages_of(out)
    index = pages["report.html"]
    assert index.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in index
    # one page per department named in the two seeds, linked from the index, plus rejects
    forms = [
        json.loads(x)
        for x in (normalized / "out" / "forms.jsonl").read_text("utf-8").split("\n")
        if x
    ]
    departments = list(dict.fromkeys(f["department"] for f in forms))
    dept_pages = [n for n in pages if re.fullmatch(r"report/p\d{4}\.html", n)]
    assert len(dept_pages) == len(departments) == 2
    for name, dept in zip(dept_pages, departments, strict=True):
        assert f'href="{name}"' in index
        assert f"<h1>{dept}</h1>" in pages[name]
        n = sum(1 for f in forms if f["department"] == dept)
        assert pages[name].count('<section class="form"') == n
    # every finding, on its page, with the source cell it is about: the quote is on the line
    # of the file the page names (checked against the source file, not the report's data)
    found = findings_of(out)
    body = "".join(pages[n] for n in dept_pages)
    sources = list(SOURCE_LINE.finditer(body))
    assert len(sources) == len(found)
    checked = 0
    for m in sources:
        file = m["file"]
        assert file in ("src/" + SEED_001.name, "src/" + SEED_004.name), file
        line = re.match(r"第(\d+)行", m["where"] or "")
        if m["quote"] and line:
            quote = unescape(m["quote"]).rstrip("…")
            text = (normalized / file).read_text("utf-8").splitlines()[int(line[1]) - 1]
            assert quote[:40] in text, (quote, text)
            checked += 1
    assert checked > len(found) // 2  # most findings point at one cell of one line
    # the rejects page: both refused files, with the reason in Chinese and its code
    rejects = pages["report/rejects.html"]
    assert "src/junk.txt" in rejects and "二进制内容，不是文本" in rejects and "binary" in rejects
    assert "src/note.txt" in rejects and "未找到绩效目标表" in rejects and "no_form" in rejects
    assert re.search(r'href="report/rejects.html">未能读取</a> <b>2</b>', index)


def test_review_of_a_directory_lists_skipped_files_on_the_rejects_page(normalized: Path) -> None:
    # normalize's outputs are not read as forms or sources; the junk file is skipped
    res = invoke("review", "src", "-o", "rv", "-q")
    assert res.exit_code == 0, res.output
    rejects = pages_of(normalized / "rv")["report/rejects.html"]
    # the skipped sources are listed by the parser's reasons, as normalize listed them
    assert "src/junk.txt" in rejects and "二进制内容，不是文本" in rejects
    assert "src/note.txt" in rejects and "未找到绩效目标表" in rejects
    (normalized / "src" / "stray.jsonl").write_text('{"a": 1}\n', encoding="utf-8")
    res = invoke("review", "src", "-o", "rv", "-q")
    assert res.exit_code == 0, res.output
    rejects = pages_of(normalized / "rv")["report/rejects.html"]
    assert "跳过" in rejects and "src/stray.jsonl" in rejects and "not a form record" in rejects
    # reviewing the review's own directory does not read the report pages as sources
    again = invoke("review", "rv", "src", "-o", "rv2", "-q")
    assert again.exit_code == 0, again.output
    assert "report/p0001.html" not in pages_of(normalized / "rv2")["report/rejects.html"]


def test_big_and_unnamed_departments_are_cut_into_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_html, "PAGE_SIZE", 3)
    record = json.loads(
        (ROOT / "golden" / "expected" / "000_a0fb249f9976cb71.jsonl")
        .read_text("utf-8")
        .splitlines()[0]
    )
    lines = []
    for k in range(7):
        rec = dict(record, project_name=f"项目{k + 1}", department="甲局")
        lines.append(rec)
    for k in range(4):
        rec = dict(record, project_name=f"无名{k + 1}", department=None, implementing_unit=None,
                   compiling_unit=None)  # fmt: skip
        lines.append(rec)
    forms = tmp_path / "many.jsonl"
    forms.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), "utf-8")
    res = invoke("review", str(forms), "-o", str(tmp_path / "rv"), "-q")
    assert res.exit_code == 0, res.output
    pages = pages_of(tmp_path / "rv")
    titles = [
        re.search(r"<h1>(.*?)</h1>", html)[1]  # type: ignore[index]
        for name, html in pages.items()
        if re.fullmatch(r"report/p\d{4}\.html", name)
    ]
    assert titles == [
        "甲局 · 第1部分",
        "甲局 · 第2部分",
        "甲局 · 第3部分",
        "（未注明单位） · 第1部分",
        "（未注明单位） · 第2部分",
    ]
    counts = [html.count('<section class="form"') for name, html in pages.items() if "/p" in name]
    assert counts == [3, 3, 1, 3, 1]
    assert "下一页" in pages["report/p0001.html"] and "上一页" in pages["report/p0005.html"]


def test_a_rerun_replaces_the_pages(tmp_path: Path) -> None:
    out = tmp_path / "rv"
    assert invoke("review", str(SEED_001), str(SEED_004), "-o", str(out), "-q").exit_code == 0
    assert len(list((out / "report").glob("p*.html"))) == 2
    assert invoke("review", str(SEED_004), "-o", str(out), "-q").exit_code == 0
    assert len(list((out / "report").glob("p*.html"))) == 1  # the other department is gone
    assert not list(out.glob(".*part*"))


def test_english_report(tmp_path: Path) -> None:
    res = invoke("review", str(SEED_004), "-o", str(tmp_path / "rv"), "-q", "--lang", "en")
    assert res.exit_code == 0, res.output
    pages = pages_of(tmp_path / "rv")
    index = pages["report.html"]
    assert 'lang="en"' in index and "Review of budget performance-target forms" in index
    assert "by rule" in index and "search: project" in index
    page = pages["report/p0001.html"]
    assert "back to the overview" in page and '<div class="src">source' in page
    assert re.search(r"line \d+ column \d+", page)


def test_form_text_is_escaped_and_nothing_loads_from_elsewhere(tmp_path: Path) -> None:
    record = json.loads(
        (ROOT / "golden" / "expected" / "000_a0fb249f9976cb71.jsonl")
        .read_text("utf-8")
        .splitlines()[0]
    )
    record["project_name"] = '<script>alert("x")</script><img src=https://example.com/a.png>'
    record["department"] = "<b>局</b>"
    forms = tmp_path / "hostile.jsonl"
    forms.write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    assert invoke("review", str(forms), "-o", str(tmp_path / "rv"), "-q").exit_code == 0
    for name, html in pages_of(tmp_path / "rv").items():
        assert "<script>alert" not in html and "<img" not in html and "<b>局</b>" not in html, name
        assert html.count("<script>") == 1  # the search box's own, inline
        tag_ref = r"""<[^>]*\b(src|href)\s*=\s*["']?\s*(https?:)?//"""  # in a tag, not text
        assert not re.search(tag_ref, html, re.I), name
    assert "&lt;script&gt;alert" in pages_of(tmp_path / "rv")["report/p0001.html"]
