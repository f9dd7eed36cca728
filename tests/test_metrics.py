"""DVC metrics and plots: numbers `dvc metrics diff` can compare, one chart per indicator."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from frictionless import validate

from pipeline.metrics import metrics_stage, plot_file
from tests.test_export import stage
from tests.test_export_editions import two_editions
from tests.test_make_run import ROOT, copy_project, make_run
from tests.truth_tables import SHARED, load_truth
from tests.variants import VariantOptions, make_variant


@pytest.fixture
def staged(tmp_path) -> Path:
    path = stage(tmp_path / "staged", two_editions())
    (path / "coverage.json").write_text(json.dumps({"sources": [
        {"source_sha256": "b" * 64, "unaccounted": 2, "suspect": 3},
        {"source_sha256": "ea" * 32, "unaccounted": 5, "suspect": 7}]}), encoding="utf-8")
    return path


def test_counts_of_the_newest_edition(staged, tmp_path):
    validation = tmp_path / "validation.json"
    validation.write_text(json.dumps({"ok": False, "failures": ["x"], "results": [
        {"success": True}, {"success": True}, {"success": False}]}), encoding="utf-8")
    (tmp_path / "diff").mkdir()
    (tmp_path / "diff" / "summary.json").write_text(json.dumps(
        {"rows": {"added": 1, "removed": 0, "changed": 4, "renamed": 0, "respelled": 2}}), encoding="utf-8")
    out = tmp_path / "metrics" / "pipeline.json"
    metrics = metrics_stage(staged, validation, tmp_path / "diff", out, tmp_path / "metrics" / "indicators")
    assert json.loads(out.read_text(encoding="utf-8")) == metrics
    assert metrics["rows"]["items"] == 35 and metrics["rows"]["documents"] == 1  # one edition, not both
    assert metrics["rows"]["actuals"] == 1
    assert metrics["expectations"] == {"passed": 2, "failed": 1}
    assert metrics["characters"] == {"unaccounted": 2, "suspect": 3}
    assert metrics["changes"] == {"added": 1, "removed": 0, "changed": 4, "renamed": 0, "respelled": 2}


def test_one_plot_file_per_indicator_with_baseline_and_actuals(staged, tmp_path):
    plots = tmp_path / "indicators"
    metrics_stage(staged, None, None, tmp_path / "pipeline.json", plots)
    assert len(list(plots.glob("*.csv"))) == 6
    path = plots / plot_file("25-1", "職員一人当たり時間外勤務時間数(月平均)")
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows == [{"年度": "2023", "値": "12.5", "区分": "策定時", "単位": "時間"},
                    {"年度": "2025", "値": "11.9", "区分": "実績", "単位": "時間"}]
    assert plot_file("1-1", "率/件数") == "1-1_率_件数.csv"


def test_no_edition_is_a_usage_error(tmp_path):
    tables = two_editions()
    staged = stage(tmp_path / "staged", {name: df.iloc[0:0] for name, df in tables.items()})
    with pytest.raises(Exception, match="no edition"):
        metrics_stage(staged, None, None, tmp_path / "m.json", tmp_path / "plots")


def _git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   cwd=project, check=True, capture_output=True)


def _dvc(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / ".venv/bin/dvc"), *args], cwd=project, capture_output=True,
                          text=True, timeout=300)


def test_dvc_metrics_diff_and_plots_after_two_runs(tmp_path):
    """Run, commit, add a revised edition, run again: `dvc metrics diff HEAD` shows the change
    in numbers, `dvc plots show` draws every indicator, and no DVC hint without a remote."""
    if shutil.which("make") is None or shutil.which("git") is None:
        pytest.skip("make and git are needed")
    (tmp_path / "project").mkdir()
    project = copy_project(tmp_path / "project", git=True)
    first = make_run(project)
    assert first.returncode == 0, first.stderr
    assert "dvc push" not in first.stdout and "autostage" not in first.stdout
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "first edition")
    assert _dvc(project, "metrics", "diff", "HEAD").returncode == 0

    published = load_truth(SHARED / "jisshi-keikaku-2025-excerpt.truth.json")
    published["source"]["edition"] = "2026-03"  # a revised edition has its own date
    make_variant(published, project / "raw" / "jisshi-keikaku-2026-revised.pdf",
                 VariantOptions(reword=True, filled_actuals=True))
    second = make_run(project)
    assert second.returncode == 0, second.stderr
    diff = _dvc(project, "metrics", "diff", "HEAD", "--json")
    assert diff.returncode == 0, diff.stderr
    changes = json.loads(diff.stdout)["metrics/pipeline.json"]
    assert changes["changes.added"]["new"] > 0 and changes["changes.added"]["old"] == 0
    assert changes["rows.actuals"]["new"] > changes["rows.actuals"]["old"] == 0
    plots = _dvc(project, "plots", "show", "--json")
    assert plots.returncode == 0, plots.stderr
    shown = json.loads(plots.stdout)["data"]
    assert len([p for p in shown if p.startswith("metrics/indicators/")]) == 6

    # and what the portal gets from the same run: the revised edition on top, the published
    # one in editions/, each folder a valid package that joins naively
    exports = project / "exports"
    (earlier,) = (exports / "editions").iterdir()
    assert earlier.name == "2025-03"
    for folder in (exports, earlier):
        assert validate(str(folder / "datapackage.json")).valid, folder
        items = pd.read_csv(folder / "items.csv", encoding="utf-8-sig", dtype=str)
        policies = pd.read_csv(folder / "policies.csv", encoding="utf-8-sig", dtype=str)
        assert len(items.merge(policies, on="方針番号")) == len(items) == 35
    sheet = openpyxl.load_workbook(exports / "tables.xlsx")["参考指標"]
    ids = [c.value for c in next(sheet.iter_cols(min_col=3, max_col=3, min_row=2))]
    assert "25-1" in ids and all(isinstance(i, str) for i in ids)


def test_the_metrics_of_the_committed_run_are_in_git():
    """`dvc metrics diff HEAD` and `dvc plots diff HEAD` read HEAD's files from git: they are
    committed (with the folder's marker, so that the next run may replace it)."""
    metrics = json.loads((ROOT / "metrics" / "pipeline.json").read_text(encoding="utf-8"))
    assert set(metrics) == {"rows", "expectations", "characters", "changes"}
    plots = ROOT / "metrics" / "indicators"
    assert (plots / ".plan-extract").is_file() and len(list(plots.glob("*.csv"))) == metrics["rows"]["indicators"]
    if shutil.which("git") and (ROOT / ".git").exists():
        tracked = subprocess.run(["git", "ls-files", "metrics"], cwd=ROOT, capture_output=True, text=True).stdout
        assert "metrics/pipeline.json" in tracked and "metrics/indicators/.plan-extract" in tracked
