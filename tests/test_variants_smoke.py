"""Smoke tests of the variant generator: the PDFs it draws hold what its returned truth says."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pdfplumber
import pytest
from reportlab.lib.pagesizes import B4, landscape

from tests.truth_tables import SHARED, load_truth, truth_tables
from tests.variants import VariantOptions, make_variant
from tests.variants.style import BAR

EXCERPT = SHARED / "jisshi-keikaku-2025-excerpt.truth.json"
FULL = SHARED / "jisshi-keikaku-full-synthetic.truth.json"

VARIANTS = {
    "plain": VariantOptions(),
    "mincho-revised": VariantOptions(font="HeiseiMin-W3", reiwa_years=True, fullwidth_digits=True,
                                     reword=True, filled_actuals=True),
    "kangxi-split": VariantOptions(kangxi=True, overview_rows_per_page=12, column_scale=1.3),
    "b4-partial": VariantOptions(page_size=landscape(B4), margins=(50, 60, 45, 60), font_size=9,
                                 column_scale=0.75, partial_bars=True, filled_actuals=True),
}


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def truth_strings(t: dict) -> list[str]:
    """Every text the returned truth says was drawn."""
    out = [g["description"] for g in t["goals"]] + [p["description"] for p in t["policies"]]
    for it in t["items"]:
        out += [it["title"], *it["departments"]]
    for p in t["projects"]:
        out += [p["name"], p["current_issues"], p["actions"], p["related_info"]]
    out += [s[k] for s in t["schedule"] for k in ("heading", "text")]
    for ind in t["indicators"]:
        out += [ind["name"], ind["baseline_text"], *(a["text"] for a in ind["actuals"].values())]
    return [s for s in out if s]


class Drawn:
    """A built variant: the returned truth and the PDF's text layer (content-stream order)."""

    def __init__(self, truth: dict, path: Path, options: VariantOptions):
        self.options = options
        self.truth = make_variant(truth, path, options)
        with pdfplumber.open(path) as pdf:
            self.page_count = len(pdf.pages)
            self.producer = pdf.metadata.get("Producer", "")
            self.chars = [[c["text"] for c in page.chars] for page in pdf.pages]
            self.bar_widths = {round(r["width"], 1) for page in pdf.pages for r in page.rects
                               if r.get("non_stroking_color") == tuple(BAR.rgb())}
        self.pages = [squash("".join(cs)) for cs in self.chars]
        self.text = "".join(self.pages)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> dict[str, Drawn]:
    truth, out = load_truth(EXCERPT), tmp_path_factory.mktemp("variants")
    return {name: Drawn(truth, out / f"{name}.pdf", opts) for name, opts in VARIANTS.items()}


@pytest.mark.parametrize("name", VARIANTS)
def test_pdf_matches_returned_truth(drawn, name):
    d = drawn[name]
    assert d.page_count == d.truth["source"]["page_count"]
    assert "LibreOffice" not in d.producer and d.producer == d.options.producer
    for it in d.truth["items"]:
        assert squash(it["title"]) in d.text
        assert squash(f"{it['item_no']} {it['title']}") in d.pages[it["page"] - 1]
    for ind in d.truth["indicators"]:
        assert squash(ind["name"]) in d.text
    for p in d.truth["projects"]:
        assert squash(p["name"]) in d.pages[p["pages"][0] - 1]
    missing = [s for s in truth_strings(d.truth) if squash(s) not in d.text]
    assert missing == []


def test_overview_split_repeats_header_on_next_page(drawn):
    d = drawn["kangxi-split"]
    item_pages = {it["item_no"]: it["page"] for it in d.truth["items"]}
    assert item_pages[12] == 2 and item_pages[13] == 3
    assert all(squash("35の実施項目") in d.pages[p - 1] for p in (2, 3))
    policy6 = squash("6 " + next(p["title"] for p in d.truth["policies"] if p["policy_no"] == 6))
    assert policy6 in d.pages[1] and policy6 not in d.pages[2]  # merged cell: text in first part only


def test_long_schedule_block_continues_on_next_page(tmp_path):
    truth = load_truth(EXCERPT)
    bar = next(s for s in truth["schedule"] if s["item_no"] == 9 and s["track"] == "plan_actual")
    truth["schedule"] += [dict(bar, bar_seq=k, heading=f"見出し{k}", text=f"取組{k}")
                          for k in range(2, 17)]
    d = Drawn(truth, tmp_path / "long.pdf", VariantOptions())
    project = next(p for p in d.truth["projects"] if p["item_no"] == 9)
    assert len(project["pages"]) > 1
    assert all(squash(f"取組{k}") in d.text for k in range(2, 17))
    labels = sum(page.count("計画/実績") for page in d.pages)
    assert labels == len({(s["item_no"], s["project_seq"], s["block_seq"])
                          for s in d.truth["schedule"] if s["track"] == "plan_actual"})


def test_kangxi_code_points_reach_the_text_layer(drawn):
    kangxi = {c for cs in drawn["kangxi-split"].chars for c in cs}
    plain = {c for cs in drawn["plain"].chars for c in cs}
    assert "\u2f8f" in kangxi and "行" not in kangxi
    assert "\u2f8f" not in plain and "行" in plain


def test_partial_bars_change_fiscal_years_and_drawing(drawn):
    spans = {(s["start_fy"], s["end_fy"]) for s in drawn["b4-partial"].truth["schedule"]}
    assert {(2025, 2029), (2025, 2026), (2027, 2029)} <= spans
    assert {(s["start_fy"], s["end_fy"]) for s in drawn["plain"].truth["schedule"]} == {(2025, 2029)}
    assert len(drawn["b4-partial"].bar_widths) > 1 and len(drawn["plain"].bar_widths) == 1


def test_filled_actuals_are_in_truth_and_pdf(drawn):
    d = drawn["b4-partial"]
    actuals = truth_tables(d.truth)["actuals"]
    assert len(actuals) >= len(d.truth["indicators"])
    assert set(actuals["fiscal_year"]) >= {2025, 2029}
    assert (actuals["text"] == "2,100者").any() and (actuals["value"] == 2100).any()
    assert all(squash(t) in d.text for t in actuals["text"])
    assert truth_tables(drawn["plain"].truth)["actuals"].empty


def test_numerals_and_revision(drawn):
    d = drawn["mincho-revised"]
    assert squash("令和7年度") in d.text and "２" in "".join(d.chars[2])
    assert squash("工程表令和7年度令和8年度") in d.text and "工程表2025" not in d.text
    assert d.truth["source"]["edition"] == "2026-03"
    baseline = {i["indicator_id"]: i["baseline_text"] for i in d.truth["indicators"]}
    assert baseline["9-1"] == "２１０者"
    original = {it["item_no"]: it["title"] for it in load_truth(EXCERPT)["items"]}
    assert any(it["title"] != original[it["item_no"]] for it in d.truth["items"])


@pytest.mark.slow
def test_full_synthetic_edition(tmp_path):
    d = Drawn(load_truth(FULL), tmp_path / "full.pdf", VariantOptions(partial_bars=True, reword=True))
    assert d.page_count == d.truth["source"]["page_count"] > 40
    assert [s for s in truth_strings(d.truth) if squash(s) not in d.text] == []
    assert any(len(p["pages"]) > 1 for p in d.truth["projects"])
