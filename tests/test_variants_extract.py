"""Generality: editions this code has never seen, drawn by another producer (reportlab) with
other fonts, sizes and layouts, must extract as exactly as the shared PDFs."""

from __future__ import annotations

import pdfplumber
import pytest
from reportlab.lib.pagesizes import B4, landscape

from pipeline.extract import extract_pdf
from pipeline.normalize import LOOKALIKES
from tests.golden import differences
from tests.truth_tables import SHARED, load_truth, truth_tables
from tests.variants import VariantOptions, make_variant
from tests.variants.browser import has_cut_row
from tests.variants.rotate import rotated_pages

VARIANTS = {
    "reportlab-gothic": VariantOptions(),
    "overview-split-over-pages": VariantOptions(overview_rows_per_page=12),
    "revised-reiwa-fullwidth-actuals-partial-bars": VariantOptions(
        reiwa_years=True, fullwidth_digits=True, filled_actuals=True, partial_bars=True, reword=True),
    "kangxi-radicals-ttf": VariantOptions(kangxi=True),
    "browser-lookalike-code-points": VariantOptions(lookalikes=True),
    "excel-distributed-alignment": VariantOptions(distributed=True, typed_breaks=True),
    "labels-spaced-by-hand": VariantOptions(spaced_labels=True),
    "stacked-vertical-goal-cells": VariantOptions(stacked_goals=True),
    # a stacked goal cell cut by a page break: some of its glyphs on the next page, no number
    "stacked-goal-cells-split-over-pages": VariantOptions(stacked_goals=True,
                                                          overview_rows_per_page=12),
    "typed-breaks-in-overview-cells": VariantOptions(typed_breaks=True, overview_rows_per_page=12),
    "b4-mincho-narrow-columns": VariantOptions(font="HeiseiMin-W3", page_size=landscape(B4),
                                               column_scale=0.8, font_size=9),
    # running header below the usual margin zone: found as the line above all content
    "wide-margins-large-font": VariantOptions(margins=(60, 60, 60, 60), font_size=11,
                                              overview_rows_per_page=20),
    # as a browser prints: borders are filled rectangles, page breaks cut rows (体系図 too)
    # and leave no border under the part on the first page, header rows repeat
    "browser-print-cut-rows": VariantOptions(filled_borders=True, cut_rows=True, font_size=11),
}


@pytest.fixture(scope="module")
def excerpt_truth():
    return load_truth(SHARED / "jisshi-keikaku-2025-excerpt.truth.json")


@pytest.mark.parametrize("name", VARIANTS)
def test_variant_extracts_exactly(name, excerpt_truth, tmp_path):
    pdf = tmp_path / f"{name}.pdf"
    truth = make_variant(excerpt_truth, pdf, VARIANTS[name])
    ex = extract_pdf(pdf, workers=1)
    assert differences(ex.tables, truth_tables(truth, ex.source.sha256)) == []
    assert ex.unaccounted == 0, [p.unaccounted_text for p in ex.coverage if p.unaccounted]


def test_lookalikes_are_folded_and_counted_as_suspect(excerpt_truth, tmp_path):
    """The look-alike spellings reach the text layer, and each page says how many it folded."""
    pdf = tmp_path / "lookalikes.pdf"
    make_variant(excerpt_truth, pdf, VARIANTS["browser-lookalike-code-points"])
    with pdfplumber.open(pdf) as doc:
        layer = "".join(c["text"] for page in doc.pages for c in page.chars)
    assert {"\u2ea0", "\u2ed1", "\u2027"} <= set(layer)
    ex = extract_pdf(pdf, workers=1)
    drawn = sum(layer.count(c) for c in set(layer) if ord(c) in LOOKALIKES)
    assert sum(p.suspects.get("lookalike", 0) for p in ex.coverage) == drawn
    assert any("U+2027 \u2027→・" in g for p in ex.coverage for g in p.suspect_glyphs)


def test_revised_variant_really_differs_from_the_published_edition(excerpt_truth, tmp_path):
    """Guard: the revised variant exercises filled actuals, partial bars and 令和 years."""
    truth = make_variant(excerpt_truth, tmp_path / "r.pdf",
                         VARIANTS["revised-reiwa-fullwidth-actuals-partial-bars"])
    assert any(ind["actuals"] for ind in truth["indicators"])
    assert any((s["start_fy"], s["end_fy"]) != (2025, 2029) for s in truth["schedule"])


def test_browser_variant_draws_what_it_claims(excerpt_truth, tmp_path):
    """Guard: borders only as filled rectangles, and 体系図 rows cut by page breaks."""
    pdf = tmp_path / "browser.pdf"
    truth = make_variant(excerpt_truth, pdf, VARIANTS["browser-print-cut-rows"])
    with pdfplumber.open(pdf) as doc:
        assert not any(page.lines or page.curves for page in doc.pages)
        assert all(r["fill"] and not r["stroke"] for page in doc.pages for r in page.rects)
        cut = [page.page_number for page in doc.pages if has_cut_row(page)]
    overview_pages = {item["page"] for item in truth["items"]}
    assert len(overview_pages & set(cut)) >= 1
    assert len(set(cut) - overview_pages) >= 1  # a detail table is cut too


@pytest.mark.slow
def test_large_edition_variant(tmp_path):
    truth = load_truth(SHARED / "jisshi-keikaku-full-synthetic.truth.json")
    pdf = tmp_path / "full.pdf"
    drawn = make_variant(truth, pdf, VariantOptions(partial_bars=True, filled_actuals=True,
                                                    overview_rows_per_page=20))
    ex = extract_pdf(pdf)
    assert differences(ex.tables, truth_tables(drawn, ex.source.sha256)) == []
    assert ex.unaccounted == 0


@pytest.mark.parametrize("name", ["jisshi-keikaku-2025-excerpt", "jisshi-keikaku-full-synthetic"])
def test_pages_stored_portrait_and_rotated_extract_exactly(name, tmp_path):
    """Every page stored portrait with its content turned and /Rotate 90 (as some producers
    save landscape sheets): the plan reads as the viewer shows it."""
    pdf = rotated_pages(SHARED / f"{name}.pdf", tmp_path / f"{name}-rotated.pdf")
    with pdfplumber.open(pdf) as doc:
        assert doc.pages[1].rotation == 90 and doc.pages[1].width > doc.pages[1].height
    ex = extract_pdf(pdf, workers=1)
    truth = load_truth(SHARED / f"{name}.truth.json")
    assert differences(ex.tables, truth_tables(truth, ex.source.sha256)) == []
    assert ex.unaccounted == 0
