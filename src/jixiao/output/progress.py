"""Progress bars for long runs (``review`` and ``eval`` of many forms), on stderr.

A bar per phase (rich), shown only when stderr is a terminal and ``-q`` was not given: a log,
a pipe or CI sees nothing but the summary. The work itself only calls ``Progress.step``, so it
runs the same with or without a bar (tests pass a recording ``Progress``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Progress:
    """What a long run reports as it goes: ``step(name, total)`` gives the callback of one
    phase, called with (done, total) — or (1, 0) for one more done."""

    def __init__(self, report: Callable[[str, int, int], None]) -> None:
        self._report = report

    def step(self, name: str, total: int = 0) -> Callable[[int, int], None]:
        state = {"done": 0}
        self._report(name, 0, total)

        def update(done: int, of: int) -> None:
            state["done"] = state["done"] + 1 if of == 0 else done
            self._report(name, state["done"], of or total)

        return update


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Progress]:
    """A progress bar per phase on stderr; nothing when quiet or when stderr is no terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    console = Console(stderr=True)
    bar = Bar(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=quiet or not console.is_terminal,
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def report(name: str, done: int, total: int) -> None:
        if name not in tasks:
            tasks[name] = bar.add_task(name, total=total or None)
        bar.update(tasks[name], completed=done, total=total or None)

    with bar:
        yield Progress(report)
