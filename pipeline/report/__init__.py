"""The HTML report of one staged edition (``plan-extract report``)."""

from pipeline.report.build import build_report

__all__ = ["build_report"]
