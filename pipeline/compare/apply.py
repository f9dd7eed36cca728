"""Apply a ``changes`` table to an edition's tables: old + changes = new.

The inverse of ``diff_tables``, and its definition of complete: for every table, the content
columns (``content_columns``) of ``apply_changes(old, diff_tables(old, new))`` equal the new
edition's, row for row. A table is processed after the tables it refers to, in five steps:
removed rows go (by their old key), the rows follow their parents' renumbering, renamed rows
take their new key, changed and respelled values are set, added rows are built from their
fields.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
import pyarrow as pa

from pipeline.compare.diff import DIFF_KEYS, FOREIGN_KEYS, content_columns
from pipeline.compare.staged import records
from pipeline.contract import TABLES


def apply_changes(old: dict[str, pd.DataFrame], changes: pd.DataFrame) -> dict[str, list[dict]]:
    """The new edition's rows (content columns only, sorted by key) from the old one's."""
    by_table = defaultdict(list)
    for c in changes.astype(object).where(changes.notna(), None).to_dict("records"):
        by_table[c["table"]].append(c)
    moved: dict[str, dict[tuple, tuple]] = {}  # table → {old key: new key} of its surviving rows
    out = {}
    for name in TABLES:
        key = DIFF_KEYS[name]
        mine = by_table.get(name, [])
        removed = {_key(c, key) for c in mine if c["change"] == "removed"}
        rows = [{c: r[c] for c in content_columns(name)} for r in records(old, name)]
        rows = [r for r in rows if _key(r, key) not in removed]
        originals = [_key(r, key) for r in rows]
        for row in rows:
            for fk in FOREIGN_KEYS.get(name, []):
                value = _key(row, fk.columns)
                if value in moved[fk.parent]:
                    row.update(zip(fk.columns, moved[fk.parent][value]))
        _rename(rows, key, [c for c in mine if c["change"] == "renamed"], name)
        moved[name] = {o: _key(r, key) for o, r in zip(originals, rows)}
        index = {_key(r, key): r for r in rows}
        for c in mine:
            if c["change"] in ("changed", "respelled"):
                index[_key(c, key)][c["field"]] = parse(name, c["field"], c["new"])
        added: dict[tuple, dict] = {}
        for c in mine:
            if c["change"] == "added":
                row = added.setdefault(_key(c, key), dict.fromkeys(content_columns(name)) | {k: c[k] for k in key})
                if c["field"]:
                    row[c["field"]] = parse(name, c["field"], c["new"])
        out[name] = sorted(rows + list(added.values()), key=lambda r: repr(_key(r, key)))
    return out


def _rename(rows: list[dict], key: tuple[str, ...], renames: list[dict], name: str) -> None:
    """Give renamed rows their new key, all at once (numbers may be swapped)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for c in renames:
        groups[_key(c, key)].append(c)
    index = {_key(r, key): r for r in rows}
    updates = []
    for new_key, fields in groups.items():
        old_key = dict(zip(key, new_key))
        old_key.update((c["field"], parse(name, c["field"], c["old"])) for c in fields if c["field"] in key)
        updates.append((index[tuple(old_key[k] for k in key)], fields))
    for row, fields in updates:
        for c in fields:
            row[c["field"]] = parse(name, c["field"], c["new"])


def parse(table: str, column: str, text: str | None):
    """A stored value back in its contract type (``fmt`` in diff.py wrote it)."""
    if text is None:
        return None
    kind = TABLES[table].schema.field(column).type
    if pa.types.is_integer(kind):
        return int(text)
    if pa.types.is_floating(kind):
        return float(text)
    if pa.types.is_boolean(kind):
        return text == "true"
    return text


def _key(row: dict, columns: tuple[str, ...]) -> tuple:
    return tuple(row[c] for c in columns)
