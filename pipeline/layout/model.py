"""Plain dataclasses for what a page holds. Coordinates are PDF points, top-left origin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(slots=True)
class Box:
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    def contains_point(self, x: float, y: float, tol: float = 0.0) -> bool:
        return self.x0 - tol <= x <= self.x1 + tol and self.top - tol <= y <= self.bottom + tol

    def bbox_str(self) -> str:
        return f"{self.x0:.1f},{self.top:.1f},{self.x1:.1f},{self.bottom:.1f}"


@dataclass(slots=True)
class Char(Box):
    """One glyph; ``text`` is already NFKC-normalized (may be more than one code point)."""

    text: str = ""
    size: float = 0.0
    index: int = -1  # position on its page, for the coverage report


@dataclass(slots=True)
class Segment(Box):
    """A ruling line: horizontal (top == bottom) or vertical (x0 == x1)."""

    @property
    def horizontal(self) -> bool:
        return self.height <= self.width


@dataclass(slots=True)
class Fill(Box):
    """A filled rectangle: a cell background or a schedule bar."""


@dataclass(slots=True)
class Suspects:
    """Glyphs on a page whose Unicode was repaired or is a guess (coverage.json's ``suspect``).

    ``kinds`` counts them by kind (``lookalike``, ``private_use``, …: a reader of the text
    layer adds a kind by counting under a new name); ``glyphs`` shows each distinct one once,
    as ``U+2EA0 ⺠→民``, so an analyst sees what was changed.
    """

    kinds: dict[str, int] = field(default_factory=dict)
    glyphs: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.kinds.values())

    def add(self, kind: str, raw: str, read_as: str, count: int = 1, shown: str = "") -> None:
        """Count ``count`` glyphs of ``kind``; ``shown`` is what the analyst is shown, if not
        ``raw``'s code points and reading (a glyph read from its font, not a code point)."""
        self.kinds[kind] = self.kinds.get(kind, 0) + count
        shown = shown or f"{' '.join(f'U+{ord(c):04X}' for c in raw)} {raw}→{read_as}"
        if shown not in self.glyphs:
            self.glyphs.append(shown)


@dataclass(slots=True)
class Guess:
    """A glyph whose Unicode is a guess: nothing in its font says what it is (layout.glyphs)."""

    index: int  # the glyph's position on its page (Char.index)
    text: str  # what pdfminer read it as: a base encoding's character, or "(cid:N)"
    font: str
    code: int

    def describe(self) -> str:
        return f"{self.text!r} (code {self.code:#04x} of font {self.font})"


@dataclass(slots=True)
class PageLayout:
    number: int  # 1-based physical page
    width: float
    height: float
    chars: list[Char] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    images: int = 0
    suspects: Suspects = field(default_factory=Suspects)
    guesses: list[Guess] = field(default_factory=list)  # glyphs whose Unicode is a guess


@dataclass(eq=False, slots=True)
class Line(Box):
    """Characters sharing a baseline, kept compact: what the readers and the ledger need.

    Pages are analysed in worker processes and every line travels back to the main process,
    so a line carries its text and the few measures the wrap rule needs, not its glyphs.
    """

    text: str = ""  # glyphs left to right, a space where the PDF left a visible gap
    size: float = 0.0  # largest font size
    lead: float = 0.0  # width the first token needed (see text.is_soft_wrap)
    spread: float = 0.0  # width that 均等割付 added between its glyphs (0 for set text)
    count: int = 0  # non-blank characters
    indexes: Sequence[int] = ()  # the characters' positions on their page

    @property
    def key(self) -> int:
        """Identifies the line on its page (its first character)."""
        return self.indexes[0]


@dataclass(eq=False, slots=True)
class Cell(Box):
    """A table cell; a merged cell is one cell with its spans."""

    row: int = 0
    col: int = 0
    rowspan: int = 1
    colspan: int = 1
    page: int = 0
    lines: list[Line] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    #: its continuations on later pages when a page break split it (joined by layout.tables)
    parts: list[Cell] = field(default_factory=list)
    text: str = ""

    def all_lines(self) -> list[Line]:
        """Its lines and those of its continuations, in reading order across the pages."""
        return [*self.lines, *(ln for part in self.parts for ln in part.all_lines())]

    def where(self) -> str:
        """Where an analyst finds the cell: ``page 6, cell at (300,200)``."""
        return f"page {self.page}, cell at ({self.x0:.0f},{self.top:.0f})"


@dataclass(eq=False, slots=True)
class Table(Box):
    """Cells on a grid of ``xs`` × ``ys`` boundaries; may span pages after joining."""

    page: int = 0
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    #: header rows printed again after a page break (dropped from the rows, kept for coverage)
    repeated: list[Cell] = field(default_factory=list)
    #: its borders run on past the last (first) ruling: a page break cut its last (first) row
    open_bottom: bool = False
    open_top: bool = False

    @property
    def n_rows(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)

    @property
    def n_cols(self) -> int:
        return max((c.col + c.colspan for c in self.cells), default=0)

    def row(self, r: int) -> list[Cell]:
        """Cells that start in row ``r``, left to right."""
        return sorted((c for c in self.cells if c.row == r), key=lambda c: c.col)

    def under(self, header: Cell, r: int) -> Cell | None:
        """The cell covering row ``r`` in the column of ``header`` (by the header's centre)."""
        return next((c for c in self.covering(r) if c.x0 < header.cx < c.x1), None)

    def covering(self, r: int) -> list[Cell]:
        """Cells that cover row ``r`` (including merged cells started above), left to right."""
        return sorted((c for c in self.cells if c.row <= r < c.row + c.rowspan), key=lambda c: c.col)
