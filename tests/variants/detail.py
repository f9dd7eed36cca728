"""Detail pages: goal/policy bands, one table per project (with the 工程表 bars), the 指標 table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from itertools import groupby

from reportlab.lib.colors import Color, black

from pipeline.departments import ALIASES

from . import style
from .canvas import Flow, full_line_breaks, wrap
from .options import VariantOptions
from .table import LEADING, PAD_RATIO, Cell, Merge, Row, Table, lead_height, place

TRACKS = (("plan_actual", "計画/実績"), ("evaluation", "評価"))
NONE = "-"
PROJECT = "事業"  # the label of a project table's first row
INDICATOR = "参考指標"  # the header an indicator table starts with

YearFormat = Callable[[int], str]


def printed_department(name: str) -> str:
    """``総務部総務課`` → ``(総)総務課``: the abbreviations the detail sheets use."""
    for alias, prefix in ALIASES.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            return alias + name[len(prefix):]
    return name


def _departments(col: int, names: list[str], span: int) -> Cell:
    if not names:
        return Cell(col, NONE, span=span, align="center")
    return Cell(col, "、".join(map(printed_department, names)), span=span, spread=True)


def _label(col: int, text: str) -> Cell:
    return Cell(col, text, align="center", fill=style.LABEL, stroke="rect", spread=True)


def _head(col: int, text: str, span: int = 1) -> Cell:
    return Cell(col, text, span=span, align="center", fill=style.HEAD, spread=True)


def _block_rows(bars: list[dict], years: list[int], tag: tuple) -> list[Row]:
    """Heading line + shaded bar per schedule bar; an empty block is two blank rows."""
    n = len(years)
    if not bars:
        return [Row([Cell(1, span=n)], tag, keep_with_next=True),
                Row([Cell(1 + i) for i in range(n)], tag)]
    rows = []
    for bar in bars:
        first, last = years.index(bar["start_fy"]), years.index(bar["end_fy"])
        cells = [Cell(1 + i) for i in range(n) if not first <= i <= last]
        cells.append(Cell(1 + first, bar["text"], span=last - first + 1, align="center", fill=style.BAR))
        rows += [Row([Cell(1, bar["heading"], span=n)], tag, keep_with_next=True),
                 Row(sorted(cells, key=lambda c: c.col), tag)]
    return rows


def project_table(project: dict, bars: list[dict], years: list[int], widths: list[float],
                  size: float, year: YearFormat) -> Table:
    tag = ("project", project["item_no"], project["project_seq"])
    n, half = len(years), len(years) // 2
    related = project["related_info"]
    rows = [
        Row([_label(0, PROJECT), Cell(1, project["name"], span=n)], tag),
        Row([_label(0, "取組所属"), _departments(1, project["lead_departments"], half),
             _label(1 + half, "関係所属"),
             _departments(2 + half, project["related_departments"], n - half - 1)], tag),
        Row([_label(0, "現状・課題"), Cell(1, project["current_issues"], span=n)], tag),
        Row([_label(0, "取組内容"), Cell(1, project["actions"], span=n)], tag),
        Row([_label(0, "関連情報"), Cell(1, related or NONE, span=n,
                                      align="left" if related else "center")], tag),
        Row([_label(0, "工程表")] + [_label(1 + i, year(fy)) for i, fy in enumerate(years)], tag),
    ]
    merges = []
    for track, label in TRACKS:
        on_track = [b for b in bars if b["track"] == track]
        blocks = [list(g) for _, g in groupby(on_track, key=lambda b: b["block_seq"])] or [[]]
        for block in blocks:
            first = len(rows)
            rows += _block_rows(block, years, tag)
            merges.append(Merge(0, first, len(rows) - 1, label, fill=style.LABEL, spread=True))
    return Table(widths, rows, size, merges)


def indicator_table(indicators: list[dict], years: list[int], width: float, scale: float,
                    size: float, year: YearFormat) -> Table:
    name_w, base_w = 0.33 * width * scale, 0.075 * width
    widths = [name_w, base_w, base_w] + [(width - name_w - 2 * base_w) / len(years)] * len(years)
    rows = [Row([_head(1, "策定時", 2)] + [_head(3 + i, year(fy)) for i, fy in enumerate(years)]),
            Row([_head(1, "年・年度"), _head(2, "現状")] + [_head(3 + i, "実績") for i in range(len(years))])]
    for ind in indicators:
        actuals = ind["actuals"]
        rows.append(Row([Cell(0, ind["name"]), Cell(1, year(ind["baseline_fy"]), align="center"),
                         Cell(2, ind["baseline_text"], align="right")]
                        + [Cell(3 + i, actuals.get(str(fy), {}).get("text", ""), align="right")
                           for i, fy in enumerate(years)]))
    return Table(widths, rows, size, [Merge(0, 0, 1, INDICATOR, fill=style.HEAD, spread=True)], header=2)


class DetailWriter:
    """Writes the detail pages item by item; remembers the goal/policy last shown."""

    def __init__(self, truth: dict, options: VariantOptions, flow: Flow, size: float,
                 years: list[int], year: YearFormat):
        self.truth, self.options, self.flow, self.size = truth, options, flow, size
        self.years, self.year = years, year
        self.doc = flow.doc
        self.shown: dict[str, int | None] = {"goal": None, "policy": None}
        self.banded: set[tuple[str, int]] = set()  # ("goal", 2): bands drawn (with description)
        label_w = 62 * options.column_scale
        self.widths = [label_w] + [(self.doc.width - label_w) / len(years)] * len(years)
        self.bars: dict[tuple[int, int], list[dict]] = defaultdict(list)
        for bar in sorted(truth["schedule"], key=lambda b: (b["track"], b["block_seq"], b["bar_seq"])):
            self.bars[(bar["item_no"], bar["project_seq"])].append(bar)

    def _paragraph_lines(self, text: str | None) -> list[str]:
        return wrap(text, self.doc.width - 12, self.doc.face, self.size) if text else []

    def band(self, kind: str, no: int, title: str, text: str | None, fill: Color, color: Color) -> None:
        """``目標N title`` / ``方針N title`` on a filled band, then its description paragraph."""
        doc, size, lead = self.doc, self.size, self.size * LEADING
        band_h, lines = size * 2.4, self._paragraph_lines(text)
        self.flow.ensure(band_h + len(lines) * lead + 6)
        top = self.flow.take(band_h)
        doc.box(self.flow.page, doc.left, top - band_h + 2, doc.width, band_h - 3, fill=fill, stroke=None)
        doc.text(self.flow.page, doc.left + 6, top - band_h / 2 - size * 0.45,
                 f"{kind}{no} {title}".replace("\n", ""), size * 1.35, color=color)
        top = self.flow.take(len(lines) * lead + 6)
        for i, line in enumerate(lines):
            doc.text(self.flow.page, doc.left + 6, top - (i + 1) * lead + 1, line, size)

    def heading(self, text: str, keep: float) -> None:
        """A heading line kept on the page with ``keep`` points of what follows."""
        doc, h = self.doc, self.size * 2.4
        self.flow.ensure(h + keep)
        top = self.flow.take(h)
        doc.text(self.flow.page, doc.left, top - h + self.size * 0.7, text, self.size * 1.3)

    def item(self, item: dict, projects: list[dict], indicators: list[dict]) -> dict[tuple, list[int]]:
        """One item from a fresh page on; returns ("project", item, seq) → pages."""
        truth, flow = self.truth, self.flow
        flow.new_page()
        goal = next(g for g in truth["goals"] if g["goal_no"] == item["goal_no"])
        policy = next(p for p in truth["policies"] if p["policy_no"] == item["policy_no"])
        if self.shown["goal"] != goal["goal_no"]:
            self.band("目標", goal["goal_no"], goal["title"], goal["description"],
                      style.GOAL_BAND, style.GOAL_TEXT)
        if self.shown["policy"] != policy["policy_no"]:
            self.band("方針", policy["policy_no"], policy["title"], policy["description"],
                      style.POLICY_BAND, black)
        self.shown = {"goal": goal["goal_no"], "policy": policy["policy_no"]}
        self.banded |= {("goal", goal["goal_no"]), ("policy", policy["policy_no"])}
        tables = [project_table(p, self.bars[(p["item_no"], p["project_seq"])], self.years,
                                self.widths, self.size, self.year) for p in projects]
        for table in tables:
            table.distributed, table.spaced = self.options.distributed, self.options.spaced_labels
            table.cut_rows = self.options.cut_rows
        first_lead = lead_height(tables[0], flow) if tables else 0.0
        self.heading(f"実施項目{item['item_no']} {item['title']}".replace("\n", ""), first_lead)
        pages: dict[tuple, list[int]] = {}
        for table in tables:
            flow.take(min(self.size, flow.room))
            pages.update(place(table, flow))
        text_width = sum(self.widths[1:]) - 2 * self.size * PAD_RATIO
        for p in projects:  # the truth holds what the page shows (drawn from the original)
            for key in ("current_issues", "actions", "related_info"):
                if p[key]:
                    p[key] = full_line_breaks(p[key], text_width, self.doc.face, self.size)
        if indicators:
            table = indicator_table(indicators, self.years, self.doc.width,
                                    self.options.column_scale, self.size, self.year)
            table.distributed, table.spaced = self.options.distributed, self.options.spaced_labels
            table.cut_rows = self.options.cut_rows
            self.heading("指標", lead_height(table, flow))
            place(table, flow)
        return pages
