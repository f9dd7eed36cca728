"""The pipeline's stages as functions: what the CLI subcommands and ``dvc.yaml`` run.

raw/ (PDFs) → extract → staged/ (Parquet) → validate → metrics/validation.json
→ publish: export → exports/ (CSV + datapackage.json), diff → diff/, report → reports/index.html
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.contract import TABLES
from pipeline.errors import CountMismatchError, UnaccountedTextError, UsageError
from pipeline.limits import DEFAULT_LIMITS, Limits
from pipeline.settings import Settings

if TYPE_CHECKING:  # the PDF readers are imported by the stage that reads PDFs, not by report
    from pipeline.extract import Extraction

STAGED, METRICS, EXPORTS, DIFF, REPORTS = (Path(p) for p in (
    "staged", "metrics/validation.json", "exports", "diff", "reports"))
#: What ``dvc metrics`` and ``dvc plots`` read (stage ``metrics``).
RUN_METRICS, PLOTS = Path("metrics/pipeline.json"), Path("metrics/indicators")


def pdf_paths(inputs: list[Path]) -> list[Path]:
    """PDF paths from files and folders (a folder means every *.pdf in it, sorted)."""
    out: list[Path] = []
    for p in inputs:
        if p.is_dir():
            found = sorted(p.glob("*.pdf"))
            if not found:
                raise UsageError("no *.pdf in this folder", str(p))
            out += found
        else:
            out.append(p)
    return out


def check_counts(ex: Extraction) -> None:
    """The document's declared counts (「35の実施項目」) must equal what was found."""
    doc = ex.rows["documents"][0]
    problems = []
    for table, key, noun in (("goals", "goal_no", "goal"), ("policies", "policy_no", "policy"),
                             ("items", "item_no", "item")):
        declared = doc[f"declared_{table}"]
        found = {r[key] for r in ex.rows[table]}
        if declared is None or declared == len(found):
            continue
        expected = set(range(1, declared + 1))
        detail = f" — {noun} {', '.join(map(str, sorted(expected - found)))} missing" if expected - found else ""
        detail += f" — unexpected {', '.join(map(str, sorted(found - expected)))}" if found - expected else ""
        problems.append(f"{table}: declared {declared}, found {len(found)}{detail}")
    if problems:
        raise CountMismatchError("; ".join(problems), str(ex.source.path))


def _check_coverage(ex: Extraction) -> None:
    if ex.unaccounted:
        pages = [p for p in ex.coverage if p.unaccounted]
        first = pages[0]
        raise UnaccountedTextError(
            f"{ex.unaccounted} characters not accounted for on page(s) "
            f"{', '.join(str(p.page) for p in pages)} (first on page {first.page}: "
            f"{' / '.join(first.unaccounted_text)[:80]!r}); see `plan-extract inspect`, "
            f"or pass --allow-unaccounted", str(ex.source.path))


def coverage_json(extractions: list[Extraction]) -> dict:
    return {
        "sources": [{
            "source_file": ex.source.path.name, "source_sha256": ex.source.sha256,
            "repairs": list(ex.source.repairs), "unaccounted": ex.unaccounted,
            "suspect": sum(p.suspect for p in ex.coverage),
            "pages": [asdict(p) | {"unaccounted": p.unaccounted, "suspect": p.suspect}
                      for p in ex.coverage],
        } for ex in extractions]
    }


def extract_stage(pdfs: list[Path], out: Path, *, settings: Settings, password: str | None = None,
                  allow_unaccounted: bool = False, progress: bool = False) -> list[Extraction]:
    """Extract every PDF; replace ``out`` only when all of them succeeded."""
    from pipeline.extract import extract_pdf
    from pipeline.inputs import check_editions, check_files
    from pipeline.staging import all_or_nothing, atomic_dir

    with all_or_nothing(out):  # refused or locked before the work, not after
        check_files(pdfs, settings.limits)
        extractions = []
        for pdf in pdfs:
            ex = extract_pdf(pdf, password=password, vocab=settings.vocabulary, limits=settings.limits,
                             workers=settings.workers, progress=progress)
            check_counts(ex)
            if not allow_unaccounted:
                _check_coverage(ex)
            extractions.append(ex)
        check_editions(extractions)
        from pipeline.staging import write_tables  # pyarrow: imported while pages were read

        with atomic_dir(out) as tmp:
            write_tables({name: [row for ex in extractions for row in ex.rows[name]] for name in TABLES}, tmp)
            (tmp / "coverage.json").write_text(
                json.dumps(coverage_json(extractions), ensure_ascii=False, indent=1), encoding="utf-8")
    for ex in extractions:
        print(f"{ex.source.path.name}: {_summary(ex)}", file=sys.stderr)
    return extractions


def _summary(ex: Extraction) -> str:
    t = ex.rows
    return (f"{len(t['goals'])} goals, {len(t['policies'])} policies, {len(t['items'])} items, "
            f"{len(t['projects'])} projects, {len(t['schedule'])} schedule bars, "
            f"{len(t['indicators'])} indicators; {ex.unaccounted} characters unaccounted")


def editions_diff_stage(staged: Path, out: Path) -> str:
    """Diff of the two newest editions in ``staged`` (with one, an empty diff that says so)."""
    from pipeline.compare.output import write_changes, write_diff
    from pipeline.compare.staged import editions
    from pipeline.staging import atomic_dir

    docs = editions(staged)
    if len(docs) < 2:
        with atomic_dir(out) as tmp:
            only = docs[0]["edition"] if docs else "-"
            write_changes([], tmp, None, only)
        return f"one edition in {staged}: no earlier edition to compare with; empty diff written to {out}"
    old, new = docs[-2], docs[-1]
    with atomic_dir(out) as tmp:
        changes = write_diff(staged, staged, tmp, old["source_sha256"], new["source_sha256"])
    return f"{len(changes)} changes {old['edition']} → {new['edition']} written to {out}"


def report_stage(staged: Path, out: Path, validation: Path | None, diff: Path | None,
                 sources: Path | None = None, exports: Path | None = None, *,
                 limits: Limits = DEFAULT_LIMITS) -> Path:
    """The report; ``diff`` and ``exports`` are read where this run wrote them (``pending``)
    and linked where they are published."""
    with report_stage_writer(staged, out, sources, limits=limits) as write:
        return write(validation, diff, exports)


@contextmanager
def report_stage_writer(staged: Path, out: Path, sources: Path | None = None, *,
                        limits: Limits = DEFAULT_LIMITS) -> Iterator[Callable[..., Path]]:
    """``report_stage`` begun: its page images render in another process while the caller
    writes the diff and the exports; ``write(validation, diff, exports)`` finishes it."""
    from pipeline.report.build import report_writer
    from pipeline.staging import atomic_dir, pending

    with atomic_dir(out) as tmp, report_writer(staged, tmp, sources=sources, final_dir=out,
                                               limits=limits) as write_report:
        def write(validation: Path | None, diff: Path | None, exports: Path | None) -> Path:
            result = json.loads(validation.read_text(encoding="utf-8")) if validation and validation.exists() else None
            diff_now = pending(diff) if diff else None
            links = [(pending(folder), folder) for folder in (exports, diff) if folder is not None]
            write_report(result, diff_now if diff_now and (diff_now / "changes.parquet").exists() else None,
                         links)
            if result is not None:  # every expectation in detail, linked from index.html
                from pipeline.validate.docs import write_validation_page

                write_validation_page(result, tmp)
            return out / "index.html"
        yield write


def publish_stage(staged: Path, validation: Path | None, *, settings: Settings,
                  exports: Path = EXPORTS, diff: Path = DIFF, reports: Path = REPORTS,
                  metrics: Path = RUN_METRICS, plots: Path = PLOTS,
                  sources: Path | None = None) -> list[str]:
    """What goes out once the tables validated: the open-data export, the diff of the two
    newest editions and the report showing both. One process for the three (``make run``'s
    ``publish`` stage): one interpreter start and one set of imports (pyarrow, pandas) instead
    of three; the report's page images render in a child process meanwhile. The numbers for
    ``dvc metrics`` and the indicator series for ``dvc plots`` come last, from what was
    written; all of it is published together, or none of it.
    ``sources``: the PDFs, for the report's evidence images."""
    from pipeline.metrics import METRICS_FILE, metrics_stage
    from pipeline.publish import export_dir
    from pipeline.staging import all_or_nothing

    with all_or_nothing(exports, diff, reports, plots) as pub:  # published together
        pub.reserve(metrics, METRICS_FILE)
        with report_stage_writer(staged, reports, sources, limits=settings.limits) as write_report:
            files = export_dir(staged, exports, publication=settings.publication)
            lines = [f"wrote {len(files)} files to {exports}", editions_diff_stage(staged, diff),
                     f"wrote {write_report(validation, diff, exports)}"]
        metrics_stage(staged, validation, pub.pending(diff), metrics, plots)
    return lines + [f"wrote {metrics} and {plots}/"]


def run_all(raw: Path, *, settings: Settings, progress: bool = False) -> None:
    """Every stage in order, as ``dvc repro`` runs them; the outputs are published together.

    Each stage reads the previous stage's new, not yet published output: a failure anywhere
    leaves every output as it was, and a second run on the same folder is refused.
    """
    from pipeline.metrics import METRICS_FILE
    from pipeline.staging import all_or_nothing
    from pipeline.validate.command import validate_command
    from pipeline.validate.report import REPORT_FILE

    with all_or_nothing(STAGED, EXPORTS, DIFF, REPORTS, PLOTS) as pub:
        pub.reserve(METRICS, REPORT_FILE)
        pub.reserve(RUN_METRICS, METRICS_FILE)
        extract_stage(pdf_paths([raw]), STAGED, settings=settings, progress=progress)
        staged = pub.pending(STAGED)
        validate_command(staged, METRICS, settings.vocabulary)
        lines = [pub.public(line) for line in publish_stage(staged, pub.pending(METRICS),
                                                            settings=settings, sources=raw)]
    for line in lines:
        print(line, file=sys.stderr)
