"""A plan edition whose fonts' ToUnicode maps miss some characters (post-processed, pikepdf).

Some producers write a ToUnicode map with gaps. pdfminer then reads the missing codes of a
TrueType subset through a base encoding the font never declared (「応え」 → 「応2」, 「リスク」 →
「0スク」). With ``glyph_names`` the fonts also name those glyphs in ``/Encoding /Differences``
(``uniXXXX``, or the Adobe Glyph List name where there is one), from which the character is
known for sure.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pikepdf
from pdfminer.cmapdb import CMapParser, FileUnicodeMap
from pdfminer.glyphlist import glyphname2unicode

_AGL = {char: name for name, char in glyphname2unicode.items() if name.isalpha()}


def drop_tounicode(src: Path, out: Path, chars: str, glyph_names: bool = False) -> int:
    """Copy ``src`` to ``out`` with ``chars`` left out of every simple font's ToUnicode map;
    return how many codes were left out."""
    dropped = 0
    with pikepdf.open(src) as pdf:
        for font in _simple_fonts(pdf):
            codes = _read_cmap(font.ToUnicode.read_bytes())
            gone = {code: text for code, text in codes.items() if text in chars}
            if not gone:
                continue
            font.ToUnicode = pdf.make_stream(_write_cmap(
                {c: t for c, t in codes.items() if c not in gone}))
            if glyph_names:
                names: list = []
                for code, text in sorted(gone.items()):
                    names += [code, pikepdf.Name("/" + _AGL.get(text, f"uni{ord(text):04X}"))]
                font.Encoding = pikepdf.Dictionary(Type=pikepdf.Name.Encoding,
                                                   Differences=pikepdf.Array(names))
            dropped += len(gone)
        pdf.save(out)
    return dropped


def _simple_fonts(pdf: pikepdf.Pdf):
    seen = set()
    for page in pdf.pages:
        for font in page.obj.get("/Resources", {}).get("/Font", {}).values():
            if font.objgen not in seen and font.get("/Subtype") != "/Type0" and "/ToUnicode" in font:
                seen.add(font.objgen)
                yield font


def _read_cmap(data: bytes) -> dict[int, str]:
    umap = FileUnicodeMap()
    CMapParser(umap, BytesIO(data)).run()
    return dict(umap.cid2unichr)


def _write_cmap(codes: dict[int, str]) -> bytes:
    """A one-byte ToUnicode CMap of ``bfchar`` entries (at most 100 per block, as the
    specification asks)."""
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<00> <FF>", "endcodespacerange"]
    items = sorted(codes.items())
    for i in range(0, len(items), 100):
        block = items[i:i + 100]
        lines.append(f"{len(block)} beginbfchar")
        lines += [f"<{c:02X}> <{t.encode('utf-16-be').hex().upper()}>" for c, t in block]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")
