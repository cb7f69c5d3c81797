"""A report as a PDF (fpdf2): title, the filters in words, the rates and their date, the table with its total,
and a horizontal bar chart of the charted measure drawn with fpdf2's rectangles and text.

The PDF's built-in Helvetica holds Latin-1 only; a name beyond it is printed with its accents dropped ("Łódź"
→ "Lódz") rather than shipping a font file of several megabytes."""

from __future__ import annotations

import unicodedata

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from backend.report_files.table import Table

PAGE_WIDTH = 277  # A4 landscape less 10 mm margins
ROW = 6
BAR_COLOUR = (37, 99, 235)
SWAPS = {"–": "-", "—": "-", "…": "...", "€": "EUR", "’": "'", "“": '"', "”": '"', "•": "-", "Ł": "L", "ł": "l",
         "Đ": "D", "đ": "d", "ı": "i", "Œ": "OE", "œ": "oe"}


def latin(text: str) -> str:
    """`text` in the characters Helvetica has: common punctuation swapped, accents beyond Latin-1 dropped."""
    for wide, narrow in SWAPS.items():
        text = text.replace(wide, narrow)
    return "".join(c if ord(c) < 256 else _base(c) for c in text)


def _base(char: str) -> str:
    """A letter beyond Latin-1 as its base letter ("ź" → "z"), anything else as "?"."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", char) if ord(c) < 256 and not unicodedata.combining(c))
    return plain or "?"


def _fit(pdf: FPDF, text: str, width: float) -> str:
    text = latin(text)
    while text and pdf.get_string_width(text) > width - 2:
        text = text[:-2] + "."
    return text


def _table(pdf: FPDF, table: Table) -> None:
    keys = len(table.dimensions)
    label_width = 60 if keys == 1 else 45
    width = (PAGE_WIDTH - label_width * keys) / max(len(table.measures), 1)
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_fill_color(235, 238, 245)
    for i, title in enumerate(table.headers):
        pdf.cell(label_width if i < keys else width, ROW, _fit(pdf, title, label_width if i < keys else width),
                 border="B", align="L" if i < keys else "R", fill=True)
    pdf.ln(ROW)
    pdf.set_font("Helvetica", "", 9)

    def line(labels: list[str], shown: list[str], bold: bool = False) -> None:
        if pdf.will_page_break(ROW):
            pdf.add_page()
        pdf.set_font("Helvetica", "B" if bold else "", 9)
        for label in labels:
            pdf.cell(label_width, ROW, _fit(pdf, label, label_width), border="B" if not bold else "T")
        for text in shown:
            pdf.cell(width, ROW, _fit(pdf, text, width), border="B" if not bold else "T", align="R")
        pdf.ln(ROW)

    for row in table.rows:
        line(table.labels(row), [shown for _, shown in table.values(row)])
    line(["All"] + [""] * (keys - 1), [shown for _, shown in table.values(table.total)], bold=True)


def _chart(pdf: FPDF, table: Table) -> None:
    bars = table.bars()
    if not bars:
        return
    title = dict(zip(table.measures, table.headers[len(table.dimensions):], strict=True))[table.chart]
    bar, gap, labels, room = 5.0, 2.0, 60.0, 40.0
    if pdf.will_page_break(14 + len(bars) * (bar + gap)):
        pdf.add_page()
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 8, latin(f"{title} by {' and '.join(h.lower() for h in table.headers[:len(table.dimensions)])}"))
    pdf.ln(9)
    top = max((value for _, value, _ in bars), default=0) or 1
    span = PAGE_WIDTH - labels - room
    left = pdf.l_margin + labels
    pdf.set_font("Helvetica", "", 8)
    y = pdf.get_y()
    pdf.set_draw_color(120, 120, 120)
    pdf.line(left, y - 1, left, y + len(bars) * (bar + gap))
    for label, value, shown in bars:
        if pdf.will_page_break(bar + gap):
            pdf.add_page()
            y = pdf.get_y()
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(labels - 2, bar, _fit(pdf, label, labels - 2), align="R")
        length = max(0.0, value) / top * span
        pdf.set_fill_color(*BAR_COLOUR)
        if length > 0:
            pdf.rect(left, y, length, bar, style="F")
        pdf.set_xy(left + length + 1, y)
        pdf.cell(room, bar, latin(shown))
        y += bar + gap
    pdf.set_y(y)


def document(table: Table) -> bytes:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(latin(table.title))
    pdf.set_creator("CRM")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, latin(table.title))
    pdf.ln(11)
    pdf.set_font("Helvetica", "", 9)
    for text in [*table.filters, table.rates, f"Made {table.made_at:%d %b %Y %H:%M} UTC"]:
        pdf.multi_cell(0, 5, latin(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if table.group_count > len(table.rows):
        pdf.multi_cell(0, 5, f"The {len(table.rows)} largest of {table.group_count} groups.", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
    pdf.ln(3)
    _table(pdf, table)
    _chart(pdf, table)
    return bytes(pdf.output())
