"""From page layouts to one reading-order stream of blocks for the whole document.

Each page splits into tables (chars placed in cells) and flow lines (text outside any
table). Running headers, footers and page numbers are recognised by repetition across
pages and by position, never by their wording. Tables cut by a page break are joined.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .grid import find_tables, place
from .model import Fill, Line, PageLayout, Table
from .tables import continues, join
from .text import join_lines, lines_of, text_right_edge

#: Fraction of the page height at the top and bottom where running headers/footers live.
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
    unmapped: int = 0  # glyphs without a Unicode mapping, read as "(cid:…)"

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
                          unmapped=sum(c.text.startswith("(cid:") for c in layout.chars))
    chars, fills = list(layout.chars), list(layout.fills)
    for table in find_tables(layout.segments, layout.number):
        chars, fills = place(table, chars, fills)
        for cell in table.cells:
            cell.text = join_lines(cell.lines, text_right_edge(cell.lines, cell.x0, cell.x1))
        content.tables.append(table)
    content.flow = [FlowLine(layout.number, ln) for ln in lines_of(chars)]
    content.loose_fills = fills
    return content


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", "".join(text.split()))


def mark_furniture(pages: list[PageContent]) -> None:
    """Label running headers/footers (same text shape at the same height on 2+ pages)."""
    seen: dict[tuple[str, str], set[int]] = {}
    for pc in pages:
        for fl in pc.flow:
            zone = _zone(pc, fl.line)
            if zone:
                seen.setdefault((zone, _shape(fl.text)), set()).add(pc.number)
    for pc in pages:
        for fl in pc.flow:
            zone = _zone(pc, fl.line)
            if not zone:
                continue
            if _PAGE_NUMBER.match(fl.text.strip()):
                fl.role = "page_number"
            elif len(seen.get((zone, _shape(fl.text)), ())) >= 2:
                fl.role = f"page_{zone}"


def _zone(page: PageContent, line: Line) -> str | None:
    if line.bottom <= page.height * MARGIN:
        return "header"
    if line.top >= page.height * (1 - MARGIN):
        return "footer"
    return None


@dataclass
class Block:
    """One element of the document stream: a flow line or a (possibly joined) table."""

    page: int
    line: FlowLine | None = None
    table: Table | None = None

    @property
    def top(self) -> float:
        return self.line.line.top if self.line else self.table.top


def stream(pages: list[PageContent]) -> list[Block]:
    """All content blocks in reading order; furniture left out, continued tables joined."""
    out: list[Block] = []
    for pc in pages:
        blocks = [Block(pc.number, line=fl) for fl in pc.flow if fl.role is None]
        blocks += [Block(pc.number, table=t) for t in pc.tables]
        blocks.sort(key=lambda b: b.top)
        for i, b in enumerate(blocks):
            if (i == 0 and b.table is not None and out and out[-1].table is not None
                    and out[-1].page == pc.number - 1 and continues(out[-1].table, b.table)):
                join(out[-1].table, b.table)
                out[-1] = Block(b.page, table=out[-1].table)  # remember the latest page
                continue
            out.append(b)
    return out
