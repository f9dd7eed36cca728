"""The HTML pages' Jinja environment: templates compiled once per machine, never a failure."""

from __future__ import annotations

import jinja2
import pytest

from pipeline import templating
from pipeline.templating import environment


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A private bytecode cache folder for the test (not the machine's)."""
    monkeypatch.setattr(templating, "_cache", lambda: templating._Cache(str(tmp_path)))
    return tmp_path


def test_a_template_is_compiled_once_then_read_from_the_cache(cache_dir, monkeypatch):
    first = environment("pipeline.validate").get_template("validation.html.j2")
    assert list(cache_dir.glob("__jinja2_*.cache"))

    def no_compile(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(jinja2.Environment, "compile", no_compile)
    again = environment("pipeline.validate").get_template("validation.html.j2")
    page = {"ok": True, "failures": [], "extra": [], "suites": [], "passed": {}, "failed": {},
            "total": 0, "observed": str, "short": 10}
    assert again.render(**page) == first.render(**page)


def test_a_cache_that_cannot_be_written_is_skipped(cache_dir, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "dump_bytecode", full)
    assert environment("pipeline.report").get_template("index.html.j2") is not None
    assert not list(cache_dir.glob("__jinja2_*.cache"))


def test_no_safe_temporary_folder_means_no_cache(monkeypatch):
    def unsafe(self):
        raise RuntimeError("Cannot determine safe temp directory")

    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "_get_default_cache_dir", unsafe)
    assert environment("pipeline.report").bytecode_cache is None
