"""Real OCR text, as archives publish it, read against golden truth.

``tests/fixtures/ocr_text`` holds six golden forms rendered as plain scans and read back by
real RapidOCR (``eval/make_ocr_text.py``), written three ways: a box per line, a visual line
spaced, and glued. The expected records are the golden labels, changed only where the OCR
text lacks what the truth says (a dropped ``≥``, a dropped ``%``). The floors sit a little
below what the parser reads today, so a change that loses real OCR pages fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from jixiao.evaluate import command

FIXTURES = Path(__file__).parent / "fixtures" / "ocr_text"

#: Indicator-field accuracy per rendering: measured 0.959 / 0.963 / 0.913 when the floors were
#: set (0.770 / 0.826 / 0.678 before a cell's wrapped lines were joined, ``parse.wrapped_lines``).
FLOORS = {"ocr_text_boxes": 0.94, "ocr_text_spaced": 0.95, "ocr_text_glued": 0.89}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Stand-in for the jixiao app."""

    app.command("eval")(command.eval_command)
    out = tmp_path_factory.mktemp("ocr_eval")
    args = ["eval", str(FIXTURES), "--out", str(out), "--history", str(out / "h.sqlite"), "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    (path,) = out.glob("eval-*.json")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("layout", sorted(FLOORS))
def test_ocr_text_reads_above_floor(report: dict, layout: str) -> None:
    scored = report["layouts"][layout]["fields_indicator"]
    assert scored >= FLOORS[layout], f"{layout}: {scored:.3f} < {FLOORS[layout]}"


def test_every_ocr_form_is_found(report: dict) -> None:
    counts = report["overall"]["counts"]
    assert counts["forms_matched"] == counts["forms_expected"], counts


def test_ocr_headers_read(report: dict) -> None:
    assert report["overall"]["fields_form"] >= 0.89  # measured 0.912 (0.889 before wraps joined)
