"""The validation result as its own page (GX Data Docs' content): every expectation, its
Japanese statement, observed value and offending rows; linked from the report."""

from __future__ import annotations

import html
import re

from pipeline.stages import report_stage
from pipeline.validate import validate_dir, write_report
from pipeline.validate.docs import PAGE, render_validation_page
from tests.test_export import excerpt_tables, stage


def _staged_with_a_defect(tmp_path):
    tables = excerpt_tables()
    tables["items"] = tables["items"][tables["items"].item_no != 17].reset_index(drop=True)
    return stage(tmp_path / "staged", tables)


def test_every_expectation_with_japanese_statement_observed_value_and_offending_rows(tmp_path):
    result = validate_dir(_staged_with_a_defect(tmp_path))
    page = render_validation_page(vars(result))
    rows = re.findall(r'<tr class="(failed)?">', page)
    assert len(rows) == len(result.results) > 50
    assert len([r for r in rows if r]) == len([r for r in result.results if not r["success"]]) > 0
    for r in result.results:
        assert html.escape(r["description_ja"], quote=False) in page
    failed = next(r for r in result.results if not r["success"] and r["offending"])
    for line in failed["offending"]:
        assert html.escape(line) in page
    assert "不合格" in page and "17" in page


def test_text_from_the_pdf_is_escaped():
    page = render_validation_page({"ok": False, "failures": ["<script>alert(1)</script>", "goals: x"], "results": [
        {"suite": "goals", "suite_ja": "目標", "description_ja": "<b>x</b>", "success": False,
         "expectation_type": "expect_x", "edition": "2025-03", "observed_value": ["<img>"],
         "unexpected_count": 1, "offending": ["<i>row</i>"], "error": None}]})
    assert "<script>" not in page and "&lt;script&gt;" in page  # a failure no expectation stands for
    assert "<b>x</b>" not in page and "<img>" not in page and "<i>row" not in page


def test_report_writes_the_page_and_links_it(tmp_path):
    staged = _staged_with_a_defect(tmp_path)
    validation = tmp_path / "validation.json"
    write_report(validate_dir(staged), validation)
    index = report_stage(staged, tmp_path / "reports", validation, None)
    assert (index.parent / PAGE).is_file()
    assert f'href="{PAGE}"' in index.read_text(encoding="utf-8")
    assert 'href="index.html"' in (index.parent / PAGE).read_text(encoding="utf-8")
