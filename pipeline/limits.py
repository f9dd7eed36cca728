"""Limits for hostile or broken input: file size, page count, time per page, memory.

A PDF from a website can be huge, can declare millions of pages, or can make pdfminer loop
or allocate without end. These limits turn such files into a clean ``ResourceLimitError``
instead of a hung or swapping machine. Defaults fit the plan documents with wide margins;
the CLI may override them (``Limits(max_pages=...)``).
"""

from __future__ import annotations

import resource
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType

from pipeline.errors import ResourceLimitError

MiB = 2**20
GiB = 2**30


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 200 * MiB
    max_pages: int = 5000
    page_seconds: float = 30.0
    memory_bytes: int = 2 * GiB  # address space (RLIMIT_AS) of a worker process

    def check_file_size(self, path: Path) -> int:
        """Size of ``path`` in bytes; refuse files above ``max_file_bytes`` before reading them."""
        size = Path(path).stat().st_size
        if size > self.max_file_bytes:
            raise ResourceLimitError(
                f"file is {size / MiB:.3g} MB, over the limit of "
                f"{self.max_file_bytes / MiB:.3g} MB", str(path))
        return size

    def check_page_count(self, pages: int, file: str | None = None) -> None:
        if pages > self.max_pages:
            raise ResourceLimitError(
                f"has {pages} pages, over the limit of {self.max_pages}", file)


DEFAULT_LIMITS = Limits()


class page_timeout:
    """Raise ``ResourceLimitError`` if the body runs longer than ``seconds``.

    Uses SIGALRM (``setitimer``), so it interrupts pure-Python loops such as a pdfminer parse
    that never ends. Signals only reach the main thread: elsewhere this is a no-op, which is
    why workers run pages in the main thread of their own process. An enclosing timer (nested
    use) is restored on exit, minus the time spent inside. pdfminer catches broadly in
    places (a font it cannot load is skipped with a warning), so the error raised inside
    may be swallowed: it is raised again on exit, rather than the body's half-done result
    passing as complete.
    """

    def __init__(self, seconds: float, what: str = "page"):
        self.seconds = seconds
        self.what = what
        self._armed = False
        self._fired = False

    def _error(self) -> ResourceLimitError:
        return ResourceLimitError(f"{self.what} took longer than {self.seconds:g} s (limit); "
                                  "the file may be hostile or damaged")

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        if self._armed:
            self._armed = False
            self._fired = True
            raise self._error()

    def __enter__(self) -> page_timeout:
        if threading.current_thread() is not threading.main_thread():
            return self
        self._old_handler = signal.signal(signal.SIGALRM, self._on_alarm)
        self._old_timer = signal.setitimer(signal.ITIMER_REAL, 0)[0]
        self._armed = True
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, exc_type: type | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if not hasattr(self, "_old_handler"):
            return
        self._armed = False  # a signal arriving from here on is ignored, never raised
        left = signal.setitimer(signal.ITIMER_REAL, 0)[0]
        signal.signal(signal.SIGALRM, self._old_handler)
        if self._old_timer:
            spent = self.seconds - left
            signal.setitimer(signal.ITIMER_REAL, max(self._old_timer - spent, 1e-3))
        if self._fired and exc_type is None:  # the body caught our error and carried on
            raise self._error()


def apply_memory_limit(max_bytes: int = DEFAULT_LIMITS.memory_bytes) -> None:
    """Cap this process's address space, so a runaway allocation raises ``MemoryError``.

    Call it first thing in a worker process (never in the CLI's own process: the cap is
    inherited and cannot be raised again). It limits virtual memory, not RSS; numpy/pyarrow
    reserve some address space up front, so keep the cap well above 1 GiB. The hard limit is
    never raised. ``source.pdf_errors`` turns the resulting ``MemoryError`` into a
    ``ResourceLimitError``.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        max_bytes = min(max_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, hard))


def out_of_memory(file: str | None = None) -> ResourceLimitError:
    """The error for a ``MemoryError``, naming the address-space cap if one is set."""
    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    cap = "" if soft == resource.RLIM_INFINITY else f" (limit {soft / GiB:.1f} GiB)"
    return ResourceLimitError(f"ran out of memory{cap} while reading the PDF", file)
