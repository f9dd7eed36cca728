"""Join tables that continue over a page break into one table.

A table at the top of a page continues the previous page's last table when their left
border, first column and right border line up, and it does not begin a new record of the
same kind (a first row whose first cell repeats the label of the previous table's first
row with other content, e.g. a new 事業). Repeated header rows are dropped, and leading
(label) cells that the page break left blank continue the cell above them: a merged cell is
continued, not restarted. A label printed again after the break starts a new cell (a new
block), as the document shows it.
"""

from __future__ import annotations

from itertools import takewhile

from .grid import SNAP, cluster
from .model import Cell, Table
from .text import line_break, text_right_edge


def row_texts(table: Table, r: int) -> list[str]:
    return [c.text for c in table.row(r)]


def _aligned(a: float, b: float) -> bool:
    return abs(a - b) <= 2 * SNAP


def continues(prev: Table, nxt: Table) -> bool:
    """Does ``nxt`` (top of a page) continue ``prev`` (end of the previous page)?"""
    if len(prev.xs) < 2 or len(nxt.xs) < 2:
        return False
    if not (_aligned(prev.xs[0], nxt.xs[0]) and _aligned(prev.xs[-1], nxt.xs[-1])
            and _aligned(prev.xs[1], nxt.xs[1])):
        return False
    if prev.open_bottom or nxt.open_top:
        return True  # a row cut by the page break
    first_prev, first_next = row_texts(prev, 0), row_texts(nxt, 0)
    if first_prev == first_next:
        return True  # repeated header row
    return not (first_prev and first_next and first_prev[0] and first_prev[0] == first_next[0])


def join(prev: Table, nxt: Table) -> Table:
    """``prev`` with ``nxt``'s rows appended (header repeats dropped, cut cells continued).

    When the page break cut ``prev``'s last row (no ruling closed it), ``nxt``'s first row
    is the rest of that row: each of its cells continues the cell above, text and all.
    """
    skip = 0
    while skip < min(prev.n_rows, nxt.n_rows) and row_texts(prev, skip) == row_texts(nxt, skip):
        skip += 1
    rows, last = prev.n_rows, prev.n_rows - 1
    pairs = [(cell, _cell_above(prev, last, cell)) for cell in nxt.row(skip)]
    cut = (prev.open_bottom or nxt.open_top) and all(above for _, above in pairs)
    if cut:
        for cell, above in pairs:
            continue_cell(above, cell, cell.rowspan - 1)
    else:  # leading cells the page break left blank continue above
        pairs = list(takewhile(lambda p: p[1] is not None and not p[0].text, pairs))
        for cell, above in pairs:
            continue_cell(above, cell, cell.rowspan)
    offset = rows - skip - (1 if cut else 0)
    merged = {id(cell) for cell, _ in pairs}
    for cell in nxt.cells:
        if cell.row < skip:
            prev.repeated.append(cell)
            continue
        if id(cell) in merged:
            continue
        cell.row += offset
        prev.cells.append(cell)
    prev.fills.extend(nxt.fills)
    prev.open_bottom = nxt.open_bottom
    _reindex_columns(prev, nxt.xs)
    return prev


def continue_cell(cell: Cell, part: Cell, rows: int) -> None:
    """``part`` (on a later page) continues ``cell`` over ``rows`` more rows; texts join as
    the lines of one cell would (a soft wrap across the break, or a typed line break).

    A part that shows nothing (no text, no row of its own: the empty end of a cut row, or
    the sliver of one a browser pushes over the break) is not a page the cell is on.
    """
    before = cell.all_lines()
    cell.rowspan += rows
    if part.lines or rows:
        cell.parts.append(part)
    if not part.text:
        return
    if not cell.text:
        cell.text = part.text
        return
    right = text_right_edge(before, cell.x0, cell.x1)
    cell.text += line_break(before[-1], part.lines[0], right, cell.text, part.text) + part.text


def _cell_above(table: Table, last_row: int, cell: Cell) -> Cell | None:
    for c in table.covering(last_row):
        if _aligned(c.x0, cell.x0) and _aligned(c.x1, cell.x1):
            return c
    return None


def _reindex_columns(table: Table, more_xs: list[float]) -> None:
    """Both parts' column boundaries form the joined grid; cells get columns on it."""
    table.xs = cluster(table.xs + more_xs, 2 * SNAP)

    def index(x: float) -> int:
        return min(range(len(table.xs)), key=lambda j: abs(table.xs[j] - x))

    for cell in table.cells:
        cell.col = index(cell.x0)
        cell.colspan = max(1, index(cell.x1) - cell.col)
    table.cells.sort(key=lambda c: (c.row, c.col))
