"""Department names: canonical form and the 部局 (bureau) they belong to.

All department knowledge lives here: abbreviations printed on the detail sheets
(``(総)総務課``) and the bureau prefixes that make a bureau derivable from a name.
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

from pipeline.errors import UsageError

#: Abbreviations printed in cells → the prefix they stand for.
ALIASES: dict[str, str] = {
    "(総)": "総務部",
    "(教)": "教育委員会事務局",
    "(企)": "企業局",
    "(病)": "病院局",
    "(人委)": "人事委員会事務局",
}

#: Names that begin with one of these belong to that bureau (longest first).
BUREAUS: tuple[str, ...] = (
    "人事委員会事務局",
    "教育委員会事務局",
    "監査委員事務局",
    "議会事務局",
    "企業局",
    "病院局",
    "総務部",
)


def canonical(name: str) -> str:
    """NFKC, no inner whitespace, aliases expanded: ``(総)総務課`` → ``総務部総務課``."""
    name = "".join(unicodedata.normalize("NFKC", name).split())
    for alias, full in ALIASES.items():
        if name.startswith(alias):
            return full + name[len(alias):]
    return name


def bureau_of(name: str) -> str | None:
    """The bureau a canonical name shows, or None where the name alone does not tell."""
    for bureau in BUREAUS:
        if name.startswith(bureau):
            return bureau
    return None


#: Header of an organisation table (``publication.organisation`` in params.yaml).
ORGANISATION_COLUMNS = ("所属名", "部局名")


def load_organisation(path: Path) -> dict[str, str]:
    """The analyst's organisation table: canonical department name → 部局.

    A CSV (UTF-8, with or without BOM) with the columns 所属名 and 部局名; other columns are
    ignored. A name listed twice with two bureaus is an error naming both lines.
    """
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in ORGANISATION_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise UsageError(f"organisation table: missing column(s) {', '.join(missing)}", str(path))
            table: dict[str, tuple[str, int]] = {}
            for line, row in enumerate(reader, 2):
                name, bureau = canonical(row["所属名"] or ""), canonical(row["部局名"] or "")
                if not name or not bureau:
                    continue
                if name in table and table[name][0] != bureau:
                    raise UsageError(f"organisation table: {name} is in {table[name][0]} (line "
                                     f"{table[name][1]}) and in {bureau} (line {line})", str(path))
                table[name] = (bureau, line)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"organisation table unreadable: {exc}", str(path)) from exc
    return {name: bureau for name, (bureau, _) in table.items()}


def bureau_and_source(name: str, stated: str | None, organisation: dict[str, str]) -> tuple[str | None, str | None]:
    """(部局, where it came from): what the document states, else the organisation table, else
    nothing. A table that contradicts the document is an error, never a silent choice."""
    listed = organisation.get(name)
    if stated:
        if listed and listed != stated:
            raise UsageError(f"organisation table puts {name} in {listed}, the plan in {stated}")
        return stated, "document"
    if listed:
        return listed, "organisation"
    return None, None
