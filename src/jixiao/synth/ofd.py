"""Test OFD files: rows of cells laid out as positioned text in an OFD package (GB/T 33190).

The layout is the one a form printer gives an OFD: each row on its own baseline, each cell at
its column's left edge, a long cell wrapped onto lines under itself within its column width,
every glyph placed by ``DeltaX``. A few pages are written when the rows run past a page.

    from jixiao.synth.ofd import to_ofd, rows_of_text
    data = to_ofd(rows_of_text(seed_text))       # bytes of a .ofd

``rows_of_text`` takes a tab-separated dump (one row per line), so a seed form's own rows are
the truth a reader of the OFD must give back.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

NS = "http://www.ofdspec.org/2016"
#: Font size (mm), line pitch (× size), page size (mm), left/top margins (mm).
SIZE = 3.5
PITCH = 1.6
PAGE_W, PAGE_H = 297.0, 420.0
MARGIN = 15.0
#: Characters per line of a cell before it wraps, and the blank between columns (× size).
WRAP = 24
GUTTER = 2.5


def rows_of_text(text: str) -> list[list[str]]:
    """A tab-separated dump's rows (blank lines dropped, cells stripped, empty cells kept)."""
    rows = []
    for line in text.replace("\r", "").split("\n"):
        cells = [c.strip() for c in line.split("\t")]
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            rows.append(cells)
    return rows


def _width(text: str) -> float:
    return sum(SIZE * (0.5 if ch.isascii() else 1.0) for ch in text)


def _wrap(text: str) -> list[str]:
    return [text[i : i + WRAP] for i in range(0, len(text), WRAP)] or [""]


def _page_xml(objects: list[str]) -> str:
    body = "".join(objects)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}"><ofd:Area>'
        f"<ofd:PhysicalBox>0 0 {PAGE_W} {PAGE_H}</ofd:PhysicalBox></ofd:Area><ofd:Content>"
        f'<ofd:Layer ID="1" Type="Body">{body}</ofd:Layer></ofd:Content></ofd:Page>'
    )


def _text_object(oid: int, x: float, y: float, text: str) -> str:
    """One run of text whose baseline starts at (x, y) on the page."""
    deltas = [SIZE * (0.5 if ch.isascii() else 1.0) for ch in text[:-1]]
    width = _width(text) + 1
    delta = f" DeltaX={quoteattr(' '.join(f'{d:g}' for d in deltas))}" if deltas else ""
    return (
        f'<ofd:TextObject ID="{oid}" Boundary="{x:g} {y - SIZE:g} {width:g} {SIZE * 1.4:g}" '
        f'Font="2" Size="{SIZE:g}"><ofd:FillColor Value="0 0 0"/>'
        f'<ofd:TextCode X="0" Y="{SIZE:g}"{delta}>{escape(text)}</ofd:TextCode></ofd:TextObject>'
    )


def to_ofd(rows: Sequence[Sequence[str]], title: str = "绩效目标表") -> bytes:
    """An OFD package holding ``rows`` laid out as a positioned-text table."""
    ncols = max((len(r) for r in rows), default=0)
    widths = [0.0] * ncols
    for row in rows:
        for k, cell in enumerate(row):
            longest = max((_width(part) for part in _wrap(cell)), default=0.0)
            widths[k] = max(widths[k], longest)
    lefts = [MARGIN]
    for w in widths[:-1]:
        lefts.append(lefts[-1] + w + GUTTER * SIZE)
    pages: list[list[str]] = [[]]
    y = MARGIN + SIZE
    oid = 10
    for row in rows:
        wrapped = [_wrap(cell) for cell in row]
        height = max(len(w) for w in wrapped) * SIZE * PITCH
        if y + height > PAGE_H - MARGIN and pages[-1]:
            pages.append([])
            y = MARGIN + SIZE
        for k, lines in enumerate(wrapped):
            for j, line in enumerate(lines):
                if line:
                    pages[-1].append(_text_object(oid, lefts[k], y + j * SIZE * PITCH, line))
                    oid += 1
        y += height + SIZE * (PITCH - 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "OFD.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{NS}" Version="1.1" '
            f'DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>jixiao-synth</ofd:DocID>'
            f"<ofd:Title>{escape(title)}</ofd:Title></ofd:DocInfo>"
            f"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
        listed = "".join(
            f'<ofd:Page ID="{100 + n}" BaseLoc="Pages/Page_{n}/Content.xml"/>'
            for n in range(len(pages))
        )
        z.writestr(
            "Doc_0/Document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{NS}">'
            f"<ofd:CommonData><ofd:MaxUnitID>{oid}</ofd:MaxUnitID><ofd:PageArea>"
            f"<ofd:PhysicalBox>0 0 {PAGE_W} {PAGE_H}</ofd:PhysicalBox></ofd:PageArea>"
            f"<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
            f"<ofd:Pages>{listed}</ofd:Pages></ofd:Document>",
        )
        z.writestr(
            "Doc_0/PublicRes.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{NS}" BaseLoc="Res">'
            f'<ofd:Fonts><ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>',
        )
        for n, objects in enumerate(pages):
            z.writestr(f"Doc_0/Pages/Page_{n}/Content.xml", _page_xml(objects))
    return buffer.getvalue()
