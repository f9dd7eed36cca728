"""What every viewer opens is read: a banner before the header, padding after %%EOF, a
cross-reference table that is missing or wrong. The repair is recorded (``SourcePdf.repairs``,
``coverage.json``); what cannot be read whole is still refused (tests/test_bad_inputs.py)."""

from __future__ import annotations

import json
import re

import pytest

from pipeline import errors
from pipeline.extract import extract_pdf
from pipeline.source import open_pdf
from pipeline.stages import coverage_json
from tests.bad_inputs import EXCERPT
from tests.golden import differences
from tests.truth_tables import REALPDF, load_truth, truth_tables

REBUILT = "cross-reference table rebuilt by scanning the file's objects"

#: The real-world PDFs (none is the plan) and what each needed before it could be read.
REAL = {
    "issue-848.pdf": ["247 bytes before the %PDF- header skipped", REBUILT],  # print banner
    "issue-297.pdf": [REBUILT],  # xref offsets that point to the wrong bytes
    "simple1.pdf": [REBUILT],  # no startxref at all
    "simple3.pdf": [REBUILT],
    "contrib__issue-1113-evil-xobjects.pdf": [REBUILT],
    "selenium-pypdf-issue-177.pdf": ["20480 bytes of padding after %%EOF ignored"],
}


@pytest.mark.parametrize("name", REAL)
def test_real_pdfs_viewers_open_are_read_and_their_repair_recorded(name):
    source = open_pdf(REALPDF / name)
    assert [r[:len(REBUILT)] if r.startswith(REBUILT) else r for r in source.repairs] == REAL[name]
    with pytest.raises(errors.NotAPlanError):  # read, then found not to be the plan: exit 14
        extract_pdf(REALPDF / name, workers=1)


def _banner(data: bytes) -> bytes:
    return b"Printed by lp on print-01, job 4711, user kikaku\n" * 3 + data


def _no_startxref(data: bytes) -> bytes:
    return re.sub(rb"startxref\s+\d+\s+%%EOF", b"%%EOF", data)


def _startxref_past_the_end(data: bytes) -> bytes:
    return re.sub(rb"startxref\s+\d+", b"startxref\n99999999", data)


def _padded(data: bytes) -> bytes:
    return data + b"\0" * 4096


@pytest.mark.parametrize("damage, repairs", [
    (_banner, ["147 bytes before the %PDF- header skipped", REBUILT]),
    (_no_startxref, [REBUILT]),
    (_startxref_past_the_end, [REBUILT]),
    (_padded, ["4096 bytes of padding after %%EOF ignored"]),
], ids=["banner", "no-startxref", "startxref-past-the-end", "padded"])
def test_a_repairable_plan_extracts_exactly_and_says_what_was_repaired(damage, repairs, tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(damage(EXCERPT.read_bytes()))
    ex = extract_pdf(path, workers=1)
    assert differences(ex.tables, truth_tables(load_truth(EXCERPT.with_suffix(".truth.json")),
                                               ex.source.sha256)) == []
    assert ex.unaccounted == 0
    recorded = json.loads(json.dumps(coverage_json([ex])))["sources"][0]["repairs"]
    assert [r[:len(REBUILT)] if r.startswith(REBUILT) else r for r in recorded] == repairs


def test_a_clean_pdf_records_no_repair():
    assert open_pdf(EXCERPT).repairs == ()


def test_a_header_further_in_than_viewers_look_is_not_a_pdf(tmp_path):
    path = tmp_path / "late.pdf"
    path.write_bytes(b"x" * 1024 + EXCERPT.read_bytes())
    with pytest.raises(errors.NotPdfError, match=r"is not a PDF \(starts with b'xxxx"):
        open_pdf(path)


@pytest.mark.parametrize("count, repair", [
    (b"/Count 9", "page tree declares 9 pages; read its 6 pages, all the file has"),
    (b"/Cnunt 6", "page tree has no page count; read its 6 pages, all the file has"),
], ids=["count-off", "count-missing"])
def test_a_page_tree_count_viewers_ignore_is_recorded_not_refused(count, repair, tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(EXCERPT.read_bytes().replace(b"/Count 6", count, 1))
    source = open_pdf(path)
    assert (source.page_count, source.repairs) == (6, (repair,))
