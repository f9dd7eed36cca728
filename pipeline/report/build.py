"""``build_report``: one self-contained HTML page (inline CSS and SVG, no scripts, no CDN)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from pipeline.compare import labels
from pipeline.compare.staged import load_staged, newest_source
from pipeline.errors import ExportError, UsageError
from pipeline.report.model import plan_view
from pipeline.vocabulary import DEFAULT


@dataclass(frozen=True)
class SuiteSummary:
    suite: str
    passed: int
    failed: int


def build_report(staged_dir: Path, out_dir: Path, validation: dict | None = None,
                 diff_dir: Path | None = None, source_sha256: str | None = None) -> Path:
    """Write ``out_dir/index.html`` for one edition in ``staged_dir`` and return its path.

    The edition is ``source_sha256``, by default the newest one. ``validation`` is the validate
    step's result ({ok, failures, results}); ``diff_dir`` holds a ``changes.parquet`` from
    ``plan-extract diff``.
    """
    plan = plan_view(load_staged(Path(staged_dir), source_sha256 or newest_source(staged_dir)))
    html = _environment().get_template("index.html.j2").render(
        plan=plan,
        validation=validation,
        suites=_suites(validation),
        changes=_changes(diff_dir) if diff_dir is not None else None,
        labels=labels,
        tracks={"plan_actual": DEFAULT.plan_actual[0], "evaluation": DEFAULT.evaluation[0]},
        star=DEFAULT.data_utilization_mark,
    )
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / "index.html"
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot write report: {exc.strerror}", str(out_dir)) from exc
    return path


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline.report", "templates"),
        autoescape=True,  # every text from the PDF is escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _suites(validation: dict | None) -> list[SuiteSummary]:
    if not validation:
        return []
    passed, failed = Counter(), Counter()
    for r in validation.get("results", []):
        (passed if r.get("success") else failed)[r.get("suite", "")] += 1
    return [SuiteSummary(s, passed[s], failed[s]) for s in dict.fromkeys([*passed, *failed])]


def _changes(diff_dir: Path) -> list[tuple[str, list[dict]]]:
    """Changes grouped by table, in the order the diff wrote them."""
    path = Path(diff_dir) / "changes.parquet"
    if not path.exists():
        raise UsageError("no changes.parquet (run plan-extract diff first)", str(diff_dir))
    df = pd.read_parquet(path)
    df = df.astype(object).where(df.notna(), None)
    return [(table, group.to_dict("records")) for table, group in df.groupby("table", sort=False)]
