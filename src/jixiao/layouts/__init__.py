"""Layouts: how a text rendering lays a table out as lines, turned into rows of cells.

Each layout module defines ``NAME``, ``detect(lines) -> float`` (0..1, how well the text fits)
and ``rows(lines, first=1) -> list[Row]`` (``first``: the source line number of ``lines[0]``).
Everything after this point (forms, labels, columns) is read from what the form itself says, so a new rendering is one new module here and one
entry in ``REGISTRY``, touching no other layout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jixiao.grammar import Row
from jixiao.layouts import (
    cell_per_line,
    csv_rows,
    glued,
    pipe_cells,
    pipe_rows,
    space_rows,
    tab_rows,
)


@dataclass(frozen=True)
class Layout:
    """A registered layout: its name, detection score and row splitter."""

    name: str
    detect: Callable[[list[str]], float]
    rows: Callable[[list[str], int], list[Row]]
    positional: bool  # empty cells kept, so a cell's position is its column


REGISTRY: list[Layout] = [
    Layout(m.NAME, m.detect, m.rows, m.POSITIONAL)
    for m in (cell_per_line, tab_rows, pipe_cells, pipe_rows, csv_rows, space_rows, glued)
]


def choose(lines: list[str]) -> tuple[Layout, float]:
    """The best-scoring layout for these lines (ties go to the earlier entry)."""
    scored = [(layout.detect(lines), i, layout) for i, layout in enumerate(REGISTRY)]
    score, _, layout = max(scored, key=lambda t: (t[0], -t[1]))
    return layout, score


__all__ = ["REGISTRY", "Layout", "Row", "choose"]
