"""The C heap's free memory given back to the system before a page's detection.

glibc keeps what a process frees for its next allocations instead of returning it: after
one scanned page a reader's process still held 300–500 MB it had freed (detection's
activations, the page's masks and crops), and the next page's detection, 450 MB of new
arrays that do not fit the holes left, came on top of it. ``malloc_trim(0)`` returns every
free page of the heap; it takes a few milliseconds. Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _trim() -> Any:
    """glibc's ``malloc_trim``, or None where the C library has none."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return getattr(libc, "malloc_trim", None)


def give_back() -> None:
    """Return the heap's free pages to the system (a no-op without glibc)."""
    trim = _trim()
    if trim is not None:
        trim(0)
