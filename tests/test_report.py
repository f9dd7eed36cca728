"""The HTML report: self-contained page with the plan tree, validation, charts and changes."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from pipeline.compare import diff_dirs
from pipeline.errors import UsageError
from pipeline.report import build_report
from test_diff import stage
from truth_tables import SHARED, load_truth, truth_tables

VALIDATION = {
    "ok": False,
    "failures": ["items: expect_column_values_to_be_unique(item_no) failed"],
    "results": [
        {"suite": "items", "expectation": "expect_column_values_to_be_unique", "success": False},
        {"suite": "items", "expectation": "expect_table_row_count_to_equal", "success": True},
        {"suite": "schedule", "expectation": "expect_column_pair_values_a_to_be_greater_than_b", "success": True},
    ],
}


@pytest.fixture(scope="module")
def excerpt() -> dict[str, pd.DataFrame]:
    tables = truth_tables(load_truth(SHARED / "jisshi-keikaku-2025-excerpt.truth.json"))
    tables["actuals"] = pd.DataFrame([
        dict(indicator_id="25-1", fiscal_year=2025, value=11.8, text="11.8時間", page=4,
             edition="2025-03", source_sha256="truth"),
    ])
    return tables


@pytest.fixture(scope="module")
def report(excerpt, tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("report")
    old = truth_tables(load_truth(SHARED / "jisshi-keikaku-2025-excerpt.truth.json"))
    stage(old, root / "old")
    stage(excerpt, root / "staged")
    diff_dirs(root / "old", root / "staged", root / "diff")
    path = build_report(root / "staged", root / "out", VALIDATION, root / "diff")
    assert path == root / "out" / "index.html"
    return path.read_text(encoding="utf-8")


def test_report_shows_every_goal_policy_and_item(report, excerpt):
    for name in ("goals", "policies", "items"):
        for title in excerpt[name]["title"]:
            assert html.escape(title) in report, title
    assert report.count('<details class="goal"') == 4
    assert report.count('<details class="item"') == 35
    starred = int(excerpt["items"]["data_utilization_plan"].sum())
    assert report.count('<span class="star" title="データ活用計画">') == starred


def test_report_has_one_chart_per_indicator_and_one_gantt_per_scheduled_item(report, excerpt):
    charts = re.findall(r'<svg class="chart" data-indicator="([^"]+)"', report)
    assert charts == list(excerpt["indicators"]["indicator_id"])
    assert re.findall(r'<svg class="gantt" data-item="(\d+)"', report) == ["9", "25"]
    bars = re.findall(r'<rect class="bar (plan_actual|evaluation)"', report)
    assert len(bars) == len(excerpt["schedule"])


def test_indicator_chart_marks_baseline_and_actuals(report):
    chart = re.search(r'<svg class="chart" data-indicator="25-1".*?</svg>', report, re.S).group(0)
    assert "単位: 時間" in chart
    assert "策定時 12.5時間 (2023年度)" in chart
    assert chart.count('<rect class="actual"') == 1
    assert "2025年度 実績 11.8時間" in chart
    years = re.findall(r'<text class="tick" [^>]*text-anchor="middle">(\d{4})</text>', chart)
    assert years == [str(y) for y in range(2023, 2030)]  # baseline year, then the plan period


def test_report_summarizes_validation_and_changes(report):
    assert '<span class="ng">不合格</span>' in report
    assert "<tr><td>items</td><td>1</td><td class=\"ng\">1</td></tr>" in report
    assert "<tr><td>schedule</td><td>1</td><td class=\"\">0</td></tr>" in report
    assert "expect_column_values_to_be_unique(item_no) failed" in report
    assert re.search(r'<td class="change-added">追加</td><td>指標25-1 2025年度</td><td>値</td><td></td><td>11.8</td><td>時間</td>', report)


def test_report_is_self_contained(report):
    assert "<script" not in report
    assert not re.search(r'(src|href)="(https?:)?//', report)
    assert "<style>" in report


def test_report_escapes_text_from_the_pdf(excerpt, tmp_path):
    tables = {k: v.copy() for k, v in excerpt.items()}
    tables["goals"].loc[0, "title"] = '<script>alert("x")</script> & 改革'
    stage(tables, tmp_path / "staged")
    text = build_report(tmp_path / "staged", tmp_path / "out").read_text(encoding="utf-8")
    assert "<script>" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; 改革" in text
    assert 'id="validation"' not in text and 'id="changes"' not in text


def test_report_without_diff_output_is_a_usage_error(excerpt, tmp_path):
    stage(excerpt, tmp_path / "staged")
    with pytest.raises(UsageError, match="changes.parquet"):
        build_report(tmp_path / "staged", tmp_path / "out", diff_dir=tmp_path / "nowhere")


def test_report_shows_the_newest_edition_of_a_staged_dir_with_several(excerpt, tmp_path):
    newer = {k: v.assign(edition="2026-03", source_sha256="newer") for k, v in excerpt.items()}
    newer["goals"].loc[0, "title"] = "DX等による質の高い行政サービスの提供"
    stage({k: pd.concat([excerpt[k], newer[k]], ignore_index=True) for k in excerpt}, tmp_path / "staged")
    text = build_report(tmp_path / "staged", tmp_path / "out").read_text(encoding="utf-8")
    assert "実施計画 (2026-03)" in text and "DX等による質の高い行政サービスの提供" in text
    assert text.count('<details class="item"') == 35
    older = build_report(tmp_path / "staged", tmp_path / "old", source_sha256="truth").read_text(encoding="utf-8")
    assert "実施計画 (2025-03)" in older and "行政サービスの提供" not in older


def test_full_edition_report_has_all_charts(tmp_path):
    tables = truth_tables(load_truth(SHARED / "jisshi-keikaku-full-synthetic.truth.json"))
    stage(tables, tmp_path / "staged")
    text = build_report(tmp_path / "staged", tmp_path / "out").read_text(encoding="utf-8")
    assert text.count('<svg class="chart"') == len(tables["indicators"])
    scheduled = tables["schedule"]["item_no"].nunique()
    assert text.count('<svg class="gantt"') == scheduled


def _chromium() -> str | None:
    return shutil.which("chromium") or (str(Path("/usr/bin/chromium")) if Path("/usr/bin/chromium").exists() else None)


@pytest.mark.browser
def test_report_renders_in_headless_chromium(report, tmp_path):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed")
    from PIL import Image, ImageStat

    page = tmp_path / "index.html"
    page.write_text(report, encoding="utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1280,2000",
         page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        gray = image.convert("L")
        assert ImageStat.Stat(gray).var[0] > 0
        assert gray.getextrema()[0] < 128  # dark pixels: text and chart strokes were drawn
        colors = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert sum(n for n, rgb in colors if rgb != (255, 255, 255)) > 0.01 * 1280 * 2000
