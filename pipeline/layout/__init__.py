"""The layout model: a PDF page as plain data, and the geometry that recovers tables from it.

Stage 1 of the pipeline. ``read`` turns a pdfplumber page into a :class:`PageLayout` once;
``grid`` recovers cells with spans from ruling segments; ``text`` turns characters into
lines and cell text; ``tables`` joins tables that continue over a page break.
"""
