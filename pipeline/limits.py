"""Limits for hostile or broken input: file size, page count, time, memory, stream size.

A PDF from a website can be huge, can declare millions of pages, or can make pdfminer loop
or allocate without end (a decompression bomb: a few MB that inflate to gigabytes; a
ToUnicode range over four billion codes). These limits turn such files into a clean
``ResourceLimitError`` (exit 19) instead of a hung or swapping machine, in every process
that reads PDF bytes. Defaults fit the plan documents with wide margins; ``params.yaml``
(``limits:``) overrides them.
"""

from __future__ import annotations

import io
import os
import resource
import signal
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, SimpleNamespace, TracebackType

from pipeline.errors import ResourceLimitError

MiB = 2**20
GiB = 2**30
#: Least address space a process reading PDF bytes gets (a page needs a few MB above the
#: interpreter's 70); ``memory_mb`` limits the number of workers to keep to it.
MIN_PROCESS_MEMORY = 256 * MiB


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 200 * MiB
    max_pages: int = 5000
    page_seconds: float = 30.0
    #: the whole run: the main process and its page workers together (``memory_mb``)
    memory_bytes: int = 2 * GiB
    #: one stream's decoded size (``max_stream_mb``): a decompression bomb stops here
    max_stream_bytes: int = 64 * MiB
    #: the whole document, all pages (``document_seconds``)
    document_seconds: float = 600.0
    #: the 体系図 must begin within this many pages, else "not a plan" (``overview_within_pages``)
    overview_within_pages: int = 30
    #: codes one CMap (ToUnicode) may map: two full two-byte planes
    max_cmap_codes: int = 2**17

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

    def workers(self, workers: int = 0) -> int:
        """Page workers to start for ``workers`` (0 = one per core; 1 = pages read in this
        process): no more than leave each process ``MIN_PROCESS_MEMORY`` of ``memory_bytes``."""
        wanted = workers or os.cpu_count() or 1
        return max(1, min(wanted, self.memory_bytes // MIN_PROCESS_MEMORY - 1))

    def process_memory(self, workers: int = 0) -> int:
        """The share of ``memory_bytes`` of this process and of each page worker, as they
        read PDF bytes at once: the shares add up to the whole, so the tree never holds more."""
        n = self.workers(workers)
        return self.memory_bytes // (1 if n == 1 else n + 1)


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

    def __init__(self, seconds: float, what: str = "page", key: str = "page_seconds"):
        self.seconds = seconds
        self.what = what
        self.key = key  # the params.yaml entry, named in the error
        self._armed = False
        self._fired = False

    def _error(self) -> ResourceLimitError:
        return ResourceLimitError(f"{self.what} took longer than {self.seconds:g} s "
                                  f"(limits.{self.key}); the file may be hostile or damaged")

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

    Call it first thing in a worker process. It limits virtual memory, which is never less
    than the memory in use (RSS), so shares that add up to ``memory_mb`` bound the whole
    process tree. A process already larger than its share (only when the library runs
    inside a bigger program, such as the test suite; the CLI starts at some 70 MB) may
    still grow by its share. Only the soft limit is set (the hard one is never raised), so
    the main process can lift its cap again once the PDF is read (``memory_cap``).
    ``source.pdf_errors`` turns the resulting ``MemoryError`` into a ``ResourceLimitError``.
    """
    if (size := _address_space()) >= max_bytes:
        max_bytes += size
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        max_bytes = min(max_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, hard))


@contextmanager
def memory_cap_lifted() -> Iterator[None]:
    """No address-space cap in the body (up to the hard limit), the previous one after it."""
    before, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (before, hard))


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 where /proc is not available)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


@contextmanager
def memory_cap(max_bytes: int) -> Iterator[None]:
    """``apply_memory_limit`` in this (the main) process while the body reads PDF bytes;
    the previous cap afterwards (writing Parquet, validating need more address space,
    not more PDF). Forked page workers inherit the cap, and set their own share."""
    before = resource.getrlimit(resource.RLIMIT_AS)[0]
    apply_memory_limit(max_bytes)
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (before, resource.getrlimit(resource.RLIMIT_AS)[1]))


@contextmanager
def reading_pdf(limits: Limits, workers: int, file: str) -> Iterator[None]:
    """The bounds of reading one PDF in this process and its page workers: this process's
    share of ``memory_mb`` (it reads the document's structure, and a short document's
    pages), ``document_seconds`` for the whole, and a ``MemoryError`` anywhere (pdfminer's
    own are turned in ``source.pdf_errors``) as the one-line ResourceLimitError."""
    with (memory_cap(limits.process_memory(workers)),
          page_timeout(limits.document_seconds, "reading the whole document", "document_seconds")):
        try:
            yield
        except MemoryError as exc:
            raise out_of_memory(file) from exc
        except ResourceLimitError as exc:  # e.g. the document's time, while workers parse
            exc.file = exc.file or file
            raise


def out_of_memory(file: str | None = None) -> ResourceLimitError:
    """The error for a ``MemoryError``, naming the address-space cap if one is set."""
    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    cap = ("" if soft == resource.RLIM_INFINITY
           else f" (limit {soft / MiB:.0f} MB in this process: limits.memory_mb)")
    return ResourceLimitError(f"ran out of memory{cap} while reading the PDF", file)


# --- pdfminer's decoders, bounded ---------------------------------------------------------
#
# pdfminer inflates a stream in one call (``zlib.decompress``, ``lzwdecode``, ``rldecode``)
# and expands every ToUnicode range code by code: a small file can ask for gigabytes before
# any memory cap bites, or take hours. ``guard_pdfminer`` swaps in versions that stop at
# ``max_stream_bytes`` / ``max_cmap_codes`` with a ResourceLimitError (which pdfminer does
# not catch). The caps are per process, set from the run's Limits by ``guard_pdfminer``.

_caps = {"stream": DEFAULT_LIMITS.max_stream_bytes, "cmap": DEFAULT_LIMITS.max_cmap_codes}


def _too_big(size: int | str) -> ResourceLimitError:
    return ResourceLimitError(
        f"a stream inflates to more than {_caps['stream'] / MiB:.3g} MB "
        f"(limits.max_stream_mb): a decompression bomb?" if size == "stream" else size)


def _inflate(data: bytes) -> bytes:
    """``zlib.decompress`` that stops at the stream cap (and fails as it does on a cut stream)."""
    d = zlib.decompressobj()
    out = d.decompress(data, _caps["stream"] + 1)
    if len(out) > _caps["stream"] or d.unconsumed_tail:
        raise _too_big("stream")
    if not d.eof:
        raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
    return out


class _CountingInflater:
    """``zlib.decompressobj()`` for pdfminer's repair path (byte by byte), capped in total."""

    def __init__(self) -> None:
        self._d, self._total = zlib.decompressobj(), 0

    def decompress(self, data: bytes) -> bytes:
        out = self._d.decompress(data, _caps["stream"] + 1 - self._total)
        self._total += len(out)
        if self._total > _caps["stream"] or self._d.unconsumed_tail:
            raise _too_big("stream")
        return out


_ZLIB = SimpleNamespace(decompress=_inflate, decompressobj=_CountingInflater, error=zlib.error)


def _lzw(data: bytes) -> bytes:
    from pdfminer.lzw import LZWDecoder

    out, total = [], 0
    for part in LZWDecoder(io.BytesIO(data)).run():
        total += len(part)
        if total > _caps["stream"]:
            raise _too_big("stream")
        out.append(part)
    return b"".join(out)


def _run_length_size(data: bytes) -> int:
    """Decoded size of RunLengthDecode data (a length byte, then a literal run or one byte)."""
    i = size = 0
    while i < len(data) and data[i] != 128:
        n = data[i]
        size, i = (size + n + 1, i + n + 2) if n < 128 else (size + 257 - n, i + 2)
    return size


def _cmap_codes(objs: list, per_range: int) -> int:
    """Codes a CMap's ``…range`` section maps: start, end (byte strings), then ``per_range``-2
    more operands per range."""
    total = 0
    for i in range(0, len(objs) - per_range + 1, per_range):
        start, end = objs[i], objs[i + 1]
        if isinstance(start, bytes) and isinstance(end, bytes) and len(start) == len(end):
            total += max(int.from_bytes(end, "big") - int.from_bytes(start, "big") + 1, 0)
    return total


def guard_pdfminer(limits: Limits = DEFAULT_LIMITS) -> None:
    """Bound pdfminer's stream decoders and CMap ranges in this process (idempotent)."""
    import pdfminer.pdffont
    import pdfminer.pdftypes
    from pdfminer.cmapdb import CMapParser
    from pdfminer.runlength import rldecode

    _caps.update(stream=limits.max_stream_bytes, cmap=limits.max_cmap_codes)
    if pdfminer.pdftypes.zlib is _ZLIB:
        return

    def run_length(data: bytes) -> bytes:
        if _run_length_size(data) > _caps["stream"]:
            raise _too_big("stream")
        return rldecode(data)

    class BoundedCMapParser(CMapParser):
        """Counts the codes of every range before pdfminer expands them one by one."""

        codes = 0

        def do_keyword(self, pos: int, token) -> None:
            if token is self.KEYWORD_ENDBFRANGE or token is self.KEYWORD_ENDCIDRANGE:
                self.codes += _cmap_codes([obj for _, obj in self.curstack], 3)
                if self.codes > _caps["cmap"]:
                    raise _too_big(f"a font's character map (CMap) maps over {self.codes} "
                                   f"codes (limit {_caps['cmap']}): a hostile font?")
            super().do_keyword(pos, token)

    pdfminer.pdftypes.zlib = _ZLIB
    pdfminer.pdftypes.lzwdecode = _lzw
    pdfminer.pdftypes.rldecode = run_length
    pdfminer.pdffont.CMapParser = BoundedCMapParser
