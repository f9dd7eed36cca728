"""Seeded byte-level fuzzing: a mangled PDF ends in success or a PlanExtractError, never in
another exception or a hang.

Each seed makes one mutation of the shared excerpt (flip bytes, truncate, duplicate, delete
or overwrite ranges; half the single-byte flips aim at the object syntax outside streams,
where they reach deeper code than a flip in compressed data). A failing seed is named in the
assertion, so ``-k`` on its chunk and ``mutate(data, Random(seed))`` reproduce it.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable

import pytest

from pipeline.errors import PlanExtractError
from pipeline.extract import extract_pdf
from pipeline.limits import Limits
from tests.bad_inputs import EXCERPT

SEEDS_PER_CHUNK = 12
CHUNKS = 8
LIMITS = Limits(page_seconds=5)

DATA = EXCERPT.read_bytes()
STREAMS = [m.span() for m in re.finditer(rb"stream\r?\n.*?endstream", DATA, re.DOTALL)]
_GAPS = zip([0] + [end for _, end in STREAMS], [start for start, _ in STREAMS] + [len(DATA)])
OUTSIDE_STREAMS = [i for start, end in _GAPS for i in range(start, end)]


def _span(data: bytes, rng: random.Random) -> tuple[int, int]:
    start = rng.randrange(len(data))
    return start, min(len(data), start + rng.choice([1, 16, 256, 4096]))


def flip(data: bytearray, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 8)):
        i = rng.choice(OUTSIDE_STREAMS) if rng.random() < 0.5 else rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
    return "flip"


def truncate(data: bytearray, rng: random.Random) -> str:
    del data[rng.randrange(len(data)):]
    return "truncate"


def duplicate(data: bytearray, rng: random.Random) -> str:
    a, b = _span(data, rng)
    at = rng.randrange(len(data))
    data[at:at] = data[a:b]
    return "duplicate"


def delete(data: bytearray, rng: random.Random) -> str:
    a, b = _span(data, rng)
    del data[a:b]
    return "delete"


def overwrite(data: bytearray, rng: random.Random) -> str:
    """Copy a range over another (length kept, so xref offsets stay valid)."""
    a, b = _span(data, rng)
    at = rng.randrange(len(data) - (b - a) + 1)
    data[at:at + b - a] = data[a:b]
    return "overwrite"


MUTATIONS: list[Callable[[bytearray, random.Random], str]] = [
    flip, flip, truncate, duplicate, delete, overwrite]


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    out = bytearray(data)
    kind = rng.choice(MUTATIONS)(out, rng)
    return bytes(out), kind


def outcome(path) -> str:
    """``ok`` or the PlanExtractError class name; anything else propagates."""
    try:
        extract_pdf(path, workers=1, limits=LIMITS)
    except PlanExtractError as e:
        assert e.reason and "\n" not in e.one_line()
        return type(e).__name__
    return "ok"


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_mutated_pdf_ends_in_success_or_a_plan_error(chunk, tmp_path):
    seen: Counter[str] = Counter()
    for seed in range(chunk * SEEDS_PER_CHUNK, (chunk + 1) * SEEDS_PER_CHUNK):
        data, kind = mutate(DATA, random.Random(seed))
        path = tmp_path / f"seed-{seed}.pdf"
        path.write_bytes(data)
        try:
            seen[outcome(path)] += 1
        except Exception as e:
            raise AssertionError(f"seed {seed} ({kind}): {type(e).__name__}: {e}") from e
        path.unlink()
    assert seen["DamagedPdfError"] > 0, seen  # the mutations do reach the damage checks
