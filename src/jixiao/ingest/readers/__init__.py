"""Document readers: bytes of a Word, Excel, PDF, web page or scan → rows of cells.

The format is read from the bytes, never from the file name: archives are full of ``.doc``
files that are HTML and ``.xls`` files that are zip packages. Every reader emits the shape a
text layout emits (``Row`` of ``Cell`` with line and column), so the parser downstream does
not know or care where a row came from. A file that cannot be read raises ``InputError``
with a reason a person can act on (corrupt, encrypted, empty, not a form).

    sniff(data)            -> "docx" | "xlsx" | "ofd" | "pdf" | "html" | "image" | "ole" | "zip" | "empty" | "text"
    read(data, name)       -> (rows, format, text)     any non-text format
    read_rows(data, name)  -> (rows, format) | None    None for plain text: the text pipeline reads it

Heavy libraries (python-docx, openpyxl, pdfplumber, lxml, rapidocr) are imported by the reader
that needs them, so reading text dumps costs none of them.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from io import BytesIO

from jixiao import limits, vocab
from jixiao.errors import InputError
from jixiao.grammar import Row, clean
from jixiao.ingest.readers import legacy
from jixiao.ingest.readers.rows import RowBuilder

__all__ = ["DOCUMENT_SUFFIXES", "TEXT_SUFFIXES", "read", "read_rows", "sniff"]

#: Suffixes of text dumps, read by the text pipeline.
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".csv", ".tsv", ".dump", ""})

#: Suffixes worth reading when walking a directory (the format itself comes from the bytes).
DOCUMENT_SUFFIXES = frozenset(
    {".docx", ".docm", ".xlsx", ".xlsm", ".pdf", ".html", ".htm", ".xhtml", ".shtml", ".ofd"}
    | {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp"}
    | {".doc", ".xls"}  # often HTML or OOXML under an old name; if OLE, through LibreOffice
    | {".wps", ".et"}  # WPS Office's binary Writer and Spreadsheets files (OLE, as .doc/.xls)
)

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGIC: tuple[bytes, ...] = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"II*\x00",
    b"MM\x00*",
    b"BM",
    b"GIF87a",
    b"GIF89a",
)
_HTML = re.compile(r"<(!doctype\s+html|html|head|body|table|meta\s)", re.I)


def sniff(data: bytes) -> str:
    """The format of ``data`` from its bytes: magic numbers, zip members, leading markup."""
    if not data.strip():
        return "empty"
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _sniff_zip(data)
    if data.startswith(_OLE):
        return "ole"
    if data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    start = _decode_head(data[:8192]).lstrip("\ufeff \t\r\n")
    if start.startswith("<") and _HTML.search(start):
        return "html"
    return "text"


def _sniff_zip(data: bytes) -> str:
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            names = z.namelist()
    except Exception:  # noqa: BLE001 - any damage (bad directory, odd version): look closer
        # A truncated package still names its parts in its local headers.
        head = data[:65536]
        if b"word/" in head:
            return "docx"
        if b"xl/" in head:
            return "xlsx"
        if b"OFD.xml" in head:
            return "ofd"
        return "zip"
    return zip_kind(names)


def zip_kind(names: list[str]) -> str:
    """What a zip package is from its member names: a Word or Excel package, an OFD
    document, or an archive of files (``zip``)."""
    if any(n.startswith("word/") for n in names):
        return "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.lstrip("/") == "OFD.xml" for n in names):
        return "ofd"
    return "zip"


def _decode_head(head: bytes) -> str:
    """The first bytes as text; a character cut at the end of the slice is not an error."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    for codec in ("utf-8", "gb18030"):
        try:
            return codecs.getincrementaldecoder(codec)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
    return head.decode("latin-1")


def _ole_error(name: str, kind: str | None) -> InputError:
    """Why an OLE compound file that LibreOffice does not convert cannot be read."""
    if kind == "encrypted":
        reason = "encrypted Office document: a password is needed to open it"
        return InputError(name, reason, code="encrypted")
    reason = "OLE compound file of an unknown kind (not .docx/.xlsx/.pdf/HTML)"
    return InputError(name, reason, code="unknown_format")


def read(data: bytes, name: str) -> tuple[list[Row], str, str | None]:
    """Rows, format and evidence text of a non-text document; ``InputError`` when unreadable.

    The text has one line per row (a cell's ``line`` indexes it). A document that holds no
    form title, header label or indicator table heading anywhere is rejected here, with what
    was read, so an empty scan or a stray photo says so instead of "no form found".
    """
    fmt = sniff(data)
    kind: str | None = None  # the legacy binary kind LibreOffice converted, if any
    builder: RowBuilder
    if fmt == "empty":
        raise InputError(name, f"empty file ({len(data)} bytes)", code="empty_file")
    if fmt == "text":
        raise InputError(name, "plain text: read it with the text pipeline", code="unknown_format")
    if fmt == "ole":
        kind = legacy.ole_kind(data)
        if kind is None or kind not in legacy.KINDS:
            raise _ole_error(name, kind)
        data = legacy.convert(data, name, kind)  # .doc/.wps → .docx, .xls/.et → .xlsx
        if sniff(data) != legacy.KINDS[kind][1]:
            raise InputError(
                name, f"{legacy.KINDS[kind][0]}: LibreOffice wrote no package", code="legacy_office"
            )
        fmt = legacy.KINDS[kind][1]
    if fmt == "zip":
        raise InputError(
            name, "zip archive that is neither a .docx nor a .xlsx package", code="unknown_format"
        )
    detail = ""
    if fmt in ("docx", "xlsx", "ofd"):
        limits.check_zip(data, name)
    if fmt == "docx":
        from jixiao.ingest.readers.docx import read_docx

        builder = read_docx(data, name)
        fmt = "doc" if kind == "doc" else fmt
    elif fmt == "xlsx":
        from jixiao.ingest.readers.xlsx import read_xlsx

        builder = read_xlsx(data, name)
        fmt = "xls" if kind == "xls" else fmt
    elif fmt == "ofd":
        from jixiao.ingest.readers.ofd import read_ofd

        builder = read_ofd(data, name)
    elif fmt == "html":
        from jixiao.ingest.readers.html import read_html

        builder = read_html(data, name)
    elif fmt == "pdf":
        from jixiao.ingest.readers.pdf import read_pdf

        builder, stats = read_pdf(data, name)
        if stats["ocr"]:
            fmt = "pdf_ocr" if not (stats["text"] or stats["pdfium"]) else "pdf_mixed"
        detail = ", ".join(f"{n} {k} page(s)" for k, n in stats.items() if n)
    else:
        from jixiao.ingest.readers.ocr import read_images

        builder = read_images(data, name)
        fmt = "ocr"
    rows = builder.rows
    if not rows:
        what = f" ({detail})" if detail else ""
        raise InputError(name, f"no text found in the {fmt} document{what}", code="no_text")
    if not has_form(rows):
        sample = " / ".join(clean(c.text)[:20] for r in rows[:3] for c in r.nonempty()[:2])
        raise InputError(
            name,
            f"no 绩效目标表 in the {fmt} document: {len(rows)} rows read, none a form title, "
            f"header label or indicator table heading (begins: {sample[:80]})",
            code="no_form",
        )
    return rows, fmt, builder.text()


def read_rows(data: bytes, name: str) -> tuple[list[Row], str] | None:
    """Rows and format of a document, or ``None`` when ``data`` is plain text (or a text dump).

    Raises ``InputError`` for an empty, corrupt, encrypted or form-less document.
    """
    fmt = sniff(data)
    if fmt == "text":
        return None
    rows, fmt, _text = read(data, name)
    return rows, fmt


def has_form(rows: list[Row]) -> bool:
    """Whether a row holds a form title, a header label, or three indicator column headings."""
    for row in rows:
        headings = 0
        for text in row.texts:
            if not text:
                continue
            squashed = re.sub(r"\s+", "", text)
            label = re.split(r"[:：]", squashed, maxsplit=1)[0]
            if vocab.TITLE.match(squashed) or vocab.header_field(label):
                return True
            headings += vocab.column_role(squashed) is not None
        if headings >= 3:
            return True
    return False
