"""Characters → lines → text, removing the soft wraps a cell or paragraph imposed.

A wrapped line is joined to the next with no space (Japanese), a hard line break typed in
the cell is kept as ``\\n``. Which is which comes from geometry: a line wrapped softly
because the next token would not have fitted between its end and the cell's right edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .model import Char, Line

#: Characters a line may not start with (禁則): the layout engine pushes one more
#: character down with them, so the wrapped line ends a character earlier.
NO_LINE_START = set("、。，．,.)）」』】〕〉》]｝}!?！？%％ー～ぁぃぅぇぉっゃゅょァィゥェォッャュョ・:;：；")


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
    return [_line(sorted(g, key=lambda c: c.x0)) for g in groups]


def _line(chars: list[Char]) -> Line:
    """One pass over a line's glyphs (left to right): its box, text and measures."""
    first = prev = chars[0]
    top, x1, bottom, size = first.top, first.x1, first.bottom, first.size
    parts, count = [first.text], int(bool(first.text.strip()))
    for ch in chars[1:]:
        top, x1 = min(top, ch.top), max(x1, ch.x1)
        bottom, size = max(bottom, ch.bottom), max(size, ch.size)
        if ch.x0 - prev.x1 > 0.5 * min(ch.size, prev.size):  # a visible gap: a space
            parts.append(" ")
        parts.append(ch.text)
        count += bool(ch.text.strip())
        prev = ch
    return Line(first.x0, top, x1, bottom, text="".join(parts).strip(), size=size,
                lead=_first_token_width(chars), count=count,
                indexes=_compact([c.index for c in chars]))


def _compact(indexes: list[int]) -> Sequence[int]:
    """A line's characters are usually consecutive in the content stream: keep a range then."""
    run = range(indexes[0], indexes[0] + len(indexes))
    return run if indexes == list(run) else tuple(indexes)


def _first_token_width(chars: list[Char]) -> float:
    """Width of what would have had to fit: one character, or a whole Latin word."""
    if chars[0].text.isascii() and chars[0].text.isalnum():
        end = chars[0].x1
        for prev, ch in zip(chars, chars[1:]):
            if not (ch.text.isascii() and ch.text.isalnum()) or ch.x0 - prev.x1 > 0.2 * ch.size:
                break
            end = ch.x1
        return end - chars[0].x0
    width = chars[0].width
    if chars[0].text in NO_LINE_START:
        width += chars[0].size
    return width


def is_soft_wrap(line: Line, following: Line, right: float) -> bool:
    """Did ``line`` end only because ``following``'s first token did not fit before ``right``?"""
    slack = 0.6 * max(line.size, following.size)
    return line.x1 + following.lead > right - slack


def _needs_space(a: str, b: str) -> bool:
    return bool(a and b) and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum()


def join_lines(lines: Sequence[Line], right: float) -> str:
    """Text of consecutive lines within a box whose text area ends at ``right``."""
    out = ""
    for i, line in enumerate(lines):
        text = line.text
        if i == 0:
            out = text
        elif is_soft_wrap(lines[i - 1], line, right):
            out += (" " if _needs_space(out, text) else "") + text
        else:
            out += "\n" + text
    return out.strip()


def text_right_edge(lines: Sequence[Line], box_x0: float, box_x1: float) -> float:
    """Where text in a box may end: its right edge less the padding seen on the left."""
    if not lines:
        return box_x1
    pad = max(0.0, min(min(ln.x0 for ln in lines) - box_x0, 3.0))
    return box_x1 - pad
