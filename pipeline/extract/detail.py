"""The detail sheets: goal/policy descriptions, 事業 tables with their 工程表, 参考指標.

Walks the document stream after the 体系図. Headings (目標N / 方針N / 実施項目N, words from
the vocabulary) set the current section; a table whose first label is 事業 is a project, a
table with a 参考指標 header cell is an indicator table. Schedule bars are the shaded cells
inside a 計画/実績 or 評価 block; their fiscal years come from the shaded extent measured
against the 工程表 header's year columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.errors import ParseError
from pipeline.layout.model import Cell, Fill, Line, Table
from pipeline.layout.text import join_lines
from pipeline.normalize import clean, fiscal_year, is_label, label_key, quantity
from pipeline.vocabulary import Vocabulary

from .coverage import Ledger
from .overview import split_departments
from .records import Records


@dataclass
class YearColumn:
    x0: float
    x1: float
    fy: int


@dataclass
class Section:
    """A heading and the paragraph lines that follow it."""

    kind: str  # 'goals' | 'policies' | 'items'
    number: int
    title_lines: list[Line]
    page: int
    band: Fill | None
    body: list[tuple[int, Line]] = field(default_factory=list)


class DetailReader:
    def __init__(self, vocab: Vocabulary, records: Records, ledger: Ledger,
                 fills_by_page: dict[int, list[Fill]]):
        self.vocab, self.records, self.ledger = vocab, records, ledger
        self.fills_by_page = fills_by_page
        words = {"goals": vocab.goal, "policies": vocab.policy, "items": vocab.item}
        self.heading = {k: re.compile(rf"^{re.escape(w)}\s*(\d+)\s*(.*)$") for k, w in words.items()}
        self.section: Section | None = None
        self.item_no: int | None = None
        self.project_seq = 0
        self.indicator_seq = 0
        self.plan_years: set[int] = set()
        label_words = {vocab.project: "name", vocab.lead_departments: "lead",
                       vocab.related_departments: "related", vocab.current_issues: "current_issues",
                       vocab.actions: "actions", vocab.related_info: "related_info",
                       vocab.schedule: "schedule"}
        self.labels = {label_key(word): key for word, key in label_words.items()}

    # -- flow text ---------------------------------------------------------------------
    def on_line(self, page: int, line: Line) -> None:
        text = clean(line.text)
        if text.startswith(self.vocab.footnote_mark):
            self.ledger.mark_lines(page, [line], "footnote")
            return
        for kind in ("items", "policies", "goals"):  # 実施項目 before 目標: longest words first
            m = self.heading[kind].match(text)
            if m and kind == "items" and int(m[1]) == self.item_no:
                self.ledger.mark_lines(page, [line], "section_title")  # 「(続き)」 after a break
                return
            if m:
                self._close_section()
                band = self._band(page, line)
                self.section = Section(kind, int(m[1]), [line], page, band)
                if kind == "items":
                    self.item_no, self.project_seq, self.indicator_seq = int(m[1]), 0, 0
                return
        if self.section and self.section.band and self.section.band.contains_point(line.cx, line.cy):
            self.section.title_lines.append(line)  # a long title wrapped inside its band
        elif is_label(text, *self.vocab.indicator_header, self.vocab.indicator):
            self.ledger.mark_lines(page, [line], "section_title")
        elif self.section and self.section.kind != "items":
            self.section.body.append((page, line))

    def _band(self, page: int, line: Line) -> Fill | None:
        return next((f for f in self.fills_by_page.get(page, ())
                     if f.contains_point(line.cx, line.cy)), None)

    def _close_section(self) -> None:
        s, self.section = self.section, None
        if s is None:
            return
        self.ledger.mark_lines(s.page, s.title_lines, "section_title")
        if s.kind == "items" or not s.body:
            return
        lines = [ln for _, ln in s.body]
        right = (s.band.x1 - (s.title_lines[0].x0 - s.band.x0)) if s.band else max(ln.x1 for ln in lines)
        description = join_lines(lines, right)
        key = "goal_no" if s.kind == "goals" else "policy_no"
        row = self.records.find(s.kind, **{key: s.number})
        if row is None:
            return  # a heading for something the 体系図 does not list: left unaccounted
        row["description"] = description
        for page, ln in s.body:
            self.ledger.mark_lines(page, [ln], f"{s.kind}.description")

    def finish(self) -> None:
        self._close_section()

    # -- tables ------------------------------------------------------------------------
    def on_table(self, table: Table) -> bool:
        """Read a project or indicator table; False when it is neither."""
        if len(table.cells) == 1:  # framed text (a boxed heading or paragraph): read as lines
            for line in table.cells[0].lines:
                self.on_line(table.cells[0].page, line)
            return True
        self._close_section()
        first = table.row(0)
        if first and is_label(first[0].text, self.vocab.project) and self.item_no is not None:
            self.project_seq += 1
            self._project(table)
            return True
        if self.item_no is not None and any(self._indicator_header(c) for c in table.cells):
            self._indicators(table)
            return True
        return False

    def _project(self, table: Table) -> None:
        labels = self.labels
        values: dict[str, Cell] = {}
        years: list[YearColumn] = []
        blocks: list[tuple[str, Cell]] = []
        for r in range(table.n_rows):
            row = table.row(r)
            for i, cell in enumerate(row):
                key = labels.get(label_key(cell.text))
                if key is None:
                    track = self._track(cell.text)
                    if track and cell.x0 <= table.x0 + 1:
                        blocks.append((track, cell))
                        self.ledger.mark_cell(cell, "label")
                    continue
                self.ledger.mark_cell(cell, "label")
                rest = row[i + 1:]
                if key == "schedule":
                    years = self._years(rest)
                elif rest and label_key(rest[0].text) not in labels:  # a label beside a label
                    values[key] = rest[0]
        item, seq = self.item_no, self.project_seq
        if "name" not in values:
            raise ParseError(f"project table without a {self.vocab.project} name ({table.cells[0].where()})")
        texts = {k: c.text for k, c in values.items()}
        none = set(self.vocab.none_marks)
        pages = sorted({c.page for c in table.cells} | {part.page for c in table.cells for part in c.parts})
        self.records.add(
            "projects", item_no=item, project_seq=seq, name=texts["name"],
            current_issues=texts.get("current_issues"), actions=texts.get("actions"),
            related_info=None if texts.get("related_info", "-") in none else texts["related_info"],
            page=pages[0], pages=",".join(map(str, pages)), bbox=values["name"].bbox_str())
        for key, cell in values.items():
            self.ledger.mark_cell(cell, f"projects.{key}")
        for role in ("lead", "related"):
            text = texts.get(role, "-")
            if text in none:
                continue
            for dseq, dep in enumerate(split_departments(text), 1):
                self.records.add("project_departments", item_no=item, project_seq=seq, role=role,
                                 department=dep, seq=dseq, page=values[role].page)
        self._schedule(table, blocks, years)

    def _track(self, text: str) -> str | None:
        if is_label(text, *self.vocab.plan_actual):
            return "plan_actual"
        if is_label(text, *self.vocab.evaluation):
            return "evaluation"
        return None

    def _years(self, cells: list[Cell]) -> list[YearColumn]:
        years = []
        for cell in cells:
            fy = fiscal_year(cell.text)
            if fy is None:
                raise ParseError(f"工程表 header cell is not a fiscal year ({cell.where()}): {cell.text!r}")
            years.append(YearColumn(cell.x0, cell.x1, fy))
            self.ledger.mark_cell(cell, "table_header")
        self.plan_years.update(y.fy for y in years)
        return years

    def _schedule(self, table: Table, blocks: list[tuple[str, Cell]], years: list[YearColumn]) -> None:
        bar_seq: dict[str, int] = {}
        block_seq: dict[str, int] = {}
        for track, label in blocks:
            block_seq[track] = block_seq.get(track, 0) + 1
            heading: list[Cell] = []
            for r in range(label.row, label.row + label.rowspan):
                content = [c for c in table.covering(r) if c.x0 >= label.x1 - 1 and c.row == r]
                bars = _bars(content)
                if not bars:
                    if any(c.text for c in content):
                        heading = [c for c in content if c.text]
                    continue
                for cells in bars:
                    if not years:
                        raise ParseError(f"schedule bar before any 工程表 year header ({cells[0].where()})")
                    x0 = min(f.x0 for c in cells for f in c.fills)
                    x1 = max(f.x1 for c in cells for f in c.fills)
                    head = [h for h in heading if h.x0 < x1 and h.x1 > x0] or heading
                    bar_seq[track] = bar_seq.get(track, 0) + 1
                    start_fy, end_fy = _years_under(years, x0, x1, cells[0])
                    self.records.add(
                        "schedule", item_no=self.item_no, project_seq=self.project_seq,
                        track=track, block_seq=block_seq[track], bar_seq=bar_seq[track],
                        heading="".join(h.text for h in head) or None,
                        text="".join(c.text for c in cells) or None,
                        start_fy=start_fy, end_fy=end_fy,
                        page=cells[0].page, bbox=f"{x0:.1f},{cells[0].top:.1f},{x1:.1f},{cells[0].bottom:.1f}")
                    for c in cells:
                        self.ledger.mark_cell(c, "schedule.text")
                    for h in head:
                        self.ledger.mark_cell(h, "schedule.heading")

    def _indicators(self, table: Table) -> None:
        v = self.vocab
        name_h = next(c for c in table.cells if self._indicator_header(c))
        base_year_h = next((c for c in table.cells if is_label(c.text, *v.baseline_year)), None)
        base_value_h = next((c for c in table.cells if is_label(c.text, *v.baseline_value)), None)
        header_end = name_h.row + name_h.rowspan  # the 参考指標 cell spans the header rows
        year_h = [(c, fy) for c in table.cells
                  if c.row < header_end and (fy := fiscal_year(c.text)) is not None]
        for cell in table.cells:
            if cell.row < header_end:
                self.ledger.mark_cell(cell, "table_header")
        if base_year_h is None or base_value_h is None:
            raise ParseError(f"indicator table without {v.baseline} columns ({name_h.where()})")
        for r in range(header_end, table.n_rows):
            name = table.under(name_h, r)
            if name is None or not name.text:
                continue
            self.indicator_seq += 1
            ind_id = f"{self.item_no}-{self.indicator_seq}"
            year_cell, value_cell = table.under(base_year_h, r), table.under(base_value_h, r)
            base_fy = fiscal_year(year_cell.text) if year_cell else None
            if base_fy is None:
                raise ParseError(f"baseline year not readable ({(year_cell or name).where()}): "
                                 f"{year_cell.text if year_cell else ''!r}")
            base = self._quantity(value_cell, name)
            unit = base.unit
            self.records.add("baselines", indicator_id=ind_id, fiscal_year=base_fy,
                             value=base.value, text=base.text, page=value_cell.page,
                             bbox=value_cell.bbox_str())
            for head, fy in year_h:
                cell = table.under(head, r)
                if cell is None or not cell.text:
                    continue
                q = self._quantity(cell, name)
                unit = unit or q.unit
                self.records.add("actuals", indicator_id=ind_id, fiscal_year=fy, value=q.value,
                                 text=q.text, page=cell.page, bbox=cell.bbox_str())
                self.ledger.mark_cell(cell, "actuals.value")
            self.records.add("indicators", indicator_id=ind_id, item_no=self.item_no,
                             seq=self.indicator_seq, name=name.text, unit=unit, page=name.page,
                             bbox=name.bbox_str())
            self.ledger.mark_cell(name, "indicators.name")
            self.ledger.mark_cell(year_cell, "baselines.fiscal_year")
            self.ledger.mark_cell(value_cell, "baselines.value")

    def _indicator_header(self, cell: Cell) -> bool:
        return label_key(cell.text).startswith(label_key(self.vocab.indicator))

    def _quantity(self, cell: Cell | None, name: Cell):
        text = cell.text if cell else ""
        q = quantity(text, self.vocab.none_marks, self.vocab.units)
        if q is None:
            where = (cell or name).where()
            raise ParseError(f"indicator value not readable ({where}, indicator {name.text!r}): {text!r}")
        return q


def _bars(content: list[Cell]) -> list[list[Cell]]:
    """Runs of adjacent shaded cells in one row: each run is one schedule bar."""
    runs: list[list[Cell]] = []
    for cell in sorted(content, key=lambda c: c.x0):
        if not cell.fills:
            continue
        run_has_text = bool(runs) and any(c.text for c in runs[-1])
        if runs and abs(runs[-1][-1].x1 - cell.x0) < 1 and not (run_has_text and cell.text):
            runs[-1].append(cell)
        else:
            runs.append([cell])
    return runs


def _years_under(years: list[YearColumn], x0: float, x1: float, cell: Cell) -> tuple[int, int]:
    """First and last fiscal year whose column the shading covers (at least half of it)."""
    covered = [y.fy for y in years if min(x1, y.x1) - max(x0, y.x0) >= 0.5 * (y.x1 - y.x0)]
    if not covered:
        raise ParseError(f"schedule bar outside the fiscal-year columns ({cell.where()})")
    return min(covered), max(covered)
