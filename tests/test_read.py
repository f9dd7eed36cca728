"""Reading a page into the layout model: rulings however the producer drew them."""

from __future__ import annotations

import unicodedata

import pdfplumber
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from pipeline.layout.grid import find_tables
from pipeline.layout import walk
from pipeline.layout.read import read_page
from pipeline.layout.walk import PageWalk, read_chunk
from pipeline.limits import DEFAULT_LIMITS
from pipeline.source import open_pdf
from tests.truth_tables import REALPDF, SHARED

EXCERPT = SHARED / "jisshi-keikaku-2025-excerpt.pdf"


def _grid_pdf(path, style: str) -> None:
    """A 2×2 grid (x 100/200/300, y 100/150/200 from the top) drawn as ``style``."""
    c = canvas.Canvas(str(path), pagesize=A4)
    h = A4[1]
    xs, ys = [100, 200, 300], [h - 100, h - 150, h - 200]
    if style == "polylines":  # each ruling a path: one zig-zag per direction
        for x in xs:
            p = c.beginPath()
            p.moveTo(x, ys[0])
            p.lineTo(x, ys[-1])
            p.lineTo(x + 0.001, ys[-1])  # a degenerate piece, not a ruling
            c.drawPath(p, stroke=1, fill=0)
        p = c.beginPath()
        p.moveTo(xs[0], ys[0])
        for i, y in enumerate(ys):
            p.lineTo(xs[-1] if i % 2 == 0 else xs[0], y)
            if i + 1 < len(ys):
                p.lineTo(xs[-1] if i % 2 == 0 else xs[0], ys[i + 1])
        c.drawPath(p, stroke=1, fill=0)
    elif style == "thin-rects":  # rulings as thin filled rectangles (Excel's own export)
        for x in xs:
            c.rect(x - 0.25, ys[-1], 0.5, ys[0] - ys[-1], stroke=0, fill=1)
        for y in ys:
            c.rect(xs[0], y - 0.25, xs[-1] - xs[0], 0.5, stroke=0, fill=1)
    c.showPage()
    c.save()


def _cells(path):
    with pdfplumber.open(path) as pdf:
        layout = read_page(pdf.pages[0])
    (table,) = find_tables(layout.segments)
    return sorted((round(c.x0), round(c.top), round(c.x1), round(c.bottom)) for c in table.cells)


EXPECTED = [(100, 100, 200, 150), (100, 150, 200, 200), (200, 100, 300, 150), (200, 150, 300, 200)]


def test_rulings_drawn_as_polylines(tmp_path):
    _grid_pdf(tmp_path / "p.pdf", "polylines")
    assert _cells(tmp_path / "p.pdf") == EXPECTED


def test_rulings_drawn_as_thin_filled_rectangles(tmp_path):
    _grid_pdf(tmp_path / "r.pdf", "thin-rects")
    assert _cells(tmp_path / "r.pdf") == EXPECTED


def _turned_and_shifted(src, out) -> None:
    """``src`` with page 1 rotated and page 2's MediaBox moved off the origin."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import RectangleObject
    writer = PdfWriter()
    for page in PdfReader(src).pages:
        writer.add_page(page)
    writer.pages[0].rotate(90)
    box = writer.pages[1].mediabox
    writer.pages[1].mediabox = RectangleObject([20, 30, float(box.right) + 20, float(box.top) + 30])
    writer.write(out)


def _text_state(out) -> None:
    """Text in every state the glyph loop of ``read._Device`` computes with: character and
    word spacing, horizontal scaling, rise, kerning in TJ arrays, turned and skewed text
    matrices, a simple and a CID (multibyte) font, a shifted MediaBox."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    c = canvas.Canvas(str(out), pagesize=A4)
    for i, (font, words) in enumerate([("Helvetica", "two words, 1 2"),
                                       ("HeiseiKakuGo-W5", "日本 の 文字")]):
        t = c.beginText(50, 700 - 300 * i)
        t.setFont(font, 11)
        t.setCharSpace(1.5)
        t.setWordSpace(4)
        t.setHorizScale(80)
        t.textLine(words)
        t.setRise(3)
        t.textLine(words)
        t.setTextTransform(0.8, 0.6, -0.6, 0.8, 200, 650 - 300 * i)  # turned
        t.textLine(words)
        t.setTextTransform(1, 0.2, 0.3, 1, 100, 500 - 300 * i)  # skewed
        t.textLine(words)
        c.drawText(t)
    c._code.append("BT /F1 12 Tf 60 100 Td [(A) -120 (V) 250.5 (A)] TJ 2 Tc [(x) 30 (y)] TJ ET")
    c.setFont("Helvetica", 12)  # F1 exists
    c.showPage()
    c.save()
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import RectangleObject
    writer = PdfWriter(clone_from=PdfReader(out))
    writer.pages[0].mediabox = RectangleObject([15, 25, 610, 860])
    writer.write(out)


@pytest.mark.parametrize("path", [
    SHARED / "jisshi-keikaku-2025-excerpt.pdf", SHARED / "jisshi-keikaku-full-synthetic.pdf",
    "turned-and-shifted", "text-state", *sorted(REALPDF.glob("*.pdf"))],
    ids=lambda p: getattr(p, "name", p))
def test_glyphs_match_pdfplumbers_own_chars(path, tmp_path):
    """The page reader skips pdfplumber's char dicts, so its boxes must equal them exactly:
    on the plan, and on real-world PDFs of other producers (Type 1, Type 3 and CID fonts,
    Form XObjects, files that need their cross-reference table rebuilt)."""
    if path == "turned-and-shifted":
        path = tmp_path / "t.pdf"
        _turned_and_shifted(SHARED / "jisshi-keikaku-2025-excerpt.pdf", path)
    elif path == "text-state":
        path = tmp_path / "s.pdf"
        _text_state(path)
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            ours = [(c.x0, c.top, c.x1, c.bottom, c.size, c.text) for c in read_page(page).chars]
            theirs = [(c["x0"], c["top"], c["x1"], c["bottom"], c["size"],
                       unicodedata.normalize("NFKC", c["text"])) for c in page.chars]
            assert ours == theirs, f"page {page.page_number}"
            assert ours


def test_page_walk_gives_the_asked_pages_and_lets_passed_ones_go():
    with pdfplumber.open(EXCERPT) as other:  # object numbers are the file's, in any reader
        contents = {obj.objid for page in other.pages[:3] for obj in page.page_obj.contents}
    walker = PageWalk(open_pdf(EXCERPT))
    try:
        assert [p.number for p in walker.read(0, 2, DEFAULT_LIMITS)] == [1, 2]
        assert [p.number for p in walker.read(3, 5, DEFAULT_LIMITS)] == [4, 5]  # page 3 skipped
        assert contents and not contents & set(walker.pdf.doc._cached_objs)  # pdfminer's cache
    finally:
        walker.close()


def test_a_worker_asked_for_pages_behind_its_walk_starts_a_new_one(monkeypatch):
    monkeypatch.setattr(walk, "apply_memory_limit", lambda _: None)  # not on the test process
    monkeypatch.setattr(walk, "_kept", None)
    source = open_pdf(EXCERPT)
    assert [p.number for p in read_chunk(source, 2, 4, DEFAULT_LIMITS)] == [3, 4]
    assert [p.number for p in read_chunk(source, 0, 2, DEFAULT_LIMITS)] == [1, 2]
    walk._kept.close()


def test_a_damaged_tj_reads_or_fails_as_pdfminer_makes_it(tmp_path):
    """TJ's operand should be an array: a string is read byte by byte as numbers and a number
    fails, in pdfminer's own loop (so ``source.pdf_errors`` calls the file damaged)."""
    from pipeline.errors import DamagedPdfError
    from pipeline.source import pdf_errors
    for operand, fails in ((b"(AB)", False), (b"5", True)):
        path = tmp_path / "tj.pdf"
        c = canvas.Canvas(str(path), pagesize=A4)
        c.setFont("Helvetica", 12)
        c.drawString(50, 700, "x")
        c._code.append(f"BT /F1 12 Tf 60 100 Td [(A)] TJ {operand.decode()} TJ (B) Tj ET")
        c.showPage()
        c.save()
        with pdfplumber.open(path) as pdf:
            if fails:
                with pytest.raises(DamagedPdfError), pdf_errors(str(path)):
                    read_page(pdf.pages[0])
                continue
            ours = [(c.x0, c.top, c.text) for c in read_page(pdf.pages[0]).chars]
            assert ours == [(c["x0"], c["top"], c["text"]) for c in pdf.pages[0].chars]
            assert "".join(t for *_, t in ours) == "xAB"


def _big_result(_):
    return b"x" * 100_000_000


def test_workers_killed_while_sending_a_result_do_not_hang_the_pool():
    """``parallel._stop_workers`` kills workers mid-page, and so at times mid-way through
    sending a chunk: with this process's copy of the result pipe closed, the pool's reader
    sees the pipe end instead of waiting for the rest of the message, and shuts down."""
    import os
    import threading
    import time
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import active_children, get_context

    from pipeline.layout.parallel import _close_result_writer

    for delay in (0.1, 0.15, 0.2, 0.25, 0.3):  # the 100 MB take about as long to send
        pool = ProcessPoolExecutor(1, mp_context=get_context("fork"))
        pool.submit(_big_result, 0)
        _close_result_writer(pool)
        time.sleep(delay)
        for process in active_children():
            os.kill(process.pid, 9)
        done = threading.Event()
        threading.Thread(target=lambda: (pool.shutdown(wait=True, cancel_futures=True),
                                         done.set()), daemon=True).start()
        assert done.wait(10), f"the pool hung (worker killed after {delay} s)"


def test_glyphs_read_alike_when_the_glyph_cache_lets_fonts_go(monkeypatch):
    """With room for one font's codes only, every font change evicts a font: the glyphs
    must still equal pdfplumber's (the cache only saves work)."""
    from pipeline.layout import read
    monkeypatch.setattr(read, "FONTS_KEPT", 1)
    monkeypatch.setattr(read, "_glyphs", type(read._glyphs)())
    with pdfplumber.open(SHARED / "jisshi-keikaku-full-synthetic.pdf") as pdf:
        for page in pdf.pages[:12]:
            ours = [(c.x0, c.top, c.x1, c.bottom, c.size, c.text) for c in read_page(page).chars]
            theirs = [(c["x0"], c["top"], c["x1"], c["bottom"], c["size"],
                       unicodedata.normalize("NFKC", c["text"])) for c in page.chars]
            assert ours == theirs, f"page {page.page_number}"
    assert len(read._glyphs) == 1


def _layouts(path) -> list[tuple]:
    with pdfplumber.open(path) as pdf:
        return [(layout.chars, layout.segments, layout.fills, layout.suspects, layout.guesses)
                for layout in map(read_page, pdf.pages)]


def test_a_document_with_more_fonts_than_the_caches_hold_reads_alike(monkeypatch):
    """pdfminer's font cache keeps the fonts used last (``read.RecentFonts``): with room
    for two of the synthetic edition's four fonts, fonts are let go of (with their objects
    in pdfminer's object cache) and parsed again on almost every page, and every page must
    still read exactly as with all fonts kept."""
    from pipeline.layout import read
    path = SHARED / "jisshi-keikaku-full-synthetic.pdf"
    kept = _layouts(path)
    let_go = []
    monkeypatch.setattr(read, "FONTS_KEPT", 2)
    monkeypatch.setattr(read, "_glyphs", type(read._glyphs)())
    monkeypatch.setattr(read, "_uncache", lambda doc, objid, was=read._uncache:
                        (let_go.append(objid), was(doc, objid)))
    assert _layouts(path) == kept
    assert len(let_go) > len(set(let_go)) > 2  # fonts let go of, parsed again, let go again
