"""A glyph whose Unicode is a guess is never passed on: a font whose ToUnicode map misses
codes fails the run (exit 16) naming page, cell and glyphs, unless the font's glyph names
say for sure what the glyphs are; then the plan extracts exactly."""

from __future__ import annotations

import pdfplumber
import pikepdf
import pytest
from pdfminer.pdffont import PDFCIDFont, PDFTrueTypeFont, PDFType1Font
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.psparser import LIT

from pipeline import errors
from pipeline.cli import main
from pipeline.extract import extract_pdf
from pipeline.layout.glyphs import FALLBACK, GLYPH_NAME, SURE, describe
from pipeline.layout.read import read_page
from pipeline.stages import coverage_json
from tests.golden import differences
from tests.test_cli import NO_PARAMS, snapshot
from tests.truth_tables import REALPDF, SHARED, load_truth, truth_tables
from tests.variants import VariantOptions, make_variant
from tests.variants.fonts import bundled_truetype
from tests.variants.tounicode import drop_tounicode

EXCERPT = SHARED / "jisshi-keikaku-2025-excerpt.pdf"
#: left out of the ToUnicode maps: え (応え → 応å), リ, 県 (glyph names uniXXXX), a parenthesis
#: (AGL name parenleft; read as (cid:15) without it)
GAPS = "えリ県("


@pytest.fixture(scope="module", params=["libreoffice", "reportlab-truetype"])
def edition(request, tmp_path_factory):
    """(PDF, its truth): the shared excerpt, or the excerpt drawn by reportlab in an embedded
    TrueType subset (both write simple TrueType fonts with ToUnicode maps)."""
    truth = load_truth(EXCERPT.with_suffix(".truth.json"))
    if request.param == "libreoffice":
        return EXCERPT, truth
    pdf = tmp_path_factory.mktemp("ttf") / "ttf.pdf"
    return pdf, make_variant(truth, pdf, VariantOptions(font=str(bundled_truetype())))


def test_tounicode_gaps_fail_the_run_naming_page_cell_and_glyphs(edition, tmp_path):
    pdf, _ = edition
    assert drop_tounicode(pdf, tmp_path / "gaps.pdf", "え(") > 0
    with pytest.raises(errors.ParseError) as caught:
        extract_pdf(tmp_path / "gaps.pdf", workers=1)
    reason = caught.value.reason
    assert caught.value.exit_code == 16
    assert "Unicode is a guess" in reason and "ToUnicode" in reason
    assert "cell at (" in reason and "code 0x" in reason, reason  # where, and which glyph
    assert "応" in reason  # the text it spoilt (応え of a 体系図 goal)


def test_tounicode_gaps_the_glyph_names_fill_extract_exactly(edition, tmp_path):
    pdf, truth = edition
    drop_tounicode(pdf, tmp_path / "named.pdf", GAPS, glyph_names=True)
    ex = extract_pdf(tmp_path / "named.pdf", workers=1)
    assert differences(ex.tables, truth_tables(truth, ex.source.sha256)) == []
    assert ex.unaccounted == 0
    pages = coverage_json([ex])["sources"][0]["pages"]  # each repaired glyph counted, shown
    assert sum(p["suspects"].get(GLYPH_NAME, 0) for p in pages) >= len(GAPS)
    assert not any(p["suspects"].get(FALLBACK) for p in pages)
    shown = {g for p in pages for g in p["suspect_glyphs"]}
    assert {c for c in GAPS if any(f"read as {c!r} (from its glyph name)" in g for g in shown)} == set(GAPS)


def test_a_text_layer_without_any_tounicode_is_unreadable(tmp_path):
    with pikepdf.open(EXCERPT) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                if "/ToUnicode" in font:  # fonts are shared between pages
                    del font["/ToUnicode"]
        pdf.save(tmp_path / "bare.pdf")
    with pytest.raises(errors.NoTextLayerError, match=r"no Unicode mapping \(\d+ of \d+ glyphs"):
        extract_pdf(tmp_path / "bare.pdf", workers=1)


_RSRC = PDFResourceManager()
_WIDTHS = {"FirstChar": 0, "Widths": [500] * 256}


def _truetype(**spec):
    spec = {"Subtype": LIT("TrueType"), "BaseFont": LIT("AAAAAA+Gothic"), **_WIDTHS, **spec}
    return PDFTrueTypeFont(_RSRC, spec), spec


def _type1(name, **spec):
    spec = {"Subtype": LIT("Type1"), "BaseFont": LIT(name), **spec}
    return PDFType1Font(_RSRC, spec), spec


def _cid(ordering: bytes):
    spec = {"Subtype": LIT("CIDFontType0"), "BaseFont": LIT("HeiseiKakuGo-W5"),
            "Encoding": LIT("UniJIS-UCS2-H"), "FontDescriptor": {},
            "CIDSystemInfo": {"Registry": b"Adobe", "Ordering": ordering, "Supplement": 2}}
    return PDFCIDFont(_RSRC, spec), spec


@pytest.mark.parametrize("font, cid, read", [
    (_truetype(), 0x32, ("2", FALLBACK)),  # no /Encoding: pdfminer's WinAnsi default is a guess
    (_truetype(Encoding=LIT("WinAnsiEncoding")), 0x32, ("2", SURE)),  # declared
    (_truetype(Encoding={"Differences": [0x32, LIT("uni3048")]}), 0x32, ("え", SURE)),
    (_truetype(Encoding={"Differences": [0x32, LIT("g17")]}), 0x32, ("2", FALLBACK)),  # no name
    (_truetype(Encoding={"Differences": [0x32, LIT("g17")]}), 0x28, ("(", FALLBACK)),  # no base
    (_type1("Helvetica"), 0x41, ("A", SURE)),  # a standard font's own encoding
    (_type1("Symbol"), 0x61, ("a", FALLBACK)),  # ... which pdfminer does not know
    (_cid(b"Japan1"), 843, ("あ", SURE)),  # the collection's map
    (_cid(b"Identity"), 843, ("(cid:843)", FALLBACK)),
], ids=["truetype-no-encoding", "declared-winansi", "differences-uni", "differences-unnamed",
        "differences-no-base", "standard-type1", "symbol", "adobe-japan1", "identity-no-map"])
def test_where_a_glyphs_unicode_comes_from(font, cid, read):
    font, spec = font
    assert describe(font, spec).read(font, cid) == read


def test_a_tounicode_gap_is_filled_from_the_fonts_glyph_names_only():
    font, spec = _truetype(Encoding={"Differences": [0x32, LIT("kana_e"), LIT("parenleft")]})
    described = describe(font, spec)
    described.tounicode, described.has_tounicode = {0x30: "応"}, True
    assert described.read(font, 0x30) == ("応", SURE)
    assert described.read(font, 0x33) == ("(", GLYPH_NAME)  # an AGL name
    assert described.read(font, 0x32)[1] == FALLBACK  # kana_e is no AGL name
    assert described.read(font, 0x41) == ("A", FALLBACK)  # no base encoding declared


def test_the_command_exits_16_in_one_line_and_leaves_staged_as_it_was(tmp_path, capsys):
    drop_tounicode(EXCERPT, tmp_path / "named.pdf", GAPS, glyph_names=True)
    drop_tounicode(EXCERPT, tmp_path / "gaps.pdf", "え")
    out = tmp_path / "staged"
    assert main([*NO_PARAMS, "extract", str(tmp_path / "named.pdf"), "--out", str(out)]) == 0
    before = snapshot(out)
    capsys.readouterr()
    assert main([*NO_PARAMS, "extract", str(tmp_path / "gaps.pdf"), "--out", str(out)]) == 16
    (err,) = capsys.readouterr().err.strip().splitlines()
    assert err.startswith(f"plan-extract: {tmp_path / 'gaps.pdf'}: glyphs whose Unicode is a guess")
    assert "page 2, cell at (" in err and "応å" in err
    assert snapshot(out) == before


def test_a_cid_fonts_tounicode_gaps_are_filled_from_its_character_collection(tmp_path):
    """A real Type 0 font (Ryumin-Light, Adobe-Japan1) given a ToUnicode map that misses its
    kana: each is read from the Adobe-Japan1 collection the font declares, and counted."""
    with pikepdf.open(REALPDF / "simple3.pdf") as pdf:
        font = pdf.pages[0].Resources.Font.F2
        font.ToUnicode = pdf.make_stream(
            b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            b"1 beginbfchar <0001> <0020> endbfchar\nendcmap end end\n")
        pdf.save(tmp_path / "gaps.pdf")
    with pdfplumber.open(tmp_path / "gaps.pdf") as pdf:
        layout = read_page(pdf.pages[0])
    assert "".join(c.text for c in layout.chars) == "HelloHelloあいうえおあいうえおWorldWorld"
    assert layout.suspects.kinds == {GLYPH_NAME: 10} and not layout.guesses
