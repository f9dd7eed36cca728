"""Frictionless ``datapackage.json`` for the exported CSVs, and its validation.

Field names, titles and descriptions come from ``columns.py`` (the same entries as the CSV
headers); keys come from the contract; the links between the CSVs are declared here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from frictionless import validate

from pipeline.contract import TABLES
from pipeline.publish import columns as C
from pipeline.formulas import NOTE as FORMULA_NOTE

if TYPE_CHECKING:
    from pipeline.publish.export import CsvTable

PACKAGE_NAME = "gunma-gyozaisei-kaikaku-jisshi-keikaku"
PACKAGE_TITLE = "群馬県行財政改革大綱 実施計画"
LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/legalcode.ja",
    "title": "クリエイティブ・コモンズ 表示 4.0 国際 (CC BY 4.0)",
}
DIALECT = {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"', "doubleQuote": True, "header": True}

#: table → [(its columns, referenced table, referenced columns)], in English names.
FOREIGN_KEYS: dict[str, list[tuple[list[str], str, list[str]]]] = {
    "policies": [(["goal_no"], "goals", ["goal_no"])],
    "items": [(["policy_no", "goal_no"], "policies", ["policy_no", "goal_no"])],
    "item_departments": [(["item_no"], "items", ["item_no"]),
                         (["department"], "departments", ["department"])],
    "projects": [(["item_no"], "items", ["item_no"])],
    "project_departments": [(["item_no", "project_seq"], "projects", ["item_no", "project_seq"]),
                            (["department"], "departments", ["department"])],
    "schedule": [(["item_no", "project_seq"], "projects", ["item_no", "project_seq"])],
    "indicators": [(["item_no"], "items", ["item_no"])],
    "baselines": [(["indicator_id"], "indicators", ["indicator_id"])],
    "actuals": [(["indicator_id"], "indicators", ["indicator_id"])],
}
#: Every table names the PDF it came from.
SOURCE_KEY = (["source_sha256"], "documents", ["source_sha256"])


def descriptor(tables: list[CsvTable], documents: list[dict], encoding: str) -> dict:
    """The package descriptor: one tabular resource per CSV, sources = the PDFs."""
    editions = sorted({d["edition"] for d in documents if d["edition"]})
    return {
        "name": PACKAGE_NAME,
        "title": PACKAGE_TITLE,
        "description": FORMULA_NOTE,
        **({"version": ", ".join(editions)} if editions else {}),
        "licenses": [LICENSE],
        "sources": [{"title": d["source_file"], "sha256": d["source_sha256"], "edition": d["edition"]}
                    for d in documents],
        "resources": [_resource(t, encoding) for t in tables],
    }


def _resource(table: CsvTable, encoding: str) -> dict:
    return {
        "name": table.name,
        "type": "table",
        "path": table.file_name,
        "title": C.TABLE_TITLES[table.name],
        "format": "csv",
        "mediatype": "text/csv",
        # Python's codec name: frictionless reads with it (utf-8 also strips the BOM).
        "encoding": "utf-8" if encoding == "utf-8-sig" else encoding,
        "dialect": DIALECT,
        "schema": _schema(table),
    }


def _schema(table: CsvTable) -> dict:
    name = table.name
    key = _per_source(TABLES[name].key)

    def titles(cols: list[str], of: str = name) -> list[str]:
        return [C.column(of, c).title for c in cols]

    links = FOREIGN_KEYS.get(name, []) + ([SOURCE_KEY] if name != "documents" else [])
    return {
        "fields": [_field(name, col, required=col in key) for col in table.columns],
        "primaryKey": titles(key),
        "foreignKeys": [{"fields": titles(_per_source(cols, ref)),
                         "reference": {"resource": ref, "fields": titles(_per_source(ref_cols, ref), ref)}}
                        for cols, ref, ref_cols in links],
    }


def _per_source(columns: list[str], resource: str | None = None) -> list[str]:
    """Keys hold within one source PDF: the CSVs carry every edition in raw/ side by side."""
    if "source_sha256" in columns or resource == "documents":
        return list(columns)
    return [*columns, "source_sha256"]


def _field(table: str, col: str, required: bool) -> dict:
    meta = C.column(table, col)
    field: dict = {"name": meta.title, "title": meta.title, "description": meta.description,
                   "type": C.field_type(table, col)}
    if field["type"] == "boolean":
        field.update(trueValues=[C.TRUE], falseValues=[C.FALSE])
    if meta.unit:
        field["unit"] = meta.unit
    constraints: dict = {"required": True} if required or col in C.REGION_VALUES else {}
    if col == "lg_code":
        constraints["pattern"] = "[0-9]{6}"
    if col in C.VALUE_LABELS:
        constraints["enum"] = list(C.VALUE_LABELS[col].values())
    if constraints:
        field["constraints"] = constraints
    return field


def write_datapackage(out_dir: Path, tables: list[CsvTable], documents: list[dict], encoding: str) -> Path:
    path = out_dir / "datapackage.json"
    text = json.dumps(descriptor(tables, documents, encoding), ensure_ascii=False, indent=2)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def package_problems(out_dir: Path) -> list[str]:
    """What frictionless finds wrong (schema, types, keys, links, encoding); empty when valid."""
    report = validate(str(out_dir / "datapackage.json"))
    return [e.message for e in report.errors] + [
        f"{task.name}: {e.message}" for task in report.tasks for e in task.errors]
