"""Exports of any list to CSV or XLSX: the view the user has on screen, every page of it, read through the
screen's own GraphQL query as that user (so row rules apply), streamed, and audited as an export.

The lists and their columns are one table (frontend/export_lists.py); this module is the one shape they
all share: the HTTP download of the UI, and `crm export` on the command line.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as default
from datetime import UTC, date, tzinfo
from functools import cache
from typing import IO, Any

import anyio
from graphql import REMOVE, FieldNode, Visitor, parse, print_ast, visit
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as XlsxCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from backend.auth.actor import Actor
from backend.reads.paging import MAX_FIRST
from backend.report_files import pdf as report_pdf
from backend.report_files import table as report_files
from backend.report_files import xlsx as report_xlsx
from backend.web.requests import authenticate
from frontend import gql
from frontend.export_lists import LISTS, Cell, ListExport, Viewer
from frontend.pages.reports import report_view
from frontend.session import zone_of

FORMATS = ("csv", "xlsx")
ME = "query ExportViewer { me { id role } }"
RECORD = "mutation RecordExport($input: RecordExportInput!) { recordExport(input: $input) }"
CHUNK = 64 * 1024
# Excel reads a CSV without a byte order mark in the machine's legacy code page ("MÃ¼ller" for "Müller"); with
# it, as UTF-8. LibreOffice, Numbers, pandas (encoding="utf-8-sig") and Python's csv on utf-8-sig read it too.
BOM = "\ufeff"
SPOOL = 8 * 1024 * 1024  # an XLSX up to this size stays in memory; a bigger one goes to a temporary file

# Text a spreadsheet would evaluate when it opens a CSV: = + - @ start a formula, and a leading tab or CR is
# how the same is smuggled past naive checks. A value starting with + or - made only of digits, spaces and
# . , ( ) / - + is a number or a phone number ("+33 1 23 45 67 89", "-12.5"): no function, cell reference or
# DDE call can be written with those characters, so it is left as it is for the other tools that read CSV.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-][\d\s.,()/+-]*\d[\d\s.,()/+-]*")


def csv_cell(value: Cell) -> str:
    """A CSV field: text a spreadsheet would run as a formula gets a leading apostrophe, the mark Excel and
    LibreOffice read as "this is text" (the cell shows the text as written)."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def xlsx_cell(sheet: WriteOnlyWorksheet, value: Cell) -> XlsxCell:
    """An XLSX cell: text is written as a string cell, which no spreadsheet evaluates, so nothing is altered;
    numbers stay numbers. Control characters XML cannot hold are dropped."""
    if not isinstance(value, str):
        return WriteOnlyCell(sheet, value=value)
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"  # openpyxl would store text starting with "=" as a formula
    return cell


class ExportError(Exception):
    """An export that cannot start: the HTTP status and message to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404}


def _refused(error: gql.GqlError) -> ExportError:
    return ExportError(STATUS.get(error.code, 400), error.message)


async def _viewer(actor: Actor, zone: tzinfo) -> Viewer:
    if actor.user_id is None:  # the command line's system actor: no user behind it, admin rights
        return Viewer(id="", role=actor.role.name if actor.role else "", zone=zone)
    me = (await gql.execute(actor, ME)).get("me") or {}
    return Viewer(id=str(me.get("id") or ""), role=str(me.get("role") or ""), zone=zone)


class _DropCounts(Visitor):
    def enter_field(self, node: FieldNode, *_: object) -> object:
        return REMOVE if node.name.value == "totalCount" else None


@cache
def without_counts(document: str) -> str:
    """The screen's document without `totalCount`: the screen shows it once; asked on every page of an
    export it would count the whole list again for each 100 rows."""
    return print_ast(visit(parse(document), _DropCounts()))


def _document(spec: ListExport) -> str:
    return spec.rows_document or without_counts(spec.document)


def _connection(data: dict[str, Any], path: Sequence[str]) -> dict[str, Any]:
    for key in path:
        data = data[key]
    return data


@dataclass
class Export:
    """One running export: opened once the first page is read (so a refusal is an HTTP error, not a broken
    file), then its rows are read page by page while they are written."""

    actor: Actor
    spec: ListExport
    variables: dict[str, Any]
    first_page: dict[str, Any]
    rows: int = 0
    complete: bool = False
    file_format: str = "csv"
    _done: bool = default(default=False, repr=False)

    @classmethod
    async def open(cls, actor: Actor, name: str, params: Mapping[str, str], file_format: str = "csv",
                   filter_fields: Mapping[str, Any] | None = None, zone: tzinfo = UTC) -> Export:
        """The export of list `name` with the screen's view `params` (its URL query); `filter_fields` are
        extra fields of the list's GraphQL filter, whatever they are (`crm export --filter`); `zone` is the
        viewer's, for views read on their calendar (tasks due this week)."""
        spec = LISTS.get(name)
        if spec is None:
            raise ExportError(404, f"No list named {name!r}; lists: {', '.join(LISTS)}")
        if file_format not in FORMATS:
            raise ExportError(400, f"format must be one of {', '.join(FORMATS)}")
        if not actor.signed_in and not actor.is_system:
            raise ExportError(401, "Sign in to export.")
        try:
            variables = spec.variables(params, await _viewer(actor, zone))
            if filter_fields and not spec.filter_variable:
                raise ExportError(400, f"{name} has no filter")
            if filter_fields:
                variables[spec.filter_variable] = {**(variables.get(spec.filter_variable) or {}), **filter_fields}
            variables.update(first=None if spec.rows_document else MAX_FIRST, after=None)  # None: the API's page
            first = _connection(await gql.execute(actor, _document(spec), **variables), spec.path)
        except gql.GqlError as error:
            raise _refused(error) from None
        return cls(actor, spec, variables, first, file_format=file_format)

    async def pages(self) -> AsyncIterator[list[list[Cell]]]:
        """The rows a page at a time (the API's flat rows, or MAX_FIRST nodes as the columns' values)."""
        page = self.first_page
        while True:
            if self.spec.rows_document:
                rows, info = page["rows"], page
            else:
                rows = [[column.value(edge["node"]) for column in self.spec.columns] for edge in page["edges"]]
                info = page["pageInfo"]
            self.rows += len(rows)
            yield rows
            if not info["hasNextPage"]:
                self.complete = True
                return
            self.variables["after"] = info["endCursor"]
            page = _connection(await gql.execute(self.actor, _document(self.spec), **self.variables), self.spec.path)

    async def record(self) -> None:
        """The audit entry (once): who exported which list, with which view, how many rows, and whether the
        download ran to its end. Shielded: a download the client broke off is still recorded."""
        if self._done:
            return
        self._done = True
        view = {k: v for k, v in self.variables.items() if k not in ("first", "after")}
        with anyio.CancelScope(shield=True):
            await gql.execute(self.actor, RECORD, input={"list": self.spec.name.upper(), "format": self.file_format.upper(),
                                                         "view": view, "rows": self.rows, "complete": self.complete})

    def header(self) -> list[str]:
        if self.spec.rows_document:
            return list(self.first_page["header"])
        return [column.title for column in self.spec.columns]

    async def csv_chunks(self) -> AsyncIterator[str]:
        """The CSV, a page at a time: the first rows leave before the second page is read."""
        buffer = io.StringIO()
        buffer.write(BOM)
        writer = csv.writer(buffer)
        writer.writerow(self.header())
        try:
            async for rows in self.pages():
                writer.writerows([csv_cell(v) for v in row] for row in rows)
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        finally:
            await self.record()

    async def xlsx_file(self) -> IO[bytes]:
        """The XLSX in a spooled temporary file, rewound. openpyxl's write-only sheet keeps its rows in a
        temporary file as they are appended; the workbook is a zip archive, written once the sheet is whole."""
        book = Workbook(write_only=True)
        sheet = book.create_sheet(self.spec.title)
        sheet.append(self.header())
        try:
            async for rows in self.pages():
                for row in rows:
                    sheet.append([xlsx_cell(sheet, v) for v in row])
            spool = tempfile.SpooledTemporaryFile(max_size=SPOOL)  # noqa: SIM115 (closed by its reader)
            await anyio.to_thread.run_sync(book.save, spool)  # zipping a large sheet takes a while: not on the loop
        finally:
            await self.record()
        spool.seek(0)
        return spool

    async def xlsx_chunks(self) -> AsyncIterator[bytes]:
        spool = await self.xlsx_file()
        try:
            while chunk := spool.read(CHUNK):
                yield chunk
        finally:
            spool.close()

    def chunks(self) -> AsyncIterator[str] | AsyncIterator[bytes]:
        return self.csv_chunks() if self.file_format == "csv" else self.xlsx_chunks()


def media_type(file_format: str) -> str:
    return ("text/csv; charset=utf-8" if file_format == "csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


async def download(request: Request) -> Response:
    """GET /ui/export/{list}.{csv|xlsx}?<the screen's view>: the file, as the signed-in user sees the list."""
    actor = await authenticate(request, via="ui")
    name, file_format = request.path_params["name"], request.path_params["format"]
    if name == "report":
        return await report_download(actor, request, file_format)
    params = {k: v for k, v in request.query_params.items() if k != "after"}  # every page, not the one on screen
    try:
        export = await Export.open(actor, name, params, file_format, zone=zone_of(dict(request.scope)))
    except ExportError as error:
        return PlainTextResponse(error.message, status_code=error.status)
    filename = f"{name}-{date.today().isoformat()}.{file_format}"
    return StreamingResponse(
        export.chunks(),
        media_type=media_type(file_format),
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


REPORT_FORMATS = {"xlsx": media_type("xlsx"), "pdf": "application/pdf"}


async def report_download(actor: Actor, request: Request, file_format: str) -> Response:
    """GET /ui/export/report.{xlsx|pdf}?<the /reports screen's view>: the report on screen as a file, read as the
    signed-in user (their row rules), and audited like a list's export."""
    if file_format not in REPORT_FORMATS:
        return PlainTextResponse("A report exports as xlsx or pdf.", status_code=400)
    if not actor.signed_in:
        return PlainTextResponse("Sign in to export.", status_code=401)
    view = await _viewer(actor, zone_of(dict(request.scope)))
    input, chart, problems = report_view(dict(request.query_params), view.id)
    if problems:
        key, message = next(iter(problems.items()))
        return PlainTextResponse(f"{key}: {message}", status_code=400)
    try:
        table = await report_files.read(actor, input, chart)
    except report_files.ReportError as error:
        return PlainTextResponse(error.message, status_code=STATUS.get(error.code, 400))
    write = report_xlsx.workbook if file_format == "xlsx" else report_pdf.document
    content = await anyio.to_thread.run_sync(write, table)
    await gql.execute(actor, RECORD, input={"list": "REPORT", "format": file_format.upper(), "view": input,
                                            "rows": len(table.rows), "complete": True})
    filename = f"report-{date.today().isoformat()}.{file_format}"
    return Response(content, media_type=REPORT_FORMATS[file_format],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
