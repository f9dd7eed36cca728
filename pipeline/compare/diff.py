"""What changed between two editions of the plan, as a complete ``changes`` table.

Complete means: applying the changes to the old edition's tables gives the new edition's
tables, every content column of every row (``apply.py`` does it, the tests check it). One
change row is one fact:

- ``renamed``: a row kept its identity under a new number (item 35 → 36, indicator 25-4 →
  25-3); one row per key column that changed. Rows below it follow without being listed
  (item 36's projects are item 35's), except where their own key is not just the parent's
  number (an indicator ID names its item: 35-1 → 36-1 is listed).
- ``changed``: one content column of a paired row, old and new value.
- ``respelled``: the same, where the two texts differ only in spelling (取り組み/取組): not a
  change in substance, listed so that nothing is lost.
- ``added``: one row per non-empty content column of a new row (its full content), also for
  every row owned by an added entity (a new project's departments and bars).
- ``removed``: one row per old row, also every row owned by a removed entity.

Keys: ``removed`` rows carry the old edition's key, every other change the new edition's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyarrow as pa

from pipeline.compare.match import match_rows
from pipeline.compare.normalize import same_text
from pipeline.compare.staged import Tables, records
from pipeline.contract import TABLES

if TYPE_CHECKING:
    import pandas as pd

#: Every key column of a contract table, in the tables' key order (documents aside: its key
#: is the file hash).
KEY_COLUMNS = ["goal_no", "policy_no", "item_no", "project_seq", "track", "bar_seq", "role",
               "department", "indicator_id", "fiscal_year"]
CHANGE_COLUMNS = ["change", "table", *KEY_COLUMNS, "field", "old", "new", "unit"]
CHANGE_KINDS = ["renamed", "changed", "respelled", "removed", "added"]
INT_KEYS = {"goal_no", "policy_no", "item_no", "project_seq", "bar_seq", "fiscal_year"}
CHANGES_SCHEMA = pa.schema([(c, pa.int64() if c in INT_KEYS else pa.string()) for c in CHANGE_COLUMNS])

#: Where a row came from, not what the plan says: never a change. ``source_file`` and
#: ``page_count`` describe the PDF file of an edition, not its content.
PROVENANCE = {"edition", "source_sha256", "page", "pages", "bbox", "source_file", "page_count"}

#: The documents table has one row per edition; its key (the file hash) is provenance.
DIFF_KEYS = {name: tuple(t.key) for name, t in TABLES.items()} | {"documents": ()}


@dataclass(frozen=True)
class Entity:
    """A table whose rows can be renumbered: matched by ``match_key`` then by ``title``."""

    match_key: tuple[str, ...]
    title: str


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    parent: str
    owned: bool  # the row belongs to the parent (goes and comes with it) rather than naming it


ENTITIES = {
    "goals": Entity(("goal_no",), "title"),
    "policies": Entity(("policy_no",), "title"),
    "items": Entity(("item_no",), "title"),
    "projects": Entity(("item_no", "project_seq"), "name"),
    "indicators": Entity(("item_no", "seq"), "name"),
}

_ITEM = ForeignKey(("item_no",), "items", owned=True)
_PROJECT = ForeignKey(("item_no", "project_seq"), "projects", owned=True)
_INDICATOR = ForeignKey(("indicator_id",), "indicators", owned=True)
FOREIGN_KEYS: dict[str, list[ForeignKey]] = {
    "policies": [ForeignKey(("goal_no",), "goals", owned=False)],
    "items": [ForeignKey(("goal_no",), "goals", owned=False),
              ForeignKey(("policy_no",), "policies", owned=False)],
    "item_departments": [_ITEM],
    "projects": [_ITEM],
    "indicators": [_ITEM],
    "project_departments": [_PROJECT],
    "schedule": [_PROJECT],
    "baselines": [_INDICATOR],
    "actuals": [_INDICATOR],
}

#: The column that names a removed row (its other columns are in the old edition's CSV).
LABELS = {
    "goals": "title", "policies": "title", "items": "title", "projects": "name",
    "indicators": "name", "baselines": "text", "actuals": "text", "schedule": "text",
    "departments": "bureau", "item_departments": "seq", "project_departments": "seq",
    "documents": "edition",
}

#: Columns whose values carry a fixed unit (the open-data convention: unit in its own column).
FIXED_UNITS = {"declared_goals": "件", "declared_policies": "件", "declared_items": "件"}


def content_columns(name: str) -> list[str]:
    """The columns of a table that say something about the plan (key included)."""
    return [c for c in TABLES[name].column_names if c not in PROVENANCE]


@dataclass
class KeyMap:
    """Old contract key → new contract key for the paired rows of a table."""

    paired: dict[tuple, tuple] = field(default_factory=dict)
    removed: set[tuple] = field(default_factory=set)
    added: set[tuple] = field(default_factory=set)


def diff_tables(old: Tables, new: Tables) -> pd.DataFrame:
    """The ``changes`` table (columns ``CHANGE_COLUMNS``) from ``old`` to ``new`` edition."""
    return changes_frame(change_rows(old, new))


def changes_frame(changes: list[dict]) -> pd.DataFrame:
    """Change rows as a DataFrame with nullable integer and string columns."""
    import pandas as pd  # only where a DataFrame is asked for: publishing writes the rows

    df = pd.DataFrame(changes, columns=CHANGE_COLUMNS)
    return df.astype({c: "Int64" if c in INT_KEYS else "string" for c in CHANGE_COLUMNS})


def change_rows(old: Tables, new: Tables) -> list[dict]:
    """The changes from ``old`` to ``new`` edition as rows (keys ``CHANGE_COLUMNS``)."""
    maps: dict[str, KeyMap] = {}
    units = _Units(old, new)
    changes: list[dict] = []
    for name in TABLES:
        old_rows = _translate(_records(old, name), name, maps, side="old")
        new_rows = _translate(_records(new, name), name, maps, side="new")
        table_changes, maps[name] = _diff_table(name, old_rows, new_rows)
        for change in sorted(table_changes, key=lambda c: CHANGE_KINDS.index(c["change"])):
            change["unit"] = units.of(name, change)
            changes.append(change)
    return changes


def _diff_table(name: str, old: list[dict], new: list[dict]) -> tuple[list[dict], KeyMap]:
    key = DIFF_KEYS[name]
    entity = ENTITIES.get(name)
    live_old = [i for i, r in enumerate(old) if not r["_orphan"]]
    live_new = [j for j, r in enumerate(new) if not r["_orphan"]]
    if entity:
        found = match_rows([old[i] for i in live_old], [new[j] for j in live_new], entity.match_key, entity.title)
        pairs = [(live_old[i], live_new[j]) for i, j in found]
    else:
        index = {_key(new[j], key): j for j in live_new}
        pairs = [(i, index[_key(old[i], key)]) for i in live_old if _key(old[i], key) in index]
    identity = set(key) | set(entity.match_key if entity else ())
    keymap = KeyMap()
    changes: list[dict] = []
    for i, j in pairs:
        a, b = old[i], new[j]
        keymap.paired[_key(a, key, original=True)] = _key(b, key)
        for col in content_columns(name):
            if _equal(a[col], b[col]):
                continue
            kind = "renamed" if col in identity else (
                "respelled" if isinstance(a[col], str) and isinstance(b[col], str) and same_text(a[col], b[col])
                else "changed")
            changes.append(_change(kind, name, b, key, col, a[col], b[col]))
    paired_old, paired_new = {i for i, _ in pairs}, {j for _, j in pairs}
    for i, r in enumerate(old):
        if i not in paired_old:
            keymap.removed.add(_key(r, key, original=True))
            label = LABELS[name]
            changes.append(_change("removed", name, r["_original"], key, label, r["_original"][label], None))
    for j, r in enumerate(new):
        if j not in paired_new:
            keymap.added.add(_key(r, key))
            filled = [c for c in content_columns(name) if c not in key and r[c] is not None]
            changes += [_change("added", name, r, key, c, None, r[c]) for c in filled] or [
                _change("added", name, r, key, None, None, None)]
    return changes, keymap


def _translate(rows: list[dict], name: str, maps: dict[str, KeyMap], side: str) -> list[dict]:
    """Old rows: foreign keys renumbered into the new edition (the original row is kept under
    ``_original``). Rows owned by a removed (old side) or added (new side) entity are marked
    ``_orphan``: they are listed as removed or added, never paired."""
    out = []
    for row in rows:
        row = dict(row, _original=row, _orphan=False)
        for fk in FOREIGN_KEYS.get(name, []):
            keymap = maps[fk.parent]
            value = _key(row, fk.columns)
            if side == "old" and value in keymap.paired:
                row.update(zip(fk.columns, keymap.paired[value]))
            elif fk.owned and value in (keymap.removed if side == "old" else keymap.added):
                row["_orphan"] = True
        out.append(row)
    return out


class _Units:
    """The unit of a changed value: an indicator's unit for its baseline and actuals."""

    def __init__(self, old: Tables, new: Tables):
        self.old = {r["indicator_id"]: r["unit"] for r in records(old, "indicators")}
        self.new = {r["indicator_id"]: r["unit"] for r in records(new, "indicators")}

    def of(self, table: str, change: dict) -> str | None:
        if change["field"] in FIXED_UNITS:
            return FIXED_UNITS[change["field"]]
        if table in ("baselines", "actuals") and change["field"] == "value":
            units = self.old if change["change"] == "removed" else self.new
            return units.get(change["indicator_id"])
        return None


def _records(tables: Tables, name: str) -> list[dict]:
    """Rows as dicts of plain Python values, sorted by key."""
    return sorted(records(tables, name), key=lambda r: tuple(_natural(r[c]) for c in TABLES[name].key))


def _natural(value) -> tuple:
    """Sort key that puts ``3-1`` before ``25-1`` (digit runs compared as numbers)."""
    if isinstance(value, str):
        return (1, tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", value)))
    return (0 if value is not None else 2, value if value is not None else 0)


def _key(row: dict, columns: tuple[str, ...], original: bool = False) -> tuple:
    source = row.get("_original", row) if original else row
    return tuple(source[c] for c in columns)


def _equal(a, b) -> bool:
    """Exactly equal (text too: a respelling is listed, as ``respelled``)."""
    return a == b and type(a) is type(b)


def fmt(value) -> str | None:
    """A value as the changes table stores it: ``2027``, ``12.5``, ``true``, text as is."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _change(kind: str, table: str, row: dict, key: tuple[str, ...], field_: str | None, old, new) -> dict:
    keys = {c: row[c] if c in key else None for c in KEY_COLUMNS}
    return {"change": kind, "table": table, **keys, "field": field_, "old": fmt(old), "new": fmt(new)}
