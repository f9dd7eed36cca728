"""Deferred drawing on numbered pages, and a top-down flow cursor that breaks pages.

Drawing is deferred because a merged cell broken by a page break is known only after the rows
after it are placed, when its first page may already be behind the cursor.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.colors import Color, black
from reportlab.pdfgen.canvas import Canvas

from .fonts import Typeface
from .printed import kangxi

Op = Callable[[Canvas], None]

BROWSER_BORDER = 0.75  # pt: a CSS 1px border as Chromium prints it


@dataclass
class Document:
    face: Typeface
    page_size: tuple
    margins: tuple  # top, right, bottom, left
    use_kangxi: bool = False
    filled_borders: bool = False  # borders as thin filled rectangles (a browser), not strokes
    pages: list[list[Op]] = field(default_factory=list)

    @property
    def left(self) -> float:
        return self.margins[3]

    @property
    def right(self) -> float:
        return self.page_size[0] - self.margins[1]

    @property
    def width(self) -> float:
        return self.right - self.left

    def new_page(self) -> int:
        self.pages.append([])
        return len(self.pages)

    def text(self, page: int, x: float, y: float, s: str, size: float,
             anchor: str = "left", color: Color = black) -> None:
        """Draw one line; ``x`` is its left edge, centre or right edge as ``anchor`` says."""
        drawn = kangxi(s) if self.use_kangxi else s
        w = self.face.width(drawn, size)
        x0 = {"left": x, "center": x - w / 2, "right": x - w}[anchor]

        def op(c: Canvas) -> None:
            c.setFillColor(color)
            c.setFont(self.face.name, size)
            c.drawString(x0, y, drawn)
        self.pages[page - 1].append(op)

    def box(self, page: int, x: float, y: float, w: float, h: float, *,
            fill: Color | None = None, stroke: str | None = "rect", line_width: float = 0.5,
            open_bottom: bool = False) -> None:
        """A cell: optional fill, border as one stroked rectangle or as four separate lines
        (or, with ``filled_borders``, four filled rectangles); ``open_bottom`` leaves out the
        bottom side, as a browser does under a row it cuts at a page break, and runs the
        sides on to the paper's edge (over the page footer), as Chromium may."""
        low = 0.0 if open_bottom else y
        sides = [(x, y + h, x + w, y + h), (x, low, x, y + h), (x + w, low, x + w, y + h)]
        if not open_bottom:
            sides.append((x, y, x + w, y))

        def op(c: Canvas) -> None:
            c.setLineWidth(line_width)
            c.setStrokeColor(black)
            if fill is not None:
                c.setFillColor(fill)
                c.rect(x, y, w, h, stroke=0, fill=1)
            if stroke is None:
                return
            if self.filled_borders:
                c.setFillColor(black)
                half = BROWSER_BORDER / 2
                for x0, y0, x1, y1 in sides:
                    c.rect(x0 - half, y0 - half, x1 - x0 + 2 * half, y1 - y0 + 2 * half, stroke=0, fill=1)
            elif stroke == "rect" and not open_bottom:
                c.rect(x, y, w, h, stroke=1, fill=0)
            else:
                c.lines(sides)
        self.pages[page - 1].append(op)

    def render(self, path: Path, *, producer: str, title: str) -> None:
        c = Canvas(str(path), pagesize=self.page_size, invariant=1)
        c.setProducer(producer)
        c.setCreator(producer)
        c.setTitle(title)
        c.setAuthor("群馬県")
        for ops in self.pages:
            for op in ops:
                op(c)
            c.showPage()
        c.save()


class Flow:
    """A cursor moving down the content area; ``on_new_page`` draws what every new page starts with."""

    def __init__(self, doc: Document, top: float, bottom: float,
                 on_new_page: Callable[[Flow], None] | None = None):
        self.doc, self.top, self.bottom = doc, top, bottom
        self.on_new_page = on_new_page
        self.page = 0
        self.y = top

    def new_page(self) -> None:
        self.page = self.doc.new_page()
        self.y = self.top
        if self.on_new_page is not None:
            self.on_new_page(self)

    @property
    def room(self) -> float:
        return self.y - self.bottom

    def ensure(self, height: float) -> None:
        """Break the page unless ``height`` fits below the cursor (a fresh page takes anything)."""
        if self.page == 0 or (height > self.room and self.y < self.top):
            self.new_page()

    def take(self, height: float) -> float:
        """Reserve ``height`` on the current page; returns the top y of the reserved band."""
        top = self.y
        self.y -= height
        return top


def wrap(text: str, width: float, face: Typeface, size: float) -> list[str]:
    """Greedy character wrap (Japanese has no word breaks); hard ``\\n`` always breaks.

    Like a spreadsheet's line breaker, a Latin word (or number) is not split unless it is
    longer than the line, nor parted from a closing mark (。、」…) typed right before it. A
    break never lands next to a space, so joining the lines without a separator gives the
    text back exactly (that is how the truth removes soft wraps).
    """
    lines: list[str] = []
    for para in text.split("\n"):
        start = 0
        while True:
            end, w = start, 0.0
            while end < len(para) and (end == start or w + face.width(para[end], size) <= width):
                w += face.width(para[end], size)
                end += 1
            fitted = end
            while start + 1 < end < len(para) and _unbreakable(para[end - 1], para[end]):
                end -= 1
            if end == start + 1 < fitted:  # one word longer than the line: split it after all
                end = fitted
            lines.append(para[start:end])
            if end >= len(para):
                break
            start = end
    return lines


#: Marks that close a sentence or clause: a line breaker keeps a Latin word typed after one with it.
_CLOSING = "、。，．)）」』】〕〉》]｝}"


def _unbreakable(before: str, after: str) -> bool:
    latin = after.isascii() and after.isalnum()
    return (before == " " or after == " " or (latin and before.isascii() and before.isalnum())
            or (latin and before in _CLOSING))


def full_line_breaks(text: str, width: float, face: Typeface, size: float) -> str:
    """``text`` without the typed breaks that fall right after a full line: there the page
    looks exactly like a wrap (the next character would not have fitted either), so what is
    drawn cannot tell them apart; the truth of a drawn edition holds what can be read."""
    paras = text.split("\n")
    out = paras[0]
    for para in paras[1:]:
        last = wrap(out.split("\n")[-1], width, face, size)[-1] if out else ""
        first = re.match(r"[A-Za-z0-9]+|.|", para)[0]  # its first unbreakable unit
        if last[-1:] in _CLOSING and first[:1].isascii() and first[:1].isalnum():
            full = False  # a breaker keeps 。 and a Latin word together: this break was typed
        else:  # the extractor allows 0.6 em for the cell's padding it cannot see
            full = bool(last and para) and face.width(last + first, size) > width - 0.6 * size
        out += ("" if full else "\n") + para
    return out
