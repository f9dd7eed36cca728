"""Pair the rows of one entity table across two editions.

Numbers are the first clue, titles the second: an item keeps its identity when it is
renumbered (same title, new number) or reworded (same number, new title). Titles are compared
by Sudachi normalized forms so spelling variants never break a pair.
"""

from __future__ import annotations

from collections.abc import Callable

from pipeline.compare.normalize import same_text, similarity

#: Below this normalized-title similarity two rows with different numbers are different things.
SIMILAR = 0.6

Row = dict
Pair = tuple[int, int]


def match_rows(old: list[Row], new: list[Row], key: tuple[str, ...], title: str) -> list[Pair]:
    """Indices (old, new) of the rows that are the same entity; unpaired rows were removed/added.

    Passes, each on what the earlier ones left: same key and same title; same title (renumbered);
    same key (reworded); most similar title above ``SIMILAR`` (renumbered and reworded).
    """
    def k(r: Row) -> tuple:
        return tuple(r[c] for c in key)

    def t(r: Row) -> str:
        return r[title] or ""

    left_old, left_new = list(range(len(old))), list(range(len(new)))
    pairs: list[Pair] = []
    for accept in (
        lambda a, b: k(a) == k(b) and same_text(t(a), t(b)),
        lambda a, b: same_text(t(a), t(b)),
        lambda a, b: k(a) == k(b),
    ):
        pairs += _first_fit(old, new, left_old, left_new, accept)
    scored = sorted(
        ((similarity(t(old[i]), t(new[j])), i, j) for i in left_old for j in left_new),
        key=lambda s: -s[0],
    )
    for score, i, j in scored:
        if score >= SIMILAR and i in left_old and j in left_new:
            pairs.append((i, j))
            left_old.remove(i)
            left_new.remove(j)
    return pairs


def _first_fit(old: list[Row], new: list[Row], left_old: list[int], left_new: list[int],
               accept: Callable[[Row, Row], bool]) -> list[Pair]:
    """Pair each remaining old row with the first remaining new row it accepts (in order)."""
    pairs = []
    for i in list(left_old):
        j = next((j for j in left_new if accept(old[i], new[j])), None)
        if j is not None:
            pairs.append((i, j))
            left_old.remove(i)
            left_new.remove(j)
    return pairs
