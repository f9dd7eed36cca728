"""The PDFs given to ``extract``, checked once at the door.

A file name travels into every table (``source_file``) and the open data is NFKC text, so a
name NFKC would change (（第2版）, an ideographic space, half-width ｶﾀｶﾅ) or with spaces around
it is refused here, with the name to rename it to, rather than failing at export. The same
PDF twice (under two names), or two files of one edition (版), would make the editions
ambiguous (which one is current?): refused too, naming both files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import UsageError
from pipeline.limits import Limits
from pipeline.normalize import nfkc

if TYPE_CHECKING:
    from pipeline.extract import Extraction


def check_files(pdfs: list[Path], limits: Limits) -> None:
    """File names the exports can carry as they are, and no file given twice."""
    by_size: dict[int, list[Path]] = {}
    for pdf in pdfs:
        clean = nfkc(pdf.name).strip()
        if clean != pdf.name:
            raise UsageError(f"file name {pdf.name!r} would change in the open data (full-width or "
                             f"half-width forms, spaces around it): rename the file to {clean!r}",
                             str(pdf))
        if not pdf.is_file() or pdf.stat().st_size > limits.max_file_bytes:
            continue  # opening it gives the reason
        by_size.setdefault(pdf.stat().st_size, []).append(pdf)
    for same_size in by_size.values():  # identical bytes have the same size: hash only those
        if len(same_size) < 2:
            continue
        seen: dict[str, Path] = {}
        for pdf in same_size:
            digest = file_sha256(pdf)
            if digest in seen:
                raise UsageError(f"the same PDF as {seen[digest]} (identical bytes): keep one of them",
                                 str(pdf))
            seen[digest] = pdf


def check_editions(extractions: list[Extraction]) -> None:
    """One file per edition (版): two would leave the newest edition a guess."""
    seen: dict[str, Path] = {}
    for ex in extractions:
        edition = ex.rows["documents"][0]["edition"]
        if edition in seen:
            raise UsageError(f"edition {edition} again (already in {seen[edition]}): two files of "
                             "one edition, which one is current cannot be told; keep one of them",
                             str(ex.source.path))
        seen[edition] = ex.source.path


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
