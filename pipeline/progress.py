"""A progress bar for multi-page work on a terminal; silent otherwise (CI, DVC logs)."""

from __future__ import annotations


class Progress:
    def __init__(self, enabled: bool, total: int, what: str):
        self._bar = _rich_bar() if enabled else None
        self._total, self._what = total, what

    def __enter__(self) -> "Progress":
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task(self._what, total=self._total)
        return self

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()


def _rich_bar():
    """rich is imported only when a bar is shown (a terminal), not in batch runs."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Rich

    return Rich(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("pages"), TimeElapsedColumn(), transient=True)
