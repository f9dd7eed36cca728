"""Open a source PDF, refusing bad input with a reason an analyst can act on.

Analysts feed the tool whatever the website served: error pages saved as ``.pdf``, half
downloads, password-protected or scanned files. ``open_pdf`` classifies these *before*
extraction (``errors.NotPdfError`` … ``EncryptedPdfError``), so the extractor only ever sees a
complete, readable PDF; whether it has a text layer is decided from the first pages the
extractor reads (``missing_text_layer``), so no page is parsed twice.

What viewers open is read, and what had to be repaired is said (``SourcePdf.repairs``, in
``coverage.json``): a header after a few bytes of junk (a print banner), padding after
``%%EOF``, a cross-reference table that is missing or points to the wrong bytes (rebuilt by
pdfminer's fallback, which scans the file for its objects, as pdfplumber itself does), a
page tree's wrong ``/Count``. What
cannot be read whole stays refused: pdfminer is lenient (it skips what it cannot read), so
completeness is checked here explicitly: a truncated file, a repair that loses an object or
a page, must fail, not yield the pages that happened to survive.

``pdf_errors`` is the one place that turns pdfminer/pdfplumber failures on malformed input
(which can be any exception type) into ``DamagedPdfError``; ``SourcePdf.open`` applies it
to everything the extractor does with the open PDF.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import pdfminer
import pdfplumber
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfpage import LITERAL_PAGE, PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfplumber.utils.exceptions import PdfminerException
from pdfplumber.utils.pdfinternals import resolve_and_decode

import pipeline
from pipeline.errors import (DamagedPdfError, EncryptedPdfError, NotPdfError,
                             PlanExtractError, UsageError)
from pipeline.limits import DEFAULT_LIMITS, Limits, guard_pdfminer, out_of_memory, page_timeout

TAIL_BYTES = 1024  # %%EOF must be this close to the end (what Acrobat accepts)
HEAD_BYTES = 1024  # %PDF- must start this close to the beginning (ditto)
SAMPLE_PAGES = 3  # pages looked at for a text layer (see missing_text_layer)
MIN_TEXT_CHARS = 10  # fewer characters than this on an image page: a scan with a stamp


@dataclass(frozen=True)
class SourcePdf:
    """A PDF that passed the checks; ``open()`` gives the pdfplumber view of it."""

    path: Path
    sha256: str
    page_count: int
    metadata: dict[str, str]
    password: str | None = field(default=None, repr=False)
    #: what had to be repaired to read the file, one phrase each (empty: nothing)
    repairs: tuple[str, ...] = ()

    def plumber(self) -> pdfplumber.PDF:
        """A new pdfplumber.PDF with the password applied; the caller closes it, inside
        ``pdf_errors`` (``open`` does both)."""
        return pdfplumber.open(self.path, password=self.password or "")

    @contextmanager
    def open(self) -> Iterator[pdfplumber.PDF]:
        """pdfplumber.PDF with the password applied; library failures become DamagedPdfError."""
        with pdf_errors(str(self.path)):
            pdf = self.plumber()
            try:
                yield pdf
            finally:
                pdf.close()


def open_pdf(path: Path, password: str | None = None,
             limits: Limits = DEFAULT_LIMITS) -> SourcePdf:
    """Check ``path`` is a complete, readable PDF with a text layer; raise its error if not."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise UsageError("no such file" if not path.exists() else "is not a file", file)
    limits.check_file_size(path)
    guard_pdfminer(limits)
    data = path.read_bytes()
    header = _sniff(data, file)
    repairs = [f"{header} bytes before the %PDF- header skipped"] if header else []
    if padding := _check_complete(data, file):
        repairs.append(f"{padding} bytes of padding after %%EOF ignored")
    # the stream is closed once read: its bytes go now, not when the collector finds the
    # document (pdfminer's objects refer to one another), which may be after extraction
    with pdf_errors(file), io.BytesIO(data) as stream:
        with page_timeout(limits.page_seconds, "reading the document structure"):
            document, page_count, rebuilt = _read_structure(data, stream, password, limits, file)
        metadata = _metadata(document)
    return SourcePdf(path=path, sha256=hashlib.sha256(data).hexdigest(),
                     page_count=page_count, metadata=metadata, password=password,
                     repairs=tuple(repairs + rebuilt))


_SIGNATURES = [
    (b"PK\x03\x04", "looks like a ZIP/Office file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "looks like a ZIP/Office file"),  # legacy .xls/.doc
    (b"\x89PNG\r\n\x1a\n", "is a PNG image"),
    (b"\xff\xd8\xff", "is a JPEG image"),
]
_HTML = re.compile(rb"^(\xef\xbb\xbf)?\s*(<!doctype html|<html|<head|<body|<!--)", re.IGNORECASE)


def _sniff(data: bytes, file: str) -> int:
    """Where the PDF header starts (within ``HEAD_BYTES``, as viewers accept: a print banner
    before it is common); NotPdfError if it is not there, guessing what the file is instead."""
    header = data.find(b"%PDF-", 0, HEAD_BYTES)
    if header >= 0:
        return header
    if not data.strip():
        raise NotPdfError("is empty" if not data else "is blank (only whitespace)", file)
    if _HTML.match(data[:1024]):
        raise NotPdfError("looks like HTML (an error page saved as .pdf?)", file)
    for magic, reason in _SIGNATURES:
        if data.startswith(magic):
            raise NotPdfError(f"{reason}, not a PDF", file)
    raise NotPdfError(f"is not a PDF (starts with {data[:16]!r})", file)


_STARTXREF = re.compile(rb"startxref\s+(\d+)")
_PADDING = b"\x00\t\n\f\r "  # what may follow %%EOF (NUL bytes some writers pad with)


def _check_complete(data: bytes, file: str) -> int:
    """How many NUL bytes of padding follow the file's last %%EOF; DamagedPdfError if it
    lost its end: no %%EOF there (a truncated download)."""
    body = data.rstrip(_PADDING)
    if b"%%EOF" not in body[-TAIL_BYTES:]:
        raise DamagedPdfError("is truncated or damaged: no %%EOF at the end (download it again?)",
                              file)
    return data[len(body):].count(b"\x00")


def _check_startxref(data: bytes, file: str) -> None:
    """DamagedPdfError if the cross-reference table cannot be where the file says it is."""
    tail = data.rstrip(_PADDING)[-TAIL_BYTES:]
    offsets = _STARTXREF.findall(tail)
    if not offsets:
        raise DamagedPdfError("is damaged: no startxref before %%EOF", file)
    if int(offsets[-1]) >= len(data):
        raise DamagedPdfError(
            f"is truncated: its cross-reference table should start at byte {int(offsets[-1])} "
            f"but the file has {len(data)} bytes", file)


def _read_structure(data: bytes, stream: io.BytesIO, password: str | None, limits: Limits,
                    file: str) -> tuple[PDFDocument, int, list[str]]:
    """The document, its page count, and the repairs it needed (a rebuilt xref, a page
    tree's wrong /Count).

    The file is read as written first. If that fails, pdfminer's fallback (which pdfplumber
    uses when reading the pages) rebuilds the cross-reference table from the objects in the
    file; the rebuilt document is accepted only if pdfminer reads it without a complaint and
    its page tree is whole. Otherwise the first failure is the reason given.
    """
    try:
        with pdf_errors(file):
            _check_startxref(data, file)
            document = _parse(stream, password, file)
            return document, *_count_pages(document, limits, file)
    except DamagedPdfError as as_written:
        try:
            with pdf_errors(file):
                document = _parse(stream, password, file, fallback=True)
                page_count, quirks = _count_pages(document, limits, file)
        except DamagedPdfError:
            raise as_written from None
        return document, page_count, [
            f"cross-reference table rebuilt by scanning the file's objects (as written, it "
            f"{as_written.reason})", *quirks]


def _parse(stream: io.BytesIO, password: str | None, file: str, fallback: bool = False) -> PDFDocument:
    """The pdfminer document, refusing what pdfminer would silently repair: a broken xref
    or trailer.

    pdfminer skips unreadable xref entries with a logged warning (or, with ``fallback``,
    rebuilds the whole table by scanning); a warning means something was lost.
    """
    try:
        with _pdfminer_warnings() as warnings:
            document = PDFDocument(PDFParser(stream), password=password or "",
                                   fallback=fallback)
    except PDFPasswordIncorrect:
        raise EncryptedPdfError(
            "password-protected; pass --password" if password is None
            else "password-protected and the given --password is wrong", file) from None
    except PDFEncryptionError as e:
        raise EncryptedPdfError(f"uses encryption this tool cannot open ({_brief(e)})",
                                file) from e
    except (PlanExtractError, MemoryError):
        raise
    except Exception as e:  # anything pdfminer raises while reading xref and trailer
        raise DamagedPdfError(
            f"is damaged: its cross-reference table or trailer is unreadable ({_brief(e)})",
            file) from e
    if warnings:
        raise DamagedPdfError(
            f"is damaged: its cross-reference table is broken ({len(warnings)} problems, "
            f"first: {_cut(warnings[0])})", file)
    return document


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _pdfminer_warnings() -> Iterator[list[str]]:
    """Collect (instead of printing) the warnings pdfminer logs inside the block, also
    where the command line has silenced them (they decide whether the file is damaged)."""
    logger = logging.getLogger("pdfminer")
    handler = _Collect()
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def _count_pages(document: PDFDocument, limits: Limits, file: str) -> tuple[int, list[str]]:
    """Pages reachable in the page tree, and the repair if its /Count is off.

    A wrong or missing /Count is a quirk viewers ignore: it is accepted (and recorded) when
    the tree reaches every page object in the file. A page the tree misses is a lost page.
    """
    declared = resolve1(resolve1(document.catalog.get("Pages")) or {}).get("Count")
    if not isinstance(declared, int):
        declared = None
    else:
        limits.check_page_count(declared, file)  # before walking a tree that may be huge
    found = 0
    for _ in PDFPage.create_pages(document):
        found += 1
        limits.check_page_count(found, file)
    if found and found == declared:
        return found, []
    in_file = _page_objects(document)
    if in_file == found == 0:
        raise DamagedPdfError("has no pages", file)
    said = "has no page count" if declared is None else f"declares {declared} pages"
    if in_file > found:
        raise DamagedPdfError(f"is damaged: its page tree {said} but {found} could be read, of "
                              f"{in_file} in the file", file)
    return found, [f"page tree {said}; read its {found} pages, all the file has"]


def _page_objects(document: PDFDocument) -> int:
    """How many page objects the file holds, reached from the page tree or not."""
    pages = 0
    for objid in {i for xref in document.xrefs for i in xref.get_objids()}:
        try:
            obj = document.getobj(objid)
        except (PlanExtractError, MemoryError):
            raise
        except Exception:  # noqa: BLE001  (an object that cannot be read is no page to count)
            continue
        pages += isinstance(obj, dict) and obj.get("Type") is LITERAL_PAGE
    return pages


def _metadata(document: PDFDocument) -> dict[str, str]:
    """The document information dictionary, decoded as pdfplumber does."""
    out: dict[str, str] = {}
    for info in document.info:
        for key, value in info.items():
            try:
                out[str(key)] = str(resolve_and_decode(value))
            except Exception:  # noqa: BLE001  (an undecodable entry is not worth refusing the PDF)
                continue
    return out


def missing_text_layer(sample: list[tuple[int, int]]) -> bool:
    """Do the first pages, as (characters, images) each, look scanned: images, (almost) no text?

    The extractor asks this of the first ``SAMPLE_PAGES`` pages it reads, so no page is
    parsed twice; pages without text *and* without images are left to the readers to report.
    """
    return all(chars < MIN_TEXT_CHARS for chars, _ in sample) and any(images for _, images in sample)


_LIBRARY_DIRS = tuple(str(Path(m.__file__).parent) for m in (pdfminer, pdfplumber))
_OUR_DIR = str(Path(pipeline.__file__).parent)


@contextmanager
def pdf_errors(file: str) -> Iterator[None]:
    """Turn failures *inside* pdfminer/pdfplumber into DamagedPdfError naming ``file``.

    Malformed input makes pdfminer raise anything (KeyError, zlib.error, struct.error …),
    so the type says little; where it was raised says more. An exception whose innermost
    pdfminer/pdfplumber/pipeline frame lies in the PDF libraries is the file's fault; one
    raised in our own code is a bug and propagates unchanged. ``PlanExtractError`` (e.g. a
    page timeout fired inside pdfminer) passes through, and ``MemoryError`` becomes
    ``ResourceLimitError``.
    """
    try:
        yield
    except MemoryError as e:
        raise out_of_memory(file) from e
    except Exception as e:
        cause = e.args[0] if isinstance(e, PdfminerException) and e.args else e
        if isinstance(cause, PlanExtractError):
            cause.file = cause.file or file
            if cause is e:
                raise
            raise cause from e
        if isinstance(cause, MemoryError):
            raise out_of_memory(file) from e
        if not _raised_in_pdf_library(e.__traceback__):
            raise
        raise DamagedPdfError(f"is damaged: pdfminer cannot read it ({_brief(cause)})",
                              file) from e


def _raised_in_pdf_library(tb: TracebackType | None) -> bool:
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_filename)
        tb = tb.tb_next
    for filename in reversed(frames):
        if filename.startswith(_LIBRARY_DIRS):
            return True
        if filename.startswith(_OUR_DIR):
            return False
    return False


def _brief(e: BaseException) -> str:
    """``Type: message`` on one line, cut to a readable length."""
    return _cut(f"{type(e).__name__}: {e}")


def _cut(text: str, width: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."
