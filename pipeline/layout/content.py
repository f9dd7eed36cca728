"""pdfminer's page interpreter, fed by qpdf's content-stream tokenizer (through pikepdf).

Two thirds of reading a page went into pdfminer's tokenizer, which cuts the content stream
into operands and operators in pure Python, byte by byte. qpdf (C++) cuts the same bytes
several times faster. Everything else stays pdfminer's: decrypting and decoding the
stream, fonts, the graphics and text state, what each operator does, Form XObjects. The
operands are turned into exactly the values pdfminer's own parser gives (int, float, bytes,
names as ``PSLiteral``, lists, dicts), so its operators cannot tell the difference:
``tests/test_content.py`` compares the operations with pdfminer's parser, and
``tests/test_read.py`` every glyph with pdfplumber's own.

A stream goes through pdfminer's own parser instead when

- qpdf cannot tokenize it cleanly (any warning: a damaged stream keeps pdfminer's way of
  coping with it);
- it has an inline image (qpdf spells out the image's abbreviated keys, which pdfminer
  reads as written);
- the two would read its bytes differently, qpdf as the specification says: a hex string
  with an odd number of digits (qpdf pads the last digit with 0), a backslash before a
  character that is no escape (qpdf keeps the character, pdfminer drops it), a raw CR in a
  literal string (qpdf reads it as LF), ``null`` (an operand for qpdf, a keyword for
  pdfminer), a raw NUL byte (white space for qpdf, part of a token for pdfminer), a bad
  token (qpdf makes it null), a token no operator is named (``1.2.3``: two numbers for
  pdfminer).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import ClassVar

import pikepdf
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfminer.pdftypes import PDFStream, stream_value
from pdfminer.psparser import LIT

from pipeline.errors import PlanExtractError

#: An operator's name and its operands, as pdfminer's parser gives them.
Operation = tuple[str, list]

#: Bytes the two tokenizers read differently: a hex string with an odd number of digits,
#: a backslash (not itself escaped) before a character that is no escape.
_READ_APART = re.compile(rb"<\s*[0-9A-Fa-f](?:\s*[0-9A-Fa-f]\s*[0-9A-Fa-f])*\s*>"
                         rb"|(?<!\\)(?:\\\\)*\\[^nrtbf()\\0-7\r\n]")


class Interpreter(PDFPageInterpreter):
    """``PDFPageInterpreter`` whose ``execute`` takes its operations from qpdf."""

    #: operator name → (method name, operand count), or None for an unknown operator
    _methods: ClassVar[dict[str, tuple[str, int] | None]] = {}

    def execute(self, streams: Sequence[object]) -> None:
        try:
            operations = _operations(self._runnable(streams))
        except (PlanExtractError, MemoryError):  # a page timeout, or out of memory
            raise
        except Exception:  # noqa: BLE001  (anything qpdf or the conversion refuses)
            super().execute(streams)
            return
        for name, operands in operations:
            self.argstack.extend(operands)
            method, nargs = self.method(name)  # known: _operations checked
            func = getattr(self, method)
            if nargs:  # as pdfminer: too few operands, and the operator is skipped
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


def _operations(streams: list[PDFStream]) -> list[Operation]:
    """Every operation of the streams, in order (a page's streams read as one, as the PDF
    specification has it)."""
    data = b"\n".join(stream.get_data() for stream in streams)
    if _READ_APART.search(data) or b"null" in data or b"\x00" in data:
        raise ValueError("bytes qpdf reads differently: left to pdfminer")
    scratch = pikepdf.new()  # per call: qpdf keeps every stream made in a document
    with warnings.catch_warnings():
        # qpdf's complaints about the stream become an exception (only pikepdf's own)
        warnings.filterwarnings("error", category=UserWarning, module="pikepdf")
        parsed = pikepdf.parse_content_stream(pikepdf.Stream(scratch, data))
    out = []
    for operands, operator in parsed:
        name = str(operator)
        if name == "INLINE IMAGE":
            raise ValueError("inline image: left to pdfminer")
        if Interpreter.method(name) is None:
            raise ValueError(f"no operator {name!r}: left to pdfminer")
        out.append((name, [_value(o) for o in operands]))
    if b"\r" in data and any(b"\n" in v for v in _strings(ops for _, ops in out)):
        raise ValueError("an LF in a string may have been a raw CR: left to pdfminer")
    return out


def _strings(values: Iterable) -> Iterable[bytes]:
    """The strings among operands, also inside arrays and dictionaries."""
    for v in values:
        if isinstance(v, bytes):
            yield v
        elif isinstance(v, list):
            yield from _strings(v)
        elif isinstance(v, dict):
            yield from _strings(v.values())


def _value(o: object) -> object:
    """A qpdf operand as the value pdfminer's parser makes of the same bytes."""
    if isinstance(o, (int, bool)):  # bool is an int
        return o
    if isinstance(o, Decimal):
        return float(o)  # a real: pdfminer's float() of the same digits
    if isinstance(o, pikepdf.Name):
        return LIT(str(o)[1:])
    if isinstance(o, pikepdf.String):
        return bytes(o)
    if isinstance(o, pikepdf.Array):
        return [_value(v) for v in o]
    if isinstance(o, pikepdf.Dictionary):
        return {str(k)[1:]: _value(v) for k, v in o.items()}
    # None is qpdf's stand-in for a bad token (``null`` itself never gets this far)
    raise ValueError(f"operand {o!r}: left to pdfminer")
