"""Errors an analyst can act on, each with its own documented exit code.

The CLI prints ``plan-extract: FILE: reason`` on one line and exits with ``exit_code``;
tracebacks only appear with ``--debug``.
"""

from __future__ import annotations


class PlanExtractError(Exception):
    """Base class: a clean, one-line failure."""

    exit_code = 1

    def __init__(self, reason: str, file: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.file = file

    def one_line(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"plan-extract: {where}{self.reason}".replace("\n", " ")


class UsageError(PlanExtractError):
    exit_code = 2


class NotPdfError(PlanExtractError):
    exit_code = 10


class DamagedPdfError(PlanExtractError):
    exit_code = 11


class EncryptedPdfError(PlanExtractError):
    exit_code = 12


class NoTextLayerError(PlanExtractError):
    exit_code = 13


class NotAPlanError(PlanExtractError):
    exit_code = 14


class CountMismatchError(PlanExtractError):
    exit_code = 15


class ParseError(PlanExtractError):
    """A value on the page that cannot be read (names page and cell)."""

    exit_code = 16


class UnaccountedTextError(PlanExtractError):
    exit_code = 17


class ValidationFailed(PlanExtractError):
    exit_code = 18


class ResourceLimitError(PlanExtractError):
    exit_code = 19


class ExportError(PlanExtractError):
    exit_code = 20


class OutputError(PlanExtractError):
    """An output cannot be written: read-only folder, disk full, no permission."""

    exit_code = 21


class BusyError(PlanExtractError):
    """Another run holds the lock on the output folder."""

    exit_code = 22
