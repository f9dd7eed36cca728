"""pdfminer's page interpreter, its content streams cut into operations by one regular
expression.

Two thirds of reading a page went into pdfminer's tokenizer, which cuts the content stream
into operands and operators in pure Python, byte by byte, through a state machine. Here one
compiled regular expression (``_TOKEN``, run by ``re.findall`` in C) cuts a stream into its
tokens, and a short loop makes them into exactly the values pdfminer's own parser gives
(int, float, bool, bytes, names as ``PSLiteral``, lists, dicts), with pdfminer's own rules
for each token (what ends a number or a name, which escapes a literal string has, how an
odd hex digit is read). Everything else stays pdfminer's: decrypting and decoding the
stream, fonts, the graphics and text state, what each operator does, Form XObjects.
``tests/test_content.py`` compares the operations with pdfminer's parser on random and on
mangled real streams, and ``tests/test_read.py`` every glyph with pdfplumber's own.

(qpdf's C++ tokenizer, through pikepdf, did this before: it cut the stream faster still,
but turning its objects into Python values, a pybind11 call or more per operand, made it
0.62 CPU-s for the 66 pages of the synthetic edition against 0.23 s here.)

The expression reads only what it reads exactly as pdfminer does; a stream goes through
pdfminer's own parser instead when it has

- a token pdfminer cuts in its own way: a number run into a letter or a dot (``1e5``,
  ``1.2.3``: two tokens for pdfminer), a lone sign or dot, ``{`` or ``}``, a ``)`` or ``>``
  out of place, a string nested deeper than one level, an octal escape above 255, a
  backslash before a CR (pdfminer's reading of it depends on where its 4 KB buffer ends);
- a keyword that is no operator pdfminer knows (``null``, a typo), or an operator inside an
  array or dictionary, or a dictionary that is no list of names and values;
- an inline image (``BI`` … ``ID`` … ``EI``: binary data pdfminer cuts by its own rule);
- a name at the very end of a stream (pdfminer may read it on into the page's next stream);
- more than ``FAST_BYTES`` (pdfminer's parser reads a long stream piece by piece).

Anything that ends the fast path makes the expression take the rest of the stream as one
token, so no input costs it more than linear time.
"""

from __future__ import annotations

import re
from binascii import Error as BinasciiError
from binascii import unhexlify
from collections.abc import Sequence
from typing import ClassVar

from pdfminer.pdfinterp import PDFPageInterpreter
from pdfminer.pdftypes import PDFStream, stream_value
from pdfminer.psparser import LIT, PSLiteral

from pipeline.errors import PlanExtractError

#: An operator's name and its operands, as pdfminer's parser gives them.
Operation = tuple[str, list]

#: What ends a number, name or keyword for pdfminer (``END_KEYWORD``, ``END_LITERAL``), less
#: ``#`` (pdfminer reads it as a token of its own): white space is pdfminer's ``\s``.
_END = rb"\s/\[\]()<>{}%"
_NUMBER = rb"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_KEYWORD = rb"(?:[A-Za-z][^" + _END + rb"#]*|['\"])(?=[" + _END + rb"]|\Z)"
_TOKEN = re.compile(
    rb"(?:[\s\0]+|%[^\r\n]*)*+"  # white space (a NUL byte too) and comments before it
    rb"(?:(" + _NUMBER + rb"(?:\s+" + _NUMBER + rb")*)(?=[" + _END + rb"\0]|\Z)"  # 1 numbers,
    rb"(?:\s+(" + _KEYWORD + rb"))?"  # 2 and the keyword after them: an operation in one match
    rb"|(" + _KEYWORD + rb")"  # 3 a keyword
    rb"|(<[0-9A-Fa-f\s]*>)"  # 4 a hex string
    rb"|(/[^" + _END + rb"]*)"  # 5 a name
    rb"|(\((?:[^()\\]|\\[\s\S]|\((?:[^()\\]|\\[\s\S])*\))*\))"  # 6 a literal string
    rb"|(\[|\]|<<|>>)"  # 7 an array's or a dictionary's bracket
    rb"|(\S[\s\S]*)"  # 8 anything else, and all after it: left to pdfminer
    rb"|\Z)")  # the end (after white space)
#: A literal string's escapes: up to three octal digits, or one character.
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|([\s\S]))")
#: What an escaped character stands for; pdfminer drops any other (and the backslash).
_ESCAPED = {b"b": b"\b", b"t": b"\t", b"n": b"\n", b"f": b"\f", b"r": b"\r",
            b"(": b"(", b")": b")", b"\\": b"\\"}
_SPACE = re.compile(rb"\s")
#: ``#`` and up to two hex digits in a name: the byte they spell (none: nothing).
_NAME_HEX = re.compile(rb"#([0-9A-Fa-f]{0,2})")
_LAST_NAME = re.compile(rb"/[^" + _END + rb"]*\Z")
#: Operators of an inline image, whose data pdfminer's parser cuts by its own rule.
_INLINE_IMAGE = ("BI", "ID", "EI")
#: A longer stream is left to pdfminer's parser, which reads it piece by piece (the fast
#: path holds all of one stream's tokens at once: some 150 bytes each).
FAST_BYTES = 2**20


class LeftToPdfminer(ValueError):
    """The stream has something the fast path does not read: pdfminer's parser reads it."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}: left to pdfminer")


class Interpreter(PDFPageInterpreter):
    """``PDFPageInterpreter`` whose ``execute`` takes its operations from ``_operations``."""

    #: operator name → (method name, operand count), or None for an unknown operator
    _methods: ClassVar[dict[str, tuple[str, int] | None]] = {}

    def execute(self, streams: Sequence[object]) -> None:
        try:
            operations = _operations(self._runnable(streams))
        except (PlanExtractError, MemoryError):  # a page timeout, or out of memory
            raise
        except Exception:  # noqa: BLE001  (anything the fast path does not read)
            super().execute(streams)
            return
        bound: dict[str, tuple] = {}  # operator → (bound method, operand count)
        for name, operands in operations:
            found = bound.get(name)
            if found is None:
                method, nargs = self.method(name)  # known: _operations checked
                found = bound[name] = (getattr(self, method), nargs)
            func, nargs = found
            if len(operands) == nargs and not self.argstack:  # the usual case
                func(*operands)
                continue
            # as pdfminer: operands pile up; an operator takes its last ones, and with too
            # few it is skipped
            self.argstack.extend(operands)
            if nargs:
                args = self.pop(nargs)
                if len(args) == nargs:
                    func(*args)
            else:
                func()

    def _runnable(self, streams: Sequence[object]) -> list[PDFStream]:
        """The streams pdfminer's ``execute`` would run: not inline, not already running
        higher up (a Form XObject that draws itself is refused, not recursed into)."""
        self.stream_ids.clear()
        runnable = []
        for obj in streams:
            stream = stream_value(obj)
            if stream.objid is None or stream.objid in self.parent_stream_ids:
                raise ValueError("left to pdfminer, which skips it with a warning")
            runnable.append(stream)
            self.stream_ids.add(stream.objid)
        return runnable

    @classmethod
    def method(cls, name: str) -> tuple[str, int] | None:
        """The ``do_*`` method an operator runs and how many operands it takes."""
        if name not in cls._methods:
            method = "do_" + name.replace("*", "_a").replace('"', "_w").replace("'", "_q")
            func = getattr(cls, method, None)
            cls._methods[name] = None if func is None else (method, func.__code__.co_argcount - 1)
        return cls._methods[name]


#: keyword bytes → the operator's name, for the operators the fast path runs
_operators: dict[bytes, str] = {}


def _operator(keyword: bytes) -> str:
    name = keyword.decode("utf-8", "ignore")  # as pdfminer's keyword_name
    if name in _INLINE_IMAGE:
        raise LeftToPdfminer("an inline image")
    if Interpreter.method(name) is None:
        raise LeftToPdfminer(f"no operator {name!r}")
    _operators[keyword] = name
    return name


def _operations(streams: list[PDFStream]) -> list[Operation]:
    """Every operation of the streams, in order (a page's streams read as one, as the PDF
    specification has it)."""
    out: list[Operation] = []
    operands: list = []
    current = operands  # the operands, or the array or dictionary being read
    enclosing: list[tuple[bytes, list]] = []  # the arrays and dictionaries current is in
    operators = _operators
    last = len(streams) - 1
    for i, stream in enumerate(streams):
        data = stream.get_data()
        if len(data) > FAST_BYTES:
            raise LeftToPdfminer("a long stream")
        if i < last and _LAST_NAME.search(data):  # pdfminer may read it on into the next
            raise LeftToPdfminer("a name at the end of a stream")
        for number, after, keyword, hexstring, name, string, bracket, other in _TOKEN.findall(data):
            if number:  # one or more, apart by white space (float() and int() read ASCII
                # text three times faster as str than as bytes, to the same value)
                current.extend([float(n) if "." in n else int(n)
                                for n in number.decode("ascii").split()])
                if not after:
                    continue
                keyword = after
            if keyword:
                if keyword == b"true":
                    current.append(True)
                elif keyword == b"false":
                    current.append(False)
                else:
                    if enclosing:
                        raise LeftToPdfminer("an operator inside an array or dictionary")
                    out.append((operators.get(keyword) or _operator(keyword), operands))
                    operands = current = []
            elif hexstring:
                current.append(_hex(hexstring))
            elif name:
                current.append(_name(name[1:]))
            elif string:
                current.append(_string(string[1:-1]))
            elif bracket == b"[" or bracket == b"<<":
                enclosing.append((bracket, current))
                current = []
            elif bracket:
                if not enclosing or (enclosing[-1][0] == b"[") != (bracket == b"]"):
                    raise LeftToPdfminer(f"{bracket.decode()} out of place")
                opened, outer = enclosing.pop()
                outer.append(current if opened == b"[" else _dictionary(current))
                current = outer
            elif other:
                raise LeftToPdfminer(f"the token at {other[:10]!r}")
    return out


def _hex(token: bytes) -> bytes:
    """A hex string as pdfminer reads it: white space ignored, an odd last digit read as a
    byte of its own (``<123>`` → 0x12 0x03)."""
    try:
        return unhexlify(token[1:-1])  # the usual: pairs of digits, no white space
    except BinasciiError:
        pass
    digits = _SPACE.sub(b"", token[1:-1])
    if len(digits) % 2:
        return bytes.fromhex(digits[:-1].decode()) + bytes((int(digits[-1:], 16),))
    return bytes.fromhex(digits.decode())


def _name(raw: bytes) -> PSLiteral:
    """A name as pdfminer reads it (``#xx`` a byte; UTF-8, or else bytes)."""
    if b"#" in raw:
        raw = _NAME_HEX.sub(lambda m: bytes.fromhex(m[1].zfill(2).decode()) if m[1] else b"", raw)
    try:
        return LIT(raw.decode("utf-8"))
    except UnicodeDecodeError:  # as pdfminer: the name stays bytes
        return LIT(raw)


def _string(body: bytes) -> bytes:
    """A literal string's bytes: escapes read as pdfminer reads them, raw line ends kept."""
    if b"\\" not in body:
        return body
    if b"\\\r" in body:
        raise LeftToPdfminer("a backslash before a CR")
    return _ESCAPE.sub(_unescape, body)


def _unescape(m: re.Match) -> bytes:
    octal, char = m.groups()
    if octal is None:
        return _ESCAPED.get(char, b"")
    code = int(octal, 8)
    if code > 255:
        raise LeftToPdfminer("an octal escape above 255")
    return bytes((code,))


def _dictionary(items: list) -> dict:
    """``<< /Key value … >>`` as pdfminer makes it: keys by their name."""
    if len(items) % 2:
        raise LeftToPdfminer("a dictionary with a key and no value")
    keys = items[::2]
    if not all(isinstance(k, PSLiteral) and isinstance(k.name, str) for k in keys):
        raise LeftToPdfminer("a dictionary key that is no name")
    return {k.name: v for k, v in zip(keys, items[1::2])}
