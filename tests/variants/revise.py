"""Truth → the truth of a variant edition: revised wording, partial bars, filled 実績, printed forms."""

from __future__ import annotations

import copy
import re

from .fonts import Typeface
from .options import VariantOptions
from .printed import digits

_REWORDS = (("推進", "一層の推進"), ("強化", "充実・強化"), ("運営", "運営・発信"),
            ("構築", "構築と運用"), ("確保", "安定的な確保"))
_ADDED_ACTION = "取組の成果を毎年度検証し、必要に応じて内容を見直す。"
_NUMBER = re.compile(r"^([0-9][0-9,]*(?:\.[0-9]+)?)")
_TEXT_SECTIONS = ("goals", "policies", "items", "projects", "schedule", "indicators")


def plan_years(truth: dict) -> list[int]:
    """The plan period: the fiscal years its schedule bars cover (the 工程表 columns)."""
    fys = [fy for s in truth["schedule"] for fy in (s["start_fy"], s["end_fy"])]
    if not fys:
        base = max((i["baseline_fy"] for i in truth["indicators"]), default=2024)
        return list(range(base + 1, base + 6))
    return list(range(min(fys), max(fys) + 1))


def revise(truth: dict, options: VariantOptions, face: Typeface) -> dict:
    t = copy.deepcopy(truth)
    years = plan_years(t)
    if options.reword:
        _reword(t)
    if options.typed_breaks:
        _typed_breaks(t)
    if options.partial_bars:
        _partial_bars(t, years)
    if options.filled_actuals:
        _fill_actuals(t, years)
    for ind in t["indicators"]:
        ind["baseline_text"] = digits(ind["baseline_text"], options.fullwidth_digits)
        for cell in ind["actuals"].values():
            cell["text"] = digits(cell["text"], options.fullwidth_digits)
    for section in _TEXT_SECTIONS:
        t[section] = _map_strings(t[section], face.layer_form)
    return t


def _typed_breaks(t: dict) -> None:
    """Alt+Enter typed in some 体系図 cells: a goal, policy or item title on two lines."""
    for key, no in (("goals", "goal_no"), ("policies", "policy_no"), ("items", "item_no")):
        for row in t[key]:
            if row[no] % 2 == 1 and len(row["title"]) > 6:
                row["title"] = row["title"][:4] + "\n" + row["title"][4:]


def _revised_title(title: str) -> str:
    for old, new in _REWORDS:
        if title.endswith(old):
            return title[: -len(old)] + new
    return title + "の充実"


def _reword(t: dict) -> None:
    """A revised edition (next year's March): some titles, names and texts change."""
    year, month = t["source"]["edition"].split("-")
    t["source"]["edition"] = f"{int(year) + 1}-{month}"
    for goal in t["goals"]:
        if goal["description"] is not None:
            goal["description"] += f"改定に当たっては、{goal['title']}に向けた取組を一層加速させる。"
    for policy in t["policies"]:
        if policy["policy_no"] % 4 == 2:
            policy["title"] = _revised_title(policy["title"])
    for item in t["items"]:
        if item["item_no"] % 3 == 0:
            item["title"] = _revised_title(item["title"])
    for k, project in enumerate(t["projects"]):
        if k % 2 == 0:
            project["actions"] += "\n" + _ADDED_ACTION
        if project["project_seq"] == 2:
            project["name"] = _revised_title(project["name"])
        if project["related_info"] is None and k % 3 == 1:
            project["related_info"] = "実施方針（改定版）"
    for ind in t["indicators"]:
        if ind["seq"] == 2:
            ind["name"] += "（累計）"


def _partial_bars(t: dict, years: list[int]) -> None:
    """Every bar but each fourth covers only part of the period (first two years, the rest …)."""
    lo, hi = years[0], years[-1]
    spans = [(s, e) for s, e in ((lo, hi), (lo, lo + 1), (lo + 2, hi), (lo + 1, hi - 1)) if s <= e]
    for k, bar in enumerate(t["schedule"]):
        bar["start_fy"], bar["end_fy"] = spans[k % len(spans)]


def _fill_actuals(t: dict, years: list[int]) -> None:
    """The first one or two 実績 years of every indicator with a numeric baseline get a value."""
    for k, ind in enumerate(t["indicators"]):
        match = _NUMBER.match(ind["baseline_text"])
        if ind["baseline_value"] is None or match is None:
            continue
        printed = match.group(1)
        decimals = len(printed.split(".")[1]) if "." in printed else 0
        sign = 1 if k % 3 else -1
        factors = {fy: 1 + sign * 0.05 * j for j, fy in enumerate(years[: 1 + k % 2], 1)}
        if decimals == 0:  # a cumulative count with a thousands separator in the last year
            factors[years[-1]] = 10
        for fy, factor in factors.items():
            value = round(ind["baseline_value"] * factor, decimals)
            if decimals == 0:
                value = int(value)
            ind["actuals"][str(fy)] = {"value": value,
                                       "text": f"{value:,.{decimals}f}{ind['unit'] or ''}"}


def _map_strings(value, fn):
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [_map_strings(v, fn) for v in value]
    if isinstance(value, dict):
        return {k: _map_strings(v, fn) for k, v in value.items()}
    return value
