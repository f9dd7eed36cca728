"""A plan edition printed by a web browser: HTML from a truth file, through headless Chromium.

The tables are the reportlab variants' own (``overview_table``, ``project_table``,
``indicator_table``), written as HTML: merged cells as ``rowspan``/``colspan``, header rows
as ``<thead>``. Chromium's "Save as PDF" prints them as browsers do: fonts as Type 3, every
border a filled rectangle, the ``<thead>`` again on each page, rows cut by page breaks with
no border under the first part, look-alike code points (CJK radicals, U+2027) in the text
layer. Nothing of that is imitated here: it is what the browser does.

Page numbers in the returned truth are looked up in the printed PDF (where each item's row
and each project's table landed): the one thing the browser decides.
"""

from __future__ import annotations

import copy
import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pdfplumber

from pipeline.normalize import nfkc

from . import style
from .build import SUBTITLE, TITLE
from .detail import INDICATOR, PROJECT, indicator_table, project_table
from .options import VariantOptions
from .overview import FOOTNOTE
from .overview import TITLE as OVERVIEW_TITLE
from .overview import overview_table
from .printed import fiscal_year
from .revise import plan_years
from .table import Table

PAGE = (841.89, 595.28)  # A4 landscape, pt
MARGINS = (30.0, 34.0, 30.0, 34.0)  # top, right, bottom, left (pt)


def chromium() -> str | None:
    """Debian's ``chromium`` (or Google's build) when installed."""
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)


def browser_edition(truth: dict, out_pdf: Path, font_size: float = 9.0, overview_size: float = 11.0,
                    browser_header_footer: bool = False) -> dict:
    """Print ``truth`` through Chromium into ``out_pdf``; returns the truth of the printed PDF.

    The page's own running header and page number (CSS page-margin boxes), or with
    ``browser_header_footer`` the browser's: date and title on top, address and n/N below.
    """
    t = copy.deepcopy(truth)
    years = plan_years(t)
    banded: set[tuple[str, int]] = set()
    document = edition_html(t, years, font_size, overview_size, banded, not browser_header_footer)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "plan.html"
        page.write_text(document, encoding="utf-8")
        print_to_pdf(page, Path(out_pdf), Path(tmp) / "profile", browser_header_footer)
    for kind, key in (("goal", "goals"), ("policy", "policies")):
        for row in t[key]:  # a description only shows on a band, and bands only on detail pages
            if (kind, row[f"{kind}_no"]) not in banded:
                row["description"] = None
    _printed_pages(Path(out_pdf), t)
    t["source"].update(file=Path(out_pdf).name, notes=[
        f"Variant of {truth['source']['file']} printed from HTML by headless Chromium "
        "(tests/variants/browser.py).",
        "Text fields hold the cell text with soft wraps removed; hard breaks are \\n.",
        "Goal/policy descriptions are null where no detail page shows their band."])
    return t


def print_to_pdf(page: Path, out_pdf: Path, profile: Path, header_footer: bool = False) -> None:
    """Chromium's "Save as PDF" of ``page``, with or without the browser's header and footer."""
    binary = chromium()
    if binary is None:
        raise RuntimeError("chromium is not installed")
    subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync",
         *([] if header_footer else ["--no-pdf-header-footer"]),
         f"--user-data-dir={profile}", f"--print-to-pdf={out_pdf}", page.as_uri()],
        check=True, capture_output=True, timeout=180)


# -- HTML ----------------------------------------------------------------------------------

def _css(color) -> str:
    return "rgb({:.0f},{:.0f},{:.0f})".format(*(255 * v for v in color.rgb()))


def _text(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def table_html(table: Table) -> str:
    """One ``<table>``: a merged cell is one ``<td>`` with its row or column span."""
    merges = {(m.first, m.col): m for m in table.merges}
    total = sum(table.widths)
    out = ["<table><colgroup>"]
    out += [f'<col style="width:{100 * w / total:.3f}%">' for w in table.widths]
    out.append("</colgroup><thead>" if table.header else "</colgroup><tbody>")
    for r, row in enumerate(table.rows):
        if r == table.header and table.header:
            out.append("</thead><tbody>")
        cells = [(c.col, c.span, 1, c.text, c.align, c.fill) for c in row.cells]
        cells += [(m.col, 1, m.last - m.first + 1, m.text, m.align, m.fill)
                  for (first, _), m in merges.items() if first == r]
        out.append("<tr>")
        for _, span, rows, text, align, fill in sorted(cells):
            attrs = (f' colspan="{span}"' if span > 1 else "") + (f' rowspan="{rows}"' if rows > 1 else "")
            shade = f"background:{_css(fill)};" if fill is not None else ""
            out.append(f'<td{attrs} style="text-align:{align};{shade}">{_text(text)}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def edition_html(t: dict, years: list[int], size: float, overview_size: float,
                 banded: set[tuple[str, int]], running_header: bool = True) -> str:
    """The whole edition: cover, 体系図, then one detail section per item (notes ``banded``);
    a running header and page numbers in the page margins unless not ``running_header``."""
    width = PAGE[0] - MARGINS[1] - MARGINS[3]
    year = lambda fy: fiscal_year(fy, reiwa=False, fullwidth=False)  # noqa: E731
    body = [_cover(t), '<section class="overview">',
            f"<h1>{_text(OVERVIEW_TITLE)}</h1>",
            table_html(overview_table(t, VariantOptions(), width, overview_size)),
            f"<p>{_text(FOOTNOTE)}</p></section>"]
    goals = {g["goal_no"]: g for g in t["goals"]}
    policies = {p["policy_no"]: p for p in t["policies"]}
    label_w = 62.0
    widths = [label_w] + [(width - label_w) / len(years)] * len(years)
    bars = sorted(t["schedule"], key=lambda b: (b["track"], b["block_seq"], b["bar_seq"]))
    shown: tuple[int | None, int | None] = (None, None)
    for item in sorted(t["items"], key=lambda it: it["item_no"]):
        projects = sorted((p for p in t["projects"] if p["item_no"] == item["item_no"]),
                          key=lambda p: p["project_seq"])
        indicators = sorted((i for i in t["indicators"] if i["item_no"] == item["item_no"]),
                            key=lambda i: i["seq"])
        if not (projects or indicators):
            continue
        body.append('<section class="item">')
        goal, policy = goals[item["goal_no"]], policies[item["policy_no"]]
        if shown[0] != goal["goal_no"]:
            body.append(_band("goal", "目標", goal["goal_no"], goal["title"], goal["description"]))
        if shown[1] != policy["policy_no"]:
            body.append(_band("policy", "方針", policy["policy_no"], policy["title"],
                              policy["description"]))
        shown = (goal["goal_no"], policy["policy_no"])
        banded |= {("goal", goal["goal_no"]), ("policy", policy["policy_no"])}
        body.append(f"<h3>実施項目{item['item_no']} {_text(item['title'])}</h3>")
        for p in projects:
            mine = [b for b in bars if (b["item_no"], b["project_seq"]) == (item["item_no"], p["project_seq"])]
            body.append(table_html(project_table(p, mine, years, widths, size, year)))
        if indicators:
            body.append("<h3>指標</h3>")
            body.append(table_html(indicator_table(indicators, years, width, 1.0, size, year)))
        body.append("</section>")
    header = f"{TITLE}（{year(years[0])}～{year(years[-1])}）実施計画"
    boxes = _margin_boxes(header, size) if running_header else ""
    return _PAGE_HTML.format(margin_boxes=boxes, size=size, overview_size=overview_size,
                             head=_css(style.HEAD), goal_band=_css(style.GOAL_BAND),
                             goal_text=_css(style.GOAL_TEXT), policy_band=_css(style.POLICY_BAND),
                             margins=" ".join(f"{m}pt" for m in MARGINS), body="\n".join(body))


def _margin_boxes(header: str, size: float) -> str:
    """CSS page-margin boxes: ``header`` on top and ``- N -`` below, on all but the cover."""
    font = f"font: {size}pt 'Noto Sans CJK JP';"
    return (f"@page {{ @top-center {{ content: {_css_string(header)}; {font} }}\n"
            f"  @bottom-center {{ content: \"- \" counter(page) \" -\"; {font} }} }}\n"
            "@page :first { @top-center { content: none; } @bottom-center { content: none; } }")


def _css_string(text: str) -> str:
    return '"' + re.sub(r'(["\\])', r"\\\1", text) + '"'


def _cover(t: dict) -> str:
    year, month = (int(x) for x in t["source"]["edition"].split("-"))
    note = "（試験用の合成データ）" if t["source"]["synthetic"] else "(抜粋・別版)"
    return (f'<section class="cover"><p class="t1">{TITLE}</p><p class="t2">{SUBTITLE}</p>'
            f'<p class="t3">実施計画</p><p class="t2">{note}</p>'
            f'<p class="t2">{year}年{month}月策定</p><p class="t2">群馬県</p></section>')


def _band(kind: str, word: str, no: int, title: str, description: str | None) -> str:
    text = f"<p>{_text(description)}</p>" if description else ""
    return f'<div class="{kind}"><h2>{word}{no} {_text(title)}</h2>{text}</div>'


_PAGE_HTML = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>実施計画</title><style>
@page {{ size: A4 landscape; margin: {margins}; }}
{margin_boxes}
body {{ font: {size}pt/1.3 'Noto Sans CJK JP', sans-serif; margin: 0; }}
section {{ break-before: page; }}
.cover {{ text-align: center; padding-top: 90pt; }}
.cover p {{ margin: 0 0 18pt; }} .t1 {{ font-size: 24pt; }} .t2 {{ font-size: 11pt; }}
.t3 {{ font-size: 26pt; }}
h1 {{ font-size: {overview_size}pt; font-weight: normal; margin: 0 0 6pt; }}
.overview, .overview table {{ font-size: {overview_size}pt; }}
table {{ border-collapse: collapse; table-layout: fixed; width: 100%; margin: 0 0 {size}pt; }}
tbody {{ break-inside: auto; }}
td {{ border: 1px solid black; padding: 2pt 3pt; vertical-align: middle; overflow-wrap: anywhere; }}
tr {{ height: 1.5em; }}
thead td {{ background: {head}; text-align: center; }}
h2 {{ font-size: 1.35em; font-weight: normal; margin: 0; padding: 4pt 6pt; }}
.goal h2 {{ background: {goal_band}; color: {goal_text}; }}
.policy h2 {{ background: {policy_band}; }}
.goal p, .policy p {{ margin: 3pt 0 8pt; padding: 0 6pt; }}
h3 {{ font-size: 1.3em; font-weight: normal; margin: 8pt 0 4pt; }}
</style></head><body>
{body}
</body></html>
"""


# -- page numbers --------------------------------------------------------------------------

def _squash(text: str) -> str:
    return "".join(nfkc(text).split())


def _printed_pages(pdf: Path, t: dict) -> None:
    """Each item's 体系図 page and each project's pages, as the browser laid them out.

    An item's page is where its row starts (its number and first words). A project table
    starts at its 事業 label; it goes on at the top of the next page when the first table
    there starts with anything else (tables as pdfplumber's own table finder sees them).
    """
    with pdfplumber.open(pdf) as doc:
        pages = [_squash("".join(c["text"] for c in page.chars)) for page in doc.pages]
        firsts = [[_squash((table.extract()[0][0] or "")) for table in page.find_tables()]
                  for page in doc.pages]
    t["source"]["page_count"] = len(pages)
    for item in t["items"]:
        prefix = _squash(f"{item['item_no']} {item['title']}")[:8]
        item["page"] = next(n for n, text in enumerate(pages, 1) if prefix in text)
    parts: list[list[int]] = []
    going_on = False  # the last table seen is a project's: it may go on on the next page
    for n, first_cells in enumerate(firsts, 1):
        for k, first in enumerate(first_cells):
            if going_on and k == 0 and first not in (PROJECT, INDICATOR):
                parts[-1].append(n)
                continue
            going_on = first == PROJECT
            if going_on:
                parts.append([n])
    projects = sorted(t["projects"], key=lambda p: (p["item_no"], p["project_seq"]))
    assert len(parts) == len(projects), (len(parts), len(projects))
    for project, pages_of in zip(projects, parts):
        project["pages"] = pages_of


def has_cut_row(page) -> bool:
    """Does a pdfplumber page show a row cut by its page break, as browsers print one? Text
    under the last border across the page, between borders (filled rectangles) running on."""
    rules = [r for r in page.rects if r["fill"] and min(r["width"], r["height"]) < 1]
    across = [r["bottom"] for r in rules if r["width"] > r["height"]]
    down = [r["bottom"] for r in rules if r["width"] < r["height"]]
    if not across or not down:
        return False
    return any(max(across) < c["top"] and c["bottom"] < max(down) for c in page.chars)
