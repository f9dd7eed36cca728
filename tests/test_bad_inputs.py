"""Each kind of bad input is refused with the right class and a reason naming it: by
open_pdf before extraction, or (no text layer) from the first pages the extractor reads."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest

from pipeline import errors
from pipeline.extract import extract_pdf
from pipeline.limits import Limits, page_timeout
from pipeline.source import open_pdf, pdf_errors
from tests.bad_inputs import (BAD_INPUTS, EXCERPT, FULL, USER_PASSWORD, BadInput, encrypted,
                              unrelated_pdf)
from tests.truth_tables import sha256_of


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=lambda b: b.name)
def test_bad_input_raises_its_class_with_a_reason(bad: BadInput, tmp_path):
    path = bad.make(tmp_path)
    with pytest.raises(errors.PlanExtractError) as caught:
        extract_pdf(path, workers=1)
    assert type(caught.value) is bad.error, caught.value.one_line()
    assert re.search(bad.reason, caught.value.reason), caught.value.reason
    assert caught.value.file == str(path)
    line = caught.value.one_line()
    assert "\n" not in line and line.startswith(f"plan-extract: {path}: ")


@pytest.mark.parametrize("path, pages", [(EXCERPT, 6), (FULL, 66)], ids=["excerpt", "full"])
def test_good_pdfs_open(path, pages):
    source = open_pdf(path)
    assert source.sha256 == sha256_of(path)
    assert source.page_count == pages
    assert source.metadata["Producer"].startswith("LibreOffice")
    with source.open() as pdf:
        assert len(pdf.pages) == pages
        assert pdf.pages[0].chars


@pytest.mark.parametrize("algorithm", ["AES-256", "AES-128"])
def test_encrypted_opens_with_the_right_password_only(algorithm, tmp_path):
    path = encrypted(tmp_path, algorithm=algorithm)
    with pytest.raises(errors.EncryptedPdfError, match="given --password is wrong"):
        open_pdf(path, password="wrong")
    source = open_pdf(path, password=USER_PASSWORD)
    assert source.page_count == 6
    assert "secret" not in repr(source)
    with source.open() as pdf:
        assert len(pdf.pages[1].chars) > 100


def test_owner_password_only_opens_without_a_password(tmp_path):
    source = open_pdf(encrypted(tmp_path, user_password=""))
    assert source.page_count == 6


def test_unrelated_valid_pdf_opens(tmp_path):
    source = open_pdf(unrelated_pdf(tmp_path))
    assert source.page_count == 1
    assert source.metadata["Title"] == "Meeting minutes"


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(errors.UsageError, match="no such file"):
        open_pdf(tmp_path / "nope.pdf")


def test_limits_refuse_big_files_and_many_pages(tmp_path):
    with pytest.raises(errors.ResourceLimitError, match=r"file is 0.189 MB, over the limit of 0.000954 MB"):
        open_pdf(EXCERPT, limits=Limits(max_file_bytes=1000))
    with pytest.raises(errors.ResourceLimitError, match=r"has 6 pages, over the limit of 5"):
        open_pdf(EXCERPT, limits=Limits(max_pages=5))


def test_pdf_errors_blames_the_file_only_for_library_failures():
    source = open_pdf(EXCERPT)
    with pytest.raises(errors.DamagedPdfError,
                       match=r"pdfminer cannot read it \(PDFObjectNotFound"):
        with source.open() as pdf:
            pdf.doc.getobj(10_000)  # raised inside pdfminer: the file's fault
    with pytest.raises(KeyError):
        with pdf_errors("x.pdf"):
            {}["our bug"]  # raised in our code: propagates unchanged
    with pytest.raises(errors.ResourceLimitError) as caught:
        with pdf_errors("x.pdf"):
            raise MemoryError
    assert caught.value.file == "x.pdf"


def test_page_timeout_interrupts_a_runaway_loop_and_restores_an_outer_timer():
    with pytest.raises(errors.ResourceLimitError, match=r"page 3 took longer than 0.05 s"):
        with page_timeout(0.05, "page 3"):
            while True:
                pass
    with page_timeout(5):  # the outer timer survives an inner one that finished in time
        with page_timeout(1):
            pass
        assert 4 < signal.getitimer(signal.ITIMER_REAL)[0] <= 5
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0


def test_page_timeout_swallowed_inside_the_body_is_raised_on_exit():
    """pdfminer catches broadly in places; a timeout it swallows must still end the page."""
    with pytest.raises(errors.ResourceLimitError, match=r"page 4 took longer than 0.02 s"):
        with page_timeout(0.02, "page 4"):
            try:
                while True:
                    pass
            except Exception:  # noqa: BLE001  (what a lenient library does)
                pass
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0


def test_memory_limit_turns_a_runaway_allocation_into_a_resource_error():
    code = (
        "from pipeline.limits import apply_memory_limit, MiB\n"
        "from pipeline.source import pdf_errors\n"
        "from pipeline.errors import ResourceLimitError\n"
        "apply_memory_limit(1024 * MiB)\n"
        "try:\n"
        "    with pdf_errors('big.pdf'):\n"
        "        bytearray(2048 * MiB)\n"
        "except ResourceLimitError as e:\n"
        "    print(e.one_line())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert out.strip() == ("plan-extract: big.pdf: ran out of memory (limit 1024 MB in this "
                           "process: limits.memory_mb) while reading the PDF")


def test_a_timeout_inside_pdfminer_stays_a_resource_error_naming_the_file():
    source = open_pdf(EXCERPT)
    with pytest.raises(errors.ResourceLimitError, match="page 2 took longer") as caught:
        with source.open() as pdf:
            with page_timeout(0.001, "page 2"):
                pdf.pages[1].chars  # pdfplumber wraps what pdfminer raises; it is unwrapped
    assert caught.value.file == str(EXCERPT)
