"""A process that stays warm between ``make run``'s stages, so they skip their imports.

DVC starts a new interpreter for every stage: validate spends 1.3 CPU-s importing Great
Expectations, publish 0.3 s and extract 0.2 s on their imports before any work. ``make run``
starts ``plan-extract warm --socket PATH`` beside ``dvc repro`` and names PATH in
``PLAN_EXTRACT_WARM_SOCKET``. The server imports what the stages need while DVC starts, then
waits. A stage command (``plan-extract -q validate …``, as DVC runs it) connects and hands
over its arguments, working folder, environment, umask, resource limits, priority and its
stdin/stdout/stderr (``SCM_RIGHTS``); the server forks a child that runs the same
``cli.main()`` with them, and the command relays the child's exit status exactly. The server
is a chain of processes, one a stage (``PRELOAD``), each forked from the one before with that
stage's modules imported on top.

Without a server (``dvc repro validate`` or ``plan-extract`` by hand, ``PLAN_EXTRACT_WARM=0``,
a server gone or refusing) the command runs in its own process, as it always did.

What holds (``tests/test_warm.py``):

- Signals: the child has a process group of its own, and the command forwards SIGINT and
  SIGTERM to it (exactly one signal, as a stage process gets one): 130 / 143, outputs intact.
- The command killed (SIGKILL): its connection closes and the server kills the child's group.
- The server killed: its children die with it (``PR_SET_PDEATHSIG``), and a command whose
  child died that way runs the stage itself.
- The server stops with the shell that started it (``PR_SET_PDEATHSIG``), on SIGTERM, or after
  ``IDLE_SECONDS`` without work; it removes its socket. A stale socket is replaced.
- The socket is mode 0600 in a 0700 folder owned by the user; both ends check the other's
  uid (``SO_PEERCRED``).
- Limits: the server's own address space is capped at ``limits.memory_mb`` (it never reads
  input); a child gets back the command's own resource limits, and ``pipeline.limits`` caps
  it as it caps a stage process.
- The server forks only while it has a single thread (no lock held by another thread).
"""

from __future__ import annotations

import atexit
import gc
import importlib
import io
import json
import os
import resource
import selectors
import signal
import socket
import stat
import struct
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline import interrupt

SOCKET_ENV = "PLAN_EXTRACT_WARM_SOCKET"
#: ``PLAN_EXTRACT_WARM=0``: every command runs in its own process (``make run`` starts no server).
SWITCH_ENV = "PLAN_EXTRACT_WARM"
#: The stages forked from the warm process, with what they import before their work begins.
#: The warm process is a chain, one process a stage: the first imports extraction's modules
#: (0.2 s, while DVC starts) and forks extraction's children; the next, forked from it when
#: the first command comes, adds publishing's, and the last Great Expectations (with the
#: stand-ins ``suites.Runner`` puts in first) and pandas, for validation. Each stage's child
#: so shares no more memory than a process of its own would hold.
PRELOAD = {
    "extract": ("pipeline.settings", "pipeline.stages", "pipeline.extract",
                "pipeline.layout.parallel", "pipeline.staging"),
    "publish": ("pyarrow.parquet", "pipeline.publish", "pipeline.metrics", "pipeline.report.build",
                "pipeline.compare.diff", "pipeline.compare.output", "pipeline.compare.staged",
                "jinja2", "xlsxwriter", "sudachipy"),
    "validate": ("pandas", "pipeline.validate.command", "great_expectations"),
}
WARM_COMMANDS = frozenset(PRELOAD)
IDLE_SECONDS = 300.0
#: Resource limits a child takes over from the command it runs for.
RLIMITS = tuple(getattr(resource, name) for name in (
    "RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_NOFILE",
    "RLIMIT_NPROC", "RLIMIT_STACK") if hasattr(resource, name))
_FRAME = struct.Struct("!ci")  # server → command: b"P" child pid, b"X" wait status, b"N" no


# --- the command's side -------------------------------------------------------------------

def relay(argv: list[str]) -> int | None:
    """Run ``plan-extract ARGV`` in a child of the warm server and return its exit code
    (a child killed by a signal kills this process the same way); ``None``: run it here."""
    path = os.environ.get(SOCKET_ENV)
    if not path or os.environ.get(SWITCH_ENV) == "0" or _command(argv) not in WARM_COMMANDS:
        return None
    try:
        sock = _connect(Path(path))
    except OSError:
        return None
    with sock:
        return _Relay(sock).run(argv)


def _command(argv: list[str]) -> str | None:
    """The subcommand in ``argv`` (the global options before it: ``--params FILE``, flags)."""
    args = iter(argv)
    for arg in args:
        if arg == "--params":
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def _connect(path: Path) -> socket.socket:
    """A connection to the server at ``path``, if it is the user's own socket and server."""
    st = os.lstat(path)
    if not stat.S_ISSOCK(st.st_mode) or st.st_uid != os.getuid():
        raise PermissionError(f"{path} is not this user's socket")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        _at(path, sock.connect)
        _check_peer(sock)
    except BaseException:
        sock.close()
        raise
    return sock


class _Relay:
    """Hands a command to the server, forwards signals to its child, relays the status."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.pid = 0
        self.signals: list[int] = []

    def _forward(self, signum: int, frame) -> None:
        self.signals.append(signum)
        if self.pid:
            _kill(self.pid, signum)

    def run(self, argv: list[str]) -> int | None:
        old = {s: signal.signal(s, self._forward) for s in interrupt.SIGNALS}
        try:
            try:
                request = json.dumps({
                    "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ),
                    "umask": _umask(), "rlimits": {str(r): resource.getrlimit(r) for r in RLIMITS},
                    "priority": os.getpriority(os.PRIO_PROCESS, 0),
                }).encode()
                socket.send_fds(self.sock, [struct.pack("!I", len(request))], [0, 1, 2])
                self.sock.sendall(request)
            except OSError:  # no working folder, a closed stdio fd, the server gone: run here
                return self._here()
            return self._wait()
        finally:
            for s, handler in old.items():
                signal.signal(s, handler)

    def _frames(self) -> Iterator[tuple[bytes, int]]:
        """The server's messages, until it closes the connection (or dies)."""
        while True:
            try:
                frame = _recv_exactly(self.sock, _FRAME.size)
            except OSError:
                return
            if not frame:
                return
            yield _FRAME.unpack(frame)

    def _wait(self) -> int | None:
        for kind, value in self._frames():
            if kind == b"P":
                self.pid = value
                for signum in self.signals:  # received before the child existed
                    _kill(self.pid, signum)
            elif kind == b"X":
                code = os.waitstatus_to_exitcode(value)
                if code < 0:  # killed by a signal: end the same way, as DVC would see it
                    _die_by(-code)
                    return 128 - code
                return code
            else:  # b"N": the server does not run it
                return self._here()
        if self.pid:  # the server died, and its child with it
            _wait_gone(self.pid)
            print("plan-extract: the warm process stopped; running the stage in this process",
                  file=sys.stderr)
        return self._here()

    def _here(self) -> int | None:
        """``None`` (run in this process), unless a signal already asked to stop."""
        if not self.signals:
            return None
        print(interrupt.stopped_line(self.signals[0]), file=sys.stderr)
        return 128 + self.signals[0]


def _die_by(signum: int) -> None:
    if signum != signal.SIGKILL and signum != signal.SIGSTOP:
        signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _wait_gone(pid: int, seconds: float = 10.0) -> None:
    """Wait until ``pid`` (not our child) has ended: it may hold an output's lock."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                    return
        except OSError:
            return
        time.sleep(0.02)


def _umask() -> int:
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


# --- the server ---------------------------------------------------------------------------

@dataclass
class _Job:
    conn: socket.socket
    pid: int


def serve(path: Path, memory_bytes: int, idle_seconds: float = IDLE_SECONDS) -> int:
    """``plan-extract warm``: serve stage commands on the socket at ``path`` until SIGTERM,
    SIGINT or SIGHUP (after the children running then end), the death of the process that
    started this one, or ``idle_seconds`` without work."""
    from pipeline.errors import BusyError
    from pipeline.limits import apply_memory_limit

    parent = os.getppid()
    interrupt.die_with(signal.SIGTERM)
    if os.getppid() != parent:
        return 0
    listener = _listen(path)
    if listener is None:
        raise BusyError("another warm process serves this socket", str(path))
    (command, modules), *later = PRELOAD.items()
    server = _Server((command,), idle_seconds, listener, path)
    try:
        apply_memory_limit(memory_bytes)
        os.environ.setdefault("JE_ARROW_MALLOC_CONF", "background_thread:false")  # no thread
        with _stoppable():
            _import(modules)
        server.later = later  # the next processes start with the first command
        server.loop()
    except _Stopped:  # DVC had nothing to run: `make run` ends before the imports would
        pass
    finally:
        signal.set_wakeup_fd(-1)
        server.close()
        server.end_next()
    return 0


class _Stopped(BaseException):
    """SIGTERM, SIGINT or SIGHUP while importing: nothing is served yet, so stop at once."""


def _stop_now(signum: int, frame) -> None:
    raise _Stopped


@contextmanager
def _stoppable() -> Iterator[None]:
    """Stop signals raise ``_Stopped`` in the block; after it they are noted through the
    wake-up socket (the loop stops taking work and lets running children finish)."""
    stops = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    for s in stops:
        signal.signal(s, _stop_now)
    signal.signal(signal.SIGCHLD, _noted)
    yield
    for s in stops:
        signal.signal(s, _noted)


def _noted(signum: int, frame) -> None:
    """A handler that does nothing: the signal's number reaches the loop's wake-up socket."""


def _import(names: tuple[str, ...]) -> None:
    """Import ``names``; one that fails is left to the stage (which reports it as it would)."""
    if "great_expectations" in names:
        from pipeline.validate import suites

        suites.defer(*suites.UNUSED_AT_IMPORT)  # as suites.Runner does before it imports GX
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 (the child imports it again, and fails there)
            pass
    gc.collect()  # what exists now is shared by every child: no collector walks it
    gc.freeze()


class _Server:
    """One process of the warm chain: forks a child for each request of its ``commands``,
    relays the child's exit status, kills it when its command has gone, and hands every other
    request to the next process. The first one takes the commands from the socket
    (``listener``); each next one from the one before it (``upstream``)."""

    def __init__(self, commands: tuple[str, ...], idle_seconds: float | None,
                 listener: socket.socket | None = None, path: Path | None = None,
                 upstream: socket.socket | None = None):
        self.commands, self.idle = commands, idle_seconds
        self.path, self.listener, self.upstream = path, listener, upstream
        self.inode = os.stat(path).st_ino if path else 0
        self.next: socket.socket | None = None
        self.next_pid = 0
        #: stages whose processes start when the first command comes (an unchanged `make run`
        #: ends without paying their imports)
        self.later: list[tuple[str, tuple[str, ...]]] = []
        self.wake, self._wake_w = socket.socketpair()  # signals arrive as bytes here
        self._wake_w.setblocking(False)
        signal.set_wakeup_fd(self._wake_w.fileno(), warn_on_full_buffer=False)
        self.jobs: dict[int, _Job] = {}
        self.stopping = False
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.wake, selectors.EVENT_READ, "wake")
        if listener is not None:
            self.sel.register(listener, selectors.EVENT_READ, "accept")
        if upstream is not None:
            self.sel.register(upstream, selectors.EVENT_READ, "handed")

    def close(self, unlink: bool = True) -> None:
        """Close every socket (``unlink``: and remove ours from the folder)."""
        if unlink and self.listener is not None and self.listener.fileno() >= 0:
            _unlink_if(self.path, self.inode)
        for sock in (self.listener, self.upstream, self.next, self.wake, self._wake_w,
                     *(j.conn for j in self.jobs.values())):
            if sock is not None:
                sock.close()
        self.sel.close()

    def start_next(self, stages: list[tuple[str, tuple[str, ...]]]) -> None:
        """Fork the next process: it imports the first of ``stages``' modules on top of ours,
        forks the one after it, and runs that stage's commands."""
        if not stages:
            return
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        server = os.getpid()
        pid = os.fork()
        if pid:
            theirs.close()
            self.next, self.next_pid = ours, pid
            return
        try:  # the next process
            signal.set_wakeup_fd(-1)
            interrupt.die_with(signal.SIGTERM)
            if os.getppid() == server:
                ours.close()
                self.close(unlink=False)
                (command, modules), *later = stages
                nxt = _Server((command,), None, upstream=theirs)
                try:
                    with _stoppable():
                        _import(modules)
                        nxt.start_next(later)
                    nxt.loop()
                finally:
                    nxt.close()
                    nxt.end_next()
        except _Stopped:
            pass
        finally:
            os._exit(0)

    def end_next(self) -> None:
        """Stop the next process and wait for it (its CPU time is counted with ours)."""
        if self.next_pid:
            _kill(self.next_pid, signal.SIGTERM)
            try:
                os.waitpid(self.next_pid, 0)
            except ChildProcessError:
                pass

    def loop(self) -> None:
        while not (self.stopping and not self.jobs):
            events = self.sel.select(None if self.jobs else self.idle)
            if not events and not self.jobs:
                return  # idle
            for key, _ in events:
                if key.data == "accept":
                    self._accept()
                elif key.data == "handed":
                    self._handed()
                elif key.data == "wake":
                    self._signals()
                else:
                    self._client_spoke(key.data)

    def _signals(self) -> None:
        for signum in self.wake.recv(256):
            if signum == signal.SIGCHLD:
                self._reap()
            else:
                self._stop()

    def _stop(self) -> None:
        """Take no more work (commands from now on run on their own); the children finish."""
        if self.stopping:
            return
        self.stopping = True
        for sock in (self.listener, self.upstream):
            if sock is not None and sock.fileno() >= 0:
                self.sel.unregister(sock)
                if sock is self.listener:
                    _unlink_if(self.path, self.inode)
                sock.close()

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if not pid:
                return
            job = self.jobs.pop(pid, None)
            if job is None:  # the next process died: its work is refused from now on
                if self.next is not None:
                    self.next.close()
                self.next, self.next_pid = None, 0
                continue
            if _registered(self.sel, job.conn):
                self.sel.unregister(job.conn)
            try:
                job.conn.sendall(_FRAME.pack(b"X", status))
            except OSError:
                pass
            job.conn.close()

    def _client_spoke(self, job: _Job) -> None:
        """The command closed its end (it was killed): kill its child, and the child's workers."""
        try:
            if job.conn.recv(1, socket.MSG_DONTWAIT):
                return
        except BlockingIOError:
            return
        except OSError:
            pass
        self.sel.unregister(job.conn)  # reaped (and closed) when the child has died
        _kill_group(job.pid)

    def _accept(self) -> None:
        self.start_next(self.later)  # before accepting: the next process holds no command's fd
        self.later = []
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        try:
            conn.settimeout(10)
            _check_peer(conn)
            request, fds = _read_request(conn)
        except (OSError, ValueError):
            conn.close()
            return
        self._route(conn, request, fds)

    def _route(self, conn: socket.socket, request: dict, fds: list[int]) -> None:
        """Run the request here, or pass it on to the next process (refuse it if there is none)."""
        if _command(request["argv"]) in self.commands:
            self._start(conn, request, fds)
            return
        try:
            if self.next is None:
                raise OSError("no next process")
            socket.send_fds(self.next, [json.dumps(request).encode()], [conn.fileno(), *fds])
        except OSError:
            self._start(conn, request, fds, refuse=True)
            return
        for fd in fds:
            os.close(fd)
        conn.close()

    def _handed(self) -> None:
        try:
            data, fds, _, _ = socket.recv_fds(self.upstream, 1 << 20, 4)
        except OSError:
            data, fds = b"", []
        if not data:  # the process before this one has gone
            self._stop()
            return
        conn = socket.socket(fileno=fds[0])
        try:
            request = json.loads(data)
        except ValueError:
            for fd in fds[1:]:
                os.close(fd)
            conn.close()
            return
        self._route(conn, request, fds[1:])

    def _start(self, conn: socket.socket, request: dict, fds: list[int], refuse: bool = False) -> None:
        """Fork the child that runs ``request`` on the command's ``fds``; tell the command."""
        try:
            conn.settimeout(10)
            if refuse or self.stopping or _threads() != 1:
                conn.sendall(_FRAME.pack(b"N", 0))
                conn.close()
                return
            server = os.getpid()
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                self._child(server, conn, request, fds)  # never returns
            try:
                os.setpgid(pid, pid)  # also here: killpg must find the group at once
            except OSError:
                pass
        except (OSError, ValueError, KeyError, TypeError):
            conn.close()
            return
        finally:
            for fd in fds:
                os.close(fd)
        conn.settimeout(None)
        self.jobs[pid] = _Job(conn, pid)
        try:
            conn.sendall(_FRAME.pack(b"P", pid))
        except OSError:  # the command is gone already
            _kill_group(pid)
            return
        self.sel.register(conn, selectors.EVENT_READ, self.jobs[pid])

    def _child(self, server: int, conn: socket.socket, request: dict, fds: list[int]) -> None:
        code = 1
        try:
            interrupt.die_with(signal.SIGKILL)  # with the server
            if os.getppid() != server:
                os._exit(1)
            os.setpgid(0, 0)
            signal.set_wakeup_fd(-1)
            for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):  # as a new interpreter
                signal.signal(s, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            conn.close()
            self.close(unlink=False)
            code = _run_as(request, fds)
        except BaseException as e:  # the command's stdio, folder or limits cannot be taken
            try:
                print(f"plan-extract: warm process: {e}", file=sys.stderr, flush=True)
            except BaseException:
                pass
        finally:
            os._exit(code)


def _run_as(request: dict, fds: list[int]) -> int:
    """In the child: become the command's process (stdio, folder, environment, limits), then
    do what ``cli.entry`` does."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    os.umask(request["umask"])
    for r, (soft, hard) in request["rlimits"].items():
        _set_rlimit(int(r), soft, hard)
    if request["priority"] > os.getpriority(os.PRIO_PROCESS, 0):
        os.setpriority(os.PRIO_PROCESS, 0, request["priority"])
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["plan-extract", *request["argv"]]
    _reopen_stdio()
    from pipeline.cli import main

    try:
        code = main(request["argv"])
    except SystemExit as e:  # argparse: usage (2), --help / --version (0)
        code = e.code if isinstance(e.code, int) else 0 if e.code is None else 1
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
    except BaseException:  # a bug: what the interpreter would print
        sys.excepthook(*sys.exc_info())
        code = 1
    gc.freeze()  # cli.entry: no last walk of the collector
    threading._shutdown()  # what the interpreter does at exit: threads, atexit, flushes
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    return code


def _set_rlimit(r: int, soft: int, hard: int) -> None:
    now_hard = resource.getrlimit(r)[1]
    if now_hard != resource.RLIM_INFINITY:
        hard = now_hard if hard == resource.RLIM_INFINITY else min(hard, now_hard)
        soft = hard if soft == resource.RLIM_INFINITY else min(soft, hard)
    try:
        resource.setrlimit(r, (soft, hard))
    except (ValueError, OSError):
        resource.setrlimit(r, (min(soft, now_hard) if soft != resource.RLIM_INFINITY
                               else now_hard, now_hard))


def _reopen_stdio() -> None:
    """New ``sys.std*`` on fds 0–2, buffered as a new interpreter would buffer them."""
    unbuffered = bool(os.environ.get("PYTHONUNBUFFERED"))
    old = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(open(0, "rb", closefd=False),
                                 encoding=getattr(old[0], "encoding", None),
                                 errors=getattr(old[0], "errors", None))
    for fd, name in ((1, "stdout"), (2, "stderr")):
        stream = old[fd]
        buffer = open(fd, "wb", buffering=0 if unbuffered else -1, closefd=False)
        setattr(sys, name, io.TextIOWrapper(
            buffer, encoding=getattr(stream, "encoding", None),
            errors=getattr(stream, "errors", None),
            line_buffering=fd == 2 or os.isatty(fd), write_through=unbuffered))


# --- the socket ---------------------------------------------------------------------------

def _listen(path: Path) -> socket.socket | None:
    """The listening socket at ``path`` (mode 0600, in a 0700 folder of this user's);
    ``None`` if another server answers there. A stale socket is replaced."""
    from pipeline.errors import OutputError

    try:
        return _bind(path)
    except OSError as e:
        raise OutputError(f"cannot make the warm process's socket: {e.strerror or e}",
                          str(path)) from e


def _bind(path: Path) -> socket.socket | None:
    from pipeline.errors import UsageError

    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise UsageError("the warm process's folder must be the user's own, mode 0700",
                         str(folder))
    if os.path.lexists(path):
        if not stat.S_ISSOCK(os.lstat(path).st_mode):
            raise UsageError("is not a socket of the warm process: refusing to replace it",
                             str(path))
        try:
            _connect(path).close()
            return None
        except ConnectionRefusedError:
            os.unlink(path)  # left by a server that was killed
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mask = os.umask(0o177)
    try:
        _at(path, sock.bind)
    finally:
        os.umask(mask)
    os.chmod(path, 0o600)
    sock.listen(8)
    return sock


def _at(path: Path, call) -> None:
    """``call(path)`` for a socket path also when it is longer than AF_UNIX allows
    (through the folder's ``/proc/self/fd`` entry)."""
    if len(os.fsencode(path)) < 100:
        call(str(path))
        return
    fd = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    try:
        call(f"/proc/self/fd/{fd}/{path.name}")
    finally:
        os.close(fd)


def _check_peer(sock: socket.socket) -> None:
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _, uid, _ = struct.unpack("3i", creds)
    if uid != os.getuid():
        raise PermissionError("the other end of the warm socket is another user")


def _read_request(conn: socket.socket) -> tuple[dict, list[int]]:
    head, fds, _, _ = socket.recv_fds(conn, 4, 3)
    if len(fds) != 3 or len(head) != 4:
        for fd in fds:
            os.close(fd)
        raise ValueError("a request without stdin, stdout and stderr")
    body = _recv_exactly(conn, struct.unpack("!I", head)[0])
    try:
        request = json.loads(body)
    except ValueError:
        for fd in fds:
            os.close(fd)
        raise
    return request, fds


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    """``n`` bytes, or b"" if the other end closed first."""
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return b""
        data += chunk
    return bytes(data)


def _unlink_if(path: Path, inode: int) -> None:
    """Remove the socket at ``path`` if it is still the one this server made."""
    try:
        if os.lstat(path).st_ino == inode:
            os.unlink(path)
    except OSError:
        pass


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _registered(sel: selectors.BaseSelector, sock: socket.socket) -> bool:
    try:
        sel.get_key(sock)
    except KeyError:
        return False
    return True


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()
