"""Word (.docx) → rows: body paragraphs and tables in document order, merged cells resolved.

python-docx opens the package (and rejects a broken one); the body is then walked as XML,
because python-docx's ``Table.rows[i].cells`` repeats a merged cell's object in every grid
cell it covers, and the parser wants what a text dump shows: the text once, at the merged
cell's top-left, and empty cells where the merge continues (``gridSpan``, ``vMerge``).
Content controls (``w:sdt``) are entered; a nested table's text stays in its outer cell.
"""

from __future__ import annotations

import io
from typing import Any

from jixiao import limits
from jixiao.errors import InputError
from jixiao.ingest.readers.rows import RowBuilder

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(data: bytes, name: str) -> RowBuilder:
    """Rows of a .docx; a package python-docx cannot open is an ``InputError``."""
    import docx  # python-docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # zip, XML and package errors all mean "not a readable .docx"
        raise InputError(
            name, f"corrupt .docx (cannot open the package: {exc})", code="corrupt"
        ) from exc
    out = RowBuilder()
    _walk(document.element.body, out)
    return out


def _walk(parent: Any, out: RowBuilder) -> None:
    for child in parent.iterchildren():
        tag = child.tag
        if tag == f"{W}p":
            out.para(_para_text(child))
        elif tag == f"{W}tbl":
            out.table(_table_grid(child))
        elif tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
            _walk(child, out)


def _para_text(p: Any) -> str:
    """A paragraph's visible text: runs, tabs, breaks (deleted text and field codes skipped)."""
    parts: list[str] = []
    for el in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen"):
        if el.tag == f"{W}t":
            if _inside(el, (f"{W}del", f"{W}instrText")):
                continue
            parts.append(el.text or "")
        elif el.tag == f"{W}tab":
            if el.getparent() is not None and el.getparent().tag == f"{W}r":
                parts.append("\t")
        elif el.tag == f"{W}noBreakHyphen":
            parts.append("-")
        else:
            parts.append("\n")
    return "".join(parts)


def _inside(el: Any, tags: tuple[str, ...]) -> bool:
    node = el.getparent()
    while node is not None:
        if node.tag in tags:
            return True
        node = node.getparent()
    return False


def _cell_text(tc: Any) -> str:
    """A cell's paragraphs joined by newlines (tabs inside a cell are blanks, not cells)."""
    lines: list[str] = []
    for p in tc.iter(f"{W}p"):
        lines.append(_para_text(p).replace("\t", " "))
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def _int_attr(el: Any, default: int) -> int:
    if el is None:
        return default
    try:
        return int(el.get(f"{W}val"))
    except (TypeError, ValueError):
        return default


def _table_grid(tbl: Any) -> list[list[str]]:
    """The table as a text grid (gridBefore/gridSpan/vMerge honoured)."""
    grid: list[list[str]] = []
    for tr in tbl.iterchildren(f"{W}tr"):
        row: list[str] = []
        tr_pr = tr.find(f"{W}trPr")
        before = _int_attr(tr_pr.find(f"{W}gridBefore") if tr_pr is not None else None, 0)
        limits.check("", "span", before)
        row.extend([""] * before)
        for tc in _row_cells(tr):
            tc_pr = tc.find(f"{W}tcPr")
            span = _int_attr(tc_pr.find(f"{W}gridSpan") if tc_pr is not None else None, 1)
            vmerge = tc_pr.find(f"{W}vMerge") if tc_pr is not None else None
            limits.check("", "span", span)
            continued = vmerge is not None and vmerge.get(f"{W}val") in (None, "continue")
            row.append("" if continued else _cell_text(tc))
            row.extend([""] * (max(span, 1) - 1))
        limits.check_grid("", len(grid) + 1, len(row))
        grid.append(row)
    return grid


def _row_cells(tr: Any) -> list[Any]:
    """The row's cells, including those wrapped in content controls."""
    cells: list[Any] = []
    for child in tr.iterchildren():
        if child.tag == f"{W}tc":
            cells.append(child)
        elif child.tag in (f"{W}sdt", f"{W}customXml"):
            cells.extend(child.iter(f"{W}tc"))
    return cells
