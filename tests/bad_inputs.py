"""Small bad input files, made fresh in a test's tmp_path.

Each maker writes one file and returns its path. ``BAD_INPUTS`` pairs every maker with the
error class and the words of the reason ``open_pdf`` must give, so tests (and the CLI's
tests) can loop over the same cases.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from pipeline import errors
from tests.truth_tables import SHARED

EXCERPT = SHARED / "jisshi-keikaku-2025-excerpt.pdf"
FULL = SHARED / "jisshi-keikaku-full-synthetic.pdf"
USER_PASSWORD = "secret"


def html_as_pdf(tmp: Path) -> Path:
    path = tmp / "download.pdf"
    path.write_text("<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
                    "<body>ページが見つかりません</body></html>\n", encoding="utf-8")
    return path


def empty(tmp: Path) -> Path:
    path = tmp / "empty.pdf"
    path.write_bytes(b"")
    return path


def png_as_pdf(tmp: Path) -> Path:
    path = tmp / "scan.pdf"
    Image.new("RGB", (8, 8), "white").save(path, format="PNG")
    return path


def xlsx_as_pdf(tmp: Path) -> Path:
    path = tmp / "keikaku.pdf"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64)
    return path


def text_file(tmp: Path) -> Path:
    path = tmp / "notes.pdf"
    path.write_text("plan items, see attachment\n", encoding="utf-8")
    return path


def truncated(tmp: Path, keep: float | int) -> Path:
    """The excerpt cut after ``keep`` bytes (an int) or that fraction of its length."""
    data = EXCERPT.read_bytes()
    n = keep if isinstance(keep, int) else int(len(data) * keep)
    path = tmp / f"truncated-{n}.pdf"
    path.write_bytes(data[:n])
    return path


def middle_missing(tmp: Path) -> Path:
    """The excerpt's first half plus its last 300 bytes: %%EOF is there, the xref is not."""
    data = EXCERPT.read_bytes()
    path = tmp / "middle-missing.pdf"
    path.write_bytes(data[:len(data) // 2] + data[-300:])
    return path


def broken_xref(tmp: Path) -> Path:
    """The excerpt with the digits of its xref table's first entries flipped to letters."""
    data = bytearray(EXCERPT.read_bytes())
    start = int(re.findall(rb"startxref\s+(\d+)", bytes(data))[-1])
    entries = data.index(b"0000000000 65535 f", start)
    for i in range(entries, entries + 80):
        if data[i:i + 1].isdigit():
            data[i] ^= 0x70  # '0'..'9' -> '@'..'I'
    path = tmp / "broken-xref.pdf"
    path.write_bytes(bytes(data))
    return path


def page_tree_lies(tmp: Path) -> Path:
    """The excerpt with one page dropped from /Kids while /Count still says 6 (same length)."""
    data = EXCERPT.read_bytes()
    kids = re.search(rb"/Kids \[ ([^\]]*)\]", data)
    refs = kids.group(1).split(b" R ")
    shorter = b" R ".join(refs[:-2] + [refs[-1]])
    patched = data[:kids.start(1)] + shorter.ljust(len(kids.group(1))) + data[kids.end(1):]
    path = tmp / "page-tree.pdf"
    path.write_bytes(patched)
    return path


def encrypted(tmp: Path, user_password: str = USER_PASSWORD, owner_password: str = "owner",
              algorithm: str = "AES-256") -> Path:
    """An encrypted copy of the excerpt (pypdf); ``user_password=""`` means owner-only."""
    writer = PdfWriter(clone_from=PdfReader(EXCERPT))
    writer.encrypt(user_password=user_password, owner_password=owner_password,
                   algorithm=algorithm)
    path = tmp / f"encrypted-{algorithm}-{'user' if user_password else 'owner'}.pdf"
    with path.open("wb") as f:
        writer.write(f)
    return path


def image_only(tmp: Path) -> Path:
    """A 'scan': each page is one drawn bitmap and a filled shape, no text at all."""
    path = tmp / "scanned.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    bitmap = Image.new("L", (200, 280), 255)
    bitmap.paste(0, (20, 20, 180, 40))
    for _ in range(2):
        c.drawImage(ImageReader(bitmap), 50, 100, width=500, height=700)
        c.rect(60, 60, 200, 20, fill=1)
        c.showPage()
    c.save()
    return path


def unrelated_pdf(tmp: Path) -> Path:
    """A valid PDF with ordinary English text: opens fine (NotAPlan is the extractor's call)."""
    path = tmp / "minutes.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("Meeting minutes")
    c.drawString(72, 760, "Minutes of the library committee meeting, 3 March 2025.")
    c.drawString(72, 740, "Attendees agreed to extend opening hours on weekends.")
    c.showPage()
    c.save()
    return path


@dataclass(frozen=True)
class BadInput:
    name: str
    make: Callable[[Path], Path]
    error: type[errors.PlanExtractError]
    reason: str  # a regex the one-line reason must match


BAD_INPUTS = [
    BadInput("html", html_as_pdf, errors.NotPdfError, r"looks like HTML \(an error page"),
    BadInput("empty", empty, errors.NotPdfError, r"^is empty$"),
    BadInput("png", png_as_pdf, errors.NotPdfError, r"is a PNG image"),
    BadInput("xlsx", xlsx_as_pdf, errors.NotPdfError, r"looks like a ZIP/Office file"),
    BadInput("text", text_file, errors.NotPdfError, r"is not a PDF \(starts with b'plan items"),
    BadInput("cut-10%", lambda t: truncated(t, 0.10), errors.DamagedPdfError, r"truncated.*%%EOF"),
    BadInput("cut-50%", lambda t: truncated(t, 0.50), errors.DamagedPdfError, r"truncated.*%%EOF"),
    BadInput("cut-99%", lambda t: truncated(t, 0.99), errors.DamagedPdfError, r"truncated.*%%EOF"),
    BadInput("cut-in-%%EOF", lambda t: truncated(t, EXCERPT.stat().st_size - 3),
             errors.DamagedPdfError, r"truncated.*%%EOF"),
    BadInput("middle-missing", middle_missing, errors.DamagedPdfError,
             r"truncated: its cross-reference table should start at byte \d+ but the file has"),
    BadInput("broken-xref", broken_xref, errors.DamagedPdfError,
             r"cross-reference table is broken \(\d+ problems"),
    BadInput("page-tree", page_tree_lies, errors.DamagedPdfError, r"declares 6 pages but 5"),
    BadInput("encrypted", encrypted, errors.EncryptedPdfError,
             r"^password-protected; pass --password$"),
    BadInput("encrypted-aes128", lambda t: encrypted(t, algorithm="AES-128"),
             errors.EncryptedPdfError, r"^password-protected; pass --password$"),
    BadInput("image-only", image_only, errors.NoTextLayerError,
             r"has no text layer \(scanned\?\); OCR would be needed"),
]
