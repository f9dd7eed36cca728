"""A producer that stores landscape pages as portrait ones: the content drawn turned a
quarter and the page marked ``/Rotate 90``, so viewers (and pdfminer) show it upright."""

from __future__ import annotations

from pathlib import Path

import pikepdf


def rotated_pages(src: Path, out: Path) -> Path:
    """``src`` with every page stored portrait, its content turned, and ``/Rotate 90``."""
    with pikepdf.open(src) as pdf:
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.mediabox)
            width, height = x1 - x0, y1 - y0
            page.contents_coalesce()
            turn = f"q 0 1 -1 0 {height:g} 0 cm 1 0 0 1 {-x0:g} {-y0:g} cm\n".encode()
            page.obj.Contents = pdf.make_stream(turn + page.obj.Contents.read_bytes() + b"\nQ")
            page.mediabox = [0, 0, height, width]
            if "/CropBox" in page.obj:
                del page.obj["/CropBox"]
            page.obj.Rotate = 90
        pdf.save(out)
    return out
