"""The ledger: every character on a page is assigned to a field, classified as page
furniture, or reported as unaccounted. Nothing is lost silently.

Characters are accounted for by the line they belong to (every character is in exactly
one line, in a cell or in the flow text), which keeps the ledger small on long documents.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pipeline.layout.model import Cell, Line, Suspects
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
    #: glyphs whose Unicode was repaired or is a guess, by kind (layout.model.Suspects)
    suspects: dict[str, int] = field(default_factory=dict)
    suspect_glyphs: list[str] = field(default_factory=list)

    @property
    def unaccounted(self) -> int:
        return self.total - self.assigned - self.furniture

    @property
    def suspect(self) -> int:
        return sum(self.suspects.values())


@dataclass(slots=True)
class PageLines:
    """What coverage needs of a page's lines once the page has been read and dropped.

    Lines in reading order (top to bottom, left to right), in arrays and one string: a long
    document has tens of thousands of lines, and these are kept until the end of the run.
    """

    keys: array  # Line.key of each line
    counts: array  # its non-blank characters
    ends: array  # where its text ends in ``text``
    text: str  # the lines' texts, one after the other

    @classmethod
    def of(cls, page: PageContent) -> PageLines:
        lines = sorted(page.lines(), key=lambda ln: (ln.top, ln.x0))
        ends, end = array("q"), 0
        for ln in lines:
            end += len(ln.text)
            ends.append(end)
        return cls(array("q", [ln.key for ln in lines]), array("q", [ln.count for ln in lines]),
                   ends, "".join(ln.text for ln in lines))

    @property
    def total(self) -> int:
        return sum(self.counts)

    def __iter__(self) -> Iterator[tuple[int, int, str]]:
        """(key, count, text) of each line, in reading order."""
        start = 0
        for key, count, end in zip(self.keys, self.counts, self.ends):
            yield key, count, self.text[start:end]
            start = end


@dataclass
class Ledger:
    """Where each line went: a field name like ``items.title`` or a furniture class."""

    #: page → line key → label (the first label given to a line wins)
    marks: dict[int, dict[int, str]] = field(default_factory=dict)

    def mark_lines(self, page: int, lines: Iterable[Line], label: str) -> None:
        marks = self.marks.setdefault(page, {})
        for ln in lines:
            marks.setdefault(ln.key, label)

    def label(self, page: int, key: int) -> str | None:
        return self.marks.get(page, {}).get(key)

    def mark_cell(self, cell: Cell, label: str) -> None:
        self.mark_lines(cell.page, cell.lines, label)
        for part in cell.parts:
            self.mark_cell(part, label)

    def char_labels(self, page: PageContent) -> dict[int, str]:
        """Label of every character index on a page that has one (for drawing)."""
        marks = self.marks.get(page.number, {})
        return {i: label for ln in page.lines() if (label := marks.get(ln.key)) for i in ln.indexes}

    def report(self, pages: dict[int, PageLines],
               suspects: dict[int, Suspects] | None = None) -> list[PageCoverage]:
        """Per page: characters total, assigned, furniture, the unaccounted text, and the
        suspect glyphs."""
        out = []
        for number, lines in sorted(pages.items()):
            found = (suspects or {}).get(number, Suspects())
            cov = PageCoverage(number, suspects=dict(found.kinds), suspect_glyphs=list(found.glyphs))
            marks = self.marks.get(number, {})
            for key, count, text in lines:
                cov.total += count
                label = marks.get(key)
                if label is None:
                    if count:
                        cov.unaccounted_text.append(text)
                elif label in FURNITURE:
                    cov.furniture += count
                else:
                    cov.assigned += count
            out.append(cov)
        return out
