"""Staged Parquet keeps the contract's types, and a failed write leaves the old dir intact."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import staging
from pipeline.contract import TABLES
from pipeline.errors import ExportError, UsageError
from pipeline.staging import atomic_dir, write_tables
from tests.truth_tables import SHARED, load_truth, truth_tables


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict]]:
    tables = truth_tables(load_truth(SHARED / "jisshi-keikaku-2025-excerpt.truth.json"), "abc123")
    return {name: df.astype(object).where(df.notna(), None).to_dict("records")
            for name, df in tables.items()}


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def stage(rows, out: Path) -> None:
    with atomic_dir(out) as tmp:
        write_tables(rows, tmp)


def test_written_tables_have_the_contract_schema_and_values(rows, tmp_path):
    out = tmp_path / "staged"
    stage(rows, out)
    for name, table in TABLES.items():
        back = pq.read_table(out / f"{name}.parquet")
        assert back.schema == table.schema
        assert back.to_pylist() == rows[name]


def test_overwrite_replaces_the_whole_dir_and_leaves_no_temp_dirs(rows, tmp_path):
    out = tmp_path / "staged"
    stage(rows, out)
    (out / "stale.txt").write_text("from an older run")
    stage(rows, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.parquet" for n in TABLES)
    assert [p.name for p in tmp_path.iterdir()] == ["staged"]


def test_failure_midway_leaves_previous_dir_byte_identical(rows, tmp_path, monkeypatch):
    out = tmp_path / "staged"
    stage(rows, out)
    before = snapshot(out)
    real_write, calls = pq.write_table, []

    def failing_write(table, where, **kwargs):
        calls.append(where)
        if len(calls) == 4:
            raise OSError("No space left on device")
        real_write(table, where, **kwargs)

    monkeypatch.setattr(staging.pq, "write_table", failing_write)
    changed = {name: [{**r, "edition": "2026-03"} for r in rs] for name, rs in rows.items()}
    with pytest.raises(OSError, match="No space left"):
        stage(changed, out)
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


def test_contract_types_are_enforced(rows, tmp_path):
    bad = {"goals": [{**rows["goals"][0], "goal_no": "one"}]}
    with pytest.raises(ExportError, match="goals does not fit its contract types"):
        stage(bad, tmp_path / "b")
    assert list(tmp_path.iterdir()) == []
