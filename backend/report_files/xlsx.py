"""A report as an XLSX workbook: title, filters and rate date on top, then the table (numbers as numbers, money
in the base currency's major units, rates as percentages) and a bar chart of the charted measure beside it."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from backend.report_files.table import Table

FORMATS = {"SUM": "#,##0.00", "WEIGHTED_SUM": "#,##0.00", "AVERAGE": "#,##0.00", "WIN_RATE": "0%", "CYCLE_DAYS": "0.0"}
BOLD = Font(bold=True)


def _text(sheet: Worksheet, row: int, column: int, value: str, bold: bool = False) -> None:
    """Text as a string cell, which no spreadsheet evaluates (a group named "=cmd…" stays text)."""
    cell = sheet.cell(row=row, column=column, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    if bold:
        cell.font = BOLD


def _figures(sheet: Worksheet, row: int, table: Table, values: dict[str, Any], bold: bool = False) -> None:
    first = len(table.dimensions) + 1
    for offset, measure in enumerate(table.measures):
        number, shown = table.values(values)[offset]
        cell = sheet.cell(row=row, column=first + offset, value=None if shown == "–" else number)
        cell.number_format = FORMATS.get(measure, "0")
        if bold:
            cell.font = BOLD


def workbook(table: Table) -> bytes:
    book = Workbook()
    sheet = book.create_sheet("Report", 0)
    book.remove(book.worksheets[1])
    _text(sheet, 1, 1, table.title, bold=True)
    sheet["A1"].font = Font(bold=True, size=14)
    lines = [*table.filters, table.rates, f"Made {table.made_at:%d %b %Y %H:%M} UTC"]
    for i, line in enumerate(lines):
        _text(sheet, 2 + i, 1, line)
    head = 3 + len(lines)
    for column, title in enumerate(table.headers, start=1):
        _text(sheet, head, column, title, bold=True)
    for i, row in enumerate(table.rows, start=head + 1):
        for column, label in enumerate(table.labels(row), start=1):
            _text(sheet, i, column, label)
        _figures(sheet, i, table, row)
    last = head + len(table.rows)
    _text(sheet, last + 1, 1, "All", bold=True)
    _figures(sheet, last + 1, table, table.total, bold=True)
    for column in range(1, len(table.headers) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 16 if column > 1 else 28
    if table.rows:
        chart = BarChart()
        chart.type, chart.title, chart.legend = "bar", dict(zip(table.measures, table.headers[len(table.dimensions):],
                                                                strict=True))[table.chart], None
        column = len(table.dimensions) + 1 + table.measures.index(table.chart)
        chart.add_data(Reference(sheet, min_col=column, min_row=head + 1, max_row=last))
        chart.set_categories(Reference(sheet, min_col=1, min_row=head + 1, max_row=last))
        chart.y_axis.title = chart.title
        sheet.add_chart(chart, f"{get_column_letter(len(table.headers) + 2)}{head}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
