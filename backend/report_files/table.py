"""A report as a table of text and numbers: what the XLSX, the PDF, the weekly mail and the /reports screen show.

The report is read with the API's own `report` query, run in-process as the reader (backend.graphql.root), so a
file holds exactly the groups and figures the reader's screen shows, under the reader's row rules at that time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from backend.auth.actor import Actor
from backend.graphql.root import schema
from backend.reads.context import Context
from backend.reads.paging import MAX_FIRST

DIMENSIONS = (("STAGE", "Stage"), ("OWNER", "Owner"), ("TEAM", "Team"), ("CLOSE_MONTH", "Month of close"),
              ("INDUSTRY", "Industry"), ("COUNTRY", "Country"), ("LOST_REASON", "Lost reason"),
              ("CAMPAIGN", "Campaign"))
MEASURES = (("COUNT", "Deals"), ("SUM", "Amount"), ("WEIGHTED_SUM", "Weighted amount"), ("AVERAGE", "Average deal"),
            ("WIN_RATE", "Win rate"), ("CYCLE_DAYS", "Cycle (days)"))
FIELD = {"COUNT": "count", "SUM": "sum", "WEIGHTED_SUM": "weightedSum", "AVERAGE": "average", "WIN_RATE": "winRate",
         "CYCLE_DAYS": "cycleDays"}
MONEY = "{ amount currency }"
FIGURES = f"count sum {MONEY} weightedSum {MONEY} average {MONEY} winRate cycleDays"
KEYS = "stage { name position kind } owner { name } team { name } month industry country lostReason { name } campaign { title }"
# The report's part of a query (the screen adds its pickers' lists to it).
REPORT_FIELDS = f"""report(input: $input) {{
    groupCount currency ratesAsOf missingRates rates {{ currency rate }}
    rows(first: {MAX_FIRST}) {{ {KEYS} {FIGURES} }}
    total {{ {FIGURES} }}
  }}"""
FILE_QUERY = f"""query ReportFile($input: DealReportInput!) {{
  {REPORT_FIELDS}
  users(first: {MAX_FIRST}) {{ edges {{ node {{ id name }} }} }}
}}"""
CUSTOMER_QUERY = "query ReportCustomer($id: ID!) { customer(id: $id) { id name } }"


class ReportError(Exception):
    """The API refused the report: its contract code, message and input field."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


async def _run(context: Context, document: str, **variables: Any) -> dict[str, Any]:
    result = await schema.execute(document, variable_values=variables, context_value=context)
    if result.errors:
        extensions = result.errors[0].extensions or {}
        raise ReportError(str(extensions.get("code", "INTERNAL")), result.errors[0].message, extensions.get("field"))
    return result.data or {}


def group_label(row: dict[str, Any], dimension: str) -> str:
    """A group's key as people read it ("None" for a group without one)."""
    named = {"STAGE": "stage", "OWNER": "owner", "TEAM": "team", "LOST_REASON": "lostReason"}
    if dimension in named:
        return (row[named[dimension]] or {}).get("name") or "None"
    if dimension == "CAMPAIGN":
        return (row["campaign"] or {}).get("title") or "None"
    if dimension == "CLOSE_MONTH":
        return date.fromisoformat(row["month"]).strftime("%b %Y") if row["month"] else "No date"
    return row[dimension.lower()] or "Not given"


def money_text(value: dict[str, Any]) -> str:
    major = value["amount"] / 100
    return f"{value['currency']} {major:,.0f}" if major == int(major) or abs(major) >= 1000 else \
        f"{value['currency']} {major:,.2f}"


def figure(row: dict[str, Any], measure: str) -> tuple[float, str]:
    """A measure as a number (money in major units, a rate as 0..1) and as text for people."""
    value = row[FIELD[measure]]
    if value is None:
        return 0.0, "–"
    if isinstance(value, dict):
        return value["amount"] / 100, money_text(value)
    if measure == "WIN_RATE":
        return value, f"{value:.0%}"
    if measure == "CYCLE_DAYS":
        return value, f"{value:.1f}"
    return value, str(value)


def day_text(value: str | None) -> str:
    return datetime.fromisoformat(value).strftime("%d %b %Y") if value else ""


def rates_text(report: dict[str, Any]) -> str:
    """Which rates the amounts were converted with, and as of when: printed under every report."""
    rates = ", ".join(f"{r['currency']} {r['rate']}" for r in report["rates"])
    parts = [f"Amounts in the base currency; rates as of {day_text(report['ratesAsOf'])}: {rates}."
             if rates else "Every deal is in the base currency."]
    if report["missingRates"]:
        parts.append(f"No rate for {', '.join(report['missingRates'])}: those amounts are left out of sums.")
    return " ".join(parts)


@dataclass(frozen=True)
class Table:
    """One report ready to print: its keys and measures as columns, a row per group, the total last."""

    title: str
    dimensions: list[str]  # the groupBy, one or two
    measures: list[str]  # the measures shown, in MEASURES order
    chart: str  # the measure the chart draws
    filters: list[str]  # "Owner: Rita Rep", one line per filter ("All deals you may see" when none)
    rates: str  # rates_text
    rates_as_of: str | None
    rows: list[dict[str, Any]]  # as the API answers
    total: dict[str, Any]
    group_count: int
    made_at: datetime

    @property
    def headers(self) -> list[str]:
        return [dict(DIMENSIONS)[d] for d in self.dimensions] + [dict(MEASURES)[m] for m in self.measures]

    def labels(self, row: dict[str, Any]) -> list[str]:
        return [group_label(row, d) for d in self.dimensions]

    def values(self, row: dict[str, Any]) -> list[tuple[float, str]]:
        return [figure(row, m) for m in self.measures]

    def bars(self) -> list[tuple[str, float, str]]:
        """The chart: (group, value, value as shown) per group of the first dimension."""
        return [(" / ".join(self.labels(r)), *figure(r, self.chart)) for r in self.rows]


def filter_lines(where: dict[str, Any], people: dict[str, str], customers: dict[str, str]) -> list[str]:
    """The report's filter in words (the DealFilter as the API takes it, camelCase)."""
    lines = []
    if where.get("ownerId"):
        lines.append("Owner: " + ", ".join(people.get(i, f"#{i}") for i in where["ownerId"]))
    if where.get("customerId"):
        lines.append("Customer: " + ", ".join(customers.get(i, f"#{i}") for i in where["customerId"]))
    amount = where.get("amount") or {}
    if amount:
        bounds = [f"from {amount['min'] / 100:,.2f}" if amount.get("min") is not None else "",
                  f"up to {amount['max'] / 100:,.2f}" if amount.get("max") is not None else ""]
        lines.append("Amount (own currency): " + " ".join(b for b in bounds if b))
    close = where.get("expectedClose") or {}
    if close:
        lines.append("Expected close: " + " – ".join(filter(None, (close.get("start"), close.get("end")))))
    for key, title in (("stageKind", "Stage kind"), ("currency", "Currency")):
        if where.get(key):
            lines.append(f"{title}: " + ", ".join(str(v).lower() if key == "stageKind" else str(v) for v in where[key]))
    return lines or ["All deals you may see"]


async def read(actor: Actor, input: dict[str, Any], chart: str = "SUM", title: str = "") -> Table:
    """The report `input` (DealReportInput as JSON) as `actor` sees it now; ReportError when the API refuses it."""
    context = Context(actor=actor, request_id=uuid.uuid4().hex[:16])
    data = await _run(context, FILE_QUERY, input=input)
    where = input.get("filter") or {}
    customers = {}
    for raw in (where.get("customerId") or [])[:10]:  # the board filters by one customer; a name each
        try:
            found = (await _run(context, CUSTOMER_QUERY, id=raw))["customer"]
        except ReportError:
            continue
        customers[found["id"]] = found["name"]
    report = data["report"]
    people = {e["node"]["id"]: e["node"]["name"] for e in data["users"]["edges"]}
    dimensions = list(input["groupBy"])
    measures = [m for m, _ in MEASURES if m in input["measures"]]
    names = " and ".join(dict(DIMENSIONS)[d].lower() for d in dimensions)
    return Table(
        title=title or f"Deals by {names}", dimensions=dimensions, measures=measures,
        chart=chart if chart in measures else measures[0], filters=filter_lines(where, people, customers),
        rates=rates_text(report), rates_as_of=report["ratesAsOf"], rows=report["rows"], total=report["total"],
        group_count=report["groupCount"], made_at=datetime.now(UTC),
    )
