"""`make run` (DVC) keeps every output when a stage fails, and stops with the tool's exit code.

DVC deletes a stage's outputs before running it unless they are ``persist: true``; these tests
run the real Makefile and dvc.yaml in a copy of the project.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from pipeline import errors
from tests.bad_inputs import EXCERPT, FULL
from tests.processes import children, cmdline, group_members, pgid_of

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ("staged", "metrics", "exports", "diff", "reports")


def snapshot(project: Path) -> dict[str, str]:
    return {str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest()
            for name in OUTPUTS for p in sorted((project / name).rglob("*")) if p.is_file()}


def make_run(project: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    return subprocess.run(["make", "--no-print-directory", "run"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)


def copy_project(project: Path, git: bool = False) -> Path:
    """The Makefile, dvc.yaml and what they read into ``project``, with this checkout's .venv
    and raw/ holding the excerpt; a DVC project (inside a new git repository if ``git``)."""
    for name in ("Makefile", "dvc.yaml", "params.yaml", "pyproject.toml", "uv.lock", ".dvcignore", ".gitignore"):
        shutil.copy2(ROOT / name, project / name)
    for name in ("pipeline", "expectations", "reference"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    (project / ".venv").symlink_to(ROOT / ".venv")
    for name in ("pyproject.toml", "uv.lock"):  # older than .venv/.synced: make must not sync
        os.utime(project / name, (0, 0))  # this checkout's .venv to the copy
    (project / "raw").mkdir()
    shutil.copy2(EXCERPT, project / "raw" / EXCERPT.name)
    if git:
        subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    dvc = str(ROOT / ".venv/bin/dvc")
    subprocess.run([dvc, "init", "-q", *([] if git else ["--no-scm"])], cwd=project, check=True)
    subprocess.run([dvc, "config", "core.analytics", "false"], cwd=project, check=True)
    return project


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project after one run."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    project = copy_project(tmp_path_factory.mktemp("project"))
    run = make_run(project)
    assert run.returncode == 0, run.stderr
    return project


@pytest.mark.parametrize("name, content, error", [
    ("z.pdf", b"", errors.NotPdfError),  # an empty download
    ("実施計画（第2版）.pdf", EXCERPT.read_bytes(), errors.UsageError),  # a name export cannot carry
])
def test_a_failing_stage_keeps_every_output_and_make_reports_the_tools_code(project, name, content,
                                                                            error):
    before = snapshot(project)
    assert {p.split("/")[0] for p in before} == set(OUTPUTS)
    bad = project / "raw" / name
    bad.write_bytes(content)
    try:
        run = make_run(project)
    finally:
        bad.unlink()
    assert f"Error {error.exit_code}" in run.stderr
    assert "Error 255" not in run.stderr
    assert snapshot(project) == before


def extracting(pgid: int) -> bool:
    """A `plan-extract extract` and at least one of its page workers run in this group, or
    the command here and its child of the warm process (pipeline/warm.py), with workers."""
    found = 0
    for pid in group_members(pgid):
        cmd = cmdline(pid)
        found += any(c.endswith(b"plan-extract") for c in cmd) and b"extract" in cmd
    return found >= 2 or (found == 1 and any(children(job) for job in warm_jobs(pgid)))


def warm_jobs(pgid: int) -> list[int]:
    """The children the warm process in this group forked for commands (own groups each)."""
    warm = [pid for pid in group_members(pgid) if b"warm" in cmdline(pid)[1:3]]
    return [c for pid in warm for c in children(pid) if pgid_of(c) == c]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_ctrl_c_during_extract_keeps_every_output(project):
    from tests.test_safety import gone

    before = snapshot(project)
    big = project / "raw" / FULL.name
    shutil.copy2(FULL, big)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    proc = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=project, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not extracting(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert extracting(proc.pid)
        jobs = warm_jobs(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        _, err = proc.communicate(timeout=120)
    finally:
        big.unlink()
    assert proc.returncode != 0 and "Traceback" not in err
    assert gone(proc.pid)
    assert all(gone(job) for job in jobs)  # the warm process's children, in groups of their own
    assert snapshot(project) == before


def test_make_run_after_a_failure_finishes_the_pipeline(project):
    run = make_run(project)
    assert run.returncode == 0, run.stderr
    assert (project / "reports" / "index.html").is_file()
