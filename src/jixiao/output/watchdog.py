"""Wall time and memory per file, enforced where the file is processed (issue 12).

A watchdog thread watches the file being processed: past ``Limits.seconds`` of wall time, or
with the process's resident memory past ``Limits.memory_mb``, it interrupts the main thread
(``_thread.interrupt_main`` with ``SIGUSR1``), whose handler raises ``LimitExceeded`` inside
whatever the reader was doing (again at every poll, should a library swallow it; never inside
an import, which would leave a module half made); the file becomes a reject naming the limit and its option, and
the worker goes on with the next file. The handler acts only while a file is watched, so a
late alarm never lands elsewhere. A C call that never returns to Python (one huge allocation)
is not interruptible: the pool replaces a worker that dies of it (``runstore.run_jobs``).

Only the main thread can take signals. A file processed on another thread (a Ray worker
that runs its task off the main thread, an embedding application) is watched the same way, but
the exception is handed to that thread with ``PyThreadState_SetAsyncExc`` (raised at its next
bytecode, not inside an import), with the same reject text.
"""

from __future__ import annotations

import _thread
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from jixiao import limits

#: How often the watchdog looks (seconds).
POLL = 0.05
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int:
    """This process's resident memory now (0 where ``/proc`` is not there)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _importing(frame: FrameType | None) -> bool:
    """Whether the main thread is inside an import (an exception there would leave a module
    half made for every later file)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


class _State:
    def __init__(self) -> None:
        self.active = False
        self.fired: tuple[str, str] | None = None  # (limit, actual)
        self.peak = 0


@contextmanager
def watch(name: str, lims: limits.Limits) -> Iterator[_State]:
    """Watch one file's processing under ``lims`` (its ``seconds`` and ``memory_mb``)."""
    state = _State()
    on_main = threading.current_thread() is threading.main_thread()
    target = threading.get_ident()
    stop = threading.Event()
    start = time.monotonic()

    def handler(signum: int, frame: FrameType | None) -> None:
        if not (state.active and state.fired is not None) or _importing(frame):
            return  # not watching, or inside an import: the watchdog asks again shortly
        limit, actual = state.fired
        raise limits.LimitExceeded(name, limit, actual)

    def look() -> None:
        cap = lims.memory_mb * 1024 * 1024
        while not stop.wait(POLL):
            rss = rss_bytes()
            state.peak = max(state.peak, rss)
            elapsed = time.monotonic() - start
            if state.fired is not None:
                pass  # waiting for the main thread to take it
            elif elapsed > lims.seconds:
                state.fired = ("seconds", f"{elapsed:.1f}")
            elif rss > cap:
                state.fired = ("memory_mb", str(rss // (1024 * 1024)))
            if state.fired is None:
                continue
            # again every poll until the file is given up: code that swallows exceptions
            # (``except Exception`` in a library) cannot carry on past the limit
            if on_main:
                _thread.interrupt_main(signal.SIGUSR1)
            elif state.active and not _importing(sys._current_frames().get(target)):
                _raise_in(target, _limit_error(name, *state.fired))

    before = signal.signal(signal.SIGUSR1, handler) if on_main else None
    state.active = True
    state.peak = rss_bytes()
    thread = threading.Thread(target=look, name="jixiao-watchdog", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.active = False
        stop.set()
        thread.join()
        if on_main:
            signal.signal(signal.SIGUSR1, before)
        elif state.fired is not None:
            _raise_in(target, None)  # one handed over but not yet raised: withdrawn


def _limit_error(name: str, limit: str, actual: str) -> type[limits.LimitExceeded]:
    """A ``LimitExceeded`` class that needs no arguments (``PyThreadState_SetAsyncExc``
    raises a class), with the reject text the main thread's handler gives."""

    class WatchdogLimit(limits.LimitExceeded):
        def __init__(self) -> None:
            super().__init__(name, limit, actual)

    return WatchdogLimit


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    """Have thread ``thread_id`` raise ``exc`` at its next bytecode (None: withdraw it)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None
    )
