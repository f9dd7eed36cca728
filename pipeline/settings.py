"""Settings from ``params.yaml``: vocabulary overrides, input limits, parallelism."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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


def load_settings(path: Path | None) -> Settings:
    """Settings from a params file; defaults where the file or an entry is absent."""
    if path is None or not Path(path).exists():
        return Settings()
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        lim = data.get("limits") or {}
        limits = Limits(
            max_file_bytes=int(lim.get("max_file_mb", 200)) * MiB,
            max_pages=int(lim.get("max_pages", 5000)),
            page_seconds=float(lim.get("page_seconds", 30)),
            memory_bytes=int(lim.get("memory_mb", 2048)) * MiB,
        )
        vocab = DEFAULT.with_overrides(data.get("vocabulary") or {})
        publication = Publication.from_params(data.get("publication") or {}, Path(path).parent)
        return Settings(vocab, limits, int(data.get("workers") or 0), publication)
    except (yaml.YAMLError, ValueError, TypeError, AttributeError) as exc:
        raise UsageError(f"invalid parameters: {exc}", str(path)) from exc
