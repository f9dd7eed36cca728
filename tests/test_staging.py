"""Staged Parquet keeps the contract's types, and a failed write leaves the old dir intact."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline import staging
from pipeline.contract import TABLES
from pipeline.errors import ExportError, UsageError
from pipeline.staging import atomic_dir, read_tables, write_tables
from tests.truth_tables import SHARED, load_truth, truth_tables


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return truth_tables(load_truth(SHARED / "jisshi-keikaku-2025-excerpt.truth.json"), "abc123")


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """Values only: object dtype, every kind of null as None."""
    return df.astype(object).where(df.notna(), None)


def test_write_then_read_keeps_contract_types_values_and_extra_columns(tables, tmp_path):
    items = tables["items"].assign(note="extra")
    out = tmp_path / "staged"
    written = write_tables({**tables, "items": items}, out)
    assert sorted(p.name for p in written) == sorted(f"{n}.parquet" for n in TABLES)
    for name, table in TABLES.items():
        schema = pq.read_schema(out / f"{name}.parquet")
        assert schema.names[:len(table.schema)] == table.schema.names
        assert [schema.field(n).type for n in table.schema.names] == table.schema.types
    back = read_tables(out)
    assert back.keys() == TABLES.keys()
    assert back["items"]["note"].eq("extra").all()
    for name, df in tables.items():
        pd.testing.assert_frame_equal(plain(back[name][df.columns]), plain(df))
    assert back["schedule"]["page"].isna().all() and str(back["schedule"]["page"].dtype) == "Int64"


def test_overwrite_replaces_the_whole_dir_and_leaves_no_temp_dirs(tables, tmp_path):
    out = tmp_path / "staged"
    write_tables(tables, out)
    write_tables({"goals": tables["goals"]}, out)
    assert [p.name for p in out.iterdir()] == ["goals.parquet"]
    assert [p.name for p in tmp_path.iterdir()] == ["staged"]


def test_failure_midway_leaves_previous_dir_byte_identical(tables, tmp_path, monkeypatch):
    out = tmp_path / "staged"
    write_tables(tables, out)
    before = snapshot(out)
    real_write, calls = pq.write_table, []

    def failing_write(table, where, **kwargs):
        calls.append(where)
        if len(calls) == 4:
            raise OSError("No space left on device")
        real_write(table, where, **kwargs)

    monkeypatch.setattr(staging.pq, "write_table", failing_write)
    changed = {name: df.assign(edition="2026-03") for name, df in tables.items()}
    with pytest.raises(OSError, match="No space left"):
        write_tables(changed, out)
    assert len(calls) == 4 and all(Path(c).parent != out for c in calls)
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["staged"]


def test_atomic_dir_failure_on_first_run_creates_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_dir(tmp_path / "exports") as tmp:
            (tmp / "half.csv").write_text("a,b\n")
            raise RuntimeError("export failed")
    assert list(tmp_path.iterdir()) == []


def test_atomic_dir_refuses_a_file_in_the_way(tmp_path):
    (tmp_path / "staged").write_text("not a dir")
    with pytest.raises(UsageError, match="is not a directory"):
        with atomic_dir(tmp_path / "staged"):
            pass


def test_contract_types_are_enforced(tables, tmp_path):
    goals = tables["goals"]
    with pytest.raises(ExportError, match=r"goals lacks contract columns \['description'\]"):
        write_tables({"goals": goals.drop(columns="description")}, tmp_path / "a")
    with pytest.raises(ExportError, match="goals does not fit its contract types"):
        write_tables({"goals": goals.assign(goal_no="one")}, tmp_path / "b")
    assert list(tmp_path.iterdir()) == []
    as_float = goals.assign(goal_no=[1.0, 2.0, math.nan, 4.0])  # how pandas holds ints with a gap
    write_tables({"goals": as_float}, tmp_path / "c")
    assert read_tables(tmp_path / "c")["goals"]["goal_no"].tolist() == [1, 2, pd.NA, 4]
