"""Rows of an unruled table (no ruling lines), from text boxes: the geometry the PDF and OCR
readers share. Measured on real producers by ``eval/bench_pdf_producers.py``; here the two
cases that decide a row's end are drawn by hand, in points, a 10-point font."""

from __future__ import annotations

from jixiao.ingest.readers.geometry import Box, Line, pieces_text, unruled_rows

H = 10.0  # text height
COLS = (0.0, 200.0, 260.0)  # name, value, unit: the name column is 200 points wide


def line(top: float, *cells: tuple[int, str]) -> Line:
    """A text line: each cell at its column's left edge, 10 points a character."""
    return Line([Box(COLS[c], top, COLS[c] + H * len(t), top + H, t) for c, t in cells])


def texts(rows: list) -> list[list[str]]:
    return [[pieces_text(p) for p in row] for row in rows]


def test_tight_rows_of_short_cells_stay_rows() -> None:
    """Chromium prints an unruled html table with 2 points between rows: the next row's
    name sits under a short name, so it is a new row, not a wrapped line of the row above."""
    lines = [
        line(0, (0, "现场督查次数"), (1, "200"), (2, "次")),
        line(12, (0, "建议提案办理率"), (1, "100"), (2, "%")),
        line(24, (0, "网站正常运行率"), (1, "95"), (2, "%")),
    ]
    assert texts(unruled_rows(lines)) == [
        ["现场督查次数", "200", "次"],
        ["建议提案办理率", "100", "%"],
        ["网站正常运行率", "95", "%"],
    ]


def test_a_name_wrapped_to_the_column_edge_continues() -> None:
    """A name that ran to its column's edge wraps onto the next line, alone or beside
    another wrapped cell: one row."""
    full = "督查督办重点工作任务及领导批示件办结"  # 18 characters: to the value column
    lines = [
        line(0, (0, full), (1, "200"), (2, "次")),
        line(12, (0, "率")),
        line(30, (0, "建议提案办理率"), (1, "100"), (2, "%")),
    ]
    rows = texts(unruled_rows(lines))
    assert rows[0][0].replace(" ", "") == full + "率"
    assert rows[1] == ["建议提案办理率", "100", "%"]
