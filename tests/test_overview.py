"""The 体系図 reader on hand-made tables."""

from __future__ import annotations

from pipeline.extract.coverage import Ledger
from pipeline.extract.overview import find_columns, read_overview
from pipeline.extract.records import Records
from pipeline.vocabulary import DEFAULT
from tests.test_layout import table_with_text


def test_a_goal_printed_again_after_a_page_break_is_one_goal_and_fully_accounted():
    xs = [0, 100, 200, 300, 400]
    header = {(0, 0): "1つの目標", (0, 1): "2の方針", (0, 2): "2の実施項目", (0, 3): "取組所属"}
    rows = {(1, 0): "1 目標", (1, 1): "1 方針", (1, 2): "1 項目", (1, 3): "A課",
            (2, 0): "1 目標", (2, 1): "2 方針", (2, 2): "2 項目", (2, 3): "B課"}
    table = table_with_text(xs, [0, 20, 40, 60], {**header, **rows})
    cols = find_columns(table, DEFAULT)
    records, ledger = Records(), Ledger()
    read_overview(table, cols, DEFAULT, records, ledger)
    assert [g["goal_no"] for g in records.rows["goals"]] == [1]
    assert [(i["item_no"], i["goal_no"]) for i in records.rows["items"]] == [(1, 1), (2, 1)]
    goal_cells = [c for c in table.cells if c.col == 0 and c.row > 0]
    assert all(ledger.label(c.page, ln.key) == "goals.title"
               for c in goal_cells for ln in c.lines)
