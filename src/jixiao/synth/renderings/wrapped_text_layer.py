"""The text layer of a table whose narrow cells wrap, laid out by each line's height.

A PDF table (or a scan of one) prints every cell vertically centred in its row. When a cell
wraps onto 1–4 lines, its lines sit above and below the row's middle, where the one-line
cells stand: a name over two lines puts its first half on a line *before* the row's values
and its end on a line *after* them; a name over three lines keeps its middle on the values'
line. Several wrapped cells in one row nest (a level-2 name over two lines inside a name
over four). This module lays each row out geometrically — cell ``c`` with ``n`` lines puts
line ``k`` at height ``2k − (n − 1)`` half-lines from the row's middle — and prints the text
as the usual extractors give it (checked against tables printed to PDF by headless
Chromium and read back; ``tests/fixtures/text_layers``):

* ``lines`` (``pdfplumber``'s ``extract_text``): one line per height, its pieces left to
  right joined by one blank;
* ``layout`` (``pdftotext -layout``): the same lines with each piece centred in its column,
  so the blanks between pieces are column gaps of any width;
* ``stream`` (``pdftotext -raw``, content-stream order): cell after cell, each wrapped line
  of a cell on its own line, pieces on one height that follow each other joined by a blank;
* ``ocr``: lines as in ``lines`` but with the small, uneven gaps OCR leaves (one or two
  blanks, an ideographic space), lines indented a little.

A quarter of the tables align their cells to the top instead (Word's default): the row's
first line holds every cell's first line, the wrapped rest follows under it. The header's
labels stand in a narrow column too: ``项目名`` / ``称`` around a value on one line,
``年度绩效`` / ``目标`` beside a goal over two lines. A third of the tables print the unit in
a 计量单位 column of its own, empty for a target in words.

Names, level names and the caption wrap; targets and weights never do (a narrow cell breaks
between characters; a number or Latin word is never cut). The header is printed one label
and its value per line. The truth is the base form: every piece is printed, nothing is lost.
"""

from __future__ import annotations

import random
from typing import Any

from jixiao.synth.renderings.base import (
    SHORT_HEADER,
    Record,
    fmt,
    keep_header,
    plain_name_ok,
    target,
    width,
)

NAME = "wrapped_text_layer"

FLAVOURS = ("lines", "layout", "stream", "ocr")
#: Pieces of one printed line: (height in half-lines, column, text).
Piece = tuple[int, int, str]


def item_ok(item: Any) -> bool:
    value = str(item.value)
    return plain_name_ok(str(item.name)) and " " not in value and len(value) <= 8


def wrap(text: str, width: int) -> list[str]:
    """``text`` broken as a narrow cell breaks it: ``width`` characters a line, never inside
    a run of Latin letters or digits (``OA``, ``2023``)."""
    lines: list[str] = []
    while len(text) > width:
        cut = width
        while cut > 1 and _alnum(text[cut - 1]) and _alnum(text[cut]):
            cut -= 1
        if cut == 1 and _alnum(text[0]) and _alnum(text[1]):
            cut = width  # a Latin word wider than the cell: broken where it must be
        lines.append(text[:cut])
        text = text[cut:]
    return [*lines, text] if text else lines


def _alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def place(cells: list[list[str]], top: bool = False) -> list[Piece]:
    """One row's pieces: cell ``c``'s line ``k`` of ``n`` at height ``2k - (n - 1)``, or at
    ``2k`` in a table whose cells are aligned to the top (Word's default)."""
    out: list[Piece] = []
    for col, lines in enumerate(cells):
        n = 1 if top else len(lines)
        out += [(2 * k - (n - 1), col, text) for k, text in enumerate(lines) if text]
    return out


def by_height(pieces: list[Piece]) -> list[list[Piece]]:
    """The printed lines of one row, top to bottom, each left to right."""
    heights = sorted({h for h, _c, _t in pieces})
    return [sorted((p for p in pieces if p[0] == h), key=lambda p: p[1]) for h in heights]


def _layout_line(pieces: list[Piece], x0: list[int], span: list[int]) -> str:
    """Pieces centred in their columns, as ``pdftotext -layout`` prints them."""
    line = ""
    for _h, col, text in pieces:
        start = x0[col] + max(0, (span[col] - width(text)) // 2)
        gap = max(1, start - width(line)) if line else start
        line += " " * gap + text
    return line


def _stream(pieces: list[Piece]) -> list[str]:
    """Content-stream order: cell by cell, top to bottom; pieces that follow each other on
    one height are joined by a blank (``pdftotext -raw``)."""
    ordered = sorted(pieces, key=lambda p: (p[1], p[0]))
    lines: list[str] = []
    last: int | None = None
    for h, _col, text in ordered:
        if lines and h == last:
            lines[-1] += " " + text
        else:
            lines.append(text)
        last = h
    return lines


def _ocr_line(pieces: list[Piece], rng: random.Random) -> str:
    indent = " " * rng.choice((0, 0, 1, 2))
    out = pieces[0][2]
    for _h, _col, text in pieces[1:]:
        out += rng.choice((" ", " ", "  ", "\u3000")) + text
    return indent + out


class _Table:
    """Columns of given widths (characters; ``None``: never wraps) printed in one flavour."""

    def __init__(self, widths: list[int | None], flavour: str, top: bool = False) -> None:
        self.flavour = flavour
        self.top = top
        self.widths = widths
        span = [2 * (w or 9) + 2 for w in widths]
        x0 = [1]
        for s in span[:-1]:
            x0.append(x0[-1] + s)
        self.span, self.x0 = span, x0

    def row(self, cells: list[str], rng: random.Random, wrapping: bool = True) -> list[str]:
        parts = [
            wrap(text, w) if wrapping and w else [text]
            for text, w in zip(cells, self.widths, strict=True)
        ]
        return self.lines(parts, rng)

    def lines(self, parts: list[list[str]], rng: random.Random) -> list[str]:
        pieces = place(parts, self.top)
        if self.flavour == "stream":
            return _stream(pieces)
        lines = by_height(pieces)
        if self.flavour == "layout":
            return [_layout_line(ps, self.x0, self.span) for ps in lines]
        if self.flavour == "ocr":
            return [_ocr_line(ps, rng) for ps in lines]
        return [" ".join(t for _h, _c, t in ps) for ps in lines]


def _two_lines(text: str) -> list[str]:
    """A long value wrapped over two lines of its cell (one line when it is short)."""
    for w in range(max(1, -(-len(text) // 2)), len(text) + 1):
        lines = wrap(text, w)
        if len(lines) <= 2:
            return lines
    return [text]


def _header(rec: Record, flavour: str, rng: random.Random) -> list[str]:
    """Header rows in a narrow label column: ``项目名`` / ``称`` around a one-line value at
    three characters; ``年度绩效目标`` over two lines beside its goal over two."""
    width = rng.choice((3, 4, 6, 6))
    table = _Table([width, None], flavour)
    out: list[str] = []
    for label, value in (
        ("项目名称", str(rec["project_name"])),
        ("主管部门", str(rec["department"])),
        ("资金总额", fmt(rec["budget_total"])),
        ("年度绩效目标", str(rec["annual_goal"])),
    ):
        head = wrap(label, width)
        if len(head) == 1:
            out.append(_header_line(label, value, flavour, rng))
            continue
        long = label == "年度绩效目标" and len(head) == 2  # a goal wraps, a name fits
        out += table.lines([head, _two_lines(value) if long else [value]], rng)
    return out


def _indicator_table(inds: list[Record], flavour: str, rng: random.Random) -> list[str]:
    """The heading and one table row per indicator; sometimes a 计量单位 column (empty for a
    target in words), sometimes the unit printed with the number."""
    longest = max(len(str(i["name"])) for i in inds)
    widths: list[int | None] = [
        rng.choice((4, 5, 5)),  # 一级指标: 满意度指标 may wrap at four
        rng.choice((4, 5, 6, 9)),  # 二级指标: 社会效益指标, 服务对象满意度指标 wrap
        max(rng.randint(5, 10), -(-longest // 4)),  # 三级指标: at most four lines
        None,
    ]
    units = rng.random() < 0.35
    heads = ["一级指标", "二级指标", "三级指标", "指标值"]
    if units:
        widths.append(None)
        heads.append("计量单位")
    widths.append(None)
    heads.append("权重")
    table = _Table(widths, flavour, top=rng.random() < 0.25)
    out = table.row(heads, rng, wrapping=False)
    for ind in inds:
        cells = [str(ind["level1"]), str(ind["level2"] or ""), str(ind["name"])]
        if units:
            cells += [target(ind, unit=False), str(ind["unit"] or "")]
        else:
            cells.append(target(ind))
        out += table.row([*cells, str(ind["weight"])], rng)
    return out


def _header_line(label: str, value: str, flavour: str, rng: random.Random) -> str:
    if flavour == "layout":
        return f" {label}" + " " * rng.randint(3, 12) + value
    if flavour == "ocr":
        return label + rng.choice((" ", "  ", "\u3000")) + value
    return f"{label} {value}"


def render(forms: list[Record], rng: random.Random) -> str:
    out: list[str] = []
    for rec in forms:
        flavour = rng.choice(FLAVOURS)
        title = str(rec["title"])
        out += ["", " " * 16 + title if flavour == "layout" else title, "单位：万元"]
        out += _header(rec, flavour, rng)
        out += _indicator_table(rec["indicators"], flavour, rng)
        keep_header(rec, SHORT_HEADER)
    return "\n".join(out) + "\n"
