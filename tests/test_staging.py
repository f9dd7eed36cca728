"""Staged Parquet keeps the contract's types, and a failed write leaves the old dir intact."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import staging
from pipeline.contract import TABLES
from pipeline.errors import BusyError, ExportError, OutputError, UsageError
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
    assert sorted(p.name for p in out.iterdir()) == sorted([staging.MARKER, *(f"{n}.parquet" for n in TABLES)])
    assert [p.name for p in tmp_path.iterdir()] == ["staged"]


def test_failure_midway_leaves_previous_dir_byte_identical(rows, tmp_path, monkeypatch):
    out = tmp_path / "staged"
    stage(rows, out)
    before = snapshot(out)
    real_write, calls = pq.write_table, []

    def failing_write(table, where, **kwargs):
        calls.append(where)
        if len(calls) == 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(table, where, **kwargs)

    monkeypatch.setattr(pq, "write_table", failing_write)
    changed = {name: [{**r, "edition": "2026-03"} for r in rs] for name, rs in rows.items()}
    with pytest.raises(OutputError, match="No space left") as err:
        stage(changed, out)
    assert err.value.exit_code == 21 and err.value.file == str(out)
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
    with pytest.raises(UsageError, match="is not a directory: refusing"):
        with atomic_dir(tmp_path / "staged"):
            pass


def test_contract_types_are_enforced(rows, tmp_path):
    bad = {"goals": [{**rows["goals"][0], "goal_no": "one"}]}
    with pytest.raises(ExportError, match="goals does not fit its contract types"):
        stage(bad, tmp_path / "b")
    assert list(tmp_path.iterdir()) == []


# --- only the tool's own folders are replaced ---------------------------------------------

def test_a_folder_the_tool_did_not_make_is_refused_and_left_alone(rows, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not made by plan-extract") as err:
        stage(rows, out)
    assert err.value.exit_code == 2
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_an_empty_folder_is_replaced_and_every_output_folder_is_marked(rows, tmp_path):
    out = tmp_path / "staged"
    out.mkdir()
    stage(rows, out)
    assert (out / staging.MARKER).is_file()
    stage(rows, out)  # marked: replaced again


def test_a_file_output_is_replaced_only_if_the_tool_wrote_it(tmp_path):
    owned = staging.is_json_object_with("ok")
    report = tmp_path / "validation.json"
    report.write_text('{"name": "not ours"}')
    with pytest.raises(UsageError, match="not written by plan-extract"):
        with staging.atomic_file(report, owned) as tmp:
            tmp.write_text('{"ok": true}')
    assert report.read_text() == '{"name": "not ours"}'
    report.write_text('{"ok": false}')
    with staging.atomic_file(report, owned) as tmp:
        tmp.write_text('{"ok": true}')
    assert report.read_text() == '{"ok": true}'
    with pytest.raises(OutputError):  # a failed write leaves the old file whole
        with staging.atomic_file(report, owned) as tmp:
            tmp.write_text('{"ok": tr')
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp))
    assert report.read_text() == '{"ok": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["validation.json"]


# --- the swap: no window, leftovers cleaned, one writer -------------------------------------

def test_the_swap_exchanges_in_one_step_and_the_folder_is_never_missing(rows, tmp_path, monkeypatch):
    out = tmp_path / "staged"
    stage(rows, out)
    exchanged, missing, stop = [], [], threading.Event()
    real_exchange = staging._exchange
    monkeypatch.setattr(staging, "_exchange", lambda a, b: exchanged.append(real_exchange(a, b)) or exchanged[-1])

    def watch():
        while not stop.is_set():
            if not (out / "goals.parquet").is_file():
                missing.append(True)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(30):
            with atomic_dir(out) as tmp:
                (tmp / "goals.parquet").write_bytes(b"x")
    finally:
        stop.set()
        watcher.join()
    assert exchanged == [True] * 30 and not missing


def test_a_killed_run_leaves_temp_folders_the_next_run_removes(rows, tmp_path):
    out = tmp_path / "staged"
    stage(rows, out)
    before = snapshot(out)
    (tmp_path / ".staged.new-abc123").mkdir()  # left by the tool's earlier versions
    code = ("import os, signal, sys; from pipeline.staging import atomic_dir\n"
            f"with atomic_dir({str(out)!r}) as tmp:\n"
            "    (tmp / 'half.parquet').write_bytes(b'x'); os.kill(os.getpid(), signal.SIGKILL)\n")
    killed = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1])
    assert killed.returncode == -signal.SIGKILL
    assert snapshot(out) == before
    assert len(list(tmp_path.glob(".plan-extract.tmp-*"))) == 1
    stage(rows, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["staged"]


def test_a_second_writer_is_refused_while_the_first_holds_the_folder(rows, tmp_path):
    out = tmp_path / "staged"
    first = staging.Outputs()
    first.reserve(out)
    try:
        with pytest.raises(BusyError, match="another plan-extract run") as err:
            stage(rows, out)
        assert err.value.exit_code == 22
    finally:
        first.close()
    stage(rows, out)


def test_outputs_of_a_run_appear_together_or_not_at_all(rows, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    with pytest.raises(RuntimeError):
        with staging.all_or_nothing():
            stage(rows, a)
            assert not a.exists()  # not before the whole run succeeded
            with atomic_dir(b):
                raise RuntimeError("a later stage failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    with staging.all_or_nothing() as pub:
        stage(rows, a)
        assert pub.pending(a) != a and (pub.pending(a) / "goals.parquet").is_file()
    assert (a / "goals.parquet").is_file()


def test_ctrl_c_during_the_swaps_waits_until_they_are_done(rows, tmp_path, monkeypatch):
    real_swap = staging._swap_in

    def swap_and_interrupt(new, target):
        real_swap(new, target)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(staging, "_swap_in", swap_and_interrupt)
    with staging.all_or_nothing():
        stage(rows, tmp_path / "a")
        stage(rows, tmp_path / "b")
    assert (tmp_path / "a" / "goals.parquet").is_file() and (tmp_path / "b" / "goals.parquet").is_file()


# --- permissions and symlinks ----------------------------------------------------------------

@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_folders_and_files_follow_the_umask(rows, tmp_path, umask):
    old = os.umask(umask)
    try:
        out = tmp_path / "staged"
        stage(rows, out)
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask
    assert stat.S_IMODE((out / "goals.parquet").stat().st_mode) == 0o666 & ~umask


def test_a_symlinked_output_folder_is_followed(rows, tmp_path):
    real = tmp_path / "elsewhere" / "staged"
    stage(rows, real)
    link = tmp_path / "staged"
    link.symlink_to(real)
    stage(rows, link)
    assert link.is_symlink() and (real / "goals.parquet").is_file()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    (tmp_path / "reports").symlink_to(mine)
    with pytest.raises(UsageError, match="not made by plan-extract"):
        stage(rows, tmp_path / "reports")
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
