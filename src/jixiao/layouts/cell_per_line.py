"""Word-table dumps with one cell per line (tab-indented) and a blank line between rows."""

from __future__ import annotations

from jixiao.grammar import Row
from jixiao.schema import Cell

NAME = "cell_per_line"
POSITIONAL = True


def detect(lines: list[str]) -> float:
    """Share of non-blank lines that are a single tab-indented cell."""
    body = [ln for ln in lines if ln.strip(" \u3000")]
    if not body:
        return 0.0
    single = sum(1 for ln in body if ln.startswith("\t") and "\t" not in ln[1:])
    return single / len(body)


def rows(lines: list[str], first: int = 1) -> list[Row]:
    """Each run of non-empty lines is a row; each line in it is a cell."""
    out: list[Row] = []
    current: list[Cell] = []
    for i, line in enumerate(lines, first):
        if line == "":
            if current:
                out.append(Row(current))
                current = []
            continue
        text = line[1:] if line.startswith("\t") else line
        current.append(Cell(text, i, len(current)))
    if current:
        out.append(Row(current))
    return out
