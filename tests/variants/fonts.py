"""Font registration: reportlab CID fonts (nothing embedded) or an embedded TrueType subset.

Kangxi code points only reach the text layer through a TrueType font: reportlab writes a
ToUnicode map from the code points drawn, whereas a CID font's text is read back through the
Adobe-Japan1 map, which folds the radicals into the unified kanji.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from .printed import CID_ROUND_TRIP


@dataclass(frozen=True)
class Typeface:
    name: str  # registered reportlab font name
    truetype: bool

    def width(self, text: str, size: float) -> float:
        return pdfmetrics.stringWidth(text, self.name, size)

    def layer_form(self, text: str) -> str:
        """The text as it reads back from the text layer (what the returned truth must hold)."""
        return text if self.truetype else text.translate(CID_ROUND_TRIP)


def bundled_truetype() -> Path:
    """IPAexGothic as shipped by the matplotlib-fontja wheel (found without importing matplotlib)."""
    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("kangxi variants need a TrueType font: install the dev group (matplotlib-fontja)")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"


def typeface(font: str, need_truetype: bool) -> Typeface:
    """Register ``font`` (CID font name or .ttf path); a CID font gives way to the bundled TTF if needed."""
    is_file = font.lower().endswith((".ttf", ".ttc"))
    if need_truetype and not is_file:
        font, is_file = str(bundled_truetype()), True
    if is_file:
        name = "Variant-" + Path(font).stem
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, font))
        return Typeface(name, True)
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    return Typeface(font, False)


def respell_text_layer(path: Path, spelling: dict[str, str]) -> None:
    """Rewrite the embedded fonts' ToUnicode maps so that the glyph of each key reads as its
    value: the page looks the same, the text layer says another code point (what a browser's
    print does with look-alikes). Needs a TrueType face (CID fonts carry no ToUnicode)."""
    targets = {f"<{ord(k):04X}>".encode(): f"<{ord(v):04X}>".encode() for k, v in spelling.items()}
    pattern = re.compile(rb"(<[0-9A-F]+> )(" + b"|".join(map(re.escape, targets)) + rb")")
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        for font in {f.objgen: f for page in pdf.pages for f in page.Resources.Font.values()}.values():
            if "/ToUnicode" in font:
                cmap = font.ToUnicode
                cmap.write(pattern.sub(lambda m: m[1] + targets[m[2]], cmap.read_bytes()))
        pdf.save(path)
