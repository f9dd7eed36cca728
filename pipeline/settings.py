"""Settings from ``params.yaml``: vocabulary overrides, input limits, parallelism, publication.

The file is checked against a schema (pydantic models, strict: no silent casts) before any
work: an unknown key (``limitz``), a value of the wrong type (``evaluation: 評価`` where a list
is expected) or out of range (``page_seconds: 0`` would switch the limit off) is a
``UsageError`` (exit 2) naming the key. To add a setting, add one line to its section's model.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

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


class Section(BaseModel):
    """A mapping in params.yaml: known keys only, values of exactly their type, finite."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class LimitsParams(Section):
    """``limits:`` (pipeline/limits.py). Every limit is on: zero or less is refused."""

    max_file_mb: Annotated[float, Field(gt=0)] = Limits.max_file_bytes / MiB
    max_pages: Annotated[int, Field(gt=0)] = Limits.max_pages
    page_seconds: Annotated[float, Field(gt=0)] = Limits.page_seconds
    memory_mb: Annotated[int, Field(gt=0)] = Limits.memory_bytes // MiB
    document_seconds: Annotated[float, Field(gt=0)] = Limits.document_seconds
    max_stream_mb: Annotated[float, Field(gt=0)] = Limits.max_stream_bytes / MiB
    overview_within_pages: Annotated[int, Field(gt=0)] = Limits.overview_within_pages

    def limits(self) -> Limits:
        return Limits(max_file_bytes=int(self.max_file_mb * MiB), max_pages=self.max_pages,
                      page_seconds=self.page_seconds, memory_bytes=self.memory_mb * MiB,
                      document_seconds=self.document_seconds,
                      max_stream_bytes=int(self.max_stream_mb * MiB),
                      overview_within_pages=self.overview_within_pages)


Word = Annotated[str, Field(min_length=1)]
Words = Annotated[list[Word], Field(min_length=1)]
#: ``vocabulary:``: every entry of pipeline/vocabulary.py, a word or a list of words as there.
VocabularyParams = create_model(
    "VocabularyParams", __base__=Section,
    **{f.name: (Words | None if isinstance(f.default, tuple) else Word | None, None)
       for f in fields(Vocabulary)})


class Params(Section):
    """The whole file."""

    vocabulary: VocabularyParams | None = None
    limits: LimitsParams | None = None
    #: Page worker processes (0 = one per core).
    workers: Annotated[int, Field(ge=0, le=256)] = 0
    #: Checked key by key by ``Publication.from_params``.
    publication: dict[str, Any] | None = None


def load_settings(path: Path | None) -> Settings:
    """Settings from a params file; defaults where the file or an entry is absent."""
    if path is None or not Path(path).exists():
        return Settings()
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        params = Params.model_validate({} if data is None else data)
        vocab = DEFAULT.with_overrides(params.vocabulary.model_dump(exclude_none=True)
                                       if params.vocabulary else {})
        publication = Publication.from_params(params.publication or {}, Path(path).parent)
    except ValidationError as exc:
        raise UsageError(f"invalid parameters: {_explain(exc)}", str(path)) from exc
    except (OSError, yaml.YAMLError, ValueError, TypeError) as exc:
        raise UsageError(f"invalid parameters: {exc}", str(path)) from exc
    return Settings(vocab, (params.limits or LimitsParams()).limits(), params.workers, publication)


def _explain(exc: ValidationError) -> str:
    """The schema's findings on one line, each naming its key: ``limits.page_seconds: …``."""
    found = []
    for error in exc.errors(include_url=False):
        key = ".".join(str(part) for part in error["loc"]) or "the file"
        if error["type"] == "extra_forbidden":
            found.append(f"{key}: unknown key")
        elif error["type"] == "model_type":
            found.append(f"{key}: should be a mapping of keys to values")
        else:
            found.append(f"{key}: {error['msg'][0].lower()}{error['msg'][1:]} (got {error['input']!r})")
    more = f"; and {len(found) - 3} more" if len(found) > 3 else ""
    return "; ".join(found[:3]) + more
