"""Per-file resource limits: a hostile or unlucky file is rejected, it never eats the machine.

A 37 KB .docx with a huge ``gridSpan``, an HTML page of large ``rowspan``/``colspan``, a zip
bomb, a million-row sheet or thousands of blank pages each grew past gigabytes or hours before.
Every limit is a ``normalize`` option with a default far above any real form; hitting one makes
the file a reject that names the limit and the option that raises it (``LimitExceeded``).

The limits in force are process-wide state set around one file (``use``), so the readers deep
down check them without every signature carrying them; a worker processes one file at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields

from jixiao.errors import InputError


@dataclass(frozen=True)
class Limits:
    """What one file may cost; the defaults are far above any real 绩效目标表."""

    file_bytes: int = 100 * 1024 * 1024
    member_bytes: int = 200 * 1024 * 1024
    pages: int = 300
    sheet_cells: int = 2_000_000
    span: int = 200
    cell_chars: int = 200_000
    zip_members: int = 10_000
    zip_depth: int = 3
    seconds: int = 600
    memory_mb: int = 3072


#: Each limit: (Chinese name a person reads, CLI option that raises it).
LIMIT_NAMES: dict[str, tuple[str, str]] = {
    "file_bytes": ("单个文件字节数", "--max-file-bytes"),
    "member_bytes": ("压缩包内单个部件解压后字节数", "--max-member-bytes"),
    "pages": ("每个文档的页数/帧数", "--max-pages"),
    "sheet_cells": ("每个表格的行数×列数", "--max-sheet-cells"),
    "span": ("合并单元格跨行/跨列数", "--max-span"),
    "cell_chars": ("每个单元格的字符数", "--max-cell-chars"),
    "zip_members": ("每个压缩包的文件数", "--max-zip-members"),
    "zip_depth": ("压缩包嵌套层数", "--max-zip-depth"),
    "seconds": ("每个文件的处理时间（秒）", "--max-seconds"),
    "memory_mb": ("处理一个文件时进程的内存（MB）", "--max-memory-mb"),
}

assert set(LIMIT_NAMES) == {f.name for f in fields(Limits)}

_current = Limits()


class LimitExceeded(InputError):
    """A file went past one of the limits: its reject names the limit and the option."""

    def __init__(self, file: str, limit: str, actual: int | str) -> None:
        label, option = LIMIT_NAMES[limit]
        allowed = getattr(_current, limit)
        reason = (
            f"超出限制「{label}」: {actual} > {allowed}（用 {option} 调高）"
            f" / limit exceeded: {limit} {actual} > {allowed} (raise it with {option})"
        )
        super().__init__(file, reason, "limit_exceeded")
        self.limit = limit


def current() -> Limits:
    """The limits in force for the file being read."""
    return _current


@contextmanager
def use(limits: Limits) -> Iterator[Limits]:
    """Put ``limits`` in force for the duration (one file)."""
    global _current
    before, _current = _current, limits
    try:
        yield limits
    finally:
        _current = before


def check(file: str, limit: str, actual: int) -> None:
    """Raise ``LimitExceeded`` when ``actual`` is above the limit named ``limit``."""
    if actual > getattr(_current, limit):
        raise LimitExceeded(file, limit, actual)


def check_grid(file: str, nrows: int, ncols: int) -> None:
    """A table or sheet of ``nrows`` × ``ncols`` cells must fit ``sheet_cells``."""
    if nrows * ncols > _current.sheet_cells:
        raise LimitExceeded(file, "sheet_cells", f"{nrows}×{ncols}")


def check_zip(data: bytes, file: str) -> None:
    """Every member of an OOXML package must inflate to at most ``member_bytes``.

    The stated sizes in the directory can lie, so each member is inflated in blocks and
    counted while inflating (stopping at the limit), before any XML parser sees it.
    """
    import zipfile  # here, not at import: ``jixiao --help`` loads this module
    from io import BytesIO

    limit = _current.member_bytes
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except Exception:  # noqa: BLE001 - the reader says why it cannot open the package
        return
    with archive:
        for info in archive.infolist():
            if info.file_size > limit:
                raise LimitExceeded(file, "member_bytes", info.file_size)
            total = 0
            try:
                with archive.open(info) as member:
                    while block := member.read(1 << 20):
                        total += len(block)
                        if total > limit:
                            raise LimitExceeded(file, "member_bytes", f"{info.filename} ≥ {total}")
            except LimitExceeded:
                raise
            except Exception:  # noqa: S112 - a damaged member: the reader reports the package
                continue
