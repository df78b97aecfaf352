"""Saved web pages (.html/.htm) → rows: paragraphs and tables in order, spans resolved.

Published 绩效目标表 are mostly HTML tables, often inside a layout table and wrapped in site
chrome. lxml parses what browsers parse (unclosed tags, GBK pages); script, style, nav,
header/footer and hidden elements are dropped; a table that contains a table is layout, so its
cells are walked as flow, and only innermost tables become grids. ``rowspan``/``colspan``
put the text in the first grid cell and leave the cells it covers empty, as dumps do.
"""

from __future__ import annotations

import re
from typing import Any

from jixiao import limits
from jixiao.errors import InputError
from jixiao.ingest.readers.rows import RowBuilder

_DROP = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "iframe"}
_DROP |= {"select", "button", "head", "title", "svg", "canvas", "object"}
_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "form",
    "fieldset",
    "center",
    "hr",
    "body",
    "caption",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def decode_html(data: bytes) -> str:
    """The page's text: BOM, then ``<meta charset>``, then UTF-8, then GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    m = _META_CHARSET.search(data[:4096])
    if m:
        charset = m.group(1).decode("ascii").lower()
        if charset in {"gb2312", "gbk"}:
            charset = "gb18030"
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def read_html(data: bytes, name: str) -> RowBuilder:
    """Rows of a web page; a page with no body text is an ``InputError``."""
    import lxml.html

    text = decode_html(data)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        root = lxml.html.document_fromstring(text)
    except Exception as exc:  # lxml's ParserError / XMLSyntaxError on empty or binary input
        raise InputError(name, f"unreadable HTML ({exc})", code="corrupt") from exc
    out = RowBuilder()
    walker = _Flow(out)
    body = root.find("body")
    walker.walk(body if body is not None else root)
    walker.flush()
    return out


class _Flow:
    """Walks elements in document order, gathering inline text into paragraph lines."""

    def __init__(self, out: RowBuilder) -> None:
        self.out = out
        self.line: list[str] = []

    def flush(self) -> None:
        text = _squash("".join(self.line))
        self.line = []
        if text:
            self.out.para(text)

    def walk(self, el: Any) -> None:
        for child in el.iterchildren():
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag and not _skip(child):
                tag = tag.lower()
                if tag == "table":
                    self.flush()
                    if child.find(".//table") is not None:
                        self._walk_layout_table(child)
                    else:
                        self.out.table(table_grid(child))
                elif tag == "br":
                    self.flush()
                elif tag in _BLOCK:
                    self.flush()
                    if child.text:
                        self.line.append(child.text)
                    self.walk(child)
                    self.flush()
                else:
                    if child.text:
                        self.line.append(child.text)
                    self.walk(child)
            if child.tail:
                self.line.append(child.tail)

    def _walk_layout_table(self, table: Any) -> None:
        for tr in _rows(table):
            for cell in _cells(tr):
                self.flush()
                if cell.text:
                    self.line.append(cell.text)
                self.walk(cell)
                self.flush()


def _skip(el: Any) -> bool:
    tag = el.tag.lower()
    if tag in _DROP:
        return True
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    if el.get("role") in ("navigation", "banner", "contentinfo"):
        return True
    return bool(_HIDDEN.search(el.get("style") or ""))


def _squash(text: str) -> str:
    """HTML whitespace: runs of blanks and source line breaks are one space."""
    return re.sub(r"[ \t\r\n\f\v]+", " ", text).strip()


def _rows(table: Any) -> list[Any]:
    return list(table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"))


def _cells(tr: Any) -> list[Any]:
    return [
        c for c in tr.iterchildren() if isinstance(c.tag, str) and c.tag.lower() in ("td", "th")
    ]


def cell_text(cell: Any) -> str:
    """A cell's text: ``<br>`` and block elements start new lines; other blanks collapse."""
    parts: list[str] = []

    def visit(el: Any) -> None:
        if el.text:
            parts.append(el.text)
        for child in el.iterchildren():
            tag = child.tag.lower() if isinstance(child.tag, str) else ""
            if tag and not _skip(child):
                if tag == "br":
                    parts.append("\n")
                elif tag in _BLOCK or tag == "table":
                    parts.append("\n")
                    visit(child)
                    parts.append("\n")
                elif tag in ("td", "th"):
                    parts.append(" ")
                    visit(child)
                else:
                    visit(child)
            if child.tail:
                parts.append(child.tail)

    visit(cell)
    lines = [_squash(line) for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


def _span(cell: Any, attr: str) -> int:
    try:
        span = max(1, int(str(cell.get(attr, "1")).strip() or 1))
    except ValueError:
        return 1
    limits.check("", "span", span)
    return span


def table_grid(table: Any) -> list[list[str]]:
    """The table as a text grid with rowspan/colspan resolved (text in the first grid cell)."""
    taken: dict[tuple[int, int], str] = {}
    nrows = 0
    ncols = 0
    for r, tr in enumerate(_rows(table)):
        c = 0
        for cell in _cells(tr):
            while (r, c) in taken:
                c += 1
            rs, cs = _span(cell, "rowspan"), _span(cell, "colspan")
            limits.check_grid("", r + rs, max(ncols, c + cs))
            text = cell_text(cell)
            for dr in range(rs):
                for dc in range(cs):
                    taken[(r + dr, c + dc)] = text if dr == 0 and dc == 0 else ""
            c += cs
            ncols = max(ncols, c)
        nrows = r + 1
    return [[taken.get((r, c), "") for c in range(ncols)] for r in range(nrows)]
