"""OFD → rows: the national e-document standard (GB/T 33190) read like a PDF's text layer.

An OFD file is a zip: ``OFD.xml`` names each document's root (``Doc_0/Document.xml``), which
lists its pages (``Pages/Page_N/Content.xml``). A page's ``TextObject`` elements carry a
``Boundary`` (x y w h, millimetres, y growing downwards), a font ``Size``, an optional ``CTM``,
and ``TextCode`` runs placed at ``X``/``Y`` (the baseline) inside the boundary, each glyph
advanced by ``DeltaX`` (``g N d`` repeats ``d`` N times). Each glyph becomes a ``Box`` and the
page goes through the same geometry as an unruled PDF page (``geometry.unruled_rows`` by way
of ``pdf.text_rows``), so columns, wrapped lines and merged cells come out the same way.
"""

from __future__ import annotations

import posixpath
import zipfile
from io import BytesIO
from typing import Any

from jixiao import limits
from jixiao.errors import InputError
from jixiao.ingest.readers.geometry import Box
from jixiao.ingest.readers.pdf import text_rows
from jixiao.ingest.readers.rows import RowBuilder

#: Share of the font size a glyph without ``DeltaX`` advances: full width for CJK, half for
#: Latin letters and digits.
_HALF = 0.5


def read_ofd(data: bytes, name: str) -> RowBuilder:
    """Rows of every page of every document in an OFD package, in page order."""
    from lxml import etree

    out = RowBuilder()
    try:
        package = zipfile.ZipFile(BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - any damage to the package
        raise InputError(
            name, f"corrupt OFD package ({type(exc).__name__}: {exc})", code="corrupt"
        ) from exc
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    with package:
        names = {n.lstrip("/"): n for n in package.namelist()}

        def xml(path: str) -> Any:
            key = posixpath.normpath(path.lstrip("/"))
            if key not in names:
                raise InputError(name, f"corrupt OFD package: {path} is missing", code="corrupt")
            try:
                return etree.fromstring(package.read(names[key]), parser)
            except Exception as exc:  # noqa: BLE001 - a damaged member (CRC, deflate) or XML
                raise InputError(
                    name,
                    f"corrupt OFD package: {path}: {type(exc).__name__}: {exc}",
                    code="corrupt",
                ) from exc

        root = xml("OFD.xml")
        docs = [_text(e) for e in root.iter() if _local(e) == "DocRoot" and _text(e)]
        if not docs:
            raise InputError(
                name, "corrupt OFD package: OFD.xml names no document (DocRoot)", code="corrupt"
            )
        pages: list[str] = []
        for doc in docs:
            base = posixpath.dirname(doc.lstrip("/"))
            document = xml(doc)
            for page in document.iter():
                if _local(page) == "Page" and page.get("BaseLoc"):
                    pages.append(_resolve(base, page.get("BaseLoc", "")))
        limits.check(name, "pages", len(pages))
        for path in pages:
            _read_page(xml(path), out)
    return out


def _resolve(base: str, loc: str) -> str:
    """A ``BaseLoc`` relative to its document's directory (absolute ones from the root)."""
    return loc.lstrip("/") if loc.startswith("/") else posixpath.join(base, loc)


def _local(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: Any) -> str:
    return (element.text or "").strip()


def _numbers(text: str | None) -> list[float]:
    out: list[float] = []
    for part in (text or "").split():
        try:
            out.append(float(part))
        except ValueError:
            continue
    return out


def _deltas(text: str | None, needed: int) -> list[float]:
    """``DeltaX``/``DeltaY`` with the ``g N d`` run-length form expanded, up to the ``needed``
    advances a run of text uses (a hostile ``g 1000000000 1`` costs nothing)."""
    parts = (text or "").split()
    out: list[float] = []
    k = 0
    while k < len(parts) and len(out) < needed:
        try:
            if parts[k] == "g" and k + 2 < len(parts):
                count = min(int(float(parts[k + 1])), needed - len(out))
                out.extend([float(parts[k + 2])] * max(count, 0))
                k += 3
            else:
                out.append(float(parts[k]))
                k += 1
        except (ValueError, IndexError):
            k += 1
    return out


def _read_page(page: Any, out: RowBuilder) -> None:
    """One page's text objects → glyph boxes → rows (top to bottom)."""
    boxes: list[Box] = []
    for obj in page.iter():
        if _local(obj) == "TextObject":
            boxes.extend(_glyphs(obj))
    right = max((b.x1 for b in boxes), default=None)
    for _top, grid in text_rows(boxes, right):
        out.table(grid)


def _glyphs(obj: Any) -> list[Box]:
    """The glyph boxes of one ``TextObject`` in page coordinates."""
    bx, by, *_ = [*_numbers(obj.get("Boundary")), 0.0, 0.0]
    size = (_numbers(obj.get("Size")) or [3.5])[0]
    ctm = _numbers(obj.get("CTM"))
    a, b, c, d, e, f = ctm if len(ctm) == 6 else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    scale = max(abs(d), 1e-6)
    height = size * scale
    boxes: list[Box] = []
    x = y = 0.0
    for code in obj:
        if _local(code) != "TextCode":
            continue
        text = code.text or ""
        x = _numbers(code.get("X"))[0] if code.get("X") else x
        y = _numbers(code.get("Y"))[0] if code.get("Y") else y
        dx = _deltas(code.get("DeltaX"), len(text))
        for k, ch in enumerate(text):
            natural = size * (_HALF if ch.isascii() else 1.0)
            advance = dx[k - 1] if 0 < k <= len(dx) else (natural if k else 0.0)
            x += advance
            px = bx + a * x + c * y + e
            py = by + b * x + d * y + f  # the baseline
            width = max(abs(a) * natural, 1e-3)
            if ch not in "\r\n":
                boxes.append(Box(px, py - 0.85 * height, px + width, py + 0.15 * height, ch))
    return boxes
