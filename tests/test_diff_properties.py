"""Property: old + changes = new, over editions drawn by tests/variants with random edits.

The new edition is the excerpt revised as ``tests/variants`` revises it (reworded titles,
partial bars, filled 実績, full-width digits) and then edited at random the ways an editor
edits a plan: items renumbered, swapped or dropped, rows dropped, texts rewritten or
respelled, projects and indicators added with their departments, bars and values.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.compare.apply import apply_changes
from pipeline.compare.diff import diff_tables
from pipeline.contract import TABLES
from tests.test_diff import append, renumber_item
from tests.truth_tables import SHARED, load_truth, truth_tables
from tests.variants.fonts import Typeface
from tests.variants.options import VariantOptions
from tests.variants.revise import revise

PUBLISHED = load_truth(SHARED / "jisshi-keikaku-2025-excerpt.truth.json")
FACE = Typeface("text-layer-as-drawn", truetype=True)  # no font needed: only the truth is revised
TEXT_COLUMNS = {"goals": "title", "policies": "description", "items": "title", "projects": "actions",
                "schedule": "text", "indicators": "name", "baselines": "text"}

Tables = dict[str, pd.DataFrame]


def _items(tables: Tables) -> list[int]:
    return sorted(tables["items"]["item_no"].tolist())


def drop_item(tables: Tables, data) -> None:
    no = data.draw(st.sampled_from(_items(tables)))
    for name, df in tables.items():
        if "item_no" in df.columns:
            tables[name] = df[df.item_no != no].reset_index(drop=True)
        elif "indicator_id" in df.columns:
            tables[name] = df[~df.indicator_id.str.startswith(f"{no}-")].reset_index(drop=True)


def move_item(tables: Tables, data) -> None:
    a, b = data.draw(st.lists(st.sampled_from(_items(tables)), min_size=2, max_size=2, unique=True))
    if data.draw(st.booleans()):  # swap two numbers
        renumber_item(tables, a, 999)
        renumber_item(tables, b, a)
        renumber_item(tables, 999, b)
    else:  # a new number nobody has
        renumber_item(tables, a, max(_items(tables)) + 1)


def drop_row(tables: Tables, data) -> None:
    name = data.draw(st.sampled_from(["item_departments", "project_departments", "schedule", "actuals",
                                      "baselines", "departments"]))
    if len(tables[name]):
        i = data.draw(st.integers(0, len(tables[name]) - 1))
        tables[name] = tables[name].drop(index=tables[name].index[i]).reset_index(drop=True)


def rewrite_text(tables: Tables, data) -> None:
    name = data.draw(st.sampled_from(sorted(TEXT_COLUMNS)))
    col, df = TEXT_COLUMNS[name], tables[name]
    i = data.draw(st.integers(0, len(df) - 1))
    before = df.at[df.index[i], col] or ""
    respelled = before.replace("取組", "取り組み")
    df.at[df.index[i], col] = respelled if respelled != before and data.draw(st.booleans()) else before + "（改）"


def change_number(tables: Tables, data) -> None:
    name = data.draw(st.sampled_from(["schedule", "baselines"]))
    df = tables[name]
    i = data.draw(st.integers(0, len(df) - 1))
    col = "end_fy" if name == "schedule" else "value"
    df.at[df.index[i], col] = data.draw(st.integers(2020, 2035)) if col == "end_fy" else data.draw(
        st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False)))


def add_project(tables: Tables, data) -> None:
    no = data.draw(st.sampled_from(_items(tables)))
    seq = int(tables["projects"].query("item_no == @no")["project_seq"].max() or 0) + 1 \
        if (tables["projects"].item_no == no).any() else 1
    append(tables, "projects", item_no=no, project_seq=seq, name=f"新規事業{seq}", actions="実施する。", page=9)
    append(tables, "project_departments", item_no=no, project_seq=seq, role="lead",
           department="総務部総務課", seq=1, page=9)
    for bar in range(1, data.draw(st.integers(1, 3)) + 1):
        append(tables, "schedule", item_no=no, project_seq=seq, track="plan_actual", block_seq=1,
               bar_seq=bar, heading="計画", text=f"工程{bar}", start_fy=2025, end_fy=2025 + bar, page=9)


def add_indicator(tables: Tables, data) -> None:
    no = data.draw(st.sampled_from(_items(tables)))
    seq = int(tables["indicators"].query("item_no == @no")["seq"].max()) + 1 \
        if (tables["indicators"].item_no == no).any() else 1
    iid = f"{no}-{seq}"
    append(tables, "indicators", indicator_id=iid, item_no=no, seq=seq, name=f"新しい指標{iid}", unit="件", page=9)
    append(tables, "baselines", indicator_id=iid, fiscal_year=2023, value=10.0, text="10件", page=9)
    for fy in range(2025, 2025 + data.draw(st.integers(0, 2))):
        append(tables, "actuals", indicator_id=iid, fiscal_year=fy, value=float(fy - 2013), text=f"{fy - 2013}件", page=9)


EDITS = [drop_item, move_item, drop_row, rewrite_text, change_number, add_project, add_indicator]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(options=st.builds(VariantOptions, reword=st.booleans(), partial_bars=st.booleans(),
                         filled_actuals=st.booleans(), fullwidth_digits=st.booleans()),
       edits=st.lists(st.sampled_from(EDITS), max_size=6), backwards=st.booleans(), data=st.data())
def test_old_plus_changes_is_new(options, edits, backwards, data):
    old = truth_tables(PUBLISHED, source_sha256="old")
    new = truth_tables(revise(PUBLISHED, options, FACE), source_sha256="new")
    for edit in edits:
        edit(new, data)
    if backwards:  # a diff also runs from a richer edition to a poorer one
        old, new = new, old

    changes = diff_tables(old, new)

    got, want = apply_changes(old, changes), apply_changes(new, diff_tables(new, new))
    for name in TABLES:
        assert got[name] == want[name], name
    assert diff_tables(new, new).empty and diff_tables(old, old).empty
