"""The character ledger: every character on a page is assigned to a field, classified as
page furniture, or reported as unaccounted. Nothing is lost silently."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.layout.model import Cell, Char, Line
from pipeline.layout.text import lines_of

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
    """Where each (page, char index) went: a field name like ``items.title`` or a furniture class."""

    marks: dict[tuple[int, int], str] = field(default_factory=dict)

    def mark_chars(self, page: int, chars: Iterable[Char], label: str) -> None:
        for ch in chars:
            self.marks.setdefault((page, ch.index), label)

    def mark_lines(self, page: int, lines: Iterable[Line], label: str) -> None:
        for ln in lines:
            self.mark_chars(page, ln.chars, label)

    def mark_cell(self, cell: Cell, label: str) -> None:
        self.mark_lines(cell.page, cell.lines, label)
        for page, part in cell.parts:
            self.mark_cell(part, label)

    def report(self, pages: dict[int, list[Char]]) -> list[PageCoverage]:
        out = []
        for number, chars in sorted(pages.items()):
            pc = PageCoverage(number, total=sum(1 for c in chars if c.text.strip()))
            missing: list[Char] = []
            for ch in chars:
                if not ch.text.strip():
                    continue
                label = self.marks.get((number, ch.index))
                if label is None:
                    missing.append(ch)
                elif label in FURNITURE:
                    pc.furniture += 1
                else:
                    pc.assigned += 1
            pc.unaccounted_text = _runs(missing)
            out.append(pc)
        return out


def _runs(chars: list[Char]) -> list[str]:
    """Unaccounted characters as readable runs, in reading order."""
    return [ln.text for ln in lines_of(chars)]
