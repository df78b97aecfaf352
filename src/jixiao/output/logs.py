"""What reaches the terminal besides a command's own lines: ``-v``/``-q`` through stdlib logging.

Libraries log as they see fit (pdfminer warns once per odd font or page box, jieba announces its
dictionary, httpx every request); on a batch run those lines buried the summary. Every command
calls ``setup`` with its ``-v``/``-q`` counts:

    -q      jixiao's errors only; no library line at all
    (none)  jixiao's warnings; libraries silent (their records are dropped)
    -v      jixiao's info, libraries' warnings (pdfminer's among them) and Python warnings
    -vv     everything at debug level

The level travels to spawned pool workers in ``JIXIAO_VERBOSITY`` (``runtime.worker_init``
calls ``setup()`` with no argument there), so a worker's pdfminer is as quiet as the parent's.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

VERBOSITY_ENV = "JIXIAO_VERBOSITY"

#: The ``-v``/``-q`` help, the same in every command.
VERBOSE_HELP = "More on stderr: -v libraries' warnings (pdfminer …) and progress notes, -vv debug."
QUIET_HELP = "Less on stderr: no progress bar, only errors logged (summaries stay)."

_HANDLER_NAME = "jixiao-stderr"


def level(verbose: int = 0, quiet: int = 0) -> int:
    """-1 (quiet), 0 (default), 1 (-v), 2 (-vv and more)."""
    return max(-1, min(2, verbose - quiet))


def setup(verbosity: int | None = None) -> int:
    """Configure logging to stderr for ``verbosity`` (see ``level``; None: from the
    environment, as a pool worker does); returns the verbosity in force."""
    import logging  # not for ``jixiao --help``

    if verbosity is None:
        try:
            verbosity = int(os.environ.get(VERBOSITY_ENV, "0"))
        except ValueError:
            verbosity = 0
    os.environ[VERBOSITY_ENV] = str(verbosity)
    ours = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    theirs = {1: logging.WARNING}.get(verbosity, logging.DEBUG if verbosity >= 2 else None)
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == _HANDLER_NAME:
            root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_gate(ours, theirs, one_line=verbosity < 2))
    root.addHandler(handler)
    root.setLevel(
        {1: logging.INFO}.get(verbosity, logging.DEBUG if verbosity >= 2 else logging.WARNING)
    )
    # Python warnings (openpyxl's, PIL's …) become records of the "py.warnings" logger: a
    # library's, shown from -v on, instead of lines printed by the warnings module.
    logging.captureWarnings(True)
    return verbosity


def _gate(ours: int, theirs: int | None, one_line: bool) -> Callable[[logging.LogRecord], bool]:
    """A handler filter: jixiao's records from ``ours`` up, the others from ``theirs`` up
    (None: none of theirs); below debug level each on one line, without a traceback."""

    def keep(record: logging.LogRecord) -> bool:
        if record.name == "jixiao" or record.name.startswith("jixiao."):
            wanted = record.levelno >= ours
        else:
            wanted = theirs is not None and record.levelno >= theirs
        if wanted and one_line:
            record.msg, record.args = " ".join(record.getMessage().split()), None
            record.exc_info = record.exc_text = record.stack_info = None
        return wanted

    return keep
