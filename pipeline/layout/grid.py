"""Recover tables from ruling segments: grid lines, then cells with row/col spans.

The same idea as pdfplumber's ``table.py``, kept as plain functions over the layout model:
segments that touch form one table; their x/y positions are the grid; an elementary cell
merges with its neighbour wherever no ruling separates them. A merged cell therefore comes
out as ONE cell with its span, never as a value followed by Nones.
"""

from __future__ import annotations

from bisect import bisect
from collections.abc import Iterable, Sequence

from .model import Cell, Char, Fill, Segment, Table
from .text import lines_of

#: Positions closer than this (points) are the same grid line.
SNAP = 2.0


def cluster(values: Iterable[float], tol: float = SNAP) -> list[float]:
    """Sorted representative positions: values within ``tol`` of each other collapse."""
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _touch(a: Segment, b: Segment, tol: float = SNAP) -> bool:
    return (a.x0 - tol <= b.x1 and b.x0 - tol <= a.x1 and a.top - tol <= b.bottom
            and b.top - tol <= a.bottom)


def connected_groups(segments: Sequence[Segment], tol: float = SNAP) -> list[list[Segment]]:
    """Segments that touch (directly or through others) form one group: one table."""
    uf = _UnionFind(len(segments))
    order = sorted(range(len(segments)), key=lambda i: segments[i].x0)
    for pos, i in enumerate(order):  # sweep on x so that far-apart segments are not compared
        for j in order[pos + 1:]:
            if segments[j].x0 - tol > segments[i].x1:
                break
            if _touch(segments[i], segments[j], tol):
                uf.union(i, j)
    groups: dict[int, list[Segment]] = {}
    for i, s in enumerate(segments):
        groups.setdefault(uf.find(i), []).append(s)
    return list(groups.values())


def _covered(spans: Sequence[tuple[float, float]], lo: float, hi: float) -> bool:
    """Do collinear segments, given as (start, end) along their axis, cover most of lo..hi?"""
    length = hi - lo
    if length <= 0:
        return True
    covered, reach = 0.0, lo
    for start, end in sorted(spans):
        start, end = max(start, reach), min(end, hi)
        if end > start:
            covered += end - start
            reach = end
    return covered >= 0.5 * length


def build_table(segments: Sequence[Segment], page: int = 0, tol: float = SNAP) -> Table | None:
    """The grid of one group of segments, or None when it does not enclose any cell."""
    verticals = [s for s in segments if not s.horizontal]
    horizontals = [s for s in segments if s.horizontal]
    xs = cluster((s.x0 for s in verticals), tol)
    ys = cluster((s.top for s in horizontals), tol)
    if len(xs) < 2 or not ys:
        return None
    top, bottom = _open_ends(verticals, xs, ys, tol)
    if top is not None:
        ys.insert(0, top)
        horizontals.append(Segment(xs[0], top, xs[-1], top))
    if bottom is not None:
        ys.append(bottom)
        horizontals.append(Segment(xs[0], bottom, xs[-1], bottom))
    if len(ys) < 2:
        return None
    v_at = {j: [(s.top, s.bottom) for s in verticals if abs(s.x0 - x) <= tol] for j, x in enumerate(xs)}
    h_at = {i: [(s.x0, s.x1) for s in horizontals if abs(s.top - y) <= tol] for i, y in enumerate(ys)}
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    uf = _UnionFind(n_rows * n_cols)
    for i in range(n_rows):
        for j in range(n_cols):
            if j + 1 < n_cols and not _covered(v_at[j + 1], ys[i] + tol, ys[i + 1] - tol):
                uf.union(i * n_cols + j, i * n_cols + j + 1)
            if i + 1 < n_rows and not _covered(h_at[i + 1], xs[j] + tol, xs[j + 1] - tol):
                uf.union(i * n_cols + j, (i + 1) * n_cols + j)
    spans: dict[int, list[int]] = {}
    for i in range(n_rows):
        for j in range(n_cols):
            r0, c0, r1, c1 = spans.setdefault(uf.find(i * n_cols + j), [i, j, i, j])
            spans[uf.find(i * n_cols + j)] = [min(r0, i), min(c0, j), max(r1, i), max(c1, j)]
    cells = []
    for r0, c0, r1, c1 in spans.values():
        box = (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])
        if not _enclosed(box, v_at[c0], v_at[c1 + 1], h_at[r0], h_at[r1 + 1]):
            continue  # open area (e.g. the region beside a ragged table edge)
        cells.append(Cell(*box, row=r0, col=c0, rowspan=r1 - r0 + 1, colspan=c1 - c0 + 1,
                          page=page))
    if not cells:
        return None
    cells.sort(key=lambda c: (c.row, c.col))
    return Table(xs[0], ys[0], xs[-1], ys[-1], page=page, xs=xs, ys=ys, cells=cells,
                 open_top=top is not None, open_bottom=bottom is not None)


def _open_ends(verticals: Sequence[Segment], xs: Sequence[float], ys: Sequence[float],
               tol: float) -> tuple[float | None, float | None]:
    """Where both outer borders run on together past the first / last ruling, else None.

    A browser that cuts a row at a page break draws the row's sides to the page's edge but
    no ruling under the part on the first page (nor, without a repeated header, over the part
    on the next): the row ends where its borders end, and the table goes on over the break.
    """
    left = [s for s in verticals if abs(s.x0 - xs[0]) <= tol]
    right = [s for s in verticals if abs(s.x0 - xs[-1]) <= tol]
    if not left or not right:
        return None, None
    tops = min(s.top for s in left), min(s.top for s in right)
    bottoms = max(s.bottom for s in left), max(s.bottom for s in right)
    top = max(tops) if abs(tops[0] - tops[1]) <= tol and max(tops) < ys[0] - tol else None
    bottom = (min(bottoms) if abs(bottoms[0] - bottoms[1]) <= tol and min(bottoms) > ys[-1] + tol
              else None)
    return top, bottom


def _enclosed(box, left, right, top, bottom) -> bool:
    """A real cell has rulings on all four sides (at least partly)."""
    x0, y0, x1, y1 = box
    return (_covered(left, y0, y1) or _covered(right, y0, y1)) and (
        _covered(top, x0, x1) or _covered(bottom, x0, x1))


def find_tables(segments: Sequence[Segment], page: int = 0) -> list[Table]:
    """Every table drawn with rulings on a page, top to bottom."""
    tables = [t for g in connected_groups(segments) if (t := build_table(g, page)) is not None]
    return sorted(tables, key=lambda t: (t.top, t.x0))


def place(table: Table, chars: Iterable[Char], fills: Iterable[Fill]) -> tuple[list[Char], list[Fill]]:
    """Put chars (by centre) and fills into the table's cells; return what lies outside."""
    buckets, rest_chars = _by_cell(table, chars)
    rest_fills = []
    centres = [(cell.cx, cell.cy, cell) for cell in table.cells]
    for f in fills:
        if not table.contains_point(f.cx, f.cy):
            rest_fills.append(f)
            continue
        table.fills.append(f)
        # a fill shades every cell whose centre it covers (Box.contains_point, tol 0.5)
        x0, top, x1, bottom = f.x0 - 0.5, f.top - 0.5, f.x1 + 0.5, f.bottom + 0.5
        for cx, cy, cell in centres:
            if x0 <= cx <= x1 and top <= cy <= bottom:
                cell.fills.append(f)
    for cell in table.cells:
        cell.lines = lines_of(buckets[id(cell)][1]) if id(cell) in buckets else []
    return rest_chars, rest_fills


def place_more(table: Table, chars: Iterable[Char]) -> tuple[list[Cell], list[Char]]:
    """Add chars lying below all text placed so far (the rest of a cut row) to their cells;
    return the cells that got some, and the chars outside every cell."""
    buckets, rest = _by_cell(table, chars)
    for cell, more in buckets.values():
        cell.lines = cell.lines + lines_of(more)
    return [cell for cell, _ in buckets.values()], rest


def _by_cell(table: Table, chars: Iterable[Char]) -> tuple[dict[int, tuple[Cell, list[Char]]], list[Char]]:
    """The chars in each cell (by centre, keyed by the cell's id, in the order met), found on
    the grid by bisection rather than by testing every cell; and the chars outside it."""
    slots: dict[tuple[int, int], Cell] = {}
    for cell in table.cells:
        for r in range(cell.row, cell.row + cell.rowspan):
            for c in range(cell.col, cell.col + cell.colspan):
                slots[r, c] = cell
    xs, ys = table.xs, table.ys
    left, right, top, bottom = xs[0], xs[-1], ys[0], ys[-1]
    last_x, last_y = len(xs) - 1, len(ys) - 1
    buckets: dict[int, tuple[Cell, list[Char]]] = {}
    rest = []
    for ch in chars:
        x, y = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2  # Box.cx, Box.cy
        cell = None
        if left <= x <= right and top <= y <= bottom:
            row, col = bisect(ys, y), bisect(xs, x)
            cell = slots.get(((row if row < last_y else last_y) - 1, (col if col < last_x else last_x) - 1))
        if cell is None:
            rest.append(ch)
        elif (bucket := buckets.get(id(cell))) is None:
            buckets[id(cell)] = (cell, [ch])
        else:
            bucket[1].append(ch)
    return buckets, rest
