"""``plan-extract inspect``: one page drawn the way the extractor saw it (PNG).

An analyst who doubts a value needs to see, on the page itself, which cells the grid
reader found (and which it merged), where each schedule bar was read and with which fiscal
years, and where every character went: into a field, into page furniture, or nowhere (red).
The picture is built only from what the extractor returned, never re-derived here.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from pipeline.contract import TABLES
from pipeline.errors import UsageError
from pipeline.extract.coverage import FURNITURE, PageCoverage, PageLines
from pipeline.extract.run import Extraction, extract_pages
from pipeline.layout.parallel import read_pages
from pipeline.layout.model import Box, Cell, Char
from pipeline.layout.pages import PageContent
from pipeline.layout.read import read_page
from pipeline.limits import reading_pdf
from pipeline.settings import Settings
from pipeline.source import open_pdf
from pipeline.staging import atomic_file

RGB = tuple[int, int, int]

#: Rendering resolution (dpi): an A4 page comes out about 1400 px wide, text stays legible.
RESOLUTION = 120
CELL: RGB = (0, 160, 255)
MERGED: RGB = (120, 0, 200)
BAR: RGB = (255, 0, 255)
FURNITURE_COLOR: RGB = (128, 128, 128)
UNACCOUNTED: RGB = (255, 0, 0)
#: One colour per output table (by contract order, so colours agree between pages); no red, no grey.
PALETTE: list[RGB] = [
    (31, 119, 180), (0, 0, 160), (44, 160, 44), (148, 103, 189), (140, 86, 75),
    (227, 119, 194), (188, 189, 34), (23, 190, 207), (255, 127, 14), (0, 110, 60),
    (180, 120, 0), (90, 60, 160),
]
TINT = 80  # alpha of character tints: the glyph stays readable under its colour


def inspect_page(pdf: Path, page: int, out: Path, *, settings: Settings | None = None,
                 password: str | None = None) -> Path:
    """Extract ``pdf``, draw physical page ``page`` (1-based), write the PNG to ``out``."""
    settings = settings or Settings()
    with reading_pdf(settings.limits, settings.workers, str(pdf)):  # pdfium renders it too
        source = open_pdf(Path(pdf), password=password, limits=settings.limits)
        _require_page(page, source.page_count, str(pdf))  # before the (long) extraction
        pages = list(read_pages(source, settings.limits, settings.workers))
        extraction = extract_pages(source, pages, settings.vocabulary, settings.limits)
        image = render_page(extraction, page)
    return write_png(image, Path(out))


def write_png(image: Image.Image, out: Path) -> Path:
    """Save atomically: a reader never sees half a PNG, a failure leaves the old file.

    The PNG says it was made by plan-extract, and only such a PNG is ever overwritten.
    """
    info = PngInfo()
    info.add_text("Software", PNG_SOFTWARE)
    with atomic_file(out, _our_png) as tmp:
        image.save(tmp, format="PNG", pnginfo=info)
    return out


PNG_SOFTWARE = "plan-extract inspect"


def _our_png(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(4096)
    return head.startswith(b"\x89PNG") and PNG_SOFTWARE.encode() in head


def render_page(extraction: Extraction, page: int) -> Image.Image:
    """The page with cells, schedule bars and character categories drawn, under a header strip."""
    _require_page(page, extraction.source.page_count, str(extraction.source.path))
    content = next(pc for pc in extraction.pages if pc.number == page)
    coverage = extraction.ledger.report({page: PageLines.of(content)})[0]
    bars = _bars(extraction.tables.get("schedule"), page)
    fonts = _fonts()
    with extraction.source.open() as pdf:
        image = pdf.pages[page - 1].to_image(resolution=RESOLUTION)
        chars = read_page(pdf.pages[page - 1]).chars  # the glyphs, read again for this page
    canvas = _Canvas(image, fonts)
    cells = page_cells(content)
    for cell in cells:
        if _merged(cell):
            canvas.box(cell, fill=MERGED + (18,))
    counts = _tint_chars(canvas, chars, extraction.ledger.char_labels(content))
    for cell in cells:
        canvas.box(cell, stroke=MERGED if _merged(cell) else CELL, width=2 if _merged(cell) else 1)
    for cell in cells:
        if _merged(cell) or cell.parts:
            canvas.corner(cell, _span(cell), MERGED)
    for box, years in bars:
        canvas.box(box, stroke=BAR, width=3)
        canvas.label_beside(box, years, BAR)
    legend = _legend(counts, bool(cells), any(_merged(c) for c in cells), bool(bars))
    return _with_header(image.annotated, fonts, _summary(extraction, page, coverage), legend,
                        coverage.unaccounted_text if fonts.japanese else [])


def _require_page(page: int, count: int, file: str) -> None:
    if not 1 <= page <= count:
        raise UsageError(f"page {page} does not exist: the PDF has pages 1-{count}", file)


def page_cells(content: PageContent) -> list[Cell]:
    """Cells drawn on this page: a table joined with the next page's part also holds that
    page's cells, which are left to their own page."""
    return [c for t in content.tables for c in t.cells if c.page == content.number]


def _merged(cell: Cell) -> bool:
    return cell.rowspan > 1 or cell.colspan > 1


def _span(cell: Cell) -> str:
    more = f" →p{','.join(str(part.page) for part in cell.parts)}" if cell.parts else ""
    return f"r{cell.rowspan}×c{cell.colspan}{more}"


def _bars(schedule: pd.DataFrame | None, page: int) -> list[tuple[Box, str]]:
    """Schedule bars read on this page, with their fiscal years as the extractor stated them."""
    if schedule is None or schedule.empty:
        return []
    out = []
    for row in schedule[schedule["page"] == page].itertuples():
        x0, top, x1, bottom = (float(v) for v in row.bbox.split(","))
        out.append((Box(x0, top, x1, bottom), f"{row.start_fy}–{row.end_fy}"))
    return out


def _table_of(label: str) -> str:
    return label.split(".", 1)[0]


def _table_rank(table: str) -> int:
    """Contract order, so a table has the same colour on every page."""
    names = list(TABLES)
    return names.index(table) if table in names else len(names)


def _table_color(table: str) -> RGB:
    return PALETTE[_table_rank(table) % len(PALETTE)]


def _tint_chars(canvas: _Canvas, chars: list[Char], labels: dict[int, str]) -> Counter[str]:
    """Every non-blank character tinted by where it went; returns the counts per legend entry."""
    counts: Counter[str] = Counter()
    for ch in chars:
        if not ch.text.strip():
            continue
        label = labels.get(ch.index)
        if label is None:
            counts["unaccounted"] += 1
            canvas.box(ch, fill=UNACCOUNTED + (110,), stroke=UNACCOUNTED, width=1)
        elif label in FURNITURE:
            counts["furniture"] += 1
            canvas.box(ch, fill=FURNITURE_COLOR + (TINT,))
        else:
            counts[_table_of(label)] += 1
            canvas.box(ch, fill=_table_color(_table_of(label)) + (TINT,))
    return counts


@dataclass(frozen=True)
class _Swatch:
    color: RGB
    text: str
    filled: bool = True


def _legend(counts: Counter[str], cells: bool, merged: bool, bars: bool) -> list[_Swatch]:
    """Only what the page shows, so the legend doubles as a checklist of the page."""
    out = []
    if cells:
        out.append(_Swatch(CELL, "cell", filled=False))
    if merged:
        out.append(_Swatch(MERGED, "merged cell (rows×cols)"))
    if bars:
        out.append(_Swatch(BAR, "schedule bar (FY)", filled=False))
    assigned = sorted((t for t in counts if t not in ("furniture", "unaccounted")),
                      key=lambda t: (_table_rank(t), t))
    out += [_Swatch(_table_color(t), f"{t} {counts[t]}") for t in assigned]
    if counts["furniture"]:
        out.append(_Swatch(FURNITURE_COLOR, f"furniture {counts['furniture']}"))
    if counts["unaccounted"]:
        out.append(_Swatch(UNACCOUNTED, f"unaccounted {counts['unaccounted']}"))
    return out


def _summary(extraction: Extraction, page: int, coverage: PageCoverage) -> str:
    return (f"{extraction.source.path.name}  page {page}/{extraction.source.page_count}   "
            f"characters {coverage.total} = assigned {coverage.assigned} + furniture "
            f"{coverage.furniture} + unaccounted {coverage.unaccounted}"
            + (f"   suspect {coverage.suspect}" if coverage.suspect else ""))


@dataclass(frozen=True)
class _Fonts:
    normal: ImageFont.ImageFont | ImageFont.FreeTypeFont
    small: ImageFont.ImageFont | ImageFont.FreeTypeFont
    japanese: bool  # can write the page's own text (unaccounted runs)


@lru_cache(maxsize=1)
def _fonts() -> _Fonts:
    """A Japanese-capable font if fontconfig knows one, else DejaVu, else Pillow's own."""
    for path, japanese in [(p, True) for p in _japanese_fonts()] + [("DejaVuSans.ttf", False)]:
        try:
            return _Fonts(ImageFont.truetype(path, 15), ImageFont.truetype(path, 11), japanese)
        except OSError:
            continue
    return _Fonts(ImageFont.load_default(15), ImageFont.load_default(11), False)


def _japanese_fonts() -> list[str]:
    """Font files covering Japanese, gothic/sans faces first (they read better when small)."""
    try:
        listing = subprocess.run(["fc-list", ":lang=ja", "file"], capture_output=True, text=True,
                                 timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    files = sorted({ln.strip().rstrip(":").strip() for ln in listing.splitlines() if ln.strip()})
    faces = ("sans", "gothic", "ipaexg", "ipag")
    return sorted(files, key=lambda f: not any(w in f.lower() for w in faces))


def _ascii(font, text: str) -> str:
    """Pillow's bitmap fallback font writes Latin-1 only."""
    if isinstance(font, ImageFont.FreeTypeFont):
        return text
    return text.translate(str.maketrans({"×": "x", "–": "-", "→": ">"}))


class _Canvas:
    """Drawing on the rendered page in PDF coordinates (points, top-left origin)."""

    def __init__(self, image, fonts: _Fonts):
        self.image = image  # pdfplumber PageImage
        self.draw: ImageDraw.ImageDraw = image.draw
        self.fonts = fonts

    def px(self, x: float, y: float) -> tuple[float, float]:
        left, top, scale = self.image.bbox[0], self.image.bbox[1], self.image.scale
        return (x - left) * scale, (y - top) * scale

    def box(self, box: Box, *, fill=(0, 0, 0, 0), stroke: RGB = (0, 0, 0), width: int = 0) -> None:
        self.image.draw_rect((box.x0, box.top, box.x1, box.bottom), fill=fill, stroke=stroke,
                             stroke_width=width)

    def corner(self, box: Box, text: str, color: RGB) -> None:
        """Small text in the box's top-right corner, where cell text (left-aligned or
        centred) rarely is."""
        font = self.fonts.small
        x1, top = self.px(box.x1, box.top)
        self._patch(x1 - font.getlength(_ascii(font, text)) - 4, top + 2, text, color, font,
                    opacity=160)  # the text under a corner label stays visible

    def label_beside(self, box: Box, text: str, color: RGB) -> None:
        """Right of the box when the page margin has room, else inside its right end."""
        font = self.fonts.normal
        width = font.getlength(_ascii(font, text)) + 8
        x1, top = self.px(box.x1, box.top)
        x = x1 + 4 if x1 + width <= self.image.annotated.width else x1 - width
        self._patch(x, top + 1, text, color, font)

    def _patch(self, x: float, y: float, text: str, color: RGB, font, opacity: int = 225) -> None:
        text = _ascii(font, text)
        left, top, right, bottom = self.draw.textbbox((x, y), text, font=font)
        self.draw.rectangle((left - 2, top - 1, right + 2, bottom + 1),
                            fill=(255, 255, 255, opacity))
        self.draw.text((x, y), text, fill=color, font=font)


def _with_header(page: Image.Image, fonts: _Fonts, summary: str, legend: list[_Swatch],
                 unaccounted: list[str]) -> Image.Image:
    """A strip above the page with coverage, legend and unaccounted text; the whole picture
    keeps the page's aspect ratio (the page is centred, the strip's width shows at the sides)."""
    font = fonts.normal
    line_h = round(_size(font) * 1.6)
    rows = list(_flow(legend, font, page.width, line_h))
    legend_lines = rows[-1][2] // line_h + 1 if rows else 0
    notes = ["unaccounted: " + "  ".join(f"「{t}」" for t in unaccounted)] if unaccounted else []
    strip = line_h * (1 + legend_lines + len(notes)) + 8
    height = page.height + strip
    width = max(page.width, round(height * page.width / page.height))
    canvas = Image.new("RGB", (width, height), (245, 245, 245))
    canvas.paste(page, ((width - page.width) // 2, strip))
    draw = ImageDraw.Draw(canvas, "RGBA")
    draw.text((8, 4), _fit(_ascii(font, summary), font, width - 16), fill=(0, 0, 0), font=font)
    box = round(_size(font) * 0.8)
    for swatch, x, y in rows:
        y += 4 + line_h
        draw.rectangle((8 + x, y + 3, 8 + x + box, y + 3 + box), outline=swatch.color, width=2,
                       fill=swatch.color + (110,) if swatch.filled else None)
        draw.text((8 + x + box + 6, y), _ascii(font, swatch.text), fill=(0, 0, 0), font=font)
    for k, note in enumerate(notes):
        y = strip - line_h * (len(notes) - k) - 2
        draw.text((8, y), _fit(note, font, width - 16), fill=UNACCOUNTED, font=font)
    return canvas


def _flow(legend: list[_Swatch], font, width: float,
          line_h: int) -> Iterator[tuple[_Swatch, float, int]]:
    """Legend entries left to right, wrapping to a new line at ``width``."""
    x, y = 0.0, 0
    for swatch in legend:
        w = font.getlength(_ascii(font, swatch.text)) + _size(font) * 2.2
        if x and x + w > width - 16:
            x, y = 0.0, y + line_h
        yield swatch, x, y
        x += w


def _size(font) -> float:
    return getattr(font, "size", 11)  # Pillow's bitmap font has no size


def _fit(text: str, font, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` pixels."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "...") > width:
        text = text[:-1]
    return text + "..."
