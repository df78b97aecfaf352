"""Process settings for long batch runs: the CLI, its worker processes and the benchmarks."""

from __future__ import annotations

import gc

from jixiao.output import logs

#: First-generation threshold of the garbage collector during batch runs (CPython's is 700).
GC_GEN0 = 20_000


def tune_for_batch() -> None:
    """Run the cyclic garbage collector less often.

    A parse allocates millions of short-lived cells, rows and records that reference counting
    frees on its own; at the default threshold the collector re-walked the young objects every
    few rows (about 5% of a bulk run). Idempotent; never lowers a threshold already raised.
    """
    gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(max(gen0, GC_GEN0), gen1, gen2)


def worker_init() -> None:
    """A pool worker: tuned for batch work, and deaf to Ctrl-C (SIGINT), which the parent
    handles once (it stops handing out files and says how to resume); the files in flight
    finish and are stored, so nothing a worker did is lost and no worker prints a traceback."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tune_for_batch()
    logs.setup()  # the parent's -v/-q, passed in the environment
