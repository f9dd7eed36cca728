"""plan-extract diff: changes between two staged editions, built from the ground truth."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.compare import diff_dirs, diff_tables
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
    return {tuple(None if pd.isna(v) else v for v in r) for r in changes.itertuples(index=False)}


def set_cell(df: pd.DataFrame, where: dict, column: str, value) -> None:
    mask = pd.Series(True, index=df.index)
    for col, v in where.items():
        mask &= df[col] == v
    assert mask.sum() == 1, (where, mask.sum())
    df.loc[mask, column] = value


def append(tables: dict[str, pd.DataFrame], name: str, **values) -> None:
    """Add one row to a table, with the edition's provenance."""
    doc = tables["documents"].iloc[0]
    values |= {"edition": doc["edition"], "source_sha256": doc["source_sha256"]}
    row = pd.DataFrame([{c: values.get(c) for c in tables[name].columns}])
    tables[name] = pd.concat([tables[name], row], ignore_index=True) if len(tables[name]) else row


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
    set_cell(new["items"], dict(item_no=9), "title", "官民共創ｽﾍﾟｰｽの運営")  # width only
    set_cell(new["schedule"], dict(item_no=25, project_seq=2, bar_seq=1), "text",
             "ストレスチェックの実施、職場環境改善の取り組み")  # 取組 → 取り組み
    set_cell(new["items"], dict(item_no=1), "title", "相談・申請手続のオンライン化")
    renumber_item(new, 35, 36)
    append(new, "item_departments", item_no=9, department="人事課", seq=2, page=2)
    new["indicators"] = new["indicators"][new["indicators"].indicator_id != "25-5"]
    new["baselines"] = new["baselines"][new["baselines"].indicator_id != "25-5"]

    changes = diff_tables(old, new)

    assert list(changes.columns) == ["table", "key", "field", "old", "new", "change"]
    assert rows(changes) == {
        ("items", "35→36", "item_no", "35", "36", "renamed"),
        ("items", "1", "title", "相談・申請手続の利便性向上", "相談・申請手続のオンライン化", "changed"),
        ("item_departments", "9/人事課", None, None, "人事課", "added"),
        ("schedule", "25/2/plan_actual/3", "end_fy", "2029", "2027", "changed"),
        ("indicators", "25-5", None, "メンタルヘルス不調による長期病休者割合", None, "removed"),
        ("actuals", "25-1/2025", None, None, "11.8時間", "added"),
    }


def test_real_rewording_of_item_9_is_a_change(old, new):
    set_cell(new["items"], dict(item_no=9), "title", "官民共創拠点の運営")
    assert rows(diff_tables(old, new)) == {
        ("items", "9", "title", "官民共創スペースの運営", "官民共創拠点の運営", "changed"),
    }


def test_swapped_numbers_follow_the_items_and_their_children(old, new):
    renumber_item(new, 25, 99)
    renumber_item(new, 26, 25)
    renumber_item(new, 99, 26)
    set_cell(new["baselines"], dict(indicator_id="26-1"), "value", 12.0)
    assert rows(diff_tables(old, new)) == {
        ("items", "25→26", "item_no", "25", "26", "renamed"),
        ("items", "26→25", "item_no", "26", "25", "renamed"),
        ("baselines", "26-1", "value", "12.5", "12", "changed"),
    }


def test_renumbered_and_reworded_item_is_matched_by_title_similarity(old, new):
    renumber_item(new, 35, 36)
    set_cell(new["items"], dict(item_no=36), "title", "公営企業の健全な経営の推進")
    assert rows(diff_tables(old, new)) == {
        ("items", "35→36", "item_no", "35", "36", "renamed"),
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
    assert rows(diff_tables(old, new)) == {
        ("indicators", "25-3", None, old["indicators"].set_index("indicator_id").at["25-3", "name"],
         None, "removed"),
        ("indicators", "25-4→25-3", "indicator_id", "25-4", "25-3", "renamed"),
        ("indicators", "25-5→25-4", "indicator_id", "25-5", "25-4", "renamed"),
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


def test_diff_dirs_writes_parquet_csv_and_markdown(old, new, tmp_path):
    set_cell(new["schedule"], dict(item_no=9, project_seq=1, track="evaluation", bar_seq=1),
             "start_fy", 2026)
    stage(old, tmp_path / "old")
    stage(new, tmp_path / "new")

    changes = diff_dirs(tmp_path / "old", tmp_path / "new", tmp_path / "diff")

    assert rows(changes) == {("schedule", "9/1/evaluation/1", "start_fy", "2025", "2026", "changed")}
    assert rows(pd.read_parquet(tmp_path / "diff" / "changes.parquet")) == rows(changes)
    raw = (tmp_path / "diff" / "changes.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[0] == "table,key,field,old,new,change"
    md = (tmp_path / "diff" / "changes.md").read_text(encoding="utf-8")
    assert "2025-03 → 2026-03" in md
    assert "## 工程表 (schedule)" in md
    assert "| 変更 | 9/1/evaluation/1 | 開始年度 (start_fy) | 2025 | 2026 |" in md


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
    assert "## 目標 (goals)" in md


def test_no_changes_markdown_says_so(old, tmp_path):
    stage(old, tmp_path / "a")
    assert diff_dirs(tmp_path / "a", tmp_path / "a", tmp_path / "diff").empty
    md = (tmp_path / "diff" / "changes.md").read_text(encoding="utf-8")
    assert "変更はありません" in md
    assert "2025-03 (old) → 2025-03 (old)" in md
