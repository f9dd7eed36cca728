"""Department names: canonical form and the 部局 (bureau) they belong to.

All department knowledge lives here: abbreviations printed on the detail sheets
(``(総)総務課``) and the bureau prefixes that make a bureau derivable from a name.
"""

from __future__ import annotations

import unicodedata

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
