"""The ledger: every character on a page is assigned to a field, classified as page
furniture, or reported as unaccounted. Nothing is lost silently.

Characters are accounted for by the line they belong to (every character is in exactly
one line, in a cell or in the flow text), which keeps the ledger small on long documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from pipeline.layout.model import Cell, Line
from pipeline.layout.pages import PageContent

FURNITURE = ("page_header", "page_footer", "page_number", "section_title", "table_header",
             "footnote", "cover", "label")


@dataclass
class PageCoverage:
    page: int
    total: int = 0
    assigned: int = 0
    furniture: int = 0
    unaccounted_text: list[str] = field(default_factory=list)

    @property
    def unaccounted(self) -> int:
        return self.total - self.assigned - self.furniture


class LineRef(NamedTuple):
    """What coverage needs of a line once its page has been read and dropped."""

    key: int
    count: int
    text: str
    top: float
    x0: float


def line_refs(page: PageContent) -> list[LineRef]:
    return [LineRef(ln.key, ln.count, ln.text, ln.top, ln.x0) for ln in page.lines()]


@dataclass
class Ledger:
    """Where each line went: a field name like ``items.title`` or a furniture class."""

    marks: dict[tuple[int, int], str] = field(default_factory=dict)

    def mark_lines(self, page: int, lines: Iterable[Line], label: str) -> None:
        for ln in lines:
            self.marks.setdefault((page, ln.key), label)

    def mark_cell(self, cell: Cell, label: str) -> None:
        self.mark_lines(cell.page, cell.lines, label)
        for part in cell.parts:
            self.mark_cell(part, label)

    def char_labels(self, page: PageContent) -> dict[int, str]:
        """Label of every character index on a page that has one (for drawing)."""
        return {i: label for ln in page.lines() if (label := self.marks.get((page.number, ln.key)))
                for i in ln.indexes}

    def report(self, pages: dict[int, list[LineRef]]) -> list[PageCoverage]:
        """Per page: characters total, assigned, furniture, and the unaccounted text."""
        out = []
        for number, refs in sorted(pages.items()):
            cov = PageCoverage(number)
            for ref in sorted(refs, key=lambda r: (r.top, r.x0)):
                cov.total += ref.count
                label = self.marks.get((number, ref.key))
                if label is None:
                    if ref.count:
                        cov.unaccounted_text.append(ref.text)
                elif label in FURNITURE:
                    cov.furniture += ref.count
                else:
                    cov.assigned += ref.count
            out.append(cov)
        return out
