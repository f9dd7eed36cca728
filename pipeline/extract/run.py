"""extract_pdf: one PDF in, the contract's tables and a coverage report out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import NoTextLayerError, NotAPlanError, ParseError
from pipeline.layout.model import Fill, Suspects, Table
from pipeline.layout.pages import Block, PageContent, guessed_glyphs, mark_furniture, stream
from pipeline.layout.parallel import read_pages
from pipeline.layout.tables import join
from pipeline.limits import DEFAULT_LIMITS, Limits, reading_pdf
from pipeline.normalize import label_key, year_month
from pipeline.source import SAMPLE_PAGES, SourcePdf, missing_text_layer, open_pdf
from pipeline.vocabulary import DEFAULT, Vocabulary

from .assemble import Rows, to_frames, to_rows
from .coverage import Ledger, PageCoverage, PageLines
from .detail import DetailReader
from .overview import find_columns, read_overview
from .records import Records

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Extraction:
    source: SourcePdf
    rows: Rows  # per contract table, rows with every contract column
    coverage: list[PageCoverage] = field(default_factory=list)
    #: the analysed pages and where each character went (for `inspect`)
    pages: list[PageContent] = field(default_factory=list, repr=False)
    ledger: Ledger = field(default_factory=Ledger, repr=False)

    @property
    def unaccounted(self) -> int:
        return sum(p.unaccounted for p in self.coverage)

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The contract tables as DataFrames (built on first use: extraction needs no pandas)."""
        return to_frames(self.rows)


def extract_pdf(path: Path, *, password: str | None = None, vocab: Vocabulary = DEFAULT,
                limits: Limits = DEFAULT_LIMITS, workers: int = 0, progress: bool = False,
                keep_pages: bool = False) -> Extraction:
    """The contract tables and coverage of one PDF (bad input raises a PlanExtractError).

    Pages stream from the workers through the readers and are dropped once read, unless
    ``keep_pages`` (for drawing them, as ``inspect`` does). Memory and time are bounded
    in this process as in the workers (``limits.reading_pdf``).
    """
    with reading_pdf(limits, workers, str(path)):
        source = open_pdf(Path(path), password=password, limits=limits)
        pages = read_pages(source, limits, workers, progress)
        try:
            return extract_pages(source, list(pages) if keep_pages else pages, vocab, limits)
        finally:  # now, not when collected: on an error, stop the workers and close the PDF
            pages.close()


def extract_pages(source: SourcePdf, pages: Iterable[PageContent],
                  vocab: Vocabulary = DEFAULT, limits: Limits = DEFAULT_LIMITS) -> Extraction:
    """The readers over analysed pages, in one pass (a list of pages is kept in the result)."""
    records, ledger = Records(), Ledger()
    seen: dict[int, PageLines] = {}
    unmapped: list[int] = []
    suspects: dict[int, Suspects] = {}
    fills: dict[int, list[Fill]] = {}
    guessed: list[str] = []  # where glyphs whose Unicode is a guess are (pages seen so far)
    plan = False  # set once the 体系図 is found: from then on, a guess fails the run

    def account(pages: Iterable[PageContent]) -> Iterator[PageContent]:
        """Note what coverage needs of each page, and its furniture, before it streams on."""
        sample: list[tuple[int, int]] = []
        for pc in pages:
            seen[pc.number] = PageLines.of(pc)
            if len(sample) < min(SAMPLE_PAGES, source.page_count):
                sample.append((seen[pc.number].total, pc.images))
                if len(sample) == min(SAMPLE_PAGES, source.page_count) and missing_text_layer(sample):
                    raise NoTextLayerError("has no text layer (scanned?); OCR would be needed",
                                           str(source.path))
            unmapped.append(pc.unmapped)
            suspects[pc.number] = pc.suspects
            guessed.extend(guessed_glyphs(pc))
            if plan:
                _check_guesses(source, guessed)
            fills[pc.number] = pc.loose_fills
            for fl in pc.flow:
                if fl.role:
                    ledger.mark_lines(pc.number, [fl.line], fl.role)
            yield pc

    def overview_early(pages: Iterable[PageContent]) -> Iterator[PageContent]:
        """"Not a plan" as soon as ``overview_within_pages`` pages passed without the start
        of a 体系図 (a plan's comes early), not after reading a long unrelated document."""
        started = False
        for pc in pages:
            started = started or any(find_columns(t, vocab) is not None for t in pc.tables)
            if not started and pc.number > limits.overview_within_pages:
                _check_unicode(source, seen, unmapped)
                raise NotAPlanError(
                    f"not a plan: no {vocab.overview_title} table with {vocab.goal}/"
                    f"{vocab.policy}/{vocab.item} columns in the first "
                    f"{limits.overview_within_pages} pages (limits.overview_within_pages)",
                    str(source.path))
            yield pc

    blocks = stream(account(mark_furniture(overview_early(pages))))
    front: list[Block] = []
    for block in blocks:
        if block.table is not None and (cols := find_columns(block.table, vocab)) is not None:
            overview = block
            break
        front.append(block)
    else:
        _check_unicode(source, seen, unmapped)
        raise NotAPlanError(
            f"not a plan: no {vocab.overview_title} table with {vocab.goal}/{vocab.policy}/"
            f"{vocab.item} columns found", str(source.path))
    plan = True
    _check_guesses(source, guessed)
    rest = _absorb_overview_continuations(overview, blocks, vocab, ledger)
    _mark_repeated_headers(overview.table, ledger)
    read_overview(overview.table, cols, vocab, records, ledger)
    _classify_front_matter(front, ledger, vocab)
    reader = DetailReader(vocab, records, ledger, fills)
    for block in rest:
        if block.table is not None:
            _mark_repeated_headers(block.table, ledger)
            reader.on_table(block.table)
        else:
            reader.on_line(block.page, block.line.line)
    reader.finish()
    _check_unicode(source, seen, unmapped)
    records.add("documents", source_file=source.path.name, source_sha256=source.sha256,
                edition=_edition(source, front), page_count=source.page_count,
                declared_goals=cols.declared["goals"], declared_policies=cols.declared["policies"],
                declared_items=cols.declared["items"],
                plan_start_fy=min(reader.plan_years, default=None),
                plan_end_fy=max(reader.plan_years, default=None))
    kept = pages if isinstance(pages, list) else []
    return Extraction(source, to_rows(records, source), ledger.report(seen, suspects), kept, ledger)


def _check_unicode(source: SourcePdf, seen: dict[int, PageLines], unmapped: list[int]) -> None:
    """Mostly glyphs without a Unicode mapping (``(cid:123)``, or a guessed encoding):
    unreadable, not a plan."""
    total = sum(lines.total for lines in seen.values())
    if total and sum(unmapped) > total / 2:
        raise NoTextLayerError(
            f"its text layer has no Unicode mapping ({sum(unmapped)} of {total} glyphs have "
            "none in their font); OCR would be needed", str(source.path))


def _check_guesses(source: SourcePdf, guessed: list[str]) -> None:
    """A plan's text must be what its fonts say: a glyph whose Unicode pdfminer guessed
    (「応え」 read as 「応2」) is an error naming where it is, never passed on."""
    if guessed:
        more = f" (and {len(guessed) - 2} more)" if len(guessed) > 2 else ""
        raise ParseError(
            f"glyphs whose Unicode is a guess (not in their font's ToUnicode map, and no "
            f"encoding or glyph name in the font says what they are), in {len(guessed)} "
            f"place(s): {'; '.join(guessed[:2])}{more}", str(source.path))


def _mark_repeated_headers(table: Table, ledger: Ledger) -> None:
    for cell in table.repeated:
        ledger.mark_cell(cell, "table_header")


def _absorb_overview_continuations(overview: Block, blocks: Iterator[Block], vocab: Vocabulary,
                                   ledger: Ledger) -> Iterator[Block]:
    """Join later parts of the 体系図 that repeat its header (maybe under a 「(続き)」 title),
    and return the blocks after it.

    A part directly at the top of the next page was joined by ``layout.pages.stream``
    already; this catches parts that have a title line above them.
    """
    last_page, titles = overview.page, []
    for block in blocks:
        if block.table is None and block.page > last_page:
            titles.append(block)  # maybe the title of a continuation: wait for what follows
            continue
        if (block.table is not None and block.page > last_page
                and find_columns(block.table, vocab) is not None):
            for b in titles:
                ledger.mark_lines(b.page, [b.line.line], "section_title")
            join(overview.table, block.table)
            last_page, titles = block.page, []
            continue
        return chain(titles, [block], blocks)
    return iter(titles)


def _classify_front_matter(blocks: list[Block], ledger: Ledger, vocab: Vocabulary) -> None:
    """Before the 体系図: the cover (title page, framed or not) and the 体系図's own title."""
    for b in blocks:
        lines = [b.line.line] if b.line is not None else [
            ln for cell in b.table.cells for ln in cell.lines]
        for line in lines:
            role = "section_title" if label_key(vocab.overview_title) in label_key(line.text) else "cover"
            ledger.mark_lines(b.page, [line], role)


def _edition(source: SourcePdf, front: list[Block]) -> str:
    """The edition as the document states it (``2025年3月策定`` → ``2025-03``), else the PDF date."""
    for b in front:
        texts = [b.line.text] if b.line is not None else [c.text for c in b.table.cells]
        if ym := next(filter(None, map(year_month, texts)), None):
            return f"{ym[0]}-{ym[1]:02d}"
    created = source.metadata.get("CreationDate", "")
    m = re.search(r"(\d{4})(\d{2})", created)
    return f"{m[1]}-{m[2]}" if m else "unknown"
