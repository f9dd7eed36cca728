"""extract_pdf: one PDF in, the contract's tables and a coverage report out."""

from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import cached_property
from multiprocessing import get_context
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import NoTextLayerError, NotAPlanError, ResourceLimitError
from pipeline.layout.pages import Block, PageContent, mark_furniture, stream
from pipeline.layout.tables import join
from pipeline.layout.read import read_chunk, read_range
from pipeline.limits import DEFAULT_LIMITS, Limits
from pipeline.normalize import clean, year_month
from pipeline.progress import Progress
from pipeline.source import SourcePdf, open_pdf
from pipeline.vocabulary import DEFAULT, Vocabulary

from .assemble import Rows, to_frames, to_rows
from .coverage import Ledger, PageCoverage
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


def read_pages(source: SourcePdf, limits: Limits = DEFAULT_LIMITS, workers: int = 0,
               progress: bool = False) -> list[PageContent]:
    """Every page in the layout model, in page order, parsed in parallel worker processes.

    Pages go to workers in contiguous chunks (a few per worker, so a worker slowed by other
    load does not hold up the end); each worker keeps the PDF open across its chunks and no
    page is ever parsed twice. A small document is read in this process.
    """
    n = source.page_count
    workers = workers or os.cpu_count() or 1
    chunk = max(4, -(-n // (workers * 4)))
    ranges = [(i, min(i + chunk, n)) for i in range(0, n, chunk)]
    pages: list[PageContent] = []
    with Progress(progress, total=n, what=source.path.name) as bar:
        if workers == 1 or len(ranges) == 1:
            with source.open() as pdf:
                for first, last in ranges:
                    pages += read_range(pdf, first, last, limits)
                    bar.advance(last - first)
            return pages
        with ProcessPoolExecutor(min(workers, len(ranges)), mp_context=_forkserver()) as pool:
            futures = [pool.submit(read_chunk, source, first, last, limits) for first, last in ranges]
            for (first, last), future in zip(ranges, futures):
                pages += _result(future, source)
                bar.advance(last - first)
    return pages


def _forkserver() -> BaseContext:
    """Workers fork from a server that has imported the page reader (not pandas) once."""
    context = get_context("forkserver")
    context.set_forkserver_preload([read_chunk.__module__])
    return context


def _result(future, source: SourcePdf) -> list[PageContent]:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise ResourceLimitError("a page worker died (out of memory?)", str(source.path)) from exc


def extract_pdf(path: Path, *, password: str | None = None, vocab: Vocabulary = DEFAULT,
                limits: Limits = DEFAULT_LIMITS, workers: int = 0,
                progress: bool = False) -> Extraction:
    """The contract tables and coverage of one PDF (bad input raises a PlanExtractError)."""
    source = open_pdf(Path(path), password=password, limits=limits)
    pages = read_pages(source, limits, workers, progress)
    return extract_pages(source, pages, vocab)


def extract_pages(source: SourcePdf, pages: list[PageContent], vocab: Vocabulary = DEFAULT) -> Extraction:
    """The readers over already-analysed pages."""
    _check_unicode(source, pages)
    mark_furniture(pages)
    records, ledger = Records(), Ledger()
    for pc in pages:
        for fl in pc.flow:
            if fl.role:
                ledger.mark_lines(pc.number, [fl.line], fl.role)
    blocks = stream(pages)
    start = _overview_start(blocks, vocab)
    if start is None:
        raise NotAPlanError(
            f"not a plan: no {vocab.overview_title} table with {vocab.goal}/{vocab.policy}/"
            f"{vocab.item} columns found", str(source.path))
    overview = blocks[start].table
    cols = find_columns(overview, vocab)
    _absorb_overview_continuations(blocks, start, vocab, ledger)
    for block in blocks:
        for cell in block.table.repeated if block.table else ():
            ledger.mark_cell(cell, "table_header")
    read_overview(overview, cols, vocab, records, ledger)
    _classify_front_matter(blocks[:start], ledger, vocab)
    reader = DetailReader(vocab, records, ledger, {pc.number: pc.loose_fills for pc in pages})
    for block in blocks[start + 1:]:
        if block.table is not None:
            reader.on_table(block.table)
        else:
            _after_overview_line(block, reader, ledger)
    reader.finish()
    records.add("documents", source_file=source.path.name, source_sha256=source.sha256,
                edition=_edition(source, blocks[:start]), page_count=source.page_count,
                declared_goals=cols.declared["goals"], declared_policies=cols.declared["policies"],
                declared_items=cols.declared["items"],
                plan_start_fy=min(reader.plan_years, default=None),
                plan_end_fy=max(reader.plan_years, default=None))
    rows = to_rows(records, source)
    coverage = ledger.report(pages)
    return Extraction(source, rows, coverage, pages, ledger)


def _check_unicode(source: SourcePdf, pages: list[PageContent]) -> None:
    """Glyphs without a Unicode mapping come out as ``(cid:123)``: unreadable, not a plan."""
    total = sum(ln.count for pc in pages for ln in pc.lines())
    unmapped = sum(pc.unmapped for pc in pages)
    if total and unmapped > total / 2:
        raise NoTextLayerError(
            f"its text layer has no Unicode mapping ({unmapped} of {total} glyphs are "
            "(cid:…)); OCR would be needed", str(source.path))


def _overview_start(blocks: list[Block], vocab: Vocabulary) -> int | None:
    for i, b in enumerate(blocks):
        if b.table is not None and find_columns(b.table, vocab) is not None:
            return i
    return None


def _absorb_overview_continuations(blocks: list[Block], start: int, vocab: Vocabulary,
                                   ledger: Ledger) -> None:
    """Join later parts of the 体系図 that repeat its header (maybe under a 「(続き)」 title).

    A part directly at the top of the next page was joined by ``layout.pages.stream``
    already; this catches parts that have a title line above them.
    """
    overview = blocks[start].table
    i = start + 1
    while i < len(blocks):
        j = i
        while j < len(blocks) and blocks[j].table is None and blocks[j].page > blocks[i - 1].page:
            j += 1
        if j == i or j == len(blocks) or find_columns(blocks[j].table, vocab) is None:
            return
        for b in blocks[i:j]:
            ledger.mark_lines(b.page, [b.line.line], "section_title")
        join(overview, blocks[j].table)
        del blocks[i:j + 1]


def _classify_front_matter(blocks: list[Block], ledger: Ledger, vocab: Vocabulary) -> None:
    """Before the 体系図: the cover (title page) and the 体系図's own title line."""
    for b in blocks:
        if b.line is not None:
            role = "section_title" if vocab.overview_title in b.line.text else "cover"
            ledger.mark_lines(b.page, [b.line.line], role)


def _after_overview_line(block: Block, reader: DetailReader, ledger: Ledger) -> None:
    text = clean(block.line.text)
    if text.startswith("※"):
        ledger.mark_lines(block.page, [block.line.line], "footnote")
    else:
        reader.on_line(block.page, block.line.line)


def _edition(source: SourcePdf, front: list[Block]) -> str:
    """The edition as the document states it (``2025年3月策定`` → ``2025-03``), else the PDF date."""
    for b in front:
        if b.line is not None and (ym := year_month(b.line.text)):
            return f"{ym[0]}-{ym[1]:02d}"
    created = source.metadata.get("CreationDate", "")
    m = re.search(r"(\d{4})(\d{2})", created)
    return f"{m[1]}-{m[2]}" if m else "unknown"
