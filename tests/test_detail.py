"""The detail-sheet reader's section logic on hand-made lines."""

from __future__ import annotations

from pipeline.extract.coverage import Ledger
from pipeline.extract.detail import DetailReader
from pipeline.extract.records import Records
from pipeline.layout.model import Char, Line
from pipeline.layout.text import lines_of
from pipeline.vocabulary import DEFAULT


def line(text: str, top: float, x0: float = 50.0, size: float = 10.0) -> Line:
    chars = [Char(x0 + k * size, top, x0 + (k + 1) * size, top + size, text=ch, size=size,
                  index=int(top) * 100 + k) for k, ch in enumerate(text)]
    (only,) = lines_of(chars)
    return only


def reader() -> tuple[DetailReader, Records]:
    records = Records()
    records.add("goals", goal_no=3, title="G", description=None, page=2)
    records.add("policies", policy_no=11, goal_no=3, title="P", description=None, page=2)
    return DetailReader(DEFAULT, records, Ledger(), {}), records


def test_goal_and_policy_paragraphs_become_descriptions():
    r, records = reader()
    r.on_line(4, line("目標3 職員の育成", 50))
    r.on_line(4, line("あいうえお", 70))     # a full line (the paragraph's widest)
    r.on_line(4, line("かき", 82))           # wraps softly onto this one
    r.on_line(4, line("方針11 環境の整備", 100))
    r.on_line(4, line("さしす", 120))
    r.on_line(4, line("実施項目25 職場環境づくり", 140))
    r.finish()
    assert records.find("goals", goal_no=3)["description"] == "あいうえおかき"
    assert records.find("policies", policy_no=11)["description"] == "さしす"


def test_repeated_item_heading_after_a_page_break_continues_the_item():
    r, _ = reader()
    r.on_line(4, line("実施項目25 職場環境づくり", 50))
    r.project_seq = 2
    r.on_line(5, line("実施項目25 職場環境づくり(続き)", 50))
    assert (r.item_no, r.project_seq) == (25, 2)
    r.on_line(6, line("実施項目26 コンプライアンスの徹底", 50))
    assert (r.item_no, r.project_seq) == (26, 0)


def test_an_unreadable_indicator_value_names_page_and_cell():
    import pytest

    from pipeline.errors import ParseError
    from pipeline.layout.model import Cell

    r, _ = reader()
    cell = Cell(300, 200, 360, 215, page=6, text="約200者")
    name = Cell(40, 200, 300, 215, page=6, text="NETSUGENの月額会員数")
    with pytest.raises(ParseError, match=r"page 6, cell at \(300,200\).*約200者"):
        r._quantity(cell, name)


def test_a_framed_heading_and_paragraph_read_like_flow_text():
    from pipeline.layout.model import Cell, Table

    r, records = reader()

    def framed(text: str, top: float) -> Table:
        cell = Cell(40, top - 2, 800, top + 14, page=4, lines=[line(text, top)])
        return Table(40, top - 2, 800, top + 14, page=4, xs=[40, 800], ys=[top - 2, top + 14], cells=[cell])

    assert r.on_table(framed("目標3 職員の育成", 50))
    assert r.on_table(framed("説明の段落", 80))
    r.finish()
    assert records.find("goals", goal_no=3)["description"] == "説明の段落"


def test_overview_header_counts_in_either_order():
    from pipeline.extract.overview import _header_word

    assert _header_word("35の実施項目", "実施項目") == 35
    assert _header_word("実施項目(35)", "実施項目") == 35
    assert _header_word("4つの目標", "目標") == 4
    assert _header_word("取組所属", "取組所属") is True
    assert _header_word("目標値", "目標") is None
