"""The plan as a tree for the report: goal → policy → item → departments, projects, indicators."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.compare.staged import records
from pipeline.contract import TABLES
from pipeline.report.charts import Gantt, IndicatorChart, fmt_number, gantt, indicator_chart

TRACK_ORDER = {"plan_actual": 0, "evaluation": 1}


@dataclass
class IndicatorView:
    indicator_id: str
    name: str
    unit: str
    baseline: str  # e.g. "12.5時間 (2023年度)"
    actuals: list[tuple[int, str]]
    chart: IndicatorChart


@dataclass
class ProjectView:
    seq: int
    name: str
    lead: list[str]
    related: list[str]
    current_issues: str
    actions: str
    related_info: str


@dataclass
class ItemView:
    item_no: int
    title: str
    star: bool
    departments: list[str]
    projects: list[ProjectView] = field(default_factory=list)
    gantt: Gantt | None = None
    indicators: list[IndicatorView] = field(default_factory=list)


@dataclass
class PolicyView:
    policy_no: int
    title: str
    description: str
    items: list[ItemView]


@dataclass
class GoalView:
    goal_no: int
    title: str
    description: str
    policies: list[PolicyView]


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


def plan_view(tables: dict[str, pd.DataFrame]) -> PlanView:
    recs = {name: records(tables, name) for name in TABLES}
    docs = recs["documents"]
    document = docs[0] if docs else {}
    start, end = document.get("plan_start_fy"), document.get("plan_end_fy")
    plan = (start, end) if start is not None and end is not None else None
    schedule_years = [y for r in recs["schedule"] for y in (r["start_fy"], r["end_fy"]) if y is not None]
    years = _span(list(plan or ()) + schedule_years)
    items = {r["item_no"]: _item(r, recs, years, plan) for r in recs["items"]}
    goals = []
    for g in recs["goals"]:
        policies = [
            PolicyView(p["policy_no"], p["title"] or "", p["description"] or "",
                       [items[i["item_no"]] for i in recs["items"] if i["policy_no"] == p["policy_no"]])
            for p in recs["policies"] if p["goal_no"] == g["goal_no"]
        ]
        goals.append(GoalView(g["goal_no"], g["title"] or "", g["description"] or "", policies))
    return PlanView(document, years, goals)


def _item(r: dict, recs: dict[str, list[dict]], years: list[int], plan) -> ItemView:
    no = r["item_no"]
    deps = sorted((d for d in recs["item_departments"] if d["item_no"] == no), key=lambda d: d["seq"] or 0)
    item = ItemView(no, r["title"] or "", bool(r["data_utilization_plan"]), [d["department"] for d in deps])
    links = [d for d in recs["project_departments"] if d["item_no"] == no]
    bars = [s for s in recs["schedule"] if s["item_no"] == no]
    gantt_rows = []
    for p in sorted((p for p in recs["projects"] if p["item_no"] == no), key=lambda p: p["project_seq"]):
        def role(name: str) -> list[str]:
            return [d["department"] for d in sorted(links, key=lambda d: d["seq"] or 0)
                    if d["project_seq"] == p["project_seq"] and d["role"] == name]
        item.projects.append(ProjectView(p["project_seq"], p["name"] or "", role("lead"), role("related"),
                                         p["current_issues"] or "", p["actions"] or "", p["related_info"] or ""))
        own = sorted((b for b in bars if b["project_seq"] == p["project_seq"]),
                     key=lambda b: (TRACK_ORDER.get(b["track"], 9), b["block_seq"] or 0, b["bar_seq"] or 0))
        gantt_rows.append((p["name"] or "", [(b["track"], b["heading"] or b["text"] or "", b["start_fy"], b["end_fy"])
                                             for b in own]))
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
    chart_years = _span(years + [a["fiscal_year"] for a in acts] + ([base["fiscal_year"]] if base and base["fiscal_year"] else []))
    unit = ind["unit"] or ""
    baseline = "―"
    if base:
        baseline = (base["text"] or fmt_number(base["value"]) + unit)
        if base["fiscal_year"]:
            baseline += f" ({base['fiscal_year']}年度)"
    chart = indicator_chart(
        chart_years, plan, unit,
        (base["fiscal_year"], base["value"]) if base and base["fiscal_year"] else None,
        [(a["fiscal_year"], a["value"], a["text"] or fmt_number(a["value"])) for a in acts],
    )
    chart.baseline_label = f"策定時 {baseline}"
    return IndicatorView(iid, ind["name"] or "", unit, baseline,
                         [(a["fiscal_year"], a["text"] or fmt_number(a["value"])) for a in acts], chart)


def _span(years: list[int]) -> list[int]:
    """Every fiscal year from the first to the last one given."""
    return list(range(min(years), max(years) + 1)) if years else []
