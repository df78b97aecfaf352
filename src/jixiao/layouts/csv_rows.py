"""Spreadsheets saved as CSV: one table row per record, cells separated by commas.

Excel pads every row to the sheet's width (``项目支出绩效目标表,,,,``), so a cell's position
is its column; a cell holding a comma, a quote or a line break is quoted (``"保证运转,提高效率"``,
a doubled ``""`` inside), and a quoted cell may run over several lines.
"""

from __future__ import annotations

import csv
import re
from collections import Counter

from jixiao.grammar import Row, clean
from jixiao.schema import Cell

NAME = "csv_rows"
POSITIONAL = True
#: Quoted cells, so that the commas inside them are not counted as separators.
_QUOTED = re.compile(r'"(?:[^"]|"")*"')


def _separators(line: str) -> int:
    return _QUOTED.sub("", line).count(",")


def detect(lines: list[str]) -> float:
    """Share of non-blank lines with two or more commas outside quotes, when they are rows of
    few widths (a sheet per form): 0 below one half, for fewer than three such lines, or when
    no three widths hold half of them (prose or a glued page with ASCII commas is no CSV)."""
    body = [ln for ln in lines if ln.strip()]
    if not body:
        return 0.0
    # A tab or pipe table (its cells may hold commas) is none; a page's menu line is no table.
    if sum("\t" in ln or ln.count("|") >= 2 for ln in body[:50]) > 2:
        return 0.0
    widths = Counter(n for n in map(_separators, body) if n >= 2)
    rows = sum(widths.values())
    if rows < 3 or rows < len(body) / 2 or sum(c for _, c in widths.most_common(3)) < rows / 2:
        return 0.0
    return 0.96 * rows / len(body)


#: A quoted cell over more lines than this is a stray quote, not a cell: lines are read alone.
_MAX_SPAN = 20


def _records(lines: list[str], first: int) -> list[tuple[int, list[str]]]:
    """(source line, cells) per record; a quoted cell may span lines."""
    out: list[tuple[int, list[str]]] = []
    reader = csv.reader(f"{ln}\n" for ln in lines)
    start = first
    for record in reader:
        if first + reader.line_num - start > _MAX_SPAN:
            raise csv.Error("a quoted cell runs on too far")
        out.append((start, record))
        start = first + reader.line_num
    return out


def _alone(line: str) -> list[str]:
    """One line's cells, read without the lines around it (commas split a broken quote)."""
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return line.split(",")


def rows(lines: list[str], first: int = 1) -> list[Row]:
    """One row per record; empty trailing cells dropped. A quote left open (a stray ``"``)
    leaves each line a record of its own."""
    try:
        records = _records(lines, first)
    except csv.Error:
        records = [(i, _alone(ln)) for i, ln in enumerate(lines, first)]
    out: list[Row] = []
    for line, record in records:
        if not any(clean(t) for t in record):
            continue
        while len(record) > 1 and not clean(record[-1]):
            record.pop()
        out.append(Row([Cell(t, line, j) for j, t in enumerate(record)]))
    return out
