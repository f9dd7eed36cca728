"""What the open-data catalogue says about the exports: ``publication:`` in ``params.yaml``.

The plan's official URLs change with each edition and are the analyst's to configure, never
the code's: each edition (its 版, ``2025-03``) names the page it was published on. The
organisation table is the analyst's too: a CSV (所属名,部局名) that fills a department's 部局
where the document itself does not state it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Edition:
    """One published edition: where it is published and (optionally) since when."""

    url: str | None = None
    #: Publication date as the catalogue should show it (``2025-03-28``); default: the 版.
    published: str | None = None


@dataclass(frozen=True)
class Contributor:
    title: str
    #: Frictionless role: publisher, author, maintainer, wrangler or contributor.
    role: str = "contributor"
    path: str | None = None


ROLES = ("publisher", "author", "maintainer", "wrangler", "contributor")


@dataclass(frozen=True)
class Publication:
    title: str = "群馬県行財政改革大綱 実施計画"
    description: str = (
        "群馬県行財政改革大綱 実施計画（PDF）の体系図（目標・方針・実施項目・取組所属）と個票"
        "（事業、工程表、参考指標の策定時の値と実績値）を、総務省「機械判読可能なデータの表記方法の"
        "統一ルール」に沿った表形式にしたもの。")
    keywords: tuple[str, ...] = ("群馬県", "行財政改革", "行財政改革大綱", "実施計画", "参考指標", "工程表")
    publisher: str = "群馬県"
    publisher_url: str | None = None
    homepage: str | None = None
    contributors: tuple[Contributor, ...] = ()
    editions: dict[str, Edition] = field(default_factory=dict)
    #: Analyst-supplied organisation table (CSV with 所属名 and 部局名 columns), or None.
    organisation: Path | None = None

    @classmethod
    def from_params(cls, data: dict, base: Path = Path(".")) -> Publication:
        """From the ``publication:`` mapping; ValueError/TypeError naming the bad entry."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"publication: unknown key(s) {', '.join(sorted(unknown))}")
        values = {k: v for k, v in data.items() if v is not None}
        if "keywords" in values:
            values["keywords"] = tuple(_strings("keywords", values["keywords"]))
        if "contributors" in values:
            values["contributors"] = tuple(_contributor(c) for c in values["contributors"])
        if "editions" in values:
            values["editions"] = {str(k): _edition(str(k), v or {}) for k, v in values["editions"].items()}
        if "organisation" in values:
            values["organisation"] = base / str(values["organisation"])
        for key in ("title", "description", "publisher", "publisher_url", "homepage"):
            if key in values and not isinstance(values[key], str):
                raise ValueError(f"publication.{key}: expected text, got {values[key]!r}")
        return cls(**values)


def _strings(key: str, value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"publication.{key}: expected a list of text, got {value!r}")
    return value


def _contributor(value) -> Contributor:
    if not isinstance(value, dict) or not isinstance(value.get("title"), str):
        raise ValueError(f"publication.contributors: each needs a title, got {value!r}")
    c = Contributor(**value)
    if c.role not in ROLES:
        raise ValueError(f"publication.contributors: role {c.role!r} is not one of {', '.join(ROLES)}")
    return c


def _edition(name: str, value) -> Edition:
    if not isinstance(value, dict):
        raise ValueError(f"publication.editions.{name}: expected url/published, got {value!r}")
    return Edition(**{k: str(v) for k, v in value.items()})
