"""Engines that run a normalize batch: ``local`` (a process pool) and ``ray`` (Ray Data).

Both run the same per-file function (``runstore.process``) and hand each finished file to
the same callback, which stores it under the same keys and writes outputs in input order:
a run started on one engine can be finished on the other.
"""

from __future__ import annotations

ENGINES = ("local", "ray")
