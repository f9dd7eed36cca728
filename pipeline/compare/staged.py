"""Read one edition of a staged directory (``<table>.parquet`` per contract table).

A staged directory may accumulate several editions; ``source_sha256`` picks one. Without it
the directory must hold exactly one, so a diff never silently mixes two PDFs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from pipeline.contract import TABLES
from pipeline.errors import UsageError


def load_staged(staged_dir: Path, source_sha256: str | None = None) -> dict[str, pd.DataFrame]:
    """Every contract table of one edition, as DataFrames with the contract columns."""
    staged_dir = Path(staged_dir)
    if not staged_dir.is_dir():
        raise UsageError("not a staged directory", str(staged_dir))
    tables: dict[str, pd.DataFrame] = {}
    for name, table in TABLES.items():
        path = staged_dir / f"{name}.parquet"
        if not path.exists():
            raise UsageError(f"missing {name}.parquet (run plan-extract extract first)", str(staged_dir))
        df = pd.read_parquet(path)
        for col in table.column_names:
            if col not in df.columns:
                df[col] = None
        tables[name] = df
    source = _choose_source(tables["documents"], source_sha256, staged_dir)
    return {name: df[df["source_sha256"] == source].reset_index(drop=True) for name, df in tables.items()}


def editions(staged_dir: Path) -> list[dict]:
    """The editions in a staged directory, oldest first (by edition, then file name): each a
    dict with ``source_sha256``, ``edition`` and ``source_file``; none without a documents table."""
    path = Path(staged_dir) / "documents.parquet"
    if not path.exists():
        return []
    docs = pd.read_parquet(path, columns=["source_sha256", "edition", "source_file"])
    return docs.sort_values(["edition", "source_file"], na_position="first").to_dict("records")


def newest_source(staged_dir: Path) -> str | None:
    """source_sha256 of the newest edition, the one a report shows by default."""
    found = editions(staged_dir)
    return str(found[-1]["source_sha256"]) if found else None


def _choose_source(documents: pd.DataFrame, wanted: str | None, staged_dir: Path) -> str:
    sources = list(dict.fromkeys(documents["source_sha256"].dropna()))
    if wanted is not None:
        if wanted not in sources:
            raise UsageError(f"no edition with source_sha256 {wanted} (has: {', '.join(sources)})",
                             str(staged_dir))
        return wanted
    if len(sources) != 1:
        listed = ", ".join(f"{s} ({e})" for s, e in zip(documents["source_sha256"], documents["edition"]))
        raise UsageError(f"holds {len(sources)} editions; choose one by source_sha256: {listed or 'none'}",
                         str(staged_dir))
    return sources[0]


def records(tables: dict[str, pd.DataFrame], name: str) -> list[dict]:
    """A table's rows as dicts of int/float/bool/str/None by contract type, whatever pandas
    made of the cells (NaN in an int column, numpy scalars, pd.NA)."""
    df = tables.get(name)
    if df is None:
        return []
    types = {f.name: f.type for f in TABLES[name].schema}
    return [{c: _plain(r.get(c), types[c]) for c in types} for r in df.to_dict("records")]


def _plain(value, arrow_type: pa.DataType):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if pa.types.is_integer(arrow_type):
        return int(value)
    if pa.types.is_floating(arrow_type):
        return float(value)
    if pa.types.is_boolean(arrow_type):
        return bool(value)
    return str(value)
