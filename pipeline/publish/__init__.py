"""Open-data publication of the staged tables: CSV per table, an Excel workbook, datapackage.json."""

from pipeline.publish.export import ENCODINGS, export_dir

__all__ = ["ENCODINGS", "export_dir"]
