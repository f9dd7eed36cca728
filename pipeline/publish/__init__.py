"""Open-data publication of the staged tables: CSV per table + Frictionless datapackage."""

from pipeline.publish.export import ENCODINGS, export_dir

__all__ = ["ENCODINGS", "export_dir"]
