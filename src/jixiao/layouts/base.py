"""The row-of-cells shape every layout produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from jixiao.schema import Cell


@dataclass
class Row:
    """One table row (or one label/value group) with its cells in order (not to be mutated)."""

    cells: list[Cell] = field(default_factory=list)

    @property
    def line(self) -> int | None:
        """The source line the row starts on."""
        return self.cells[0].line if self.cells else None

    @cached_property
    def _texts(self) -> list[str]:
        return [clean(c.text) for c in self.cells]

    def texts(self) -> list[str]:
        """The cells' texts, stripped of blanks (including U+3000)."""
        return self._texts

    def nonempty(self) -> list[Cell]:
        """The cells that hold something."""
        return [c for c, t in zip(self.cells, self._texts, strict=True) if t]


def clean(text: str) -> str:
    """Trim every kind of blank (ASCII, U+3000, NBSP) from both ends."""
    return text.strip(" \t\u3000\u00a0\u200b\ufeff")
