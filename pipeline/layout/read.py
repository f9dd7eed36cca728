"""Read a pdfplumber page once into a :class:`PageLayout` of plain data.

Everything later works on this model, so each page is parsed exactly once and the
pdfplumber objects can be dropped straight after (memory stays flat on long documents).
"""

from __future__ import annotations

import unicodedata

from .model import Char, Fill, PageLayout, Segment

#: A filled rectangle thinner than this is a drawn line, not a cell background.
THIN = 2.0
#: How far from axis-aligned a line may be and still count as a ruling.
SKEW = 0.5


def _color(value) -> tuple[float, ...]:
    if value is None:
        return ()
    if isinstance(value, (int, float)):
        return (float(value),)
    try:
        return tuple(float(v) for v in value)
    except (TypeError, ValueError):  # pattern colours and the like
        return ()


def _is_white(color: tuple[float, ...]) -> bool:
    """Paper-coloured fills (white in gray/RGB, no ink in CMYK) carry no meaning."""
    if len(color) == 4:
        return all(v <= 0.01 for v in color)
    return bool(color) and all(v >= 0.99 for v in color)


def _edges(x0: float, top: float, x1: float, bottom: float) -> list[Segment]:
    return [
        Segment(x0, top, x1, top), Segment(x0, bottom, x1, bottom),
        Segment(x0, top, x0, bottom), Segment(x1, top, x1, bottom),
    ]


def read_page(page) -> PageLayout:
    """Characters (NFKC), ruling segments and filled rectangles of one pdfplumber page."""
    layout = PageLayout(number=page.page_number, width=float(page.width), height=float(page.height))
    for i, c in enumerate(page.chars):
        text = unicodedata.normalize("NFKC", c["text"])
        layout.chars.append(Char(c["x0"], c["top"], c["x1"], c["bottom"], text=text,
                                 size=float(c.get("size") or c["bottom"] - c["top"]), index=i))
    for ln in page.lines:
        if abs(ln["x0"] - ln["x1"]) <= SKEW or abs(ln["top"] - ln["bottom"]) <= SKEW:
            layout.segments.append(Segment(ln["x0"], ln["top"], ln["x1"], ln["bottom"]))
    for r in page.rects:
        x0, top, x1, bottom = r["x0"], r["top"], r["x1"], r["bottom"]
        if r.get("fill") and (x1 - x0 <= THIN or bottom - top <= THIN):
            cy, cx = (top + bottom) / 2, (x0 + x1) / 2
            thin_h = bottom - top <= x1 - x0
            layout.segments.append(Segment(x0, cy, x1, cy) if thin_h else Segment(cx, top, cx, bottom))
            continue
        if r.get("stroke"):
            layout.segments.extend(_edges(x0, top, x1, bottom))
        color = _color(r.get("non_stroking_color"))
        if r.get("fill") and not _is_white(color):
            layout.fills.append(Fill(x0, top, x1, bottom, color=color))
    layout.image_count = len(page.images)
    return layout
