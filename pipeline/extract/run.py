"""extract_pdf: one PDF in, the contract's tables and a coverage report out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.errors import NotAPlanError
from pipeline.layout.pages import Block, PageContent, analyse_page, mark_furniture, stream
from pipeline.layout.read import read_page
from pipeline.limits import DEFAULT_LIMITS, Limits, page_timeout
from pipeline.normalize import clean
from pipeline.source import SourcePdf, open_pdf
from pipeline.vocabulary import DEFAULT, Vocabulary

from .assemble import to_frames
from .coverage import Ledger, PageCoverage
from .detail import DetailReader
from .overview import find_columns, read_overview
from .records import Records


@dataclass
class Extraction:
    source: SourcePdf
    tables: dict[str, pd.DataFrame]
    coverage: list[PageCoverage] = field(default_factory=list)

    @property
    def unaccounted(self) -> int:
        return sum(p.unaccounted for p in self.coverage)


def read_pages(source: SourcePdf, limits: Limits = DEFAULT_LIMITS) -> list[PageContent]:
    """Every page parsed once into the layout model (pdfplumber caches dropped per page)."""
    pages = []
    with source.open() as pdf:
        for page in pdf.pages:
            with page_timeout(limits.page_seconds, f"page {page.page_number}"):
                pages.append(analyse_page(read_page(page)))
            page.close()
    return pages


def extract_pdf(path: Path, *, password: str | None = None, vocab: Vocabulary = DEFAULT,
                limits: Limits = DEFAULT_LIMITS) -> Extraction:
    source = open_pdf(Path(path), password=password, limits=limits)
    pages = read_pages(source, limits)
    return extract_pages(source, pages, vocab)


def extract_pages(source: SourcePdf, pages: list[PageContent], vocab: Vocabulary = DEFAULT) -> Extraction:
    """The readers over already-analysed pages."""
    mark_furniture(pages)
    records, ledger = Records(), Ledger()
    for pc in pages:
        for fl in pc.flow:
            if fl.role:
                ledger.mark_lines(pc.layout.number, [fl.line], fl.role)
    blocks = stream(pages)
    start = _overview_start(blocks, vocab)
    if start is None:
        raise NotAPlanError(
            f"not a plan: no {vocab.overview_title} table with {vocab.goal}/{vocab.policy}/"
            f"{vocab.item} columns found", str(source.path))
    overview = blocks[start].table
    cols = find_columns(overview, vocab)
    read_overview(overview, cols, vocab, records, ledger)
    _classify_front_matter(blocks[:start], ledger, vocab)
    reader = DetailReader(vocab, records, ledger, {pc.layout.number: pc.loose_fills for pc in pages})
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
    tables = to_frames(records, source)
    coverage = ledger.report({pc.layout.number: pc.layout.chars for pc in pages})
    return Extraction(source, tables, coverage)


def _overview_start(blocks: list[Block], vocab: Vocabulary) -> int | None:
    for i, b in enumerate(blocks):
        if b.table is not None and find_columns(b.table, vocab) is not None:
            return i
    return None


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


_EDITION = re.compile(r"(\d{4})年\s*(\d{1,2})月")


def _edition(source: SourcePdf, front: list[Block]) -> str:
    """The edition as the document states it (``2025年3月策定`` → ``2025-03``), else the PDF date."""
    for b in front:
        if b.line is not None and (m := _EDITION.search(clean(b.line.text))):
            return f"{m[1]}-{int(m[2]):02d}"
    created = source.metadata.get("CreationDate", "")
    m = re.search(r"(\d{4})(\d{2})", created)
    return f"{m[1]}-{m[2]}" if m else "unknown"
