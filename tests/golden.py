"""Compare extracted tables with truth tables, field by field (NFKC, whitespace counted).

Whitespace is content: a space between Japanese glyphs or a lost typed line break is a
difference like any other.
"""

from __future__ import annotations

import math

import pandas as pd

from pipeline.contract import TABLES

#: Columns compared per table (provenance columns such as bbox are not in the truth).
COMPARED = {
    "goals": ["goal_no", "title", "description"],
    "policies": ["policy_no", "goal_no", "title", "description"],
    "items": ["item_no", "policy_no", "goal_no", "title", "data_utilization_plan", "page"],
    "departments": ["department", "bureau"],
    "item_departments": ["item_no", "department", "seq"],
    "projects": ["item_no", "project_seq", "name", "current_issues", "actions", "related_info", "pages"],
    "project_departments": ["item_no", "project_seq", "role", "department", "seq"],
    "schedule": ["item_no", "project_seq", "track", "block_seq", "bar_seq", "heading", "text",
                 "start_fy", "end_fy"],
    "indicators": ["indicator_id", "item_no", "seq", "name", "unit"],
    "baselines": ["indicator_id", "fiscal_year", "value", "text"],
    "actuals": ["indicator_id", "fiscal_year", "value", "text"],
    "documents": ["edition", "page_count", "declared_goals", "declared_policies", "declared_items"],
}


def _norm(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if hasattr(v, "item"):
        return _norm(v.item())
    return v


def differences(got: dict[str, pd.DataFrame], want: dict[str, pd.DataFrame]) -> list[str]:
    """Every differing field, missing row and spurious row, one line each."""
    out = []
    for name, cols in COMPARED.items():
        key = TABLES[name].key
        g = {tuple(_norm(r[k]) for k in key): r for r in got[name].to_dict("records")}
        w = {tuple(_norm(r[k]) for k in key): r for r in want[name].to_dict("records")}
        if len(g) != len(got[name]):
            out.append(f"{name}: duplicate keys in extraction")
        for k in w.keys() - g.keys():
            out.append(f"{name} {k}: missing")
        for k in g.keys() - w.keys():
            out.append(f"{name} {k}: spurious")
        for k in w.keys() & g.keys():
            for c in cols:
                a, b = _norm(g[k][c]), _norm(w[k][c])
                if a != b:
                    out.append(f"{name} {k} {c}: got {a!r} want {b!r}")
    return out
