"""Inputs named by URI (``s3://…``, ``gs://…``, ``file://…``): listed and read through
pyarrow's filesystems, so a batch can read an object store without a mount.

A URI stays the file's name everywhere (outputs, the run store, rejects); the bytes are read
through ``pyarrow.fs`` into a temporary file only while the file is processed (the readers
take paths). A directory URI is listed recursively (``FileSelector``) in sorted order with
the local walk's rules: hidden entries and unknown suffixes are skipped with a reason. A zip
archive given by URI is listed through a seekable pyarrow file (only its directory is read)
into the members the local walk makes (``URI!member``), each a job of its own.
Credentials are pyarrow's own (``AWS_*`` variables or ``~/.aws`` for S3,
``GOOGLE_APPLICATION_CREDENTIALS`` for GCS; see docs/scale.md). pyarrow comes with the
``ray`` extra; it is imported only when a URI is met.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from jixiao.errors import InputError
from jixiao.ingest import archive
from jixiao.ingest.archive import Member, Skipped
from jixiao.ingest.readers import zip_kind

_URI = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)$")
#: ``Path("s3://b/k")`` is ``s3:/b/k``: how a URI looks after it went through ``Path``.
_FOLDED = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{1,}):/+(?P<rest>.*)$")
BLOCK = 1 << 20


def is_uri(text: str) -> bool:
    """Whether ``text`` names a URI (a scheme of two letters or more, then ``://``)."""
    m = _URI.match(text)
    return m is not None and len(m.group("scheme")) > 1


def unfold(text: str) -> str:
    """A URI that went through ``pathlib.Path`` (``s3:/b/k``, ``file:/x``) as it was typed
    (``s3://b/k``, ``file:///x``); anything else unchanged. Windows drive letters (``C:/``)
    are one letter, so never taken for a scheme."""
    if is_uri(text):
        return text
    m = _FOLDED.match(text)
    if not m:
        return text
    scheme, rest = m.group("scheme").lower(), m.group("rest")
    return f"file:///{rest}" if scheme == "file" else f"{scheme}://{rest}"


def _fs(uri: str) -> tuple[Any, str]:
    import pyarrow.fs as pafs

    fs, path = pafs.FileSystem.from_uri(uri)
    return fs, str(path)


def _uri_of(uri: str, fs_path: str) -> str:
    """The URI of ``fs_path``, a path inside the filesystem of ``uri`` (same scheme)."""
    scheme = uri.split("://", 1)[0]
    if scheme.lower() == "file":
        return "file://" + fs_path
    return f"{scheme}://{fs_path}"


def list_uri(uri: str) -> Iterator[tuple[str, str | None]]:
    """``(uri, None)`` for each file to read under ``uri``, ``(uri, reason)`` for each entry
    skipped; sorted; raises ``OSError`` (pyarrow's) when the URI cannot be reached."""
    import pyarrow.fs as pafs

    fs, root = _fs(uri)
    info = fs.get_file_info(root)
    if info.type == pafs.FileType.NotFound:
        raise FileNotFoundError(f"no such file or directory: {uri}")
    if info.type == pafs.FileType.File:
        yield uri, None
        return
    entries = fs.get_file_info(pafs.FileSelector(root, recursive=True))
    base = PurePosixPath(root)
    for entry in sorted(entries, key=lambda e: e.path):
        rel = PurePosixPath(entry.path).relative_to(base).parts
        hidden = [k for k, p in enumerate(rel) if p.startswith(".")]
        name = _uri_of(uri, entry.path)
        if hidden and hidden[0] < len(rel) - 1:
            continue  # inside a hidden directory, named once
        if hidden:
            what = "hidden directory" if entry.type == pafs.FileType.Directory else "hidden file"
            yield name, f"跳过 / skipped: {what}"
            continue
        if entry.type != pafs.FileType.File:
            continue
        suffix = PurePosixPath(entry.path).suffix.lower()
        if not archive.known_suffix(suffix):
            yield name, f"跳过 / skipped: unknown suffix {suffix!r}"
        else:
            yield name, None


def zip_entries(uri: str) -> list[Member | Skipped] | None:
    """The entries of the zip archive of files at ``uri``, named ``URI!member`` as the local
    walk names them; None when it is not one (a .docx is a zip too) or cannot be listed, so
    that it is one job whose reading says why (as ``pipeline._file_units`` does)."""
    fs, path = _fs(uri)
    try:
        with fs.open_input_file(path) as handle:
            if handle.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
                return None
            handle.seek(0)
            with zipfile.ZipFile(handle) as zf:
                if zip_kind(zf.namelist()) != "zip":
                    return None
                return archive.entries(zf, uri) or None
    except (InputError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None


def digest(uri: str) -> str:
    """SHA-256 of the object's bytes, streamed through pyarrow."""
    fs, path = _fs(uri)
    sha = hashlib.sha256()
    with fs.open_input_stream(path) as stream:
        while block := stream.read(BLOCK):
            sha.update(block)
    return sha.hexdigest()


@contextlib.contextmanager
def local_copy(uri: str) -> Iterator[Path]:
    """The object's bytes in a temporary file with the same base name (readers go by the
    suffix), removed afterwards."""
    fs, path = _fs(uri)
    folder = Path(tempfile.mkdtemp(prefix="jixiao-uri-"))
    try:
        target = folder / (PurePosixPath(path).name or "object")
        with fs.open_input_stream(path) as stream, target.open("wb") as handle:
            while block := stream.read(BLOCK):
                handle.write(block)
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)
