"""Hostile and unlucky inputs through the CLI: one file never takes the batch down (issue 12).

Each test builds a small reproduction of a finding: a 20+-digit number, a PNG whose header
claims a huge image, a GBK file name, a file that raises inside the parser, a worker that dies,
span and zip bombs past the limits, U+2028 in a name, a formula in a cell, two runs on one
output directory, terminal escapes in ``inspect``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from conftest import SEEDS
from typer.testing import CliRunner

from jixiao import errors
from jixiao.cli import app
from jixiao.output.runstore import OutputLock

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent
BIG = "123456789012345678901234"


def rows(path: Path) -> list[dict[str, object]]:
    """A JSON Lines output, split on ``\\n`` only (as every reader must)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def tiny_png_bomb() -> bytes:
    """A 65-byte PNG whose header claims 60000 × 60000 pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def hostile_dir(tmp_path: Path) -> Path:
    """Good files beside a 24-digit value, a PNG bomb and a GBK-named file."""
    src = tmp_path / "in"
    src.mkdir()
    seed = SEEDS[0].read_text(encoding="utf-8")
    (src / "a_good.txt").write_text(seed, encoding="utf-8")
    assert "\t200\n" in seed  # 现场督查次数 ≥ 200 次
    (src / "b_bigint.txt").write_text(seed.replace("\t200\n", f"\t{BIG}\n", 1), encoding="utf-8")
    (src / "c_bomb.png").write_bytes(tiny_png_bomb())
    (src / "d_good.txt").write_text(SEEDS[1].read_text(encoding="utf-8"), encoding="utf-8")
    gbk = os.fsencode(src) + b"/e_" + "绩效".encode("gbk") + b".txt"
    Path(os.fsdecode(gbk)).write_bytes(SEEDS[2].read_bytes())
    return src


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_hostile_files_beside_good_ones(tmp_path: Path, jobs: str) -> None:
    out = tmp_path / "out"
    src = hostile_dir(tmp_path)
    result = runner.invoke(app, ["normalize", str(src), "-o", str(out), "-q", "-j", jobs])
    assert result.exit_code == errors.EXIT_REJECTS, result.output
    rejects = rows(out / "rejects.jsonl")
    assert [Path(str(r["file"])).name for r in rejects] == ["c_bomb.png"]
    assert "解压炸弹" in str(rejects[0]["reason"])
    table = list(csv.DictReader(io.StringIO((out / "indicators.csv").read_text("utf-8-sig"))))
    files = {Path(r["文件"]).name for r in table}
    assert files == {"a_good.txt", "b_bigint.txt", "d_good.txt", "e_绩效.txt"}  # GBK name read
    big = [
        r for r in table if r["三级指标"] == "现场督查次数" and r["文件"].endswith("b_bigint.txt")
    ]
    assert big[0]["指标值"] == BIG  # every digit kept, as text
    assert "value_suspect" in big[0]["标记代码"] and "指标值可疑" in big[0]["源数据标记"]
    forms = rows(out / "forms.jsonl")
    values = [i["value"] for f in forms for i in f["indicators"]]  # type: ignore[attr-defined]
    assert BIG in values and 200 in values  # the good copy keeps its number


def test_internal_error_is_that_files_reject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jixiao import pipeline

    real = pipeline.normalize_rows

    def buggy(rows, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name.endswith("b_boom.txt"):
            raise KeyError("oops")
        return real(rows, name, *args, **kwargs)

    monkeypatch.setattr(pipeline, "normalize_rows", buggy)
    src = tmp_path / "in"
    src.mkdir()
    for k, name in enumerate(["a_ok.txt", "b_boom.txt", "c_ok.txt"]):
        (src / name).write_text(SEEDS[k].read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["normalize", str(src), "-o", str(out), "-q", "-j", "1"])
    assert result.exit_code == errors.EXIT_INTERNAL, result.output
    [reject] = rows(out / "rejects.jsonl")
    assert str(reject["reason"]).startswith("内部错误: KeyError: 'oops'")
    assert Path(str(reject["file"])).name == "b_boom.txt"
    forms = rows(out / "provenance.jsonl")
    assert {Path(str(f["source"]["file"])).name for f in forms} == {"a_ok.txt", "c_ok.txt"}  # type: ignore[index]
    # the rerun reuses the stored reject: same outputs, same exit code, nothing parsed again
    again = runner.invoke(app, ["normalize", str(src), "-o", str(out), "-q", "-j", "1"])
    assert again.exit_code == errors.EXIT_INTERNAL
    assert "3 个未变" in again.output


DIE_HOOK = """
import os
import jixiao.pipeline as p
_real = p.iter_path
def iter_path(path, *args, **kwargs):
    if path.name.startswith("die"):
        os._exit(9)
    return _real(path, *args, **kwargs)
p.iter_path = iter_path
"""


def test_a_worker_that_dies_is_replaced_and_its_file_rejected(tmp_path: Path) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(DIE_HOOK, encoding="utf-8")  # in every worker too
    src = tmp_path / "in"
    src.mkdir()
    for k, name in enumerate(["a.txt", "b.txt", "die.txt", "d.txt", "e.txt"]):
        (src / name).write_text(SEEDS[k].read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": f"{hook}{os.pathsep}{ROOT / 'src'}"}
    cmd = [sys.executable, "-m", "jixiao.cli", "normalize", str(src), "-o", str(out), "-q"]
    done = subprocess.run([*cmd, "-j", "2"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == errors.EXIT_INTERNAL, done.stderr
    [reject] = rows(out / "rejects.jsonl")
    assert Path(str(reject["file"])).name == "die.txt"
    assert "处理进程意外退出" in str(reject["reason"])
    forms = rows(out / "provenance.jsonl")
    names = {Path(str(f["source"]["file"])).name for f in forms}  # type: ignore[index]
    assert names == {"a.txt", "b.txt", "d.txt", "e.txt"}


def docx_with(table_xml_patch: tuple[str, str]) -> bytes:
    """A small .docx holding a form title and a table, with one XML substitution applied."""
    import docx

    document = docx.Document()
    document.add_paragraph("项目支出绩效目标表")
    table = document.add_table(rows=2, cols=3)
    for c, text in enumerate(["一级指标", "三级指标", "指标值"]):
        table.cell(0, c).text = text
    buffer = io.BytesIO()
    document.save(buffer)
    old, new = table_xml_patch
    src = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                text = data.decode()
                assert old in text
                data = text.replace(old, new, 1).encode()
            z.writestr(info, data)
    return out.getvalue()


def run_one(tmp_path: Path, name: str, data: bytes, *options: str) -> tuple[int, str]:
    """Normalize one file; the exit code and its (only) reject's reason."""
    src = tmp_path / name
    src.write_bytes(data)
    out = tmp_path / f"out_{name}"
    result = runner.invoke(app, ["normalize", str(src), "-o", str(out), "-q", *options])
    reasons = [str(r["reason"]) for r in rows(out / "rejects.jsonl")]
    assert len(reasons) == 1, reasons
    return result.exit_code, reasons[0]


def test_docx_grid_span_bomb(tmp_path: Path) -> None:
    bomb = docx_with(("<w:tc><w:tcPr>", '<w:tc><w:tcPr><w:gridSpan w:val="50000000"/>'))
    code, reason = run_one(tmp_path, "span.docx", bomb)
    assert code == errors.EXIT_REJECTS
    assert "合并单元格跨行/跨列数" in reason and "--max-span" in reason


def test_html_span_bomb(tmp_path: Path) -> None:
    cells = "".join(f'<td rowspan="150" colspan="150">{k}</td>' for k in range(100))
    page = f"<html><body><p>项目支出绩效目标表</p><table><tr>{cells}</tr></table></body></html>"
    code, reason = run_one(tmp_path, "span.html", page.encode())
    assert code == errors.EXIT_REJECTS
    assert "--max-sheet-cells" in reason  # 150 rows × 15,000 columns: past 2,000,000 cells


def test_zip_member_inflated_past_the_limit(tmp_path: Path) -> None:
    bomb = docx_with(("</w:body>", "<!--" + "x" * 3_000_000 + "--></w:body>"))
    assert len(bomb) < 100_000
    code, reason = run_one(tmp_path, "bomb.docx", bomb, "--max-member-bytes", "1000000")
    assert code == errors.EXIT_REJECTS and "--max-member-bytes" in reason


def test_sheet_cells_file_bytes_and_cell_chars_limits(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["项目支出绩效目标表"])
    for k in range(100):
        ws.append([k, "三级指标", "指标值"])
    buffer = io.BytesIO()
    wb.save(buffer)
    code, reason = run_one(tmp_path, "big.xlsx", buffer.getvalue(), "--max-sheet-cells", "150")
    assert "每个表格的行数×列数" in reason and "--max-sheet-cells" in reason
    seed = SEEDS[0].read_bytes()
    code, reason = run_one(tmp_path, "a.txt", seed, "--max-file-bytes", "100")
    assert "单个文件字节数" in reason and f"{len(seed)} > 100" in reason
    long_cell = SEEDS[0].read_text(encoding="utf-8").replace("\t200\n", "\t" + "长" * 5000 + "\n")
    code, reason = run_one(tmp_path, "b.txt", long_cell.encode(), "--max-cell-chars", "4000")
    assert "--max-cell-chars" in reason


def test_pdf_pages_limit_and_blank_pages_skip_ocr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fpdf import FPDF

    from jixiao.ingest.readers import ocr, pdf

    doc = FPDF()
    for _ in range(4):
        doc.add_page()
    blank = bytes(doc.output())
    code, reason = run_one(tmp_path, "pages.pdf", blank, "--max-pages", "3")
    assert "--max-pages" in reason and "4 > 3" in reason

    def no_ocr(*args: object, **kwargs: object) -> bool:
        raise AssertionError("a blank page went to OCR")

    monkeypatch.setattr(ocr, "read_page", no_ocr)
    _builder, stats = pdf.read_pdf(blank, "pages.pdf")
    assert stats["blank"] == 4 and stats["ocr"] == 0


def test_line_separators_and_formulas_in_cells(tmp_path: Path) -> None:
    seed = SEEDS[0].read_text(encoding="utf-8")
    assert "\t现场督查次数\n" in seed
    odd = seed.replace("\t现场督查次数\n", "\t现场\u2028督查\u0085次数\n", 1)
    odd = odd.replace("\t　政务督查工作", '\t=HYPERLINK("http://x","点我")', 1)
    src = tmp_path / "odd.txt"
    src.write_text(odd, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["normalize", str(src), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    raw = (out / "forms.jsonl").read_text(encoding="utf-8")
    assert "\u2028" not in raw and "\x85" not in raw and "\\u2028" in raw
    assert len(raw.splitlines()) == len(raw.rstrip("\n").split("\n"))  # any reader agrees
    table = list(csv.reader(io.StringIO((out / "indicators.csv").read_text("utf-8-sig"))))
    assert all(not cell.startswith(("=", "+", "@")) for row in table for cell in row)
    assert any(cell.startswith("'=HYPERLINK") for row in table for cell in row)
    # review reads normalize's own output back, and its sheet holds no formula either
    review = tmp_path / "review"
    result = runner.invoke(app, ["review", str(out / "forms.jsonl"), "-o", str(review)])
    assert result.exit_code in (0, 1), result.output
    from openpyxl import load_workbook

    wb = load_workbook(review / "review.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert any(isinstance(c.value, str) and "现场\u2028督查" in c.value for c in cells)
    assert all(c.data_type != "f" for c in cells)  # the =HYPERLINK name is text, not a formula
    assert not list(review.glob(".*.part"))


def test_second_run_on_one_output_dir_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with OutputLock(out):
        result = runner.invoke(app, ["normalize", str(SEEDS[0]), "-o", str(out), "-q"])
    assert result.exit_code == errors.EXIT_LOCKED
    assert "输出目录正被另一个运行占用" in result.output and f"pid {os.getpid()}" in result.output
    assert not (out / "forms.jsonl").exists()
    result = runner.invoke(app, ["normalize", str(SEEDS[0]), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output  # released: the next run goes


def test_unwritable_output_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["normalize", str(SEEDS[0]), "-o", str(blocker / "out"), "-q"])
    assert result.exit_code == errors.EXIT_OPERATIONAL
    assert result.output.strip().count("\n") == 0 and "Traceback" not in result.output
    assert "运行失败" in result.output


def test_inspect_shows_escape_codes_instead_of_obeying_them(tmp_path: Path) -> None:
    seed = SEEDS[0].read_text(encoding="utf-8")
    src = tmp_path / "esc.txt"
    src.write_text(seed.replace("\t现场督查次数\n", "\t现场\x1b[2J督查[red]次数\n", 1), "utf-8")
    result = runner.invoke(app, ["inspect", str(src)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "\\x1b[2J" in result.output and "[red]次数" in result.output


def test_the_watchdog_holds_off_the_main_thread(tmp_path: Path) -> None:
    """A file processed on a thread that is not the main one (where signals cannot land) is
    stopped at its time limit too, with the main thread's reject text."""
    import threading

    from jixiao.limits import Limits
    from jixiao.output.runstore import Job, RunStore, process
    from jixiao.settings import RunSettings

    def crawl(path: Path, settings: object, member: object, name: object) -> list:  # type: ignore[type-arg]
        while True:  # pure Python that never returns
            sum(range(1000))

    src = tmp_path / "slow.txt"
    src.write_text("x", encoding="utf-8")
    job = Job(str(src), "0" * 64, RunSettings(limits=Limits(seconds=1)))
    done: list[dict[str, int]] = []

    def run() -> None:
        store = RunStore(tmp_path / "store.sqlite")
        try:
            done.append(process(job, store, crawl)[1])
            rejects = [r for part in store.parts(job.name, job.sha, job.key) for r in part.rejects]
            done.append(rejects)  # type: ignore[arg-type]
        finally:
            store.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive() and len(done) == 2
    (reject,) = done[1]  # type: ignore[misc]
    assert reject["reason"].startswith("超出限制「每个文件的处理时间（秒）」")  # type: ignore[index]
    assert "(raise it with --max-seconds)" in reject["reason"]  # type: ignore[index]
