"""Property tests for the normalizers: fiscal years, quantities, leading numbers."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.normalize import ERAS, fiscal_year, leading_number, nfkc, quantity
from pipeline.vocabulary import DEFAULT

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
units = st.sampled_from(DEFAULT.units)


@given(st.integers(1990, 2099))
def test_western_and_fullwidth_years(year):
    assert fiscal_year(f"{year}年度") == year
    assert fiscal_year(f"{year}年度".translate(FULLWIDTH)) == year
    assert fiscal_year(f" {year} 年度 ") == year


@given(st.integers(1, 30))
def test_reiwa_years(n):
    assert fiscal_year(f"令和{n}年度") == 2018 + n
    assert fiscal_year(f"令和{str(n).translate(FULLWIDTH)}年度") == 2018 + n


def test_era_first_year_and_heisei():
    assert fiscal_year("令和元年度") == 2019
    assert fiscal_year("平成31年度") == 2019
    assert ERAS["令和"] == 2019


@pytest.mark.parametrize("text", ["2025", "FY2025", "R7", "令和7", "2025年"])
def test_short_year_forms(text):
    assert fiscal_year(text) == 2025


@pytest.mark.parametrize("text", ["", "年度", "25", "1234", "実績", "令和年度", "二〇二五年度", "2025年度末"])
def test_not_a_year(text):
    assert fiscal_year(text) is None


@given(st.integers(0, 10**9), units)
def test_integer_quantities_with_thousands_separators(n, unit):
    q = quantity(f"{n:,}{unit}", DEFAULT.none_marks, DEFAULT.units)
    assert q is not None and q.value == n and q.unit == nfkc(unit)


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False), units)
def test_decimal_quantities_and_fullwidth(d, unit):
    text = f"{d}{unit}".translate(FULLWIDTH)
    q = quantity(text, DEFAULT.none_marks, DEFAULT.units)
    assert q is not None and q.value == pytest.approx(float(d)) and q.unit == nfkc(unit)
    assert q.text == nfkc(text)


@pytest.mark.parametrize("text", ["▲1.5%", "△1.5%", "-1.5%", "－１．５％"])
def test_negative_values(text):
    q = quantity(text, DEFAULT.none_marks, DEFAULT.units)
    assert q is not None and q.value == -1.5 and q.unit == "%" and q.text == nfkc(text)


@pytest.mark.parametrize("mark", DEFAULT.none_marks)
def test_none_marks_are_null_not_errors(mark):
    q = quantity(mark, DEFAULT.none_marks, DEFAULT.units)
    assert q is not None and q.value is None and q.unit is None


@pytest.mark.parametrize("text", ["", "約200者", "12.5 hours", "1,2,3件", "abc", "12..5%"])
def test_unparseable_quantities_are_none(text):
    assert quantity(text, DEFAULT.none_marks, DEFAULT.units) is None


@given(st.integers(1, 999), st.text(alphabet="官民共創スペースの運営★ABC", min_size=1, max_size=20))
def test_leading_number(n, title):
    assert leading_number(f"{n} {title}") == (n, title.strip())
    assert leading_number(f"{str(n).translate(FULLWIDTH)}　{title}") == (n, title.strip())


@given(st.text())
def test_nfkc_is_idempotent(text):
    controls_as_spaces = "".join(" " if unicodedata.category(c) == "Cc" and c != "\n" else c
                                 for c in unicodedata.normalize("NFKC", text))
    assert nfkc(nfkc(text)) == nfkc(text) == controls_as_spaces


def test_kangxi_radicals_become_kanji():
    assert nfkc("\u2f8f\u653f") == "行政"


def test_year_month_reads_western_and_era_dates():
    from pipeline.normalize import year_month

    assert year_month("2025年3月策定") == (2025, 3)
    assert year_month("令和8年３月改定") == (2026, 3)
    assert year_month("策定") is None
