"""Write output directories all-or-nothing, and stage tables as contract-typed Parquet.

A run that fails halfway must not leave a mix of new and old files behind: analysts (and
DVC) would read it as a complete result. ``atomic_dir`` builds the new directory beside the
old one (same filesystem, so ``rename`` is atomic) and swaps it in only after everything in
it was written; until then the previous directory stays complete and untouched.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from pipeline.contract import TABLES
from pipeline.errors import ExportError, UsageError


@contextmanager
def atomic_dir(out_dir: Path) -> Iterator[Path]:
    """Yield an empty temp dir beside ``out_dir``; on success it replaces ``out_dir``.

    On any exception the temp dir is removed and ``out_dir`` is left as it was. The swap
    renames old → backup, new → ``out_dir``, then deletes the backup (if the second rename
    fails the backup is renamed back). ``out_dir`` belongs to the tool: files in it that the
    block did not write are gone after the swap.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} exists and is not a directory")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        yield tmp
        _fsync_tree(tmp)
        _swap(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # gone already after a successful swap


@contextmanager
def atomic_file(out: Path, owned: Callable[[Path], bool]) -> Iterator[Path]:
    """Yield a temp path beside ``out``; on success it replaces ``out`` in one rename.

    An existing ``out`` is replaced only if ``owned(out)`` recognises it as this tool's file.
    """
    out = Path(out)
    if out.exists() and not (out.is_file() and owned(out)):
        raise UsageError(f"refusing to replace {out}: not a file this tool wrote")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.new-", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o666 & ~umask)  # mkstemp makes it private; follow the umask like any other file
    try:
        yield tmp
        _fsync_tree(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def is_json_object_with(*keys: str) -> Callable[[Path], bool]:
    """``owned`` test for a JSON file the tool wrote: an object with these keys."""
    def owned(path: Path) -> bool:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(data, dict) and all(k in data for k in keys)
    return owned


def _swap(new: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        new.rename(out_dir)
        return
    backup = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    out_dir.rename(backup / out_dir.name)
    try:
        new.rename(out_dir)
    except BaseException:
        (backup / out_dir.name).rename(out_dir)
        raise
    finally:
        shutil.rmtree(backup, ignore_errors=True)


def _fsync_tree(root: Path) -> None:
    """Flush the new files to disk before the rename makes them the current result."""
    for path in [*root.rglob("*"), root] if root.is_dir() else [root]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_tables(rows: dict[str, list[dict]], directory: Path) -> list[Path]:
    """``<table>.parquet`` per contract table into ``directory`` (use inside ``atomic_dir``)."""
    paths = []
    for name in TABLES:
        path = Path(directory) / f"{name}.parquet"
        pq.write_table(to_arrow(name, rows.get(name, [])), path)
        paths.append(path)
    return paths


def to_arrow(name: str, rows: list[dict]) -> pa.Table:
    """One table's rows typed by the contract (``pipeline.contract``).

    The rows go through Arrow's JSON reader, which builds the typed columns in C++:
    converting Python objects with ``pa.array`` would import pandas (a third of a second
    of every run) for nothing. A value of the wrong type is an error, not a cast.
    """
    schema = TABLES[name].schema
    if not rows:
        return pa.Table.from_batches([], schema=schema)
    lines = "".join(json.dumps(r, ensure_ascii=False, allow_nan=False) + "\n" for r in rows)
    options = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
    try:
        return pa_json.read_json(io.BytesIO(lines.encode("utf-8")), parse_options=options,
                                 read_options=pa_json.ReadOptions(use_threads=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as e:
        raise ExportError(f"table {name} does not fit its contract types: {e}") from e
