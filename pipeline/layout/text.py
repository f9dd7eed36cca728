"""Characters → lines → text, removing the soft wraps a cell or paragraph imposed.

A wrapped line is joined to the next with no space (Japanese), a hard line break typed in
the cell is kept as ``\\n``. Which is which comes from geometry: a line wrapped softly
because the next token would not have fitted between its end and the cell's right edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter

from .model import Char, Line

#: Characters a line may not start with (禁則): the layout engine pushes one more
#: character down with them, so the wrapped line ends a character earlier.
NO_LINE_START = set("、。，．,.)）」』】〕〉》]｝}!?！？%％ー～ぁぃぅぇぉっゃゅょァィゥェォッャュョ・:;：；")
#: Characters a line may not end with: opening brackets stay with what follows them.
NO_LINE_END = set("(（「『【〔〈《[｛{")
#: Marks that close a sentence or clause: a line breaker does not break between one of these
#: and a Latin word or number typed right after it (see _first_token_width).
CLOSING = set("、。，．)）」』】〕〉》]｝}")
_X0 = attrgetter("x0")


def lines_of(chars: Iterable[Char]) -> list[Line]:
    """Group characters into lines by vertical centre; lines top to bottom, chars left to right."""
    ordered = sorted(chars, key=lambda c: (c.top + c.bottom, c.x0))
    groups: list[list[Char]] = []
    total = 0.0  # running sum of the current line's centres (a re-sum per char is quadratic)
    for ch in ordered:
        cy = (ch.top + ch.bottom) / 2
        if groups:
            line = groups[-1]
            if abs(cy - total / len(line)) < 0.5 * min(ch.size, line[0].size):
                line.append(ch)
                total += cy
                continue
        groups.append([ch])
        total = cy
    return [_line(sorted(g, key=_X0)) for g in groups]


def _line(chars: list[Char]) -> Line:
    """One pass over a line's glyphs (left to right): its box, text and measures.

    A gap between glyphs is a space only where a reader would see one: between Latin words
    or numbers, and wider than the line's usual gap. Distributed alignment (均等割付) spreads
    every glyph of a cell apart; those gaps are layout, and Japanese glyphs never get a space.
    """
    first = prev = chars[0]
    top, x1, bottom, size = first.top, first.x1, first.bottom, first.size
    parts, count = [first.text], int(bool(first.text.strip()))
    usual = _usual_gap(chars)
    for ch in chars[1:]:  # min() and max() written out: the same values, without the calls
        if ch.top < top:
            top = ch.top
        if ch.x1 > x1:
            x1 = ch.x1
        if ch.bottom > bottom:
            bottom = ch.bottom
        if ch.size > size:
            size = ch.size
        if (ch.x0 - prev.x1 - usual > 0.5 * (prev.size if prev.size < ch.size else ch.size)
                and _needs_space(prev.text, ch.text)):
            parts.append(" ")
        parts.append(ch.text)
        count += bool(ch.text.strip())
        prev = ch
    return Line(first.x0, top, x1, bottom, text="".join(parts).strip(), size=size,
                lead=_first_token_width(chars), spread=usual * (len(chars) - 1), count=count,
                indexes=_compact([c.index for c in chars]))


def _usual_gap(chars: list[Char]) -> float:
    """The median gap between neighbouring glyphs: 0 for set text, wide for 均等割付 (a
    single gap tells nothing: two Latin words apart are two words)."""
    gaps = sorted(max(0.0, b.x0 - a.x1) for a, b in zip(chars, chars[1:]))
    return gaps[(len(gaps) - 1) // 2] if len(gaps) > 1 else 0.0


def _compact(indexes: list[int]) -> Sequence[int]:
    """A line's characters are usually consecutive in the content stream: keep a range then."""
    run = range(indexes[0], indexes[0] + len(indexes))
    return run if indexes == list(run) else tuple(indexes)


def _first_token_width(chars: list[Char]) -> float:
    """Width of what would have had to fit at the end of the line before: the first unit a
    line breaker does not split. That is one character or a whole Latin word (ASCII without
    a gap, brackets included), after any opening brackets (「, ( stay with what follows) and
    with the closing marks that may not start a line (う。 moves as one), and a Latin word
    or number right after such a mark (う。2026 moves as one, as LibreOffice breaks).
    """
    i, n = 0, len(chars)
    while i + 1 < n and chars[i].text in NO_LINE_END:
        i += 1
    i = _word_end(chars, i)
    while i + 1 < n and chars[i + 1].text in NO_LINE_START and _touching(chars[i], chars[i + 1]):
        i += 1
        if i + 1 < n and _latin(chars[i + 1].text) and _touching(chars[i], chars[i + 1]):
            i = _word_end(chars, i + 1)
    width = chars[i].x1 - chars[0].x0
    if chars[0].text in NO_LINE_START:  # it pushed the character before it down too
        width += chars[0].size
    return width


def _latin(text: str) -> bool:
    return text.isascii() and text.isalnum()


def _touching(a: Char, b: Char) -> bool:
    return b.x0 - a.x1 <= 0.2 * b.size


def _word_end(chars: list[Char], i: int) -> int:
    """Index of the last glyph of the Latin word starting at ``i`` (``i`` itself otherwise)."""
    if not _latin(chars[i].text):
        return i
    while (i + 1 < len(chars) and chars[i + 1].text.isascii() and chars[i + 1].text.strip()
           and _touching(chars[i], chars[i + 1])):
        i += 1
    return i


def is_soft_wrap(line: Line, following: Line, right: float) -> bool:
    """Did ``line`` end only because ``following``'s first token did not fit before ``right``?

    A distributed line (均等割付) reaches the edge whatever it holds: what counts is where its
    glyphs would have ended set solid. Not where ``line`` ends with a closing mark and
    ``following`` starts with a Latin word or number: a line breaker keeps those together (it
    moved 「う。2026」 as one), so the line was broken there by hand (「…運営する。⏎NETSUGEN…」).
    """
    if line.text[-1:] in CLOSING and _latin(following.text[:1]):
        return False
    slack = 0.6 * max(line.size, following.size)
    return line.x1 - line.spread + following.lead > right - slack


def _needs_space(a: str, b: str) -> bool:
    """Would a reader see a space between text ending ``a`` and text starting ``b``? Only
    between Latin words or numbers (ASCII letters and digits on both sides)."""
    return bool(a and b) and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum()


def _stacked(upper: Line, lower: Line) -> bool:
    """One glyph under the other on the same axis: stacked vertical text (縦書き), one word."""
    return upper.count == 1 and lower.count == 1 and abs(upper.cx - lower.cx) < 0.5 * max(upper.size, lower.size)


def join_lines(lines: Sequence[Line], right: float) -> str:
    """Text of consecutive lines within a box whose text area ends at ``right``."""
    out = ""
    for i, line in enumerate(lines):
        text = line.text
        out = text if i == 0 else out + line_break(lines[i - 1], line, right, out, text) + text
    return out.strip()


def line_break(line: Line, following: Line, right: float, before: str, after: str) -> str:
    """What joins the text ``before`` (ending with ``line``) to ``after``: nothing between
    stacked glyphs or for a soft wrap (a space between Latin words), ``\\n`` for a typed break."""
    if _stacked(line, following):
        return ""
    if is_soft_wrap(line, following, right):
        return " " if _needs_space(before, after) else ""
    return "\n"


def text_right_edge(lines: Sequence[Line], box_x0: float, box_x1: float) -> float:
    """Where text in a box may end: its right edge less the padding seen on the left."""
    if not lines:
        return box_x1
    pad = max(0.0, min(min(ln.x0 for ln in lines) - box_x0, 3.0))
    return box_x1 - pad
