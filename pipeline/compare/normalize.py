"""Text comparison that ignores 表記揺れ (取り組み/取組, 打ち合わせ/打合せ, full/half width).

Two editions of a plan are typed by different people: the same title may come back with
送り仮名 dropped or full-width digits. Sudachi's normalized forms (SplitMode.C) map those
spellings to one form, so only a real rewording counts as a change.
"""

from __future__ import annotations

import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

from sudachipy import Dictionary, SplitMode


@lru_cache(maxsize=1)
def _tokenizer():
    return Dictionary(dict="core").tokenizer(SplitMode.C)


@lru_cache(maxsize=16384)
def normalized(text: str) -> str:
    """NFKC, whitespace removed, each morpheme replaced by its normalized form."""
    text = "".join(unicodedata.normalize("NFKC", text).split())
    if not text:
        return ""
    return "".join(m.normalized_form() for m in _tokenizer().tokenize(text))


def same_text(a: str, b: str) -> bool:
    """True when two texts differ at most in spelling variants."""
    return a == b or normalized(a) == normalized(b)


def similarity(a: str, b: str) -> float:
    """0..1 similarity of the normalized forms (difflib ratio)."""
    return SequenceMatcher(None, normalized(a), normalized(b), autojunk=False).ratio()
