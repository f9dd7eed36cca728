"""The pages of a document, each read once and let go of: in a worker, or in this process.

A worker process receives chunks of pages in page order and keeps its walk of the document
open between them (fonts and the page tree are read once per worker). This module imports
no pandas, so a forked worker needs nothing more than the page reader.
"""

from __future__ import annotations

import pdfplumber
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage

from pipeline.limits import Limits, apply_memory_limit, guard_pdfminer, page_timeout
from pipeline.source import SourcePdf, pdf_errors

from .pages import PageContent, analyse_page
from .read import read_page


class PageWalk:
    """The pages of an open PDF, walked once in page order and let go of once read.

    ``pdfplumber.PDF.pages`` keeps every page, and with it each page's content stream,
    decoded on reading (some 16 KB a page here), until the PDF is closed: memory would grow
    with the document. Here a page is made only when its turn comes, and once passed its
    objects also leave pdfminer's object cache (fonts and shared resources stay).
    """

    def __init__(self, source: SourcePdf) -> None:
        self.source = source
        self.pdf = source.plumber()
        self._tree = enumerate(PDFPage.create_pages(self.pdf.doc))
        self.position = 0  # index of the next page the walk can give

    def read(self, first: int, last: int, limits: Limits) -> list[PageContent]:
        """Pages ``first``..``last``-1 (0-based, not before ``position``) analysed."""
        out = []
        for index, page_obj in self._tree:
            if index >= first:
                page = pdfplumber.page.Page(self.pdf, page_obj, page_number=index + 1,
                                            initial_doctop=0)
                with page_timeout(limits.page_seconds, f"page {page.page_number}"):
                    out.append(analyse_page(read_page(page)))
            _forget(self.pdf.doc, page_obj)  # read now, or by another worker
            if index + 1 >= last:
                break
        self.position = last
        return out

    def close(self) -> None:
        """Close the file. (``pdfplumber.PDF.close`` would first make every page, to close
        each; the walk kept none.)"""
        self.pdf.stream.close()


def _forget(doc: PDFDocument, page_obj: PDFPage) -> None:
    """Drop a page's own objects (its dictionary and content streams) from pdfminer's cache
    of resolved objects; what pages share (fonts, resources) stays."""
    cache = getattr(doc, "_cached_objs", None)  # private: if it is gone, so is the problem
    if isinstance(cache, dict):
        for obj in (page_obj, *page_obj.contents):
            cache.pop(getattr(obj, "pageid", getattr(obj, "objid", None)), None)


#: In a worker process: the walk it keeps open between chunks.
_kept: PageWalk | None = None


def read_chunk(source: SourcePdf, first: int, last: int, limits: Limits,
               memory: int | None = None) -> list[PageContent]:
    """Worker-process entry point: pages ``first``..``last``-1 of ``source`` analysed, in
    at most ``memory`` bytes (this worker's share of the run's)."""
    global _kept
    with pdf_errors(str(source.path)):
        if _kept is None or _kept.source != source or _kept.position > first:
            apply_memory_limit(memory or limits.memory_bytes)
            guard_pdfminer(limits)
            if _kept is not None:
                _kept.close()
            _kept = PageWalk(source)
        return _kept.read(first, last, limits)
