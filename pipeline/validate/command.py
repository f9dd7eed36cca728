"""``plan-extract validate DIR [--report FILE]``: the CLI's side of validation."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.errors import ValidationFailed
from pipeline.staging import public
from pipeline.validate import validate_dir, write_report
from pipeline.vocabulary import DEFAULT, Vocabulary


def validate_command(
    staged_dir: Path, report_path: Path | None = None, vocabulary: Vocabulary = DEFAULT
) -> None:
    """Validate, write the JSON report if asked; on failure print the lines on stderr and raise."""
    report = validate_dir(staged_dir, vocabulary)
    if report_path is not None:
        write_report(report, report_path)
    if not report.ok:
        for line in report.failures:
            print(line, file=sys.stderr)
        raise ValidationFailed(f"{len(report.failures)} validation failure(s)", file=str(staged_dir))
    print(f"{public(staged_dir)}: all {len(report.results)} expectations met")
