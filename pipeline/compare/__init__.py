"""Differences between two editions of the plan (``plan-extract diff``)."""

from pipeline.compare.diff import diff_tables
from pipeline.compare.output import diff_dirs

__all__ = ["diff_tables", "diff_dirs"]
