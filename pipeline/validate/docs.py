"""The validation result as a page of its own, in the spirit of Great Expectations' Data Docs.

GX builds Data Docs from a file-backed context and its stores; this tool validates with an
ephemeral context (no files, no analytics), so the page is rendered here from the same
result JSON (``validate --report``): every expectation with its Japanese statement, the GX
expectation type, the edition, the observed value and the offending rows. ``report`` writes it
beside ``index.html`` as ``validation.html`` and links to it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from pipeline.templating import environment

PAGE = "validation.html"
#: Observed values longer than this are folded into a <details>.
SHORT = 120


def render_validation_page(result: dict) -> str:
    """The page's HTML (autoescaped: values from the PDF are text, never markup)."""
    results = result.get("results", [])
    passed = Counter(r.get("suite_ja") or r.get("suite", "") for r in results if r.get("success"))
    failed = Counter(r.get("suite_ja") or r.get("suite", "") for r in results if not r.get("success"))
    suites = [(name, [r for r in results if (r.get("suite_ja") or r.get("suite", "")) == name])
              for name in dict.fromkeys(r.get("suite_ja") or r.get("suite", "") for r in results)]
    # failure lines that no expectation stands for (a staged table that could not be read)
    extra = result.get("failures", [])[:max(0, len(result.get("failures", [])) - sum(failed.values()))]
    return environment("pipeline.validate").get_template("validation.html.j2").render(
        ok=bool(result.get("ok")), failures=result.get("failures", []), extra=extra, suites=suites,
        passed=passed, failed=failed, total=len(results), observed=observed_text, short=SHORT)


def write_validation_page(result: dict, directory: Path) -> Path:
    path = Path(directory) / PAGE
    path.write_text(render_validation_page(result), encoding="utf-8")
    return path


def observed_text(value) -> str:
    """An observed value as an analyst reads it: plain for scalars, JSON for lists and maps."""
    if value is None:
        return "―"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
