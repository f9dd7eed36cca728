"""The run's numbers for ``dvc metrics`` and the indicators' series for ``dvc plots``.

``dvc metrics diff`` compares numbers between commits, so everything here is a count: rows per
table of the newest edition (what ``exports/`` publishes), expectations passed and failed,
characters not accounted for or whose Unicode is a guess, and the changes against the
previous edition. Each indicator gets one small CSV (its baseline and every actual, by fiscal
year) that ``dvc plots`` draws. Read from what the other stages wrote: staged/, the
validation JSON and diff/summary.json; imports json, csv and pyarrow.parquet only.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.contract import TABLES
from pipeline.errors import UsageError
from pipeline.publish.tables import edition_order
from pipeline.staging import atomic_dir, atomic_file, is_json_object_with

METRICS_FILE = is_json_object_with("rows", "expectations", "characters", "changes")
#: Columns of an indicator's plot file; x and y of ``plots:`` in dvc.yaml.
PLOT_COLUMNS = ("年度", "値", "区分", "単位")
BASELINE, ACTUAL = "策定時", "実績"


def metrics_stage(staged: Path, validation: Path | None, diff: Path | None, out: Path, plots: Path) -> dict:
    """Write ``out`` (the metrics JSON) and ``plots/<指標ID>_<指標名>.csv``; return the metrics."""
    tables = {name: _read(staged, name) for name in ("documents", "indicators", "baselines", "actuals")}
    newest = _newest(tables["documents"], staged)
    metrics = {
        "rows": {name: _rows(staged, name, newest) for name in TABLES},
        "expectations": _expectations(validation),
        "characters": _characters(staged / "coverage.json", newest),
        "changes": _changes(diff),
    }
    names = {r["indicator_id"]: r["name"] for r in tables["indicators"] if r["source_sha256"] == newest}
    with atomic_dir(plots) as tmp:
        for indicator_id, rows in indicator_series(tables, newest).items():
            _write_series(tmp / plot_file(indicator_id, names[indicator_id]), rows)
    with atomic_file(out, METRICS_FILE) as tmp:
        tmp.write_text(json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return metrics


def _read(staged: Path, name: str) -> list[dict]:
    path = staged / f"{name}.parquet"
    if not path.is_file():
        raise UsageError(f"missing {name}.parquet (run plan-extract extract first)", str(staged))
    return pq.ParquetFile(path).read().to_pylist()


def _newest(documents: list[dict], staged: Path) -> str:
    if not documents:
        raise UsageError("no edition in the staged tables", str(staged))
    return max(documents, key=edition_order)["source_sha256"]


def _rows(staged: Path, name: str, source: str) -> int:
    column = pq.ParquetFile(staged / f"{name}.parquet").read(columns=["source_sha256"]).column(0)
    return sum(1 for sha in column.to_pylist() if sha == source)


def _expectations(validation: Path | None) -> dict:
    results = json.loads(validation.read_text(encoding="utf-8"))["results"] if validation else []
    passed = sum(1 for r in results if r["success"])
    return {"passed": passed, "failed": len(results) - passed}


def _characters(coverage: Path, source: str) -> dict:
    found = [s for s in json.loads(coverage.read_text(encoding="utf-8"))["sources"]
             if s["source_sha256"] == source] if coverage.is_file() else []
    return {"unaccounted": sum(s.get("unaccounted", 0) for s in found),
            "suspect": sum(s.get("suspect", 0) for s in found)}


def _changes(diff: Path | None) -> dict:
    """Rows added, removed and changed (renamed and respelled counted apart) since the previous
    edition; all 0 when there is none."""
    summary = diff / "summary.json" if diff else None
    rows = json.loads(summary.read_text(encoding="utf-8")).get("rows", {}) if summary and summary.is_file() else {}
    return {kind: int(rows.get(kind, 0)) for kind in ("added", "removed", "changed", "renamed", "respelled")}


def indicator_series(tables: dict[str, list[dict]], source: str) -> dict[str, list[dict]]:
    """Indicator id → its points (baseline first, then the actuals by year) in one edition."""
    units = {r["indicator_id"]: r["unit"] for r in tables["indicators"] if r["source_sha256"] == source}
    series: dict[str, list[dict]] = {i: [] for i in units}
    points = [(BASELINE, r) for r in tables["baselines"]] + [
        (ACTUAL, r) for r in sorted(tables["actuals"], key=lambda r: r["fiscal_year"])]
    for kind, r in points:
        if r["source_sha256"] == source and r["indicator_id"] in series and r["value"] is not None:
            series[r["indicator_id"]].append(
                {"年度": r["fiscal_year"], "値": _number(r["value"]), "区分": kind,
                 "単位": units[r["indicator_id"]] or ""})
    return series


def _number(value: float) -> int | float:
    """210.0 → 210: written as the exports write numbers."""
    return int(value) if float(value).is_integer() else value


def plot_file(indicator_id: str, name: str | None) -> str:
    """``25-1_職員一人当たり時間外勤務時間数(月平均).csv``: `dvc plots` titles a chart by its file,
    so the name says which indicator it is (characters a file name cannot hold become ``_``)."""
    safe = "".join(ch if ch.isalnum() or ch in "()「」・ー-%" else "_" for ch in (name or ""))[:60]
    return f"{indicator_id}_{safe}.csv" if safe else f"{indicator_id}.csv"


def _write_series(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, PLOT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
