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
(f) ``make run`` a second time with nothing changed (DVC skips every stage).

Writes bench/results.json (flat keys, for ``dvc metrics show``). Run ``python bench/run.py
--help`` for the number of runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
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

TARGETS = {"ratio": 0.6, "peak_mb": 300.0, "rerun_s": 2.0}


@dataclass
class Run:
    seconds: float
    tree_pss_mb: float = 0.0  # largest sum of PSS over the process tree
    single_rss_mb: float = 0.0  # largest RSS of any one process in it


def bare_parse(pdf: Path) -> float:
    """Seconds pdfplumber needs for chars, lines and rects of every page (this process)."""
    import pdfplumber
    start = time.perf_counter()
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            page.chars, page.lines, page.rects
            page.close()
    return time.perf_counter() - start


def run_bare(pdf: Path) -> Run:
    """(a) in a fresh interpreter, so that no run profits from another's warm caches."""
    out = subprocess.run([str(PYTHON), __file__, "--bare", str(pdf)], check=True,
                         capture_output=True, text=True).stdout
    return Run(float(out))


def run_tree(cmd: list[str], cwd: Path = ROOT, sample: bool = False) -> Run:
    """Wall time of ``cmd``; with ``sample``, also the peak memory of it and every process it
    starts (sampling costs CPU on a 2-core machine, so timed runs do not sample)."""
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
    return Run(seconds, tree_peak / MiB, single_peak / MiB)


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


def rerun(runs: int) -> dict[str, float]:
    """(f) ``make run`` once to bring everything up to date, then timed with nothing changed."""
    make = ["make", "-s", "run"]
    first = run_tree(make)  # really runs the stages if code or data changed since the last run
    print(f"  make run (bring up to date): {first.seconds:.2f} s", file=sys.stderr)
    again = repeat(runs, "make run (unchanged)", lambda: run_tree(make))
    return {"rerun_s": median(again, lambda r: r.seconds)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per measurement (median)")
    parser.add_argument("--runs-10x", type=int, default=3, help="runs of the 10x document")
    parser.add_argument("--no-rerun", action="store_true", help="skip (f), the `make run` re-run")
    parser.add_argument("--bare", type=Path, help=argparse.SUPPRESS)  # child mode of (a)
    args = parser.parse_args(argv)
    if args.bare:
        print(bare_parse(args.bare))
        return 0
    results: dict[str, object] = {"cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="plan-bench-") as tmp_name:
        tmp = Path(tmp_name)
        print(f"(a)-(d) {PDF.name}", file=sys.stderr)
        results["full"] = measure("1x", PDF, args.runs, tmp)
        print(f"(e) {PDF.name} x{TIMES}", file=sys.stderr)
        big = build_times(PDF, tmp / f"x{TIMES}.pdf")
        results["x10"] = measure("10x", big, args.runs_10x, tmp, "--allow-unaccounted")
    if not args.no_rerun:
        print("(f) make run, unchanged", file=sys.stderr)
        results.update(rerun(args.runs))
    results["checks"] = checks(results)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0 if all(results["checks"].values()) else 1


def checks(r: dict) -> dict[str, bool]:
    """The issue's targets, each true when met."""
    full, big = r["full"], r["x10"]
    out = {
        "ratio_ok": full["ratio"] <= TARGETS["ratio"],
        "ratio_10x_ok": big["ratio"] <= TARGETS["ratio"],
        "peak_memory_ok": max(full["peak_pss_mb"], big["peak_pss_mb"]) <= TARGETS["peak_mb"],
        # flat memory: ten times the pages may not cost more than a quarter more memory
        "memory_flat_ok": big["peak_pss_mb"] <= 1.25 * full["peak_pss_mb"],
        # linear time: ten times the pages within ten times the time (fixed costs amortise)
        "time_linear_ok": big["extract_s"] <= TIMES * full["extract_s"] * 1.1,
    }
    if "rerun_s" in r:
        out["rerun_ok"] = r["rerun_s"] <= TARGETS["rerun_s"]
    return out


if __name__ == "__main__":
    sys.exit(main())
