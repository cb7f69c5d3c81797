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
from frontend.components.custom_fields import (
    CustomFields,
    built_in,
    by_key,
    custom_controls,
    custom_payload,
    use_custom_fields,
    value_text,
)
from frontend.components.custom_filter import CustomConditions
from frontend.components.customer_checks import customer_form_errors
from frontend.components.customer_fields import (
    ASSIGNABLE_MANAGERS,
    handover_notice,
    manager_select,
    managers,
)
from frontend.components.listing import SearchInput, export_links, pager, use_list_view
from frontend.components.phase import (
    ALL_STATUSES,
    OFFERED_STATUSES,
    PHASES,
    high_level_status_select,
    phase_badge,
    status_label,
)
from frontend.components.pick_lists import listed_input, use_pick_lists
from frontend.components.prefs import use_browser_pref
from frontend.components.segment_picks import AddToSegment, SaveAsSegment, pick_all, pick_box
from frontend.components.ui import (
    badge,
    cell,
    changed_value,
    dialog_head,
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
    CUSTOM_SORT,
    CUSTOM_VALUES_QUERY,
    CUSTOMERS_QUERY,
    FILTER_KEYS,
    customer_variables,
    view_query,
)
from frontend.pages.duplicates import reason_words
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
  segments(first: {MAX_FIRST}) {{ edges {{ node {{ id name }} }} }}
}}"""
CREATE_CUSTOMER = """
mutation CreateCustomer($input: CreateCustomerInput!) { createCustomer(input: $input) { id name } }"""
SAME_CUSTOMERS = """
query SameCustomers($name: String, $email: String, $phone: String, $website: String) {
  sameCustomerMatches(name: $name, email: $email, phone: $phone, website: $website) {
    customer { id name email } confidence reasons { signal }
  }
}"""
TYPED = ("name", "email", "phone", "website")  # the fields whose values are looked up as typed


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
    Column("name", "Name", "name", 13,
           lambda n: html.a({"href": f"/customers/{n['id']}", "className": "row-link"}, n["name"])),
    Column("email", "Email", "", 12, lambda n: n["email"], "muted clip"),
    Column("phone", "Phone", "", 9, lambda n: n["phone"], "muted nowrap"),
    Column("country", "Country", "country", 6, lambda n: n["country"]),
    Column("industry", "Industry", "industry", 10, lambda n: n["industry"]),
    Column("segment", "Segment", "", 7, lambda n: n["segment"]),
    Column("status", "Status", "status", 8, lambda n: badge(n["status"])),
    Column("phase", "Phase", "phase", 8, lambda n: phase_badge(n["phase"])),
    Column("hls", "High-level status", "", 9, status_label),
    Column("manager", "Account manager", "", 10, _manager_name),
    Column("created", "Created", "created", 8, lambda n: fmt.day(n["createdAt"]), "nowrap"),
)
ALWAYS_SHOWN = "name"  # the link to the customer
# Shown until the user chooses: every built-in column but the high-level status, so the list fits 1440 px
# without scrolling sideways; the chooser adds it (and custom fields' columns).
DEFAULT_COLUMNS = ",".join(c.key for c in COLUMNS if c.key != "hls")
COLUMNS_PREF = "customers.columns"


def custom_columns(custom: CustomFields) -> tuple[Column, ...]:
    """A column per active custom field, offered in the chooser (shown once chosen) and sorted by the API."""
    def value(key: str) -> Callable[[dict[str, Any]], Any]:
        return lambda n: value_text(by_key(n.get("customFields")).get(key))

    return tuple(Column(f"{CUSTOM_SORT}{d['key']}", d["label"], f"{CUSTOM_SORT}{d['key']}", 10, value(d["key"]),
                        "clip" if d["type"] in ("TEXT", "LONG_TEXT", "URL", "EMAIL") else "nowrap")
                 for d in custom.definitions)


def shown_columns(stored: str, available: tuple[Column, ...] = COLUMNS) -> tuple[Column, ...]:
    """The columns a stored choice ("email,status,cf.fleet_size,…") names, in the list's order; the name always."""
    chosen = set(stored.split(",")) | {ALWAYS_SHOWN}
    return tuple(c for c in available if c.key in chosen)


def with_custom_values(page: dict[str, Any] | None, values: dict[str, Any] | None) -> dict[str, Any] | None:
    """The list's page with each row's custom values (from CUSTOM_VALUES_QUERY) where they arrived."""
    if page is None or values is None:
        return page
    found = {e["node"]["id"]: e["node"]["customFields"] for e in values["customers"]["edges"]}
    return page | {"edges": [e | {"node": e["node"] | {"customFields": found.get(e["node"]["id"])}}
                             for e in page["edges"]]}


def facet_options(data: dict[str, Any] | None) -> dict[str, list[str]]:
    nodes = [e["node"] for e in (data or {}).get("customers", {}).get("edges", [])]
    values = {key: sorted({n[key] for n in nodes if n[key]}) for key in ("industry", "segment", "country")}
    values["country"].sort(key=country_name)  # shown by name
    values["tag"] = sorted({t for n in nodes for t in n["tags"]})
    return values


@component
def Filters(params: dict[str, str], options: dict[str, list[str]], people: list[dict[str, Any]], apply: Any,
            saved: list[tuple[str, str]], custom: CustomFields) -> VdomDict:
    def on(key: str) -> Any:
        return lambda e: apply(**{key: changed_value(e)})

    def choice(key: str, label: str, values: list[str], name: Any = str) -> VdomDict:
        current = params.get(key, "")
        listed = values if not current or current in values else [current, *values]
        return select(key, [("", f"Any {label}"), *((v, name(v)) for v in listed)], current, onChange=on(key))

    active = any(params.get(k) for k in FILTER_KEYS)
    statuses = (use_query(ALL_STATUSES).data or {}).get("highLevelStatuses") or []
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
        select("phase", [("", "Any phase"), *((p.lower(), f"Phase: {fmt.label(p)}") for p in PHASES)], params.get("phase", ""),
               onChange=on("phase"), **{"aria-label": "Phase"}),
        select("hls", [("", "Any high-level status"), *((s["id"], status_label({"highLevelStatus": s})) for s in statuses)],
               params.get("hls", ""), onChange=on("hls"), **{"aria-label": "High-level status"}),
        select("saved", [("", "Any saved segment"), *saved], params.get("saved", ""), onChange=on("saved"),
               **{"aria-label": "Saved segment"}) if saved or params.get("saved") else None,
        html.label({"className": "inline"}, "Created from",
                   html.input({"type": "date", "name": "from", "aria-label": "Created from",
                               "value": params.get("from", ""), "onChange": on("from")})),
        html.label({"className": "inline"}, "to",
                   html.input({"type": "date", "name": "to", "aria-label": "Created to",
                               "value": params.get("to", ""), "onChange": on("to")})),
        CustomConditions(custom, params, apply),
        html.button({"className": "btn btn-link", "type": "button",
                     "onClick": lambda e: apply(**{k: None for k in FILTER_KEYS})}, "Clear filters")
        if active else None,
    )


def same_customers_notice(same: list[dict[str, Any]]) -> VdomDict | None:
    if not same:
        return None
    def line(i: int, m: dict[str, Any]) -> VdomDict:
        c = m["customer"]
        why = f"{reason_words(m['reasons']).lower()}, {round(m['confidence'] * 100)} %"
        return html.span({"key": c["id"]}, ", " if i else "", html.a({"href": f"/customers/{c['id']}"}, c["name"]),
                         f" ({c['email']}; {why})" if c["email"] else f" ({why})")

    return html.div(
        {"className": "notice notice-warn", "role": "status", "data-testid": "same-customers"},
        "This customer may already be in the CRM: ",
        *(line(i, m) for i, m in enumerate(same)),
        ". Open it instead, or create a new one anyway.",
    )


@component
def CreateCustomer(people: list[dict[str, Any]], options: dict[str, list[str]], custom: CustomFields,
                   close: Any) -> VdomDict:
    session = use_session()
    nav = use_nav()
    form = use_form_errors()
    busy, set_busy = use_state(False)
    # name, email, phone and website as typed, looked up after a pause in typing
    typed, set_typed = use_state(cast(tuple[str, ...], ("", "", "", "")))
    # what was looked up → the visible customers it would likely duplicate, with why
    same, set_same = use_state(cast(tuple[tuple[str, ...], list[dict[str, Any]]], (("", "", "", ""), [])))
    me = session.me["id"]
    # The API offers only those the user may appoint, the user among them (listed once, as "Me").
    first = me if any(p["id"] == me for p in people) else (people[0]["id"] if people else "")
    manager, set_manager = use_state(first)
    offered = (use_query(OFFERED_STATUSES).data or {}).get("highLevelStatuses") or []
    lists = use_pick_lists()

    async def look_up(*values: str) -> list[dict[str, Any]]:
        try:
            found = (await gql.execute(session.actor, SAME_CUSTOMERS, **dict(zip(TYPED, values, strict=True))))[
                "sameCustomerMatches"]
        except gql.GqlError:
            found = []  # a value the API refuses is reported by the create itself
        set_same((values, found))
        return found

    @use_async_effect(dependencies=[typed])
    async def settle() -> None:
        if typed == same[0]:
            return
        await asyncio.sleep(0.3)  # wait for a pause in typing before asking
        await look_up(*typed)

    def on_typed(index: int) -> Any:
        return lambda e: set_typed(lambda t: tuple(changed_value(e).strip() if i == index else x for i, x in enumerate(t)))

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload: dict[str, Any] = {k: v.strip() for k, v in built_in(values).items() if v.strip() and k != "tags"}
        payload["customFields"] = custom_payload(custom, values, session.zone)
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
        # Warned before creating: a customer this likely duplicates is shown once, then "Create anyway".
        key = tuple(payload.get(k, "") for k in TYPED)
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
        dialog_head("New customer", close),
        # Always there, so notices coming and going never move (and so remount) the form and its typed values.
        html.div({"className": "form-notices"}, error_banner(form.problem), same_customers_notice(same[1])),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            field("Company name", text_input("name", required=True, autoFocus=True, onChange=on_typed(0)), err("name"),
                  required=True),
            field("Email", text_input("email", kind="email", required=True, onChange=on_typed(1)), err("email"),
                  required=True),
            field("Phone", text_input("phone", kind="tel", onChange=on_typed(2)), err("phone")),
            field("Website", text_input("website", placeholder="https://", onChange=on_typed(3)), err("website")),
            # From the lists admins keep; an unkept list leaves a text box (industries: with those in use).
            field("Industry", listed_input("industry", "", lists["industry"], suggest="industries",
                                           key=f"industry-{len(lists['industry'])}"), err("industry")),
            field("Segment", listed_input("segment", "", lists["segment"], key=f"segment-{len(lists['segment'])}"),
                  err("segment")),
            field("City", text_input("city"), err("city")),
            field("Country", country_input(), err("country")),
            field("Account manager",
                  manager_select(people, me, manager or first, onChange=lambda e: set_manager(changed_value(e))),
                  err("accountManagerId"), notice=handover_notice(session.me["role"], me, manager or first, people)),
            field("Status", select("status", [("draft", "Draft"), ("prospect", "Prospect"), ("active", "Active")]),
                  err("status")),
            field("High-level status", high_level_status_select(offered, None), err("highLevelStatusId")),
            field("Tags", text_input("tags", placeholder="rail, key account"), err("tags"), hint="Comma-separated"),
            field("Description", html.textarea({"name": "description", "rows": 3, "aria-label": "description"}),
                  err("description"), wide=True),
            custom_controls(custom, None, form.errors, session.zone),
            html.datalist({"id": "industries"}, *(html.option({"value": v, "key": v}) for v in options.get("industry", []))),
            country_list(),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit", "disabled": busy},
                                 "Creating…" if busy else "Create anyway" if same[1] else "Create customer")),
        ),
    )


def sort_header(column: Column, params: dict[str, str], apply: Any, pick: VdomDict | None = None) -> VdomDict:
    if not column.sort:
        return html.th({"key": column.key}, pick, column.label)
    current = params.get("sort", "name") == column.sort
    descending = params.get("dir") == "desc"
    arrow = (" ↓" if descending else " ↑") if current else ""
    return html.th(
        {"key": column.key, "aria-sort": ("descending" if descending else "ascending") if current else "none"},
        pick,
        html.button(
            {"className": "sort" + (" sorted" if current else ""), "type": "button",
             "onClick": lambda e: apply(sort=column.sort,
                                        dir="asc" if current and descending else ("desc" if current else None))},
            column.label, arrow,
        ),
    )


def customer_row(node: dict[str, Any], columns: tuple[Column, ...], pick: VdomDict | None = None) -> VdomDict:
    def one(column: Column) -> VdomDict:
        value = column.value(node)
        if pick is not None and column is columns[0]:
            return cell(column.label, pick, value, key=column.key, className=column.className)
        title = {"title": value} if "clip" in column.className and isinstance(value, str) else {}
        return cell(column.label, value, key=column.key, className=column.className, **title)

    return html.tr({"key": node["id"]}, *(one(c) for c in columns))


def sort_select(params: dict[str, str], apply: Any, available: tuple[Column, ...] = COLUMNS) -> VdomDict:
    """The sort as one select, for phones: there the table's header (its sort buttons) is hidden (crm.css)."""
    current = f"{params.get('sort', 'name')}:{params.get('dir', 'asc')}"
    choices = [(f"{c.sort}:{d}", f"{c.label} {'↑' if d == 'asc' else '↓'}") for c in available if c.sort for d in ("asc", "desc")]

    def pick(e: Any) -> None:
        key, direction = changed_value(e).split(":")
        apply(sort=key, dir=None if direction == "asc" else direction)

    return select("sort", choices, current, onChange=pick, className="phone-only", **{"aria-label": "Sort by"})


def column_chooser(columns: tuple[Column, ...], choose: Callable[[Callable[[str | None], str]], None],
                   available: tuple[Column, ...] = COLUMNS) -> VdomDict:
    """A drop-down of checkboxes, one per column but the name; the choice is remembered by this browser."""
    shown = {c.key for c in columns}

    def toggle(key: str) -> Callable[[Any], None]:
        def flip(stored: str | None) -> str:
            # From the latest choice, not this render's: two quick clicks both count.
            keys = ({c.key for c in shown_columns(stored, available)} if stored is not None else shown) ^ {key}
            return ",".join(c.key for c in available if c.key in keys)

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
                for c in available if c.key != ALWAYS_SHOWN
            ),
        ),
    )


@component
def CustomersPage(route: Route) -> VdomDict:
    session = use_session()
    params = route.query
    creating, set_creating = use_state(False)
    view = use_list_view("/customers")  # the view in the address, paged by the lists' shared pager
    apply = view.apply
    saving, set_saving = use_state(False)  # the "Save as segment" form
    picked, set_picked = use_state(cast(tuple[str, ...], ()))  # ticked customers, for "Add to segment"
    listing = use_query(CUSTOMERS_QUERY, customer_variables(params))
    facets = use_query(FACETS_QUERY)
    chosen, choose, remembered = use_browser_pref(COLUMNS_PREF, DEFAULT_COLUMNS)
    custom = use_custom_fields("CUSTOMER")
    available = COLUMNS + custom_columns(custom)
    columns = shown_columns(chosen, available)
    custom_shown = any(c.key.startswith(CUSTOM_SORT) for c in columns)
    values = use_query(CUSTOM_VALUES_QUERY, {k: v for k, v in customer_variables(params).items() if k != "first"},
                       skip=not custom_shown)

    data = with_custom_values((listing.data or {}).get("customers"), values.data if custom_shown else None)
    options = facet_options(facets.data)
    people = managers(facets.data)
    export_query = view_query(params, after=None)
    filtered = bool(params.get("q") or any(params.get(k) for k in FILTER_KEYS))
    saved = [(e["node"]["id"], e["node"]["name"]) for e in ((facets.data or {}).get("segments") or {}).get("edges", [])]
    may_pick = session.can("updateSegment")
    may_save = session.can("createSegment") and not params.get("saved") and any(params.get(k) for k in FILTER_KEYS)

    def toggle(customer_id: str) -> None:
        set_picked(lambda p: tuple(i for i in p if i != customer_id) if customer_id in p else (*p, customer_id))

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
                html.thead(html.tr(*(sort_header(c, params, apply, pick_all([e["node"]["id"] for e in data["edges"]], picked,
                                                                             set_picked) if may_pick and i == 0 else None)
                                     for i, c in enumerate(columns)))),
                html.tbody(*(customer_row(edge["node"], columns, pick_box(edge["node"]["id"], picked, toggle) if may_pick else None)
                             for edge in data["edges"])),
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
                column_chooser(columns, choose, available),
                html.button({"className": "btn", "type": "button", "onClick": lambda e: set_saving(True)},
                            "Save as segment") if may_save else None,
                export_links("customers", export_query),
                html.button({"className": "btn btn-primary", "type": "button", "onClick": lambda e: set_creating(True)},
                            "+ New customer") if session.can("createCustomer") else None,
            ),
        ),
        CreateCustomer(managers(facets.data, "assignable"), options, custom, lambda: set_creating(False)) if creating else None,
        SaveAsSegment(customer_variables(params)["filter"], bool(params.get("q")), lambda: set_saving(False))
        if saving and may_save else None,
        html.div({"className": "toolbar"},
                 SearchInput(params.get("q", ""), lambda text: apply(q=text or None), "Search customers",
                             "Search name, email, phone or contact…"),
                 sort_select(params, apply, available)),
        Filters(params, options, people, apply, saved, custom),
        AddToSegment(picked, lambda: set_picked(())) if may_pick else None,
        body,
        remembered,
        pager(view, page_info) if data and data["edges"] else None,
    )
