"""The HTML report: self-contained page with the plan tree, validation, charts and changes."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.compare import diff_dirs
from pipeline.contract import TABLES
from pipeline.errors import UsageError
from pipeline.report import build_report
from pipeline.stages import editions_diff_stage
from pipeline.report.charts import LABEL_GAP, LABEL_HEIGHT, indicator_chart
from pipeline.validate import validate_dir, write_report
from test_diff import stage
from test_validate import stage as stage_typed
from truth_tables import SHARED, load_truth, truth_tables

ENGLISH = re.compile(r"\b(" + "|".join(
    [*TABLES, *{c for t in TABLES.values() for c in t.column_names}, "items__policy_goal", "expect_[a-z_]+",
     "plan_actual", "evaluation", "lead", "related", "renamed", "changed", "added", "removed"]) + r")\b")


def visible_text(page: str) -> str:
    """What a reader sees: the page without its tags, style, script and the values from the PDF."""
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    page = re.sub(r"<title>.*?</title>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture(scope="module")
def validation(tmp_path_factory, excerpt) -> dict:
    """The validate step's real JSON, with one failure (item 9 without its title)."""
    broken = {k: v.reindex(columns=TABLES[k].column_names) for k, v in excerpt.items()}
    broken["items"].loc[broken["items"].item_no == 9, "title"] = None
    root = tmp_path_factory.mktemp("validation")
    stage_typed(broken, root / "staged")
    write_report(validate_dir(root / "staged"), root / "validation.json")
    return json.loads((root / "validation.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def excerpt() -> dict[str, pd.DataFrame]:
    tables = truth_tables(load_truth(SHARED / "jisshi-keikaku-2025-excerpt.truth.json"))
    tables["actuals"] = pd.DataFrame([
        dict(indicator_id="25-1", fiscal_year=2025, value=11.8, text="11.8時間", page=4,
             edition="2025-03", source_sha256="truth"),
    ])
    return tables


@pytest.fixture(scope="module")
def report(excerpt, validation, tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("report")
    old = truth_tables(load_truth(SHARED / "jisshi-keikaku-2025-excerpt.truth.json"))
    stage(old, root / "old")
    stage(excerpt, root / "staged")
    diff_dirs(root / "old", root / "staged", root / "diff")
    path = build_report(root / "staged", root / "out", validation, root / "diff")
    assert path == root / "out" / "index.html"
    return path.read_text(encoding="utf-8")


def test_report_shows_every_goal_policy_and_item(report, excerpt):
    for name in ("goals", "policies", "items"):
        for title in excerpt[name]["title"]:
            assert html.escape(title) in report, title
    assert report.count('<details class="goal"') == 4
    assert report.count('<details class="item"') == 35
    starred = int(excerpt["items"]["data_utilization_plan"].sum())
    assert report.count('<span class="star" title="データ利活用計画">') == starred


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
    assert re.search(r'<text class="value"[^>]*>11.8時間</text>', chart)  # as printed
    years = re.findall(r'<text class="tick" [^>]*text-anchor="middle">(\d{4})</text>', chart)
    assert years == [str(y) for y in range(2023, 2030)]  # baseline year, then the plan period


def test_report_summarizes_validation_and_changes(report, validation):
    assert '<span class="ng">不合格</span>' in report
    assert "<tr><td>実施項目</td><td>10</td><td class=\"ng\">1</td></tr>" in report
    assert "<tr><td>工程表</td><td>8</td><td class=\"\">0</td></tr>" in report
    assert "<li>実施項目: 実施項目名が空欄でない — 該当: 実施項目9</li>" in report
    assert re.search(r'<td class="change-added">追加</td><td>指標25-1 2025年度</td><td>値</td><td></td><td>11.8</td><td>時間</td>', report)
    assert "2025-03 (truth) → 2025-03 (truth): 追加 1 行" in report


def test_every_expectation_is_listed_with_its_japanese_description(report, validation):
    table = re.search(r'<table class="results">(.*?)</table>', report, re.S).group(1)
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td class=\"(ok|ng)\">", table)
    assert len(rows) == len(validation["results"]) > 60
    for suite, described, _ in rows:
        assert described and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", described), (suite, described)
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", suite), suite
    assert ("実施項目", "実施項目の数は体系図の記載（35件）と一致（抽出 35件）", "ok") in rows


def test_reader_sees_no_english_identifiers(report):
    found = ENGLISH.findall(visible_text(report))
    assert not found, sorted(set(found))


def test_indicator_summary_lists_baseline_actuals_latest_and_change(report, excerpt):
    table = re.search(r'<table class="summary">(.*?)</table>', report, re.S).group(1)
    assert re.findall(r"<th>(\d{4})年度</th>", table) == [str(y) for y in range(2025, 2030)]
    rows = re.findall(r"<tr><td>([\d-]+)</td>(.*?)</tr>", table, re.S)
    assert [r[0] for r in rows] == list(excerpt["indicators"]["indicator_id"])
    first = visible_text(dict(rows)["25-1"]).split()
    assert first[-7:] == ["11.8時間", "―", "―", "―", "―", "11.8時間", "−0.7時間"]
    assert "12.5時間" in first and "(2023年度)" in first


def test_changed_items_are_marked_in_the_plan_tree(report):
    marked = re.findall(r'<details class="item" id="item-(\d+)".*?</summary>', report, re.S)
    changed = [no for no, summary in re.findall(r'<details class="item" id="item-(\d+)"[^>]*>\s*<summary>(.*?)</summary>',
                                               report, re.S) if "変更あり" in summary]
    assert len(marked) == 35 and changed == ["25"]


def test_report_escapes_text_from_the_pdf(excerpt, tmp_path):
    tables = {k: v.copy() for k, v in excerpt.items()}
    tables["goals"].loc[0, "title"] = '<script>alert("x")</script> & 改革'
    stage(tables, tmp_path / "staged")
    text = build_report(tmp_path / "staged", tmp_path / "out").read_text(encoding="utf-8")
    assert "<script>alert" not in text
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


@given(baseline=st.floats(0, 1000), actual=st.floats(0, 1000))
def test_value_labels_are_never_struck_through_by_the_baseline(baseline, actual):
    chart = indicator_chart([2023, 2025], (2025, 2025), "日", (2023, baseline, f"{baseline:.1f}日"),
                            [(2025, actual, f"{actual:.1f}日", None)])
    label = chart.bars[0]
    top, bottom = label.label_y - LABEL_HEIGHT, label.label_y  # the text's box
    assert not top - 1 <= chart.baseline_y <= bottom + 1
    assert label.label_y <= label.y  # never inside the bar
    assert label.label == f"{actual:.1f}日"  # printed precision: 13.0日, not 13
    assert chart.baseline_value == f"{baseline:.1f}"


def test_one_edition_says_there_is_no_earlier_edition(excerpt, tmp_path):
    stage(excerpt, tmp_path / "staged")
    editions_diff_stage(tmp_path / "staged", tmp_path / "diff")
    text = build_report(tmp_path / "staged", tmp_path / "out", diff_dir=tmp_path / "diff").read_text(encoding="utf-8")
    assert "比較できる前の版がありません" in text
    assert "変更はありません" not in text and "変更あり" not in text
