"""The plan as a tree for the report: goal → policy → item → departments, projects, indicators.

Every value read from a cell carries its ``Evidence`` (page and bbox), so the report can show
the place in the PDF it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.compare.staged import Tables, records
from pipeline.contract import TABLES
from pipeline.report.charts import Gantt, IndicatorChart, gantt, indicator_chart, printed_number

TRACK_ORDER = {"plan_actual": 0, "evaluation": 1}


@dataclass(frozen=True)
class Evidence:
    """Where a value was read: 1-based page and ``x0,top,x1,bottom`` in PDF points."""

    page: int
    bbox: str


def evidence(row: dict) -> Evidence | None:
    if row.get("page") is None or not row.get("bbox"):
        return None
    return Evidence(int(row["page"]), row["bbox"])


@dataclass(frozen=True)
class Value:
    """A printed value and where it was read."""

    text: str
    evidence: Evidence | None = None


@dataclass
class IndicatorView:
    indicator_id: str
    name: Value
    unit: str
    baseline: Value  # as printed, e.g. 「12.5時間」
    baseline_fy: int | None
    actuals: dict[int, Value]  # fiscal year → as printed
    latest: str  # the last actual as printed, else the baseline
    change: str  # latest − baseline at the printed precision, e.g. 「−0.7時間」; 「―」 if none
    chart: IndicatorChart


@dataclass
class ProjectView:
    seq: int
    name: Value
    lead: list[str]
    related: list[str]
    current_issues: str
    actions: str
    related_info: str


@dataclass
class ItemView:
    item_no: int
    title: Value
    star: bool
    departments: list[Value]
    changed: bool = False  # something of it changed since the previous edition
    projects: list[ProjectView] = field(default_factory=list)
    gantt: Gantt | None = None
    indicators: list[IndicatorView] = field(default_factory=list)


@dataclass
class PolicyView:
    policy_no: int
    title: Value
    description: str
    items: list[ItemView]
    changed: bool = False


@dataclass
class GoalView:
    goal_no: int
    title: Value
    description: str
    policies: list[PolicyView]
    changed: bool = False


@dataclass
class PlanView:
    document: dict
    years: list[int]
    goals: list[GoalView]

    @property
    def policies(self) -> list[PolicyView]:
        return [p for g in self.goals for p in g.policies]

    @property
    def items(self) -> list[ItemView]:
        return [i for p in self.policies for i in p.items]

    @property
    def indicators(self) -> list[IndicatorView]:
        return [ind for i in self.items for ind in i.indicators]

    @property
    def actual_years(self) -> list[int]:
        """The columns of the indicator summary: the plan period and any year with an actual."""
        found = {fy for ind in self.indicators for fy in ind.actuals}
        start, end = self.document.get("plan_start_fy"), self.document.get("plan_end_fy")
        if start is not None and end is not None:
            found |= set(range(start, end + 1))
        return sorted(found)


@dataclass(frozen=True)
class Changed:
    """What the changes table touches, by goal, policy and item number (new edition's)."""

    goals: frozenset[int] = frozenset()
    policies: frozenset[int] = frozenset()
    items: frozenset[int] = frozenset()


def changed_numbers(changes: list[dict], tables: Tables) -> Changed:
    """Numbers of the goals, policies and items a change names (an indicator by its item)."""
    item_of = {r["indicator_id"]: r["item_no"] for r in records(tables, "indicators")}
    goals, policies, items = set(), set(), set()
    for c in changes:
        if c["table"] == "goals" and c.get("goal_no") is not None:
            goals.add(int(c["goal_no"]))
        if c["table"] == "policies" and c.get("policy_no") is not None:
            policies.add(int(c["policy_no"]))
        if c.get("item_no") is not None:
            items.add(int(c["item_no"]))
        elif c.get("indicator_id"):
            iid = c["indicator_id"]
            no = item_of.get(iid)
            if no is None and re.fullmatch(r"\d+-\d+", iid):
                no = int(iid.split("-")[0])
            if no is not None:
                items.add(int(no))
    return Changed(frozenset(goals), frozenset(policies), frozenset(items))


def plan_view(tables: Tables, changed: Changed = Changed()) -> PlanView:
    recs = {name: records(tables, name) for name in TABLES}
    docs = recs["documents"]
    document = docs[0] if docs else {}
    start, end = document.get("plan_start_fy"), document.get("plan_end_fy")
    plan = (start, end) if start is not None and end is not None else None
    schedule_years = [y for r in recs["schedule"] for y in (r["start_fy"], r["end_fy"]) if y is not None]
    years = _span(list(plan or ()) + schedule_years)
    items = {r["item_no"]: _item(r, recs, years, plan) for r in recs["items"]}
    for no, item in items.items():
        item.changed = no in changed.items
    goals = []
    for g in recs["goals"]:
        policies = [
            PolicyView(p["policy_no"], Value(p["title"] or "", evidence(p)), p["description"] or "",
                       [items[i["item_no"]] for i in recs["items"] if i["policy_no"] == p["policy_no"]],
                       p["policy_no"] in changed.policies)
            for p in recs["policies"] if p["goal_no"] == g["goal_no"]
        ]
        goals.append(GoalView(g["goal_no"], Value(g["title"] or "", evidence(g)), g["description"] or "",
                              policies, g["goal_no"] in changed.goals))
    return PlanView(document, years, goals)


def _item(r: dict, recs: dict[str, list[dict]], years: list[int], plan) -> ItemView:
    no = r["item_no"]
    deps = sorted((d for d in recs["item_departments"] if d["item_no"] == no), key=lambda d: d["seq"] or 0)
    item = ItemView(no, Value(r["title"] or "", evidence(r)), bool(r["data_utilization_plan"]),
                    [Value(d["department"], evidence(d)) for d in deps])
    links = [d for d in recs["project_departments"] if d["item_no"] == no]
    bars = [s for s in recs["schedule"] if s["item_no"] == no]
    gantt_rows = []
    for p in sorted((p for p in recs["projects"] if p["item_no"] == no), key=lambda p: p["project_seq"]):
        def role(name: str) -> list[str]:
            return [d["department"] for d in sorted(links, key=lambda d: d["seq"] or 0)
                    if d["project_seq"] == p["project_seq"] and d["role"] == name]
        item.projects.append(ProjectView(p["project_seq"], Value(p["name"] or "", evidence(p)), role("lead"),
                                         role("related"), p["current_issues"] or "", p["actions"] or "",
                                         p["related_info"] or ""))
        own = sorted((b for b in bars if b["project_seq"] == p["project_seq"]),
                     key=lambda b: (TRACK_ORDER.get(b["track"], 9), b["block_seq"] or 0, b["bar_seq"] or 0))
        gantt_rows.append((p["name"] or "", [(b["track"], b["heading"] or "", b["text"] or "", b["start_fy"],
                                              b["end_fy"], evidence(b)) for b in own]))
    if any(b for _, b in gantt_rows):
        item.gantt = gantt(years, gantt_rows)
    item.indicators = [_indicator(i, recs, years, plan)
                       for i in sorted((i for i in recs["indicators"] if i["item_no"] == no),
                                       key=lambda i: i["seq"] or 0)]
    return item


def _indicator(ind: dict, recs: dict[str, list[dict]], years: list[int], plan) -> IndicatorView:
    iid = ind["indicator_id"]
    base = next((b for b in recs["baselines"] if b["indicator_id"] == iid), None)
    acts = sorted((a for a in recs["actuals"] if a["indicator_id"] == iid), key=lambda a: a["fiscal_year"])
    base_fy = base["fiscal_year"] if base else None
    chart_years = _span(years + [a["fiscal_year"] for a in acts] + ([base_fy] if base_fy else []))
    unit = ind["unit"] or ""
    baseline = Value(_printed(base, unit) if base else "―", evidence(base) if base else None)
    chart = indicator_chart(
        chart_years, plan, unit,
        (base_fy, base["value"], baseline.text) if base and base_fy else None,
        [(a["fiscal_year"], a["value"], _printed(a, unit), evidence(a)) for a in acts],
    )
    chart.baseline_label = f"策定時 {baseline.text}" + (f" ({base_fy}年度)" if base_fy else "")
    actuals = {a["fiscal_year"]: Value(_printed(a, unit), evidence(a)) for a in acts}
    last = acts[-1] if acts else None
    return IndicatorView(iid, Value(ind["name"] or "", evidence(ind)), unit, baseline, base_fy, actuals,
                         _printed(last, unit) if last else baseline.text,
                         _difference(base, last, unit), chart)


def _printed(row: dict, unit: str) -> str:
    """The value as the PDF prints it (「13.0日」); a value without its text gets the unit."""
    if row.get("text"):
        return row["text"]
    return "―" if row.get("value") is None else f"{row['value']:g}{unit}"


def _difference(base: dict | None, last: dict | None, unit: str) -> str:
    """latest − baseline with as many decimals as the more precise of the two printed values."""
    if not base or not last or base.get("value") is None or last.get("value") is None:
        return "―"
    decimals = max(_decimals(printed_number(base.get("text"))), _decimals(printed_number(last.get("text"))))
    delta = last["value"] - base["value"]
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    return f"{sign}{abs(delta):,.{decimals}f}{unit}"


def _decimals(number: str | None) -> int:
    return len(number.split(".")[1]) if number and "." in number else 0


def _span(years: list[int]) -> list[int]:
    """Every fiscal year from the first to the last one given."""
    return list(range(min(years), max(years) + 1)) if years else []
