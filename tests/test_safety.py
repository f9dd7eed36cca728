"""The analyst's files are sacred: refusals, all-or-nothing runs, locks, signals, full disks.

Every case runs the real command line; "nothing touched" is checked byte for byte.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import errors
from pipeline.cli import main
from tests.bad_inputs import EXCERPT, FULL
from tests.processes import group_members

NO_PARAMS = ["--params", "/nonexistent/params.yaml"]
EXE = Path(sys.executable).with_name("plan-extract")
OUTPUTS = ("staged", "metrics", "exports", "diff", "reports")


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def done(tmp_path_factory) -> Path:
    """A project folder after one successful `plan-extract run`."""
    project = tmp_path_factory.mktemp("project")
    (project / "raw").mkdir()
    shutil.copy(EXCERPT, project / "raw" / EXCERPT.name)
    old = Path.cwd()
    os.chdir(project)
    try:
        assert main([*NO_PARAMS, "-q", "run"]) == 0
    finally:
        os.chdir(old)
    return project


@pytest.fixture
def project(done, tmp_path) -> Path:
    """A fresh copy of the finished project (outputs with their markers)."""
    copy = tmp_path / "project"
    shutil.copytree(done, copy, symlinks=True)
    return copy


def outputs(project: Path) -> dict[str, str]:
    return {k: v for k, v in snapshot(project).items() if k.split("/")[0] in OUTPUTS}


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


# --- item 1: --out only replaces what the tool made ---------------------------------------------

@pytest.mark.parametrize("argv", [
    ["extract", "raw", "--out", "raw"],
    ["report", "staged", "--out", "."],
    ["editions-diff", "staged", "--out", "."],
    ["export", "staged", "--out", "raw"],
    ["diff", "staged", "--out", "raw"],
    ["validate", "staged", "--report", "raw/" + EXCERPT.name],
])
def test_an_output_that_is_not_the_tools_is_refused_and_nothing_is_touched(project, argv, capsys,
                                                                           monkeypatch):
    monkeypatch.chdir(project)
    (project / "params.yaml").write_text("workers: 1\n")
    before = snapshot(project)
    assert main([*NO_PARAMS, *argv]) == errors.UsageError.exit_code
    assert "refusing to replace it" in one_line(capsys)
    assert snapshot(project) == before


# --- item 3: `plan-extract run` publishes every output together or none ----------------------

def test_a_validation_failure_publishes_nothing(project, capsys, monkeypatch):
    from pipeline.validate import command
    from pipeline.validate.report import ValidationReport

    monkeypatch.chdir(project)
    before = snapshot(project)
    monkeypatch.setattr(command, "validate_dir", lambda staged, vocabulary: ValidationReport(
        ok=False, failures=["items: declared 35, found 34 — item 17 missing"]))
    assert main([*NO_PARAMS, "run"]) == errors.ValidationFailed.exit_code
    assert capsys.readouterr().err.endswith(
        f"plan-extract: {project / 'staged'}: 1 validation failure(s)\n")
    assert snapshot(project) == before
    assert sorted(p.name for p in project.iterdir()) == sorted(["raw", *OUTPUTS])


def test_an_export_failure_publishes_nothing(project, capsys, monkeypatch):
    from pipeline.publish import export

    monkeypatch.chdir(project)
    before = snapshot(project)
    monkeypatch.setattr(export, "key_problems", lambda tables: ["items: item_no 17 twice"])
    assert main([*NO_PARAMS, "run"]) == errors.ExportError.exit_code
    assert "keys do not hold: items: item_no 17 twice" in capsys.readouterr().err
    assert snapshot(project) == before
    assert sorted(p.name for p in project.iterdir()) == sorted(["raw", *OUTPUTS])


# --- item 5: one run at a time ---------------------------------------------------------------

def test_a_second_run_on_the_same_folder_is_refused(project):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pipeline.staging import all_or_nothing\n"
         "with all_or_nothing(sys.argv[1]):\n    print('held', flush=True); sys.stdin.read()",
         str(project / "staged")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])
    try:
        assert holder.stdout.readline() == "held\n"
        before = snapshot(project)
        run = subprocess.run([str(EXE), *NO_PARAMS, "run"], cwd=project, capture_output=True, text=True)
    finally:
        holder.communicate("")
    assert run.returncode == errors.BusyError.exit_code
    assert run.stderr.count("\n") == 1 and "another plan-extract run is writing" in run.stderr
    assert snapshot(project) == before


# --- item 6: signals ---------------------------------------------------------------------------

def start_long_run(project: Path) -> subprocess.Popen:
    """`plan-extract run` on the 66-page edition with two page workers, once they are busy."""
    shutil.copy(FULL, project / "raw" / FULL.name)
    (project / "params.yaml").write_text("workers: 2\n")
    proc = subprocess.Popen([str(EXE), "run"], cwd=project, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(group_members(proc.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # parent + 2 workers
    assert proc.poll() is None and len(group_members(proc.pid)) >= 3
    return proc


def gone(pgid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not group_members(pgid)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("how, code, word", [
    ("term", 143, "terminated"),  # `kill PID`: the parent only
    ("int", 130, "interrupted"),  # Ctrl-C: the whole foreground group
])
def test_sigterm_and_ctrl_c_stop_the_run_cleanly(project, how, code, word):
    before = outputs(project)
    proc = start_long_run(project)
    if how == "term":
        proc.send_signal(signal.SIGTERM)
    else:
        os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert err.strip().splitlines() == [f"plan-extract: {word}; previous outputs left as they were"]
    assert gone(proc.pid)
    assert outputs(project) == before


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_workers_die_with_a_killed_parent_and_the_next_run_cleans_up(project):
    before = outputs(project)
    proc = start_long_run(project)
    proc.kill()
    proc.communicate(timeout=60)
    assert gone(proc.pid)
    assert outputs(project) == before
    (project / "raw" / FULL.name).unlink()
    run = subprocess.run([str(EXE), *NO_PARAMS, "run"], cwd=project, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in project.iterdir()) == sorted(["params.yaml", "raw", *OUTPUTS])


# --- item 7: a read-only or full disk ---------------------------------------------------------

@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MiB tmpfs (root only; skipped elsewhere)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(disk: Path) -> None:
    with (disk / "filler").open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as e:
            assert e.errno == errno.ENOSPC


def test_a_full_disk_is_one_line_and_keeps_the_previous_outputs(done, tiny_disk, capsys):
    shutil.copytree(done / "metrics", tiny_disk / "metrics")
    shutil.copytree(done / "reports", tiny_disk / "reports")
    fill(tiny_disk)
    before = snapshot(tiny_disk)
    report = tiny_disk / "metrics" / "validation.json"
    code = main([*NO_PARAMS, "report", str(done / "staged"), "--out", str(tiny_disk / "reports"),
                 "--validation", str(report)])
    assert code == errors.OutputError.exit_code
    line = one_line(capsys)
    assert line.startswith(f"plan-extract: {tiny_disk / 'reports'}: cannot write") and "space" in line
    code = main([*NO_PARAMS, "validate", str(done / "staged"), "--report", str(report)])
    assert code == errors.OutputError.exit_code
    assert "cannot write" in capsys.readouterr().err
    assert snapshot(tiny_disk) == before
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler", "metrics", "reports"]


def test_a_read_only_folder_is_one_line(done, tiny_disk, capsys):
    shutil.copytree(done / "exports", tiny_disk / "exports")
    before = snapshot(tiny_disk)
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    code = main([*NO_PARAMS, "export", str(done / "staged"), "--out", str(tiny_disk / "exports")])
    assert code == errors.OutputError.exit_code
    assert one_line(capsys).startswith(f"plan-extract: {tiny_disk}")
    assert snapshot(tiny_disk) == before


def test_write_errors_become_output_errors(project, capsys, monkeypatch):
    """Where no tmpfs can be mounted: the same path through a failing write."""
    from pipeline.report import build

    monkeypatch.chdir(project)
    before = snapshot(project)

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(build.Path, "write_text", full)
    assert main([*NO_PARAMS, "report", "staged", "--out", "reports"]) == errors.OutputError.exit_code
    assert one_line(capsys) == f"plan-extract: {project / 'reports'}: cannot write: No space left on device"
    assert snapshot(project) == before



def test_a_write_error_while_the_report_is_built_is_exit_21(project, capsys, monkeypatch):
    """Not only the folder's first file: a disk that fills while page images are written."""
    from pipeline.report import build

    monkeypatch.chdir(project)
    before = snapshot(project)

    def full(pdf, sha256, pages, out_dir, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(out_dir / "evidence"))

    monkeypatch.setattr(build, "rendering", full)
    monkeypatch.setattr(build, "find_source", lambda *args: project / "raw" / "any.pdf")
    assert main([*NO_PARAMS, "report", "staged", "--out", "reports"]) == errors.OutputError.exit_code
    assert one_line(capsys) == f"plan-extract: {project / 'reports'}: cannot write: No space left on device"
    assert snapshot(project) == before

# --- items 14, 15: inputs that would confuse, refused at the door ------------------------------

@pytest.mark.parametrize("name, clean", [
    ("実施計画（第2版）.pdf", "実施計画(第2版).pdf"),
    ("実施計画\u30002025.pdf", "実施計画 2025.pdf"),
    ("ｼﾞｯｼｹｲｶｸ.pdf", "ジッシケイカク.pdf"),
    (" plan.pdf", "plan.pdf"),
])
def test_a_file_name_the_open_data_cannot_carry_is_refused_at_extract(tmp_path, capsys, name, clean):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(EXCERPT, raw / name)
    assert main([*NO_PARAMS, "extract", str(raw), "--out", str(tmp_path / "staged")]) == 2
    assert one_line(capsys) == (
        f"plan-extract: {raw / name}: file name {name!r} would change in the open data (full-width "
        f"or half-width forms, spaces around it): rename the file to {clean!r}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]


def test_the_same_pdf_under_two_names_is_refused_naming_both(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(EXCERPT, raw / "a.pdf")
    shutil.copy(EXCERPT, raw / "b.pdf")
    assert main([*NO_PARAMS, "extract", str(raw), "--out", str(tmp_path / "staged")]) == 2
    assert one_line(capsys) == (f"plan-extract: {raw / 'b.pdf'}: the same PDF as {raw / 'a.pdf'} "
                                "(identical bytes): keep one of them")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]
