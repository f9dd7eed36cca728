"""How numbers, fiscal years and kanji are printed in a variant (the truth keeps Western ints)."""

from __future__ import annotations

import unicodedata

REIWA_ORIGIN = 2018  # 令和1年 = 2019

_FULLWIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")

#: Kangxi radical code points whose NFKC form is a common kanji of the plan text (U+2F8F ⾏ → 行 …).
KANGXI: dict[str, str] = {
    unicodedata.normalize("NFKC", radical): radical
    for radical in map(chr, (0x2F8F, 0x2F42, 0x2F64, 0x2F12, 0x2F08, 0x2FA7, 0x2F63, 0x2F45, 0x2F92))
}
_TO_KANGXI = str.maketrans(KANGXI)

#: What a browser's print-to-PDF writes in the text layer for some characters: CJK Radicals
#: Supplement code points (U+2EA0 for 民, U+2ED1 for 長 …) and U+2027 HYPHENATION POINT for
#: 「・」, none of which NFKC folds.
LOOKALIKES: dict[str, str] = {"民": "\u2ea0", "長": "\u2ed1", "心": "\u2e97", "日": "\u2e9c",
                              "・": "\u2027"}

#: Characters that a CID font's Adobe-Japan1 round trip gives back as another code point.
CID_ROUND_TRIP = str.maketrans({"～": "〜", "－": "−"})


def digits(text: str, fullwidth: bool) -> str:
    return text.translate(_FULLWIDTH) if fullwidth else text


def fiscal_year(fy: int, reiwa: bool, fullwidth: bool) -> str:
    """``2025年度`` / ``令和7年度`` / ``２０２５年度`` / ``令和７年度``."""
    return era_year(fy, reiwa, fullwidth) + "年度"


def era_year(year: int, reiwa: bool, fullwidth: bool) -> str:
    if not reiwa:
        return digits(str(year), fullwidth)
    n = year - REIWA_ORIGIN
    return "令和" + ("元" if n == 1 else digits(str(n), fullwidth))


def kangxi(text: str) -> str:
    return text.translate(_TO_KANGXI)
