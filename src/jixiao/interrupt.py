"""Ctrl-C as one line, whenever it comes: "已中断——重新运行同一命令即可续跑".

``jixiao.cli`` imports this module before anything else, so a Ctrl-C while the command line is
still loading (typer, the stacks) prints the line and exits 130 instead of a traceback through
the importing modules; once loaded (``loaded()``), Ctrl-C prints the line and raises
``KeyboardInterrupt`` as usual, for the run to stop cleanly (stores closed, partial outputs
removed) and exit 130. Pool workers ignore SIGINT (``output.runtime.worker_init``); a spawned
child that gets one before that prints nothing (only the parent speaks). A process that
started with SIGINT ignored (a background job) is left as it is.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

#: The line printed on Ctrl-C (the run store makes a rerun resume).
MESSAGE = "已中断——重新运行同一命令即可续跑 (interrupted — rerun the same command to resume)"
#: The exit code of an interrupted command (``errors.EXIT_INTERRUPTED``).
EXIT = 130

_state = {"told": False, "loading": True}


def tell() -> None:
    """Print the line, once per process."""
    if not _state["told"]:
        _state["told"] = True
        sys.stderr.write(MESSAGE + "\n")
        sys.stderr.flush()


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    from multiprocessing import parent_process

    if parent_process() is None:
        tell()
    if _state["loading"]:
        os._exit(EXIT)  # nothing to clean up yet: no traceback through half-imported modules
    raise KeyboardInterrupt


def install() -> None:
    """Take over SIGINT, unless it was ignored when the process started."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)


def loaded() -> None:
    """The command line is loaded: Ctrl-C now raises ``KeyboardInterrupt``."""
    _state["loading"] = False


install()
