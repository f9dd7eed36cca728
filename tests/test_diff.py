"""plan-extract diff: changes between two staged editions, built from the ground truth."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.compare import diff_dirs, diff_tables
from pipeline.compare.apply import apply_changes
from pipeline.compare.diff import CHANGES_SCHEMA, KEY_COLUMNS, change_rows, changes_frame
from pipeline.compare.output import changes_arrow
from frictionless import validate

from pipeline.contract import TABLES
from pipeline.stages import editions_diff_stage
from pipeline.compare.normalize import same_text
from pipeline.errors import UsageError
from truth_tables import SHARED, load_truth, truth_tables

EXCERPT = SHARED / "jisshi-keikaku-2025-excerpt.truth.json"


@pytest.fixture(scope="module")
def truth() -> dict:
    return load_truth(EXCERPT)


@pytest.fixture
def old(truth) -> dict[str, pd.DataFrame]:
    return truth_tables(truth, source_sha256="old")


@pytest.fixture
def new(truth) -> dict[str, pd.DataFrame]:
    tables = truth_tables(truth, source_sha256="new")
    for df in tables.values():
        df["edition"] = "2026-03"
    return tables


def rows(changes: pd.DataFrame) -> set[tuple]:
    """(table, key, field, old, new, change): the key columns of each change joined by ``/``."""
    out = set()
    for r in changes.astype(object).where(changes.notna(), None).to_dict("records"):
        key = "/".join(str(r[c]) for c in KEY_COLUMNS if r[c] is not None)
        out.add((r["table"], key, r["field"], r["old"], r["new"], r["change"]))
    return out


def assert_complete(old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """old + changes = new for every table; and new against itself has no changes."""
    changes = diff_tables(old, new)
    got = apply_changes(old, changes)
    want = apply_changes(new, diff_tables(new, new))
    for name in TABLES:
        assert got[name] == want[name], name
    assert diff_tables(new, new).empty
    return changes


def set_cell(df: pd.DataFrame, where: dict, column: str, value) -> None:
    mask = pd.Series(True, index=df.index)
    for col, v in where.items():
        mask &= df[col] == v
    assert mask.sum() == 1, (where, mask.sum())
    df.loc[mask, column] = value


def append(tables: dict[str, pd.DataFrame], table: str, **values) -> None:
    """Add one row to a table, with the edition's provenance."""
    doc = tables["documents"].iloc[0]
    values |= {"edition": doc["edition"], "source_sha256": doc["source_sha256"]}
    row = pd.DataFrame([{c: values.get(c) for c in tables[table].columns}])
    tables[table] = pd.concat([tables[table], row], ignore_index=True) if len(tables[table]) else row


def renumber_item(tables: dict[str, pd.DataFrame], old_no: int, new_no: int) -> None:
    """What an editor does when an item gets a new number: every reference follows."""
    for name, df in tables.items():
        if "item_no" in df.columns:
            hit = df["item_no"] == old_no
            if "indicator_id" in df.columns:
                df.loc[hit, "indicator_id"] = df.loc[hit, "indicator_id"].str.replace(
                    f"{old_no}-", f"{new_no}-", regex=False)
            df.loc[hit, "item_no"] = new_no
        elif "indicator_id" in df.columns:
            hit = df["indicator_id"].str.startswith(f"{old_no}-")
            df.loc[hit, "indicator_id"] = df.loc[hit, "indicator_id"].str.replace(
                f"{old_no}-", f"{new_no}-", regex=False)


def test_identical_editions_have_no_changes(old, new):
    new["items"]["page"] = new["items"]["page"] + 1  # provenance differs, content does not
    new["schedule"]["bbox"] = "1,2,3,4"
    assert diff_tables(old, new).empty


def test_revised_edition_lists_exactly_what_changed(old, new):
    append(new, "actuals", indicator_id="25-1", fiscal_year=2025, value=11.8, text="11.8時間", page=4)
    set_cell(new["schedule"], dict(item_no=25, project_seq=2, bar_seq=3), "end_fy", 2027)
    set_cell(new["schedule"], dict(item_no=25, project_seq=2, bar_seq=1), "text",
             "ストレスチェックの実施、職場環境改善の取り組み")  # 取組 → 取り組み
    set_cell(new["items"], dict(item_no=1), "title", "相談・申請手続のオンライン化")
    renumber_item(new, 35, 36)
    append(new, "item_departments", item_no=9, department="人事課", seq=2, page=2)
    new["indicators"] = new["indicators"][new["indicators"].indicator_id != "25-5"]
    new["baselines"] = new["baselines"][new["baselines"].indicator_id != "25-5"]

    changes = assert_complete(old, new)

    assert list(changes.columns) == ["change", "table", *KEY_COLUMNS, "field", "old", "new", "unit"]
    removed_name = old["indicators"].set_index("indicator_id").at["25-5", "name"]
    removed_base = old["baselines"].set_index("indicator_id").at["25-5", "text"]
    assert rows(changes) == {
        ("items", "36", "item_no", "35", "36", "renamed"),
        ("items", "1", "title", "相談・申請手続の利便性向上", "相談・申請手続のオンライン化", "changed"),
        ("item_departments", "9/人事課", "seq", None, "2", "added"),
        ("schedule", "25/2/plan_actual/3", "end_fy", "2029", "2027", "changed"),
        ("schedule", "25/2/plan_actual/1", "text", "ストレスチェックの実施、職場環境改善の取組",
         "ストレスチェックの実施、職場環境改善の取り組み", "respelled"),
        ("indicators", "25-5", "name", removed_name, None, "removed"),
        ("baselines", "25-5", "text", removed_base, None, "removed"),  # owned by the indicator
        ("actuals", "25-1/2025", "value", None, "11.8", "added"),
        ("actuals", "25-1/2025", "text", None, "11.8時間", "added"),
    }
    assert changes[(changes.table == "actuals") & (changes.field == "value")]["unit"].tolist() == ["時間"]


def test_added_project_and_indicator_carry_their_rows_and_full_content(old, new):
    append(new, "projects", item_no=9, project_seq=2, name="官民共創の発信", current_issues="課題",
           actions="取組", related_info=None, page=3, pages="3")
    for seq, (role, dep) in enumerate([("lead", "総務部総務課"), ("related", "人事課")], 1):
        append(new, "project_departments", item_no=9, project_seq=2, role=role, department=dep, seq=1, page=3)
    for bar in (1, 2):
        append(new, "schedule", item_no=9, project_seq=2, track="plan_actual", block_seq=1, bar_seq=bar,
               heading="計画", text=f"工程{bar}", start_fy=2025, end_fy=2026 + bar, page=3)
    append(new, "indicators", indicator_id="25-6", item_no=25, seq=6, name="新しい指標", unit="%", page=4)
    append(new, "baselines", indicator_id="25-6", fiscal_year=2023, value=40.0, text="40.0%", page=4)
    append(new, "actuals", indicator_id="25-6", fiscal_year=2025, value=42.5, text="42.5%", page=4)

    changes = assert_complete(old, new)

    facts = rows(changes)
    assert ("project_departments", "9/2/lead/総務部総務課", "seq", None, "1", "added") in facts
    assert ("project_departments", "9/2/related/人事課", "seq", None, "1", "added") in facts
    assert {f for f in facts if f[0] == "schedule"} == {
        ("schedule", f"9/2/plan_actual/{bar}", col, None, value, "added")
        for bar in (1, 2)
        for col, value in (("block_seq", "1"), ("heading", "計画"), ("text", f"工程{bar}"),
                           ("start_fy", "2025"), ("end_fy", str(2026 + bar)))}
    assert ("indicators", "25-6", "unit", None, "%", "added") in facts
    assert ("baselines", "25-6", "value", None, "40", "added") in facts
    assert ("actuals", "25-6/2025", "value", None, "42.5", "added") in facts
    units = changes[changes.field == "value"].set_index("table")["unit"]
    assert units.to_dict() == {"baselines": "%", "actuals": "%"}
    assert set(changes.change) == {"added"}


def test_removed_item_takes_every_row_it_owns(old, new):
    for name, df in new.items():
        if "item_no" in df.columns:
            new[name] = df[df.item_no != 25]
        elif "indicator_id" in df.columns:
            new[name] = df[~df.indicator_id.str.startswith("25-")]
    changes = assert_complete(old, new)
    removed = changes[changes.change == "removed"].groupby("table").size().to_dict()
    assert removed == {name: int((old[name].item_no == 25).sum()) if "item_no" in old[name] else
                       int(old[name].indicator_id.str.startswith("25-").sum())
                       for name in ("items", "item_departments", "projects", "project_departments",
                                    "schedule", "indicators", "baselines", "actuals")
                       if (old[name].item_no == 25 if "item_no" in old[name] else
                           old[name].indicator_id.str.startswith("25-")).any()}


def test_real_rewording_of_item_9_is_a_change(old, new):
    set_cell(new["items"], dict(item_no=9), "title", "官民共創拠点の運営")
    assert rows(assert_complete(old, new)) == {
        ("items", "9", "title", "官民共創スペースの運営", "官民共創拠点の運営", "changed"),
    }


def test_swapped_numbers_follow_the_items_and_their_children(old, new):
    renumber_item(new, 25, 99)
    renumber_item(new, 26, 25)
    renumber_item(new, 99, 26)
    set_cell(new["baselines"], dict(indicator_id="26-1"), "value", 12.0)
    renamed_ids = {(f"{b}-{s}", "indicator_id", f"{a}-{s}", f"{b}-{s}")
                   for a, b in ((25, 26), (26, 25))
                   for s in old["indicators"][old["indicators"].item_no == a].seq}
    assert rows(assert_complete(old, new)) == {
        ("items", "26", "item_no", "25", "26", "renamed"),
        ("items", "25", "item_no", "26", "25", "renamed"),
        ("baselines", "26-1", "value", "12.5", "12", "changed"),
    } | {("indicators", key, f, a, b, "renamed") for key, f, a, b in renamed_ids}


def test_renumbered_and_reworded_item_is_matched_by_title_similarity(old, new):
    renumber_item(new, 35, 36)
    set_cell(new["items"], dict(item_no=36), "title", "公営企業の健全な経営の推進")
    assert rows(assert_complete(old, new)) == {
        ("items", "36", "item_no", "35", "36", "renamed"),
        ("items", "36", "title", "公営企業の健全な経営", "公営企業の健全な経営の推進", "changed"),
    }


def test_reordered_indicators_are_renamed_not_rewritten(old, new):
    ind = new["indicators"]
    ind = ind[ind.indicator_id != "25-3"].copy()
    shift = {"25-4": ("25-3", 3), "25-5": ("25-4", 4)}
    for before, (after, seq) in shift.items():
        set_cell(ind, dict(indicator_id=before), "seq", seq)
        set_cell(ind, dict(indicator_id=before), "indicator_id", after)
    base = new["baselines"]
    base = base[base.indicator_id != "25-3"].copy()
    base["indicator_id"] = base["indicator_id"].replace({k: v for k, (v, _) in shift.items()})
    new["indicators"], new["baselines"] = ind, base
    assert rows(assert_complete(old, new)) == {
        ("indicators", "25-3", "name", old["indicators"].set_index("indicator_id").at["25-3", "name"],
         None, "removed"),
        ("baselines", "25-3", "text", old["baselines"].set_index("indicator_id").at["25-3", "text"],
         None, "removed"),
        ("indicators", "25-3", "indicator_id", "25-4", "25-3", "renamed"),
        ("indicators", "25-3", "seq", "4", "3", "renamed"),
        ("indicators", "25-4", "indicator_id", "25-5", "25-4", "renamed"),
        ("indicators", "25-4", "seq", "5", "4", "renamed"),
    }


@pytest.mark.parametrize("a, b", [("取り組み", "取組"), ("打ち合わせ", "打合せ"),
                                  ("ＤＸの推進", "DXの推進"), ("申し込み受け付け", "申込受付")])
def test_spelling_variants_are_the_same_text(a, b):
    assert same_text(a, b)


def test_different_words_are_not_the_same_text():
    assert not same_text("官民共創スペースの運営", "官民共創拠点の運営")


def stage(tables: dict[str, pd.DataFrame], directory):
    directory.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_parquet(directory / f"{name}.parquet", index=False)


def test_diff_dirs_writes_parquet_csv_datapackage_and_markdown(old, new, tmp_path):
    set_cell(new["schedule"], dict(item_no=9, project_seq=1, track="evaluation", bar_seq=1),
             "start_fy", 2026)
    set_cell(new["items"], dict(item_no=9), "data_utilization_plan", True)
    append(new, "actuals", indicator_id="25-1", fiscal_year=2025, value=11.8, text="11.8時間", page=4)
    stage(old, tmp_path / "old")
    stage(new, tmp_path / "new")

    changes = diff_dirs(tmp_path / "old", tmp_path / "new", tmp_path / "diff")

    assert ("schedule", "9/1/evaluation/1", "start_fy", "2025", "2026", "changed") in rows(changes)
    assert rows(pd.read_parquet(tmp_path / "diff" / "changes.parquet")) == rows(changes)
    raw = (tmp_path / "diff" / "changes.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ("全国地方公共団体コード,地方公共団体名,変更前の版,変更後の版,変更区分,対象表,"
                        "目標番号,方針番号,実施項目番号,事業番号,工程区分,工程番号,所属区分,所属名,指標ID,年度,"
                        "項目,変更前,変更後,単位")
    assert "100005,群馬県,2025-03,2026-03,変更,実施項目,,,9,,,,,,,,データ利活用計画,0,1," in lines
    assert "100005,群馬県,2025-03,2026-03,変更,工程表,,,9,1,評価,1,,,,,開始年度,2025,2026," in lines
    assert "100005,群馬県,2025-03,2026-03,追加,参考指標の実績値,,,,,,,,,25-1,2025,値,,11.8,時間" in lines
    package = json.loads((tmp_path / "diff" / "datapackage.json").read_text(encoding="utf-8"))
    fields = package["resources"][0]["schema"]["fields"]
    assert [f["name"] for f in fields] == lines[0].split(",")
    assert [f["englishName"] for f in fields][4:] == list(changes.columns)
    report = validate(str(tmp_path / "diff" / "datapackage.json"))
    assert report.valid, report.flatten(["type", "message"])

    md = (tmp_path / "diff" / "changes.md").read_text(encoding="utf-8")
    assert "# 実施計画の変更点: 2025-03 → 2026-03" in md
    assert "2025-03 → 2026-03: 追加 1 行、変更 2 行（2 項目）" in md
    assert "## 工程表" in md
    assert "| 変更 | 実施項目9 事業1 評価 工程1 | 開始年度 | 2025 | 2026 |  |" in md
    assert "| 追加 | 指標25-1 2025年度 | 値 |  | 11.8 | 時間 |" in md
    summary = json.loads((tmp_path / "diff" / "summary.json").read_text(encoding="utf-8"))
    assert summary["rows"] == {"renamed": 0, "changed": 2, "respelled": 0, "removed": 0, "added": 1}


@pytest.mark.parametrize("changed", [False, True])
def test_changes_parquet_is_what_pandas_writes(old, new, tmp_path, changed):
    """changes.parquet is written without pandas, byte for byte as ``pa.Table.from_pandas``
    writes the same changes (with its metadata, so pandas reads Int64 and string columns)."""
    if changed:
        set_cell(new["items"], dict(item_no=9), "data_utilization_plan", True)
        append(new, "actuals", indicator_id="25-1", fiscal_year=2025, value=11.8, text="11.8時間", page=4)
    changes = change_rows(old, new)
    assert bool(changes) == changed
    ours, theirs = tmp_path / "ours.parquet", tmp_path / "theirs.parquet"
    pq.write_table(changes_arrow(changes), ours)
    frame = pa.Table.from_pandas(changes_frame(changes), schema=CHANGES_SCHEMA, preserve_index=False)
    pq.write_table(frame, theirs)
    assert ours.read_bytes() == theirs.read_bytes()


def test_diff_dirs_picks_an_edition_by_source_when_a_dir_holds_several(old, new, tmp_path):
    set_cell(new["goals"], dict(goal_no=2), "title", "官民共創による持続可能な地域づくり")
    both = {name: pd.concat([old[name], new[name]], ignore_index=True) for name in old}
    stage(both, tmp_path / "staged")

    with pytest.raises(UsageError, match="2 editions"):
        diff_dirs(tmp_path / "staged", tmp_path / "staged", tmp_path / "diff")
    changes = diff_dirs(tmp_path / "staged", tmp_path / "staged", tmp_path / "diff",
                        old_source="old", new_source="new")
    assert rows(changes) == {("goals", "2", "title", "官民共創による持続可能な公共づくり",
                              "官民共創による持続可能な地域づくり", "changed")}
    md = (tmp_path / "diff" / "changes.md").read_text(encoding="utf-8")
    assert "## 目標" in md


def test_no_changes_markdown_says_so(old, tmp_path):
    stage(old, tmp_path / "a")
    assert diff_dirs(tmp_path / "a", tmp_path / "a", tmp_path / "diff").empty
    md = (tmp_path / "diff" / "changes.md").read_text(encoding="utf-8")
    assert "2025-03 (old) → 2025-03 (old): 変更はありません。" in md


def test_one_edition_says_there_is_no_earlier_edition(old, tmp_path):
    stage(old, tmp_path / "staged")
    editions_diff_stage(tmp_path / "staged", tmp_path / "diff")
    md = (tmp_path / "diff" / "changes.md").read_text(encoding="utf-8")
    assert "2025-03: 比較できる前の版がありません" in md and "変更はありません" not in md
    assert json.loads((tmp_path / "diff" / "summary.json").read_text(encoding="utf-8"))["old_edition"] is None
