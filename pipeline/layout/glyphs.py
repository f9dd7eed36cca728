"""Where a glyph's Unicode comes from, and whether it can be trusted.

pdfminer answers every glyph, but not always from the font. A code that the font's
ToUnicode map misses falls back to a base encoding the font never declared: in a TrueType
subset, code 0x32 (the 51st glyph of the subset, え) reads as "2" and 応え becomes 応2; a
CID font's code becomes "(cid:N)". Such text is a guess that no check downstream can tell
from the truth, so each glyph is read here with where its Unicode came from:

- ``SURE`` (""): the font's ToUnicode map; the encoding the font declares (a named base
  encoding, ``/Differences``, the built-in encoding of a standard or embedded Type 1 font);
  a CID font's own collection map (Adobe-Japan1 …) or TrueType cmap, when it has no
  ToUnicode map;
- ``GLYPH_NAME``: the ToUnicode map misses the code, but the font names the glyph for sure:
  ``/Differences`` with an AGL name or ``uniXXXX``, the declared base encoding, or the CID
  collection the font declares. The character is used and counted as repaired;
- ``FALLBACK``: nothing in the font says what the glyph is (pdfminer's default encoding or
  ``(cid:N)``): counted, and on a plan an error (``extract.run``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from pdfminer.cmapdb import CMapDB, FileUnicodeMap, UnicodeMap
from pdfminer.encodingdb import EncodingDB, name2unicode
from pdfminer.fontmetrics import FONT_METRICS
from pdfminer.pdffont import PDFCIDFont, PDFFont, PDFSimpleFont, PDFUnicodeNotDefined
from pdfminer.pdftypes import dict_value, list_value, resolve1
from pdfminer.psparser import PSLiteral, literal_name

SURE = ""
GLYPH_NAME = "glyph_name"
FALLBACK = "fallback"

#: Standard 14 fonts whose built-in encoding is not StandardEncoding (pdfminer assumes it).
_SYMBOLIC_STANDARD = {"Symbol", "ZapfDingbats"}


@dataclass
class FontUnicode:
    """What one font says about the Unicode of its codes."""

    tounicode: Mapping[int, str]  # the ToUnicode map (empty: none)
    has_tounicode: bool
    #: codes a /Differences array names, with the character the name gives (None: no AGL
    #: or uniXXXX name, so the code is *not* in the base encoding either)
    named: dict[int, str | None] = field(default_factory=dict)
    #: the base encoding the font declares (None: pdfminer's default, a guess)
    declared: Mapping[int, str] | None = None
    #: a CID font's own map, used when it has no ToUnicode map (or for its gaps)
    collection: UnicodeMap | None = None

    def read(self, font: PDFFont, cid: int) -> tuple[str, str]:
        """The glyph's text and where it came from (``SURE``, ``GLYPH_NAME``, ``FALLBACK``)."""
        if cid in self.tounicode:
            return self.tounicode[cid], SURE
        repaired = GLYPH_NAME if self.has_tounicode else SURE
        if cid in self.named:
            text = self.named[cid]
            if text is not None:
                return text, repaired
        elif self.declared is not None and cid in self.declared:
            return self.declared[cid], repaired
        if self.collection is not None:
            try:
                return self.collection.get_unichr(cid), repaired
            except KeyError:
                pass
        return _pdfminer_text(font, cid), FALLBACK


def _pdfminer_text(font: PDFFont, cid: int) -> str:
    """What pdfminer (and so pdfplumber) reads for the glyph: kept, but marked a guess."""
    try:
        return font.to_unichr(cid)
    except PDFUnicodeNotDefined:
        return f"(cid:{cid})"


_described: WeakKeyDictionary[PDFFont, FontUnicode] = WeakKeyDictionary()


def described(font: PDFFont) -> FontUnicode:
    """What the font says about its codes. A font not met in a resource dictionary (none,
    normally) is judged without its dictionary: only its ToUnicode map is sure."""
    out = _described.get(font)
    if out is None:
        out = _described[font] = describe(font, {})
    return out


def note_fonts(fontmap: Mapping[object, PDFFont], resources: object) -> None:
    """Describe the fonts of a resource dictionary once, from their font dictionaries."""
    specs = dict_value(dict_value(resources).get("Font", {})) if resources else {}
    for fontid, font in fontmap.items():
        if font not in _described:
            _described[font] = describe(font, dict_value(specs.get(fontid, {})))


def describe(font: PDFFont, spec: Mapping) -> FontUnicode:
    """What ``font`` (with its font dictionary ``spec``) says about its codes' Unicode."""
    umap = getattr(font, "unicode_map", None)
    if isinstance(font, PDFCIDFont):
        if "ToUnicode" in spec and isinstance(umap, FileUnicodeMap):
            return FontUnicode(umap.cid2unichr, True, collection=_collection(font))
        return FontUnicode({}, False, collection=umap)  # the collection's or cmap's, or none
    out = FontUnicode(umap.cid2unichr if isinstance(umap, FileUnicodeMap) else {},
                      umap is not None)
    if not isinstance(font, PDFSimpleFont):
        return out
    encoding = resolve1(spec.get("Encoding"))
    base = encoding
    if isinstance(encoding, dict):
        base = resolve1(encoding.get("BaseEncoding"))
        out.named = _differences(list_value(encoding.get("Differences", [])))
    if isinstance(base, PSLiteral) and literal_name(base) in EncodingDB.encodings:
        out.declared = EncodingDB.encodings[literal_name(base)]
    elif encoding is None and _builtin_is_known(font, spec):
        out.declared = font.cid2unicode
    return out


def _collection(font: PDFCIDFont) -> UnicodeMap | None:
    """The Unicode map of the character collection the font declares (Adobe-Japan1 …)."""
    if "Identity" in font.cidcoding or font.cidcoding in ("Adobe-UCS", "unknown-unknown"):
        return None
    try:
        return CMapDB.get_unicode_map(font.cidcoding, font.is_vertical())
    except CMapDB.CMapNotFound:
        return None


def _differences(diff: list) -> dict[int, str | None]:
    """Code → character of a /Differences array (None where the glyph name says nothing)."""
    out: dict[int, str | None] = {}
    code = 0
    for x in diff:
        if isinstance(x, int):
            code = x
        elif isinstance(x, PSLiteral):
            try:
                out[code] = name2unicode(literal_name(x))
            except (KeyError, ValueError):
                out[code] = None
            code += 1
    return out


def _builtin_is_known(font: PDFSimpleFont, spec: Mapping) -> bool:
    """Without /Encoding, pdfminer's reading is the font's own encoding only for an embedded
    Type 1 program it read the encoding from, or a standard Type 1 text font."""
    if literal_name(spec.get("Subtype")) != "Type1":
        return False
    basefont = getattr(font, "basefont", "")
    return hasattr(font, "fontfile") or (basefont in FONT_METRICS
                                         and basefont not in _SYMBOLIC_STANDARD)
