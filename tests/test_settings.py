"""params.yaml: vocabulary overrides and limits, and a clear error when it is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import UsageError
from pipeline.limits import MiB
from pipeline.settings import load_settings


def test_overrides_and_limits(tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("vocabulary:\n  lead_departments: 担当所属\n  units: ['%', '人']\n"
                      "limits:\n  max_file_mb: 5\n  page_seconds: 2\nworkers: 1\n", encoding="utf-8")
    s = load_settings(params)
    assert s.vocabulary.lead_departments == "担当所属" and s.vocabulary.units == ("%", "人")
    assert s.limits.max_file_bytes == 5 * MiB and s.limits.page_seconds == 2.0 and s.workers == 1


def test_missing_file_means_defaults(tmp_path):
    assert load_settings(tmp_path / "absent.yaml").vocabulary.item == "実施項目"


@pytest.mark.parametrize("text", ["vocabulary:\n  no_such_word: x\n", "limits:\n  max_pages: many\n", "[unclosed"])
def test_invalid_params_are_a_usage_error(tmp_path, text):
    params = tmp_path / "params.yaml"
    params.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match="invalid parameters"):
        load_settings(params)


@pytest.mark.parametrize("text, key, why", [
    ("limitz:\n  max_pages: 5\n", "limitz", "unknown key"),
    ("limits:\n  max_pagez: 5\n", "limits.max_pagez", "unknown key"),
    ("limits:\n  page_seconds: 0\n", "limits.page_seconds", "expected a number > 0"),
    ("limits:\n  memory_mb: -1\n", "limits.memory_mb", "expected an integer >= 1"),
    ("limits:\n  max_file_mb: -5\n", "limits.max_file_mb", "expected a number > 0"),
    ("limits:\n  page_seconds: .nan\n", "limits.page_seconds", "finite number"),
    ("limits:\n  max_file_mb: .inf\n", "limits.max_file_mb", "finite number"),
    ("limits:\n  max_file_mb: true\n", "limits.max_file_mb", "expected a number, got True"),
    ("limits:\n  max_pages: 1.5\n", "limits.max_pages", "expected an integer, got 1.5"),
    ("workers: -3\n", "workers", "expected an integer >= 0"),
    ("workers: yes\n", "workers", "expected an integer, got True"),
    ("workers: '2'\n", "workers", "expected an integer, got '2'"),
    ("vocabulary:\n  evaluation: 評価\n", "vocabulary.evaluation", "expected a list"),
    ("vocabulary:\n  units: []\n", "vocabulary.units", "expected a list of length >= 1"),
    ("vocabulary:\n  units: ['', 人]\n", "vocabulary.units[0]", "expected text of length >= 1"),
    ("vocabulary:\n  goal: 3\n", "vocabulary.goal", "expected text"),
    ("vocabulary:\n  goal: ''\n", "vocabulary.goal", "expected text of length >= 1"),
    ("vocabulary: [目標]\n", "vocabulary", "mapping"),
    ("- workers\n", "the file", "mapping"),
    ("publication:\n  1: x\n", "publication", "expected text as every key, got 1"),
])
def test_the_schema_refuses_with_the_key_named(tmp_path, capsys, text, key, why):
    params = tmp_path / "params.yaml"
    params.write_text(text, encoding="utf-8")
    assert main(["--params", str(params), "extract", str(tmp_path / "a.pdf"), "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"plan-extract: {params}: invalid parameters: {key}: ")
    assert why in err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]


def test_the_projects_params_file_is_valid_and_its_limits_are_on():
    s = load_settings(Path(__file__).parents[1] / "params.yaml")
    assert s.limits.page_seconds > 0 and s.limits.memory_bytes > 0 and s.limits.max_pages > 0
