"""The shape every reader emits: rows of cells, numbered as lines of the document's text.

A reader walks its document in reading order and calls ``para`` for text outside tables and
``table`` for each table's grid. Line numbers are the row's position in that sequence, and
``text()`` renders one line per row, so a cell's ``line`` points into the text the pipeline
gets (in-cell line breaks become spaces there; the cells keep them).
"""

from __future__ import annotations

from collections.abc import Sequence

from jixiao import limits
from jixiao.grammar import Row, clean
from jixiao.ingest.decode import fold_radicals
from jixiao.schema import Cell


class RowBuilder:
    """Collects rows in reading order and numbers them."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        #: What a reader carries from one page to the next: a scanned table continued on a
        #: new page without its heading row keeps the column roles read on the first page.
        self.carry: dict[str, object] = {}

    @property
    def next_line(self) -> int:
        return len(self.rows) + 1

    def para(self, text: str) -> None:
        """A paragraph: one row; tab-separated parts (``编制单位：X\\t单位：万元``) become cells."""
        text = fold_radicals(text.replace("\r", ""))
        self.add_cells([p.strip() for p in text.split("\t") if clean(p)])

    def table(self, grid: Sequence[Sequence[str]]) -> None:
        """A table's rows, full width; a merged cell's text stands once, the cells it covers are empty.

        Trailing empty cells are kept: in a grid they are empty cells, not a cut-off row.
        """
        width = max((len(r) for r in grid), default=0)
        limits.check_grid("", len(grid), width)
        for grid_row in grid:
            _check_cells(grid_row)
            if not any(clean(t) for t in grid_row):
                continue
            line = self.next_line
            texts = [*map(fold_radicals, grid_row), *[""] * (width - len(grid_row))]
            self.rows.append(Row([Cell(text=t, line=line, col=i) for i, t in enumerate(texts)]))

    def add_cells(self, texts: Sequence[str], cls: type[Cell] = Cell, **extra: object) -> None:
        """One row of cells in column order, trailing empty cells dropped."""
        texts = [fold_radicals(t) for t in texts]
        _check_cells(texts)
        while texts and not clean(texts[-1]):
            texts.pop()
        if not texts:
            return
        line = self.next_line
        self.rows.append(Row([cls(text=t, line=line, col=i) for i, t in enumerate(texts)]))

    def add_row(self, cells: Sequence[Cell]) -> None:
        """A row built by the caller (cells of a subclass carrying box and confidence)."""
        if any(clean(c.text) for c in cells):
            self.rows.append(Row(list(cells)))

    def text(self) -> str:
        """One line per row, cells joined by tabs: the evidence text for cross-row checks."""
        return "\n".join(
            "\t".join(c.text.replace("\n", " ") for c in row.cells) for row in self.rows
        )


def _check_cells(texts: Sequence[str]) -> None:
    """No cell longer than the ``cell_chars`` limit (the rules are not linear in a cell)."""
    longest = max((len(t) for t in texts), default=0)
    limits.check("", "cell_chars", longest)


def resolve_spans(
    nrows: int, ncols: int, spans: Sequence[tuple[int, int, int, int, str]]
) -> list[list[str]]:
    """``(row, col, rowspan, colspan, text)`` spans → a text grid, text in the top-left only."""
    grid = [[""] * ncols for _ in range(nrows)]
    for row, col, _rs, _cs, text in spans:
        if 0 <= row < nrows and 0 <= col < ncols:
            grid[row][col] = text
    return grid
