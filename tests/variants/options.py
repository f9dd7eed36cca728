"""Knobs of a variant edition: what may change between real editions of the plan."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape


@dataclass
class VariantOptions:
    font: str = "HeiseiKakuGo-W5"  # a reportlab CID font name, or a path to a .ttf file
    page_size: tuple = landscape(A4)
    margins: tuple = (30.0, 34.0, 30.0, 34.0)  # top, right, bottom, left (pt)
    font_size: float = 7.5  # detail pages; the 体系図 uses 80 % of it
    column_scale: float = 1.0  # widens (>1) or narrows (<1) label / goal / policy columns
    overview_rows_per_page: int | None = None  # split the 体系図 after this many item rows
    reiwa_years: bool = False  # 令和7年度 instead of 2025年度 in year headers and baselines
    fullwidth_digits: bool = False  # ２０２５年度, ２１０者
    kangxi: bool = False  # text layer uses Kangxi radical code points (needs a TrueType font)
    lookalikes: bool = False  # …and CJK Radicals Supplement / U+2027 look-alikes, as a browser prints
    distributed: bool = False  # 均等割付 on labels, headers, department names and item titles
    spaced_labels: bool = False  # short labels typed with ideographic spaces: 「事　業」「工　程　表」
    stacked_goals: bool = False  # 縦書き goal cells: one glyph under the other (Latin too)
    typed_breaks: bool = False  # line breaks typed inside some 体系図 goal/policy/item titles
    partial_bars: bool = False  # some schedule bars cover only part of the plan period
    filled_actuals: bool = False  # some 実績 cells carry values
    reword: bool = False  # a revised edition: some titles and texts changed
    filled_borders: bool = False  # every border a filled 0.75 pt rectangle (a browser's print)
    cut_rows: bool = False  # page breaks cut rows, no bottom border above the cut (a browser's
    #                         print); the 体系図 is not scaled to fit a page then
    producer: str = "ReportLab variant"
