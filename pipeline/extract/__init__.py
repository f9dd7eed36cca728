"""Stage 2: read the plan out of the layout model into the contract's tables.

``overview`` reads the 体系図, ``detail`` the detail sheets, ``coverage`` keeps the ledger
of which character went where, ``assemble`` turns the records into DataFrames.
"""

from .run import Extraction, extract_pdf

__all__ = ["Extraction", "extract_pdf"]
