"""The exported tables as one Excel workbook, beside the CSVs.

Double-clicking a CSV lets Excel guess types: 「9-1」 becomes 1 September and 「2025-03」 a
date. The workbook says the types itself: every text column (IDs, codes, 版) is stored as
text and formatted 「@」 so that a value typed later stays text too; numbers are numbers.
One sheet per table, named by its Japanese title, header row frozen and filterable. The cells
are the CSV's cells (the same strings, parsed by the column's type), so the two never differ,
except that a text cell carries no formula quote (``formulas``): a string cell is never a formula.
XlsxWriter: a write-only library that imports in milliseconds (openpyxl reads it in tests).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import xlsxwriter

from pipeline.formulas import restore
from pipeline.publish import columns as C
from pipeline.publish.tables import CsvTable

WORKBOOK = "tables.xlsx"
#: The last sheet: what the data is and what every column means.
ABOUT = "説明"
_INTEGERS = ("integer", "year", "boolean")
#: Column widths in characters: wide enough for the header, capped for long text.
_MIN_WIDTH, _MAX_WIDTH = 8, 60


def write_workbook(path: Path, tables: list[CsvTable], package: dict) -> Path:
    """The tables, then a sheet 「説明」 with what datapackage.json says (source, licence,
    every column's meaning): an Excel user never opens the JSON."""
    # Cells go in with write_string/write_number only: a text starting with "=" is never a formula.
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    created = datetime.fromisoformat(package["created"].replace("Z", "+00:00")).replace(tzinfo=None)
    book.set_properties({"title": package["title"], "author": package["publisher"]["title"], "created": created})
    text = book.add_format({"num_format": "@"})
    header = book.add_format({"num_format": "@", "bold": True, "bg_color": "#DDEBF7", "border": 1})
    for table in tables:
        _sheet(book, table, text, header)
    _about(book, package, text, header)
    book.close()
    return path


def _about(book, package: dict, text, header) -> None:
    sheet = book.add_worksheet(ABOUT)
    source = package["sources"][0]
    facts = [("タイトル", package["title"]), ("説明", package["description"]), ("版", package["version"]),
             ("公開者", package["publisher"]["title"]), ("出典", source.get("path") or source["file"]),
             ("出典ファイル", source["file"]), ("ライセンス", package["licenses"][0]["title"]),
             ("作成日時", package["created"])]
    rows = [("項目", "内容", "", "", ""), *((k, v, "", "", "") for k, v in facts), ("", "", "", "", ""),
            ("シート", "列", "説明", "型", "単位")]
    for res in package["resources"]:
        for field in res.get("schema", {}).get("fields", []):
            rows.append((res["title"], field["name"], field["description"], field["type"], field.get("unit", "")))
    for r, row in enumerate(rows):
        is_header = r == 0 or row[0] == "シート"
        for c, value in enumerate(row):
            if value or is_header:
                sheet.write_string(r, c, value, header if is_header else text)
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, 40)
    sheet.set_column(2, 2, 80)
    sheet.freeze_panes(1, 0)


def _sheet(book, table: CsvTable, text, header) -> None:
    sheet = book.add_worksheet(C.TABLE_TITLES[table.name])
    kinds = [C.field_type(table.name, col) for col in table.columns]
    for col, (name, kind) in enumerate(zip(table.columns, kinds)):
        title = C.column(table.name, name).title
        longest = max([len(title) * 2, *(len(row[col]) for row in table.rows)])
        sheet.set_column(col, col, min(max(longest, _MIN_WIDTH), _MAX_WIDTH), text if kind == "string" else None)
        sheet.write_string(0, col, title, header)
    for r, row in enumerate(table.rows, 1):
        for col, (value, kind) in enumerate(zip(row, kinds)):
            if value == "":
                continue
            if kind in _INTEGERS:
                sheet.write_number(r, col, int(value))
            elif kind == "number":
                sheet.write_number(r, col, float(value))
            else:
                sheet.write_string(r, col, restore(value), text)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(table.rows), len(table.columns) - 1)
