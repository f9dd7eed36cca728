"""CLI: ``python -m tests.variants TRUTH.json OUT.pdf [--kangxi --reword --page-size B4 …]``.

Writes OUT.pdf and OUT.truth.json (the truth of what was drawn).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from reportlab.lib import pagesizes

from . import VariantOptions, make_variant


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tests.variants", description=__doc__)
    p.add_argument("truth", type=Path)
    p.add_argument("out_pdf", type=Path)
    for f in dataclasses.fields(VariantOptions):
        flag = "--" + f.name.replace("_", "-")
        if f.type == "bool":
            p.add_argument(flag, action="store_true")
        elif f.name == "page_size":
            p.add_argument(flag, default="A4", help="landscape paper name, e.g. A4, B4, A3")
        elif f.name == "margins":
            p.add_argument(flag, type=float, nargs=4, default=f.default, metavar=("T", "R", "B", "L"))
        elif f.name == "overview_rows_per_page":
            p.add_argument(flag, type=int, default=None)
        else:
            p.add_argument(flag, type=type(f.default), default=f.default)
    return p


def main(argv: list[str] | None = None) -> None:
    args = vars(_parser().parse_args(argv))
    truth, out_pdf = args.pop("truth"), args.pop("out_pdf")
    args["page_size"] = pagesizes.landscape(getattr(pagesizes, args["page_size"].upper()))
    args["margins"] = tuple(args["margins"])
    drawn = make_variant(json.loads(truth.read_text(encoding="utf-8")), out_pdf, VariantOptions(**args))
    out_pdf.with_suffix(".truth.json").write_text(json.dumps(drawn, ensure_ascii=False, indent=1),
                                                  encoding="utf-8")
    print(f"{out_pdf}: {drawn['source']['page_count']} pages")


if __name__ == "__main__":
    main()
