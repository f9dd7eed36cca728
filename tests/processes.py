"""The tests' view of running processes, read from ``/proc`` (Linux): who is in a process
group, whose children they are, what they run. Zombies (ended, not yet reaped) do not count."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path


def live() -> Iterator[tuple[int, int, int]]:
    """``(pid, parent pid, process group)`` of every process that has not ended."""
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            # the command name, in brackets, may hold spaces and ")": fields follow the last
            state, ppid, pgid = stat_file.read_text().rsplit(")", 1)[1].split()[:3]
        except OSError:
            continue
        if state != "Z":
            yield int(stat_file.parent.name), int(ppid), int(pgid)


def group_members(pgid: int) -> list[int]:
    return [pid for pid, _, group in live() if group == pgid]


def children(pid: int) -> list[int]:
    return [child for child, parent, _ in live() if parent == pid]


def pgid_of(pid: int) -> int:
    """The process group of ``pid`` (0 once it has gone)."""
    try:
        return os.getpgid(pid)
    except OSError:
        return 0


def cmdline(pid: int) -> list[bytes]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return []
