"""Write a ``changes`` table as Parquet, CSV (UTF-8 with BOM, for Excel) and Markdown."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.compare import labels
from pipeline.compare.diff import CHANGES_SCHEMA, diff_tables
from pipeline.compare.staged import load_staged
from pipeline.errors import ExportError
from pipeline.formulas import neutralise


def diff_dirs(old_dir: Path, new_dir: Path, out_dir: Path,
              old_source: str | None = None, new_source: str | None = None) -> pd.DataFrame:
    """Compare two staged editions and write ``changes.{parquet,csv,md}`` into ``out_dir``."""
    old, new = load_staged(old_dir, old_source), load_staged(new_dir, new_source)
    changes = diff_tables(old, new)
    old_label, new_label = _edition(old), _edition(new)
    if old_label == new_label:  # two prints of one edition: tell them apart by file hash
        old_label, new_label = _edition(old, with_hash=True), _edition(new, with_hash=True)
    write_changes(changes, Path(out_dir), old_label, new_label)
    return changes


def write_changes(changes: pd.DataFrame, out_dir: Path, old_edition: str, new_edition: str) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(changes, schema=CHANGES_SCHEMA, preserve_index=False)
        pq.write_table(table, out_dir / "changes.parquet")
        csv_cells = changes.map(lambda v: neutralise(v) if isinstance(v, str) else v)
        csv_cells.to_csv(out_dir / "changes.csv", index=False, encoding="utf-8-sig")
        (out_dir / "changes.md").write_text(markdown(changes, old_edition, new_edition), encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot write changes: {exc.strerror}", str(out_dir)) from exc


def markdown(changes: pd.DataFrame, old_edition: str, new_edition: str) -> str:
    """A readable summary grouped by table, Japanese headings."""
    lines = [f"# 実施計画の変更点: {old_edition} → {new_edition}", ""]
    if changes.empty:
        return "\n".join(lines + ["変更はありません。", ""])
    counts = changes.groupby("change").size()
    lines += ["変更 " + "、".join(f"{labels.CHANGES[k]} {counts[k]} 件" for k in labels.CHANGES if k in counts), ""]
    for table, group in changes.groupby("table", sort=False):
        lines += [f"## {labels.TABLES.get(table, table)} ({table})", "",
                  "| 区分 | キー | 項目 | 変更前 | 変更後 |", "| --- | --- | --- | --- | --- |"]
        for row in group.itertuples(index=False):
            cells = [labels.CHANGES[row.change], row.key, labels.field_label(_text(row.field)),
                     _text(row.old), _text(row.new)]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _edition(tables: dict[str, pd.DataFrame], with_hash: bool = False) -> str:
    docs = tables["documents"]
    if not len(docs):
        return "?"
    label = str(docs["edition"].iloc[0])
    return f"{label} ({str(docs['source_sha256'].iloc[0])[:8]})" if with_hash else label


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _cell(text: str) -> str:
    """Text from the PDF as a Markdown table cell: data, never markup. HTML is escaped
    (``<script>`` shows as text), then what Markdown reads inline (code, links, emphasis,
    the table's ``|``); typed line breaks become ``<br>``."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*\[\]|])", r"\\\1", text).replace("\n", "<br>")
