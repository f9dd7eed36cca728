"""The ledger: every character on a page is assigned to a field, classified as page
furniture, or reported as unaccounted. Nothing is lost silently.

Characters are accounted for by the line they belong to (every character is in exactly
one line, in a cell or in the flow text), which keeps the ledger small on long documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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


@dataclass
class Ledger:
    """Where each line went: a field name like ``items.title`` or a furniture class."""

    marks: dict[tuple[int, int], str] = field(default_factory=dict)

    def mark_lines(self, page: int, lines: Iterable[Line], label: str) -> None:
        for ln in lines:
            self.marks.setdefault((page, ln.key), label)

    def mark_cell(self, cell: Cell, label: str) -> None:
        self.mark_lines(cell.page, cell.lines, label)
        for _, part in cell.parts:
            self.mark_cell(part, label)

    def label(self, page: int, line: Line) -> str | None:
        return self.marks.get((page, line.key))

    def char_labels(self, page: PageContent) -> dict[int, str]:
        """Label of every character index on a page that has one (for drawing)."""
        return {i: label for ln in page.lines() if (label := self.label(page.number, ln))
                for i in ln.indexes}

    def report(self, pages: Iterable[PageContent]) -> list[PageCoverage]:
        out = []
        for pc in pages:
            cov = PageCoverage(pc.number)
            for ln in sorted(pc.lines(), key=lambda ln: (ln.top, ln.x0)):
                cov.total += ln.count
                label = self.label(pc.number, ln)
                if label is None:
                    if ln.count:
                        cov.unaccounted_text.append(ln.text)
                elif label in FURNITURE:
                    cov.furniture += ln.count
                else:
                    cov.assigned += ln.count
            out.append(cov)
        return out
