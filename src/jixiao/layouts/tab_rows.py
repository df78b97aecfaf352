"""PDF/OCR text dumps with one table row per line and tab-separated cells."""

from __future__ import annotations

from jixiao.grammar import Row, clean
from jixiao.schema import Cell

NAME = "tab_rows"
POSITIONAL = True


def detect(lines: list[str]) -> float:
    """Share of non-blank lines that hold a tab between two cells."""
    body = [ln for ln in lines if ln.strip()]
    if not body:
        return 0.0
    tabbed = sum(1 for ln in body if "\t" in ln.strip("\t ") or ln.startswith("\t\t"))
    return tabbed / len(body)


def rows(lines: list[str], first: int = 1) -> list[Row]:
    """One row per non-blank line; separator lines (``-----``) are skipped."""
    out: list[Row] = []
    for i, line in enumerate(lines, first):
        if not line.replace("\t", "").strip().strip("-—"):
            continue  # blank, or a rule line (``-----``)
        parts = line.split("\t")
        while len(parts) > 1 and not clean(parts[-1]):
            parts.pop()
        out.append(Row([Cell(t, i, j) for j, t in enumerate(parts)]))
    return out
