"""Great Expectations validation of staged tables: truth passes, each kind of damage is named."""

from __future__ import annotations

import json
import re
import string
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.contract import TABLES
from pipeline.errors import ValidationFailed
from pipeline.validate import validate_dir, write_report
from pipeline.validate.command import validate_command
from pipeline.validate.frames import source_frames
from pipeline.validate.render import shown_columns
from pipeline.validate.suites import (SUITES_DIR, Deferred, configurations_memoized, defer,
                                      load_suites)
from tests.truth_tables import SHARED, load_truth, truth_tables

EXCERPT = SHARED / "jisshi-keikaku-2025-excerpt.truth.json"
SYNTHETIC = SHARED / "jisshi-keikaku-full-synthetic.truth.json"
DETAIL_TABLES = ["projects", "project_departments", "schedule", "indicators", "baselines", "actuals"]

Tables = dict[str, pd.DataFrame]


@pytest.fixture(scope="module")
def excerpt() -> Tables:
    return truth_tables(load_truth(EXCERPT))


def copy(tables: Tables) -> Tables:
    return {name: df.copy() for name, df in tables.items()}


def stage(tables: Tables, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        arrow = pa.Table.from_pandas(df, schema=TABLES[name].schema, preserve_index=False)
        pq.write_table(arrow, out / f"{name}.parquet")
    return out


def failures_of(tables: Tables, tmp_path: Path) -> list[str]:
    report = validate_dir(stage(tables, tmp_path / "staged"))
    assert report.ok is not bool(report.failures)
    return report.failures


@pytest.mark.parametrize("truth", [EXCERPT, SYNTHETIC], ids=["excerpt", "synthetic"])
def test_truth_editions_pass_quietly(truth, tmp_path, capfd):
    report = validate_dir(stage(truth_tables(load_truth(truth)), tmp_path))
    assert report.ok, report.failures
    assert report.failures == []
    assert report.results and all(r["success"] for r in report.results)
    assert capfd.readouterr() == ("", "")


def test_edition_without_detail_pages_passes(excerpt, tmp_path):
    tables = copy(excerpt)
    for name in DETAIL_TABLES:
        tables[name] = tables[name].iloc[0:0]
    assert failures_of(tables, tmp_path) == []


def drop_item_17(t: Tables) -> None:
    t["items"] = t["items"][t["items"].item_no != 17]


def duplicate_item_3(t: Tables) -> None:
    t["items"] = pd.concat([t["items"], t["items"][t["items"].item_no == 3]])


def duplicate_schedule_bar(t: Tables) -> None:
    t["schedule"] = pd.concat([t["schedule"], t["schedule"].iloc[[5]]])


def policy_3_in_goal_9(t: Tables) -> None:
    t["policies"].loc[t["policies"].policy_no == 3, "goal_no"] = 9


def bar_ends_2024(t: Tables) -> None:
    t["schedule"].loc[5, "end_fy"] = 2024


def baseline_120_percent(t: Tables) -> None:
    t["baselines"].loc[t["baselines"].indicator_id == "25-3", "value"] = 120.0


def actual_outside_period_and_over_100(t: Tables) -> None:
    t["actuals"] = pd.DataFrame([dict(indicator_id="25-4", fiscal_year=2031, value=100.5,
                                      text="100.5%", page=5, bbox=None, edition="2025-03",
                                      source_sha256="truth")])


def baseline_in_plan_period(t: Tables) -> None:
    t["baselines"].loc[t["baselines"].indicator_id == "25-1", "fiscal_year"] = 2025


def declared_36_items(t: Tables) -> None:
    t["documents"]["declared_items"] = 36


def unknown_unit(t: Tables) -> None:
    t["indicators"].loc[t["indicators"].indicator_id == "9-1", "unit"] = "バナナ"


def bad_track_and_role(t: Tables) -> None:
    t["schedule"].loc[1, "track"] = "review"
    t["project_departments"].loc[0, "role"] = "owner"


def department_not_listed(t: Tables) -> None:
    t["departments"] = t["departments"][t["departments"].department != "会計管理課"]


def item_5_without_department(t: Tables) -> None:
    t["item_departments"] = t["item_departments"][t["item_departments"].item_no != 5]


def item_9_without_indicator(t: Tables) -> None:
    for name in ("indicators", "baselines"):
        t[name] = t[name][~t[name].indicator_id.str.startswith("9-")]


def indicator_for_item_without_project(t: Tables) -> None:
    extra = t["indicators"].iloc[[0]].assign(indicator_id="12-1", item_no=12)
    t["indicators"] = pd.concat([t["indicators"], extra])


def star_missing(t: Tables) -> None:
    t["items"]["data_utilization_plan"] = t["items"]["data_utilization_plan"].astype(object)
    t["items"].loc[t["items"].item_no == 3, "data_utilization_plan"] = None


def rows_from_unknown_source(t: Tables) -> None:
    t["goals"].loc[0, "source_sha256"] = "deadbeef"


# Independent damages share a run (each validate_dir call costs about a second of GX time).
BREAKAGES = [
    ((drop_item_17,), ["items: declared 35, found 34 — item 17 missing",
                       "items: item_no not contiguous from 1 — item 17 missing",
                       "items: expected 35 items (2025 plan) — found 34",
                       "item_departments: item not in items — item 17 (デジタルトランスフォーメーション課), "
                       "item 17 (財産有効活用課)"]),
    ((duplicate_item_3, duplicate_schedule_bar), [
        "items: item_no not unique — item 3 (×2)",
        "schedule: (item_no, project_seq, track, bar_seq) not unique — 25/2/plan_actual/3 (×2)"]),
    ((policy_3_in_goal_9,), ["policies: goal not in goals — policy 3 (goal 9)",
                             "items: goal_no differs from its policy's goal — "
                             "item 6 (goal 1, policy 3 is in goal 9), item 7 (goal 1, policy 3 is in goal 9)"]),
    ((bar_ends_2024,), ["schedule: start_fy after end_fy — 25/2/plan_actual/3 (2025 > 2024)",
                        "schedule: end_fy outside the plan period 2025–2029 — 25/2/plan_actual/3 (2024)"]),
    ((baseline_120_percent, actual_outside_period_and_over_100, baseline_in_plan_period), [
        "indicators: % value outside 0..100 — 25-3 baselines 2024 (120%), 25-4 actuals 2031 (100.5%)",
        "actuals: fiscal_year outside the plan period 2025–2029 — 25-4 (2031)",
        "baselines: baseline year not before the plan start 2025 — 25-1 (2025)"]),
    ((declared_36_items, star_missing), ["items: declared 36, found 35 — item 36 missing",
                                         "items: data_utilization_plan (★) missing — item 3"]),
    ((unknown_unit, bad_track_and_role), [
        "indicators: unit not in the vocabulary — 9-1 (バナナ)",
        "schedule: track not plan_actual/evaluation — 9/1/review/1",
        "project_departments: role not lead/related — 9/1 デジタルトランスフォーメーション課 (owner)"]),
    ((department_not_listed, item_5_without_department, rows_from_unknown_source), [
        "item_departments: department not in departments — item 2 (会計管理課)",
        "items: no department in item_departments — item 5",
        "sources: rows from a source not in documents — goals: deadbeef (1 row(s))"]),
    ((item_9_without_indicator, indicator_for_item_without_project), [
        "projects: item has projects but no indicator — item 9",
        "indicators: item has indicators but no project — item 12"]),
]


@pytest.mark.parametrize("damages, expected", BREAKAGES,
                         ids=["+".join(f.__name__ for f in d) for d, _ in BREAKAGES])
def test_damage_is_reported_with_the_offending_values(excerpt, tmp_path, damages, expected):
    tables = copy(excerpt)
    for damage in damages:
        damage(tables)
    failures = failures_of(tables, tmp_path)
    for line in expected:
        assert line in failures, "\n".join(failures)


def test_missing_file_and_wrong_type_are_reported(excerpt, tmp_path):
    out = stage(excerpt, tmp_path)
    (out / "goals.parquet").unlink()
    pq.write_table(pa.Table.from_pandas(excerpt["departments"].astype({"bureau": "category"}),
                                        preserve_index=False), out / "departments.parquet")
    failures = validate_dir(out).failures
    assert "goals: table missing — goals.parquet not found" in failures
    assert any(f.startswith("departments: column types differ from the contract — bureau is dictionary")
               for f in failures), failures
    assert "goals: declared 4, found 0 — goal 1, 2, 3, 4 missing" in failures


def test_column_of_the_wrong_type_is_reported_not_raised(excerpt, tmp_path):
    out = stage(excerpt, tmp_path)
    schema = TABLES["schedule"].schema
    schema = schema.set(schema.get_field_index("start_fy"), pa.field("start_fy", pa.string()))
    pq.write_table(pa.Table.from_pandas(excerpt["schedule"].astype({"start_fy": str}), schema=schema,
                                        preserve_index=False), out / "schedule.parquet")
    failures = validate_dir(out).failures
    assert ("schedule: column types differ from the contract — start_fy is string, contract says int64"
            in failures)
    assert any(f.startswith("schedule: start_fy after end_fy — could not evaluate: ") for f in failures)


def test_each_edition_is_validated_separately(excerpt, tmp_path):
    synthetic = truth_tables(load_truth(SYNTHETIC), source_sha256="b" * 64)
    broken = copy(excerpt)
    broken["documents"]["source_sha256"] = "a" * 64
    for df in broken.values():
        df["source_sha256"] = "a" * 64
    drop_item_17(broken)
    both = {name: pd.concat([broken[name], synthetic[name]], ignore_index=True) for name in TABLES}
    failures = failures_of(both, tmp_path)
    assert f"[2025-03 {'a' * 12}] items: declared 35, found 34 — item 17 missing" in failures
    assert not any("b" * 12 in line for line in failures), failures


def test_report_json_is_plain_and_complete(excerpt, tmp_path):
    tables = copy(excerpt)
    bar_ends_2024(tables)
    report = validate_dir(stage(tables, tmp_path / "staged"))
    write_report(report, tmp_path / "out" / "validation.json")
    data = json.loads((tmp_path / "out" / "validation.json").read_text(encoding="utf-8"))
    assert data["ok"] is False and data["failures"] == report.failures
    failed = [r for r in data["results"] if not r["success"]]
    pair = next(r for r in failed if r["expectation_type"] == "expect_column_pair_values_a_to_be_greater_than_b")
    assert pair["suite"] == "schedule" and pair["edition"] == "2025-03"
    assert pair["offending"] == ["25/2/plan_actual/3 (2025 > 2024)"]
    assert pair["unexpected_count"] == 1
    assert pair["suite_ja"] == "工程表" and pair["description_ja"] == "終了年度は開始年度以降"
    assert pair["offending_ja"] == ["実施項目25 事業2 計画/実績 工程3（2025年度 > 2024年度）"]
    declared = next(r for r in data["results"] if r["description"].startswith("declared 35"))
    assert declared["description_ja"] == "実施項目の数は体系図の記載（35件）と一致（抽出 35件）"


def test_command_prints_failures_and_exits_18(excerpt, tmp_path, capsys):
    tables = copy(excerpt)
    drop_item_17(tables)
    out = stage(tables, tmp_path / "staged")
    with pytest.raises(ValidationFailed) as raised:
        validate_command(out, tmp_path / "report.json")
    assert raised.value.exit_code == 18
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "items: declared 35, found 34 — item 17 missing" in captured.err.splitlines()
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["ok"] is False


def test_every_frame_has_a_suite_with_distinct_descriptions(excerpt):
    suites = load_suites(SUITES_DIR)
    assert set(source_frames(excerpt)) | {"sources"} == set(suites)
    for suite in suites.values():
        descriptions = [e["description"] for e in suite.data["expectations"]]
        assert len(set(descriptions)) == len(descriptions), suite.name
        # the report's wording: every rule and every suite also stated in Japanese
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", suite.data["meta"]["ja"]), suite.name
        for e in suite.data["expectations"]:
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", e["meta"]["ja"]), e["description"]
            meta = e["meta"]
            assert ("show" in meta) == ("show_ja" in meta) and ("label" in meta) == ("label_ja" in meta)
            if "show" in meta:  # the same row fields, so GX returns what both need
                ja = {n for _, n, _, _ in string.Formatter().parse(meta["show_ja"]) if n}
                assert ja == set(shown_columns(e)), meta["show_ja"]
        assert suite.table in TABLES or suite.name == "sources"


def test_a_deferred_module_is_imported_on_first_use(monkeypatch):
    """GX's unused imports (scipy.stats, altair) are stand-ins until something reads them."""
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    defer("colorsys")
    import colorsys

    assert isinstance(colorsys, Deferred) and "rgb_to_hsv" not in vars(colorsys)
    assert colorsys.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    assert not isinstance(sys.modules["colorsys"], Deferred)
    assert colorsys.hsv_to_rgb is sys.modules["colorsys"].hsv_to_rgb


def test_modules_gx_never_uses_stay_unimported(excerpt, tmp_path):
    """Each entry of UNUSED_AT_IMPORT earns its place: in a fresh interpreter GX's import and a
    validation (one edition passing, one failing) leave it a stand-in."""
    damaged = copy(excerpt)
    duplicate_item_3(damaged)
    bar_ends_2024(damaged)
    folders = [stage(excerpt, tmp_path / "ok"), stage(damaged, tmp_path / "bad")]
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pipeline.validate import suites, validate_dir\n"
        "failed = [len(validate_dir(Path(p)).failures) for p in sys.argv[1:]]\n"
        "loaded = [m for m in suites.UNUSED_AT_IMPORT\n"
        "          if not isinstance(sys.modules.get(m), suites.Deferred)]\n"
        "print(failed, loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, *map(str, folders)], capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parents[1], check=True)
    assert done.stdout.split("\n")[0] == "[0, 4] []", done.stdout + done.stderr


def test_configurations_are_worked_out_once_while_validating():
    """An expectation's configuration is kept while its fields stay the same, each read gets a
    copy of its own (GX re-binds the copy's kwargs), and GX's property is back afterwards."""
    import great_expectations as gx

    expectation = gx.expectations.Expectation
    original = expectation.__dict__["configuration"]
    e = gx.expectations.ExpectColumnValuesToNotBeNull(column="a")
    with configurations_memoized(expectation):
        first, second = e.configuration, e.configuration
        assert first is not second and first.kwargs is second.kwargs
        second.kwargs = {"column": "x"}
        assert e.configuration.kwargs == {"column": "a"}
        e.column = "b"
        assert e.configuration.kwargs == {"column": "b"}
    assert expectation.__dict__["configuration"] is original
    assert e.configuration.kwargs is not e.configuration.kwargs
