"""Geometry of the report's inline SVG charts, computed here so the template only draws.

Two small charts: an indicator's baseline and actuals over the plan's fiscal years, and an
item's schedule bars as a Gantt chart. Coordinates are in SVG user units (px).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # drawn above the bar, as printed (「13.0日」)
    title: str  # tooltip
    label_y: float  # the label's baseline: above the bar, moved clear of the baseline line
    evidence: Any = None  # where the value was read (report.model.Evidence)


@dataclass
class IndicatorChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    unit: str
    ticks: list[Tick]
    plan_x: tuple[float, float] | None  # the plan period, shaded
    bars: list[Bar] = field(default_factory=list)
    baseline_y: float | None = None
    baseline_x: float | None = None
    baseline_label: str = ""
    baseline_value: str = ""  # at the y axis


#: Height of a value label above its baseline (11 px text) and the gap kept around it.
LABEL_HEIGHT, LABEL_GAP = 11, 3
_NUMBER = re.compile(r"[+-]?[0-9][0-9,]*(?:\.[0-9]+)?")


def fmt_number(value: float | None) -> str:
    """210.0 → ``210``, 12.5 → ``12.5``, None → ``―`` (not available, as printed)."""
    if value is None:
        return "―"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def printed_number(text: str | None) -> str | None:
    """The number as printed in a cell: 「13.0日」 → ``13.0`` (its precision kept)."""
    match = _NUMBER.search(text or "")
    return match.group(0) if match else None


def label_y(bar_top: float, baseline_y: float | None) -> float:
    """A value label sits just above its bar, unless the baseline line would strike it
    through: then it sits just above the line."""
    y = bar_top - LABEL_GAP
    if baseline_y is not None and y - LABEL_HEIGHT - LABEL_GAP <= baseline_y <= y + LABEL_GAP:
        y = baseline_y - LABEL_GAP
    return y


def indicator_chart(years: list[int], plan: tuple[int, int] | None, unit: str | None,
                    baseline: tuple[int, float | None, str] | None,
                    actuals: list[tuple[int, float | None, str, Any]]) -> IndicatorChart:
    """Baseline (dashed line and diamond at its year) and actuals (bars) by fiscal year.

    ``baseline`` is (fiscal year, value, printed text); each actual (fiscal year, value,
    printed text, evidence). Labels show the printed text, never a rounded number."""
    width, height, left, right, top, bottom = 380, 180, 48, 370, 28, 150
    slot = (right - left) / max(len(years), 1)

    def x_of(fy: int) -> float:
        return left + slot * (years.index(fy) + 0.5)

    values = [a[1] for a in actuals if a[1] is not None]
    if baseline and baseline[1] is not None:
        values.append(baseline[1])
    top_value = max(values, default=0) * 1.2 or 1.0

    def y_of(v: float) -> float:
        return bottom - (bottom - top) * max(v, 0) / top_value

    chart = IndicatorChart(
        width, height, left, right, top, bottom, unit or "", [Tick(x_of(fy), str(fy)) for fy in years],
        (x_of(plan[0]) - slot / 2, x_of(plan[1]) + slot / 2) if plan and plan[0] in years and plan[1] in years else None,
    )
    if baseline and baseline[0] in years:
        chart.baseline_x = x_of(baseline[0])
        if baseline[1] is not None:
            chart.baseline_y = y_of(baseline[1])
            chart.baseline_value = printed_number(baseline[2]) or fmt_number(baseline[1])
    for fy, value, text, where in actuals:
        if value is None or fy not in years:
            continue
        y = y_of(value)
        chart.bars.append(Bar(x_of(fy) - slot * 0.25, y, slot * 0.5, bottom - y, text,
                              f"{fy}年度 実績 {text}", label_y(y, chart.baseline_y), where))
    return chart


@dataclass(frozen=True)
class GanttRow:
    y: float
    label: str
    title: str
    kind: str  # "project" (a heading row), "plan_actual" or "evaluation"
    bar: tuple[float, float] | None  # x, width
    years: str = ""  # 「2025〜2027年度」, drawn on the bar
    evidence: Any = None


@dataclass
class Gantt:
    width: int
    height: int
    label_width: int
    ticks: list[Tick]
    rows: list[GanttRow]
    grid: list[float]


ROW = 22
LABEL_CHARS = 28


def gantt(years: list[int], projects: list[tuple[str, list[tuple]]]) -> Gantt:
    """One heading row per project, then one row per bar: (track, heading, text, start_fy,
    end_fy, evidence); the row reads 「heading: text」 and the bar its years."""
    width, label_width, top = 880, 360, 26
    slot = (width - label_width - 10) / max(len(years), 1)

    def x_of(fy: int) -> float:
        fy = min(max(fy, years[0]), years[-1])
        return label_width + slot * years.index(fy)

    rows: list[GanttRow] = []
    for name, bars in projects:
        rows.append(GanttRow(top + ROW * len(rows), _clip(name, LABEL_CHARS), name, "project", None))
        for track, heading, text, start, end, where in bars:
            span = None
            if years and start is not None and end is not None:
                span = (x_of(start) + 2, x_of(end) - x_of(start) + slot - 4)
            said = "：".join(t for t in (heading, text) if t)
            rows.append(GanttRow(top + ROW * len(rows), _clip("　" + said, LABEL_CHARS), said, track, span,
                                 fiscal_years(start, end), where))
    ticks = [Tick(label_width + slot * (i + 0.5), str(fy)) for i, fy in enumerate(years)]
    grid = [label_width + slot * i for i in range(len(years) + 1)]
    return Gantt(width, top + ROW * len(rows) + 6, label_width, ticks, rows, grid)


def fiscal_years(start: int | None, end: int | None) -> str:
    """(2025, 2027) → 「2025〜2027年度」; one year → 「2025年度」."""
    if start is None or end is None:
        return "―"
    return f"{start}年度" if start == end else f"{start}〜{end}年度"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
