"""From page layouts to one reading-order stream of blocks for the whole document.

Each page splits into tables (chars placed in cells) and flow lines (text outside any
table). Running headers, footers and page numbers are recognised by repetition across
pages and by position, never by their wording. Tables cut by a page break are joined.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .grid import find_tables, place, place_more
from .model import Box, Cell, Char, Fill, Guess, Line, PageLayout, Suspects, Table
from .tables import continues, join
from .text import join_lines, lines_of, text_right_edge

#: Fraction of the page height at the top and bottom where running headers/footers live
#: (a line above or below all other content of its page counts as in the margin too).
MARGIN = 0.12
_PAGE_NUMBER = re.compile(r"^[-–—‐\s(（]*\d+[-–—‐\s)）]*$|^\d+\s*/\s*\d+$")


@dataclass
class FlowLine:
    """A line of text outside tables; ``role`` is set when it is page furniture."""

    page: int
    line: Line
    role: str | None = None  # 'page_header' | 'page_footer' | 'page_number' | None

    @property
    def text(self) -> str:
        return self.line.text


@dataclass
class PageContent:
    """What a page holds once analysed: no glyphs any more, only lines, cells and fills."""

    number: int  # 1-based physical page
    width: float
    height: float
    tables: list[Table] = field(default_factory=list)
    flow: list[FlowLine] = field(default_factory=list)
    loose_fills: list[Fill] = field(default_factory=list)
    unmapped: int = 0  # glyphs whose Unicode is a guess ("(cid:…)", an undeclared encoding)
    suspects: Suspects = field(default_factory=Suspects)  # glyphs whose Unicode was repaired
    images: int = 0
    guesses: list[Guess] = field(default_factory=list)  # glyphs whose Unicode is a guess
    #: the glyphs in the unruled part of a row cut by the page break, each table's, and the
    #: flow lines they make until the page's furniture is known (a footer may lie there)
    cut: list[tuple[Table, list[Char], list[FlowLine]]] = field(default_factory=list)

    def lines(self) -> Iterator[Line]:
        """Every line on the page: flow text and the lines in this page's table cells."""
        for fl in self.flow:
            yield fl.line
        for table in self.tables:
            for cell in table.cells:
                if cell.page == self.number:
                    yield from cell.lines


def analyse_page(layout: PageLayout) -> PageContent:
    """Tables with their text, and the remaining text as flow lines."""
    content = PageContent(layout.number, layout.width, layout.height,
                          unmapped=sum(bool(g.text.strip()) for g in layout.guesses),
                          suspects=layout.suspects, guesses=layout.guesses,
                          images=layout.images)
    chars, fills = list(layout.chars), list(layout.fills)
    for table in find_tables(layout.segments, layout.number):
        if table.open_bottom:  # its cut row's glyphs wait for the furniture (see settle_cut_rows)
            unruled = Box(table.x0, table.ys[-2], table.x1, table.bottom)
            held = [c for c in chars if unruled.contains_point(c.cx, c.cy)]
            chars = [c for c in chars if not unruled.contains_point(c.cx, c.cy)]
            content.cut.append((table, held, [FlowLine(layout.number, ln) for ln in lines_of(held)]))
        chars, fills = place(table, chars, fills)
        for cell in table.cells:
            _set_text(cell)
        content.tables.append(table)
    content.flow = [FlowLine(layout.number, ln) for ln in lines_of(chars)]
    content.flow += [fl for _, _, lines in content.cut for fl in lines]
    content.loose_fills = fills
    return content


def _set_text(cell: Cell) -> None:
    cell.text = join_lines(cell.lines, text_right_edge(cell.lines, cell.x0, cell.x1))


def settle_cut_rows(page: PageContent) -> None:
    """Put the glyphs of a row cut by the page break into its cells, once furniture is known.

    A browser may draw the cut row's borders on to the page's edge, over the running footer:
    the row ends with the last content before the footer, and the footer stays furniture.
    """
    for table, held, lines in page.cut:
        furniture = {i for fl in lines if fl.role for i in fl.line.indexes}
        waiting = {id(fl) for fl in lines if not fl.role}
        page.flow = [fl for fl in page.flow if id(fl) not in waiting]
        cells, rest = place_more(table, [c for c in held if c.index not in furniture])
        for cell in cells:
            _set_text(cell)
        page.flow += [FlowLine(page.number, ln) for ln in lines_of(rest)]
    page.cut = []


def guessed_glyphs(page: PageContent) -> list[str]:
    """Where each glyph whose Unicode is a guess sits: its cell (or line), the text it
    spoilt, and the glyphs (for an error an analyst can act on)."""
    if not page.guesses:
        return []
    wanted = {g.index: g for g in page.guesses}
    places = [(cell.where(), cell.lines) for table in page.tables for cell in table.cells
              if cell.page == page.number]
    places += [(f"page {page.number}, line at ({fl.line.x0:.0f},{fl.line.top:.0f})", [fl.line])
               for fl in page.flow]
    out = []
    for where, lines in places:
        for ln in lines:
            if hits := [wanted.pop(i) for i in ln.indexes if i in wanted]:
                out.append(f"{where}: 「{ln.text}」 has {', '.join(g.describe() for g in hits)}")
    out += [f"page {page.number}: {g.describe()}" for g in wanted.values()]
    return out


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", "".join(text.split()))


def mark_furniture(pages: Iterable[PageContent], window: int = 3) -> Iterator[PageContent]:
    """Label running headers/footers and page numbers, passing the pages on in order.

    A header or footer is a line in the top or bottom margin whose text shape (digits
    masked) recurs in the same margin on another page at most ``window`` pages away; the
    pages are held only that long, so memory stays flat however long the document is.
    """
    held: deque[tuple[PageContent, list[tuple[FlowLine, str]]]] = deque()
    shapes: dict[int, set[tuple[str, str]]] = {}
    for pc in pages:
        zoned = _margin_lines(pc)
        held.append((pc, zoned))
        # a cut row's lines may be found furniture, but never by matching one another: they
        # are table text (the same department under two breaks is no running footer)
        waiting = {id(fl) for _, _, lines in pc.cut for fl in lines}
        shapes[pc.number] = {(zone, _shape(fl.text)) for fl, zone in zoned if id(fl) not in waiting}
        while held and held[-1][0].number - held[0][0].number >= window:
            yield _classify(*held.popleft(), shapes, window)
    while held:
        yield _classify(*held.popleft(), shapes, window)


def _classify(pc: PageContent, zoned: list[tuple[FlowLine, str]],
              shapes: dict[int, set[tuple[str, str]]], window: int) -> PageContent:
    near = set().union(*(shapes.get(q, ()) for q in range(pc.number - window, pc.number + window + 1)
                         if q != pc.number))
    for q in [q for q in shapes if q < pc.number - window]:
        del shapes[q]
    for fl, zone in zoned:
        if _PAGE_NUMBER.match(fl.text.strip()):
            fl.role = "page_number"
        elif (zone, _shape(fl.text)) in near:
            fl.role = f"page_{zone}"
    settle_cut_rows(pc)
    return pc


def _margin_lines(page: PageContent) -> list[tuple[FlowLine, str]]:
    """Flow lines with their zone, 'header' or 'footer': in the page's margins, or above or
    below all its other content."""
    if not page.flow:
        return []
    top = min([fl.line.top for fl in page.flow] + [t.top for t in page.tables])
    bottom = max([fl.line.bottom for fl in page.flow] + [t.bottom for t in page.tables])
    out = []
    for fl in page.flow:
        if fl.line.bottom <= page.height * MARGIN or fl.line.top <= top + 1:
            out.append((fl, "header"))
        elif fl.line.top >= page.height * (1 - MARGIN) or fl.line.bottom >= bottom - 1:
            out.append((fl, "footer"))
    return out


@dataclass
class Block:
    """One element of the document stream: a flow line or a (possibly joined) table."""

    page: int
    line: FlowLine | None = None
    table: Table | None = None

    @property
    def top(self) -> float:
        return self.line.line.top if self.line else self.table.top


def stream(pages: Iterable[PageContent]) -> Iterator[Block]:
    """Content blocks in reading order; furniture left out, continued tables joined.

    A table is passed on only once the next page shows it does not continue there.
    """
    held: Block | None = None
    for pc in pages:
        blocks = [Block(pc.number, line=fl) for fl in pc.flow if fl.role is None]
        blocks += [Block(pc.number, table=t) for t in pc.tables]
        blocks.sort(key=lambda b: b.top)
        for i, b in enumerate(blocks):
            if (i == 0 and b.table is not None and held is not None and held.table is not None
                    and held.page == pc.number - 1 and continues(held.table, b.table)):
                join(held.table, b.table)
                held = Block(b.page, table=held.table)  # remember the latest page
                continue
            if held is not None:
                yield held
            held = b
    if held is not None:
        yield held
