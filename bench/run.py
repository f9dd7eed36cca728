"""`make bench`: how far plan-extract is from pdfplumber's own parse, in time and memory.

Measures, as medians of several runs on this machine:

(a) pdfplumber's bare parse of every page (``page.chars``, ``.lines``, ``.rects``, one
    process, nothing else), timed around the page loop only (no interpreter start, no import);
(b) ``plan-extract -q extract`` on the same file, the CLI as a subprocess, wall time from
    start to exit (interpreter, imports, checks, parallel parse, Parquet staging);
(c) the ratio b/a;
(d) peak memory of (b): the largest sum of PSS (proportional set size: pages shared by
    forked workers counted once) over the CLI process and all its descendants (forkserver
    and page workers), sampled every 20 ms with psutil in separate runs; and the largest RSS of any single
    process in that tree (what ``/usr/bin/time`` would report for it);
(e) all of the above for the 10x document: the synthetic edition concatenated 10 times with
    pypdf (660 pages). The extractor then reads ten 体系図s and ten sets of detail sheets; the
    items repeat, so the 体系図s after the first land in the ledger as unaccounted text, and
    that run passes ``--allow-unaccounted`` (the count checks pass: 35 distinct items);
(f) ``make run`` end to end, the analyst's wait: in a copy of this project whose ``raw/``
    holds only the 66-page edition, with a fresh DVC state (no lock file, no cache, no run
    cache: a new edition is never in it), alternating with (a) and with a bare
    ``import great_expectations`` in a fresh interpreter; each stage's time from DVC's own
    lines (``Running stage`` → ``Updating lock file``: the command plus DVC's bookkeeping for
    it) and, in separate sampled runs, each stage's peak PSS (its command and descendants,
    and the child of the warm process that runs it, with that child's workers), and the
    warm process's own peak PSS (``pipeline/warm.py``; its imports, shared with its children,
    are counted there and in the children's PSS by their share);
(g) ``make run`` again in that copy with nothing changed (DVC skips every stage).

Writes bench/results.json (flat keys, for ``dvc metrics show``). Run ``python bench/run.py
--help`` for the number of runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PDF = next(p for p in (ROOT.parent / "shared" / "plan", ROOT / "tests" / "data" / "plan")
           if p.is_dir()) / "jisshi-keikaku-full-synthetic.pdf"
RESULTS = ROOT / "bench" / "results.json"
PYTHON = Path(sys.executable)
CLI = PYTHON.parent / "plan-extract"
TIMES = 10
MiB = 2**20

TARGETS = {"ratio": 0.3, "peak_mb": 130.0, "rerun_s": 1.0,
           "run_ratio": 2.0, "validate_over_gx_s": 1.0, "stage_s": 1.0}
#: ``make run`` in a project copy; its .venv is this project's, brought up to date first
#: (``-o``: the copy never syncs it, which would point the package at the copy).
MAKE_RUN = ["make", "-s", "-o", ".venv/.synced", "run"]
STAGE_START = re.compile(r"Running stage '([^']+)'")
STAGE_END = re.compile(r"(Generating|Updating) lock file")


@dataclass
class Run:
    seconds: float
    tree_pss_mb: float = 0.0  # largest sum of PSS over the process tree
    single_rss_mb: float = 0.0  # largest RSS of any one process in it
    cpu_s: float = 0.0  # CPU time (user + system): what load on the machine does not inflate


def bare_parse(pdf: Path) -> tuple[float, float]:
    """Seconds (wall, CPU) pdfplumber needs for chars, lines and rects of every page."""
    import pdfplumber
    start, cpu = time.perf_counter(), time.process_time()
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            page.chars, page.lines, page.rects
            page.close()
    return time.perf_counter() - start, time.process_time() - cpu


def run_bare(pdf: Path) -> Run:
    """(a) in a fresh interpreter, so that no run profits from another's warm caches."""
    out = subprocess.run([str(PYTHON), __file__, "--bare", str(pdf)], check=True,
                         capture_output=True, text=True).stdout
    wall, cpu = map(float, out.split())
    return Run(wall, cpu_s=cpu)


def run_tree(cmd: list[str], cwd: Path = ROOT, sample: bool = False) -> Run:
    """Wall time of ``cmd``; with ``sample``, also the peak memory of it and every process it
    starts (sampling costs CPU on a 2-core machine, so timed runs do not sample)."""
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tree_peak = single_peak = 0
    while sample and proc.poll() is None:
        pss, rss = [], []
        try:
            for p in [proc, *proc.children(recursive=True)]:
                try:
                    mem = p.memory_full_info()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                pss.append(mem.pss)
                rss.append(mem.rss)
        except psutil.NoSuchProcess:
            pass
        tree_peak = max(tree_peak, sum(pss))
        single_peak = max(single_peak, max(rss, default=0))
        time.sleep(0.02)
    output = proc.communicate()[0].decode(errors="replace")
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd)} failed ({proc.returncode}):\n{output}")
    return Run(seconds, tree_peak / MiB, single_peak / MiB, _children_cpu() - cpu)


def run_extract(pdf: Path, out: Path, *extra: str, sample: bool = False) -> Run:
    """(b) the CLI on ``pdf``, into a fresh output folder."""
    return run_tree([str(CLI), "-q", "extract", str(pdf), "--out", str(out), *extra], sample=sample)


def median(runs: list[Run], key: Callable[[Run], float]) -> float:
    return round(statistics.median(key(r) for r in runs), 3)


def repeat(n: int, label: str, make: Callable[[], Run]) -> list[Run]:
    runs = []
    for i in range(n):
        runs.append(make())
        print(f"  {label} run {i + 1}/{n}: {runs[-1].seconds:.2f} s", file=sys.stderr, flush=True)
    return runs


def measure(name: str, pdf: Path, runs: int, tmp: Path, *extra: str) -> dict[str, float]:
    """(a)–(d) for one document; bare and CLI runs alternate, so load drifts hit both.
    Memory comes from separate sampled runs (as many, at least one)."""
    bare: list[Run] = []
    cli: list[Run] = []
    for i in range(runs):
        bare += repeat(1, f"{name} bare parse", lambda: run_bare(pdf))
        cli += repeat(1, f"{name} plan-extract", lambda: run_extract(pdf, tmp / f"{name}-{i}", *extra))
    memory = repeat(max(1, runs // 2), f"{name} plan-extract, memory sampled",
                    lambda: run_extract(pdf, tmp / f"{name}-mem", *extra, sample=True))
    a, b = median(bare, lambda r: r.seconds), median(cli, lambda r: r.seconds)
    pages = _page_count(pdf)
    return {
        "pages": pages,
        "bare_parse_s": a,
        "extract_s": b,
        "ratio": round(b / a, 3),
        "extract_ms_per_page": round(1000 * b / pages, 2),
        "bare_parse_cpu_s": median(bare, lambda r: r.cpu_s),
        "extract_cpu_s": median(cli, lambda r: r.cpu_s),
        "cpu_ratio": round(median(cli, lambda r: r.cpu_s) / median(bare, lambda r: r.cpu_s), 3),
        "peak_pss_mb": median(memory, lambda r: r.tree_pss_mb),
        "peak_single_process_rss_mb": median(memory, lambda r: r.single_rss_mb),
    }


def _page_count(pdf: Path) -> int:
    from pypdf import PdfReader
    return len(PdfReader(pdf).pages)


def build_times(src: Path, out: Path, times: int = TIMES) -> Path:
    """The synthetic edition ``times`` times over, one PDF (pypdf keeps the fonts shared)."""
    from pypdf import PdfWriter
    writer = PdfWriter()
    for _ in range(times):
        writer.append(str(src))
    writer.write(out)
    return out


def project_copy(tmp: Path, pdf: Path) -> Path:
    """This project as an analyst has it, with ``raw/`` holding only ``pdf``: the files git
    tracks (times kept, so make sees .venv as up to date), this .venv linked in, and no DVC
    state at all (no dvc.lock, no cache, no run cache)."""
    project = Path(tempfile.mkdtemp(dir=tmp, prefix="project-"))
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                             capture_output=True).stdout.decode().split("\0")
    for name in tracked:
        if not name or name == "dvc.lock" or name.split("/")[0] in ("raw", "tests", "bench"):
            continue
        if not (ROOT / name).is_file():  # deleted in the worktree, not yet committed
            continue
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, project / name)
    (project / "raw").mkdir()
    shutil.copy2(pdf, project / "raw" / pdf.name)
    (project / ".venv").symlink_to(ROOT / ".venv")
    subprocess.run([str(PYTHON.parent / "dvc"), "config", "core.no_scm", "true"], cwd=project,
                   check=True, capture_output=True)  # a copy without git
    return project


@dataclass
class PipelineRun:
    seconds: float
    stage_s: dict[str, float]
    stage_pss_mb: dict[str, float]
    cpu_s: float = 0.0  # of make and everything it started (the warm process too)
    warm_pss_mb: float = 0.0  # the warm process alone (not its children)


def run_pipeline(project: Path, sample: bool = False) -> PipelineRun:
    """``make run`` in ``project``: wall time, each stage's time from DVC's lines as they come,
    and with ``sample`` each stage's peak PSS (its command and every process it starts)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")  # DVC's lines arrive when printed
    before = _children_cpu()
    start = time.perf_counter()
    proc = psutil.Popen(MAKE_RUN, cwd=project, env=env, stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT)
    stage_s: dict[str, float] = {}
    current: list = [None, 0.0]  # stage running, since when
    lines: list[str] = []

    def read() -> None:
        for raw in proc.stdout:
            line, now = raw.decode(errors="replace"), time.perf_counter()
            lines.append(line)
            if m := STAGE_START.search(line):
                current[:] = [m.group(1), now]
            elif STAGE_END.search(line) and current[0]:
                stage_s[current[0]] = round(now - current[1], 3)
                current[:] = [None, 0.0]

    reader = threading.Thread(target=read)
    reader.start()
    peak: dict[str, float] = {}
    warm = 0
    while sample and proc.poll() is None:
        stage = current[0]
        stage_pss, warm_pss = _stage_pss(proc)
        warm = max(warm, warm_pss)
        if stage:
            peak[stage] = max(peak.get(stage, 0.0), stage_pss / MiB)
        time.sleep(0.02)
    proc.wait()
    reader.join()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"bench: make run in {project} failed ({proc.returncode}):\n{''.join(lines)}")
    return PipelineRun(seconds, stage_s, {k: round(v, 1) for k, v in peak.items()},
                       _children_cpu() - before, round(warm / MiB, 1))


def _children_cpu() -> float:
    """CPU seconds of every finished child of this process and of the children they waited
    for (make waits for DVC, DVC for each stage, a stage for its page workers)."""
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _stage_pss(proc: psutil.Process) -> tuple[int, int]:
    """Summed PSS of the running stage: every process DVC started (its command's shell, the
    command, the command's workers) and every child the warm process forked for a command
    (each leads a process group of its own) with its workers, not make, DVC or the
    Makefile's filter; and the warm process's own (its two processes)."""
    stage: list[psutil.Process] = []
    warm: list[psutil.Process] = []
    for p in _children(proc):
        cmd = _cmdline(p)
        if any(a.endswith("/dvc") for a in cmd[:2]):
            stage += _children(p)
        elif "warm" in cmd[1:3] and any(a.endswith("plan-extract") for a in cmd[:2]) \
                and p not in stage and p not in warm:
            ours = [p, *_children(p)]
            warm += [w for w in ours if not _leads_group(w) and not _in_job(w, ours)]
            stage += [w for w in ours if w not in warm]
    return sum(_pss(p) for p in stage), sum(_pss(p) for p in warm)


def _leads_group(proc: psutil.Process) -> bool:
    try:
        return os.getpgid(proc.pid) == proc.pid
    except OSError:
        return False


def _in_job(proc: psutil.Process, tree: list[psutil.Process]) -> bool:
    """A worker of a command's child: in the group of a child the warm process forked."""
    try:
        pgid = os.getpgid(proc.pid)
    except OSError:
        return False
    return any(p.pid == pgid and _leads_group(p) for p in tree if p.pid != proc.pid)


def _children(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return proc.children(recursive=True)
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return []


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return []


def _pss(proc: psutil.Process) -> int:
    try:
        return proc.memory_full_info().pss
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return 0


def gx_import() -> float:
    """Seconds ``import great_expectations`` takes (this process, nothing imported before)."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    start = time.perf_counter()
    import great_expectations  # noqa: F401
    return time.perf_counter() - start


def run_child(flag: str, *args: str) -> Run:
    out = subprocess.run([str(PYTHON), __file__, flag, *args], check=True,
                         capture_output=True, text=True).stdout
    return Run(float(out.split()[-1]))


def measure_pipeline(pdf: Path, runs: int, rerun_runs: int, tmp: Path) -> dict:
    """(f) and (g); (a) and the GX import alternate with the timed ``make run``s."""
    subprocess.run(["make", "-s", "setup"], cwd=ROOT, check=True)
    bare: list[Run] = []
    gx: list[Run] = []
    made: list[PipelineRun] = []
    for i in range(runs):
        bare += repeat(1, "run bare parse", lambda: run_bare(pdf))
        gx += repeat(1, "import great_expectations", lambda: run_child("--gx-import"))
        project = project_copy(tmp, pdf)
        made.append(run_pipeline(project))
        print(f"  make run {i + 1}/{runs}: {made[-1].seconds:.2f} s {made[-1].stage_s}",
              file=sys.stderr, flush=True)
    sampled = []
    for i in range(max(1, runs // 2)):
        sampled.append(run_pipeline(project_copy(tmp, pdf), sample=True))
        print(f"  make run, memory sampled {i + 1}: {sampled[-1].stage_pss_mb}", file=sys.stderr)
    again = repeat(rerun_runs, "make run (unchanged)", lambda: run_tree(MAKE_RUN, cwd=project))
    a = median(bare, lambda r: r.seconds)
    total = round(statistics.median(r.seconds for r in made), 3)
    stages = {name: {"s": round(statistics.median(r.stage_s[name] for r in made), 3),
                     "peak_pss_mb": round(statistics.median(r.stage_pss_mb.get(name, 0.0)
                                                            for r in sampled), 1)}
              for name in made[0].stage_s}
    cpu_bare = median(bare, lambda r: r.cpu_s)
    cpu_run = round(statistics.median(r.cpu_s for r in made), 3)
    return {
        "pages": _page_count(pdf),
        "bare_parse_s": a,
        "make_run_s": total,
        "ratio": round(total / a, 3),
        # CPU time, which the machine's load does not inflate: on an idle machine the wall
        # ratio is about this (less what the page workers' two cores save)
        "bare_parse_cpu_s": cpu_bare,
        "make_run_cpu_s": cpu_run,
        "cpu_ratio": round(cpu_run / cpu_bare, 3),
        "gx_import_s": median(gx, lambda r: r.seconds),
        "stages": stages,
        "outside_stages_s": round(total - sum(v["s"] for v in stages.values()), 3),
        # the warm process (make run's stages fork from it): its own peak, not in any stage's
        "warm_process_peak_pss_mb": round(statistics.median(r.warm_pss_mb for r in sampled), 1),
        "rerun_s": median(again, lambda r: r.seconds),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--runs-10x", type=int, default=3, help="runs of the 10x document")
    parser.add_argument("--runs-make", type=int, default=5, help="runs of `make run` (f)")
    parser.add_argument("--no-make", action="store_true", help="skip (f) and (g), `make run`")
    parser.add_argument("--make-only", action="store_true", help="only (f) and (g)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file (JSON)")
    parser.add_argument("--bare", type=Path, help=argparse.SUPPRESS)  # child mode of (a)
    parser.add_argument("--gx-import", action="store_true", help=argparse.SUPPRESS)  # of (f)
    args = parser.parse_args(argv)
    if args.bare:
        print(*bare_parse(args.bare))
        return 0
    if args.gx_import:
        print(gx_import())
        return 0
    results: dict[str, object] = {"cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="plan-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if not args.make_only:
            print(f"(a)-(d) {PDF.name}", file=sys.stderr)
            results["full"] = measure("1x", PDF, args.runs, tmp)
            print(f"(e) {PDF.name} x{TIMES}", file=sys.stderr)
            big = build_times(PDF, tmp / f"x{TIMES}.pdf")
            results["x10"] = measure("10x", big, args.runs_10x, tmp, "--allow-unaccounted")
        if not args.no_make:
            print(f"(f)-(g) make run, raw/ = {PDF.name}", file=sys.stderr)
            results["make_run"] = measure_pipeline(PDF, args.runs_make, args.runs, tmp)
    results["checks"] = checks(results)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0 if all(results["checks"].values()) else 1


def checks(r: dict) -> dict[str, bool]:
    """The issue's targets, each true when met."""
    out = {}
    if "full" in r:
        full, big = r["full"], r["x10"]
        out |= {
            "ratio_ok": full["ratio"] <= TARGETS["ratio"],
            "ratio_10x_ok": big["ratio"] <= TARGETS["ratio"],
            "peak_memory_ok": max(full["peak_pss_mb"], big["peak_pss_mb"]) <= TARGETS["peak_mb"],
            # flat memory: ten times the pages may not cost more than a quarter more memory
            "memory_flat_ok": big["peak_pss_mb"] <= 1.25 * full["peak_pss_mb"],
            # linear time: ten times the pages within ten times the time (fixed costs amortise)
            "time_linear_ok": big["extract_s"] <= TIMES * full["extract_s"] * 1.1,
        }
    if "make_run" in r:
        run = r["make_run"]
        stages = run["stages"]
        out["run_ratio_ok"] = run["ratio"] <= TARGETS["run_ratio"]
        out["validate_ok"] = stages["validate"]["s"] <= run["gx_import_s"] + TARGETS["validate_over_gx_s"]
        out["other_stages_ok"] = all(v["s"] <= TARGETS["stage_s"] for k, v in stages.items()
                                     if k != "validate")
        out["run_peak_memory_ok"] = stages["extract"]["peak_pss_mb"] <= TARGETS["peak_mb"]
        out["rerun_ok"] = run["rerun_s"] <= TARGETS["rerun_s"]
    return out


if __name__ == "__main__":
    sys.exit(main())
