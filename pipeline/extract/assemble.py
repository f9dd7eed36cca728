"""Records → rows with the contract's columns and provenance, and from rows to tables.

Extraction itself needs no pandas: rows become Arrow tables (and Parquet) directly, and
DataFrames are built only when someone asks for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.contract import TABLES
from pipeline.departments import bureau_of
from pipeline.source import SourcePdf

from .records import Records

if TYPE_CHECKING:
    import pandas as pd

Rows = dict[str, list[dict]]


def to_rows(records: Records, source: SourcePdf) -> Rows:
    """Every contract table's rows, each with every contract column and its provenance."""
    rows = records.rows
    edition = rows["documents"][0]["edition"] if rows["documents"] else None
    first_page: dict[str, int] = {}
    for t in ("item_departments", "project_departments"):
        for r in rows[t]:
            first_page.setdefault(r["department"], r["page"])
    rows["departments"] = [dict(department=d, bureau=bureau_of(d), page=p) for d, p in first_page.items()]
    out = {}
    for name, table in TABLES.items():
        provenance = {"edition": edition, "source_sha256": source.sha256}
        out[name] = [{c: {**r, **provenance}.get(c) for c in table.column_names} for r in rows[name]]
    return out


def to_frames(rows: Rows) -> dict[str, pd.DataFrame]:
    """Rows as pandas DataFrames with the contract's columns in order."""
    import pandas as pd

    return {name: pd.DataFrame(r, columns=TABLES[name].column_names) for name, r in rows.items()}
