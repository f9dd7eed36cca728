"""``plan-extract validate``: check staged Parquet tables against the expectation suites.

Each source PDF in the directory (a ``documents`` row) is validated on its own; the suites in
``expectations/`` name the rules, :mod:`.frames` supplies derived frames and parameters.
pandas and GX are imported when a validation runs, not with the package: the report's
validation page (:mod:`.docs`) is rendered without them.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import UsageError
from pipeline.validate.render import exception_message, offending, plain, what
from pipeline.validate.report import ValidationReport, write_report
from pipeline.vocabulary import DEFAULT, Vocabulary

__all__ = ["ValidationReport", "validate_dir", "write_report"]


def validate_dir(
    staged_dir: Path, vocabulary: Vocabulary = DEFAULT, suites_dir: Path | None = None
) -> ValidationReport:
    """Validate ``staged_dir/<table>.parquet``; never raises for bad data, only reports it.
    ``suites_dir``: by default the project's ``expectations/`` (``suites.SUITES_DIR``)."""
    from pipeline.validate.frames import dir_frames, dir_parameters, parameters, source_frames
    from pipeline.validate.staged import of_source, read_staged, sources
    from pipeline.validate.suites import SUITES_DIR, load_suites

    staged_dir = Path(staged_dir)
    if not staged_dir.is_dir():
        raise UsageError("not a directory of staged tables", file=str(staged_dir))
    staged = read_staged(staged_dir)
    suites = load_suites(suites_dir or SUITES_DIR)
    report = ValidationReport(ok=True, failures=list(staged.problems))
    _check(report, suites, dir_frames(staged.tables), dir_parameters(staged.tables))
    editions = sources(staged.tables)
    if not editions:
        report.failures.append("documents: no rows — nothing to validate")
    for sha, edition in editions:
        tables = of_source(staged.tables, sha)
        prefix = f"[{edition} {sha[:12]}] " if len(editions) > 1 else ""
        _check(report, suites, source_frames(tables), parameters(tables, vocabulary),
               sha, edition, prefix)
    report.ok = not report.failures
    return report


def _check(report, suites, frames, params, sha=None, edition=None, prefix="") -> None:
    """Run each frame's suite, adding results and failure lines to the report."""
    from pipeline.validate.suites import runner

    for name, frame in frames.items():
        suite = suites[name]
        for r in runner().run(suite, frame, params):
            entry = _entry(suite, frame, params, r, sha, edition)
            report.results.append(entry)
            if not entry["success"]:
                report.failures.append(
                    f"{prefix}{suite.table}: {entry['description']} — {', '.join(entry['offending'])}"
                )


def _entry(suite, frame, params, r, sha, edition) -> dict:
    config, result = r.expectation_config, r.result or {}
    failed = not r.success
    return {
        "suite": suite.name,
        "suite_ja": suite.data.get("meta", {}).get("ja", suite.name),
        "table": suite.table,
        "edition": edition,
        "source_sha256": sha,
        "expectation_type": config.type,
        "description": what(config, params, result),
        "description_ja": what(config, params, result, language="ja"),
        "success": bool(r.success),
        "offending": offending(config, result, r.exception_info or {}, frame.key) if failed else [],
        "offending_ja": offending(config, result, r.exception_info or {}, frame.key, "ja") if failed else [],
        "unexpected_count": plain(result.get("unexpected_count")),
        "observed_value": plain(result.get("observed_value")),
        "error": exception_message(r.exception_info or {}),
    }
