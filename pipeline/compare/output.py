"""Write a ``changes`` table: Parquet (English columns), CSV in the exports' open-data style
(Japanese headers, one fact per cell, unit in its own column) with its ``datapackage.json``,
Markdown for people, and ``summary.json`` (the counts, for the report and metrics).
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.compare import labels
from pipeline.compare.diff import (CHANGE_COLUMNS, CHANGE_KINDS, CHANGES_SCHEMA, INT_KEYS, KEY_COLUMNS,
                                   change_rows, changes_frame)
from pipeline.compare.staged import Tables, load_staged
from pipeline.contract import TABLES
from pipeline import formulas
from pipeline.formulas import neutralise
from pipeline.publish import columns as C
from pipeline.publish.datapackage import DIALECT, LICENSE, PACKAGE_NAME, PACKAGE_TITLE
from pipeline.staging import rows_to_arrow

if TYPE_CHECKING:
    import pandas as pd

FILES = ("changes.parquet", "changes.csv", "changes.md", "datapackage.json", "summary.json")


@dataclass(frozen=True)
class CsvColumn:
    name: str  # English: the Parquet column and the datapackage's englishName
    title: str  # Japanese: the CSV header and the datapackage's field name
    description: str
    type: str = "string"


#: changes.csv, in order. Key columns take the exports' headers, except the two 区分 columns.
CSV_COLUMNS = [
    CsvColumn("lg_code", C.COLUMNS["lg_code"].title, C.COLUMNS["lg_code"].description),
    CsvColumn("lg_name", C.COLUMNS["lg_name"].title, C.COLUMNS["lg_name"].description),
    CsvColumn("old_edition", "変更前の版", "比較した前の版（公表年月 YYYY-MM）。"),
    CsvColumn("new_edition", "変更後の版", "比較した後の版（公表年月 YYYY-MM）。"),
    CsvColumn("change", "変更区分", "追加・削除・変更・番号変更（番号だけが変わった）・表記変更"
              "（送り仮名など表記だけが変わった）のいずれか。"),
    CsvColumn("table", "対象表", "変更のあった表（exports/ のCSVの表題）。"),
    *(CsvColumn(k, {"track": "工程区分", "role": "所属区分"}.get(k, C.COLUMNS[k].title),
                C.COLUMNS[k].description + "変更された行のキー（該当しない表では空欄）。",
                "integer" if k in {"goal_no", "policy_no", "item_no", "project_seq", "bar_seq"}
                else "year" if k == "fiscal_year" else "string")
      for k in KEY_COLUMNS),
    CsvColumn("field", "項目", "変更のあった列（対象表のCSVの列名）。追加では行の各列、削除では行を表す列。"),
    CsvColumn("old", "変更前", "前の版の値。追加では空欄。"),
    CsvColumn("new", "変更後", "後の版の値。削除では空欄。"),
    CsvColumn("unit", "単位", "値の単位。単位のない値では空欄。"),
]


def diff_dirs(old_dir: Path, new_dir: Path, out_dir: Path,
              old_source: str | None = None, new_source: str | None = None) -> pd.DataFrame:
    """Compare two staged editions and write the files ``FILES`` into ``out_dir``; the
    changes as a DataFrame (``write_diff`` gives them as rows)."""
    return changes_frame(write_diff(old_dir, new_dir, out_dir, old_source, new_source))


def write_diff(old_dir: Path, new_dir: Path, out_dir: Path,
               old_source: str | None = None, new_source: str | None = None) -> list[dict]:
    """``diff_dirs`` without pandas: the change rows (keys ``CHANGE_COLUMNS``)."""
    old, new = load_staged(old_dir, old_source), load_staged(new_dir, new_source)
    changes = change_rows(old, new)
    old_label, new_label = _edition(old), _edition(new)
    if old_label == new_label:  # two prints of one edition: tell them apart by file hash
        old_label, new_label = _edition(old, with_hash=True), _edition(new, with_hash=True)
    write_changes(changes, Path(out_dir), old_label, new_label)
    return changes


def write_changes(changes: list[dict], out_dir: Path, old_edition: str | None, new_edition: str) -> None:
    """``old_edition`` None: there is no earlier edition to compare with (the files say so).
    Write into a folder from ``staging.atomic_dir``: it turns a write error into exit 21."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(changes_arrow(changes), out_dir / "changes.parquet")
    _write_csv(out_dir / "changes.csv", changes, old_edition, new_edition)
    (out_dir / "datapackage.json").write_text(
        json.dumps(descriptor(old_edition, new_edition), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8")
    (out_dir / "changes.md").write_text(markdown(changes, old_edition, new_edition), encoding="utf-8")
    (out_dir / "summary.json").write_text(
        json.dumps(summary(changes, old_edition, new_edition), ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8")


def changes_arrow(changes: list[dict]) -> pa.Table:
    """The changes as Arrow, as ``pa.Table.from_pandas(changes_frame(changes))`` makes them,
    pandas' metadata included (``pd.read_parquet`` restores the nullable integer and string
    columns from it), without importing pandas."""
    table = rows_to_arrow(changes, CHANGES_SCHEMA).combine_chunks()
    return table.replace_schema_metadata({b"pandas": json.dumps(_PANDAS_METADATA | {
        "creator": {"library": "pyarrow", "version": pa.__version__},
        "pandas_version": version("pandas")}).encode("utf8")})


_PANDAS_METADATA = {
    "index_columns": [], "column_indexes": [],
    "columns": [{"name": c, "field_name": c, "pandas_type": "int64" if c in INT_KEYS else "unicode",
                 "numpy_type": "Int64" if c in INT_KEYS else "string", "metadata": None}
                for c in CHANGE_COLUMNS],
    "attributes": {},
}


def summary(changes: list[dict], old_edition: str | None, new_edition: str) -> dict:
    """Rows touched per kind (a row with three changed columns counts once) and per table."""
    rows = _rows(changes)
    per_table: dict[str, Counter] = {}
    for change, table, *_ in rows:
        per_table.setdefault(table, Counter())[change] += 1
    return {
        "old_edition": old_edition, "new_edition": new_edition,
        "rows": {k: sum(r[0] == k for r in rows) for k in CHANGE_KINDS},
        "changed_fields": sum(c["change"] == "changed" for c in changes),
        "tables": {t: dict(sorted(c.items())) for t, c in per_table.items()},
    }


def summary_line(s: dict) -> str:
    """「2025-03 → 2026-03: 追加 16 行、削除 1 行、変更 1 行（2 項目）」."""
    if s["old_edition"] is None:
        return f"{s['new_edition']}: 比較できる前の版がありません（版が1つだけです）。"
    head = f"{s['old_edition']} → {s['new_edition']}: "
    rows = s["rows"]
    if not any(rows.values()):
        return head + "変更はありません。"
    parts = []
    for kind in ("added", "removed", "changed", "renamed", "respelled"):
        if rows[kind]:
            extra = f"（{s['changed_fields']} 項目）" if kind == "changed" else ""
            parts.append(f"{labels.CHANGES[kind]} {rows[kind]} 行{extra}")
    return head + "、".join(parts)


def markdown(changes: list[dict], old_edition: str | None, new_edition: str) -> str:
    """The summary line, rows touched per table, then every change grouped by table."""
    s = summary(changes, old_edition, new_edition)
    title = f"{old_edition} → {new_edition}" if old_edition else new_edition
    lines = [f"# 実施計画の変更点: {title}", "", summary_line(s), ""]
    if not changes:
        return "\n".join(lines)
    kinds = [k for k in ("added", "removed", "changed", "renamed", "respelled") if s["rows"][k]]
    lines += ["| 表 | " + " | ".join(labels.CHANGES[k] for k in kinds) + " |",
              "| --- |" + " ---: |" * len(kinds)]
    for table, counts in s["tables"].items():
        lines.append(f"| {labels.table_title(table)} | " + " | ".join(str(counts.get(k, "")) for k in kinds) + " |")
    lines.append("")
    for table, group in by_table(changes):
        lines += [f"## {labels.table_title(table)}", "",
                  "| 区分 | 対象 | 項目 | 変更前 | 変更後 | 単位 |", "| --- | --- | --- | --- | --- | --- |"]
        for row in group:
            cells = [labels.CHANGES[row["change"]], labels.key_text(row), labels.field_title(table, row["field"]),
                     row["old"] or "", row["new"] or "", row["unit"] or ""]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def descriptor(old_edition: str | None, new_edition: str) -> dict:
    """Frictionless descriptor of changes.csv: Japanese field names (the header), English
    names (the Parquet columns) as ``englishName``."""
    compared = f"{old_edition} → {new_edition}" if old_edition else new_edition
    return {
        "name": f"{PACKAGE_NAME}-changes",
        "title": f"{PACKAGE_TITLE} 変更点（{compared}）",
        "description": "二つの版の間の変更を1行1事実で記録した表。前の版の表に適用すると後の版の表になる。"
                       "キーの列は、削除では前の版の値、それ以外では後の版の値。" + formulas.NOTE,
        "licenses": [LICENSE],
        "resources": [{
            "name": "changes", "type": "table", "path": "changes.csv", "title": "変更点",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "dialect": DIALECT,
            "schema": {"fields": [
                {"name": c.title, "title": c.title, "description": c.description, "type": c.type,
                 "englishName": c.name,
                 **({"constraints": {"required": True, "pattern": "[0-9]{6}"}} if c.name == "lg_code" else {})}
                for c in CSV_COLUMNS]},
        }],
    }


def _write_csv(path: Path, changes: list[dict], old_edition: str | None, new_edition: str) -> None:
    fixed = {**C.REGION_VALUES, "old_edition": old_edition, "new_edition": new_edition}
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow([c.title for c in CSV_COLUMNS])
        for row in changes:
            row = {**row, **fixed}
            writer.writerow([_csv_cell(row, c.name) for c in CSV_COLUMNS])


def _csv_cell(row: dict, column: str) -> str:
    """One cell as the exports write it: codes in the plan's words, booleans 1/0, text from
    the PDF never a formula."""
    value = row[column]
    if column == "change":
        return labels.CHANGES[value]
    if column == "table":
        return labels.table_title(value)
    if column == "field":
        return labels.field_title(row["table"], value)
    if column in ("old", "new") and value is not None and row["field"] in TABLES[row["table"]].column_names \
            and pa.types.is_boolean(TABLES[row["table"]].schema.field(row["field"]).type):
        return C.TRUE if value == "true" else C.FALSE
    return neutralise(labels.value_text(column, value))


def by_table(changes: list[dict]) -> list[tuple[str, list[dict]]]:
    """The changes grouped by table, tables and changes in the order of the changes table."""
    groups: dict[str, list[dict]] = {}
    for c in changes:
        groups.setdefault(c["table"], []).append(c)
    return list(groups.items())


def _rows(changes: list[dict]) -> list[tuple[str, ...]]:
    """One line per (kind, table, key): the rows a change touches."""
    return list(dict.fromkeys(tuple("" if c[k] is None else str(c[k]) for k in ("change", "table", *KEY_COLUMNS))
                              for c in changes))


def _edition(tables: Tables, with_hash: bool = False) -> str:
    docs = tables["documents"]
    if not len(docs):
        return "?"
    label = str(docs[0]["edition"])
    return f"{label} ({str(docs[0]['source_sha256'])[:8]})" if with_hash else label


def _cell(text: str) -> str:
    """Text from the PDF as a Markdown table cell: data, never markup. HTML is escaped
    (``<script>`` shows as text), then what Markdown reads inline (code, links, emphasis,
    the table's ``|``); typed line breaks become ``<br>``."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*\[\]|])", r"\\\1", text).replace("\n", "<br>")
