"""``-`` as an input path: standard input's bytes, read once, shown as ``<stdin>``.

``normalize``, ``review`` and ``inspect`` read files by path (pool workers, the run store, the
cell view all open them again), so the bytes are put in a temporary file for the length of the
command and every name a person or an output sees is ``<stdin>``:

    with stdin_paths(paths) as (paths, names):   # "-" replaced by the temporary file
        ... names.get(str(path), str(path)) ...
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from jixiao.errors import ConfigError

DASH = "-"
STDIN_NAME = "<stdin>"


def is_stdin(path: object) -> bool:
    """Whether ``path`` is ``-`` (standard input)."""
    return str(path) == DASH


def looks_like_jsonl(data: bytes) -> bool:
    """Whether the bytes begin as JSON Lines records do (``{`` after a BOM or blanks)."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


@contextmanager
def stdin_paths(paths: Sequence[Path]) -> Iterator[tuple[list[Path], dict[str, str]]]:
    """``paths`` with ``-`` replaced by a temporary file holding standard input's bytes, and
    the names to show for it; the file is removed at the end. ``-`` twice is a ``ConfigError``.

    The temporary file is named ``stdin.jsonl`` when the bytes look like JSON Lines (forms for
    ``review``), else ``stdin`` (a source file: its format is read from the bytes)."""
    dashes = sum(is_stdin(p) for p in paths)
    if dashes == 0:
        yield list(paths), {}
        return
    if dashes > 1:
        raise ConfigError("'-' (standard input) can be named only once / 标准输入只能用一次")
    import tempfile  # not for ``jixiao --help``

    data = sys.stdin.buffer.read()
    with tempfile.TemporaryDirectory(prefix="jixiao-stdin-", ignore_cleanup_errors=True) as tmp:
        target = Path(tmp) / ("stdin.jsonl" if looks_like_jsonl(data) else "stdin")
        target.write_bytes(data)
        del data
        yield [target if is_stdin(p) else p for p in paths], {str(target): STDIN_NAME}
