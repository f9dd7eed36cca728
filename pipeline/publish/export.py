"""Staged Parquet tables → machine-readable open-data CSVs (総務省 統一ルール).

One fact per cell, numbers as plain numbers, units in their own column, Western years,
NFKC text without platform-dependent characters, the region in the first columns of every
file. The files are written to a temporary sibling directory, checked with frictionless, and
only then swapped in, so a failed export never leaves a half-written directory behind.
"""

from __future__ import annotations

import csv
import math
import shutil
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.contract import TABLES
from pipeline.errors import ExportError
from pipeline.publish import columns as C
from pipeline.publish.datapackage import package_problems, write_datapackage
from pipeline.formulas import neutralise

ENCODINGS = ("utf-8-sig", "cp932")
LINE_TERMINATOR = "\r\n"


@dataclass(frozen=True)
class CsvTable:
    """One table as it goes into its CSV: English column names and formatted cells."""

    name: str
    columns: list[str]
    rows: list[list[str]]

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"


def export_dir(staged_dir: Path, out_dir: Path, encoding: str = "utf-8-sig") -> list[Path]:
    """Write one CSV per contract table plus datapackage.json to ``out_dir``; return the files."""
    staged_dir, out_dir = Path(staged_dir), Path(out_dir)
    if encoding not in ENCODINGS:
        raise ExportError(f"unsupported encoding {encoding!r} (choose one of {', '.join(ENCODINGS)})")
    records = {name: _read_staged(staged_dir, name) for name in TABLES}
    tables = [_csv_table(name, records, encoding) for name in TABLES]
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.tmp-"))
    tmp.chmod(0o755)  # mkdtemp makes it private; published data is world-readable
    try:
        for table in tables:
            _write_csv(tmp / table.file_name, table, encoding)
        write_datapackage(tmp, tables, records["documents"], encoding)
        problems = package_problems(tmp)
        if problems:
            raise ExportError("datapackage does not validate: " + "; ".join(problems[:5]), file=str(out_dir))
        _swap_in(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [out_dir / t.file_name for t in tables] + [out_dir / "datapackage.json"]


def _read_staged(staged_dir: Path, name: str) -> list[dict]:
    path = staged_dir / f"{name}.parquet"
    if not path.is_file():
        raise ExportError(f"staged table {name} is missing", file=str(path))
    schema = TABLES[name].schema
    try:
        table = pq.read_table(path)
        table = table.select(schema.names).cast(schema)
    except (KeyError, pa.ArrowException) as exc:
        raise ExportError(f"staged table {name} does not match the contract: {exc}", file=str(path)) from exc
    return table.to_pylist()


def _csv_table(name: str, records: dict[str, list[dict]], encoding: str) -> CsvTable:
    names = C.csv_columns(name)
    units = {r["indicator_id"]: r["unit"] for r in records["indicators"]}
    rows = []
    for row_no, record in enumerate(records[name], 1):
        full = {**record, **C.REGION_VALUES}
        if "pages" in record:
            full["last_page"] = _last_page(record["pages"])
        if "unit" in names and "unit" not in record:
            full["unit"] = units.get(record["indicator_id"])
        where = _row_label(name, row_no, record)
        rows.append([_cell(f"{where}, column {C.column(name, col).title}", col, full[col], encoding)
                     for col in names])
    return CsvTable(name, names, rows)


def _row_label(name: str, row_no: int, record: dict) -> str:
    """``baselines.csv data row 2 (指標ID=25-1)``: where an analyst finds the offending cell."""
    key = ", ".join(f"{C.column(name, k).title}={record[k]}" for k in TABLES[name].key)
    return f"{name}.csv data row {row_no} ({key})"


def _last_page(pages: str | None) -> int | None:
    """``"4,5"`` → 5: the list column written as one fact."""
    numbers = [int(p) for p in (pages or "").split(",") if p.strip()]
    return max(numbers, default=None)


def _cell(where: str, col: str, value, encoding: str) -> str:
    """One value as CSV text: integers without .0, no thousands separators, booleans 1/0,
    text that a spreadsheet would run as a formula quoted (``formulas.neutralise``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return C.TRUE if value else C.FALSE
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value):
            raise ExportError(f"{where}: infinite number")
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    text = C.VALUE_LABELS.get(col, {}).get(value, value)
    _check_text(where, text)
    _check_encodable(where, text, encoding)
    return neutralise(text)


def _check_text(where: str, text: str) -> None:
    """Fail on what the 統一ルール forbids: non-NFKC/platform-dependent characters, layout space."""
    for ch in text:
        if ch != "\n" and unicodedata.category(ch) in ("Cc", "Co", "Cs", "Cn"):
            raise ExportError(f"{where}: control, private-use or unassigned character U+{ord(ch):04X}")
        if unicodedata.normalize("NFKC", ch) != ch:
            raise ExportError(f"{where}: platform-dependent or non-NFKC character {ch!r} (U+{ord(ch):04X})")
    if unicodedata.normalize("NFKC", text) != text:
        raise ExportError(f"{where}: text is not NFKC-normalized")
    if any(line != line.strip() for line in text.split("\n")):
        raise ExportError(f"{where}: leading or trailing whitespace (layout whitespace) in {text!r}")


def _check_encodable(where: str, text: str, encoding: str) -> None:
    try:
        text.encode(encoding)
    except UnicodeEncodeError as exc:
        ch = exc.object[exc.start]
        raise ExportError(f"{where}: character {ch!r} (U+{ord(ch):04X}) cannot be encoded in {encoding}") from exc


def _write_csv(path: Path, table: CsvTable, encoding: str) -> None:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, lineterminator=LINE_TERMINATOR)
        writer.writerow([C.column(table.name, col).title for col in table.columns])
        writer.writerows(table.rows)


def _swap_in(tmp: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``tmp`` with two renames on one filesystem.

    Readers see either the old or the new export (the directory is briefly absent between the
    renames). A non-empty directory that is not a previous export is never replaced.
    """
    if not out_dir.exists():
        tmp.rename(out_dir)
        return
    if not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / "datapackage.json").is_file()):
        raise ExportError("refusing to replace: not an empty directory or a previous export", file=str(out_dir))
    old = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex}")
    out_dir.rename(old)
    tmp.rename(out_dir)
    shutil.rmtree(old)
