"""What the suites run on: the staged tables, a few derived cross-table frames, and parameters.

GX suites check one DataFrame at a time. Cross-table rules are expressed either as a derived
frame (a join the rule can be stated on) or as suite parameters (the key sets of other tables,
the declared counts and the plan period of the source document), referenced from the suite
files as ``{"$PARAMETER": name}``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from pipeline.contract import TABLES
from pipeline.vocabulary import Vocabulary


@dataclass(frozen=True)
class Frame:
    df: pd.DataFrame
    #: Columns that identify a row in failure lines.
    key: list[str]


def source_frames(tables: dict[str, pd.DataFrame]) -> dict[str, Frame]:
    """The staged tables of one source plus the derived frames, by suite name."""
    frames = {name: Frame(tables[name], TABLES[name].key) for name in TABLES}
    frames["items__policy_goal"] = Frame(_items_policy_goal(tables), ["item_no"])
    frames["indicators__values"] = Frame(
        _indicator_values(tables), ["table", "indicator_id", "fiscal_year"]
    )
    return frames


def dir_frames(tables: dict[str, pd.DataFrame]) -> dict[str, Frame]:
    """Frames checked once for the whole directory (before splitting by source)."""
    rows = [
        {"table": name, "source_sha256": sha, "rows": int(n)}
        for name, df in tables.items()
        for sha, n in df["source_sha256"].value_counts(dropna=False).items()
    ]
    return {"sources": Frame(pd.DataFrame(rows, columns=["table", "source_sha256", "rows"]),
                             ["table", "source_sha256"])}


def _items_policy_goal(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each item beside the goal of its policy (items whose policy exists)."""
    policies = t["policies"][["policy_no", "goal_no"]].rename(columns={"goal_no": "policy_goal_no"})
    return t["items"][["item_no", "policy_no", "goal_no"]].merge(policies, on="policy_no")


def _indicator_values(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Baseline and actual values with their indicator's unit, one frame for the unit rules."""
    units = t["indicators"][["indicator_id", "unit"]]
    parts = [
        t[name][["indicator_id", "fiscal_year", "value"]].assign(table=name)
        for name in ("baselines", "actuals")
    ]
    # concat with an empty part warns (pandas FutureWarning); keep one part for the columns
    values = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    return values.merge(units, on="indicator_id", how="left")[
        ["table", "indicator_id", "fiscal_year", "value", "unit"]
    ]


def parameters(t: dict[str, pd.DataFrame], vocabulary: Vocabulary) -> dict:
    """Suite parameters for one source: declared counts, plan period, other tables' keys."""
    doc = t["documents"].iloc[0] if len(t["documents"]) else pd.Series(dtype=object)
    p: dict = {}
    for table, col in (("goals", "goal_no"), ("policies", "policy_no"), ("items", "item_no")):
        declared = _int(doc.get(f"declared_{table}"))
        nos = _ints(t[table][col])
        p[f"declared_{table}"] = declared
        p[f"declared_{col}s"] = list(range(1, (declared or 0) + 1))
        p[f"{col}s"] = nos
        p[f"{col}_range"] = list(range(1, max(nos, default=0) + 1))
    # Period bounds must not be None for GX; a missing period is reported by documents.json.
    start, end = _int(doc.get("plan_start_fy")), _int(doc.get("plan_end_fy"))
    p["plan_start_fy"] = start if start is not None else -math.inf
    p["plan_end_fy"] = end if end is not None else math.inf
    p["departments"] = sorted(t["departments"]["department"].dropna().unique().tolist())
    p["items_with_departments"] = _ints(t["item_departments"]["item_no"])
    p["project_item_nos"] = _ints(t["projects"]["item_no"])
    p["indicator_item_nos"] = _ints(t["indicators"]["item_no"])
    p["indicator_ids"] = sorted(t["indicators"]["indicator_id"].dropna().unique().tolist())
    p["units"] = list(vocabulary.units)
    return p


def dir_parameters(tables: dict[str, pd.DataFrame]) -> dict:
    return {"document_sources": tables["documents"]["source_sha256"].dropna().unique().tolist()}


def _int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _ints(column: pd.Series) -> list[int]:
    return sorted({int(v) for v in column.dropna()})
