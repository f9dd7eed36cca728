"""``build_report``: one HTML page (inline CSS, SVG and a few lines of script, no CDN) plus
the page images its evidence links open."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.compare import labels
from pipeline.compare.output import by_table, summary_line
from pipeline.compare.staged import load_staged, newest_source, records
from pipeline.errors import UsageError
from pipeline.publish.datapackage import LICENSE
from pipeline.limits import DEFAULT_LIMITS, Limits
from pipeline.report.evidence import find_source, rendering
from pipeline.report.model import changed_numbers, plan_view
from pipeline.templating import environment
from pipeline.vocabulary import DEFAULT

JST = timezone(timedelta(hours=9), "JST")


@dataclass(frozen=True)
class SuiteSummary:
    suite: str
    passed: int
    failed: int


@dataclass(frozen=True)
class ChangesView:
    line: str  # the summary line
    first_edition: bool  # no earlier edition to compare with
    tables: list[tuple[str, list[dict]]]  # changes grouped by table, in the diff's order


def build_report(staged_dir: Path, out_dir: Path, validation: dict | None = None,
                 diff_dir: Path | None = None, source_sha256: str | None = None,
                 sources: Path | None = None, links: list[tuple[Path, Path]] = (),
                 final_dir: Path | None = None, limits: Limits = DEFAULT_LIMITS) -> Path:
    """Write ``out_dir/index.html`` for one edition in ``staged_dir`` and return its path.

    The edition is ``source_sha256``, by default the newest one. ``validation`` is the validate
    step's result; ``diff_dir`` holds the diff's files; ``sources`` the PDFs (folder or file),
    for the evidence images; ``links`` the folders whose CSVs and datapackage.json the report
    links to, each as (where it is now, where it is published). ``final_dir`` is where
    ``out_dir`` ends up (links are relative to it, and a previous report there lends its page
    images); by default ``out_dir`` itself. ``limits`` bound the rendering of the page images.
    Write into a folder from ``staging.atomic_dir``: it turns a write error into exit 21.
    """
    with report_writer(staged_dir, out_dir, source_sha256, sources, final_dir, limits) as write:
        return write(validation, diff_dir, links)


@contextmanager
def report_writer(staged_dir: Path, out_dir: Path, source_sha256: str | None = None,
                  sources: Path | None = None, final_dir: Path | None = None,
                  limits: Limits = DEFAULT_LIMITS) -> Iterator[Callable[..., Path]]:
    """``build_report`` in two steps, so that the page images render (in a process of their
    own) while the caller makes what the report shows and links to: the edition is read and
    the rendering begun at once; the function yielded, ``write(validation, diff_dir, links)``,
    writes the page when they are ready."""
    out_dir = Path(out_dir)
    final_dir = Path(final_dir or out_dir)
    tables = load_staged(Path(staged_dir), source_sha256 or newest_source(staged_dir))
    docs = records(tables, "documents")
    doc = docs[0] if docs else {}
    pdf = find_source(sources, doc.get("source_file"), doc.get("source_sha256"))
    out_dir.mkdir(parents=True, exist_ok=True)
    if pdf is None:
        images = nullcontext(lambda: {})
    else:
        wanted = {r["page"] for name in ("goals", "policies", "items", "item_departments", "projects",
                                         "schedule", "indicators", "baselines", "actuals")
                  for r in records(tables, name) if r["page"] is not None and r["bbox"]}
        images = rendering(pdf, doc["source_sha256"], wanted, out_dir,
                           previous=final_dir if final_dir.is_dir() else None, limits=limits)
    with images as pages:
        def write(validation: dict | None = None, diff_dir: Path | None = None,
                  links: list[tuple[Path, Path]] = ()) -> Path:
            changes = _changes(Path(diff_dir)) if diff_dir is not None else None
            changed = changed_numbers([c for _, g in changes.tables for c in g] if changes else [], tables)
            html = environment("pipeline.report").get_template("index.html.j2").render(
                plan=plan_view(tables, changed),
                validation=validation,
                suites=_suites(validation),
                changes=changes,
                labels=labels,
                tracks={"plan_actual": DEFAULT.plan_actual[0], "evaluation": DEFAULT.evaluation[0]},
                star=DEFAULT.data_utilization_mark,
                generated=datetime.now(JST).strftime("%Y年%m月%d日 %H:%M (JST)"),
                license=LICENSE,
                pdf=pdf,
                sources=sources,
                pages={str(p): asdict(i) for p, i in pages().items()},
                downloads=_downloads(final_dir, links),
            )
            path = out_dir / "index.html"
            path.write_text(html, encoding="utf-8")
            return path
        yield write


def _suites(validation: dict | None) -> list[SuiteSummary]:
    if not validation:
        return []
    passed, failed = Counter(), Counter()
    for r in validation.get("results", []):
        name = r.get("suite_ja") or r.get("suite", "")
        (passed if r.get("success") else failed)[name] += 1
    return [SuiteSummary(s, passed[s], failed[s]) for s in dict.fromkeys([*passed, *failed])]


def _changes(diff_dir: Path) -> ChangesView:
    """The diff's summary line and its changes grouped by table."""
    path = diff_dir / "changes.parquet"
    if not path.exists():
        raise UsageError("no changes.parquet (run plan-extract diff first)", str(diff_dir))
    changes = pq.ParquetFile(path).read().to_pylist()
    summary_path = diff_dir / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else None
    line = summary_line(summary) if summary else f"{len(changes)} 件の変更"
    first = bool(summary) and summary["old_edition"] is None
    return ChangesView(line, first, by_table(changes))


def _downloads(final_dir: Path, links: list[tuple[Path, Path]]) -> list[tuple[str, str]]:
    """(file, link relative to the report) for every CSV, workbook and datapackage.json of the
    linked folders, as they will be published."""
    found = []
    for now, published in links:
        if not Path(now).is_dir():
            continue
        for path in sorted(Path(now).rglob("*")):
            if path.suffix in (".csv", ".xlsx") or path.name == "datapackage.json":
                inside = path.relative_to(now)
                target = Path(os.path.relpath(Path(published).resolve() / inside, final_dir.resolve()))
                found.append(((Path(Path(published).name) / inside).as_posix(), target.as_posix()))
    return found
