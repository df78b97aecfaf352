"""Web-page text with one cell per line ending in ``|`` and a bare ``|`` line between rows."""

from __future__ import annotations

import re

from jixiao.grammar import Row
from jixiao.schema import Cell

NAME = "pipe_cells"
POSITIONAL = False  # merged cells vanish in this rendering: match cells by order and content
_BARE = re.compile(r"^\s*\|[\s|]*$")
_CELL = re.compile(r"^(?P<text>[^|]*?)\s*\|[\s|]*$")


def detect(lines: list[str]) -> float:
    """Share of non-blank lines that are one cell closed by ``|`` (or a bare ``|``)."""
    body = [ln for ln in lines if ln.strip()]
    if not body:
        return 0.0
    piped = [ln for ln in body if "|" in ln]  # no pipe, no match: skip the regexes
    cells = sum(1 for ln in piped if _CELL.match(ln) or _BARE.match(ln))
    bare = sum(1 for ln in piped if _BARE.match(ln))
    return cells / len(body) if bare >= 2 else 0.0


def rows(lines: list[str], first: int = 1) -> list[Row]:
    """Each run of cell lines between bare ``|`` lines is a row; other lines are rows of one."""
    out: list[Row] = []
    current: list[Cell] = []

    def flush() -> None:
        if current:
            out.append(Row(list(current)))
            current.clear()

    for i, line in enumerate(lines, first):
        if not line.strip():
            continue
        if _BARE.match(line):
            flush()
            continue
        m = _CELL.match(line)
        if m:
            current.append(Cell(text=m.group("text"), line=i, col=len(current)))
        else:  # free text (a title, a date) stands alone
            flush()
            out.append(Row([Cell(text=line, line=i, col=0)]))
    flush()
    return out
