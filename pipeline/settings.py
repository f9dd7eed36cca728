"""Settings from ``params.yaml``: vocabulary overrides, input limits, parallelism, publication.

The file is checked against a schema (msgspec structs, strict: no silent casts) before any
work: an unknown key (``limitz``), a value of the wrong type (``evaluation: 評価`` where a list
is expected) or out of range (``page_seconds: 0`` would switch the limit off) is a
``UsageError`` (exit 2) naming the key. To add a setting, add one line to its section's struct.
msgspec rather than pydantic: every command checks the file, and pydantic's import cost
~0.09 s and ~20 MB in each process (shared with extraction's forked page workers).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Annotated, Any

import msgspec
import yaml

from pipeline.errors import UsageError
from pipeline.limits import MiB, Limits
from pipeline.publication import Publication
from pipeline.vocabulary import DEFAULT, Vocabulary


@dataclass(frozen=True)
class Settings:
    vocabulary: Vocabulary = DEFAULT
    limits: Limits = field(default_factory=Limits)
    workers: int = 0
    publication: Publication = field(default_factory=Publication)


Positive = msgspec.Meta(gt=0)


class LimitsParams(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``limits:`` (pipeline/limits.py). Every limit is on: zero or less is refused."""

    max_file_mb: Annotated[float, Positive] = Limits.max_file_bytes / MiB
    max_pages: Annotated[int, Positive] = Limits.max_pages
    page_seconds: Annotated[float, Positive] = Limits.page_seconds
    memory_mb: Annotated[int, Positive] = Limits.memory_bytes // MiB
    document_seconds: Annotated[float, Positive] = Limits.document_seconds
    max_stream_mb: Annotated[float, Positive] = Limits.max_stream_bytes / MiB
    overview_within_pages: Annotated[int, Positive] = Limits.overview_within_pages

    def limits(self) -> Limits:
        return Limits(max_file_bytes=int(self.max_file_mb * MiB), max_pages=self.max_pages,
                      page_seconds=self.page_seconds, memory_bytes=self.memory_mb * MiB,
                      document_seconds=self.document_seconds,
                      max_stream_bytes=int(self.max_stream_mb * MiB),
                      overview_within_pages=self.overview_within_pages)


Word = Annotated[str, msgspec.Meta(min_length=1)]
Words = Annotated[list[Word], msgspec.Meta(min_length=1)]
#: ``vocabulary:``: every entry of pipeline/vocabulary.py, a word or a list of words as there.
VocabularyParams = msgspec.defstruct(
    "VocabularyParams",
    [(f.name, Words | None if isinstance(f.default, tuple) else Word | None, None)
     for f in fields(Vocabulary)],
    forbid_unknown_fields=True, frozen=True)


class Params(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """The whole file."""

    vocabulary: VocabularyParams | None = None
    limits: LimitsParams | None = None
    #: Page worker processes (0 = one per core).
    workers: Annotated[int, msgspec.Meta(ge=0, le=256)] = 0
    #: Checked key by key by ``Publication.from_params``.
    publication: dict[str, Any] | None = None


def load_settings(path: Path | None) -> Settings:
    """Settings from a params file; defaults where the file or an entry is absent."""
    if path is None or not Path(path).exists():
        return Settings()
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        data = {} if data is None else data
        _refuse_non_finite(data)
        try:
            params = msgspec.convert(data, Params, strict=True)
        except msgspec.ValidationError as exc:
            raise ValueError(_explain(exc, data)) from None
        vocab = DEFAULT.with_overrides({k: v for k, v in msgspec.structs.asdict(params.vocabulary).items()
                                        if v is not None} if params.vocabulary else {})
        publication = Publication.from_params(params.publication or {}, Path(path).parent)
    except (OSError, yaml.YAMLError, ValueError, TypeError) as exc:
        raise UsageError(f"invalid parameters: {exc}", str(path)) from exc
    return Settings(vocab, (params.limits or LimitsParams()).limits(), params.workers, publication)


def _refuse_non_finite(value: Any, key: str = "") -> None:
    """NaN or infinity nowhere in the file (``page_seconds: .inf`` would switch a limit off)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{key or 'the file'}: expected a finite number, got {value!r}")
    if isinstance(value, dict):
        for k, v in value.items():
            _refuse_non_finite(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _refuse_non_finite(v, f"{key}[{i}]")


#: msgspec's words for types, in the analyst's words.
_PLAIN = {"`int`": "an integer", "`float`": "a number", "`str`": "text", "`array`": "a list",
          "`object`": "a mapping of keys to values"}


def _explain(exc: msgspec.ValidationError, data: Any) -> str:
    """msgspec's finding on one line, naming its key: ``limits.page_seconds: expected … got 0``.

    msgspec says ``Expected `float` > 0.0 - at `$.limits.page_seconds```: the path becomes
    the key, its JSON type names plain words, and the value found is quoted from the file.
    """
    message, in_key, where = re.fullmatch(r"(.*?)(?: - at (`key` in )?`\$(.*)`)?", str(exc)).groups()
    key = (where or "").lstrip(".")
    unknown = re.fullmatch(r"Object contains unknown field `(.*)`", message)
    if unknown:
        return f"{key + '.' if key else ''}{unknown[1]}: unknown key"
    found = _at(data, key)
    if in_key:  # a key that is not text (``1: x``)
        message, found = "expected text as every key", next(k for k in found if not isinstance(k, str))
    message = re.sub(r"`(\w+)(?: \| null)?`", lambda m: _PLAIN.get(f"`{m[1]}`", m[1]), message)
    message = re.sub(r", got .*$", "", message)
    return f"{key or 'the file'}: {message[0].lower()}{message[1:]}, got {found!r}"


def _at(data: Any, key: str) -> Any:
    """The value at a msgspec path (``vocabulary.units[0]``) in the loaded file."""
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", key):
        data = data[int(index)] if index else data[name]
    return data
