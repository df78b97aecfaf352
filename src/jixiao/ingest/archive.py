"""Zip archives as inputs: walked like a directory, read in memory, one member at a time.

A bureau's archive arrives as ``.zip`` files, often made on Windows (member names in GBK with
the UTF-8 flag unset), sometimes zipped twice. Each member is a source of its own, named
``archive.zip!member`` (``outer.zip!inner.zip!member`` when nested) in every output, reject
and summary; a member that cannot be read is that member's reject, never the archive's.

Nothing is ever extracted to disk: members are inflated in memory in blocks, counted while
inflating and stopped at the ``member_bytes``/``file_bytes`` limits, so a zip bomb costs one
block past the limit, and a member named ``../../etc/x`` or ``/abs`` is only ever a label.
A ``.docx``/``.xlsx``/``.ofd`` is a zip too: those are documents (``readers.sniff``), not
archives.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from jixiao import limits
from jixiao.errors import InputError
from jixiao.ingest.readers import DOCUMENT_SUFFIXES, TEXT_SUFFIXES

#: Suffixes of archives worth walking when met in a directory or an archive.
ARCHIVE_SUFFIXES = frozenset({".zip"})

#: Bit 11 of a member's flags: its name is UTF-8 (else CP437 by the spec; GBK in practice
#: for archives made by Windows in a Chinese locale).
_UTF8_FLAG = 0x800
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Member:
    """One member worth reading: its place in the archive's directory and its shown name."""

    index: int
    name: str  # ``archive.zip!member`` as every output shows it


@dataclass(frozen=True)
class Skipped:
    """An entry not read, and why (a person reads the reason)."""

    name: str
    reason: str


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its maker wrote it: UTF-8 when flagged; otherwise the raw bytes
    (zipfile decoded them as CP437) read as UTF-8 if they are valid UTF-8 (Info-ZIP on Linux),
    else as GB18030 (Windows in a Chinese locale), else as CP437."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def open_zip(source: str | IO[bytes], name: str) -> zipfile.ZipFile:
    """Open an archive for reading; ``InputError`` saying why it cannot be."""
    try:
        return zipfile.ZipFile(source)
    except NotImplementedError as exc:
        raise InputError(
            name, f"corrupt or unsupported zip archive: {exc}", code="corrupt"
        ) from exc
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(
            name, f"corrupt zip archive: {type(exc).__name__}: {exc}", code="corrupt"
        ) from exc


def entries(archive: zipfile.ZipFile, name: str) -> list[Member | Skipped]:
    """The entries of ``archive`` in directory order: members worth reading, and the ones
    skipped with their reasons (directories are not entries). Raises ``LimitExceeded`` past
    ``zip_members``."""
    infos = archive.infolist()
    limits.check(name, "zip_members", len(infos))
    found: list[Member | Skipped] = []
    seen: dict[str, int] = {}
    for index, info in enumerate(infos):
        if info.is_dir():
            continue
        inner = member_name(info)
        shown = f"{name}!{inner}"
        if shown in seen:  # a hostile archive may repeat a name: each member is its own source
            seen[shown] += 1
            shown = f"{shown} (#{seen[shown]})"
        else:
            seen[shown] = 1
        parts = PurePosixPath(inner.replace("\\", "/")).parts
        suffix = PurePosixPath(inner).suffix.lower()
        if any(p.startswith("__MACOSX") for p in parts):
            found.append(Skipped(shown, "跳过 / skipped: macOS resource fork (__MACOSX)"))
        elif any(p.startswith(".") and p not in (".", "..") for p in parts):
            found.append(Skipped(shown, "跳过 / skipped: hidden file in the archive"))
        elif not known_suffix(suffix):
            found.append(Skipped(shown, f"跳过 / skipped: unknown suffix {suffix!r}"))
        else:
            found.append(Member(index, shown))
    return found


def known_suffix(suffix: str) -> bool:
    """Whether a file with this (lower-case) suffix is read when walking a tree or archive."""
    return suffix in TEXT_SUFFIXES or suffix in DOCUMENT_SUFFIXES or suffix in ARCHIVE_SUFFIXES


def read_member(archive: zipfile.ZipFile, index: int, name: str) -> bytes:
    """One member's bytes, inflated in blocks and stopped at the ``member_bytes`` or
    ``file_bytes`` limit (whichever is lower: a member is a file); ``InputError`` when it is
    encrypted, damaged or of an unsupported kind."""
    info = archive.infolist()[index]
    lims = limits.current()
    which = "member_bytes" if lims.member_bytes <= lims.file_bytes else "file_bytes"
    cap = getattr(lims, which)
    if info.flag_bits & 0x1:
        raise InputError(
            name, "encrypted zip member: a password is needed to open it", code="encrypted"
        )
    if info.file_size > cap:
        limits.check(name, which, info.file_size)
    chunks: list[bytes] = []
    total = 0
    try:
        with archive.open(info) as handle:
            while block := handle.read(_BLOCK):
                total += len(block)
                if total > cap:
                    limits.check(name, which, total)
                chunks.append(block)
    except InputError:
        raise
    except NotImplementedError as exc:
        raise InputError(name, f"corrupt or unsupported zip member: {exc}", code="corrupt") from exc
    except RuntimeError as exc:  # zipfile's "encrypted, password required"
        raise InputError(name, f"encrypted zip member: {exc}", code="encrypted") from exc
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(
            name, f"corrupt zip member: {type(exc).__name__}: {exc}", code="corrupt"
        ) from exc
    except Exception as exc:  # zlib/bz2/lzma errors of a damaged stream
        raise InputError(
            name, f"corrupt zip member: {type(exc).__name__}: {exc}", code="corrupt"
        ) from exc
    return b"".join(chunks)
