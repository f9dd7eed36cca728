"""Page images behind the report's values: click a value, see the cell it was read from.

Each page that holds a value is rendered ONCE (pypdfium2, grayscale, ``SCALE`` × 72 dpi) and
written as a JPEG; the report cuts the crop around a value's bbox out of it in the browser (an
SVG viewBox over the page image, the cell outlined by a rectangle), so no crop is encoded.
Pages render in the main thread while a second thread encodes the previous ones (Pillow
releases the GIL while encoding). Images are named by the PDF's hash and reused from the
previous report when it has them: an edition's pages never change.

PDFium decodes what extraction never touches (images, shadings), so a PDF that extracted
fine can still be a bomb here. It renders in a forked child of its own, under the run's
memory and time limits (``pipeline.limits``); a child that hits them, or crashes, leaves the
report without page images and says so in one line.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection
from pathlib import Path

from pipeline.inputs import file_sha256
from pipeline.interrupt import die_with_parent
from pipeline.limits import DEFAULT_LIMITS, Limits, apply_memory_limit

#: Render scale: 1.5 × 72 dpi keeps 7-pt Japanese legible in a crop.
SCALE = 1.5
QUALITY = 80
#: A page's longer side in pixels at most (an oversized page is rendered smaller, not at the
#: cost of memory: A3 at ``SCALE`` is 1,786 px).
MAX_PIXELS = 2400


@dataclass(frozen=True)
class PageImage:
    """A rendered page: image path relative to the report, page size in PDF points."""

    src: str
    w: float
    h: float


def find_source(sources: Path | None, source_file: str | None, sha256: str | None) -> Path | None:
    """The PDF an edition was read from: ``source_file`` in ``sources`` (a folder or the file
    itself) with the same SHA-256; None when it is not there."""
    if sources is None or not source_file:
        return None
    path = Path(sources) if Path(sources).is_file() else Path(sources) / source_file
    if not path.is_file():
        return None
    if sha256 and file_sha256(path) != sha256:
        return None
    return path


def page_images(pdf: Path, sha256: str, pages: set[int], out_dir: Path,
                previous: Path | None = None, limits: Limits = DEFAULT_LIMITS) -> dict[int, PageImage]:
    """Render ``pages`` (1-based) of ``pdf`` into ``out_dir/evidence/<hash>/`` (or reuse them
    from the ``previous`` report folder); return each page's image."""
    with rendering(pdf, sha256, pages, out_dir, previous, limits) as images:
        return images()


@contextmanager
def rendering(pdf: Path, sha256: str, pages: set[int], out_dir: Path, previous: Path | None = None,
              limits: Limits = DEFAULT_LIMITS) -> Iterator[Callable[[], dict[int, PageImage]]]:
    """``page_images`` begun at once and left to render while the block does other work: call
    the function it yields for the images. The renderer is a child process (below), so the
    pages render on another core; it is ended when the block ends, whatever happened."""
    folder = f"evidence/{sha256[:16]}-{int(SCALE * 72)}dpi"
    target = out_dir / folder
    target.mkdir(parents=True, exist_ok=True)
    known = _reuse(previous / folder if previous else None, target, pages)
    missing = sorted(p for p in pages if p not in known)
    with _rendered(pdf, missing, target, limits) if missing else nullcontext(lambda: {}) as rendered:
        def images() -> dict[int, PageImage]:
            found = known | rendered()
            (target / "pages.json").write_text(json.dumps({p: asdict(i) for p, i in found.items()}),
                                               encoding="utf-8")
            return {p: PageImage(f"{folder}/{i.src}", i.w, i.h) for p, i in found.items() if p in pages}
        yield images


def _reuse(source: Path | None, target: Path, pages: set[int]) -> dict[int, PageImage]:
    index = source / "pages.json" if source else None
    if index is None or not index.is_file():
        return {}
    found = {}
    for page, image in json.loads(index.read_text(encoding="utf-8")).items():
        page = int(page)
        if page in pages and (source / image["src"]).is_file():
            _link(source / image["src"], target / image["src"])
            found[page] = PageImage(**image)
    return found


@contextmanager
def _rendered(pdf: Path, pages: list[int], target: Path,
              limits: Limits) -> Iterator[Callable[[], dict[int, PageImage]]]:
    """``_render`` in a forked child capped at half of ``memory_mb`` (the other half is this
    process's) and ``page_seconds`` a page (at most ``document_seconds`` from its start)."""
    context = get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_render_child, args=(os.getpid(), pdf, pages, target, limits, send),
                            daemon=True)
    deadline = time.monotonic() + min(limits.document_seconds, limits.page_seconds * len(pages))
    child.start()
    send.close()

    def result() -> dict[int, PageImage]:
        rendered = None
        try:
            if receive.poll(max(0.0, deadline - time.monotonic())):
                rendered = receive.recv()
        except EOFError:  # the child died (out of memory in PDFium, a crash)
            pass
        if rendered is None:
            print(f"plan-extract: {pdf}: page images not rendered (limits.memory_mb / page_seconds): "
                  "the report has no evidence crops", file=sys.stderr)
            return {}
        return {page: PageImage(**image) for page, image in rendered.items()}

    try:
        yield result
    finally:
        child.kill()
        child.join()
        receive.close()


def _render_child(parent: int, pdf: Path, pages: list[int], target: Path, limits: Limits,
                  send: Connection) -> None:
    die_with_parent(parent)
    apply_memory_limit(limits.memory_bytes // 2)
    try:
        send.send({page: asdict(image) for page, image in _render(pdf, pages, target).items()})
    except BaseException:  # MemoryError and the like: the parent reports it in one line
        os._exit(1)
    os._exit(0)  # no atexit work inherited from the parent (the run's lock, its temp folders)


def _render(pdf: Path, pages: list[int], target: Path) -> dict[int, PageImage]:
    import pypdfium2 as pdfium  # only when a page is rendered

    out: dict[int, PageImage] = {}
    try:  # read before (with --password, or repaired): what PDFium cannot open has no images
        document = pdfium.PdfDocument(str(pdf))
    except pdfium.PdfiumError:
        return out
    try:
        with ThreadPoolExecutor(max_workers=1) as encoder:
            jobs = []
            for number in pages:
                if not 1 <= number <= len(document):
                    continue
                page = document[number - 1]
                width, height = page.get_size()
                scale = min(SCALE, MAX_PIXELS / max(width, height, 1))
                image = page.render(scale=scale, grayscale=True).to_pil()
                page.close()
                name = f"p{number}.jpg"
                jobs.append(encoder.submit(image.save, target / name, "JPEG", quality=QUALITY))
                out[number] = PageImage(name, round(width, 2), round(height, 2))
            for job in jobs:
                job.result()
    finally:
        document.close()
    return out


def _link(source: Path, target: Path) -> None:
    """Hard link when possible (same filesystem), else copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
