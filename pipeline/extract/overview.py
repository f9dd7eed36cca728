"""The 体系図 (plan overview): goals → policies → items → responsible departments.

The table is found by its header row (cells like 「4つの目標」「17の方針」「35の実施項目」
「取組所属」, words from the vocabulary); the numbers in those cells are the document's own
declared counts. Goal and policy cells are merged over their items' rows, so an item's goal
and policy are the cells covering its row: no guessing from text positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.departments import BUREAUS, canonical
from pipeline.errors import ParseError
from pipeline.layout.model import Cell, Table
from pipeline.layout.tables import continue_cell
from pipeline.layout.text import is_soft_wrap, text_right_edge
from pipeline.normalize import label_key, leading_number
from pipeline.vocabulary import Vocabulary

from .coverage import Ledger
from .records import Records


@dataclass
class OverviewColumns:
    header_rows: int
    goal: Cell
    policy: Cell
    item: Cell
    department: Cell
    declared: dict[str, int | None]


def _header_word(text: str, word: str) -> int | None | bool:
    """The declared count in a header cell (``35の実施項目``, ``実施項目(35)``) for ``word``;
    True when the word stands without a count, None when the cell is about something else."""
    t, word = label_key(text), label_key(word)
    m = (re.fullmatch(rf"(\d+)\D{{0,2}}{re.escape(word)}", t)
         or re.fullmatch(rf"{re.escape(word)}\D{{0,1}}(\d+)\D{{0,2}}", t))
    if m:
        return int(m[1])
    return True if t == word else None


def find_columns(table: Table, vocab: Vocabulary) -> OverviewColumns | None:
    """The header cells of an overview table, or None when ``table`` is not one."""
    for r in range(min(table.n_rows, 3)):
        found: dict[str, tuple[Cell, int | None]] = {}
        for cell in table.row(r):
            for key, word in (("items", vocab.item), ("policies", vocab.policy),
                              ("goals", vocab.goal), ("departments", vocab.department_header)):
                hit = _header_word(cell.text, word)
                if hit is not None and key not in found:
                    found[key] = (cell, None if hit is True else hit)
                    break
        if {"goals", "policies", "items", "departments"} <= found.keys():
            return OverviewColumns(
                header_rows=r + 1, goal=found["goals"][0], policy=found["policies"][0],
                item=found["items"][0], department=found["departments"][0],
                declared={k: found[k][1] for k in ("goals", "policies", "items")})
    return None


def _numbered(cell: Cell, what: str) -> tuple[int, str]:
    parsed = leading_number(cell.text)
    if parsed is None:
        raise ParseError(f"{what} cell without a number ({cell.where()}): {cell.text[:30]!r}")
    return parsed  # soft wraps are already joined; a break typed in the cell stays \n


def department_names(cell: Cell, vocab: Vocabulary) -> list[str]:
    """Departments in a 体系図 cell: one per line, but a long name may wrap onto the next line.

    Geometry decides first (a line that ended before the cell edge was broken by hand); a full
    line that already ends like a department name (課, 室, …) and is not just a bureau prefix
    is a whole name too, because the next name simply started on the next line.
    """
    lines = cell.all_lines()  # a cell cut by a page break goes on on the next page
    right = text_right_edge(lines, cell.x0, cell.x1)
    names: list[str] = []
    for i, line in enumerate(lines):
        text = line.text
        current = names[-1] if names else ""
        if i and is_soft_wrap(lines[i - 1], line, right) and not (
                current.endswith(vocab.department_endings) and canonical(current) not in BUREAUS):
            names[-1] = current + text
        else:
            names.append(text)
    return [d for n in names for d in split_departments(n)]


def split_departments(text: str) -> list[str]:
    """One department per line (soft wraps already joined) or separated by 、/,."""
    names = re.split(r"[\n、,，]", text)
    return [canonical(n) for n in names if n.strip()]


def _continue_split_labels(table: Table, cols: OverviewColumns) -> None:
    """A goal or policy cell split by a page break with some of its text on the next page
    (a tall merged cell, its text centred over both pages): every such cell starts with its
    number, so a part at the top of the next page without one continues the cell above it.
    (``layout.tables`` continues the blank cells that lead a row; a blank one behind such a
    part is continued here.)"""
    for header in (cols.goal, cols.policy):
        above: Cell | None = None
        for r in range(cols.header_rows, table.n_rows):
            cell = table.under(header, r)
            if cell is None or cell is above:
                continue
            if (above is not None and cell.row == above.row + above.rowspan
                    and cell.page > max(part.page for part in (above, *above.parts))
                    and leading_number(cell.text) is None):
                continue_cell(above, cell, cell.rowspan)
                table.cells.remove(cell)
                continue
            above = cell


def read_overview(table: Table, cols: OverviewColumns, vocab: Vocabulary, records: Records,
                  ledger: Ledger) -> None:
    """Goals, policies, items and item departments from one (joined) overview table."""
    _continue_split_labels(table, cols)
    for cell in table.cells:
        if cell.row < cols.header_rows:
            ledger.mark_cell(cell, "table_header")
    seen_goals: set[int] = set()
    seen_policies: set[int] = set()
    for r in range(cols.header_rows, table.n_rows):
        item_cell = table.under(cols.item, r)
        if item_cell is None or item_cell.row != r or not item_cell.text:
            continue
        goal_cell, policy_cell = table.under(cols.goal, r), table.under(cols.policy, r)
        dep_cell = table.under(cols.department, r)
        if goal_cell is None or policy_cell is None:
            raise ParseError(f"item on page {item_cell.page} has no goal/policy cell beside it")
        goal_no, goal_title = _numbered(goal_cell, vocab.goal)
        policy_no, policy_title = _numbered(policy_cell, vocab.policy)
        item_no, item_title = _numbered(item_cell, vocab.item)
        if goal_no not in seen_goals:
            seen_goals.add(goal_no)
            records.add("goals", goal_no=goal_no, title=goal_title, description=None,
                        page=goal_cell.page, bbox=goal_cell.bbox_str())
        if policy_no not in seen_policies:
            seen_policies.add(policy_no)
            records.add("policies", policy_no=policy_no, goal_no=goal_no, title=policy_title,
                        description=None, page=policy_cell.page, bbox=policy_cell.bbox_str())
        # every goal/policy cell is accounted for, also one printed again after a page break
        ledger.mark_cell(goal_cell, "goals.title")
        ledger.mark_cell(policy_cell, "policies.title")
        mark = vocab.data_utilization_mark
        records.add("items", item_no=item_no, policy_no=policy_no, goal_no=goal_no,
                    title=item_title.replace(mark, "").strip(),
                    data_utilization_plan=mark in item_title, page=item_cell.page,
                    bbox=item_cell.bbox_str())
        ledger.mark_cell(item_cell, "items.title")
        if dep_cell is not None:
            for seq, dep in enumerate(department_names(dep_cell, vocab), 1):
                records.add("item_departments", item_no=item_no, department=dep, seq=seq,
                            page=dep_cell.page, bbox=dep_cell.bbox_str())
            ledger.mark_cell(dep_cell, "item_departments.department")
