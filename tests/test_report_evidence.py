"""The report of a real run: evidence behind every value, links to the published files, and
(in headless Chromium) a click on a value shows the cell it was read from."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.stages import report_stage
from tests.truth_tables import SHARED

NO_PARAMS = ["--params", "/nonexistent/params.yaml"]
EXCERPT = SHARED / "jisshi-keikaku-2025-excerpt.pdf"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """raw/ → staged → validation → exports → diff → reports, as `make run` does."""
    root = tmp_path_factory.mktemp("run")
    (root / "raw").mkdir()
    shutil.copy(EXCERPT, root / "raw")
    for argv in (["extract", str(root / "raw"), "--out", str(root / "staged")],
                 ["validate", str(root / "staged"), "--report", str(root / "metrics" / "validation.json")],
                 ["export", str(root / "staged"), "--out", str(root / "exports")],
                 ["editions-diff", str(root / "staged"), "--out", str(root / "diff")]):
        assert main([*NO_PARAMS, "-q", *argv]) == 0, argv
    report_stage(root / "staged", root / "reports", root / "metrics" / "validation.json", root / "diff",
                 root / "raw", root / "exports")
    return root


@pytest.fixture(scope="module")
def page(run) -> str:
    return (run / "reports" / "index.html").read_text(encoding="utf-8")


def test_every_value_read_from_a_cell_opens_its_page(run, page):
    links = re.findall(r'<a class="ev ([a-z]*) *"([^>]*)>(.*?)</a>', page)
    assert links
    pages = json.loads(html.unescape(re.search(r'id="evidence-pages">(.*?)</script>', page).group(1)))
    for kind, attrs, text in links:
        found = dict(re.findall(r'([a-z-]+)="([^"]*)"', attrs))
        assert found.get("data-bbox") and found.get("href"), (kind, text)
        assert found["href"] == pages[found["data-page"]]["src"]
        assert (run / "reports" / found["href"]).is_file()
    kinds = [k for k, _, _ in links]
    assert kinds.count("title") == 35  # every item title
    assert kinds.count("department") == page.count('<span class="dep">')
    assert kinds.count("baseline") == 2 * 6  # summary table and chart caption, 6 indicators
    bars = re.findall(r'<rect class="bar (?:plan_actual|evaluation)"[^>]*>', page)
    assert len(bars) == 8 and all("data-bbox" in b for b in bars)


def test_report_names_source_date_licence_and_every_published_file(run, page):
    assert "jisshi-keikaku-2025-excerpt.pdf（6ページ）" in page
    assert re.search(r"作成日時</td><td>\d{4}年\d{2}月\d{2}日 \d{2}:\d{2} \(JST\)", page)
    assert "クリエイティブ・コモンズ 表示 4.0 国際 (CC BY 4.0)" in page
    links = set(re.findall(r'<li><a href="([^"]+)">', page))
    published = {f"../{p.relative_to(run).as_posix()}" for folder in ("exports", "diff")
                 for p in (run / folder).rglob("*") if p.suffix == ".csv" or p.name == "datapackage.json"}
    assert "../exports/datapackage.json" in published and "../diff/changes.csv" in published
    assert published <= links
    assert "比較できる前の版がありません" in page


def test_page_images_are_reused_by_the_next_report(run):
    images = sorted((run / "reports" / "evidence").rglob("*.jpg"))
    before = {p.name: p.stat().st_ino for p in images}
    report_stage(run / "staged", run / "reports", run / "metrics" / "validation.json", run / "diff",
                 run / "raw", run / "exports")
    after = {p.name: p.stat().st_ino for p in sorted((run / "reports" / "evidence").rglob("*.jpg"))}
    assert after == before  # the same files, linked into the new report


def test_without_the_pdf_the_report_says_so(run, tmp_path):
    report_stage(run / "staged", tmp_path / "reports", None, None, tmp_path / "no-pdfs", None)
    text = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "出典PDFが見つからないため、根拠の画像はありません" in text
    assert 'data-bbox="' not in text


@pytest.mark.browser
def test_clicking_a_value_shows_its_cell(run):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("Chromium and chromedriver are not installed (Debian: chromium chromium-driver)")
    from PIL import Image
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1300,1000",
                f"--user-data-dir={run / 'chromium-profile'}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.get((run / "reports" / "index.html").as_uri())
        for selector in ("table.summary a.ev.baseline", "svg.gantt rect.bar"):
            value = driver.find_element(By.CSS_SELECTOR, selector)
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", value)
            x0, top, x1, bottom = map(float, value.get_attribute("data-bbox").split(","))
            value.click()
            dialog = driver.find_element(By.ID, "evidence")
            WebDriverWait(driver, 10).until(lambda d: dialog.get_attribute("open") is not None)
            WebDriverWait(driver, 10).until(lambda d: d.execute_script(
                "const i = new Image(); i.src = document.getElementById('evidence-page').href.baseVal;"
                " return i.complete && i.naturalWidth > 0;"))
            box = driver.execute_script("return document.getElementById('evidence-view').viewBox.baseVal")
            assert box["x"] <= x0 and box["y"] <= top
            assert box["x"] + box["width"] >= x1 and box["y"] + box["height"] >= bottom
            shot = Image.open(io.BytesIO(driver.find_element(By.ID, "evidence-view").screenshot_as_png)).convert("RGB")
            colors = shot.getcolors(maxcolors=1 << 20)
            red = sum(n for n, (r, g, b) in colors if r > 180 and g < 90 and b < 90)
            dark = sum(n for n, (r, g, b) in colors if r < 100 and g < 100 and b < 100)
            assert red > 50, "the cell is outlined"
            assert dark > 50, "the page image (its text) is shown"
            driver.execute_script("document.getElementById('evidence').close()")
    finally:
        driver.quit()


def test_published_report_links_resolve_to_the_published_files(run, tmp_path):
    """Under `publish` every folder is written beside its target and swapped in at the end:
    the report's links and images must name where the files end up."""
    out = tmp_path / "site"
    assert main([*NO_PARAMS, "-q", "publish", str(run / "staged"), "--validation",
                 str(run / "metrics" / "validation.json"), "--exports", str(out / "exports"),
                 "--diff", str(out / "diff"), "--reports", str(out / "reports"),
                 "--metrics", str(out / "metrics.json"), "--plots", str(out / "plots"),
                 "--sources", str(run / "raw")]) == 0
    text = (out / "reports" / "index.html").read_text(encoding="utf-8")
    hrefs = [h for h in re.findall(r'href="([^"#][^"]*)"', text) if not h.startswith("https:")]
    assert any(h.endswith("changes.csv") for h in hrefs) and any("evidence/" in h for h in hrefs)
    for href in hrefs:
        assert (out / "reports" / html.unescape(href)).resolve().is_file(), href


def test_an_oversized_page_is_rendered_within_the_pixel_bound(tmp_path):
    from PIL import Image
    from reportlab.pdfgen import canvas

    from pipeline.report.evidence import MAX_PIXELS, page_images

    pdf = tmp_path / "poster.pdf"
    c = canvas.Canvas(str(pdf), pagesize=(14000, 9000))
    c.drawString(100, 100, "poster")
    c.save()
    images = page_images(pdf, "0" * 64, {1}, tmp_path / "out")
    assert (images[1].w, images[1].h) == (14000, 9000)  # PDF points, as the bboxes
    with Image.open(tmp_path / "out" / images[1].src) as image:
        assert max(image.size) <= MAX_PIXELS


def test_a_pdf_pdfium_cannot_open_gives_no_images(tmp_path):
    from pypdf import PdfReader, PdfWriter

    from pipeline.report.evidence import page_images

    writer = PdfWriter()
    writer.append(PdfReader(EXCERPT))
    writer.encrypt("secret")
    locked = tmp_path / "locked.pdf"
    writer.write(locked)
    assert page_images(locked, "1" * 64, {1, 2}, tmp_path / "out") == {}
