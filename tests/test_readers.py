"""Readers: golden records rendered to each format, read back, scored against the truth.

Each format must lose (almost) nothing against ``ideal`` (the rows a perfect reader emits),
so a reader regression shows as a drop here, separate from parser accuracy. Bad files must
be rejected with a reason. OCR cases that read a whole form are ``slow``.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import GOLDEN, golden_records, needs_cjk_font, needs_truetype_cjk_font

from jixiao import defects
from jixiao.errors import InputError
from jixiao.evaluate.score import SCORED_FORM_FIELDS, SCORED_INDICATOR_FIELDS, Score, score_case
from jixiao.ingest import readers
from jixiao.ingest.readers import geometry, ocr
from jixiao.ingest.readers.html import read_html
from jixiao.ingest.readers.xlsx import number_text
from jixiao.pipeline import normalize_rows
from jixiao.synth import render

#: A project form with breakdown, a department form, 4 breakdown keys, level columns merged.
CASES = ("000_a0fb249f9976cb71", "004_5de54c583fead5ac", "real_nd19_fzw", "real_rc22_lvhua")
TEXT_FORMATS = (
    "docx",
    "xlsx",
    "html",
    pytest.param("pdf", marks=needs_truetype_cjk_font),
    pytest.param("pdf_plain", marks=needs_truetype_cjk_font),
)


def _records() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for case in CASES:
        out.extend(golden_records(case))  # type: ignore[arg-type]
    return out


def _score(records: list[dict[str, Any]], rows: Any, layout: str, text: str | None) -> Score:
    result = normalize_rows(rows, "t", None, layout, text)
    return score_case(records, [f.contract() for f in result.forms]).score


def _acc(score: Score) -> tuple[float, float]:
    form = score.group_accuracy(SCORED_FORM_FIELDS).value or 0.0
    ind = score.group_accuracy(SCORED_INDICATOR_FIELDS).value or 0.0
    return form, ind


@pytest.fixture(scope="module")
def ideal() -> tuple[float, float]:
    """Accuracy with a perfect reader: the parser's own ceiling on these cases."""
    records = _records()
    return _acc(_score(records, render.ideal_rows(records), "ideal", None))


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_rendered_format_reads_back_as_well_as_ideal(
    fmt: str, ideal: tuple[float, float], tmp_path: Path
) -> None:
    records = _records()
    path = tmp_path / f"forms{render.FORMATS[fmt]}"
    path.write_bytes(render.render(records, fmt))
    got = readers.read_rows(path.read_bytes(), path.name)
    assert got is not None
    rows, layout = got
    form, ind = _acc(_score(records, rows, layout, None))
    assert form >= 0.99 and ind >= 0.97
    assert form >= ideal[0] - 0.01 and ind >= ideal[1] - 0.005


@pytest.mark.parametrize("fmt", ("docx", "xlsx", "html"))
def test_structured_formats_give_exactly_the_ideal_rows(fmt: str) -> None:
    records = golden_records("004_5de54c583fead5ac")
    rows, _layout, _text = readers.read(render.render(records, fmt), "t")
    got = [[c.text for c in r.cells if c.text] for r in rows]
    want = [[c.text for c in r.cells if c.text] for r in render.ideal_rows(records)]
    assert got == want


def test_merged_cells_text_once_continuation_empty() -> None:
    records = golden_records("004_5de54c583fead5ac")[:1]
    rows, _, _ = readers.read(render.to_docx(records), "t")
    heading = next(i for i, r in enumerate(rows) if r.texts[:2] == ["一级指标", "二级指标"])
    level1 = [r.texts[0] for r in rows[heading + 1 :]]
    assert level1[0] == "产出指标"
    assert level1[1:4] == ["", "", ""]  # the merged cell's text once, then empty cells
    assert all(len(r.cells) == 7 for r in rows[heading:])


def test_cell_lines_index_the_evidence_text() -> None:
    rows, _, text = readers.read(render.to_xlsx(golden_records("real_nd19_fzw")), "t")
    lines = (text or "").split("\n")
    for row in rows:
        assert row.line is not None
        first = row.nonempty()[0]
        assert first.text.replace("\n", " ") in lines[row.line - 1]


# --------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("fmt", "want"),
    [
        ("docx", "docx"),
        ("xlsx", "xlsx"),
        ("html", "html"),
        pytest.param("pdf", "pdf", marks=needs_cjk_font),
        pytest.param("pdf_plain", "pdf", marks=needs_cjk_font),
    ],
)
def test_sniff_reads_bytes_not_names(fmt: str, want: str) -> None:
    assert readers.sniff(render.render(golden_records("real_gz23_food"), fmt)) == want


@pytest.mark.parametrize(
    ("data", "want"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"\x89PNG\r\n\x1a\nxxxx", "image"),
        (b"\xff\xd8\xff\xe0xxxx", "image"),
        (b"II*\x00xxxx", "image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1xxxx", "ole"),
        (b"<!DOCTYPE html><html><body><table>", "html"),
        ("\ufeff<table><tr><td>项目名称</td></tr></table>".encode(), "html"),
        ("项目名称\t政务督查\n<p>目标1</p>".encode(), "text"),
        ("部门专项绩效目标申报表".encode("gb18030"), "text"),
    ],
)
def test_sniff_cases(data: bytes, want: str) -> None:
    assert readers.sniff(data) == want


def test_read_rows_returns_none_for_text() -> None:
    data = (GOLDEN / "inputs" / "000_a0fb249f9976cb71.txt").read_bytes()
    assert readers.read_rows(data, "x.docx") is None  # the name lies; the bytes are text


def test_html_long_utf8_page_is_not_mistaken_for_text() -> None:
    # Regression: the first 8 KB cut a UTF-8 character in half and the page read as text.
    page = "<!DOCTYPE html><html><body>" + "<p>绩效目标</p>" * 2000 + "</body></html>"
    assert readers.sniff(page.encode("utf-8")) == "html"


# --------------------------------------------------------------------------- bad inputs


def _reason(data: bytes, name: str) -> str:
    with pytest.raises(InputError) as info:
        readers.read(data, name)
    assert info.value.file == name
    return info.value.reason


def test_corrupt_docx_is_rejected_with_reason() -> None:
    data = render.to_docx(golden_records("real_gz23_food"))
    assert "corrupt .docx" in _reason(data[: len(data) // 2], "bad.docx")


def test_docx_without_document_part_is_rejected() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/styles.xml", "<x/>")
    assert "corrupt .docx" in _reason(buf.getvalue(), "bad.docx")


def test_encrypted_pdf_is_rejected_with_reason() -> None:
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="secret")
    pdf.set_encryption("owner", user_password="user", encryption_method=EncryptionMethod.AES_128)
    assert "encrypted PDF" in _reason(bytes(pdf.output()), "locked.pdf")


def test_encrypted_office_and_legacy_doc_are_named() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
    assert "encrypted Office" in _reason(ole + "EncryptedPackage".encode("utf-16-le"), "a.docx")
    assert "legacy Word" in _reason(ole + "WordDocument".encode("utf-16-le"), "a.doc")


def test_zero_byte_image_is_rejected() -> None:
    assert "empty file (0 bytes)" in _reason(b"", "scan.png")


def test_truncated_image_is_rejected() -> None:
    png = io.BytesIO()
    from PIL import Image

    Image.new("L", (50, 50), 255).save(png, format="PNG")
    assert "corrupt or truncated image" in _reason(png.getvalue()[:40], "cut.png")


def test_corrupt_pdf_is_rejected() -> None:
    assert "corrupt PDF" in _reason(b"%PDF-1.4\n% nothing else", "bad.pdf")


def test_document_without_form_is_rejected() -> None:
    page = "<html><body><p>会议通知</p><table><tr><td>时间</td><td>地点</td></tr></table></body></html>"
    assert "no 绩效目标表" in _reason(page.encode(), "notice.html")


def test_blank_image_has_no_text() -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (800, 1100), 255).save(buf, format="PNG")
    assert "no text found" in _reason(buf.getvalue(), "blank.png")


@pytest.mark.slow
@needs_cjk_font
def test_image_with_text_but_no_form_is_rejected() -> None:
    from PIL import Image, ImageDraw, ImageFont

    path, index = render.find_font()
    page = Image.new("L", (1200, 500), 255)
    draw = ImageDraw.Draw(page)
    draw.text(
        (60, 60), "关于召开春季运动会的通知", font=ImageFont.truetype(path, 48, index), fill=0
    )
    draw.text(
        (60, 200), "各单位：定于四月十日举行。", font=ImageFont.truetype(path, 32, index), fill=0
    )
    buf = io.BytesIO()
    page.save(buf, format="PNG")
    assert "no 绩效目标表" in _reason(buf.getvalue(), "photo.png")


# --------------------------------------------------------------------------- html details


def test_html_chrome_dropped_spans_resolved_layout_table_walked() -> None:
    page = """<html><head><script>var x='项目名称';</script><style>p{}</style></head><body>
    <nav>项目名称 首页</nav><div style="display:none">项目名称 隐藏</div>
    <table><tr><td>
      <p>部门专项绩效目标申报表</p>
      <table>
        <tr><td>一级指标</td><td>三级指标</td><td>指标值</td></tr>
        <tr><td rowspan="2">产出指标</td><td>次数<br>（年度）</td><td>12</td></tr>
        <tr><td colspan="2">合计</td></tr>
      </table>
    </td></tr></table></body></html>"""
    rows = read_html(page.encode("utf-8"), "p.html").rows
    assert [r.texts for r in rows] == [
        ["部门专项绩效目标申报表"],
        ["一级指标", "三级指标", "指标值"],
        ["产出指标", "次数\n（年度）", "12"],
        ["", "合计", ""],
    ]


def test_html_gbk_page_with_meta_charset() -> None:
    page = '<html><head><meta charset="gb2312"></head><body><p>部门整体绩效目标表</p></body></html>'
    rows = read_html(page.encode("gb18030"), "g.html").rows
    assert rows[0].texts == ["部门整体绩效目标表"]


# --------------------------------------------------------------------------- xlsx details


@pytest.mark.parametrize(
    ("value", "text"), [(100.0, "100"), (126.73, "126.73"), (0.1 + 0.2, "0.3"), (7, "7")]
)
def test_xlsx_numbers_render_without_float_noise(value: float, text: str) -> None:
    assert number_text(value) == text


def test_xlsx_percent_format_reads_as_printed() -> None:
    from openpyxl import Workbook

    from jixiao.ingest.readers.xlsx import read_xlsx

    wb = Workbook()
    ws = wb.active
    ws["A1"] = 0.9
    ws["A1"].number_format = "0%"
    ws["B1"] = 20.0
    buf = io.BytesIO()
    wb.save(buf)
    assert read_xlsx(buf.getvalue(), "p.xlsx").rows[0].texts == ["90%", "20"]


def test_xlsx_several_forms_on_one_sheet() -> None:
    records = golden_records("real_tjhb23_court")  # two forms
    rows, layout, text = readers.read(render.to_xlsx(records, forms_per_sheet=2), "two.xlsx")
    assert len(normalize_rows(rows, "two.xlsx", None, layout, text).forms) == 2


# --------------------------------------------------------------------------- geometry


def _line(*parts: tuple[float, str], top: float = 0.0) -> geometry.Line:
    return geometry.Line([geometry.Box(x, top, x + 10 * len(t), top + 10, t) for x, t in parts])


def test_join_lines_wrap_versus_paragraph_break() -> None:
    wrapped = [_line((0, "一二三四五六七八九十")), _line((0, "十一"), top=14)]
    assert geometry.join_lines(wrapped, right=100) == "一二三四五六七八九十十一"
    items = [_line((0, "目标1:甲；")), _line((0, "目标2:乙"), top=14)]
    assert geometry.join_lines(items, right=100) == "目标1:甲；\n目标2:乙"


def test_grid_cells_reads_merged_rectangles() -> None:
    rects = [(0, 0, 50, 20), (50, 0, 100, 10), (50, 10, 100, 20)]
    nrows, ncols, placed = geometry.grid_cells(rects, tol=2)
    assert (nrows, ncols) == (2, 2)
    assert placed[0][:4] == (0, 0, 2, 1)  # a rowspan of 2


# --------------------------------------------------------------------------- OCR


def test_ocr_vocabulary_repairs_only_what_it_proves() -> None:
    assert ocr.repair_text("主管部内") == "主管部门"
    assert ocr.repair_text("其中：财政拔款") == "其中：财政拨款"
    assert ocr.repair_text("现场督查次数") is None  # an indicator name: not vocabulary
    assert ocr.repair_text("人") is None  # too short to prove anything
    assert ocr.repair_unit("平方未") == "平方米"
    assert ocr.repair_unit("人欠") is None  # 人次 or 人: one edit from both, nothing decides
    assert ocr.repair_unit("个") is None


@pytest.mark.slow
@needs_cjk_font
def test_scanned_form_reads_back_and_never_guesses_an_operator(tmp_path: Path) -> None:
    records = golden_records("000_a0fb249f9976cb71")[:1]
    path = tmp_path / "scan.jpg"
    path.write_bytes(render.render(records, "jpeg", seed=3))
    got = readers.read_rows(path.read_bytes(), path.name)
    assert got is not None
    rows, layout = got
    assert layout == "ocr"
    result = normalize_rows(rows, path.name, None, layout)
    ocr.annotate(result, rows)
    defects.ocr_confidence(result.forms, rows)
    form, ind = _acc(score_case(records, [f.contract() for f in result.forms]).score)
    assert form >= 0.85 and ind >= 0.8
    truth = records[0]["indicators"]
    for got_ind, want in zip(result.forms[0].indicators, truth, strict=True):
        assert got_ind.name_raw == want["name_raw"]
        assert got_ind.value == want["value"]
        if got_ind.operator != want["operator"]:
            assert got_ind.operator is None and "ocr_low_confidence" in got_ind.flags
    for row in rows:
        for cell in row.cells:
            assert isinstance(cell, ocr.OcrCell)


NOTO = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.mark.skipif(not NOTO.exists(), reason="fonts-noto-cjk not installed")
def test_pdf_text_pdfminer_cannot_decode_is_read_through_pdfium(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jixiao.ingest.readers.pdf import read_pdf

    monkeypatch.setenv(render.FONT_ENV, str(NOTO))  # fpdf2's CFF subsets: pdfminer sees no chars
    records = golden_records("real_nd19_fzw")
    data = render.to_pdf(records)
    builder, stats = read_pdf(data, "cff.pdf")
    assert stats["pdfium"] >= 1 and stats["ocr"] == 0
    form, ind = _acc(_score(records, builder.rows, "pdf", builder.text()))
    assert form >= 0.99 and ind >= 0.97


# --------------------------------------------------------------------------- through the CLI


def test_bad_documents_rejected_through_the_cli_and_good_forms_kept(tmp_path: Path) -> None:
    """Corrupt .docx, encrypted PDF, zero-byte and form-less images: one reject line each
    naming the file and the reason, exit 1, and every good form still written."""
    import json

    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod
    from PIL import Image
    from typer.testing import CliRunner

    from jixiao.cli import app

    src = tmp_path / "in"
    src.mkdir()
    good = golden_records("real_gz23_food")
    (src / "good.docx").write_bytes(render.to_docx(good))
    whole = render.to_docx(good)
    (src / "corrupt.docx").write_bytes(whole[: len(whole) // 2])
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="secret")
    pdf.set_encryption("owner", user_password="user", encryption_method=EncryptionMethod.AES_128)
    (src / "locked.pdf").write_bytes(bytes(pdf.output()))
    (src / "zero.png").write_bytes(b"")
    blank = io.BytesIO()
    Image.new("L", (800, 1100), 255).save(blank, format="PNG")
    (src / "blank.png").write_bytes(blank.getvalue())
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["normalize", str(src), "-o", str(out), "-j", "1", "-q"])
    assert result.exit_code == 1
    rejects = [
        json.loads(x) for x in (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    reasons = {Path(r["file"]).name: r["reason"] for r in rejects if r.get("kind") == "file"}
    assert "corrupt .docx" in reasons["corrupt.docx"]
    assert "encrypted PDF" in reasons["locked.pdf"]
    assert "empty file" in reasons["zero.png"]
    assert "no text found" in reasons["blank.png"]
    assert sum(1 for r in rejects if Path(r["file"]).name in reasons) == 4  # one line each
    forms = (out / "forms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(forms) == len(good)
