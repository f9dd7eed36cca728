"""The warm process of `make run` (pipeline/warm.py): same outputs, same exit codes, same
signals, no orphans, and every command still runs on its own without it.

A stage is held at a known point by giving it a FIFO as its parameters file: the forked child
blocks reading it (inside the run's signal handling) until the test writes to it.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipeline import errors
from tests.processes import children, pgid_of
from tests.test_make_run import copy_project, snapshot
from tests.test_safety import done, project  # noqa: F401 (fixtures: a folder after a run)

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")

EXE = Path(sys.executable).with_name("plan-extract")
NO_PARAMS = ["--params", "/nonexistent/params.yaml"]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, seconds: float = 30) -> bool:
    """Poll ``condition`` until it holds (True) or time is up (False); it may act."""
    deadline = time.monotonic() + seconds
    while not (met := condition()) and time.monotonic() < deadline:
        time.sleep(0.01)
    return bool(met)


class Server:
    """`plan-extract warm` on a socket in ``folder``; stopped (SIGTERM) at the end."""

    def __init__(self, folder: Path) -> None:
        self.socket = folder / "warm" / "warm.sock"
        self.proc = subprocess.Popen([str(EXE), *NO_PARAMS, "warm", "--socket", str(self.socket)],
                                     stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.clients: list[subprocess.Popen] = []  # commands held by a test (killed at the end)
        assert wait_for(self.socket.exists, 60), self.proc.stderr

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "PLAN_EXTRACT_WARM_SOCKET": str(self.socket), **extra}

    def jobs(self) -> list[int]:
        """The children running commands (each leads a process group of its own)."""
        return [pid for pid in self.tree() if pid == pgid_of(pid)]

    def tree(self) -> list[int]:
        """The second process (forked at start), the children, their workers."""
        found, todo = [], [self.proc.pid]
        while todo:
            found += (new := [c for parent in todo for c in children(parent)])
            todo = new
        return found

    def chain(self) -> list[int]:
        """The warm process's other processes (forked at start, in the server's group)."""
        return [pid for pid in self.tree() if pgid_of(pid) == pgid_of(self.proc.pid)]

    def child(self) -> int:
        """The one child running a command now (waits for it)."""
        assert wait_for(lambda: len(self.jobs()) == 1)
        return self.jobs()[0]

    def held_child(self) -> int:
        """The child, once it waits for its FIFO (a test's signal reaches its handlers)."""
        child = self.child()
        assert wait_for(lambda: _wchan(child) == "wait_for_partner")
        return child

    def stop(self) -> None:
        """SIGTERM, once no held command is left (a failed test leaves no process behind)."""
        for client in self.clients:
            if client.poll() is None:
                client.kill()  # the server kills its child
                client.wait()
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            for pid in [self.proc.pid, *self.tree()]:
                os.kill(pid, signal.SIGKILL)
            raise


def _wchan(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return ""


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path)
    yield s
    s.stop()


def held(project: Path, server: Server, *argv: str, **popen) -> tuple[subprocess.Popen, Path]:
    """``plan-extract ARGV`` through the server, its child held reading a FIFO as params."""
    fifo = project / "params.fifo"
    os.mkfifo(fifo)
    proc = subprocess.Popen([str(EXE), "--params", str(fifo), *argv], cwd=project,
                            env=server.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **popen)
    server.clients.append(proc)
    return proc, fifo


def release(fifo: Path) -> None:
    """Let the process that opens the FIFO next read its (empty) parameters."""
    def opened() -> bool:
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # ENXIO until a reader waits
        except OSError:
            return False
        return True
    assert wait_for(opened, 60)


def run(project: Path, env: dict, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXE), *NO_PARAMS, *argv], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)


# --- the same command, the same result -------------------------------------------------------

def test_a_stage_through_the_server_writes_what_it_writes_on_its_own(project, server, tmp_path):
    alone = tmp_path / "alone.json"
    warm = tmp_path / "warm.json"
    assert run(project, dict(os.environ), "-q", "validate", "staged", "--report", str(alone)).returncode == 0
    seen: list[int] = []
    watcher = threading.Thread(target=lambda: wait_for(lambda: seen.extend(server.jobs())
                                                       or bool(seen), 60))
    watcher.start()
    result = run(project, server.env(), "-q", "validate", "staged", "--report", str(warm))
    watcher.join()
    assert result.returncode == 0, result.stderr
    assert seen, "the server forked no child"
    assert warm.read_bytes() == alone.read_bytes()
    assert result.stdout.endswith("expectations met\n") and result.stderr == ""


@pytest.mark.parametrize("argv, code, out", [
    (["validate", "nowhere"], errors.UsageError.exit_code, "nowhere: not a directory"),
    (["validate"], 2, "the following arguments are required: dir"),  # argparse
    (["publish", "staged", "--exports", "raw"], errors.UsageError.exit_code, "refusing to replace it"),
])
def test_exit_codes_and_error_lines_are_relayed_exactly(project, server, argv, code, out):
    before = snapshot(project)
    warm = run(project, server.env(), *argv)
    alone = run(project, dict(os.environ), *argv)
    assert warm.returncode == alone.returncode == code
    assert out in warm.stderr and warm.stderr == alone.stderr and warm.stdout == alone.stdout
    assert "Traceback" not in warm.stderr
    assert snapshot(project) == before


def test_a_child_killed_by_a_signal_ends_the_command_the_same_way(project, server):
    proc, fifo = held(project, server, "-q", "validate", "staged")
    child = server.child()
    os.kill(child, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


# --- signals, deaths ---------------------------------------------------------------------------

@pytest.mark.parametrize("signum, code, word", [(signal.SIGTERM, 143, "terminated"),
                                                (signal.SIGINT, 130, "interrupted")])
def test_a_signal_to_the_command_stops_its_child_cleanly(project, server, signum, code, word):
    before = snapshot(project)
    proc, fifo = held(project, server, "-q", "validate", "staged", "--report",
                      "metrics/validation.json")
    child = server.held_child()
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code
    assert err == f"plan-extract: {word}; previous outputs left as they were\n"
    assert not alive(child)
    assert snapshot(project) == before


def test_a_killed_command_takes_its_child_along(project, server):
    before = snapshot(project)
    proc, fifo = held(project, server, "-q", "validate", "staged", "--report",
                      "metrics/validation.json")
    child = server.child()
    proc.kill()
    proc.wait(timeout=30)
    assert wait_for(lambda: not alive(child), 10)
    assert server.proc.poll() is None  # the server serves on
    assert snapshot(project) == before


def test_a_killed_server_takes_its_children_along_and_the_command_runs_itself(project, server):
    proc, fifo = held(project, server, "-q", "validate", "staged")
    child = server.child()
    chain = server.chain()
    server.proc.kill()
    for pid in chain:
        os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: not alive(child), 10)
    release(fifo)  # the command itself now reads it
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert out.endswith("expectations met\n")
    assert err == "plan-extract: the warm process stopped; running the stage in this process\n"


def test_without_a_server_every_command_runs_on_its_own(project, tmp_path):
    env = {**os.environ, "PLAN_EXTRACT_WARM_SOCKET": str(tmp_path / "nothing" / "here.sock")}
    result = run(project, env, "-q", "validate", "staged")
    assert result.returncode == 0 and result.stderr == ""
    stale = tmp_path / "stale.sock"  # a socket nobody listens on
    import socket

    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(stale))
    env["PLAN_EXTRACT_WARM_SOCKET"] = str(stale)
    assert run(project, env, "-q", "validate", "staged").returncode == 0


def test_switched_off_the_command_does_not_connect(project, server):
    proc, fifo = held(project, server, "-q", "validate", "staged")
    server.child()  # switched on: it went through the server
    release(fifo)
    proc.communicate(timeout=60)
    env = server.env(PLAN_EXTRACT_WARM="0")
    watcher_seen: list[int] = []
    result = subprocess.Popen([str(EXE), *NO_PARAMS, "-q", "validate", "staged"], cwd=project,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while result.poll() is None:
        watcher_seen += server.jobs()
        time.sleep(0.01)
    assert result.returncode == 0 and not watcher_seen


# --- the server's own life -----------------------------------------------------------------------

def test_the_socket_is_private_and_goes_with_the_server(server):
    assert stat.S_IMODE(os.lstat(server.socket).st_mode) == 0o600
    assert stat.S_IMODE(os.lstat(server.socket.parent).st_mode) == 0o700
    limit = Path(f"/proc/{server.proc.pid}/limits").read_text()
    address_space = next(line for line in limit.splitlines() if line.startswith("Max address space"))
    assert address_space.split()[3] != "unlimited"  # the server is bounded too
    server.stop()
    assert server.proc.returncode == 0
    assert not server.socket.exists()


def test_the_server_dies_with_the_process_that_started_it(tmp_path):
    sock = tmp_path / "w" / "warm.sock"
    starter = subprocess.Popen(["sh", "-c", f'"$0" {" ".join(NO_PARAMS)} warm --socket "$1" & '
                                "echo $!; exec sleep 30", str(EXE), str(sock)],
                               stdout=subprocess.PIPE, text=True)
    pid = int(starter.stdout.readline())
    assert wait_for(sock.exists, 60)
    env = {**os.environ, "PLAN_EXTRACT_WARM_SOCKET": str(sock)}
    assert run(tmp_path, env, "validate", "nowhere").returncode == errors.UsageError.exit_code
    chain = [pid, *children(pid), *children(children(pid)[0])]  # started by the first command
    assert len(chain) == 3
    starter.kill()
    starter.wait()
    assert wait_for(lambda: not any(alive(p) for p in chain), 30)
    assert not sock.exists()


def test_a_stale_socket_is_replaced_and_a_live_one_kept(tmp_path, server):
    second = subprocess.run([str(EXE), *NO_PARAMS, "warm", "--socket", str(server.socket)],
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == errors.BusyError.exit_code
    assert second.stderr.count("\n") == 1 and "another warm process" in second.stderr
    assert server.socket.exists()
    server.proc.kill()  # leaves its socket behind
    server.proc.wait()
    again = Server(tmp_path)  # same folder, same socket path
    try:
        assert again.proc.poll() is None
    finally:
        again.stop()


@pytest.mark.parametrize("make, code, reason", [
    (lambda sock: sock.write_text("notes"), errors.UsageError, "is not a socket of the warm process"),
    (lambda sock: sock.parent.chmod(0o755), errors.UsageError, "must be the user's own, mode 0700"),
    (lambda sock: sock.parent.rmdir() or sock.parent.write_text(""), errors.OutputError,
     "cannot make the warm process's socket"),
])
def test_a_socket_path_that_cannot_be_ours_is_one_line_and_touched_nowhere(tmp_path, make, code,
                                                                           reason):
    sock = tmp_path / "w" / "warm.sock"
    sock.parent.mkdir(mode=0o700)
    make(sock)
    before = sorted((p.name, p.stat().st_mode) for p in tmp_path.rglob("*"))
    result = subprocess.run([str(EXE), *NO_PARAMS, "warm", "--socket", str(sock)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == code.exit_code
    assert result.stderr.count("\n") == 1 and reason in result.stderr
    assert sorted((p.name, p.stat().st_mode) for p in tmp_path.rglob("*")) == before


def test_the_child_gets_the_commands_limits_umask_and_folder(project, server):
    soft = 6 * 2**30
    limits = lambda: (resource.setrlimit(resource.RLIMIT_AS, (soft, resource.RLIM_INFINITY)),  # noqa: E731
                      os.umask(0o027))
    proc, fifo = held(project, server, "-q", "validate", "staged", preexec_fn=limits)
    child = server.child()
    try:
        text = Path(f"/proc/{child}/limits").read_text()
        line = next(line for line in text.splitlines() if line.startswith("Max address space"))
        assert int(line.split()[3]) == soft
        status = Path(f"/proc/{child}/status").read_text()
        assert "Umask:\t0027" in status
        assert os.readlink(f"/proc/{child}/cwd") == str(project)
        assert os.getpgid(child) == child  # its own group: a signal reaches it once, from the command
    finally:
        release(fifo)
        proc.communicate(timeout=60)
    assert proc.returncode == 0


# --- make run -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, Path]:
    """The excerpt through `make run`, once warm and once with PLAN_EXTRACT_WARM=0."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    projects = []
    for warm in ("1", "0"):
        project = copy_project(tmp_path_factory.mktemp(f"make-warm-{warm}"))
        result = make_run(project, PLAN_EXTRACT_WARM=warm)
        assert result.returncode == 0, result.stderr
        projects.append(project)
    return projects[0], projects[1]


def make_run(project: Path, **env: str) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))},
           "SOURCE_DATE_EPOCH": "1764547200", **env}  # byte-identical exports
    return subprocess.run(["make", "--no-print-directory", "run"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)


def test_make_run_warm_writes_the_same_bytes_and_leaves_nothing_behind(made):
    warm, alone = made
    assert snapshot(warm) == snapshot(alone)
    assert (warm / ".dvc/tmp/plan-extract").is_dir()
    assert not list((warm / ".dvc/tmp/plan-extract").iterdir())  # the socket is gone
    assert not (alone / ".dvc/tmp/plan-extract").exists()  # switched off: no server
    for pid in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (pid / "cmdline").read_bytes()
        except OSError:
            continue
        assert str(warm).encode() not in cmd  # no server left


def test_make_run_stops_with_the_code_of_a_failing_warm_stage(made):
    warm, _ = made
    (warm / "dvc.lock").unlink()  # every stage runs again
    marker = warm / "exports" / ".plan-extract"
    marker.unlink()  # exports/ is no longer the tool's: publish refuses to replace it
    before = snapshot(warm)
    try:
        result = make_run(warm)
        after = snapshot(warm)
    finally:
        marker.write_text("Made by plan-extract: each run replaces this folder as a whole.\n")
    assert f"Error {errors.UsageError.exit_code}" in result.stderr
    assert "Error 255" not in result.stderr and "Traceback" not in result.stderr
    assert "refusing to replace it" in result.stderr  # the child's line reaches the analyst
    assert after == before
