"""Read a staged directory into per-source DataFrames, reporting what cannot be read.

Structural problems (missing file, missing column, wrong Arrow type) are reported as failure
lines here, and the table is completed with empty/null columns so the expectation suites can
still run and say what else is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.contract import TABLES


@dataclass
class Staged:
    tables: dict[str, pd.DataFrame]
    problems: list[str] = field(default_factory=list)


def read_staged(staged_dir: Path) -> Staged:
    staged = Staged(tables={})
    for name, table in TABLES.items():
        path = Path(staged_dir) / f"{name}.parquet"
        if not path.is_file():
            staged.problems.append(f"{name}: table missing — {path.name} not found")
            staged.tables[name] = table.schema.empty_table().to_pandas()
            continue
        arrow = pq.read_table(path)
        staged.tables[name] = _conform(name, arrow, table.schema, staged.problems)
    return staged


def _conform(name: str, arrow: pa.Table, schema: pa.Schema, problems: list[str]) -> pd.DataFrame:
    """The table as pandas with every contract column present, noting deviations."""
    df = arrow.to_pandas()
    missing = [f.name for f in schema if f.name not in arrow.schema.names]
    if missing:
        problems.append(f"{name}: columns missing — {', '.join(missing)}")
    for col in missing:
        df[col] = None
    wrong = [
        f"{f.name} is {arrow.schema.field(f.name).type}, contract says {f.type}"
        for f in schema
        if f.name in arrow.schema.names and not arrow.schema.field(f.name).type.equals(f.type)
    ]
    if wrong:
        problems.append(f"{name}: column types differ from the contract — {'; '.join(wrong)}")
    return df


def sources(tables: dict[str, pd.DataFrame]) -> list[tuple[str, str]]:
    """(source_sha256, edition) of every documents row, in file order (null sha: see sources.json)."""
    docs = tables["documents"].dropna(subset=["source_sha256"])
    return list(dict.fromkeys(zip(docs["source_sha256"], docs["edition"])))


def of_source(tables: dict[str, pd.DataFrame], sha: str) -> dict[str, pd.DataFrame]:
    """Every table restricted to the rows of one source PDF."""
    return {
        name: df[df["source_sha256"] == sha].reset_index(drop=True) for name, df in tables.items()
    }
