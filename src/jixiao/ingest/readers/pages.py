"""The pages of one scanned file read by several processes, joined in page order.

OCR is seconds a page; a 60-page scanned PDF read page after page keeps one core busy while
the others idle when it is the run's only file. So a file's OCR pages (``ocr.read_blocks``:
detection, recognition, cells, the part that needs nothing from the pages before) may go
to a pool of processes; each page read comes back and is joined to the file in page order
(``ocr.add_page``: the column roles a continued table inherits, line numbers, rows), with
text pages and blank pages kept in their place. The file's result is the same as read in
one process: one form across pages stays one form.

How many processes one file's pages may use is ``JIXIAO_PAGE_JOBS`` (1: this process), set by
the local engine from ``--jobs`` when a run has fewer files than processes (``spread``).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Any

from jixiao.ingest.readers.rows import RowBuilder

#: Env var: processes one file's pages may be read by (default 1).
PAGE_JOBS_ENV = "JIXIAO_PAGE_JOBS"
#: A file with fewer OCR pages than this is read in this process: a page process costs about
#: two seconds to start (the OCR models, the glyph templates), a page about five.
MIN_PAGES = 4


def page_jobs() -> int:
    """Processes this file's pages may use (``JIXIAO_PAGE_JOBS``, at least 1)."""
    try:
        return max(1, int(os.environ.get(PAGE_JOBS_ENV, "1") or 1))
    except ValueError:
        return 1


@contextmanager
def spread(jobs: int) -> Iterator[None]:
    """Within the block (and in processes started in it), a file's pages may use ``jobs``
    processes."""
    before = os.environ.get(PAGE_JOBS_ENV)
    os.environ[PAGE_JOBS_ENV] = str(max(1, jobs))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PAGE_JOBS_ENV, None)
        else:
            os.environ[PAGE_JOBS_ENV] = before


Found = Callable[[bool], None]


class PageReader:
    """A file's pages in order into ``out``: ``ocr`` pages read here or in a pool, ``then``
    steps (a text page, a blank one) run in their place; ``close`` waits for the rest.

    At most twice the pool's processes of pages are in flight, so a long file's grey pages
    are not all held at once.
    """

    def __init__(self, out: RowBuilder, ocr_pages: int) -> None:
        self.out = out
        jobs = min(page_jobs(), ocr_pages)
        self.pool: ProcessPoolExecutor | None = None
        if jobs > 1 and ocr_pages >= MIN_PAGES:
            self.pool = ProcessPoolExecutor(jobs, mp_context=get_context("spawn"))
        self.limit = 2 * jobs
        #: (the page's read in flight, the grey page and its number, what to call with it)
        self.queue: deque[tuple[Future[Any] | None, Any, Any]] = deque()

    def ocr(self, gray: Any, page: int, found: Found) -> None:
        """An image page (grey, uint8): read by OCR, its rows joined in page order."""
        from jixiao.ingest.readers import ocr

        if self.pool is None:
            found(ocr.read_page(gray, self.out, page))
            return
        try:
            future = self.pool.submit(ocr.read_blocks, gray, page)
        except BrokenProcessPool:
            future = None
        self.queue.append((future, (gray, page), found))
        self._join(wait=len(self.queue) >= self.limit)

    def then(self, step: Callable[[], None]) -> None:
        """A step that must come after the pages before it (a text page read into ``out``)."""
        if self.pool is None:
            step()
            return
        self.queue.append((None, None, step))
        self._join(wait=False)

    def _join(self, wait: bool) -> None:
        """Join pages from the front of the queue: those done, and the first one if ``wait``.
        A page whose process died (the pool broken) is read here instead."""
        from jixiao.ingest.readers import ocr

        while self.queue:
            future, item, then = self.queue[0]
            if future is not None and not future.done() and not wait:
                return
            self.queue.popleft()
            wait = False
            if item is None:
                then()
                continue
            try:
                read = future.result() if future is not None else None
            except BrokenProcessPool:
                read = None
            then(ocr.add_page(read or ocr.read_blocks(*item), self.out))

    def close(self) -> None:
        """Every page joined; the pool shut down."""
        try:
            while self.queue:
                self._join(wait=True)
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)

    def __enter__(self) -> PageReader:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None and self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            return
        self.close()
