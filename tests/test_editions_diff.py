"""A revised edition against the published one: the diff lists what changed, and only that."""

from __future__ import annotations

import pandas as pd

from pipeline.cli import main
from pipeline.compare.apply import apply_changes
from pipeline.compare.diff import KEY_COLUMNS, diff_tables
from pipeline.compare.staged import load_staged
from tests.truth_tables import SHARED, load_truth, sha256_of, truth_tables
from tests.variants import VariantOptions, make_variant

NO_PARAMS = ["--params", "/nonexistent/params.yaml"]
EXCERPT = SHARED / "jisshi-keikaku-2025-excerpt.pdf"


def _facts(changes: pd.DataFrame) -> set[tuple]:
    """What changed where (respellings and whitespace included: the extraction keeps both)."""
    return {tuple(r) for r in changes[["table", *KEY_COLUMNS, "field", "change"]].astype(str).itertuples(index=False)}


def test_revised_edition_diff_matches_the_truth_diff(tmp_path):
    published = load_truth(SHARED / "jisshi-keikaku-2025-excerpt.truth.json")
    revised_pdf = tmp_path / "jisshi-keikaku-2026-revised.pdf"
    next_year = {**published, "source": {**published["source"], "edition": "2026-03"}}
    revised = make_variant(next_year, revised_pdf, VariantOptions(
        reword=True, filled_actuals=True, partial_bars=True, reiwa_years=True))
    staged, diff = tmp_path / "staged", tmp_path / "diff"
    assert main([*NO_PARAMS, "extract", str(EXCERPT), str(revised_pdf), "--out", str(staged)]) == 0
    assert main([*NO_PARAMS, "editions-diff", str(staged), "--out", str(diff)]) == 0
    # both editions side by side in one open-data package (keys hold per source PDF)
    assert main([*NO_PARAMS, "export", str(staged), "--out", str(tmp_path / "exports")]) == 0

    got = pd.read_parquet(diff / "changes.parquet")
    want = diff_tables(truth_tables(published), truth_tables(revised))
    assert _facts(got) == _facts(want)
    # old + changes = new on what was extracted, too
    old_tables = load_staged(staged, sha256_of(EXCERPT))
    new_tables = load_staged(staged, sha256_of(revised_pdf))
    assert apply_changes(old_tables, got) == apply_changes(new_tables, diff_tables(new_tables, new_tables))

    filled = {(i["indicator_id"], fy) for i in revised["indicators"] for fy in i["actuals"]}
    added = got[(got.table == "actuals") & (got.change == "added")]
    assert filled and set(zip(added.indicator_id, added.fiscal_year)) == {(i, int(fy)) for i, fy in filled}
    spans = got[(got.table == "schedule") & got.field.isin(["start_fy", "end_fy"])]
    assert len(spans) > 0
    assert "## 参考指標の実績値" in (diff / "changes.md").read_text(encoding="utf-8")


def test_same_edition_twice_is_refused_naming_both_files(tmp_path, capsys):
    """Two files of one edition (another print, same date): which is current cannot be told."""
    staged = tmp_path / "staged"
    copy = tmp_path / "copy.pdf"
    copy.write_bytes(EXCERPT.read_bytes() + b"\n")  # another file, same content
    assert main([*NO_PARAMS, "extract", str(EXCERPT), str(copy), "--out", str(staged)]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"plan-extract: {copy}: edition 2025-03 again (already in {EXCERPT}): two files of one "
        "edition, which one is current cannot be told; keep one of them")
    assert not staged.exists()
