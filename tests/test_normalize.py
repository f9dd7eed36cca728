"""Property tests for the normalizers: fiscal years, quantities, leading numbers."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.normalize import (
    ERAS, LOOKALIKES, fiscal_year, is_label, label_key, leading_number, nfkc, quantity, suspects,
)
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
    folded = unicodedata.normalize("NFKC", text.translate(LOOKALIKES))
    controls_as_spaces = "".join(" " if unicodedata.category(c) == "Cc" and c != "\n" else c
                                 for c in folded)
    assert nfkc(nfkc(text)) == nfkc(text) == controls_as_spaces


def test_kangxi_radicals_become_kanji():
    assert nfkc("\u2f8f\u653f") == "行政"


def test_year_month_reads_western_and_era_dates():
    from pipeline.normalize import year_month

    assert year_month("2025年3月策定") == (2025, 3)
    assert year_month("令和8年３月改定") == (2026, 3)
    assert year_month("策定") is None


# -- look-alike code points --------------------------------------------------------------

LOOKALIKE_CHARS = st.sampled_from(sorted(map(chr, LOOKALIKES)))
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@given(st.lists(st.one_of(LOOKALIKE_CHARS, TEXT), max_size=8).map("".join))
def test_no_lookalike_survives_and_each_is_counted(text):
    folded = nfkc(text)
    assert not any(ord(c) in LOOKALIKES for c in folded)
    assert suspects(text)["lookalike"] == sum(ord(c) in LOOKALIKES for c in text)


@given(LOOKALIKE_CHARS)
def test_a_lookalike_becomes_one_character_a_reader_sees(ch):
    folded = nfkc(ch)
    assert len(folded) == 1
    assert unicodedata.name(folded).startswith(("CJK UNIFIED IDEOGRAPH", "KATAKANA MIDDLE DOT"))


@given(TEXT.filter(lambda t: not any(ord(c) in LOOKALIKES for c in t)))
def test_text_without_lookalikes_has_none_counted(text):
    assert suspects(text)["lookalike"] == 0


def test_the_table_is_unicodes_and_agrees_with_nfkc_on_kangxi_radicals():
    """Equivalent_Unified_Ideograph (the committed table) and NFKC (Python's own UCD) are two
    independent sources: on the Kangxi radicals, where both have a mapping, they agree."""
    kangxi = [cp for cp in LOOKALIKES if 0x2F00 <= cp <= 0x2FDF]
    assert len(kangxi) == 214
    assert all(LOOKALIKES[cp] == unicodedata.normalize("NFKC", chr(cp)) for cp in kangxi)
    assert sum(0x2E80 <= cp <= 0x2EFF for cp in LOOKALIKES) > 100


@pytest.mark.parametrize(("raw", "seen"), [
    ("\u2ea0間", "民間"), ("\u2ed1期", "長期"), ("年\u2027年度", "年・年度"), ("\u2f8f政", "行政"),
    ("現状\u00b7課題", "現状・課題"),
])
def test_browser_lookalikes_read_as_printed(raw, seen):
    assert nfkc(raw) == seen
    assert suspects(raw)["lookalike"] == 1


def test_private_use_is_suspect_but_kept():
    assert nfkc("\ue000") == "\ue000"
    assert suspects("a\ue000\U000f0001")["private_use"] == 2


# -- label matching ----------------------------------------------------------------------

LABEL_WORDS = st.sampled_from([DEFAULT.project, DEFAULT.actions, DEFAULT.current_issues,
                               DEFAULT.indicator, *DEFAULT.baseline_year, *DEFAULT.plan_actual])


@given(LABEL_WORDS, st.lists(st.sampled_from([" ", "\u3000", "\n", "  "]), min_size=1, max_size=8),
       st.randoms())
def test_a_label_matches_however_it_is_spaced(word, spaces, rnd):
    """均等割付 or spaces typed by hand (「事　業」), a wrapped header: still the label."""
    chars = list(word)
    for s in spaces:
        chars.insert(rnd.randint(0, len(chars)), s)
    assert is_label("".join(chars), word)
    assert label_key("".join(chars)) == label_key(word)


@given(LABEL_WORDS, LABEL_WORDS)
def test_labels_differ_by_their_glyphs_not_their_spacing(a, b):
    assert is_label(a, b) == (label_key(a) == label_key(b))
    assert not is_label(a + "等", a)
