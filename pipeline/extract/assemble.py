"""Records → pandas DataFrames with the contract's columns and provenance."""

from __future__ import annotations

import pandas as pd

from pipeline.contract import TABLES
from pipeline.departments import bureau_of
from pipeline.source import SourcePdf

from .records import Records


def to_frames(records: Records, source: SourcePdf) -> dict[str, pd.DataFrame]:
    rows = records.rows
    edition = rows["documents"][0]["edition"] if rows["documents"] else None
    first_page: dict[str, int] = {}
    for t in ("item_departments", "project_departments"):
        for r in rows[t]:
            first_page.setdefault(r["department"], r["page"])
    rows["departments"] = [dict(department=d, bureau=bureau_of(d), page=p) for d, p in first_page.items()]
    frames = {}
    for name, table in TABLES.items():
        df = pd.DataFrame(rows[name], columns=[c for c, _ in table.columns])
        df["edition"] = edition
        df["source_sha256"] = source.sha256
        frames[name] = df[table.column_names]
    return frames
