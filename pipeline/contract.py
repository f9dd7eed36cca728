"""The output contract (../shared/plan/OUTPUT-CONTRACT.md) as data.

One place names every staged table, its columns, their Arrow types and its key, so the
extractor, the expectations, the CSV export and the diff all agree. Every table also carries
provenance: ``edition`` and ``source_sha256`` (which PDF) and, where a row comes from one
place on a page, ``page``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

#: Column types by their Arrow names (``pa.type_for_alias``): no pyarrow import until needed.
S, I, F, B = "string", "int64", "float64", "bool"
PROVENANCE = [("edition", S), ("source_sha256", S)]

#: Contract code values and the words printed in the plan for them (exports, diff, report,
#: validation messages show the words).
VALUE_LABELS: dict[str, dict[str, str]] = {
    "role": {"lead": "取組所属", "related": "関係所属"},
    "track": {"plan_actual": "計画/実績", "evaluation": "評価"},
}


@dataclass(frozen=True)
class Table:
    name: str
    columns: list[tuple[str, str]]
    key: list[str]

    @cached_property
    def all_columns(self) -> list[tuple[str, str]]:
        return self.columns + [c for c in PROVENANCE if c[0] not in dict(self.columns)]

    @cached_property
    def schema(self) -> pa.Schema:
        import pyarrow as pa

        return pa.schema([(name, pa.type_for_alias(kind)) for name, kind in self.all_columns])

    @cached_property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.all_columns]


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "documents",
            [("source_file", S), ("source_sha256", S), ("edition", S), ("page_count", I),
             ("declared_goals", I), ("declared_policies", I), ("declared_items", I),
             ("plan_start_fy", I), ("plan_end_fy", I)],
            ["source_sha256"],
        ),
        Table("goals", [("goal_no", I), ("title", S), ("description", S), ("page", I), ("bbox", S)],
              ["goal_no"]),
        Table(
            "policies",
            [("policy_no", I), ("goal_no", I), ("title", S), ("description", S), ("page", I), ("bbox", S)],
            ["policy_no"],
        ),
        Table(
            "items",
            [("item_no", I), ("policy_no", I), ("goal_no", I), ("title", S),
             ("data_utilization_plan", B), ("page", I), ("bbox", S)],
            ["item_no"],
        ),
        Table("departments", [("department", S), ("bureau", S), ("page", I)], ["department"]),
        Table(
            "item_departments",
            [("item_no", I), ("department", S), ("seq", I), ("page", I), ("bbox", S)],
            ["item_no", "department"],
        ),
        Table(
            "projects",
            [("item_no", I), ("project_seq", I), ("name", S), ("current_issues", S),
             ("actions", S), ("related_info", S), ("page", I), ("pages", S), ("bbox", S)],
            ["item_no", "project_seq"],
        ),
        Table(
            "project_departments",
            [("item_no", I), ("project_seq", I), ("role", S), ("department", S), ("seq", I),
             ("page", I)],
            ["item_no", "project_seq", "role", "department"],
        ),
        Table(
            "schedule",
            [("item_no", I), ("project_seq", I), ("track", S), ("block_seq", I), ("bar_seq", I),
             ("heading", S), ("text", S), ("start_fy", I), ("end_fy", I), ("page", I),
             ("bbox", S)],
            ["item_no", "project_seq", "track", "bar_seq"],
        ),
        Table(
            "indicators",
            [("indicator_id", S), ("item_no", I), ("seq", I), ("name", S), ("unit", S),
             ("page", I), ("bbox", S)],
            ["indicator_id"],
        ),
        Table(
            "baselines",
            [("indicator_id", S), ("fiscal_year", I), ("value", F), ("text", S), ("page", I),
             ("bbox", S)],
            ["indicator_id"],
        ),
        Table(
            "actuals",
            [("indicator_id", S), ("fiscal_year", I), ("value", F), ("text", S), ("page", I),
             ("bbox", S)],
            ["indicator_id", "fiscal_year"],
        ),
    ]
}
