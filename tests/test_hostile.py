"""Hostile PDFs are bounded in memory and time in every process (issue 11, items 9–10).

Each case runs the CLI as its own process tree and watches the memory of the whole tree
(the CLI and its page workers, resident sizes added up) while it runs: a behaviour, not a
timing. The refusal is one line, exit 19 (14 for "not a plan"), and the previous outputs
are left as they were.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml

from pipeline.errors import NotAPlanError, ResourceLimitError
from pipeline.extract import extract_pdf
from pipeline.limits import MiB, Limits
from tests import hostile_pdfs
from tests.truth_tables import SHARED

EXCERPT = SHARED / "jisshi-keikaku-2025-excerpt.pdf"
MEMORY_MB = 400  # far below what each bomb asks for (1 GiB and more)


def run_watched(args: list[str], cwd: Path) -> tuple[int, str, int]:
    """Exit code, stderr and the peak resident memory (bytes) of the whole process tree."""
    proc = psutil.Popen([sys.executable, "-m", "pipeline.cli", "-q", *args], cwd=cwd,
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        total = 0
        try:
            for p in [proc, *proc.children(recursive=True)]:
                total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
        peak = max(peak, total)
        time.sleep(0.005)
    return proc.returncode, proc.stderr.read(), peak


def _params(tmp: Path, workers: int = 1, **limits) -> Path:
    path = tmp / "params.yaml"
    path.write_text(yaml.safe_dump({"limits": {"memory_mb": MEMORY_MB, **limits},
                                    "workers": workers}), encoding="utf-8")
    return path


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def previous(tmp_path_factory) -> Path:
    """A staged folder from a good run, copied into each test's folder."""
    staged = tmp_path_factory.mktemp("previous") / "staged"
    rc = subprocess.run([sys.executable, "-m", "pipeline.cli", "-q", "--params",
                         "/nonexistent/params.yaml", "extract", str(EXCERPT), "--out", str(staged)],
                        capture_output=True, check=False).returncode
    assert rc == 0
    return staged


def refuse(tmp: Path, previous: Path, pdf: Path, params: Path, code: int = 19) -> str:
    """Extract ``pdf`` over a previous staged folder: refused with ``code`` in one line,
    the folder untouched, the tree's memory under memory_mb all along."""
    staged = tmp / "staged"
    shutil.copytree(previous, staged)
    before = _digest(staged)
    rc, err, peak = run_watched(["--params", str(params), "extract", str(pdf), "--out",
                                 str(staged)], tmp)
    memory_mb = yaml.safe_load(params.read_text())["limits"]["memory_mb"]
    assert rc == code, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith(f"plan-extract: {pdf}: "), err
    assert _digest(staged) == before
    assert peak < memory_mb * MiB, f"process tree peaked at {peak / MiB:.0f} MB"
    return err


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("bombs")
    hostile_pdfs.page_bomb(tmp, mib=3 * 1024)
    hostile_pdfs.xref_bomb(tmp, mib=1024)
    hostile_pdfs.page_bomb(tmp, mib=1024, pages=12, bomb_page=8)
    hostile_pdfs.tounicode_bomb(tmp)
    return tmp


def test_page_bomb_stops_at_the_stream_cap(tmp_path, previous, bombs):
    err = refuse(tmp_path, previous, bombs / "page-bomb-3072MiB.pdf", _params(tmp_path))
    assert "a stream inflates to more than 64 MB (limits.max_stream_mb)" in err


def test_page_bomb_under_a_high_stream_cap_stops_at_the_memory_cap(tmp_path, previous, bombs):
    params = _params(tmp_path, max_stream_mb=8192)
    err = refuse(tmp_path, previous, bombs / "page-bomb-3072MiB.pdf", params)
    assert "ran out of memory" in err and "limits.memory_mb" in err


def test_xref_stream_bomb_stops_at_the_stream_cap(tmp_path, previous, bombs):
    err = refuse(tmp_path, previous, bombs / "xref-bomb-1024MiB.pdf", _params(tmp_path))
    assert "a stream inflates to more than 64 MB" in err


def test_xref_stream_bomb_under_a_high_stream_cap_stops_at_the_memory_cap(tmp_path, previous,
                                                                           bombs):
    params = _params(tmp_path, max_stream_mb=8192)
    err = refuse(tmp_path, previous, bombs / "xref-bomb-1024MiB.pdf", params)
    assert "ran out of memory" in err


def test_bomb_in_a_page_worker_keeps_the_whole_tree_under_memory_mb(tmp_path, previous, bombs):
    """Two workers and this process share memory_mb: each worker gets a third of it."""
    params = _params(tmp_path, workers=2, memory_mb=900, max_stream_mb=8192)
    err = refuse(tmp_path, previous, bombs / "page-bomb-1024MiB.pdf", params)
    assert "ran out of memory (limit 300 MB in this process" in err or "worker died" in err


@pytest.mark.parametrize(("memory_mb", "workers", "started", "share"), [
    (2048, 2, 2, 682), (2048, 16, 7, 256), (600, 2, 1, 600), (900, 1, 1, 900)])
def test_memory_mb_is_shared_and_limits_the_workers(memory_mb, workers, started, share):
    limits = Limits(memory_bytes=memory_mb * MiB)
    assert limits.workers(workers) == started
    assert limits.process_memory(workers) // MiB == share


def test_tounicode_range_over_four_billion_codes_is_refused(tmp_path, previous, bombs):
    err = refuse(tmp_path, previous, bombs / "tounicode-bomb.pdf", _params(tmp_path))
    assert "CMap) maps over 4294967296 codes (limit 131072)" in err


def test_not_a_plan_is_refused_within_the_first_pages(tmp_path, previous):
    """4,999 pages sharing one heavy stream: refused after the first few, not after hours
    (the document limit would have given 19 had every page been read)."""
    pdf = hostile_pdfs.shared_heavy_stream(tmp_path, pages=4999, glyphs=6000)
    params = _params(tmp_path, workers=2, memory_mb=2048, overview_within_pages=3,
                     document_seconds=120)
    err = refuse(tmp_path, previous, pdf, params, code=NotAPlanError.exit_code)
    assert "in the first 3 pages (limits.overview_within_pages)" in err


def test_the_whole_document_has_a_time_limit_also_while_workers_parse(tmp_path, previous):
    pdf = hostile_pdfs.shared_heavy_stream(tmp_path, pages=400, glyphs=6000)
    params = _params(tmp_path, workers=2, memory_mb=2048, overview_within_pages=400,
                     document_seconds=2)
    err = refuse(tmp_path, previous, pdf, params)
    assert "reading the whole document took longer than 2 s (limits.document_seconds)" in err


def test_the_whole_document_has_a_time_limit(tmp_path):
    pdf = hostile_pdfs.shared_heavy_stream(tmp_path, pages=400, glyphs=6000)
    limits = Limits(document_seconds=0.5, overview_within_pages=400)
    with pytest.raises(ResourceLimitError, match=r"reading the whole document took longer than "
                                                 r"0.5 s \(limits.document_seconds\)"):
        extract_pdf(pdf, workers=1, limits=limits)


@pytest.fixture(scope="module")
def image_bomb(tmp_path_factory) -> Path:
    """The excerpt with a 1 GiB image on page 2: extraction never decodes it, PDFium does."""
    return hostile_pdfs.image_bomb(EXCERPT, tmp_path_factory.mktemp("image") / "image-bomb.pdf",
                                   mib=1024)


def test_report_renders_page_images_within_memory_mb(tmp_path, image_bomb):
    params = _params(tmp_path)
    rc, err, _ = run_watched(["--params", str(params), "extract", str(image_bomb), "--out",
                              str(tmp_path / "staged")], tmp_path)
    assert rc == 0, err
    rc, err, peak = run_watched(["--params", str(params), "report", str(tmp_path / "staged"),
                                 "--out", str(tmp_path / "reports"), "--sources", str(image_bomb)],
                                tmp_path)
    assert rc == 0 and "Traceback" not in err, err
    assert peak < MEMORY_MB * MiB, f"process tree peaked at {peak / MiB:.0f} MB"


def test_a_renderer_past_its_time_leaves_the_report_without_images(tmp_path, image_bomb, capsys):
    from pipeline.report.evidence import page_images

    images = page_images(image_bomb, "0" * 64, {2}, tmp_path, limits=Limits(page_seconds=1e-3))
    assert images == {}
    err = capsys.readouterr().err
    assert err.startswith(f"plan-extract: {image_bomb}: page images not rendered"), err
    assert len(err.strip().splitlines()) == 1
