"""The lists that export, as one table: each names its screen's query, how the screen turns its URL view into
that query's variables (the screen's own function, so a filter the screen gains is exported too), and the
columns of the file."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any

from frontend import gql
from frontend.components.customer_tabs import ACTIVITIES_QUERY, activity_variables
from frontend.customer_filters import CUSTOMERS_QUERY, customer_variables
from frontend.pages.contacts import CONTACTS_QUERY, contact_variables
from frontend.pages.leads import LEADS_QUERY, lead_variables
from frontend.pages.pipeline import BIGGEST_FIRST, COLUMN_QUERY, deal_filter
from frontend.pages.tasks import TASKS_QUERY, task_filter

Cell = str | int | float | bool | None
Node = dict[str, Any]


@dataclass(frozen=True)
class Viewer:
    """Who exports, for views that depend on it ("mine", a head's team, "this week" on their calendar)."""

    id: str
    role: str
    zone: tzinfo = UTC  # the browser's time zone, as the screen has it (the command line: UTC)


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[Node], Cell]


@dataclass(frozen=True)
class ListExport:
    name: str  # as in the address /ui/export/{name}.csv and `crm export NAME`
    title: str  # the sheet's name
    document: str  # the screen's query; it takes $first and $after
    path: tuple[str, ...]  # where the connection is in the answer
    variables: Callable[[Mapping[str, str], Viewer], dict[str, Any]]  # the screen's URL view → the query's variables
    columns: tuple[Column, ...]  # none for a list exported as flat rows (`rows_document`): the API names them
    filter_variable: str = "filter"  # the variable holding the list's typed filter
    # The API's flat-row export of the list (an ExportPage at `path`), given the same variables as `document`:
    # thousands of rows/s where the screen's query runs about 600 (backend/resolvers/exports.py).
    rows_document: str = ""


def name_of(key: str) -> Callable[[Node], Cell]:
    """The name of the related record under `key` (a user, a customer), or nothing."""
    return lambda node: (node.get(key) or {}).get("name")


def field(key: str) -> Callable[[Node], Cell]:
    return lambda node: node.get(key)


def lower(key: str) -> Callable[[Node], Cell]:
    return lambda node: (node.get(key) or "").lower() or None


def day(key: str) -> Callable[[Node], Cell]:
    """A date-time as its date (UTC), as the lists show a created date."""
    return lambda node: (node.get(key) or "")[:10] or None


def amount(node: Node) -> Cell:
    money = node.get("amount")
    return money["amount"] / 100 if money else None


def deal_variables(params: Mapping[str, str], viewer: Viewer) -> dict[str, Any]:
    """The board's filters over every stage of the chosen pipeline (all pipelines when none is chosen)."""
    where, problems = deal_filter(dict(params), viewer.id, params.get("pipeline") or None)
    if problems:
        key, message = next(iter(problems.items()))
        raise gql.GqlError(f"{key}: {message}", code="BAD_USER_INPUT", field=key)
    return {"filter": where, "order": BIGGEST_FIRST}


def customer_export_variables(params: Mapping[str, str], viewer: Viewer) -> dict[str, Any]:
    """The list's view; a list sorted by a custom field exports by name (flat-row exports page by a built-in
    column, backend/resolvers/exports.py), every row still there and the sheet sortable."""
    variables = customer_variables(params)
    if "customField" in variables["orderBy"]:
        variables["orderBy"] = {"field": "NAME", "direction": "ASC"}
    return variables


def task_variables(params: Mapping[str, str], viewer: Viewer) -> dict[str, Any]:
    """The tasks view chosen by its tab (`view`), soonest due first as on screen."""
    return {"filter": task_filter(params.get("view") or "mine", viewer.role == "SALES_HEAD", viewer.zone)}


def enrolment_variables(params: Mapping[str, str], viewer: Viewer) -> dict[str, Any]:
    if not params.get("campaign"):
        raise gql.GqlError("Say which campaign: campaign=ID", code="BAD_USER_INPUT", field="campaign")
    return {"id": params["campaign"]}


ENROLEES_QUERY = """
query CampaignEnrolees($id: ID!, $first: Int, $after: String) {
  campaign(id: $id) {
    enrolees(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { name email source referrerCode createdAt } }
    }
  }
}"""

PAGE_FIELDS = "header rows endCursor hasNextPage"
CUSTOMER_ROWS = f"""
query ExportCustomers($first: Int, $after: String, $filter: CustomerFilter, $orderBy: CustomerOrder, $search: String) {{
  exportCustomers(pageSize: $first, after: $after, filter: $filter, orderBy: $orderBy, search: $search) {{ {PAGE_FIELDS} }}
}}"""
CONTACT_ROWS = f"""
query ExportContacts($first: Int, $after: String, $filter: ContactFilter, $search: String) {{
  exportContacts(pageSize: $first, after: $after, filter: $filter, search: $search) {{ {PAGE_FIELDS} }}
}}"""
LEAD_ROWS = f"""
query ExportLeads($first: Int, $after: String, $filter: LeadFilter, $search: String) {{
  exportLeads(pageSize: $first, after: $after, filter: $filter, search: $search) {{ {PAGE_FIELDS} }}
}}"""

EXPORTS = (
    ListExport("customers", "Customers", CUSTOMERS_QUERY, ("exportCustomers",), customer_export_variables, (),
               rows_document=CUSTOMER_ROWS),
    ListExport("contacts", "Contacts", CONTACTS_QUERY, ("exportContacts",), lambda p, _: contact_variables(dict(p)), (),
               rows_document=CONTACT_ROWS),
    ListExport("leads", "Leads", LEADS_QUERY, ("exportLeads",), lambda p, _: lead_variables(dict(p)), (),
               rows_document=LEAD_ROWS),
    ListExport("deals", "Deals", COLUMN_QUERY, ("deals",), deal_variables, (
        Column("Title", field("title")), Column("Customer", name_of("customer")), Column("Stage", name_of("stage")),
        Column("Amount", amount), Column("Currency", lambda n: (n.get("amount") or {}).get("currency")),
        Column("Probability %", field("probability")), Column("Expected close", field("expectedCloseDate")),
        Column("Owner", name_of("owner")),
    )),
    ListExport("activities", "Activities", ACTIVITIES_QUERY, ("activities",), lambda p, _: activity_variables(p), (
        Column("Kind", lower("kind")), Column("Title", field("title")), Column("Occurred", field("occurredAt")),
        Column("Due", field("dueAt")), Column("Task status", lower("taskStatus")), Column("By", name_of("author")),
        Column("Contact", name_of("contact")), Column("Deal", lambda n: (n.get("deal") or {}).get("title")),
        Column("Outcome", field("outcomeName")), Column("Minutes", field("durationMinutes")),
        Column("Description", field("description")),
    )),
    ListExport("tasks", "Tasks", TASKS_QUERY, ("activities",), task_variables, (
        Column("Title", field("title")), Column("Due", field("dueAt")), Column("Priority", lower("priority")),
        Column("Status", lower("taskStatus")), Column("Overdue", lambda n: "yes" if n.get("overdue") else "no"),
        Column("Customer", name_of("customer")), Column("Assignee", name_of("assignee")),
        Column("Description", field("description")),
    )),
    ListExport("enrolments", "Enrolments", ENROLEES_QUERY, ("campaign", "enrolees"), enrolment_variables, (
        Column("Name", field("name")), Column("Email", field("email")), Column("Source", field("source")),
        Column("Referral code", field("referrerCode")), Column("Enrolled", field("createdAt")),
    ), filter_variable=""),
)
LISTS = {spec.name: spec for spec in EXPORTS}
