"""Read one edition of a staged directory (``<table>.parquet`` per contract table).

A staged directory may accumulate several editions; ``source_sha256`` picks one. Without it
the directory must hold exactly one, so a diff never silently mixes two PDFs.

The tables are read with pyarrow into plain rows: the publish stage never imports pandas (a
fifth of a second of every run). The comparisons and the report also take DataFrames, as the
tests build them from the truth files.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.contract import TABLES
from pipeline.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

#: An edition's tables by name: plain rows (``load_staged``) or DataFrames.
Tables = dict[str, Union[list[dict], "pd.DataFrame"]]


def load_staged(staged_dir: Path, source_sha256: str | None = None) -> dict[str, list[dict]]:
    """Every contract table of one edition, as rows (``records``) with the contract columns."""
    staged_dir = Path(staged_dir)
    if not staged_dir.is_dir():
        raise UsageError("not a staged directory", str(staged_dir))
    tables: dict[str, list[dict]] = {}
    for name in TABLES:
        path = staged_dir / f"{name}.parquet"
        if not path.exists():
            raise UsageError(f"missing {name}.parquet (run plan-extract extract first)", str(staged_dir))
        tables[name] = _plain_rows(pq.ParquetFile(path).read().to_pylist(), name)
    source = _choose_source(tables["documents"], source_sha256, staged_dir)
    return {name: [r for r in rows if r["source_sha256"] == source] for name, rows in tables.items()}


def editions(staged_dir: Path) -> list[dict]:
    """The editions in a staged directory, oldest first (by edition, then file name): each a
    dict with ``source_sha256``, ``edition`` and ``source_file``; none without a documents table."""
    path = Path(staged_dir) / "documents.parquet"
    if not path.exists():
        return []
    docs = pq.ParquetFile(path).read(columns=["source_sha256", "edition", "source_file"]).to_pylist()
    return sorted(docs, key=lambda d: [(v is not None, v or "") for v in (d["edition"], d["source_file"])])


def newest_source(staged_dir: Path) -> str | None:
    """source_sha256 of the newest edition, the one a report shows by default."""
    found = editions(staged_dir)
    return str(found[-1]["source_sha256"]) if found else None


def _choose_source(documents: list[dict], wanted: str | None, staged_dir: Path) -> str:
    sources = list(dict.fromkeys(d["source_sha256"] for d in documents if d["source_sha256"] is not None))
    if wanted is not None:
        if wanted not in sources:
            raise UsageError(f"no edition with source_sha256 {wanted} (has: {', '.join(sources)})",
                             str(staged_dir))
        return wanted
    if len(sources) != 1:
        listed = ", ".join(f"{d['source_sha256']} ({d['edition']})" for d in documents)
        raise UsageError(f"holds {len(sources)} editions; choose one by source_sha256: {listed or 'none'}",
                         str(staged_dir))
    return sources[0]


def records(tables: Tables, name: str) -> list[dict]:
    """A table's rows as dicts of int/float/bool/str/None by contract type, whatever pandas
    made of the cells of a DataFrame (NaN in an int column, numpy scalars, pd.NA)."""
    table = tables.get(name)
    if table is None:
        return []
    if isinstance(table, list):  # read by load_staged: plain already
        return table
    return _plain_rows(table.astype(object).where(table.notna(), None).to_dict("records"), name)


def _plain_rows(rows: list[dict], name: str) -> list[dict]:
    """Every contract column of ``name`` in each row, its value of the contract's type."""
    kinds = {f.name: _kind(f.type) for f in TABLES[name].schema}
    return [{c: _plain(r.get(c), kind) for c, kind in kinds.items()} for r in rows]


def _kind(arrow_type: pa.DataType) -> type:
    if pa.types.is_integer(arrow_type):
        return int
    if pa.types.is_floating(arrow_type):
        return float
    if pa.types.is_boolean(arrow_type):
        return bool
    return str


def _plain(value: Any, kind: type):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return kind(value)
