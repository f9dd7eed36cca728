"""Stage 1 at full speed: every page parsed once, in parallel worker processes.

Pages go to forked workers in small contiguous chunks and come back, in page order, as the
compact layout model; the caller reads them as they arrive, so parsing and reading overlap
and only a few pages are ever held at once.
"""

from __future__ import annotations

import gc
import os
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from multiprocessing import active_children, get_all_start_methods, get_context
from multiprocessing.context import BaseContext

from pipeline.errors import ResourceLimitError
from pipeline.interrupt import die_with_parent
from pipeline.limits import DEFAULT_LIMITS, Limits, memory_cap_lifted
from pipeline.progress import Progress
from pipeline.source import SourcePdf, pdf_errors

from .pages import PageContent
from .walk import PageWalk, read_chunk

#: Pages per worker task: small tasks balance the two cores to the end and keep few pages
#: waiting in memory for the readers; the worker keeps the PDF open between its tasks.
CHUNK = 5


def read_pages(source: SourcePdf, limits: Limits = DEFAULT_LIMITS, workers: int = 0,
               progress: bool = False) -> Iterator[PageContent]:
    """Every page in the layout model, in page order, parsed in parallel worker processes.

    Pages go to workers in small contiguous chunks, so both cores stay busy to the end; each
    worker keeps the PDF open across its chunks and no page is ever parsed twice. Pages are
    yielded as their chunk arrives, so the readers work while the workers parse. A document
    of one chunk is read in this process.
    """
    n = source.page_count
    workers = limits.workers(workers)
    ranges = [(i, min(i + CHUNK, n)) for i in range(0, n, CHUNK)]
    if workers == 1 or len(ranges) == 1:
        with Progress(progress, total=n, what=source.path.name) as bar, pdf_errors(str(source.path)):
            walk = PageWalk(source)
            try:
                for first, last in ranges:
                    yield from walk.read(first, last, limits)
                    bar.advance(last - first)
            finally:
                walk.close()
        return
    # Workers fork (on the first submit) before any thread exists here (the progress bar and
    # the warm-up have one). The objects that exist at the fork stay frozen while the workers
    # live: no collector, here or in a worker, walks (and so copies) the memory they share.
    # Only the workers read PDF bytes now: this process keeps its share of memory_mb unused
    # rather than capped, as a failed allocation in the pool's own threads would hang it (and
    # the warm-up's libraries need room): the warm-up ends before the cap is back.
    warm_up = threading.Thread(target=_warm_up, daemon=True)
    with memory_cap_lifted():
        pool = ProcessPoolExecutor(min(workers, len(ranges)), mp_context=_context(),
                                   initializer=die_with_parent, initargs=(os.getpid(),))
        gc.freeze()
        try:
            memory = limits.process_memory(workers)
            submit = (pool.submit(read_chunk, source, first, last, limits, memory)
                      for first, last in ranges)
            in_flight = deque(islice(submit, 2 * workers))  # bounded: memory stays flat
            _close_result_writer(pool)
            warm_up.start()
            with Progress(progress, total=n, what=source.path.name) as bar:
                while in_flight:
                    pages = _result(in_flight.popleft(), source)
                    in_flight.extend(islice(submit, 1))
                    yield from pages
                    bar.advance(len(pages))
        except BaseException:  # an error, Ctrl-C, SIGTERM, readers that stop: workers stop now
            _stop_workers()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            gc.unfreeze()
            if warm_up.is_alive():
                warm_up.join()


def _context() -> BaseContext:
    """Fork where the platform has it: workers start with the page reader already imported."""
    methods = get_all_start_methods()
    return get_context("fork" if "fork" in methods else "spawn")


def _stop_workers() -> None:
    """Kill the workers mid-page (also one being forked): their results are not wanted."""
    for process in active_children():
        process.kill()


def _close_result_writer(pool: ProcessPoolExecutor) -> None:
    """Close this process's copy of the pipe the workers send results through.

    The workers have forked (all at the first submit) and hold their own copies; this
    process only reads. A worker killed half-way through sending a chunk (``_stop_workers``)
    leaves a partial message that the pool's reader thread would wait on for ever, as long
    as any write end is open: with this one closed, it reads the end of the pipe instead,
    and the pool shuts down. (The pool keeps the pipe in private attributes: where they are
    not, nothing is closed and the risk stays as it was.)
    """
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None and hasattr(writer, "close"):
        writer.close()


def _warm_up() -> None:
    """Import what staging the tables needs while the workers parse (this process idles)."""
    import pyarrow.json  # noqa: F401
    import pyarrow.parquet  # noqa: F401


def _result(future, source: SourcePdf) -> list[PageContent]:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise ResourceLimitError("a page worker died (out of memory?)", str(source.path)) from exc
