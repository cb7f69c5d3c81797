"""Exports: what a client reports about an export it ran, for the audit log, and the pages of flat rows the
largest lists export through."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.scalars import JSON


@strawberry.enum(description="The lists that export")
class ExportList(Enum):
    CUSTOMERS = "customers"
    CONTACTS = "contacts"
    LEADS = "leads"
    DEALS = "deals"
    ACTIVITIES = "activities"
    TASKS = "tasks"
    ENROLMENTS = "enrolments"
    REPORT = "report"


@strawberry.enum(description="File formats of an export")
class ExportFormat(Enum):
    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"


@strawberry.input(description="An export that ran: recorded in the audit log as who exported which view of a list")
class RecordExportInput:
    list: ExportList = strawberry.field(description="The list exported")
    format: ExportFormat = strawberry.field(description="CSV, XLSX, or PDF (reports)")
    view: JSON | None = strawberry.field(default=None, description="The variables of the list's query: filter, search, order")
    rows: int = strawberry.field(description="Rows written")
    complete: bool = strawberry.field(default=True, description="false when the download stopped before the end")


EXPORT_PAGE = 2000  # rows per page of an export: flat rows cost a few fields a page, not a dozen a row


@strawberry.type(description="One page of a list as the rows of a spreadsheet: what an export writes")
class ExportPage:
    header: list[str] = strawberry.field(description="Column titles, in the order of each row's cells")
    rows: JSON = strawberry.field(description="The rows, each a list of cells (text, number or null)")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page")
    has_next_page: bool = strawberry.field(description="More rows follow `endCursor`")
