"""The row-of-cells shape every layout produces."""

from __future__ import annotations

from dataclasses import dataclass, field

from jixiao.schema import Cell

#: Every kind of blank a rendering pads cells with (ASCII, U+3000, NBSP, zero-width, BOM).
BLANKS = " \t\u3000\u00a0\u200b\ufeff"


@dataclass(slots=True)
class Row:
    """One table row (or one label/value group) with its cells in order (not to be mutated).

    ``texts`` holds each cell's text stripped of blanks, computed once: the parser asks for it
    many times per row.
    """

    cells: list[Cell] = field(default_factory=list)
    texts: list[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.texts = [c.text.strip(BLANKS) for c in self.cells]

    @property
    def line(self) -> int | None:
        """The source line the row starts on."""
        return self.cells[0].line if self.cells else None

    def nonempty(self) -> list[Cell]:
        """The cells that hold something."""
        return [c for c, t in zip(self.cells, self.texts, strict=True) if t]


def clean(text: str) -> str:
    """Trim every kind of blank (ASCII, U+3000, NBSP) from both ends."""
    return text.strip(BLANKS)
