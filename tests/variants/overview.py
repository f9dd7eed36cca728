"""The 体系図: goals and policies as merged cells over one row per item, departments per line."""

from __future__ import annotations

from itertools import groupby

from . import style
from .canvas import Flow
from .options import VariantOptions
from .table import Cell, Merge, Row, Table, place, total_height

TITLE = "群馬県行財政改革大綱実施計画 体系図"
FOOTNOTE = "※★は、群馬県官民データ活用推進計画の取組項目です。"
MIN_SCALE = 0.6  # the 体系図 shrinks at most this far to fit on one page, then it breaks


def _widths(total: float, scale: float, stacked_goals: bool) -> list[float]:
    goal, policy, dept = 0.19 * total * scale, 0.21 * total * scale, 0.22 * total
    if stacked_goals:  # a narrow column: the goal's title stands one glyph under the other
        goal = 0.035 * total
    return [goal, policy, total - goal - policy - dept, dept]


def _runs(items: list[dict], key: str, offset: int) -> list[tuple[int, int, int]]:
    """(value, first row, last row) for each run of consecutive items sharing ``key``."""
    runs, r = [], offset
    for value, group in groupby(items, key=lambda it: it[key]):
        n = len(list(group))
        runs.append((value, r, r + n - 1))
        r += n
    return runs


def overview_table(truth: dict, options: VariantOptions, width: float, size: float) -> Table:
    counts = truth["declared_counts"]
    items = sorted(truth["items"], key=lambda it: it["item_no"])
    head = [f"{counts['goals']}つの目標", f"{counts['policies']}の方針", f"{counts['items']}の実施項目", "取組所属"]
    rows = [Row([Cell(c, text, align="center", fill=style.HEAD, stroke="rect", spread=True)
                 for c, text in enumerate(head)])]
    per_page = options.overview_rows_per_page
    for k, item in enumerate(items):
        star = "★" if item["data_utilization_plan"] else ""
        rows.append(Row([Cell(2, f"{item['item_no']} {item['title']}{star}", spread=True),
                         Cell(3, "\n".join(item["departments"]), spread=True)],
                        tag=("item", item["item_no"]),
                        break_before=bool(per_page) and k > 0 and k % per_page == 0))
    goals = {g["goal_no"]: g for g in truth["goals"]}
    policies = {p["policy_no"]: p for p in truth["policies"]}
    merges = [Merge(0, first, last, f"{no} {goals[no]['title']}",
                    align="center" if options.stacked_goals else "left",
                    fill=style.GOAL_FILLS[(no - 1) % len(style.GOAL_FILLS)], stacked=options.stacked_goals)
              for no, first, last in _runs(items, "goal_no", 1)]
    merges += [Merge(1, first, last, f"{no} {policies[no]['title']}", align="left", stroke="lines")
               for no, first, last in _runs(items, "policy_no", 1)]
    return Table(_widths(width, options.column_scale, options.stacked_goals), rows, size, merges,
                 header=1, distributed=options.distributed, cut_rows=options.cut_rows,
                 spaced=options.spaced_labels)


def draw_overview(truth: dict, options: VariantOptions, flow: Flow, size: float) -> dict[int, int]:
    """Draw the 体系図 from a fresh page on; returns item_no → the page of its row."""
    doc = flow.doc

    def title(f: Flow) -> None:
        text = TITLE if f.page == first_page else TITLE + "（続き）"
        doc.text(f.page, doc.left, f.take(size * 2.2) - size * 1.5, text, size * 1.5)

    first_page = len(doc.pages) + 1
    flow.on_new_page = title
    flow.new_page()
    table = overview_table(truth, options, doc.width, size)
    if not (options.overview_rows_per_page or options.cut_rows):  # a spreadsheet's "fit to page"
        while table.size > size * MIN_SCALE and total_height(table, flow) + table.size * 2.2 > flow.room:
            table.size *= 0.95
    pages = place(table, flow)
    flow.ensure(table.size * 2)
    doc.text(flow.page, doc.left, flow.take(table.size * 2) - table.size * 1.4, FOOTNOTE, table.size)
    flow.on_new_page = None
    return {tag[1]: ps[0] for tag, ps in pages.items()}
