"""Small hostile PDFs, written object by object: decompression bombs (a page's content, the
cross-reference stream), a ToUnicode range over four billion codes, thousands of pages
sharing one heavy content stream. Each file is a few kB to a few MB and valid PDF: only
what it asks of a reader is hostile.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

MiB = 2**20
_BLOCK = b"\0" * MiB


def deflate_bomb(mib: int) -> bytes:
    """A zlib stream of ``mib`` MiB of NUL bytes (about 1 kB per MiB), made without
    compressing them all: after a full flush the deflater restarts, so every further MiB
    compresses to the same bytes."""
    c = zlib.compressobj(9)
    first = c.compress(_BLOCK) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(_BLOCK) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush()[:-4]  # the final empty block; the checksum is over all the data
    checksum = 1
    for _ in range(mib):
        checksum = zlib.adler32(_BLOCK, checksum)
    return first + again * (mib - 1) + end + struct.pack(">I", checksum)


def _stream(attrs: str, data: bytes) -> bytes:
    return f"<< {attrs} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def write_pdf(path: Path, objects: list[bytes], *, xref_stream: bytes | None = None) -> Path:
    """Objects 1..n (object 1 the catalog) with a classic xref table, or with a
    cross-reference *stream* whose (Flate) data is ``xref_stream``."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    start = len(out)
    size = len(objects) + 1
    if xref_stream is None:
        out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
        out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
        out += f"trailer\n<< /Size {size} /Root 1 0 R >>\n".encode()
    else:
        out += f"{size} 0 obj\n".encode() + _stream(
            f"/Type /XRef /Size {size + 1} /W [1 4 2] /Root 1 0 R /Filter /FlateDecode",
            xref_stream) + b"\nendobj\n"
    out += f"startxref\n{start}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _pages(kids: str, count: int) -> bytes:
    return f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode()


def _page(contents: int, font: int, parent: int = 2) -> bytes:
    return (f"<< /Type /Page /Parent {parent} 0 R /MediaBox [0 0 595 842] /Contents {contents} 0 R"
            f" /Resources << /Font << /F1 {font} 0 R >> >> >>").encode()


def _text(line: str) -> bytes:
    return f"BT /F1 10 Tf 40 800 Td ({line}) Tj ET".encode()


def page_bomb(tmp: Path, mib: int = 1024, pages: int = 1, bomb_page: int = 1) -> Path:
    """``pages`` pages of one line of text; page ``bomb_page``'s content inflates to ``mib`` MiB."""
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", _pages(kids, pages), FONT]
    for i in range(1, pages + 1):
        objects.append(_page(len(objects) + 2, 3))
        data = deflate_bomb(mib) if i == bomb_page else zlib.compress(_text(f"Minutes, page {i}"))
        objects.append(_stream("/Filter /FlateDecode", data))
    return write_pdf(tmp / f"page-bomb-{mib}MiB.pdf", objects)


def xref_bomb(tmp: Path, mib: int = 1024) -> Path:
    """A one-page PDF whose cross-reference stream inflates to ``mib`` MiB."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", _pages("3 0 R", 1), _page(4, 5),
               _stream("", _text("Minutes")), FONT]
    return write_pdf(tmp / f"xref-bomb-{mib}MiB.pdf", objects, xref_stream=deflate_bomb(mib))


def tounicode_bomb(tmp: Path) -> Path:
    """A one-page PDF whose font's ToUnicode maps the range <00000000>..<FFFFFFFF>."""
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"1 begincodespacerange <00000000> <FFFFFFFF> endcodespacerange\n"
            b"1 beginbfrange <00000000> <FFFFFFFF> <0041> endbfrange\n"
            b"endcmap CMapName currentdict /CMap defineresource pop end end")
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 5 0 R >>"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", _pages("3 0 R", 1), _page(4, 6),
               _stream("", _text("Minutes")), _stream("", cmap), font]
    return write_pdf(tmp / "tounicode-bomb.pdf", objects)


def shared_heavy_stream(tmp: Path, pages: int = 4999, glyphs: int = 150_000) -> Path:
    """``pages`` pages that all draw one content stream of ``glyphs`` glyphs (lines of
    text): a small file that is slow to read page by page."""
    per_line = 150
    rows = [f"BT /F1 4 Tf 10 {830 - 5 * (r % 160)} Td ({'x' * per_line}) Tj ET"
            for r in range(glyphs // per_line)]
    content = zlib.compress("\n".join(rows).encode())
    kids = " ".join(f"{5 + i} 0 R" for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", _pages(kids, pages), FONT,
               _stream("/Filter /FlateDecode", content)]
    objects += [_page(4, 3)] * pages
    return write_pdf(tmp / f"shared-stream-{pages}p.pdf", objects)


def image_bomb(source: Path, out: Path, *, mib: int, page: int = 2) -> Path:
    """``source`` with a grey image of ``mib`` MiB (inflated) drawn in a corner of ``page``: nothing
    for extraction (it never decodes images), gigabytes for a renderer."""
    import pikepdf

    side = int((mib * MiB) ** 0.5)
    with pikepdf.open(source) as pdf:
        image = pikepdf.Stream(pdf, deflate_bomb(mib), Type=pikepdf.Name.XObject,
                               Subtype=pikepdf.Name.Image, Width=side, Height=side,
                               ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8,
                               Filter=pikepdf.Name.FlateDecode)
        target = pdf.pages[page - 1]
        target.add_resource(image, pikepdf.Name.XObject, pikepdf.Name("/Bomb"))
        target.contents_add(pikepdf.Stream(pdf, b"q 100 0 0 100 0 0 cm /Bomb Do Q"), prepend=False)
        pdf.save(out)
    return out
