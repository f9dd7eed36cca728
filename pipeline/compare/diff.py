"""What changed between two editions of the plan, as a ``changes`` table.

Each table is compared after translating the old edition's numbers into the new edition's:
when item 9 becomes item 10, its departments, projects and indicators are compared with
item 10's, and only the renumbering itself is reported (``renamed``). Rows owned by an entity
that was added or removed are not listed again: the entity's own row says it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from pipeline.compare.match import match_rows
from pipeline.compare.normalize import same_text
from pipeline.compare.staged import records
from pipeline.contract import TABLES

CHANGE_COLUMNS = ["table", "key", "field", "old", "new", "change"]
CHANGE_KINDS = ["renamed", "changed", "removed", "added"]
CHANGES_SCHEMA = pa.schema([(c, pa.string()) for c in CHANGE_COLUMNS])

#: Where a row came from, not what the plan says: never a change. ``source_file`` and
#: ``page_count`` describe the PDF file of an edition, not its content.
PROVENANCE = {"edition", "source_sha256", "page", "pages", "bbox", "source_file", "page_count"}


@dataclass(frozen=True)
class Entity:
    """A table whose rows can be renumbered: matched by ``match_key`` then by ``title``."""

    match_key: tuple[str, ...]
    title: str


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    parent: str
    owned: bool  # the row belongs to the parent (dropped with it) rather than merely naming it


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

#: The column that names a row in an added/removed change.
LABELS = {
    "goals": "title", "policies": "title", "items": "title", "projects": "name",
    "indicators": "name", "baselines": "text", "actuals": "text", "schedule": "heading",
    "departments": "department", "item_departments": "department",
    "project_departments": "department", "documents": "edition",
}

#: The documents table has one row per edition; its key (the file hash) is provenance.
DIFF_KEYS = {name: tuple(t.key) for name, t in TABLES.items()} | {"documents": ()}


@dataclass
class KeyMap:
    """Old contract key → new contract key for the paired rows of a table."""

    paired: dict[tuple, tuple] = field(default_factory=dict)
    removed: set[tuple] = field(default_factory=set)
    added: set[tuple] = field(default_factory=set)


def diff_tables(old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The ``changes`` table (columns ``CHANGE_COLUMNS``) from ``old`` to ``new`` edition."""
    maps: dict[str, KeyMap] = {}
    changes: list[dict] = []
    for name in TABLES:
        old_rows = _translate(_records(old, name), name, maps, side="old")
        new_rows = _translate(_records(new, name), name, maps, side="new")
        table_changes, maps[name] = _diff_table(name, old_rows, new_rows)
        changes += sorted(table_changes, key=lambda c: CHANGE_KINDS.index(c["change"]))
    return pd.DataFrame(changes, columns=CHANGE_COLUMNS).astype("string")


def _diff_table(name: str, old: list[dict], new: list[dict]) -> tuple[list[dict], KeyMap]:
    key = DIFF_KEYS[name]
    entity = ENTITIES.get(name)
    if entity:
        pairs = match_rows(old, new, entity.match_key, entity.title)
    else:
        index = {_key(r, key): j for j, r in enumerate(new)}
        pairs = [(i, index[_key(r, key)]) for i, r in enumerate(old) if _key(r, key) in index]
    skip = set(key) | set(entity.match_key if entity else ()) | PROVENANCE
    compared = [c for c in TABLES[name].column_names if c not in skip]
    keymap = KeyMap()
    changes: list[dict] = []
    for i, j in pairs:
        a, b = old[i], new[j]
        old_key, new_key = _key(a, key, original=True), _key(b, key)
        keymap.paired[old_key] = new_key
        if entity and _key(a, entity.match_key) != _key(b, entity.match_key):
            changes.append(_change(name, f"{_show(old_key)}→{_show(new_key)}", "renamed",
                                   "/".join(key), _show(old_key), _show(new_key)))
        for col in compared:
            if not _equal(a[col], b[col]):
                changes.append(_change(name, _show(new_key), "changed", col, _fmt(a[col]), _fmt(b[col])))
    paired_old, paired_new = {i for i, _ in pairs}, {j for _, j in pairs}
    label = LABELS[name]
    for i, r in enumerate(old):
        if i not in paired_old:
            keymap.removed.add(_key(r, key, original=True))
            changes.append(_change(name, _show(_key(r, key, original=True)), "removed", None, _fmt(r[label]), None))
    for j, r in enumerate(new):
        if j not in paired_new:
            keymap.added.add(_key(r, key))
            changes.append(_change(name, _show(_key(r, key)), "added", None, None, _fmt(r[label])))
    return changes, keymap


def _translate(rows: list[dict], name: str, maps: dict[str, KeyMap], side: str) -> list[dict]:
    """Old rows: foreign keys renumbered into the new edition; both sides: rows of added or
    removed owners dropped. The old row keeps its original key under ``_original``."""
    out = []
    for row in rows:
        row = dict(row, _original=row)
        keep = True
        for fk in FOREIGN_KEYS.get(name, []):
            keymap = maps[fk.parent]
            value = _key(row, fk.columns)
            if side == "old" and value in keymap.paired:
                row.update(zip(fk.columns, keymap.paired[value]))
            elif fk.owned and value in (keymap.removed if side == "old" else keymap.added):
                keep = False
        if keep:
            out.append(row)
    return out


def _records(tables: dict[str, pd.DataFrame], name: str) -> list[dict]:
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
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) and isinstance(b, str):
        return same_text(a, b)
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def _fmt(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _show(key: tuple) -> str:
    return "/".join(_fmt(v) or "" for v in key)


def _change(table, key, change, field_, old, new) -> dict:
    return {"table": table, "key": key, "field": field_, "old": old, "new": new, "change": change}
