"""Generality: the plan printed from a web browser (Chromium's "Save as PDF") extracts exactly.

The HTML (tables with rowspan/colspan, <thead>) is made from the excerpt's truth and printed by
Debian's headless ``chromium``; the test is skipped where it is not installed.
"""

from __future__ import annotations

import pdfplumber
import pytest
from pdfminer.pdftypes import resolve1

from pipeline.extract import extract_pdf
from pipeline.normalize import LOOKALIKES, nfkc
from tests.golden import differences
from tests.truth_tables import SHARED, load_truth, truth_tables
from tests.variants.browser import browser_edition, chromium, has_cut_row

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", params=["page-margin-boxes", "browser-header-footer"])
def printed(request, tmp_path_factory):
    """The page's own running header and page numbers, or the browser's header and footer
    (date, title, file address, page n/N), as "Headers and footers" in the print dialog."""
    if chromium() is None:
        pytest.skip("Chromium is not installed")
    pdf = tmp_path_factory.mktemp("browser") / f"{request.param}.pdf"
    # a 体系図 large enough to run over three pages, two of its rows cut by the breaks
    truth = browser_edition(load_truth(SHARED / "jisshi-keikaku-2025-excerpt.truth.json"), pdf,
                            overview_size=14,
                            browser_header_footer=request.param == "browser-header-footer")
    return pdf, truth


def test_browser_print_extracts_exactly(printed):
    pdf, truth = printed
    ex = extract_pdf(pdf, workers=1)
    assert differences(ex.tables, truth_tables(truth, ex.source.sha256)) == []
    assert ex.unaccounted == 0, [p.unaccounted_text for p in ex.coverage if p.unaccounted]


def test_the_print_is_what_a_browser_makes(printed):
    """Guard: Type 3 fonts, borders as filled rectangles, <thead> repeated, 体系図 rows cut by
    a page break, a project table split over pages, look-alike code points in the text layer."""
    pdf, truth = printed
    overview = sorted({item["page"] for item in truth["items"]})
    with pdfplumber.open(pdf) as doc:
        fonts = {resolve1(f).get("Subtype").name for page in doc.pages
                 for f in resolve1(page.page_obj.resources.get("Font", {})).values()}
        assert "Type3" in fonts  # the text; the browser's own header may be in another font
        assert not any(page.lines or page.curves for page in doc.pages)
        assert all(r["fill"] and not r["stroke"] for page in doc.pages for r in page.rects)
        texts = ["".join(c["text"] for c in page.chars) for page in doc.pages]
        cut = [page.page_number for page in doc.pages if has_cut_row(page)]
    assert len(overview) >= 3 and all("実施項目" in nfkc(texts[n - 1]) for n in overview)
    assert set(cut) & set(overview)
    assert any(len(project["pages"]) > 1 for project in truth["projects"])
    assert any(ord(c) in LOOKALIKES for text in texts for c in text)


@pytest.mark.slow
def test_large_edition_printed_by_a_browser_extracts_exactly(tmp_path):
    if chromium() is None:
        pytest.skip("Chromium is not installed")
    pdf = tmp_path / "full.pdf"
    truth = browser_edition(load_truth(SHARED / "jisshi-keikaku-full-synthetic.truth.json"), pdf,
                            overview_size=14)
    ex = extract_pdf(pdf)
    assert differences(ex.tables, truth_tables(truth, ex.source.sha256)) == []
    assert ex.unaccounted == 0
