"""Variant plan PDFs for generality tests: another producer, fonts, geometry, numerals, data.

``make_variant(truth, out_pdf, VariantOptions(...))`` draws a plan edition from a truth dict
(schema: shared/plan/README.md) with reportlab and returns the truth of what it drew.
"""

from .build import make_variant
from .options import VariantOptions

__all__ = ["VariantOptions", "make_variant"]
