"""Plain text with cells separated by runs of blanks: the fallback when nothing else fits."""

from __future__ import annotations

import re

from jixiao.grammar import Row
from jixiao.schema import Cell

NAME = "space_rows"
POSITIONAL = False
_SPLIT = re.compile(r"[ \u3000\u00a0]+")


def detect(lines: list[str]) -> float:
    """A low constant: any text can be read this way, so it only wins when nothing else does."""
    return 0.2 if any(ln.strip() for ln in lines) else 0.0


def rows(lines: list[str], first: int = 1) -> list[Row]:
    """Split each line on blank runs: in these renderings one blank separates two cells.

    Long texts broken this way are joined again by their label (see ``parse._read_header``).
    """
    out: list[Row] = []
    for i, line in enumerate(lines, first):
        if not line.strip():
            continue
        parts = [p for p in _SPLIT.split(line.strip()) if p]
        out.append(Row([Cell(text=t, line=i, col=j) for j, t in enumerate(parts)]))
    return out
