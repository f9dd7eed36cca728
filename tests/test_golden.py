"""Golden tests: every field of every contract table against the shared truth files."""

from __future__ import annotations

import pytest

from pipeline.extract import extract_pdf
from tests.golden import differences
from tests.truth_tables import SHARED, load_truth, truth_tables

EDITIONS = ["jisshi-keikaku-2025-excerpt", "jisshi-keikaku-full-synthetic"]


@pytest.fixture(scope="module", params=EDITIONS)
def extracted(request):
    name = request.param
    ex = extract_pdf(SHARED / f"{name}.pdf")
    return ex, truth_tables(load_truth(SHARED / f"{name}.truth.json"), ex.source.sha256)


def test_every_field_matches_the_truth(extracted):
    ex, want = extracted
    assert differences(ex.tables, want) == []


def test_no_character_is_unaccounted(extracted):
    ex, _ = extracted
    assert ex.unaccounted == 0, [p.unaccounted_text for p in ex.coverage if p.unaccounted]
    assert sum(p.assigned for p in ex.coverage) > 0.6 * sum(p.total for p in ex.coverage)


def test_declared_counts_are_read_from_the_document(extracted):
    ex, want = extracted
    doc = ex.tables["documents"].iloc[0]
    assert (doc.declared_goals, doc.declared_policies, doc.declared_items) == (4, 17, 35)
    assert (doc.plan_start_fy, doc.plan_end_fy) == (2025, 2029)


def test_every_row_carries_provenance(extracted):
    ex, _ = extracted
    for name, df in ex.tables.items():
        assert df["source_sha256"].eq(ex.source.sha256).all(), name
        if "page" in df.columns and len(df):
            assert df["page"].between(1, ex.source.page_count).all(), name


def test_golden_comparison_can_fail(extracted):
    ex, want = extracted
    broken = {k: v.copy() for k, v in ex.tables.items()}
    broken["items"].loc[0, "title"] = "違うタイトル"
    broken["items"].loc[1, "title"] = " ".join(broken["items"].loc[1, "title"])  # 「D X」
    broken["schedule"] = broken["schedule"].iloc[1:]
    diffs = differences(broken, want)
    assert any("items" in d and "title" in d for d in diffs)
    assert any(d.startswith("items (2,) title") for d in diffs)  # whitespace counts
    assert any(d.startswith("schedule") and d.endswith("missing") for d in diffs)
