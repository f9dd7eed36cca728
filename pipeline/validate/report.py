"""The outcome of ``plan-extract validate``: readable failure lines plus per-expectation detail."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.staging import atomic_file, is_json_object_with


@dataclass
class ValidationReport:
    ok: bool
    #: One line per failed expectation, ``<table>: <what> — <offending values>``.
    failures: list[str] = field(default_factory=list)
    #: One dict per expectation run: suite, suite_ja, table, edition, source_sha256,
    #: expectation_type, description (what is wrong), description_ja (the rule, in Japanese),
    #: success, offending (rendered; offending_ja in Japanese), unexpected_count, observed_value, error.
    results: list[dict] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


#: An existing file at the report's path is replaced only if it is an earlier report.
REPORT_FILE = is_json_object_with("ok", "failures", "results")


def write_report(report: ValidationReport, path: Path) -> None:
    """Write the report as UTF-8 JSON (read later by the HTML report), all or nothing."""
    with atomic_file(Path(path), REPORT_FILE) as tmp:
        tmp.write_text(report.to_json() + "\n", encoding="utf-8")
