"""Markdown / web-page text with ``|``-separated cells, one row per line."""

from __future__ import annotations

import re

from jixiao.grammar import Row, clean
from jixiao.schema import Cell

NAME = "pipe_rows"
POSITIONAL = False
_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
#: Markdown syntax around a cell's content: a heading mark on a line of its own (``## 标题``),
#: bold over a label or a cell (``**项目名称**：…``, ``| **一级指标** |``; never over a
#: template's ``≥**%``), a line break inside a cell (``<br>``).
_HEADING_MARK = re.compile(r"^\s*#{1,6}\s+")
_EMPHASIS = re.compile(r"(\*\*|__)(?=[^\s*_])([^*_≥≤<>=%％]+?)(?<=\S)\1")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


#: A cell separator: a bar Markdown has not escaped (``\|`` is a bar inside a cell).
_BAR = re.compile(r"(?<!\\)\|")


def _unmark(text: str) -> str:
    """A cell's text without its Markdown syntax."""
    if "\\|" in text:
        text = text.replace("\\|", "|")
    if "<" in text:
        text = _BREAK.sub("\n", text)
    if "*" in text or "_" in text:
        text = _EMPHASIS.sub(r"\2", text)
    return text


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
        if "#" in line and "|" not in line:
            line = _HEADING_MARK.sub("", line)
        parts = _BAR.split(line) if "\\|" in line else line.split("|")
        if line.strip().startswith("|"):
            parts = parts[1:]
        if line.strip().endswith("|"):
            parts = parts[:-1]
        cells = [Cell(text=_unmark(t), line=i, col=j) for j, t in enumerate(parts)]
        while len(cells) > 1 and not clean(cells[-1].text):
            cells.pop()
        out.append(Row(cells))
    return out
