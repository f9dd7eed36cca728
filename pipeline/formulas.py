"""CSV formula injection: text from the PDF is data, never a spreadsheet formula.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a CR is run as a formula by
Excel and LibreOffice when the CSV is opened (``=HYPERLINK(...)``, ``+cmd|...``; a full-width
``＝`` is already ``=`` after NFKC). As OWASP recommends, such a text cell is written with a
single quote in front, which spreadsheets show as text. Numbers (``-1.5``, also as text in
``changes.csv``) are left alone: they are not formulas.

The quote is reversible: a consumer removes one leading ``'`` from every cell matching
``^'+[=+\\-@\\t\\r]`` (``restore``). A cell that already started with quotes before such a
character gets one more, so the rule has no exception. Both the exports and the diff write
their CSV cells through ``neutralise``.
"""

from __future__ import annotations

import re

#: Text cells a spreadsheet would read as a formula, also behind quotes already there.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

#: Said in ``datapackage.json`` (description) and the README.
NOTE = ("表計算ソフトで数式として実行されないよう、= + - @ タブ CR で始まる文字列セルの先頭に '"
        " を付けています（OWASP CSV Injection 対策。数値は対象外）。元の値に戻すには、正規表現"
        " ^'+[=+\\-@\\t\\r] に一致するセルの先頭の ' を 1 文字取り除いてください。"
        " Text cells starting with = + - @ tab or CR carry a leading ' (OWASP CSV injection"
        " defence; numbers untouched): remove one leading ' from cells matching"
        " ^'+[=+\\-@\\t\\r] to restore the original text.")


def neutralise(text: str) -> str:
    """``=SUM(1,2)`` → ``'=SUM(1,2)``; ``-1.5`` and ``総務課`` unchanged."""
    if _FORMULA.match(text) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def restore(text: str) -> str:
    """The original text of a ``neutralise``-d cell (what a consumer of the CSV does)."""
    return text[1:] if _QUOTED.match(text) else text
