"""Ctrl-C and SIGTERM stop a run the same way, and never half-publish it.

The handlers raise ``Interrupted`` (a ``KeyboardInterrupt``: exit 130 for SIGINT, 143 for
SIGTERM). Python drops an exception raised where it cannot propagate (a fork hook, a
``__del__``), so every signal is also recorded, and ``check()`` raises it again before the
outputs are published. While ``held()`` (the final swaps) a signal is only recorded: the
run is finishing anyway, and the signal is forgotten.
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.exit_code = 128 + signum  # the shell's convention: 130, 143


_received: list[int] = []
_holding = False


def _on_signal(signum: int, frame) -> None:
    _received.append(signum)
    if not _holding:
        raise Interrupted(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Install the handlers for the block (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    old = {s: signal.signal(s, _on_signal) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        _received.clear()


def stopped_line(signum: int) -> str:
    """The one line a run stopped by ``signum`` prints (its exit code is 128 + signum)."""
    how = "terminated" if signum == signal.SIGTERM else "interrupted"
    return f"plan-extract: {how}; previous outputs left as they were"


def check() -> None:
    """Raise a signal received earlier whose exception Python could not deliver."""
    if _received:
        raise Interrupted(_received[0])


@contextmanager
def held() -> Iterator[None]:
    """Signals in the block are recorded, not raised (handlers installed if there are none)."""
    global _holding
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    ours = {s: signal.getsignal(s) for s in SIGNALS if signal.getsignal(s) is not _on_signal}
    for s in ours:
        signal.signal(s, _on_signal)
    _holding = True
    try:
        yield
    finally:
        _holding = False
        _received.clear()  # the run finished: nothing left to stop
        for s, handler in ours.items():
            signal.signal(s, handler)


def die_with_parent(parent: int) -> None:
    """In a forked child: die with the parent (Linux), and leave Ctrl-C to it (no traceback
    from a child)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with(signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def die_with(signum: int) -> None:
    """Receive ``signum`` when the parent process ends (Linux; elsewhere nothing). The parent
    may have ended already: callers compare ``os.getppid()`` with the parent they knew."""
    prctl = getattr(ctypes.CDLL(None), "prctl", None)
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signum)


_PR_SET_PDEATHSIG = 1
