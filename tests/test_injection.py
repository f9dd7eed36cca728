"""Text from the PDF is data: no spreadsheet formula in any CSV, no HTML in changes.md, no
control character in a table (issue 11, items 11–13)."""

from __future__ import annotations

import copy
import csv
import json
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.formulas import neutralise, restore
from pipeline.normalize import nfkc
from tests.truth_tables import SHARED, load_truth
from tests.variants import VariantOptions, make_variant

NO_PARAMS = ["--params", "/nonexistent/params.yaml"]
EXCERPT = SHARED / "jisshi-keikaku-2025-excerpt.pdf"
TRIGGERS = "=+-@\t\r"
FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1,2)", "＝ＳＵＭ（１，２）"]
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


@given(st.text(alphabet=st.sampled_from(list(TRIGGERS + "'1.5eA総x ")), max_size=8) | st.text())
def test_neutralise_is_reversible_and_leaves_no_formula(text):
    out = neutralise(text)
    assert restore(out) == text
    assert out == text or out == "'" + text
    if out and out[0] in TRIGGERS:
        assert float(out) == float(text)  # only numbers keep a leading sign


@pytest.mark.parametrize("number", ["-1.5", "+3", "-0", "12", "-2e3", ".5"])
def test_numbers_are_untouched(number):
    assert neutralise(number) == number


@pytest.mark.parametrize("text", [*FORMULAS[:4], "\tx", "\rx", "'=1"])
def test_formulas_get_one_quote(text):
    assert neutralise(text) == "'" + text


@given(st.text())
def test_nfkc_leaves_no_control_character_but_the_line_break(text):
    assert not CONTROL.search(nfkc(text))
    assert nfkc(text).count("\n") == text.count("\n")


@pytest.fixture(scope="module")
def hostile_edition(tmp_path_factory):
    """The excerpt redrawn (embedded TrueType, as reportlab writes it: a tab comes out as
    U+0000) with formulas, HTML and a leading tab in its titles; extracted, exported and
    diffed against the published excerpt."""
    tmp = tmp_path_factory.mktemp("hostile")
    truth = copy.deepcopy(load_truth(SHARED / "jisshi-keikaku-2025-excerpt.truth.json"))
    truth["items"][0]["title"] = "\t" + truth["items"][0]["title"]
    truth["items"][1]["title"] = "\r" + truth["items"][1]["title"]
    for item, formula in zip(truth["items"][2:], FORMULAS):
        item["title"] = formula
    truth["indicators"][0]["name"] = '<script>alert("x")</script>[link](javascript:alert(1))'
    truth["source"]["edition"] = "2026-03"
    pdf = tmp / "hostile.pdf"
    make_variant(truth, pdf, VariantOptions(kangxi=True))
    staged = tmp / "staged"
    assert main([*NO_PARAMS, "extract", str(EXCERPT), str(pdf), "--out", str(staged)]) == 0
    assert main([*NO_PARAMS, "export", str(staged), "--out", str(tmp / "exports")]) == 0
    assert main([*NO_PARAMS, "editions-diff", str(staged), "--out", str(tmp / "diff")]) == 0
    return tmp


def test_no_control_character_reaches_a_table(hostile_edition):
    titles = pd.read_parquet(hostile_edition / "staged" / "items.parquet").title
    assert "相談・申請手続の利便性向上" in set(titles)
    for table in (hostile_edition / "staged").glob("*.parquet"):
        for column, values in pd.read_parquet(table).select_dtypes("object").items():
            bad = [v for v in values if isinstance(v, str) and CONTROL.search(v)]
            assert not bad, f"{table.name}.{column}: {bad[:3]}"


def _csv_cells(path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [cell for row in csv.reader(f) for cell in row]


def test_exports_and_changes_csv_carry_no_formula(hostile_edition):
    files = [*(hostile_edition / "exports").glob("*.csv"), hostile_edition / "diff" / "changes.csv"]
    for path in files:
        for cell in _csv_cells(path):
            if cell[:1] in TRIGGERS and cell:
                assert re.fullmatch(r"[+-]?[\d.]+(e[+-]?\d+)?", cell), f"{path.name}: {cell!r}"
    items = _csv_cells(hostile_edition / "exports" / "items.csv")
    changes = _csv_cells(hostile_edition / "diff" / "changes.csv")
    for formula in FORMULAS:
        assert "'" + nfkc(formula) in items
        assert "'" + nfkc(formula) in changes
    package = json.loads((hostile_edition / "exports" / "datapackage.json").read_text(encoding="utf-8"))
    assert "^'+[=+\\-@\\t\\r]" in package["description"]


def test_changes_md_shows_html_as_text(hostile_edition):
    md = (hostile_edition / "diff" / "changes.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "&lt;script&gt;alert(\"x\")&lt;/script&gt;" in md
    assert "\\[link\\](javascript:alert(1))" in md
