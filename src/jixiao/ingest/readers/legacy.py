"""Legacy binary Office files (.doc/.wps, .xls/.et) → .docx/.xlsx bytes through LibreOffice.

Word 97-2003 ``.doc`` and WPS Writer ``.wps`` are OLE compound files with a ``WordDocument``
stream; Excel 97-2003 ``.xls`` and WPS Spreadsheets ``.et`` have a ``Workbook`` (or ``Book``)
stream. None of them is read here: when ``soffice`` (LibreOffice) is on PATH it converts the
bytes headless into the package format the docx/xlsx readers read, in a temporary directory
that is always removed, under a timeout; without it the file is rejected with the package to
install. The reject reasons begin "legacy Word"/"legacy Excel" (reject code ``legacy_office``).

    ole_kind(data)            -> "doc" | "xls" | "encrypted" | None
    convert(data, name, kind) -> bytes of a .docx (kind "doc") or .xlsx (kind "xls")
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from jixiao.errors import InputError

#: Seconds one conversion may take (``JIXIAO_SOFFICE_TIMEOUT`` to change it).
TIMEOUT_ENV = "JIXIAO_SOFFICE_TIMEOUT"
DEFAULT_TIMEOUT = 120.0

#: kind → (what the reason calls it, target format, Debian package that converts it)
KINDS = {
    "doc": ("legacy Word 97-2003/WPS .doc/.wps (binary)", "docx", "libreoffice-writer"),
    "xls": ("legacy Excel 97-2003/WPS .xls/.et (binary)", "xlsx", "libreoffice-calc"),
}


def ole_kind(data: bytes) -> str | None:
    """What an OLE compound file holds, by its stream names: a Word or an Excel document, an
    encrypted package, or None (another kind)."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "encrypted"
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    return None


def soffice() -> str | None:
    """The LibreOffice program on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def timeout() -> float:
    """Seconds a conversion may take."""
    try:
        return max(1.0, float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT)))
    except ValueError:
        return DEFAULT_TIMEOUT


def convert(data: bytes, name: str, kind: str) -> bytes:
    """The bytes of ``data`` converted by LibreOffice to .docx (``kind`` "doc") or .xlsx
    ("xls"); ``InputError`` naming the fix when LibreOffice is absent or the conversion fails."""
    what, target, package = KINDS[kind]
    program = soffice()
    if program is None:
        raise InputError(
            name,
            f"{what}: LibreOffice (soffice) is not installed: install it (apt-get install "
            f"{package}) to read it, or save it as .{target}",
            code="legacy_office",
        )
    with tempfile.TemporaryDirectory(prefix="jixiao-soffice-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        source = work / f"in.{kind}"
        source.write_bytes(data)
        outdir = work / "out"
        outdir.mkdir()
        cmd = [
            program,
            # a profile of its own: conversions running side by side (pool workers, a user's
            # open LibreOffice) do not wait on one another's profile lock
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            str(source),
        ]
        why = _run(cmd, timeout())
        produced = outdir / f"in.{target}"
        if why is None and produced.is_file() and produced.stat().st_size > 0:
            return produced.read_bytes()
        raise InputError(
            name,
            f"{what}: LibreOffice could not convert it ({why or 'no output'}); open it in "
            f"WPS/Office and save it as .{target}",
            code="legacy_office",
        )


def _run(cmd: list[str], seconds: float) -> str | None:
    """Run ``cmd`` in its own process group; None when it exited 0, else why not (the whole
    group is killed at the timeout: soffice starts soffice.bin under it)."""
    env = {**os.environ, "HOME": str(Path(cmd[-1]).parent)}  # nothing written to the real home
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        return f"cannot run {cmd[0]}: {exc.strerror or exc}"
    try:
        out, _ = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return f"timed out after {seconds:g} s ({TIMEOUT_ENV})"
    except BaseException:  # Ctrl-C: no soffice left behind
        _kill(proc)
        raise
    if proc.returncode != 0:
        tail = " ".join(out.decode("utf-8", "replace").split())[-200:]
        return f"exit {proc.returncode}: {tail}" if tail else f"exit {proc.returncode}"
    return None


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.communicate()  # reaps it and closes its pipe
