"""The tables of one export as plain data: what the CSV, workbook and datapackage writers share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CsvTable:
    """One table as it goes into its CSV: English column names and formatted cells."""

    name: str
    columns: list[str]
    rows: list[list[str]]

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"


@dataclass(frozen=True)
class EditionRows:
    """One edition (one source PDF) of the staged tables."""

    #: The 版 (``2025-03``): the edition's folder name and the ``版`` column.
    label: str
    #: Its ``documents`` row.
    document: dict
    #: Contract table name → its rows of this edition.
    records: dict[str, list[dict]]


def edition_order(document: dict) -> tuple[str, str]:
    """Sort key of a ``documents`` row, oldest edition first: by 版, then by file name."""
    return document["edition"] or "", document["source_file"] or ""
