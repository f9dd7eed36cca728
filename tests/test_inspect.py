"""`inspect`: the annotated page shows cells, schedule bars and unaccounted text truthfully."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline import inspect
from pipeline.errors import UsageError
from pipeline.extract.coverage import Ledger
from pipeline.extract.run import Extraction, extract_pdf
from pipeline.layout.model import Cell
from pipeline.settings import Settings
from truth_tables import SHARED

PDF = SHARED / "jisshi-keikaku-2025-excerpt.pdf"
PAGE = 4
ONE_WORKER = Settings(workers=1)


@pytest.fixture(scope="module")
def extraction() -> Extraction:
    return extract_pdf(PDF, workers=1, keep_pages=True)


@pytest.fixture(scope="module")
def page4(extraction) -> Image.Image:
    return inspect.render_page(extraction, PAGE)


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).reshape(-1, 3)


def count(image: Image.Image, color: tuple[int, int, int]) -> int:
    return int((pixels(image) == color).all(axis=1).sum())


def reddish(image: Image.Image) -> int:
    px = pixels(image).astype(int)
    return int(((px[:, 0] >= 200) & (px[:, 1] <= 60) & (px[:, 2] <= 60)).sum())


def test_writes_a_png_with_the_page_aspect_ratio(tmp_path):
    out = inspect.inspect_page(PDF, PAGE, tmp_path / "sub" / "p4.png", settings=ONE_WORKER)
    assert out == tmp_path / "sub" / "p4.png"
    assert [p.name for p in out.parent.iterdir()] == ["p4.png"]  # no temp file left behind
    with Image.open(out) as image:
        assert image.format == "PNG"
        assert image.width / image.height == pytest.approx(841.89 / 595.30, rel=0.01)
        assert image.width >= 1200  # legible: about 120 dpi for A4


def test_page_out_of_range_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="page 99 .*1-6"):
        inspect.inspect_page(PDF, 99, tmp_path / "p.png", settings=ONE_WORKER)
    with pytest.raises(UsageError):
        inspect.inspect_page(PDF, 0, tmp_path / "p.png", settings=ONE_WORKER)
    assert not list(tmp_path.iterdir())


def test_no_red_when_every_character_is_accounted_for(extraction, page4):
    assert next(c for c in extraction.coverage if c.page == PAGE).unaccounted == 0
    assert reddish(page4) == 0


def test_characters_of_a_cell_without_marks_turn_red(extraction):
    content = next(pc for pc in extraction.pages if pc.number == PAGE)
    cell = next(c for c in inspect.page_cells(content) if c.text)
    dropped = {ln.key for ln in cell.lines}
    marks = extraction.ledger.marks
    ledger = Ledger({**marks, PAGE: {k: v for k, v in marks[PAGE].items() if k not in dropped}})
    image = inspect.render_page(dataclasses.replace(extraction, ledger=ledger), PAGE)
    assert count(image, inspect.UNACCOUNTED) > 0
    assert reddish(image) > 0


def test_schedule_bars_are_outlined_only_where_read(extraction, page4):
    on_page = extraction.tables["schedule"]["page"] == PAGE
    assert on_page.sum() == 1
    assert count(page4, inspect.BAR) > 0
    assert count(inspect.render_page(extraction, 2), inspect.BAR) == 0  # the 体系図 has no bars


def test_cells_are_those_of_the_page_even_after_joining(extraction):
    content = next(pc for pc in extraction.pages if pc.number == PAGE)
    in_tables = [c for t in content.tables for c in t.cells]
    drawn = inspect.page_cells(content)
    assert len(in_tables) > len(drawn)  # page 4's last table continues on page 5
    assert {c.page for c in drawn} == {PAGE}
    assert all(c.bottom <= content.height for c in drawn)


def test_merged_cells_are_drawn_distinctly(extraction, page4):
    content = next(pc for pc in extraction.pages if pc.number == PAGE)
    assert any(c.rowspan > 1 for c in inspect.page_cells(content))
    assert count(page4, inspect.MERGED) > 0 and count(page4, inspect.CELL) > 0


def test_renders_without_any_font_file(extraction, monkeypatch):
    truetype = inspect.ImageFont.truetype

    def missing(font, *args, **kwargs):  # font files are gone; Pillow's bundled font is not
        if isinstance(font, (str, Path)):
            raise OSError("cannot open resource")
        return truetype(font, *args, **kwargs)

    monkeypatch.setattr(inspect, "_japanese_fonts", lambda: [])
    monkeypatch.setattr(inspect.ImageFont, "truetype", missing)
    inspect._fonts.cache_clear()
    try:
        assert not inspect._fonts().japanese
        assert count(inspect.render_page(extraction, PAGE), inspect.BAR) > 0
    finally:
        inspect._fonts.cache_clear()


def test_render_refuses_a_page_the_pdf_does_not_have(extraction):
    with pytest.raises(UsageError, match="page 7 does not exist"):
        inspect.render_page(extraction, 7)


def test_span_label_names_the_pages_a_split_cell_continues_on():
    cell = Cell(0, 0, 10, 10, rowspan=3, parts=[Cell(0, 0, 10, 10, page=5)])
    assert inspect._span(cell) == "r3×c1 →p5"
    assert inspect._span(Cell(0, 0, 10, 10, colspan=5)) == "r1×c5"
