"""make_variant: truth dict → a differently produced plan PDF + the truth of what was drawn."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from . import style
from .canvas import Document, Flow
from .detail import DetailWriter
from .fonts import respell_text_layer, typeface
from .options import VariantOptions
from .overview import draw_overview
from .printed import LOOKALIKES, digits, era_year, fiscal_year
from .revise import plan_years, revise

TITLE = "群馬県行財政改革大綱"
SUBTITLE = "～職員一人ひとりが始動人となり、攻めの群馬県政を実現する～"


def make_variant(truth: dict, out_pdf: Path, options: VariantOptions | None = None) -> dict:
    """Render ``truth`` as a variant edition into ``out_pdf``; returns the truth of the drawn PDF."""
    options = options or VariantOptions()
    out_pdf = Path(out_pdf)
    face = typeface(options.font, need_truetype=options.kangxi or options.lookalikes)
    t = revise(truth, options, face)
    years = plan_years(t)
    year = partial(fiscal_year, reiwa=options.reiwa_years, fullwidth=options.fullwidth_digits)
    doc = Document(face, options.page_size, options.margins, use_kangxi=options.kangxi,
                   filled_borders=options.filled_borders)
    size = options.font_size
    top = options.page_size[1] - options.margins[0] - size * 2.5
    bottom = options.margins[2] + size * 2.5

    _cover(doc, t, options)
    item_pages = draw_overview(t, options, Flow(doc, top, bottom), size * style.OVERVIEW_SCALE)
    writer = DetailWriter(t, options, Flow(doc, top, bottom), size, years, year)
    project_pages: dict[tuple, list[int]] = {}
    for item in sorted(t["items"], key=lambda it: it["item_no"]):
        projects = sorted((p for p in t["projects"] if p["item_no"] == item["item_no"]),
                          key=lambda p: p["project_seq"])
        indicators = sorted((i for i in t["indicators"] if i["item_no"] == item["item_no"]),
                            key=lambda i: i["seq"])
        if projects or indicators:
            project_pages.update(writer.item(item, projects, indicators))
    header = f"{TITLE}（{year(years[0])}～{year(years[-1])}）実施計画"
    _decorate(doc, header, size)
    doc.render(out_pdf, producer=options.producer, title=f"{TITLE} 実施計画")
    if options.lookalikes:
        respell_text_layer(out_pdf, LOOKALIKES)

    for kind, key in (("goal", "goals"), ("policy", "policies")):
        for row in t[key]:  # a description only shows on a band, and bands only on detail pages
            if (kind, row[f"{kind}_no"]) not in writer.banded:
                row["description"] = None
    for item in t["items"]:
        item["page"] = item_pages[item["item_no"]]
    for project in t["projects"]:
        project["pages"] = project_pages[("project", project["item_no"], project["project_seq"])]
    t["source"].update(file=out_pdf.name, page_count=len(doc.pages), notes=_notes(truth, options))
    return t


def _notes(truth: dict, options: VariantOptions) -> list[str]:
    """What this edition is; the source truth's notes may no longer hold (bars, actuals …)."""
    notes = [f"Variant of {truth['source']['file']} drawn with reportlab by tests/variants.",
             f"Options: {options}",
             "Text fields hold the cell text with soft wraps removed; hard breaks are \\n.",
             "'(総)総務課' etc. on the detail pages are expanded in the truth.",
             "Goal/policy descriptions are null where no detail page shows their band."]
    if options.kangxi:
        notes.append("The text layer uses Kangxi radicals for some kanji; the truth holds the "
                     "unified kanji (equal under NFKC).")
    if options.lookalikes:
        notes.append("The text layer spells 民 長 心 日 ・ with CJK radical / punctuation "
                     "look-alikes; the truth holds what a reader sees.")
    return notes


def _cover(doc: Document, t: dict, options: VariantOptions) -> None:
    """Cover: title lines, edition date (策定, or 改定 for a revised edition), issuer."""
    page = doc.new_page()
    w, h = options.page_size
    year, month = (int(x) for x in t["source"]["edition"].split("-"))
    fw, reiwa = options.fullwidth_digits, options.reiwa_years
    verb = "改定" if options.reword else "策定"
    lines = [(TITLE, 24), (SUBTITLE, 11), ("実施計画", 26),
             ("（試験用の合成データ）" if t["source"]["synthetic"] else "(抜粋・別版)", 11),
             (f"{era_year(year, reiwa, fw)}年{digits(str(month), fw)}月{verb}", 12), ("群馬県", 14)]
    y = h * 0.78
    for text, size in lines:
        doc.text(page, w / 2, y, text, size, anchor="center")
        y -= size * 2.6


def _decorate(doc: Document, header: str, size: float) -> None:
    """Every page but the cover: running header on top, ``- N -`` at the bottom."""
    w, h = doc.page_size
    for page in range(2, len(doc.pages) + 1):
        doc.text(page, w / 2, h - doc.margins[0] - size, header, size, anchor="center")
        doc.text(page, w / 2, doc.margins[2] - size, f"- {page} -", size, anchor="center")
