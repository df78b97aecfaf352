"""The command-line contract a person meets (issue 16): one test per promise, through the CLI."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import needs_truetype_cjk_font

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
    from jixiao.labels import FLAG_LABELS, REJECT_LABELS, flag_label, reject_label, reject_reason
    from jixiao.schema import FLAGS

    assert set(FLAGS) <= set(FLAG_LABELS)
    for zh, en in FLAG_LABELS.values():
        assert re.search(r"[\u4e00-\u9fff]", zh) and en.isascii()
    for zh, en in REJECT_LABELS.values():
        assert re.search(r"[\u4e00-\u9fff]", zh) and en
    assert flag_label("column_shift") == "单元格错列"
    assert flag_label("column_shift", "en") == "cells in the wrong columns"
    assert reject_label("empty_file") == "空文件"
    assert reject_label("something new") == "无法读取的内容"  # unknown: the ``other`` label
    assert reject_reason("empty_file", "empty file (0 bytes)") == "空文件 / empty file (0 bytes)"
    assert reject_reason("empty_file", "empty file (0 bytes)", "en") == "empty file (0 bytes)"
    limit = "超出限制「文件大小」: 9 > 1 / limit exceeded"  # written Chinese first: kept as it is
    assert reject_reason("limit_exceeded", limit) == limit


def test_reject_codes_are_set_where_the_reject_is_made() -> None:
    """The code comes with the reject (reader, parser), not from reading its reason text."""
    from jixiao.pipeline import normalize_bytes, normalize_text

    def codes(result: Any) -> list[str]:
        return [r.code for r in result.rejects]

    assert codes(normalize_bytes(b"", "a.txt")) == ["empty_file"]
    assert codes(normalize_bytes(b"PK\x03\x04" + b"x" * 40, "a.docx")) == ["corrupt"]
    assert codes(normalize_bytes(bytes(range(256)) * 8, "a.txt")) == ["binary"]
    assert codes(normalize_text("今天天气很好。\n明天也好。\n", "a.txt")) == ["no_form"]


def test_lang_other_than_zh_or_en_is_a_usage_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from jixiao.cli import app

    seed = ROOT / "golden" / "inputs" / "000_a0fb249f9976cb71.txt"
    for cmd in ("normalize", "review"):
        res = CliRunner().invoke(app, [cmd, str(seed), "-o", str(tmp_path / cmd), "--lang", "fr"])
        assert res.exit_code == 2 and "zh or en" in res.output, res.output


# --------------------------------------------------------------------------- normalize outputs

SEED0 = ROOT / "golden" / "inputs" / "000_a0fb249f9976cb71.txt"


def _normalize(tmp_path: Path, text: str, *extra: str) -> tuple[Path, object]:
    from typer.testing import CliRunner

    from jixiao.cli import app

    src = tmp_path / "in.txt"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["normalize", str(src), "-o", str(out), "-q", *extra])
    return out, result


def test_indicators_csv_is_for_people_and_never_a_formula(tmp_path: Path) -> None:
    import csv
    import io
    import json

    seed = SEED0.read_text(encoding="utf-8")
    # the seed's first row: 现场督查次数 | 10 | 次 | ≥ | 200 (lines 42-46); the second 建议提案办理率
    odd = seed.replace("\t现场督查次数\n", "\t=1+2\n", 1).replace(
        "\t建议提案办理率\n", "\t@SUM(A1)\n", 1
    )
    out, result = _normalize(tmp_path, odd)
    assert result.exit_code == 0, result.output
    text = (out / "indicators.csv").read_text("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    head = table[0]
    assert head[:3] == ["文件", "行号", "表序号"] and "指标序号" in head
    assert "三级指标（原文）" in head and "指标值（原文）" in head and "源数据标记" in head
    rows = [dict(zip(head, r, strict=True)) for r in table[1:]]
    first = rows[0]
    assert first["表序号"] == "1" and first["指标序号"] == "1"  # 1-based, as in xlsx and HTML
    assert first["三级指标"] == "'=1+2" and first["运算符"] == "≥" and first["指标值"] == "200"
    assert first["指标值（原文）"] == "200" and first["计量单位（原文）"] == "次"
    assert first["行号"] == "41"  # the row's first line in the source (its blank 一级 cell)
    assert rows[1]["三级指标"] == "'@SUM(A1)" and rows[1]["指标序号"] == "2"
    for row in table[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not (cell.startswith("-") and not cell[1:].replace(".", "").isdigit()), cell
    # forms.jsonl records carry their source file, after the contract's fields
    record = json.loads((out / "forms.jsonl").read_text("utf-8").splitlines()[0])
    assert record["source_file"] == str(tmp_path / "in.txt") or record["source_file"].endswith(
        "in.txt"
    )
    assert record["source_lines"][0] >= 1
    assert record["indicators"][0]["name_raw"] == "=1+2"  # JSON keeps the exact text


def test_csv_escapes_every_owasp_formula_start() -> None:
    from jixiao.output.safetext import sheet_cell

    for text in ("=1", "+1a", "-a", "@a", "\tx", "\rx", "\t5"):
        assert sheet_cell(text) == "'" + text
    assert sheet_cell("-5") == "-5" and sheet_cell("+3.5") == "+3.5" and sheet_cell("≥") == "≥"


def test_indicators_xlsx_has_frozen_header_filter_and_text_cells(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    seed = SEED0.read_text(encoding="utf-8").replace("\t现场督查次数\n", "\t=1+2\n", 1)
    out, result = _normalize(tmp_path, seed)
    assert result.exit_code == 0, result.output
    wb = load_workbook(out / "indicators.xlsx")
    ws = wb["指标"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:Z{ws.max_row}"
    head = [c.value for c in ws[1]]
    assert head[2] == "表序号" and head[8] == "指标序号"
    csv_rows = (out / "indicators.csv").read_text("utf-8-sig").splitlines()
    assert ws.max_row == len(csv_rows)
    name = ws.cell(row=2, column=head.index("三级指标") + 1)
    assert name.value == "=1+2" and name.data_type == "s"  # exact text, stored as text
    assert ws.cell(row=2, column=head.index("指标值") + 1).value == 200  # numbers stay numbers
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_lang_en_gives_english_headers_and_labels(tmp_path: Path) -> None:
    import csv
    import io

    seed = SEED0.read_text(encoding="utf-8").replace("\t次\n", "\t\n", 1)  # no unit
    out, result = _normalize(tmp_path, seed, "--lang", "en")
    table = list(csv.DictReader(io.StringIO((out / "indicators.csv").read_text("utf-8-sig"))))
    assert table[0]["form_no"] == "1" and table[0]["value_kind"] == "quantitative"
    assert "unit_missing" in table[0]["flag_codes"]
    assert "no unit for a quantitative target" in table[0]["flags"]
    assert "flagged cells: no unit for a quantitative target 1" in result.output


def test_docs_schema_lists_every_code_and_column_and_readme_links_it() -> None:
    from jixiao.labels import FLAG_LABELS, REJECT_LABELS
    from jixiao.output.writers import INDICATOR_COLUMNS
    from jixiao.schema import FORM_FIELDS, INDICATOR_FIELDS

    doc = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    for code, (zh, en) in FLAG_LABELS.items():
        assert f"| `{code}` | {zh} | {en} |" in doc
    for code, (zh, en) in REJECT_LABELS.items():
        assert f"| `{code}` | {zh} | {en} |" in doc
    for _key, zh, en, _width in INDICATOR_COLUMNS:
        assert f"| {zh} | `{en}` |" in doc
    for name in (*FORM_FIELDS, *INDICATOR_FIELDS, "source_file", "source_lines"):
        assert f"`{name}`" in doc
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/schema.md)" in readme and "../shared" not in readme


# --------------------------------------------------------------------------- one CLI contract

COMMANDS = ("normalize", "inspect", "eval", "review", "synth")


def _cli(*args: str) -> object:
    from typer.testing import CliRunner

    from jixiao.cli import app

    return CliRunner().invoke(app, list(args))


def test_every_help_lists_the_exit_codes_and_version_prints() -> None:
    from jixiao import errors

    codes = [
        errors.EXIT_OK,
        errors.EXIT_REJECTS,
        errors.EXIT_USAGE,
        errors.EXIT_INTERNAL,
        errors.EXIT_LOCKED,
        errors.EXIT_OPERATIONAL,
        errors.EXIT_LLM_DOWN,
        errors.EXIT_INTERRUPTED,
    ]
    assert codes == [0, 1, 2, 3, 4, 5, 6, 130]  # the numbers scripts rely on never move
    for args in ([], *([c] for c in COMMANDS)):
        res = _cli(*args, "-h")
        assert res.exit_code == 0, (args, res.output)  # type: ignore[attr-defined]
        text = " ".join(res.output.split())  # type: ignore[attr-defined]
        assert "退出码 / Exit codes" in text, args
        for code in codes:
            assert f" {code} " in text, (args, code)
    res = _cli("--version")
    assert res.exit_code == 0 and re.fullmatch(r"jixiao \S+\n", res.output)  # type: ignore[attr-defined]


def test_help_does_not_import_the_parser_llm_or_readers() -> None:
    """``jixiao --help`` loads only the command line (the stacks load when a command runs)."""
    import subprocess
    import sys

    code = (
        "import sys, runpy; sys.argv = ['jixiao', '--help']\n"
        "try:\n    runpy.run_module('jixiao.cli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.startswith(('jixiao.pipeline', 'jixiao.llm',"
        " 'jixiao.ingest.readers', 'jixiao.review', 'jixiao.evaluate', 'pydantic', 'openai',"
        " 'pdfplumber', 'rapidocr', 'openpyxl', 'rich.progress'))]\n"
        "print('HEAVY', heavy)\n"
    )
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert "HEAVY []" in done.stdout, done.stdout[-500:]


def test_output_option_naming_a_file_is_one_line_exit_2(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    seed = str(SEED0)
    for args in (
        ["normalize", seed, "-o", str(afile), "-q"],
        ["review", seed, "-o", str(afile), "-q"],
        ["synth", "-n", "1", "--seed", "1", "-o", str(afile)],
        ["eval", str(ROOT / "golden"), "--out", str(afile)],
    ):
        res = _cli(*args)
        out = res.output.strip()  # type: ignore[attr-defined]
        assert res.exit_code == 2, (args, out)  # type: ignore[attr-defined]
        assert "\n" not in out and "Traceback" not in out and "is a file" in out, (args, out)
    res = _cli("normalize", str(tmp_path / "nothere"), "-o", str(tmp_path / "o"), "-q")
    assert res.exit_code == 2 and res.output.strip().count("\n") == 0  # type: ignore[attr-defined]


def _forms_out(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    res = _cli("normalize", str(SEED0), "-o", str(out), "-q")
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    return out


def test_review_refuses_what_is_not_forms_with_exit_2_and_the_reason(tmp_path: Path) -> None:
    out = _forms_out(tmp_path)
    not_form = tmp_path / "a.jsonl"
    not_form.write_text('{"a": 1}\n', encoding="utf-8")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    junk = tmp_path / "junk.txt"
    junk.write_text("会议纪要\n今天讨论了预算编制工作。\n", encoding="utf-8")
    cases = {
        not_form: "not a form record",
        empty: "no form records",
        junk: "no 绩效目标表",
        out / "provenance.jsonl": "not a forms file",
        out / "rejects.jsonl": "not a forms file",
        tmp_path / "nothere.jsonl": "no such file",
    }
    for path, why in cases.items():
        res = _cli("review", str(path), "-o", str(tmp_path / "r"), "-q")
        assert res.exit_code == 2, (path, res.output)  # type: ignore[attr-defined]
        assert why in res.output and "Traceback" not in res.output, res.output  # type: ignore[attr-defined]
    assert not (tmp_path / "r" / "findings.jsonl").exists()


def test_review_of_a_normalize_directory_reads_only_its_forms(tmp_path: Path) -> None:
    import json

    out = _forms_out(tmp_path)
    (out / "stray.jsonl").write_text('{"a": 1}\n', encoding="utf-8")
    res = _cli("review", str(out), "-o", str(tmp_path / "r"), "-q")
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    n_forms = len((out / "forms.jsonl").read_text("utf-8").splitlines())
    assert f"文件 1 · 表 {n_forms} ·" in res.output  # type: ignore[attr-defined]
    assert "跳过" in res.output and "stray.jsonl" in res.output  # type: ignore[attr-defined]
    files = {
        json.loads(x)["file"]
        for x in (tmp_path / "r" / "findings.jsonl").read_text("utf-8").splitlines()
    }
    # findings name the source file each record was read from (its source_file)
    assert {Path(f).name for f in files} == {SEED0.name}


def test_review_fail_on(tmp_path: Path) -> None:
    out = _forms_out(tmp_path)
    forms = str(out / "forms.jsonl")
    never = _cli("review", forms, "-o", str(tmp_path / "r1"), "-q")
    assert never.exit_code == 0  # type: ignore[attr-defined]
    warn = _cli("review", forms, "-o", str(tmp_path / "r2"), "-q", "--fail-on", "warning")
    assert warn.exit_code == 1, warn.output  # type: ignore[attr-defined]  # seed 000 has warnings
    bad = _cli("review", forms, "-o", str(tmp_path / "r3"), "-q", "--fail-on", "sometimes")
    assert bad.exit_code == 2  # type: ignore[attr-defined]


def test_ctrl_c_is_one_line_exit_130_and_the_rerun_resumes(tmp_path: Path) -> None:
    """SIGINT to the whole process group, as a terminal sends it: the parent and its workers."""
    import os
    import signal
    import subprocess
    import sys
    import time

    src = tmp_path / "in"
    src.mkdir()
    seeds = sorted((ROOT / "golden" / "inputs").glob("00*.txt"))
    for k in range(300):
        seed = seeds[k % len(seeds)]
        (src / f"{k:04d}_{seed.name}").write_bytes(seed.read_bytes())
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "jixiao.cli", "normalize", str(src), "-o", str(out), "-q"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [*cmd, "-j", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # as from a terminal: a shell running the tests in the background leaves SIGINT
        # ignored, and Python then installs no KeyboardInterrupt handler of its own
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    store = out / ".jixiao-run.sqlite"

    def files_done() -> int:
        # the store is in WAL mode: its main file grows only at checkpoints, so ask it
        import sqlite3

        try:
            with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=1) as db:
                return int(db.execute("SELECT count(*) FROM files").fetchone()[0])
        except sqlite3.Error:
            return 0

    for _ in range(600):  # wait until files are being stored (not a timing assertion)
        if store.exists() and files_done() >= 3 or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    _stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 130, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert lines == [
        "已中断——重新运行同一命令即可续跑 (interrupted — rerun the same command to resume)"
    ]
    again = subprocess.run([*cmd, "-j", "2"], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    done = re.search(r"（(\d+) 个未变", again.stderr)
    assert done and int(done.group(1)) > 0, again.stderr  # what was finished was kept
    # 60 copies of each seed; the five seeds hold 49 forms (test_cli_normalize)
    assert len((out / "forms.jsonl").read_text("utf-8").splitlines()) == 60 * 49
    assert "拒收 0" in again.stderr


# --------------------------------------------------------------------------- review at size


def test_review_of_many_forms_writes_every_row_once(tmp_path: Path) -> None:
    """The benchmark's input (eval/bench_review.py) at a test's size, through the command:
    review.xlsx holds one row per indicator and per finding (5,400 forms: the benchmark)."""
    import importlib.util
    import json

    from openpyxl import load_workbook

    spec = importlib.util.spec_from_file_location("bench_review", ROOT / "eval" / "bench_review.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    forms = tmp_path / "forms.jsonl"
    bench.write_forms(forms, 300)
    res = _cli("review", str(forms), "-o", str(tmp_path / "r"), "-q")
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    records = [json.loads(x) for x in forms.read_text("utf-8").splitlines()]
    n_inds = sum(len(r["indicators"]) for r in records)
    n_findings = len((tmp_path / "r" / "findings.jsonl").read_text("utf-8").splitlines())
    wb = load_workbook(tmp_path / "r" / "review.xlsx", read_only=True)
    assert wb["指标"].max_row == n_inds + 1 and wb["问题"].max_row == n_findings + 1
    assert f"表 300 · 问题 {n_findings}" in res.output  # type: ignore[attr-defined]


def test_xlsx_writer_keeps_text_exact_and_numbers_numbers(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from jixiao.output import xlsx as xlsxout

    book = xlsxout.Workbook()
    sheet = book.sheet("表'1", ["甲", "乙", "丙"], [10, 10, 10])
    big = 123456789012345678901234567890
    sheet.append(["=SUM(A1)", "<a & b>", "x\x07y"])
    sheet.append([12, 3.5, big], fill=(1, xlsxout.SEVERITY_FILL["error"]))
    sheet.append([None, "", True])
    sheet.append([" 前后空格 ", "<r>不是富文本</r>", "_x0041_ 原样"])
    book.save(tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx")["表'1"]
    assert [c.value for c in ws[2]] == ["=SUM(A1)", "<a & b>", "x\ufffdy"]
    assert ws["A2"].data_type == "s"  # text, not a formula
    assert [c.value for c in ws[3]] == [12, 3.5, str(big)]  # every digit kept
    assert ws["B3"].fill.fgColor.rgb == "FF" + xlsxout.SEVERITY_FILL["error"]
    assert [c.value for c in ws[4]] == [None, None, True]
    # whitespace kept, markup shown as text (not spliced into the XML as rich text)
    assert [c.value for c in ws[5]][:2] == [" 前后空格 ", "<r>不是富文本</r>"]
    # a literal Excel escape is itself escaped (ECMA-376 ST_Xstring: Excel shows "_x0041_",
    # not "A"); openpyxl does not decode inline-string escapes, so it shows the stored form
    assert ws["C5"].value == "_x005F_x0041_ 原样"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C5" and ws["A1"].font.b
    assert not book.tmp.exists()  # saved: temporary files gone


def test_review_reports_progress_per_phase(tmp_path: Path) -> None:
    from jixiao.review.command import Progress, run_review

    out = _forms_out(tmp_path)
    events: list[tuple[str, int, int]] = []
    run_review(
        [out / "forms.jsonl"],
        tmp_path / "r",
        progress=Progress(lambda name, done, total: events.append((name, done, total))),
    )
    n_forms = len((out / "forms.jsonl").read_text("utf-8").splitlines())
    phases = list(dict.fromkeys(name for name, _, _ in events))
    assert phases == ["读取 read", "审核 review", "写出 write"]
    reviewed = [(done, total) for name, done, total in events if name == "审核 review"]
    assert reviewed[-1] == (n_forms, n_forms) and len(reviewed) == n_forms + 1  # one per form


def test_jobs_default_is_one_process_for_a_small_input(tmp_path: Path) -> None:
    import os

    from jixiao.cli import auto_workers
    from jixiao.output.runstore import Job

    sample = sorted((ROOT / "golden" / "inputs").iterdir())
    assert auto_workers([Job(str(p), "") for p in sample]) == 1
    scans = []
    for k in range(12):
        (tmp_path / f"s{k}.pdf").write_bytes(b"%PDF-1.4\n")
        scans.append(Job(str(tmp_path / f"s{k}.pdf"), ""))
    assert auto_workers(scans) == (os.cpu_count() or 1)  # 12 documents to OCR: every core


# --------------------------------------------------------------------------- stdin, --json, -v/-q


def _run(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> Any:
    """The command in this process (CliRunner): exit code, stdout and stderr apart."""
    from typer.testing import CliRunner

    from jixiao.cli import app

    return CliRunner(env=env).invoke(app, list(args), input=stdin)


def _forms(out: Path) -> list[dict[str, Any]]:
    import json

    return [json.loads(x) for x in (out / "forms.jsonl").read_text("utf-8").splitlines()]


def test_dash_reads_standard_input_in_normalize_review_and_inspect(tmp_path: Path) -> None:
    import json

    data = SEED0.read_bytes()
    by_file = _run("normalize", str(SEED0), "-o", str(tmp_path / "a"), "-q")
    by_stdin = _run("normalize", "-", "-o", str(tmp_path / "b"), "-q", stdin=data)
    assert by_file.exit_code == by_stdin.exit_code == 0, by_stdin.output
    a, b = _forms(tmp_path / "a"), _forms(tmp_path / "b")
    assert len(b) == len(a) == 5  # seed 000 holds five forms
    assert {r["source_file"] for r in b} == {"<stdin>"}
    assert [r["indicators"] for r in b] == [r["indicators"] for r in a]
    rejects = (tmp_path / "b" / "rejects.jsonl").read_text("utf-8")
    assert "jixiao-stdin" not in rejects and "jixiao-stdin" not in by_stdin.output
    # review: forms as JSON Lines on stdin, or a source file on stdin
    forms = (tmp_path / "a" / "forms.jsonl").read_bytes()
    for n, (piped, named) in enumerate(((forms, str(SEED0)), (data, "<stdin>"))):
        res = _run("review", "-", "-o", str(tmp_path / f"r{n}"), "-q", stdin=piped)
        assert res.exit_code == 0, res.output
        assert "表 5 ·" in res.stderr
        findings = (tmp_path / f"r{n}" / "findings.jsonl").read_text("utf-8").splitlines()
        # records name their source file; a source on stdin is <stdin>
        assert findings and {json.loads(x)["file"] for x in findings} == {named}
    # inspect: the view names <stdin>
    res = _run("inspect", "-", stdin=data)
    assert res.exit_code == 0 and res.stdout.startswith("<stdin>  encoding=utf-8"), res.output
    # '-' twice is a usage error, one line
    res = _run("normalize", "-", "-", "-o", str(tmp_path / "c"), stdin=data)
    assert res.exit_code == 2 and res.output.count("\n") == 1 and "'-'" in res.output


def test_json_summaries_go_to_stdout_and_human_ones_to_stderr(tmp_path: Path) -> None:
    import json

    junk = tmp_path / "junk.txt"
    junk.write_text("会议纪要\n今天讨论了预算编制工作。\n", encoding="utf-8")
    res = _run("normalize", str(SEED0), str(junk), "-o", str(tmp_path / "o"), "-q", "--json")
    assert res.exit_code == 1  # the junk file is rejected
    (line,) = res.stdout.splitlines()
    got = json.loads(line)
    assert got["command"] == "normalize" and got["exit"] == 1 and got["out"] == str(tmp_path / "o")
    assert (got["files"], got["forms"], got["rejects"], got["internal"]) == (2, 5, 1, 0)
    assert got["reject_codes"] == {"no_form"} or got["reject_codes"] == {"no_form": 1}
    assert got["indicators"] == sum(len(r["indicators"]) for r in _forms(tmp_path / "o"))
    assert got["llm"] is None and set(got) >= {"reused", "queued", "flags"}
    assert "文件 2" in res.stderr and "{" not in res.stderr

    res = _run("review", str(tmp_path / "o" / "forms.jsonl"), "-o", str(tmp_path / "r"), "--json")
    got = json.loads(res.stdout)
    n_findings = len((tmp_path / "r" / "findings.jsonl").read_text("utf-8").splitlines())
    assert got["command"] == "review" and got["exit"] == res.exit_code == 0
    assert got["forms"] == 5 and got["findings"] == n_findings == sum(got["severity"].values())
    assert sum(got["codes"].values()) == n_findings and got["skipped"] == []
    assert "文件 1 · 表 5" in res.stderr

    res = _run("inspect", str(junk), "--json")
    got = json.loads(res.stdout)
    assert res.exit_code == got["exit"] == 1 and got["forms"] == []
    assert [r["code"] for r in got["rejects"]] == ["no_form"]

    res = _run("synth", "-n", "3", "--seed", "1", "-o", str(tmp_path / "s"), "--json")
    got = json.loads(res.stdout)
    assert res.exit_code == 0 and got["forms"] == 3 and got["command"] == "synth"
    assert "wrote 3 forms" in res.stderr
    # every --json is documented in its command's -h
    for cmd in COMMANDS:
        assert "--json" in _run(cmd, "-h").stdout, cmd


def _pdf_that_makes_pdfminer_warn(path: Path) -> Path:
    """A rendered form whose font descriptor lost its FontBBox: pdfminer logs a warning per
    font it loads, and the form still reads."""
    from conftest import golden_records

    from jixiao.synth import render

    data = render.render(golden_records("004_5de54c583fead5ac"), "pdf")
    assert b"/FontBBox" in data
    path.write_bytes(data.replace(b"/FontBBox", b"/FontBBoy"))  # same length: offsets hold
    return path


@needs_truetype_cjk_font
def test_library_warnings_stay_off_the_terminal_unless_verbose(tmp_path: Path) -> None:
    """In the parent and in spawned pool workers alike (two PDFs, -j 2: a subprocess)."""
    import os
    import subprocess
    import sys

    pdfs = [_pdf_that_makes_pdfminer_warn(tmp_path / f"p{k}.pdf") for k in range(2)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    base = [sys.executable, "-m", "jixiao.cli", "normalize", *map(str, pdfs), "-j", "2"]
    runs = {
        flag: subprocess.run(
            [*base, "-o", str(tmp_path / f"o{flag}"), *([flag] if flag else [])],
            env=env,
            capture_output=True,
            text=True,
        )
        for flag in ("", "-v", "-q")
    }
    for flag, done in runs.items():
        assert done.returncode == 0, (flag, done.stderr)
        assert "表 10" in done.stderr, (flag, done.stderr)  # the forms are read either way
    assert "FontBBox" not in runs[""].stderr and "FontBBox" not in runs["-q"].stderr
    assert "WARNING pdfminer" in runs["-v"].stderr and "FontBBox" in runs["-v"].stderr
    # in this process too (inspect reads in the parent)
    quiet = _run("inspect", str(pdfs[0]))
    loud = _run("inspect", str(pdfs[0]), "-v")
    assert "FontBBox" not in quiet.stderr and "FontBBox" in loud.stderr


def test_every_command_takes_v_and_q() -> None:
    for cmd in COMMANDS:
        text = _run(cmd, "-h").stdout
        assert "-v, --verbose" in text and "-q, --quiet" in text, cmd


# --------------------------------------------------------------------------- .doc/.wps/.xls/.et

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FAKE_SOFFICE = """#!/bin/sh
# a stand-in for LibreOffice: "converts" by copying the prepared package (test_cli_contract)
while [ $# -gt 1 ]; do
  case "$1" in --convert-to) target=$2; shift;; --outdir) outdir=$2; shift;; esac
  shift
done
[ -n "$FAKE_SOFFICE_SLEEP" ] && sleep "$FAKE_SOFFICE_SLEEP"
echo "$@" >> "$FAKE_SOFFICE_DIR/calls"
cp "$FAKE_SOFFICE_DIR/prepared.$target" "$outdir/in.$target"
"""


def _legacy_inputs(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    """A .doc, .wps, .xls and .et that only a converter can read (OLE headers and stream
    names, no content), and the golden records the prepared conversions hold."""
    from conftest import golden_records

    records = golden_records("004_5de54c583fead5ac")
    src = tmp_path / "in"
    src.mkdir()
    word = OLE + b"\x00" * 64 + "WordDocument".encode("utf-16-le")
    excel = OLE + b"\x00" * 64 + "Workbook".encode("utf-16-le")
    for name, data in (("a.doc", word), ("b.wps", word), ("c.xls", excel), ("d.et", excel)):
        (src / name).write_bytes(data)
    return src, records


def _fake_soffice(tmp_path: Path, records: list[dict[str, Any]]) -> dict[str, str]:
    import os

    from jixiao.synth import render

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "soffice"
    script.write_text(FAKE_SOFFICE, encoding="utf-8")
    script.chmod(0o755)
    (bin_dir / "prepared.docx").write_bytes(render.to_docx(records))
    (bin_dir / "prepared.xlsx").write_bytes(render.render(records, "xlsx"))
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    return {
        "PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "FAKE_SOFFICE_DIR": str(bin_dir),
        "TMPDIR": str(tmp),
    }


def test_legacy_office_files_go_through_soffice_and_the_temp_dir_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    src, records = _legacy_inputs(tmp_path)
    env = _fake_soffice(tmp_path, records)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(tempfile, "tempdir", None)  # TMPDIR read again
    res = _run("normalize", str(src), "-o", str(tmp_path / "o"), "-q", "-j", "1", "--json")
    assert res.exit_code == 0, res.output
    forms = _forms(tmp_path / "o")
    by_file: dict[str, int] = {}
    for r in forms:
        by_file[Path(r["source_file"]).name] = by_file.get(Path(r["source_file"]).name, 0) + 1
    assert by_file == {n: len(records) for n in ("a.doc", "b.wps", "c.xls", "d.et")}
    names = [r["indicators"][0]["name"] for r in forms[: len(records)]]
    assert names == [r["indicators"][0]["name"] for r in records]  # the prepared docx's forms
    calls = (Path(env["FAKE_SOFFICE_DIR"]) / "calls").read_text("utf-8").splitlines()
    assert len(calls) == 4 and all(c.endswith(("in.doc", "in.xls")) for c in calls)
    assert (
        list(Path(env["TMPDIR"]).glob("jixiao-soffice-*")) == []
    )  # every conversion's temp dir removed
    import json

    provenance = (tmp_path / "o" / "provenance.jsonl").read_text("utf-8").splitlines()
    layouts = {json.loads(x)["source"]["layout"] for x in provenance}
    assert layouts == {"doc", "xls"}


def test_legacy_office_without_libreoffice_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    src, _records = _legacy_inputs(tmp_path)
    empty = tmp_path / "nobin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    res = _run("normalize", str(src), "-o", str(tmp_path / "o"), "-q", "-j", "1")
    assert res.exit_code == 1, res.output
    lines = (tmp_path / "o" / "rejects.jsonl").read_text("utf-8").splitlines()
    rejects = [json.loads(x) for x in lines]
    assert [r["code"] for r in rejects] == ["legacy_office"] * 4
    by_name = {Path(r["file"]).name: r["reason"] for r in rejects}
    assert "apt-get install libreoffice-writer" in by_name["a.doc"]
    assert "apt-get install libreoffice-writer" in by_name["b.wps"]
    assert "apt-get install libreoffice-calc" in by_name["c.xls"]
    assert all(r.startswith("旧版 Office/WPS 二进制格式") for r in by_name.values())
    assert "需安装 LibreOffice" in res.stderr and "Traceback" not in res.output


def test_a_hanging_soffice_is_killed_at_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import tempfile

    src, records = _legacy_inputs(tmp_path)
    for p in list(src.iterdir())[1:]:
        p.unlink()
    env = _fake_soffice(tmp_path, records)
    for k, v in {**env, "FAKE_SOFFICE_SLEEP": "30", "JIXIAO_SOFFICE_TIMEOUT": "1"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(tempfile, "tempdir", None)
    res = _run("normalize", str(src), "-o", str(tmp_path / "o"), "-q", "-j", "1")
    assert res.exit_code == 1, res.output
    (reject,) = [json.loads(x) for x in (tmp_path / "o" / "rejects.jsonl").read_text().splitlines()]
    assert reject["code"] == "legacy_office" and "timed out after 1 s" in reject["reason"]
    assert list(Path(env["TMPDIR"]).glob("jixiao-soffice-*")) == []


def _soffice_absent() -> bool:
    import shutil

    return shutil.which("soffice") is None


@pytest.mark.skipif(
    _soffice_absent(),
    reason="LibreOffice not installed (apt-get install libreoffice-writer-nogui "
    "libreoffice-calc-nogui): the real .doc/.xls conversion is not tested",
)
def test_real_doc_and_xls_read_as_their_docx_and_xlsx(tmp_path: Path) -> None:
    """.doc and .xls written by LibreOffice itself from a rendered .docx/.xlsx, read back
    through LibreOffice: the same forms as the package (.wps/.et: the same bytes renamed)."""
    import subprocess

    import docx
    from conftest import golden_records

    from jixiao.synth import render

    records = golden_records("004_5de54c583fead5ac")
    made = tmp_path / "made"
    made.mkdir()
    document = docx.Document(io.BytesIO(render.to_docx(records)))
    document.add_paragraph("")  # Word ends a body with a paragraph; .doc keeps the last table
    document.save(str(made / "f.docx"))
    (made / "f.xlsx").write_bytes(render.render(records, "xlsx"))
    for name, target in (("f.docx", "doc"), ("f.xlsx", "xls")):
        subprocess.run(
            ["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless"]
            + ["--convert-to", target, "--outdir", str(made), str(made / name)],
            check=True,
            capture_output=True,
            timeout=180,
        )
    src = tmp_path / "in"
    src.mkdir()
    for name in ("f.doc", "f.xls", "f.docx", "f.xlsx"):
        (src / name).write_bytes((made / name).read_bytes())
    (src / "g.wps").write_bytes((made / "f.doc").read_bytes())
    (src / "g.et").write_bytes((made / "f.xls").read_bytes())
    res = _run("normalize", str(src), "-o", str(tmp_path / "o"), "-q")
    assert res.exit_code == 0, res.output
    forms: dict[str, list[Any]] = {}
    for r in _forms(tmp_path / "o"):
        forms.setdefault(Path(r["source_file"]).name, []).append(
            [(i["name"], i["value"], i["unit"]) for i in r["indicators"]]
        )
    assert len(forms["f.docx"]) == len(records)
    assert forms["f.doc"] == forms["g.wps"] == forms["f.docx"]
    assert forms["f.xls"] == forms["g.et"] == forms["f.xlsx"]


# --------------------------------------------------------------------------- a new user's mistakes


def test_a_users_mistakes_are_one_chinese_first_line_and_exit_2(tmp_path: Path) -> None:
    nothere = str(tmp_path / "nothere")
    full = tmp_path / "syn"
    (full / "inputs").mkdir(parents=True)
    (full / "inputs" / "a.txt").write_text("x", encoding="utf-8")
    no_llm = {k: None for k in ("JIXIAO_LLM_BASE_URL", "JIXIAO_LLM_API_KEY", "OPENAI_API_KEY")}
    cases: list[tuple[list[str], str, dict[str, str | None] | None]] = [
        (["normalize", nothere, "-o", str(tmp_path / "o")], "找不到文件或目录", None),
        (["review", nothere, "-o", str(tmp_path / "r")], "找不到文件或目录", None),
        (["inspect", nothere], "找不到文件", None),
        (["inspect", str(tmp_path)], "是目录，不是文件", None),
        (["eval", str(tmp_path), "--out", str(tmp_path / "e")], "inputs/ and expected/", None),
        (["synth", "-n", "1", "--seed", "1", "-o", str(full)], "不是空目录", None),
        (
            ["normalize", str(SEED0), "-o", str(tmp_path / "l"), "--llm", "openai"],
            "JIXIAO_LLM_BASE_URL",
            no_llm,
        ),
    ]
    for args, why, env in cases:
        res = _run(*args, env=env)  # type: ignore[arg-type]
        lines = res.output.strip().splitlines()
        assert res.exit_code == 2, (args, res.output)
        assert len(lines) == 1 and lines[0].startswith("错误 / error: "), (args, res.output)
        assert why in lines[0] and "Traceback" not in res.output, (args, res.output)


def test_a_junk_file_is_a_reject_in_every_command(tmp_path: Path) -> None:
    """Exit 1 where a file is a reject (normalize, inspect); 2 where the input must be forms
    (review); the reason in Chinese first, never a traceback."""
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"PK\x03\x04 not a package")
    res = _run("normalize", str(junk), "-o", str(tmp_path / "o"))
    assert res.exit_code == 1 and "拒收原因：文件已损坏或不完整 1" in res.stderr, res.output
    assert not res.stderr.startswith("\n")  # no progress bar's blank line off a terminal
    res = _run("inspect", str(junk))
    assert (
        res.exit_code == 1 and "拒收 reject: 文件已损坏或不完整 / corrupt zip archive" in res.stdout
    )
    res = _run("review", str(junk), "-o", str(tmp_path / "r"))
    assert res.exit_code == 2 and res.output.count("\n") == 1, res.output
    assert "既不是表单记录，也不是含绩效目标表的源文件" in res.output
    assert "Traceback" not in res.output


def test_ctrl_c_at_any_moment_is_one_line_and_exit_130() -> None:
    """While the command line is still importing, and later while it waits for standard input
    that never ends: the same one line, exit 130, no traceback (inspect, review)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    # the command line as ``python -m jixiao.cli`` runs it, saying when jixiao's handler is in
    # place (it is the first thing jixiao.cli imports)
    launcher = (
        "import sys; import jixiao.interrupt; print('ready', flush=True); import runpy; "
        "sys.argv[0] = 'jixiao'; runpy.run_module('jixiao.cli', run_name='__main__')"
    )

    for args in (["inspect", "-"], ["review", "-", "-o", "/nonexistent-never-written"]):
        # not a timing assertion: every moment after jixiao's handler is in place gives the same
        # (a Ctrl-C before it, while the interpreter itself starts, is Python's own). The first
        # moment is right then, mid-import; the others later, while it waits for stdin.
        for delay in (0.0, 1.0, 3.0):
            proc = subprocess.Popen(
                [sys.executable, "-c", launcher, *args],
                env=env,
                stdin=subprocess.PIPE,  # kept open: the command waits for it to end
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )
            assert proc.stdout is not None
            assert proc.stdout.readline() == "ready\n"
            time.sleep(delay)
            os.killpg(proc.pid, signal.SIGINT)
            _out, err = proc.communicate(timeout=120)
            assert proc.returncode == 130, (args, delay, err[-800:])
            assert err.splitlines() == [
                "已中断——重新运行同一命令即可续跑 (interrupted — rerun the same command to resume)"
            ], (args, delay, err[-800:])


def test_click_usage_errors_are_one_chinese_first_line_exit_2(tmp_path: Path) -> None:
    """Missing argument, unknown option or command, a bad choice or number, an option without
    its value: in every command one line, Chinese first, naming what is wrong, exit 2."""
    seed = str(SEED0)
    cases = [
        (["normalize"], "缺少参数 'PATH'", "jixiao normalize -h"),
        (["inspect"], "缺少参数 'FILE'", "jixiao inspect -h"),
        (["eval"], "缺少参数 'GOLDEN_DIR'", "jixiao eval -h"),
        (["review"], "缺少参数 'PATH'", "jixiao review -h"),
        (["review", seed, "--bogus"], "没有选项 --bogus", "jixiao review -h"),
        (["inspect", seed, "--bogus"], "没有选项 --bogus", "jixiao inspect -h"),
        (["synth", "--bogus"], "没有选项 --bogus", "jixiao synth -h"),
        (["eval", "golden", "--bogus"], "没有选项 --bogus", "jixiao eval -h"),
        (["normalize", seed, "--stage", "bogus"], "'--stage'", "jixiao normalize -h"),
        (["review", seed, "--fail-on", "bad"], "--fail-on 的值无效", "jixiao review -h"),
        (["synth", "-n", "abc"], "'-n' / '--forms' 的值无效", "jixiao synth -h"),
        (["review", seed, "-o"], "选项 -o 后面缺少值", "jixiao review -h"),
        (["inspect", seed, "extra"], "多余的参数", "jixiao inspect -h"),
        (["nosuch"], "没有这个命令", "jixiao -h"),
        (["--bogus"], "没有选项 --bogus", "jixiao -h"),
    ]
    for args, why, where in cases:
        res = _run(*args)
        lines = res.output.strip().splitlines()
        assert res.exit_code == 2, (args, res.output)
        assert len(lines) == 1 and lines[0].startswith("错误 / error: "), (args, res.output)
        assert why in lines[0] and where in lines[0], (args, lines[0])
        assert "Usage:" not in res.output and "Traceback" not in res.output
    assert "Missing argument 'PATH'" in _run("review").output  # click's English kept after
    res = _run()  # no command at all is not a mistake: the help, as before
    assert "Commands:" in res.output and "错误 / error" not in res.output


def test_inspect_names_the_zip_member_of_each_reject(tmp_path: Path) -> None:
    import json
    import zipfile

    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(SEED0, "good.txt")
        z.writestr("junk.txt", b"\x00\x01\x02 nothing readable")
        z.writestr("bad.docx", b"PK\x03\x04 not a package")
    res = _run("inspect", str(archive))
    assert res.exit_code == 1, res.output
    text = " ".join(res.stdout.split())  # the terminal view wraps long paths
    assert "拒收 reject " + str(archive) + "!junk.txt: 二进制内容" in text, res.stdout
    assert "拒收 reject " + str(archive) + "!bad.docx: 文件已损坏" in text, res.stdout
    data = json.loads(_run("inspect", str(archive), "--json").stdout)
    files = sorted(r["file"] for r in data["rejects"])
    assert files == [f"{archive}!bad.docx", f"{archive}!junk.txt"]
