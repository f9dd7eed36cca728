"""Turn one GX expectation result into an analyst-readable line and plain offending values.

Wording lives in the suite files: an expectation's ``description`` says what is wrong
(``{name}`` fields are filled from the suite parameters, plus ``found``), ``meta.show`` is a
template for one offending row (fields: the frame's key columns and the checked columns) and
``meta.label`` names the values of a set comparison (``item 17 missing``). ``meta.ja``,
``meta.show_ja`` and ``meta.label_ja`` say the same in Japanese, for the report.
"""

from __future__ import annotations

import math
import string
from collections import Counter

from pipeline.contract import VALUE_LABELS

MAX_SHOWN = 10

#: The few words around offending values, per language (None: English).
_WORDS = {
    None: {"missing": "{label} {listed}{more} missing", "unexpected": "{label} {listed}{more} unexpected",
           "more": " (+{} more)", "found": "found {}", "error": "could not evaluate: {}"},
    "ja": {"missing": "{label} {listed}{more} がない", "unexpected": "{label} {listed}{more} が余分",
           "more": "（ほか{}件）", "found": "観測値 {}", "error": "評価できません: {}"},
}


def plain(value):
    """JSON-friendly Python value; integral floats (from nullable int columns) as ints."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


class _Shown(dict):
    """Template fields; a missing or unbounded value prints as ``absent``."""

    def __init__(self, values: dict, absent: str):
        super().__init__(values)
        self.absent = absent

    def __getitem__(self, key):
        value = self.get(key)
        if value is None or (isinstance(value, float) and math.isinf(value)):
            return self.absent
        return value


def offending(config, result: dict, exception_info: dict, key: list[str],
              language: str | None = None) -> list[str]:
    """Readable offending values of a failed expectation (``language="ja"``: in Japanese)."""
    words = _WORDS[language]
    error = exception_message(exception_info)
    if error:
        return [words["error"].format(error)]
    if "unexpected_index_list" in result:
        return _rows(result, config, key, language)
    if "partial_missing_list" in result:
        return _set_difference(result, config, language)
    return [words["found"].format(plain(result.get("observed_value")))]


def what(config, params: dict, result: dict, language: str | None = None) -> str:
    """The expectation's description with parameters (and ``found``) filled in.

    ``language="ja"``: the Japanese statement of the rule in ``meta.ja`` (the report's wording);
    the English ``description`` says what is wrong (the failure lines).
    """
    fields = _Shown(params, absent="?")
    if "partial_missing_list" in result:
        fields["found"] = (len(config.kwargs.get("value_set") or [])
                           - result.get("missing_count", 0) + result.get("unexpected_count", 0))
    template = (config.meta or {}).get(language) if language else None
    return (template or config.description or config.type).format_map(fields)


def exception_message(exception_info: dict) -> str | None:
    """GX reports an error either directly or keyed by the metric that raised it."""
    infos = [exception_info] if "raised_exception" in exception_info else exception_info.values()
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            return str(info.get("exception_message"))
    return None


def _meta(config, name: str, language: str | None):
    meta = config.meta or {}
    return meta.get(f"{name}_{language}") or meta.get(name) if language else meta.get(name)


def _rows(result: dict, config, key: list[str], language: str | None = None) -> list[str]:
    show = _meta(config, "show", language)
    shown = Counter()
    for row in result["unexpected_index_list"]:
        row = {k: plain(v) for k, v in row.items()}
        if language == "ja":  # code values in the plan's words (plan_actual → 計画/実績)
            row = {k: VALUE_LABELS.get(k, {}).get(v, v) for k, v in row.items()}
        if show:
            shown[show.format_map(_Shown(row, absent="null"))] += 1
        else:
            ident = "/".join(_text(row.get(k)) for k in key)
            rest = ", ".join(f"{c}={_text(row.get(c))}" for c in checked_columns(config) if c not in key)
            shown[f"{ident} ({rest})" if rest else ident] += 1
    lines = [f"{text} (×{n})" if n > 1 else text for text, n in shown.items()]
    return _capped(lines, language)


def checked_columns(config) -> list[str]:
    """The columns an expectation looks at, as named in its kwargs."""
    kwargs = config.kwargs
    return [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs] + list(
        kwargs.get("column_list", [])
    )


def shown_columns(expectation: dict) -> list[str]:
    """The row fields a suite file's ``meta.show`` template refers to."""
    show = (expectation.get("meta") or {}).get("show", "")
    return [name for _, name, _, _ in string.Formatter().parse(show) if name]


def _set_difference(result: dict, config, language: str | None = None) -> list[str]:
    label = _meta(config, "label", language) or config.kwargs.get("column", "value")
    words = _WORDS[language]
    parts = []
    for name, values, count in (
        ("missing", result.get("partial_missing_list") or [], result.get("missing_count", 0)),
        ("unexpected", result.get("partial_unexpected_list") or [], result.get("unexpected_count", 0)),
    ):
        if values:
            listed = ", ".join(_text(plain(v)) for v in sorted(values)[:MAX_SHOWN])
            more = words["more"].format(count - MAX_SHOWN) if count > MAX_SHOWN else ""
            parts.append(words[name].format(label=label, listed=listed, more=more))
    return parts


def _capped(lines: list[str], language: str | None = None) -> list[str]:
    more = len(lines) - MAX_SHOWN
    return lines[:MAX_SHOWN] + (["…" + _WORDS[language]["more"].format(more)] if more > 0 else [])


def _text(value) -> str:
    return "null" if value is None else str(value)
