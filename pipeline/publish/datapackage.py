"""Frictionless ``datapackage.json`` for one edition's CSVs, and the keys it declares.

Field names, titles and descriptions come from ``columns.py`` (the same entries as the CSV
headers); keys come from the contract; the links between the CSVs are declared here; what a
catalogue shows (description, keywords, publisher, sources' URLs) comes from
``publication:`` in params.yaml. The fields CKAN and DCAT map are all present: title,
description, license, publisher (and contributors), issued/modified, homepage, and the
resources' paths as distribution URLs relative to the package.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.contract import TABLES, VALUE_LABELS
from pipeline.formulas import NOTE as FORMULA_NOTE
from pipeline.publication import Publication
from pipeline.publish import columns as C
from pipeline.publish.tables import CsvTable, EditionRows
from pipeline.publish.workbook import WORKBOOK

PACKAGE_NAME = "gunma-gyozaisei-kaikaku-jisshi-keikaku"
#: The default title (the diff's package names itself after it).
PACKAGE_TITLE = Publication().title
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
#: Every table names the edition it belongs to.
EDITION_KEY = (["edition"], "documents", ["edition"])


def descriptor(tables: list[CsvTable], edition: EditionRows, history: list[EditionRows], encoding: str,
               publication: Publication, created: str) -> dict:
    """The package of one edition: one tabular resource per CSV, the workbook, its source PDF.

    ``history`` is every edition this package speaks for: the newest edition's package (at the
    top of exports/) was first issued with the oldest one and lists the earlier folders.
    """
    issued, modified = (_published(publication, e) for e in (history[0], edition))
    publisher = {"title": publication.publisher, "role": "publisher",
                 **({"path": publication.publisher_url} if publication.publisher_url else {})}
    earlier = [e.label for e in history if e is not edition]
    package = {
        "name": PACKAGE_NAME,
        "title": f"{publication.title}（{edition.label}版）",
        "description": f"{publication.description}\n{FORMULA_NOTE}",
        "version": edition.label,
        "keywords": list(publication.keywords),
        **({"homepage": publication.homepage} if publication.homepage else {}),
        "publisher": {k: v for k, v in publisher.items() if k != "role"},
        "contributors": [publisher] + [{k: v for k, v in vars(c).items() if v} for c in publication.contributors],
        "licenses": [LICENSE],
        "created": created,
        "issued": issued,
        "modified": modified,
        "sources": [_source(edition, publication)],
        "resources": [_resource(t, encoding) for t in tables] + [_workbook_resource()],
    }
    if earlier:
        package["editions"] = [{"version": label, "path": f"editions/{label}/datapackage.json"}
                               for label in earlier]
    return package


def _published(publication: Publication, edition: EditionRows) -> str:
    configured = publication.editions.get(edition.label)
    return (configured.published if configured else None) or edition.label


def _source(edition: EditionRows, publication: Publication) -> dict:
    configured = publication.editions.get(edition.label)
    doc = edition.document
    return {"title": f"{publication.title}（{edition.label}版） {doc['source_file']}",
            **({"path": configured.url} if configured and configured.url else {}),
            "file": doc["source_file"], "sha256": doc["source_sha256"], "edition": edition.label}


def _resource(table: CsvTable, encoding: str) -> dict:
    return {
        "name": table.name,
        "type": "table",
        "path": table.file_name,
        "title": C.TABLE_TITLES[table.name],
        "description": C.TABLE_DESCRIPTIONS[table.name],
        "format": "csv",
        "mediatype": "text/csv",
        # Python's codec name: frictionless reads with it (utf-8 also strips the BOM).
        "encoding": "utf-8" if encoding == "utf-8-sig" else encoding,
        "dialect": DIALECT,
        "schema": _schema(table),
    }


def _workbook_resource() -> dict:
    return {
        "name": "workbook",
        "type": "file",
        "path": WORKBOOK,
        "title": "全表（Excelブック）",
        "description": "同じ表をシートごとに収めたExcelブック。ID・コード・版は文字列、1行目（見出し）は固定。",
        "format": "xlsx",
        "mediatype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }


def _schema(table: CsvTable) -> dict:
    name = table.name
    key = TABLES[name].key if name != "documents" else ["edition"]

    def titles(cols: list[str], of: str = name) -> list[str]:
        return [C.column(of, c).title for c in cols]

    return {
        "fields": [_field(name, col, required=col in key) for col in table.columns],
        "primaryKey": titles(key),
        "foreignKeys": [{"fields": titles(cols), "reference": {"resource": ref, "fields": titles(ref_cols, ref)}}
                        for cols, ref, ref_cols in _links(name)],
    }


def _links(name: str) -> list[tuple[list[str], str, list[str]]]:
    return FOREIGN_KEYS.get(name, []) + ([EDITION_KEY] if name != "documents" else [])


def key_problems(tables: list[CsvTable]) -> list[str]:
    """Duplicate or empty primary keys and foreign keys without a target, across one edition's
    CSVs: the checks a portal's validator would run on the package, done on the cells."""
    by_name = {t.name: t for t in tables}

    def values(table: CsvTable, cols: list[str]) -> list[tuple[str, ...]]:
        at = [table.columns.index(c) for c in cols]
        return [tuple(row[i] for i in at) for row in table.rows]

    problems = []
    for t in tables:
        key = TABLES[t.name].key if t.name != "documents" else ["edition"]
        seen: set[tuple[str, ...]] = set()
        for value in values(t, key):
            if "" in value or value in seen:
                problems.append(f"{t.file_name}: primary key {'/'.join(C.column(t.name, c).title for c in key)}"
                                f" {'-'.join(value) or '(empty)'} {'empty' if '' in value else 'repeated'}")
            seen.add(value)
        for cols, ref, ref_cols in _links(t.name):
            targets = set(values(by_name[ref], ref_cols))
            for value in values(t, cols):
                if value not in targets and all(value):
                    problems.append(f"{t.file_name}: foreign key {'/'.join(C.column(t.name, c).title for c in cols)}"
                                    f"={'/'.join(value)} has no row in {ref}.csv")
    return problems


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
    if col in VALUE_LABELS:
        constraints["enum"] = list(VALUE_LABELS[col].values())
    if constraints:
        field["constraints"] = constraints
    return field


def write_datapackage(out_dir: Path, package: dict) -> Path:
    path = out_dir / "datapackage.json"
    path.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
