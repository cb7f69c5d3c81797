"""CSV export of the customer list: the view the user sees, all pages, through the same GraphQL query."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from backend.reads.paging import MAX_FIRST
from backend.web.requests import authenticate
from frontend import gql
from frontend.customer_filters import CUSTOMERS_QUERY, customer_variables

COLUMNS = ("Name", "Email", "Phone", "City", "Country", "Industry", "Segment", "Status", "Account manager",
           "Tags", "Created")


def _cell(value: object) -> str:
    """Spreadsheet-safe text: a leading = + - @ would run as a formula in Excel or LibreOffice."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _row(node: dict) -> list[str]:
    manager = node.get("accountManager") or {}
    values = (node["name"], node["email"], node["phone"], node["city"], node["country"], node["industry"],
              node["segment"], node["status"].lower(), manager.get("name", ""), ", ".join(node["tags"]),
              node["createdAt"][:10])
    return [_cell(v) for v in values]


async def export_customers_csv(request: Request) -> Response:
    actor = await authenticate(request, via="ui")
    if not actor.signed_in:
        return PlainTextResponse("Sign in to export customers.", status_code=401)
    params = {k: v for k, v in request.query_params.items() if k != "after"}
    variables = customer_variables(params, first=MAX_FIRST)
    try:
        first_page = await gql.execute(actor, CUSTOMERS_QUERY, **variables)
    except gql.GqlError as error:
        return PlainTextResponse(f"Export failed: {error.message}", status_code=400)

    async def lines() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        page = first_page["customers"]
        while True:
            for edge in page["edges"]:
                writer.writerow(_row(edge["node"]))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if not page["pageInfo"]["hasNextPage"]:
                return
            variables["after"] = page["pageInfo"]["endCursor"]
            page = (await gql.execute(actor, CUSTOMERS_QUERY, **variables))["customers"]

    filename = f"customers-{date.today().isoformat()}.csv"
    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
