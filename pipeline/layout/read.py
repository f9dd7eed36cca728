"""Read a pdfplumber page once into a :class:`PageLayout` of plain data.

Everything later works on this model, so each page is parsed exactly once and the
pdfplumber objects can be dropped straight after (``walk.py`` goes through a document so).

pdfminer interprets the page, as it does for pdfplumber (its operands cut by qpdf, see
``content.py``), but into :class:`_Device`: its page aggregator, except that every glyph
becomes a :class:`Char` directly. pdfplumber's ``page.chars`` builds an ``LTChar`` per
glyph, tags it with its marked-content id and then turns it into a dict of some twenty
attributes we never look at, which together cost about a third of the whole parse. The box of a glyph is computed exactly as ``LTChar`` computes it
and converted exactly as pdfplumber converts it (top-left origin, MediaBox offset), so the
result is the same as reading its dicts.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import NamedTuple

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTComponent, LTContainer, LTCurve, LTImage, LTLine, LTRect
from pdfminer.pdfdevice import logger as pdfminer_log
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdffont import PDFFont
from pdfminer.pdftypes import PDFObjRef, PDFStream
from pdfminer.utils import Matrix, apply_matrix_rect
from pdfplumber.utils.pdfinternals import resolve_all

from pipeline.normalize import nfkc, suspects

from .content import Interpreter
from .glyphs import FALLBACK, described, note_fonts
from .model import Char, Fill, Guess, PageLayout, Segment

#: A filled rectangle thinner than this is a drawn line, not a cell background.
THIN = 2.0
#: How far from axis-aligned a line may be and still count as a ruling.
SKEW = 0.5


def _color(value) -> tuple[float, ...]:
    if value is None:
        return ()
    if isinstance(value, (int, float)):
        return (float(value),)
    try:
        return tuple(float(v) for v in value)
    except (TypeError, ValueError):  # pattern colours and the like
        return ()


def _is_white(color: tuple[float, ...]) -> bool:
    """Paper-coloured fills (white in gray/RGB, no ink in CMYK) carry no meaning."""
    if len(color) == 4:
        return all(v <= 0.01 for v in color)
    return bool(color) and all(v >= 0.99 for v in color)


def _edges(x0: float, top: float, x1: float, bottom: float) -> list[Segment]:
    return [
        Segment(x0, top, x1, top), Segment(x0, bottom, x1, bottom),
        Segment(x0, top, x0, bottom), Segment(x1, top, x1, bottom),
    ]


def _straight_parts(points: list[tuple[float, float]]) -> list[Segment]:
    """The horizontal and vertical pieces of a path (other pieces are not rulings)."""
    out = []
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        if abs(ax - bx) <= SKEW and abs(ay - by) > SKEW:
            out.append(Segment(ax, min(ay, by), ax, max(ay, by)))
        elif abs(ay - by) <= SKEW and abs(ax - bx) > SKEW:
            out.append(Segment(min(ax, bx), ay, max(ax, bx), ay))
    return out


def _objects(container: LTContainer) -> Iterator[LTComponent]:
    """Leaf layout objects in drawing order; figures (form XObjects) are opened up."""
    for obj in container:
        if isinstance(obj, LTContainer):
            yield from _objects(obj)
        else:
            yield obj


class _Interpreter(Interpreter):
    """The interpreter, also noting the dictionary of each font it loads: what the font
    declares decides whether a glyph's Unicode is sure (``glyphs``)."""

    def init_resources(self, resources: dict[object, object]) -> None:
        super().init_resources(resources)
        note_fonts(self.fontmap, resources)


class _Device(PDFPageAggregator):
    """pdfminer's page aggregator with glyphs made straight into :class:`Char`.

    Paths and images still go through pdfminer's own classification (lines, rectangles,
    curves, figures); only the per-glyph ``LTChar`` is skipped.
    """

    def __init__(self, page, layout: PageLayout) -> None:
        super().__init__(page.pdf.rsrcmgr, pageno=page.page_number)
        self.chars, self.suspect, self.guesses = layout.chars, layout.suspects, layout.guesses
        self.height = float(page.height)
        self.mb_x0, self.mb_top = page.mediabox[:2]
        # One string object per distinct glyph text on the page (pickling keeps the sharing).
        self.one_text = {}.setdefault

    def note_source(self, source: str, text: str, font: PDFFont, cid: int) -> None:
        """Count a glyph the ToUnicode map missed (``glyphs.GLYPH_NAME``, ``FALLBACK``) as
        suspect; keep where a guessed one is."""
        guess = Guess(len(self.chars), text, getattr(font, "basefont", "?"), cid)
        how = "a guess" if source == FALLBACK else "from its glyph name"
        self.suspect.add(source, text, text,
                         shown=f"code {cid:#04x} of font {guess.font} read as {text!r} ({how})")
        if source == FALLBACK:
            self.guesses.append(guess)

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        """pdfplumber's x0, top, x1, bottom of a box in pdfminer's page space."""
        if self.mb_x0 != 0:
            x0, x1 = x0 + self.mb_x0, x1 + self.mb_x0
        return x0, self.height - y1 + self.mb_top, x1, self.height - y0 + self.mb_top

    def point(self, x: float, y: float) -> tuple[float, float]:
        """pdfplumber's x, top of a point in pdfminer's page space."""
        return x + self.mb_x0, self.height - y + self.mb_top

    def glyph(self, font: PDFFont, cid: int) -> _Glyph:
        """What the page needs of a code of a font, worked out once per worker."""
        known = _codes(font)
        glyph = known.get(cid)
        if glyph is None:
            raw, source = described(font).read(font, cid)
            text = nfkc(raw)
            glyph = known[cid] = _Glyph(raw, source, raw if text == raw else text,
                                        tuple(suspects(raw).items()), font.char_width(cid))
        return glyph

    def note(self, glyph: _Glyph, font: PDFFont, cid: int) -> None:
        """Count a glyph whose Unicode was repaired or is a guess as suspect."""
        if glyph.source:
            self.note_source(glyph.source, glyph.raw, font, cid)
        for kind, count in glyph.kinds:
            self.suspect.add(kind, glyph.raw, glyph.text, count)

    def render_char(self, matrix: Matrix, font: PDFFont, fontsize: float, scaling: float,
                    rise: float, cid: int, ncs, graphicstate) -> float:
        """Add the glyph; return its advance (what pdfminer's own ``render_char`` does)."""
        glyph = self.glyph(font, cid)
        if glyph.source or glyph.kinds:
            self.note(glyph, font, cid)
        adv = glyph.width * fontsize * scaling
        if font.is_vertical():  # as LTChar: the box hangs from the origin, centred on it
            vx, vy = font.char_disp(cid)
            vx = fontsize * 0.5 if vx is None else vx * fontsize * 0.001
            vy = (1000 - vy) * fontsize * 0.001
            x0, y0, x1, y1 = apply_matrix_rect(matrix, (-vx, vy + rise + adv, -vx + fontsize, vy + rise))
            size = x1 - x0
        else:
            descent = font.get_descent() * fontsize
            x0, y0, x1, y1 = apply_matrix_rect(matrix, (0, descent + rise, adv, descent + rise + fontsize))
            size = y1 - y0
        x0, top, x1, bottom = self.box(x0, y0, x1, y1)
        self.chars.append(Char(x0, top, x1, bottom, self.one_text(glyph.text, glyph.text),
                               float(size or bottom - top), len(self.chars)))
        return adv

    def render_string_horizontal(self, seq, matrix: Matrix, pos: tuple[float, float],
                                 font: PDFFont, fontsize: float, scaling: float,
                                 charspace: float, wordspace: float, rise: float,
                                 dxscale: float, ncs, graphicstate) -> tuple[float, float]:
        """pdfminer's loop over a string's glyphs with its ``translate_matrix`` and our
        ``render_char`` written out in it: the same arithmetic in the same order (so the
        same floats), without the five calls per glyph. (Vertical text keeps pdfminer's.)"""
        if not isinstance(seq, list):  # a damaged TJ: pdfminer's loop fails (or copes) its way
            return super().render_string_horizontal(seq, matrix, pos, font, fontsize, scaling,
                                                    charspace, wordspace, rise, dxscale, ncs,
                                                    graphicstate)
        x, y = pos
        a, b, c, d, e, f = matrix
        descent = font.get_descent() * fontsize
        y0, y1 = descent + rise, descent + rise + fontsize
        cy0, dy0, cy1, dy1 = c * y0, d * y0, c * y1, d * y1
        chars, one_text, glyphs = self.chars, self.one_text, _codes(font)
        height, mb_x0, mb_top = self.height, self.mb_x0, self.mb_top
        needcharspace = False
        for obj in seq:
            if isinstance(obj, (int, float)):
                x -= obj * dxscale
                needcharspace = True
            elif isinstance(obj, bytes):
                for cid in font.decode(obj):
                    if needcharspace:
                        x += charspace
                    glyph = glyphs.get(cid)
                    if glyph is None:
                        glyph = self.glyph(font, cid)
                    if glyph.source or glyph.kinds:
                        self.note(glyph, font, cid)
                    adv = glyph.width * fontsize * scaling
                    # translate_matrix(matrix, (x, y)), then apply_matrix_rect of the box
                    # (0, y0, adv, y1), as LTChar
                    e1, f1 = x * a + y * c + e, x * b + y * d + f
                    left1, bottom1 = a * 0 + cy0 + e1, b * 0 + dy0 + f1
                    right1, bottom2 = a * adv + cy0 + e1, b * adv + dy0 + f1
                    right2, top1 = a * adv + cy1 + e1, b * adv + dy1 + f1
                    left2, top2 = a * 0 + cy1 + e1, b * 0 + dy1 + f1
                    gx0, gy0 = min(left1, left2, right1, right2), min(bottom1, bottom2, top1, top2)
                    gx1, gy1 = max(left1, left2, right1, right2), max(bottom1, bottom2, top1, top2)
                    size = gy1 - gy0
                    # self.box
                    if mb_x0 != 0:
                        gx0, gx1 = gx0 + mb_x0, gx1 + mb_x0
                    top, bottom = height - gy1 + mb_top, height - gy0 + mb_top
                    text = glyph.text
                    chars.append(Char(gx0, top, gx1, bottom, one_text(text, text),
                                      float(size or bottom - top), len(chars)))
                    x += adv
                    if cid == 32 and wordspace:
                        x += wordspace
                    needcharspace = True
            else:  # as pdfminer, which warns
                pdfminer_log.warning("Cannot render horizontal string because %r is not a valid "
                            "int, float or bytes.", obj)
        return x, y


class _Glyph(NamedTuple):
    """A code of a font as the page reader needs it (``_Device.glyph``)."""

    raw: str  # the font's Unicode for it
    source: str  # where that came from (``glyphs``: SURE, GLYPH_NAME, FALLBACK)
    text: str  # as stored (normalize.nfkc)
    kinds: tuple[tuple[str, int], ...]  # suspect code points in ``raw``, by kind
    width: float  # pdfminer's char_width


#: per font, its codes met so far (in this process: a worker reads its pages' fonts once)
_glyphs: OrderedDict[PDFFont, dict[int, _Glyph]] = OrderedDict()
#: fonts kept, here and in pdfminer's cache (``RecentFonts``): the last used (a long
#: document may bring new fonts as it goes, each used on a few pages)
FONTS_KEPT = 16


def _codes(font: PDFFont) -> dict[int, _Glyph]:
    """The codes of ``font`` met so far, in ``_glyphs`` (the least recently used font goes)."""
    known = _glyphs.get(font)
    if known is None:
        known = _glyphs[font] = {}
        if len(_glyphs) > FONTS_KEPT:
            _glyphs.popitem(last=False)
    else:
        _glyphs.move_to_end(font)
    return known


class RecentFonts(dict):
    """pdfminer's cache of the fonts it has parsed (``PDFResourceManager._cached_fonts``, by
    object id), kept to the ``FONTS_KEPT`` used last: pdfminer keeps every font for the life
    of the document, so a worker would grow with each font a long document brings. A font
    let go of leaves pdfminer's object cache too, with the objects it refers to (widths,
    ToUnicode map, descriptor), and is parsed again if a later page uses it: the same font
    read the same way, so the same glyphs."""

    def __init__(self, doc: PDFDocument) -> None:
        super().__init__()
        self.doc = doc

    def __getitem__(self, objid: object) -> PDFFont:
        font = self[objid] = self.pop(objid)  # now the last used
        return font

    def __setitem__(self, objid: object, font: PDFFont) -> None:
        super().__setitem__(objid, font)
        if len(self) > FONTS_KEPT:
            oldest = next(iter(self))
            del self[oldest]
            _uncache(self.doc, oldest)


def _uncache(doc: PDFDocument, objid: object) -> None:
    """Drop an object and what it refers to from pdfminer's cache of resolved objects."""
    cache = getattr(doc, "_cached_objs", None)  # private: if it is gone, so is the problem
    if not isinstance(cache, dict):
        return
    todo = [cache.pop(objid, None)]
    while todo:
        obj = todo.pop()
        if isinstance(obj, PDFStream):
            obj = obj.attrs
        if isinstance(obj, PDFObjRef):
            todo.append(cache.pop(obj.objid, None))
        elif isinstance(obj, dict):
            todo.extend(obj.values())
        elif isinstance(obj, (list, tuple)):  # the cache holds (object, generation) pairs
            todo.extend(obj)


def read_page(page) -> PageLayout:
    """Characters (NFKC, look-alikes folded), ruling segments and filled rectangles of one pdfplumber page."""
    layout = PageLayout(number=page.page_number, width=float(page.width), height=float(page.height))
    rsrcmgr = page.pdf.rsrcmgr
    if type(getattr(rsrcmgr, "_cached_fonts", None)) is dict:  # private: pdfminer may change it
        rsrcmgr._cached_fonts = RecentFonts(page.pdf.doc)
    device = _Device(page, layout)
    _Interpreter(device.rsrcmgr, device).process_page(page.page_obj)

    def box(obj: LTComponent) -> tuple[float, float, float, float]:
        return device.box(obj.x0, obj.y0, obj.x1, obj.y1)

    segments = layout.segments
    rects: list[LTRect] = []
    for obj in _objects(device.get_result()):
        kind = type(obj)
        if kind is LTLine:
            x0, top, x1, bottom = box(obj)
            if abs(x0 - x1) <= SKEW or abs(top - bottom) <= SKEW:
                segments.append(Segment(x0, top, x1, bottom))
        elif kind is LTRect:
            rects.append(obj)
        elif kind is LTCurve and obj.stroke:  # a polyline: rulings drawn as one path
            segments.extend(_straight_parts([device.point(*pt) for pt in obj.pts]))
        elif kind is LTImage:
            layout.images += 1
    for r in rects:  # after all lines, as pdfplumber's page.lines then page.rects did
        x0, top, x1, bottom = box(r)
        if r.fill and (x1 - x0 <= THIN or bottom - top <= THIN):
            cy, cx = (top + bottom) / 2, (x0 + x1) / 2
            thin_h = bottom - top <= x1 - x0
            segments.append(Segment(x0, cy, x1, cy) if thin_h else Segment(cx, top, cx, bottom))
            continue
        if r.stroke:
            segments.extend(_edges(x0, top, x1, bottom))
        if r.fill and not _is_white(_color(resolve_all(r.non_stroking_color))):
            layout.fills.append(Fill(x0, top, x1, bottom))
    return layout
