"""A regular expression cuts the content stream, pdfminer interprets it: the operations must
be the ones pdfminer's own parser makes of the same bytes, and a page must read the same
either way."""

from __future__ import annotations

import random

import pdfplumber
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pdfminer.pdfinterp import PDFContentParser, PDFPageInterpreter
from pdfminer.pdftypes import PDFStream, list_value, stream_value
from pdfminer.psparser import PSEOF, PSKeyword, keyword_name
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from pipeline.layout import content
from pipeline.layout.read import read_page
from tests.truth_tables import SHARED

STREAM = (
    b"0.1 w q 1 0 0 1 -2.5 .5 cm 0 0 0 rg BT /F1 10 Tf 12.25 -3 Td (a\\(b\\) \\101\\n) Tj "
    b"<3042 30> Tj [<0102>-10.5 (x)] TJ 2 Tz 1 0 0 1 10 20 Tm (q) ' 1 2 (w) \" ET Q "
    b"/Span <</ActualText (z) /MCID 3 /Flag true /List [1 2.0 /N#20a]>> BDC EMC "
    b"/OC /oc1 BMC EMC 0.5 0.25 1 RG 10 10 50 20 re f* 1 0 0 rg 3 sh Q"
)


def _pdfminer_operations(data: bytes) -> list[tuple[str, list]]:
    """What pdfminer's own parser makes of ``data``, grouped as operator and operands."""
    stream = PDFStream({}, data)
    stream.objid = 1
    parser, out, operands = PDFContentParser([stream]), [], []
    while True:
        try:
            _, obj = parser.nextobject()
        except PSEOF:
            return out
        if isinstance(obj, PSKeyword):
            out.append((keyword_name(obj), operands))
            operands = []
        else:
            operands.append(obj)


def test_operations_are_the_ones_pdfminer_parses():
    stream = PDFStream({}, STREAM)
    ours = content._operations([stream])
    assert ours == _pdfminer_operations(STREAM)
    assert [type(v) for _, ops in ours for v in ops][:3] == [float, int, int]


# Content streams from random operands: numbers (malformed ones too), names (with #xx),
# literal strings (escapes, raw CR and LF, line continuations, bad escapes), hex strings (odd
# ones too), booleans, null, comments, arrays and dictionaries, with different line ends
# between the operations.
_NUMBER = st.one_of(st.integers(-10**6, 10**6).map(lambda i: str(i).encode()),
                    st.decimals(-10**5, 10**5, places=4, allow_nan=False,
                                allow_infinity=False).map(lambda d: str(d).encode()),
                    st.sampled_from([b".5", b"-.25", b"4.", b"+3", b"-0", b"12345678901"]))
_NAME = st.one_of(st.text("abcXYZ019_-.", min_size=1, max_size=6).map(lambda t: b"/" + t.encode()),
                  st.sampled_from([b"/A#20B", b"/#41", b"/a#2Fb"]))
_STRING = st.one_of(
    st.binary(max_size=8).map(lambda b: b"(" + b.replace(b"\\", b"\\\\").replace(b"(", b"\\(")
                              .replace(b")", b"\\)") + b")"),
    st.binary(max_size=8).map(lambda b: b"<" + b.hex().encode() + b">"),
    st.sampled_from([b"(a\rb)", b"(a\r\nb)", b"(a\\\r\nb)", b"(\\1\\12x)", b"(\\8)", b"(\\101)",
                     b"(nested (ok))", b"(\\t\\r\\b\\f)", b"<123>", b"<a b c>", b"<12 34>", b"<>"]))
_OPERAND = st.recursive(
    st.one_of(_NUMBER, _NAME, _STRING,
              st.sampled_from([b"true", b"false", b"null", b"%comment\n", b"1.2.3", b"1e5"])),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda xs: b"[" + b" ".join(xs) + b"]"),
        st.lists(st.tuples(_NAME, inner), max_size=3).map(
            lambda kv: b"<<" + b" ".join(k + b" " + v for k, v in kv) + b">>")),
    max_leaves=6)
_OPERATION = st.tuples(st.lists(_OPERAND, max_size=4),
                       st.sampled_from([b"Tj", b"TJ", b"Td", b"q", b"cm", b"BDC", b"'", b'"', b"T*"]))
_STREAM = st.tuples(st.lists(_OPERATION.map(lambda t: b" ".join([*t[0], t[1]])), min_size=1,
                             max_size=8),
                    st.sampled_from([b"\n", b"\r\n", b"\r", b" "])).map(lambda t: t[1].join(t[0]))


@settings(max_examples=300, deadline=None)
@given(_STREAM)
def test_the_fast_path_gives_what_pdfminer_parses_or_leaves_it_to_pdfminer(data):
    try:
        theirs = _pdfminer_operations(data)
    except Exception:  # noqa: BLE001  (pdfminer refuses some bytes, e.g. (\777))
        return
    try:
        ours = content._operations([PDFStream({}, data)])
    except Exception:  # noqa: BLE001  (left to pdfminer: the page reads as pdfminer reads it)
        return
    assert ours == theirs


def test_bytes_pdfminer_reads_its_own_way_read_alike_or_are_left_to_pdfminer():
    # pdfminer's own readings: an odd hex digit is a byte of its own, a backslash before no
    # escape drops both, a raw CR stays, a NUL byte is white space between tokens and part of
    # a name, #xx in a name is a byte (a # before no hex digit is dropped)
    for data in (b"<123> Tj", b"(\\8) Tj", b"(\\\\\\8) Tj", b"(a\rb) Tj", b"/F\x001 9 Tf",
                 b"1\x00 0 0 1\x00\x002 3 cm", b"/A#20B#2 /C#/D# Tj", b"(\\\\^) Tj", b"(ab) Tj\r\n(cd) Tj"):
        assert content._operations([PDFStream({}, data)]) == _pdfminer_operations(data), data
    # tokens pdfminer cuts in two or drops, operators in arrays, inline images, a backslash
    # before a CR (read by where pdfminer's buffer ends): pdfminer's parser reads them
    for data in (b"[1 null] 0 d", b"1.2.3 w", b"1e5 w", b"- w", b"1 0 0 1 2 ) cm", b"(x)'Tj",
                 b"{1} Tj", b"(a\\\r\nb) Tj", b"((((x)))) Tj", b"(\\777) Tj", b"<12 x> Tj",
                 b"<< /A 1 /B >> BDC", b"<< 1 2 >> BDC", b"BI /W 1 ID x EI", b"q [Q] Tj"):
        with pytest.raises(ValueError, match="left to pdfminer"):
            content._operations([PDFStream({}, data)])


def test_damaged_real_streams_read_alike_or_are_left_to_pdfminer():
    """Real content streams, cut and mangled byte by byte (seeded): where both parsers read
    one, they read it alike."""
    with pdfplumber.open(SHARED / "jisshi-keikaku-2025-excerpt.pdf") as pdf:
        pages = [b"\n".join(s.get_data() for s in map(stream_value, list_value(p.page_obj.contents)))
                 for p in pdf.pages]
    rng, alike = random.Random(5), 0
    for _ in range(300):
        data = bytearray(rng.choice(pages))
        start = rng.randrange(len(data))
        data = data[start:start + rng.randint(50, 1000)]
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(data))
            data[at:at + rng.randint(0, 1)] = bytes([rng.choice(b"()<>[]/\\%\r\n\x00 0123456789.-e")])
        try:
            theirs = _pdfminer_operations(bytes(data))
            ours = content._operations([PDFStream({}, bytes(data))])
        except Exception:  # noqa: BLE001  (either refuses: pdfminer's parser reads the page)
            continue
        assert ours == theirs, bytes(data)
        alike += 1
    assert alike > 10  # the comparison did happen


def test_an_unterminated_string_is_left_to_pdfminer():
    with pytest.raises(ValueError, match="left to pdfminer"):
        content._operations([PDFStream({}, b"BT (unterminated Tj ET")])


def test_what_would_make_the_expression_slow_is_left_to_pdfminer_at_once():
    """Each token is tried once: a run of what no token reads (open strings, a number run
    into a letter) or of white space costs linear time, not quadratic."""
    for data in (b"(" * 200_000, b"1" * 200_000 + b"x", b"0 w" + b" " * 200_000,
                 b"q" * 200_000 + b"#"):
        try:
            content._operations([PDFStream({}, data)])
        except ValueError as e:
            assert "left to pdfminer" in str(e)


def test_a_long_stream_is_left_to_pdfminer():
    """Its tokens would all be held at once: pdfminer's parser reads it piece by piece."""
    data = b"0 w\n" * (content.FAST_BYTES // 4 + 1)
    with pytest.raises(ValueError, match="left to pdfminer"):
        content._operations([PDFStream({}, data)])


@settings(max_examples=200, deadline=None)
@given(_STREAM, st.lists(st.integers(1, 200), min_size=1, max_size=3))
def test_a_page_of_several_streams_reads_as_pdfminer_reads_them(data, cuts):
    """pdfminer reads a page's streams on from one to the next; a token cut by the end of a
    stream ends there, except a name's bare ``/`` (left to pdfminer)."""
    cuts = sorted({c % len(data) for c in cuts} - {0})
    parts = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]
    streams = []
    for part in parts:
        streams.append(PDFStream({}, part))
        streams[-1].objid = len(streams)
    parser, theirs, operands = PDFContentParser(streams), [], []
    try:
        while True:
            try:
                _, obj = parser.nextobject()
            except PSEOF:
                break
            if isinstance(obj, PSKeyword):
                theirs.append((keyword_name(obj), operands))
                operands = []
            else:
                operands.append(obj)
        ours = content._operations(streams)
    except Exception:  # noqa: BLE001  (either refuses: pdfminer's parser reads the page)
        return
    assert ours == theirs


def _drawn_with_form_and_inline_image(path) -> None:
    """Text inside a Form XObject, and an inline image, beside ordinary text."""
    from PIL import Image
    c = canvas.Canvas(str(path), pagesize=A4)
    c.beginForm("stamp")
    c.setFont("Helvetica", 12)
    c.drawString(10, 10, "in a form")
    c.endForm()
    c.doForm("stamp")
    c.drawInlineImage(Image.new("L", (4, 4), 128), 100, 100, 20, 20)
    c.setFont("Helvetica", 9)
    c.drawString(100, 700, "plain text")
    c.showPage()
    c.save()


def test_forms_and_inline_images_read_as_pdfplumber_reads_them(tmp_path):
    path = tmp_path / "f.pdf"
    _drawn_with_form_and_inline_image(path)
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[0]
        layout = read_page(page)
        assert [c.text for c in layout.chars] == [c["text"] for c in page.chars]
        assert [(c.x0, c.top) for c in layout.chars] == [(c["x0"], c["top"]) for c in page.chars]
        assert layout.images == len(page.images) == 1


def test_a_page_reads_the_same_through_pdfminers_parser(monkeypatch):
    by_pdfminer = []  # streams tokenized by pdfminer's own parser
    execute = PDFPageInterpreter.execute
    monkeypatch.setattr(PDFPageInterpreter, "execute",
                        lambda self, streams: by_pdfminer.append(streams) or execute(self, streams))
    with pdfplumber.open(SHARED / "jisshi-keikaku-2025-excerpt.pdf") as pdf:
        fast = read_page(pdf.pages[1])
    assert not by_pdfminer
    monkeypatch.setattr(content, "_operations", _refuse)
    with pdfplumber.open(SHARED / "jisshi-keikaku-2025-excerpt.pdf") as pdf:
        slow = read_page(pdf.pages[1])
    assert by_pdfminer and fast.chars and fast == slow


def _refuse(streams):
    raise ValueError("as if the fast path could not read it")


def test_streams_of_a_page_are_read_as_one():
    first, second = PDFStream({}, b"BT /F1 10 Tf"), PDFStream({}, b"(x) Tj ET")
    assert [name for name, _ in content._operations([first, second])] == ["BT", "Tf", "Tj", "ET"]
