"""Staged Parquet tables → machine-readable open-data CSVs (総務省 統一ルール) and a workbook.

One fact per cell, numbers as plain numbers, units in their own column, Western years,
NFKC text without platform-dependent characters, the region in the first columns of every
file. ``exports/`` holds the newest edition; each earlier one goes to ``exports/editions/<版>/``
with the same files, so every folder joins naively (one edition, keys without the PDF hash).
The files are written to a temporary folder (``staging.atomic_dir``), their keys checked, and
only then swapped in, so a failed export never leaves a half-written folder behind.

Imports: csv, pyarrow.parquet (the staged tables) and xlsxwriter; frictionless is not
imported here (it costs a second): the tests validate the package with it.
"""

from __future__ import annotations

import csv
import math
import os
import sys
import unicodedata
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.contract import TABLES, VALUE_LABELS
from pipeline.departments import bureau_and_source, load_organisation
from pipeline.errors import ExportError, UsageError
from pipeline.formulas import neutralise
from pipeline.publication import Publication
from pipeline.publish import columns as C
from pipeline.publish.datapackage import descriptor, key_problems, write_datapackage
from pipeline.publish.tables import CsvTable, EditionRows, edition_order
from pipeline.publish.workbook import WORKBOOK, write_workbook
from pipeline.staging import atomic_dir

ENCODINGS = ("utf-8-sig", "cp932")
LINE_TERMINATOR = "\r\n"
EDITIONS_DIR = "editions"
_BUREAU_SOURCES = {"document": C.BUREAU_FROM_DOCUMENT, "organisation": C.BUREAU_FROM_ORGANISATION}


def export_dir(staged_dir: Path, out_dir: Path, encoding: str = "utf-8-sig",
               publication: Publication | None = None) -> list[Path]:
    """Write the newest edition's CSVs, workbook and datapackage.json to ``out_dir`` and each
    earlier edition's to ``out_dir/editions/<版>/``; return the files written."""
    staged_dir, out_dir = Path(staged_dir), Path(out_dir)
    publication = publication or Publication()
    if encoding not in ENCODINGS:
        raise ExportError(f"unsupported encoding {encoding!r} (choose one of {', '.join(ENCODINGS)})")
    records = {name: _read_staged(staged_dir, name) for name in TABLES}
    organisation = load_organisation(publication.organisation) if publication.organisation else {}
    editions = _editions(records, staged_dir)
    created = _created()
    with atomic_dir(out_dir) as tmp:
        newest, earlier = editions[-1], editions[:-1]
        files = _write_edition(tmp, newest, encoding, publication, created, organisation, editions)
        for edition in earlier:
            files += _write_edition(tmp / EDITIONS_DIR / edition.label, edition, encoding, publication,
                                    created, organisation, [edition])
        _warn_unconfigured(publication, editions)
    return [out_dir / f.relative_to(tmp) for f in files]


def _editions(records: dict[str, list[dict]], staged_dir: Path) -> list[EditionRows]:
    """The staged editions, oldest first (by 版, then file name), each with its own rows."""
    docs = sorted(records["documents"], key=edition_order)
    if not docs:
        raise ExportError("no edition to export (documents table is empty)", file=str(staged_dir))
    labels = [d["edition"] for d in docs]
    for doc in docs:
        label = doc["edition"]
        if not label or labels.count(label) > 1 or not label.replace("-", "").isalnum():
            raise ExportError(f"edition {label!r} of {doc['source_file']} is missing, unusable as a "
                              "folder name or not unique", file=str(staged_dir))
    return [EditionRows(d["edition"], d, {name: [r for r in rows if r["source_sha256"] == d["source_sha256"]]
                                      for name, rows in records.items()}) for d in docs]


def _write_edition(directory: Path, edition: EditionRows, encoding: str, publication: Publication,
                   created: str, organisation: dict[str, str], history: list[EditionRows]) -> list[Path]:
    """One edition's CSVs, workbook and datapackage.json into ``directory``; ``history``: the
    editions its package speaks for (see ``datapackage.descriptor``)."""
    directory.mkdir(parents=True, exist_ok=True)
    tables = [_csv_table(name, edition.records, encoding, organisation) for name in TABLES]
    problems = key_problems(tables)
    if problems:
        raise ExportError(f"edition {edition.label}: keys do not hold: " + "; ".join(problems[:5]))
    for table in tables:
        _write_csv(directory / table.file_name, table, encoding)
    package = descriptor(tables, edition, history, encoding, publication, created)
    write_workbook(directory / WORKBOOK, tables, package)
    path = write_datapackage(directory, package)
    return [directory / t.file_name for t in tables] + [directory / WORKBOOK, path]


def _created() -> str:
    """Now (RFC 3339, UTC), or ``SOURCE_DATE_EPOCH`` for byte-identical re-exports."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        when = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise UsageError(f"SOURCE_DATE_EPOCH is not a Unix time: {epoch!r}") from exc
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _warn_unconfigured(publication: Publication, editions: list[EditionRows]) -> None:
    missing = [e.label for e in editions if not getattr(publication.editions.get(e.label), "url", None)]
    if missing:
        print(f"plan-extract: params.yaml: no publication.editions URL for {', '.join(missing)}; "
              "datapackage.json names the PDF file only", file=sys.stderr)


def _read_staged(staged_dir: Path, name: str) -> list[dict]:
    path = staged_dir / f"{name}.parquet"
    if not path.is_file():
        raise ExportError(f"staged table {name} is missing", file=str(path))
    schema = TABLES[name].schema
    try:
        # ParquetFile, not read_table: read_table goes through pyarrow.dataset, which imports
        # pandas (a second of start-up for nothing here)
        table = pq.ParquetFile(path).read().select(schema.names)
        if not table.schema.equals(schema):  # a cast imports pyarrow.compute (0.04 s): only if needed
            table = table.cast(schema)
    except (KeyError, pa.ArrowException) as exc:
        raise ExportError(f"staged table {name} does not match the contract: {exc}", file=str(path)) from exc
    return table.to_pylist()


def _csv_table(name: str, records: dict[str, list[dict]], encoding: str,
               organisation: dict[str, str]) -> CsvTable:
    names = C.csv_columns(name)
    units = {r["indicator_id"]: r["unit"] for r in records["indicators"]}
    rows = []
    for row_no, record in enumerate(records[name], 1):
        full = {**record, **C.REGION_VALUES}
        if "pages" in record:
            full["last_page"] = _last_page(record["pages"])
        if "unit" in names and "unit" not in record:
            full["unit"] = units.get(record["indicator_id"])
        if "bureau_source" in names:
            full["bureau"], source = bureau_and_source(record["department"], record["bureau"], organisation)
            full["bureau_source"] = _BUREAU_SOURCES.get(source)
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
    text = VALUE_LABELS.get(col, {}).get(value, value)
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

