"""Markdown / web-page text with ``|``-separated cells, one row per line."""

from __future__ import annotations

import re

from jixiao.grammar import Row, clean
from jixiao.schema import Cell

NAME = "pipe_rows"
POSITIONAL = False
_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def detect(lines: list[str]) -> float:
    """Share of non-blank lines with two or more pipes, or a markdown rule line."""
    body = [ln for ln in lines if ln.strip()]
    if not body:
        return 0.0
    piped = sum(1 for ln in body if ln.count("|") >= 2 or ("--" in ln and _RULE.match(ln)))
    return 0.95 * piped / len(body)


def rows(lines: list[str], first: int = 1) -> list[Row]:
    """Split each line on ``|``; drop the empty edge cells markdown adds and rule lines."""
    out: list[Row] = []
    for i, line in enumerate(lines, first):
        if not line.strip() or _RULE.match(line):
            continue
        parts = line.split("|")
        if line.strip().startswith("|"):
            parts = parts[1:]
        if line.strip().endswith("|"):
            parts = parts[:-1]
        cells = [Cell(text=t, line=i, col=j) for j, t in enumerate(parts)]
        while len(cells) > 1 and not clean(cells[-1].text):
            cells.pop()
        out.append(Row(cells))
    return out
