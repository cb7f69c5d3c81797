"""Customers: search, filter, sort and page the list; export the view; create a customer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from reactpy import (
    component,
    event,
    html,
    use_async_effect,
    use_state,
)
from reactpy.types import VdomDict

from backend.reads.paging import MAX_FIRST
from frontend import format as fmt
from frontend import gql
from frontend.components.countries import country_code, country_input, country_list, country_name
from frontend.components.customer_checks import customer_form_errors
from frontend.components.customer_fields import (
    ASSIGNABLE_MANAGERS,
    handover_notice,
    manager_select,
    managers,
    segment_select,
)
from frontend.components.listing import SearchInput
from frontend.components.prefs import use_browser_pref
from frontend.components.ui import (
    badge,
    cell,
    changed_value,
    empty,
    error_banner,
    field,
    form_values,
    loading,
    select,
    text_input,
    use_form_errors,
)
from frontend.customer_filters import (
    CUSTOMERS_QUERY,
    FILTER_KEYS,
    customer_variables,
    view_query,
)
from frontend.router import Route, use_nav
from frontend.session import use_query, use_session

STATUSES = ("draft", "prospect", "active", "inactive", "churned", "blocked")
FACETS_QUERY = f"""
query CustomerFacets {{
  customers(first: {MAX_FIRST}, orderBy: {{field: UPDATED_AT, direction: DESC}}) {{
    edges {{ node {{ industry segment country tags }} }}
  }}
  users(first: {MAX_FIRST}) {{ edges {{ node {{ id name role }} }} }}
  {ASSIGNABLE_MANAGERS}
}}"""
CREATE_CUSTOMER = """
mutation CreateCustomer($input: CreateCustomerInput!) { createCustomer(input: $input) { id name } }"""
SAME_CUSTOMERS = """
query SameCustomers($name: String, $email: String) { sameCustomers(name: $name, email: $email) { id name email } }"""


@dataclass(frozen=True)
class Column:
    """A column of the list: `key` names it in the column chooser and in what the browser remembers, `sort`
    is the API's sort field ("" if it sorts by none), `width` its share of the table's width in percent."""

    key: str
    label: str
    sort: str
    width: int
    value: Callable[[dict[str, Any]], Any]
    className: str = ""


def _manager_name(node: dict[str, Any]) -> Any:
    manager = node.get("accountManager")
    return manager["name"] if manager else html.span({"className": "muted"}, "Unassigned")


# Widths add up to 100 with every column shown; with fewer, the browser scales them. Together with the
# fixed table layout this keeps the list inside the screen (1440 px and narrower) instead of scrolling
# sideways; long emails end in an ellipsis and show in full on hover.
COLUMNS = (
    Column("name", "Name", "name", 15,
           lambda n: html.a({"href": f"/customers/{n['id']}", "className": "row-link"}, n["name"])),
    Column("email", "Email", "", 14, lambda n: n["email"], "muted clip"),
    Column("phone", "Phone", "", 12, lambda n: n["phone"], "muted nowrap"),
    Column("country", "Country", "country", 7, lambda n: n["country"]),
    Column("industry", "Industry", "industry", 12, lambda n: n["industry"]),
    Column("segment", "Segment", "", 9, lambda n: n["segment"]),
    Column("status", "Status", "status", 9, lambda n: badge(n["status"])),
    Column("manager", "Account manager", "", 12, _manager_name),
    Column("created", "Created", "created", 10, lambda n: fmt.day(n["createdAt"]), "nowrap"),
)
ALWAYS_SHOWN = "name"  # the link to the customer
COLUMNS_PREF = "customers.columns"


def shown_columns(stored: str) -> tuple[Column, ...]:
    """The columns a stored choice ("email,status,…") names, in the list's order; the name always."""
    chosen = set(stored.split(",")) | {ALWAYS_SHOWN}
    return tuple(c for c in COLUMNS if c.key in chosen)


def facet_options(data: dict[str, Any] | None) -> dict[str, list[str]]:
    nodes = [e["node"] for e in (data or {}).get("customers", {}).get("edges", [])]
    values = {key: sorted({n[key] for n in nodes if n[key]}) for key in ("industry", "segment", "country")}
    values["country"].sort(key=country_name)  # shown by name
    values["tag"] = sorted({t for n in nodes for t in n["tags"]})
    return values


@component
def Filters(params: dict[str, str], options: dict[str, list[str]], people: list[dict[str, Any]], apply: Any) -> VdomDict:
    def on(key: str) -> Any:
        return lambda e: apply(**{key: changed_value(e)})

    def choice(key: str, label: str, values: list[str], name: Any = str) -> VdomDict:
        current = params.get(key, "")
        listed = values if not current or current in values else [current, *values]
        return select(key, [("", f"Any {label}"), *((v, name(v)) for v in listed)], current, onChange=on(key))

    active = any(params.get(k) for k in FILTER_KEYS)
    return html.div(
        {"className": "filters", "aria-label": "Filters"},
        select("status", [("", "Any status"), *((s, fmt.label(s)) for s in STATUSES)], params.get("status", ""),
               onChange=on("status")),
        choice("industry", "industry", options.get("industry", [])),
        choice("segment", "segment", options.get("segment", [])),
        choice("country", "country", options.get("country", []), country_name),
        select("manager", [("", "Any manager"), *((p["id"], p["name"]) for p in people)], params.get("manager", ""),
               onChange=on("manager")),
        choice("tag", "tag", options.get("tag", [])),
        html.label({"className": "inline"}, "Created from",
                   html.input({"type": "date", "name": "from", "aria-label": "Created from",
                               "value": params.get("from", ""), "onChange": on("from")})),
        html.label({"className": "inline"}, "to",
                   html.input({"type": "date", "name": "to", "aria-label": "Created to",
                               "value": params.get("to", ""), "onChange": on("to")})),
        html.button({"className": "btn btn-link", "type": "button",
                     "onClick": lambda e: apply(**{k: None for k in FILTER_KEYS})}, "Clear filters")
        if active else None,
    )


def same_customers_notice(same: list[dict[str, Any]]) -> VdomDict | None:
    if not same:
        return None
    return html.div(
        {"className": "notice notice-warn", "role": "status", "data-testid": "same-customers"},
        "This customer may already be in the CRM: ",
        *(html.span({"key": c["id"]}, ", " if i else "", html.a({"href": f"/customers/{c['id']}"}, c["name"]),
                    f" ({c['email']})") for i, c in enumerate(same)),
        ". Open it instead, or create a new one anyway.",
    )


@component
def CreateCustomer(people: list[dict[str, Any]], options: dict[str, list[str]], close: Any) -> VdomDict:
    session = use_session()
    nav = use_nav()
    form = use_form_errors()
    busy, set_busy = use_state(False)
    typed, set_typed = use_state(("", ""))  # name and email as typed, looked up after a pause in typing
    # (name, email) → the visible customers with that name or email
    same, set_same = use_state(cast(tuple[tuple[str, str], list[dict[str, Any]]], (("", ""), [])))
    me = session.me["id"]
    # The API offers only those the user may appoint, the user among them (listed once, as "Me").
    first = me if any(p["id"] == me for p in people) else (people[0]["id"] if people else "")
    manager, set_manager = use_state(first)

    async def look_up(name: str, email: str) -> list[dict[str, Any]]:
        try:
            found = (await gql.execute(session.actor, SAME_CUSTOMERS, name=name, email=email))["sameCustomers"]
        except gql.GqlError:
            found = []  # a name or email the API refuses is reported by the create itself
        set_same(((name, email), found))
        return found

    @use_async_effect(dependencies=[typed])
    async def settle() -> None:
        if typed == same[0]:
            return
        await asyncio.sleep(0.3)  # wait for a pause in typing before asking
        await look_up(*typed)

    def on_typed(index: int) -> Any:
        return lambda e: set_typed(lambda t: (changed_value(e).strip(), t[1]) if index == 0 else (t[0], changed_value(e).strip()))

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload: dict[str, Any] = {k: v.strip() for k, v in values.items() if v.strip() and k != "tags"}
        if values.get("tags", "").strip():
            payload["tags"] = [t.strip() for t in values["tags"].split(",") if t.strip()]
        if "status" in payload:
            payload["status"] = payload["status"].upper()
        payload.setdefault("name", "")
        payload.setdefault("email", "")
        errors = customer_form_errors(values)
        if errors:
            form.set_errors(errors)
            return
        payload["country"] = country_code(payload.get("country", ""))
        # Warned before creating: a name or email already in the CRM is shown once, then "Create anyway".
        key = (payload["name"], payload["email"])
        if same[0] != key and await look_up(*key):
            form.clear()
            return
        set_busy(True)
        try:
            created = (await gql.execute(session.actor, CREATE_CUSTOMER, input=payload))["createCustomer"]
        except gql.GqlError as error:
            set_busy(False)
            form.show(error)
            return
        nav.navigate(f"/customers/{created['id']}")

    def err(name: str) -> str | None:
        return form.errors.get(name)

    return html.div(
        {"className": "panel", "role": "dialog", "aria-label": "New customer"},
        html.div({"className": "panel-head"}, html.h2("New customer"),
                 html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: close()}, "Cancel")),
        # Always there, so notices coming and going never move (and so remount) the form and its typed values.
        html.div({"className": "form-notices"}, error_banner(form.problem), same_customers_notice(same[1])),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            field("Company name", text_input("name", required=True, autoFocus=True, onChange=on_typed(0)), err("name"),
                  required=True),
            field("Email", text_input("email", kind="email", required=True, onChange=on_typed(1)), err("email"),
                  required=True),
            field("Phone", text_input("phone", kind="tel"), err("phone")),
            field("Website", text_input("website", placeholder="https://"), err("website")),
            field("Industry", text_input("industry", list="industries"), err("industry")),
            field("Segment", segment_select("", options.get("segment", ())), err("segment")),
            field("City", text_input("city"), err("city")),
            field("Country", country_input(), err("country")),
            field("Account manager",
                  manager_select(people, me, manager or first, onChange=lambda e: set_manager(changed_value(e))),
                  err("accountManagerId"), notice=handover_notice(session.me["role"], me, manager or first, people)),
            field("Status", select("status", [("draft", "Draft"), ("prospect", "Prospect"), ("active", "Active")]),
                  err("status")),
            field("Tags", text_input("tags", placeholder="rail, key account"), err("tags"), hint="Comma-separated"),
            field("Description", html.textarea({"name": "description", "rows": 3, "aria-label": "description"}),
                  err("description"), wide=True),
            html.datalist({"id": "industries"}, *(html.option({"value": v, "key": v}) for v in options.get("industry", []))),
            country_list(),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit", "disabled": busy},
                                 "Creating…" if busy else "Create anyway" if same[1] else "Create customer")),
        ),
    )


def sort_header(column: Column, params: dict[str, str], apply: Any) -> VdomDict:
    if not column.sort:
        return html.th({"key": column.key}, column.label)
    current = params.get("sort", "name") == column.sort
    descending = params.get("dir") == "desc"
    arrow = (" ↓" if descending else " ↑") if current else ""
    return html.th(
        {"key": column.key, "aria-sort": ("descending" if descending else "ascending") if current else "none"},
        html.button(
            {"className": "sort" + (" sorted" if current else ""), "type": "button",
             "onClick": lambda e: apply(sort=column.sort,
                                        dir="asc" if current and descending else ("desc" if current else None))},
            column.label, arrow,
        ),
    )


def customer_row(node: dict[str, Any], columns: tuple[Column, ...]) -> VdomDict:
    def one(column: Column) -> VdomDict:
        value = column.value(node)
        title = {"title": value} if "clip" in column.className and isinstance(value, str) else {}
        return cell(column.label, value, key=column.key, className=column.className, **title)

    return html.tr({"key": node["id"]}, *(one(c) for c in columns))


def sort_select(params: dict[str, str], apply: Any) -> VdomDict:
    """The sort as one select, for phones: there the table's header (its sort buttons) is hidden (crm.css)."""
    current = f"{params.get('sort', 'name')}:{params.get('dir', 'asc')}"
    choices = [(f"{c.sort}:{d}", f"{c.label} {'↑' if d == 'asc' else '↓'}") for c in COLUMNS if c.sort for d in ("asc", "desc")]

    def pick(e: Any) -> None:
        key, direction = changed_value(e).split(":")
        apply(sort=key, dir=None if direction == "asc" else direction)

    return select("sort", choices, current, onChange=pick, className="phone-only", **{"aria-label": "Sort by"})


def column_chooser(columns: tuple[Column, ...], choose: Callable[[Callable[[str | None], str]], None]) -> VdomDict:
    """A drop-down of checkboxes, one per column but the name; the choice is remembered by this browser."""
    shown = {c.key for c in columns}

    def toggle(key: str) -> Callable[[Any], None]:
        def flip(stored: str | None) -> str:
            # From the latest choice, not this render's: two quick clicks both count.
            keys = ({c.key for c in shown_columns(stored)} if stored is not None else shown) ^ {key}
            return ",".join(c.key for c in COLUMNS if c.key in keys)

        return lambda e: choose(flip)

    return html.details(
        {"className": "column-chooser"},
        html.summary({"className": "btn"}, "Columns"),
        html.div(
            {"className": "menu", "role": "group", "aria-label": "Columns shown"},
            *(
                html.label({"className": "check", "key": c.key},
                           html.input({"type": "checkbox", "name": f"column-{c.key}", "checked": c.key in shown,
                                       "onChange": toggle(c.key)}),
                           c.label)
                for c in COLUMNS if c.key != ALWAYS_SHOWN
            ),
        ),
    )


@component
def CustomersPage(route: Route) -> VdomDict:
    session = use_session()
    nav = use_nav()
    params = route.query
    creating, set_creating = use_state(False)
    back_cursors, set_back_cursors = use_state(cast(tuple[str, ...], ()))
    listing = use_query(CUSTOMERS_QUERY, customer_variables(params))
    facets = use_query(FACETS_QUERY)
    chosen, choose, remembered = use_browser_pref(COLUMNS_PREF, ",".join(c.key for c in COLUMNS))
    columns = shown_columns(chosen)

    def apply(**changes: str | None) -> None:
        """Change the view; any change but paging starts again at the first page."""
        if "after" not in changes:
            changes["after"] = None
            set_back_cursors(())
        query = view_query(params, **changes)
        nav.navigate(f"/customers?{query}" if query else "/customers", replace=True)

    def next_page(cursor: str) -> None:
        set_back_cursors(lambda stack: (*stack, params.get("after", "")))
        apply(after=cursor)

    def previous_page() -> None:
        previous = back_cursors[-1] if back_cursors else ""
        set_back_cursors(lambda stack: stack[:-1])
        apply(after=previous or None)

    data = (listing.data or {}).get("customers")
    options = facet_options(facets.data)
    people = managers(facets.data)
    export_query = view_query(params, after=None)
    filtered = bool(params.get("q") or any(params.get(k) for k in FILTER_KEYS))

    if data is None and listing.error is None:
        body: VdomDict | None = loading("Loading customers…")
    elif data is None:
        body = error_banner(listing.error)
    elif not data["edges"]:
        body = (
            empty("No customers match this view.", "Change the search or clear the filters.",
                  html.button({"className": "btn", "type": "button",
                               "onClick": lambda e: apply(q=None, **{k: None for k in FILTER_KEYS})},
                              "Clear search and filters"))
            if filtered
            else empty("No customers yet.", "Create the first one with “New customer”."
                       if session.can("createCustomer") else "Customers you may see will be listed here.")
        )
    else:
        body = html.div(
            {"className": "table-wrap" + (" stale" if listing.loading else "")},
            html.table(
                {"className": "table table-fit table-cards", "aria-label": "Customers", "aria-busy": listing.loading},
                html.colgroup(*(html.col({"key": c.key, "style": {"width": f"{c.width}%"}}) for c in columns)),
                html.thead(html.tr(*(sort_header(c, params, apply) for c in columns))),
                html.tbody(*(customer_row(edge["node"], columns) for edge in data["edges"])),
            ),
        )

    page_info = (data or {}).get("pageInfo") or {}
    return html.div(
        {"className": "page"},
        html.div(
            {"className": "page-head"},
            html.div(html.h1("Customers"),
                     html.p({"className": "subtle", "aria-live": "polite"},
                            f"{data['totalCount']:,} customer{'s' if data['totalCount'] != 1 else ''}" if data else "")),
            html.div(
                {"className": "actions"},
                column_chooser(columns, choose),
                html.a({"className": "btn", "href": f"/ui/export/customers.csv?{export_query}", "download": True},
                       "Export CSV"),
                html.button({"className": "btn btn-primary", "type": "button", "onClick": lambda e: set_creating(True)},
                            "+ New customer") if session.can("createCustomer") else None,
            ),
        ),
        CreateCustomer(managers(facets.data, "assignable"), options, lambda: set_creating(False)) if creating else None,
        html.div({"className": "toolbar"},
                 SearchInput(params.get("q", ""), lambda text: apply(q=text or None), "Search customers",
                             "Search name, email, phone or contact…"),
                 sort_select(params, apply)),
        Filters(params, options, people, apply),
        body,
        remembered,
        html.div(
            {"className": "pager"},
            html.button({"className": "btn", "type": "button", "disabled": not page_info.get("hasPreviousPage"),
                         "onClick": lambda e: previous_page()}, "← Previous"),
            html.button({"className": "btn", "type": "button", "disabled": not page_info.get("hasNextPage"),
                         "onClick": lambda e: next_page(page_info["endCursor"])}, "Next →"),
        ) if data and data["edges"] else None,
    )
