"""A ruled table laid out row by row across pages, with vertically merged cells.

Like a spreadsheet printed to PDF: row heights follow the wrapped text, header rows repeat on
every continued page, a merged cell cut by a page break shows its text only in the first part.
With ``cut_rows`` it is printed like a browser prints: a row that does not fit is cut by the
page break (its lines flow on into the rest of the row on the next page), and the part on the
first page has no bottom border.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from reportlab.lib.colors import Color, black

from .canvas import Flow, wrap

PAD_RATIO = 0.3  # cell padding per point of text size
LEADING = 1.22


@dataclass
class Cell:
    col: int
    text: str = ""
    span: int = 1
    align: str = "left"
    fill: Color | None = None
    stroke: str = "lines"  # "lines" or "rect": how the border is drawn
    color: Color = black
    spread: bool = False  # a label, header, department or title: 均等割付 when the table says so


@dataclass
class Row:
    cells: list[Cell]
    tag: tuple | None = None  # rows with the same tag report the pages they landed on
    keep_with_next: bool = False
    break_before: bool = False  # forced page break (a split 体系図)
    height: float = 0.0


@dataclass
class Merge:
    """One cell over rows ``first``..``last`` (inclusive) of column ``col``."""

    col: int
    first: int
    last: int
    text: str
    align: str = "center"
    fill: Color | None = None
    stroke: str = "rect"
    spread: bool = False
    stacked: bool = False  # 縦書き: one glyph under the other


@dataclass
class Table:
    widths: list[float]
    rows: list[Row]
    size: float
    merges: list[Merge] = field(default_factory=list)
    header: int = 0  # leading rows repeated on every page the table continues on
    distributed: bool = False  # Excel's 均等割付 on the ``spread`` cells: glyphs spread across
    cut_rows: bool = False  # a page break may cut a row (see the module docstring)
    spaced: bool = False  # short ``spread`` labels typed with ideographic spaces: 「事　業」

    def align(self, cell: Cell | Merge) -> str:
        return "distribute" if self.distributed and cell.spread else cell.align

    def shown(self, cell: Cell | Merge) -> str:
        """The text as typed in the cell (a short label spaced out by hand when ``spaced``)."""
        short_label = cell.spread and len(cell.text) <= 4 and not any(c.isdigit() for c in cell.text)
        return "\u3000".join(cell.text) if self.spaced and short_label else cell.text

    def x(self, col: int) -> float:
        return sum(self.widths[:col])

    def span_width(self, col: int, span: int) -> float:
        return sum(self.widths[col:col + span])


@dataclass
class Placed:
    """A row on a page, or a part of a row that a page break cut."""

    row: int
    page: int
    top: float
    height: float
    cut: bool = False  # the page break cuts the row under this part: no bottom border


def _lines_height(n: int, size: float) -> float:
    return max(n, 1) * size * LEADING + 2 * size * PAD_RATIO


def _measure(table: Table, flow: Flow) -> dict[tuple[int, int], list[str]]:
    """Wrap every cell, set row heights, grow rows under merged cells that need more room."""
    face, size = flow.doc.face, table.size
    pad = size * PAD_RATIO
    wrapped: dict[tuple[int, int], list[str]] = {}
    for r, row in enumerate(table.rows):
        row.height = 0.0
        for cell in row.cells:
            lines = wrap(table.shown(cell), table.span_width(cell.col, cell.span) - 2 * pad, face, size)
            wrapped[(r, cell.col)] = lines
            row.height = max(row.height, _lines_height(len(lines), size))
        row.height = max(row.height, _lines_height(1, size))
    for m in table.merges:
        text = table.shown(m)
        lines = list(text) if m.stacked else wrap(text, table.widths[m.col] - 2 * pad, face, size)
        wrapped[(m.first, m.col)] = lines
        rows = table.rows[m.first:m.last + 1]
        deficit = _lines_height(len(lines), size) - sum(r.height for r in rows)
        for r in rows:
            r.height += max(deficit, 0) / len(rows)
    return wrapped


def _chains(table: Table) -> list[list[int]]:
    """Runs of body rows that stay on one page (keep_with_next), cut at forced breaks."""
    chains: list[list[int]] = []
    for r in range(table.header, len(table.rows)):
        row = table.rows[r]
        if not chains or row.break_before or not table.rows[r - 1].keep_with_next:
            chains.append([])
        chains[-1].append(r)
    return chains


def _keep_merge_heads(table: Table, wrapped: dict[tuple[int, int], list[str]]) -> None:
    """A page break may cut a merged cell only below the rows its text needs."""
    for m in table.merges:
        need = _lines_height(len(wrapped[(m.first, m.col)]), table.size)
        r, got = m.first, table.rows[m.first].height
        while got < need and r < m.last:
            table.rows[r].keep_with_next = True
            r += 1
            got += table.rows[r].height


def _grow_forced_heads(table: Table, wrapped: dict[tuple[int, int], list[str]]) -> None:
    """Where a forced break cuts a merged cell too early, the rows above the break grow instead."""
    for m in table.merges:
        need = _lines_height(len(wrapped[(m.first, m.col)]), table.size)
        cut = next((r for r in range(m.first + 1, m.last + 1) if table.rows[r].break_before), None)
        if cut is not None:
            got = sum(row.height for row in table.rows[m.first:cut])
            table.rows[cut - 1].height += max(need - got, 0)


def total_height(table: Table, flow: Flow) -> float:
    """Height of the whole table on one page (no repeated headers)."""
    _measure(table, flow)
    return sum(row.height for row in table.rows)


def lead_height(table: Table, flow: Flow) -> float:
    """Height of the header plus the first unbreakable run: what a heading above must keep with."""
    wrapped = _measure(table, flow)
    _keep_merge_heads(table, wrapped)
    chains = _chains(table)
    first = chains[0] if chains else []
    return sum(table.rows[r].height for r in list(range(table.header)) + first)


def _cut_at(table: Table, r: int, wrapped: dict[tuple[int, int], list[str]], room: float) -> int:
    """How many of row ``r``'s lines the page's ``room`` holds, when the row must be cut; else 0."""
    most = max((len(wrapped[(r, c.col)]) for c in table.rows[r].cells), default=0)
    fits = int((room - 2 * table.size * PAD_RATIO) / (table.size * LEADING))
    return fits if 0 < fits < most else 0


def place(table: Table, flow: Flow) -> dict[tuple, list[int]]:
    """Lay the table out from the flow cursor on; returns tag → pages its rows landed on."""
    wrapped = _measure(table, flow)
    _grow_forced_heads(table, wrapped)
    _keep_merge_heads(table, wrapped)
    heights = [row.height for row in table.rows]
    header_h = sum(heights[:table.header])
    placed: list[Placed] = []

    def put(r: int, height: float | None = None, cut: bool = False) -> None:
        height = heights[r] if height is None else height
        placed.append(Placed(r, flow.page, flow.take(height), height, cut))

    def start_page(fresh: bool) -> None:
        if fresh:
            flow.new_page()
        for r in range(table.header):
            put(r)

    def cuts(r: int) -> int:
        """Lines of row ``r`` that go before the break when the break must cut it (else 0)."""
        return _cut_at(table, r, wrapped, flow.room) if table.cut_rows else 0

    def cut(r: int) -> None:
        """Row ``r`` cut at the page break: the page's room, then the rest under the header."""
        first, rest = flow.room, max(len(wrapped[(r, c.col)]) for c in table.rows[r].cells) - cuts(r)
        put(r, first, cut=True)
        start_page(fresh=True)
        put(r, max(heights[r] - first, _lines_height(rest, table.size)))

    chains = _chains(table)
    first_h = header_h + (sum(heights[r] for r in chains[0]) if chains else 0)
    flow.ensure(first_h)
    start_page(fresh=False)
    on_page = 0
    for chain in chains:
        forced = table.rows[chain[0]].break_before
        too_tall = sum(heights[r] for r in chain) > flow.room
        if on_page and (forced or too_tall and not cuts(chain[0])):
            start_page(fresh=True)
            on_page = 0
        for r in chain:
            if on_page and heights[r] > flow.room:
                if cuts(r):
                    cut(r)
                    continue
                start_page(fresh=True)
                on_page = 0
            put(r)
            on_page += 1
    _draw(table, flow, placed, wrapped)
    pages: dict[tuple, set[int]] = defaultdict(set)
    for p in placed:
        if table.rows[p.row].tag is not None:
            pages[table.rows[p.row].tag].add(p.page)
    return {tag: sorted(ps) for tag, ps in pages.items()}


def _text_block(flow: Flow, page: int, x: float, w: float, top: float, h: float,
                lines: list[str], size: float, align: str, color: Color) -> None:
    """Lines centred vertically in the band ``top``..``top - h``, aligned horizontally."""
    doc, lead = flow.doc, size * LEADING
    first_base = top - (h - len(lines) * lead) / 2 - lead + (lead - size) / 2 + size * 0.12
    pad = size * PAD_RATIO
    if align == "distribute":
        for i, line in enumerate(lines):
            _distribute(flow, page, x + pad, w - 2 * pad, first_base - i * lead, line, size, color)
        return
    ax = {"left": x + pad, "center": x + w / 2, "right": x + w - pad}[align]
    for i, line in enumerate(lines):
        if line:
            doc.text(page, ax, first_base - i * lead, line, size, align, color)


def _distribute(flow: Flow, page: int, x: float, w: float, y: float, line: str, size: float,
                color: Color) -> None:
    """均等割付: the glyphs spread evenly from the left to the right edge, each drawn alone."""
    face = flow.doc.face
    if len(line) < 2:
        flow.doc.text(page, x + w / 2, y, line, size, "center", color)
        return
    gap = (w - face.width(line, size)) / (len(line) - 1)
    for ch in line:
        if ch.strip():
            flow.doc.text(page, x, y, ch, size, "left", color)
        x += face.width(ch, size) + gap


Band = tuple[int, float, float, bool]  # page, top, height, cut (no bottom border)


def _text_in_bands(flow: Flow, x: float, w: float, bands: list[Band], lines: list[str],
                   size: float, align: str, color: Color) -> None:
    """Lines centred in the first band if they fit there, else flowing on from band to band,
    each filled from its top: the text of a cell that a page break cut."""
    page, top, h, _ = bands[0]
    if len(bands) == 1 or _lines_height(len(lines), size) <= h:
        _text_block(flow, page, x, w, top, h, lines, size, align, color)
        return
    for page, top, h, _ in bands:
        shown = lines[:int((h - 2 * size * PAD_RATIO) / (size * LEADING))]
        lines = lines[len(shown):]
        if shown:
            _text_block(flow, page, x, w, top, _lines_height(len(shown), size), shown, size, align, color)


def _row_parts(placed: list[Placed]) -> list[list[Placed]]:
    """Placed rows, the parts of a row cut by a page break together (header repeats apart)."""
    groups: list[list[Placed]] = []
    cut: dict[int, list[Placed]] = {}  # row → its parts so far, while the next part is due
    for p in placed:
        group = cut.pop(p.row, None)
        if group is None:
            group = []
            groups.append(group)
        group.append(p)
        if p.cut:
            cut[p.row] = group
    return groups


def _draw(table: Table, flow: Flow, placed: list[Placed],
          wrapped: dict[tuple[int, int], list[str]]) -> None:
    doc, x0 = flow.doc, flow.doc.left
    for parts in _row_parts(placed):
        r = parts[0].row
        bands = [(p.page, p.top, p.height, p.cut) for p in parts]
        for cell in table.rows[r].cells:
            x, w = x0 + table.x(cell.col), table.span_width(cell.col, cell.span)
            for page, top, h, cut in bands:
                doc.box(page, x, top - h, w, h, fill=cell.fill, stroke=cell.stroke, open_bottom=cut)
            _text_in_bands(flow, x, w, bands, wrapped[(r, cell.col)], table.size, table.align(cell), cell.color)
    for m in table.merges:
        on_page: dict[int, list[Placed]] = defaultdict(list)
        for p in placed:
            if m.first <= p.row <= m.last:
                on_page[p.page].append(p)
        bands = [(page, ps[0].top, ps[0].top - (ps[-1].top - ps[-1].height), ps[-1].cut)
                 for page, ps in sorted(on_page.items())]
        x, w = x0 + table.x(m.col), table.widths[m.col]
        for page, top, h, cut in bands:
            doc.box(page, x, top - h, w, h, fill=m.fill, stroke=m.stroke, open_bottom=cut)
        lines = wrapped[(m.first, m.col)]
        groups = [[b] for b in bands] if m.last < table.header else [bands]  # header: every page
        for group in groups:
            _text_in_bands(flow, x, w, group, lines, table.size, table.align(m), black)
