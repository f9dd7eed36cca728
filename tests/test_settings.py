"""params.yaml: vocabulary overrides and limits, and a clear error when it is wrong."""

from __future__ import annotations

import pytest

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
