"""Records the readers produce: one list of row dicts per contract table."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.contract import TABLES


@dataclass
class Records:
    rows: dict[str, list[dict]] = field(default_factory=lambda: {name: [] for name in TABLES})

    def add(self, table: str, **row) -> dict:
        self.rows[table].append(row)
        return row

    def find(self, table: str, **key) -> dict | None:
        for row in self.rows[table]:
            if all(row.get(k) == v for k, v in key.items()):
                return row
        return None
