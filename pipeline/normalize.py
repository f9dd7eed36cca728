"""Normalizers for what the PDF prints: text, fiscal years, numbers with units.

Pure functions of strings, property-tested in tests/test_normalize.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Unicode's Equivalent_Unified_Ideograph property: CJK radicals (Supplement U+2E80–U+2EFF,
#: Kangxi U+2F00–U+2FDF) and CJK strokes → the unified ideograph they look like. Generated
#: from the UCD by scripts/build_lookalikes.py (its header names the Unicode version).
_EQUIVALENT_IDEOGRAPHS = Path(__file__).with_name("data") / "equivalent_unified_ideograph.tsv"


#: Punctuation look-alikes that NFKC leaves alone, and the character a Japanese reader sees.
#: Browsers and some fonts put these in the text layer for the katakana middle dot 「・」.
PUNCTUATION_LOOKALIKES = {
    "\u2027": "・",  # HYPHENATION POINT (Chromium's print of 年・年度)
    "\u00b7": "・",  # MIDDLE DOT
    "\u2219": "・",  # BULLET OPERATOR
    "\u22c5": "・",  # DOT OPERATOR
    "\u2e31": "・",  # WORD SEPARATOR MIDDLE DOT
}


def _lookalike_table() -> dict[int, str]:
    table = {}
    for line in _EQUIVALENT_IDEOGRAPHS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, ideograph = line.split("\t")[:2]
            table[int(code, 16)] = chr(int(ideograph, 16))
    return table | {ord(k): v for k, v in PUNCTUATION_LOOKALIKES.items()}


#: code point → what a reader sees, for every look-alike this module folds
LOOKALIKES: dict[int, str] = _lookalike_table()


#: Japanese era → Western year of its 元年 (first year).
ERAS = {"令和": 2019, "平成": 1989, "昭和": 1926, "R": 2019, "H": 1989}


_FY = re.compile(r"^(?:FY)?(?:(?P<era>令和|平成|昭和|R|H)(?P<eno>元|\d{1,2})|(?P<west>(?:19|20)\d{2}))(?:年度?)?$")
_NUMBER = re.compile(r"^(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(?P<unit>.*)$")


#: C0/C1 control characters but the typed line break: a glyph mapped to one (a tab, a CR,
#: U+0000 for a font's missing glyph) is layout or nothing, never content of a table.
_CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def nfkc(text: str) -> str:
    """Look-alikes folded (⺠ U+2EA0 → 民, ‧ U+2027 → ・), then Unicode NFKC: full-width ASCII
    → ASCII, Kangxi radicals (U+2F8F ⾏) → 行, ㈱ → (株); control characters (but ``\\n``)
    become a space, which layout trimming then treats as such."""
    return _CONTROLS.sub(" ", unicodedata.normalize("NFKC", text.translate(LOOKALIKES)))


def suspects(text: str) -> Counter[str]:
    """Code points in raw PDF text whose reading is a repair or a guess, by kind.

    ``lookalike``: a radical or punctuation look-alike that :func:`nfkc` folds;
    ``private_use``: a private-use code point (its meaning is the font's own secret).
    """
    kinds: Counter[str] = Counter()
    for ch in text:
        if ord(ch) in LOOKALIKES:
            kinds["lookalike"] += 1
        elif unicodedata.category(ch) == "Co":
            kinds["private_use"] += 1
    return kinds


@lru_cache(maxsize=4096)  # the readers compare the vocabulary's words again and again
def label_key(text: str) -> str:
    """A label, header or heading word as the readers compare it: NFKC with every layout
    whitespace removed (spaces, ideographic spaces, line breaks), so that 「事 業」 (均等割付),
    「参考\n指標」 (a wrapped header) and 事業 are one label. Used on both sides of a match."""
    return "".join(nfkc(text).split())


def is_label(text: str, *words: str) -> bool:
    """Is ``text`` one of ``words``, layout whitespace ignored?"""
    key = label_key(text)
    return any(key == label_key(w) for w in words)


def clean(text: str) -> str:
    """NFKC with layout whitespace trimmed (inner single spaces kept)."""
    return re.sub(r"[ \t\u3000]+", " ", nfkc(text)).strip()


_YEAR_MONTH = re.compile(r"(?:(?P<era>令和|平成)(?P<eno>元|\d{1,2})|(?P<west>\d{4}))年\s*(?P<month>\d{1,2})月")


def year_month(text: str) -> tuple[int, int] | None:
    """The first ``2025年3月`` / ``令和7年3月`` in ``text`` as (2025, 3)."""
    m = _YEAR_MONTH.search(clean(text).replace(" ", ""))
    if not m:
        return None
    if m["west"]:
        return int(m["west"]), int(m["month"])
    era_no = 1 if m["eno"] == "元" else int(m["eno"])
    return ERAS[m["era"]] + era_no - 1, int(m["month"])


def fiscal_year(text: str) -> int | None:
    """``2024年度`` / ``令和6年度`` / ``２０２４年度`` / ``R6`` / ``FY2024`` / ``2024`` → 2024.

    None when the text is not a year on its own (``実績``, ``二〇二四年度``, ``12``).
    """
    m = _FY.match(clean(text).replace(" ", ""))
    if not m:
        return None
    if m["west"]:
        return int(m["west"])
    era_no = 1 if m["eno"] == "元" else int(m["eno"])
    return ERAS[m["era"]] + era_no - 1


@dataclass(frozen=True)
class Quantity:
    value: float | None
    unit: str | None
    text: str


def quantity(text: str, none_marks: tuple[str, ...], units: tuple[str, ...]) -> Quantity | None:
    """``1,234件`` → 1234.0 件; ``▲1.5%`` → -1.5 %; a none mark (``―``) → value None;
    None when unparseable.

    The unit must be one of ``units`` (the vocabulary's list), so that a misread cell is
    reported instead of turned into a strange unit. ▲/△ are the Japanese minus signs.
    """
    t = clean(text).replace(" ", "")
    if t in {nfkc(m) for m in none_marks}:
        return Quantity(None, None, t)
    m = _NUMBER.match(re.sub(r"^[▲△]", "-", t))
    if not m:
        return None
    unit = m["unit"] or None
    if unit is not None and unit not in {nfkc(u) for u in units}:
        return None
    return Quantity(float(m["num"].replace(",", "")), unit, t)


def leading_number(text: str) -> tuple[int, str] | None:
    """``12 官民協調投資の推進`` → (12, ``官民協調投資の推進``); None without a leading number."""
    m = re.match(r"^\s*(\d+)[\s.．、:]*(.*)$", nfkc(text), re.S)
    if not m:
        return None
    return int(m[1]), m[2].strip()
