"""The tabs of the customer 360 view: overview, contacts, activities, notes and deals."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlencode

from reactpy import component, event, html, use_async_effect, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.activity_edit import Correctable
from frontend.components.countries import country_name
from frontend.components.custom_fields import custom_facts
from frontend.components.deal_form import DealForm
from frontend.components.listing import export_links
from frontend.components.ui import (
    awaiting,
    badge,
    cell,
    changed_value,
    empty,
    error_banner,
    field,
    form_values,
    loading,
    pending,
    select,
    text_input,
    use_form_errors,
)
from frontend.gql import GqlError
from frontend.router import use_nav
from frontend.session import use_query, use_session

ACTIVITY_FIELDS = ("id kind title description occurredAt endsAt attendees outcomeName durationMinutes dueAt taskStatus overdue "
                   "viewerCanEdit author { name } contact { id name } deal { id title }")
TICKET_ENTRY_FIELDS = "kind at ticket { id number subject status priority }"
RECENT = 5
RECENT_QUERY = f"""query Recent($id: ID!) {{ customer(id: $id) {{ id activities(first: {RECENT}) {{ {ACTIVITY_FIELDS} }}
  ticketEvents(first: {RECENT}) {{ {TICKET_ENTRY_FIELDS} }} }} }}"""
ACTIVITIES_QUERY = f"""
query CustomerActivities($filter: ActivityFilter, $search: String, $first: Int = 50, $after: String) {{
  activities(first: $first, after: $after, filter: $filter, search: $search) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {ACTIVITY_FIELDS} }} }}
  }}
}}"""
CONTACTS_QUERY = """
query Contacts($id: ID!) {
  customer(id: $id) { id contacts { id name email phone jobTitle department isPrimary version } }
}"""
NOTES_QUERY = """
query Notes($id: ID!) { customer(id: $id) { id notes { id body pinned version createdAt author { name } } } }"""
DEALS_QUERY = """
query Deals($id: ID!) {
  customer(id: $id) { id deals { id title amount { amount currency } probability expectedCloseDate
                                 stage { name kind } owner { name } } }
}"""
CREATE_CONTACT = "mutation CreateContact($input: CreateContactInput!) { createContact(input: $input) { id } }"
SET_PRIMARY = "mutation SetPrimary($input: SetPrimaryContactInput!) { setPrimaryContact(input: $input) { id } }"
CREATE_NOTE = "mutation CreateNote($input: CreateNoteInput!) { createNote(input: $input) { id } }"
UPDATE_NOTE = "mutation UpdateNote($input: UpdateNoteInput!) { updateNote(input: $input) { id } }"
KIND_MARKS = {"CALL": "Ca", "EMAIL": "Em", "MEETING": "Me", "NOTE": "No", "TASK": "Ta", "DEAL_UPDATE": "De"}


TONED_OUTCOMES = ("positive", "neutral", "negative")  # the first three keep their colours; admins' own are plain


def outcome_badge(label: str) -> VdomDict:
    """An activity's outcome as the admins' list spells it."""
    tone = label.casefold() if label.casefold() in TONED_OUTCOMES else "outcome"
    return html.span({"className": f"badge badge-{tone}"}, label)


def task_badge(node: dict[str, Any]) -> VdomDict | None:
    """A task's state; an open one past its due date is Overdue (the API's `overdue`), as /tasks shows it."""
    if node.get("overdue"):
        return badge("Overdue", "overdue")
    return badge(node["taskStatus"]) if node["taskStatus"] else None


def ticket_item(entry: dict[str, Any]) -> VdomDict:
    """A ticket opened or resolved, on the timeline among the activities, linking to the ticket."""
    ticket = entry["ticket"]
    what = "Ticket opened" if entry["kind"] == "CREATED" else "Ticket resolved"
    return html.li(
        {"key": f"ticket-{entry['kind']}-{ticket['id']}", "className": "activity ticket-entry"},
        html.span({"className": "kind", "title": what}, "Ti"),
        html.div(
            {"style": {"flex": "1"}},
            html.div(html.strong({"className": "activity-title"},
                                 html.a({"href": f"/tickets/{ticket['id']}"}, f"{ticket['number']} {ticket['subject']}")),
                     " ", badge(ticket["status"]), " ", badge(ticket["priority"])),
            html.div({"className": "when"}, fmt.moment(entry["at"]), " · ", what),
        ),
    )


def _newest_first(activities: list[dict[str, Any]], tickets: list[dict[str, Any]], limit: int
                  ) -> list[tuple[str, dict[str, Any]]]:
    """Activities and ticket entries in one list, newest first, the newest `limit` of them."""
    both = [("activity", a, a["occurredAt"]) for a in activities] + [("ticket", t, t["at"]) for t in tickets]
    both.sort(key=lambda item: datetime.fromisoformat(item[2]), reverse=True)
    return [(kind, node) for kind, node, _ in both[:limit]]


def timeline(nodes: list[dict[str, Any]], on_contact_page: bool = False,
             tickets: list[dict[str, Any]] | None = None, limit: int | None = None) -> VdomDict:
    """Activities newest first; each links its contact (not on that contact's own page) and its deal. With
    `tickets` (ticketEvents entries), tickets opened and resolved among them, the newest `limit` in all."""

    def item(node: dict[str, Any]) -> VdomDict:
        details = [fmt.label(node["kind"])]
        if node["durationMinutes"]:
            details.append(f"{node['durationMinutes']} min")
        if node["author"]:
            details.append(f"by {node['author']['name']}")
        if node["dueAt"]:
            details.append(f"due {fmt.moment(node['dueAt'])}")
        if node["attendees"]:
            details.append("with " + ", ".join(node["attendees"]))
        links = [html.a({"href": f"/contacts/{node['contact']['id']}", "key": "c"}, node["contact"]["name"])
                 if node["contact"] and not on_contact_page else None,
                 html.a({"href": f"/deals/{node['deal']['id']}", "key": "d"}, node["deal"]["title"])
                 if node["deal"] else None]
        when = fmt.moment(node["occurredAt"]) + (f"–{fmt.moment(node['endsAt'])[-5:]}" if node["endsAt"] else "")
        return html.li(
            {"key": node["id"], "className": "activity", "data-activity": node["id"]},
            html.span({"className": "kind", "title": fmt.label(node["kind"])}, KIND_MARKS.get(node["kind"], "•")),
            Correctable(node, html.div(
                html.div(html.strong({"className": "activity-title"}, node["title"]), " ",
                         outcome_badge(node["outcomeName"]) if node["outcomeName"] else None,
                         task_badge(node)),
                html.div({"className": "muted"}, node["description"]) if node["description"] else None,
                html.div({"className": "when"}, when, " · ", " · ".join(details),
                         *[part for link in links if link for part in (" · ", link)]),
            ), key=f"entry-{node['id']}"),
        )

    if tickets is None:
        return html.ul({"className": "timeline", "aria-label": "Activity timeline"}, *(item(n) for n in nodes))
    merged = _newest_first(nodes, tickets, limit or len(nodes) + len(tickets))
    return html.ul({"className": "timeline", "aria-label": "Activity timeline"},
                   *(item(n) if kind == "activity" else ticket_item(n) for kind, n in merged))


@component
def OverviewTab(customer: dict[str, Any], activity_generation: int) -> VdomDict:
    recent = use_query(RECENT_QUERY, {"id": customer["id"]}, refresh=activity_generation)
    found = (recent.data or {}).get("customer") or {}
    activities = found.get("activities")
    tickets = found.get("ticketEvents") or []
    address = ", ".join(p for p in (customer["street"], f"{customer['postcode']} {customer['city']}".strip(),
                                    country_name(customer["country"])) if p)
    history = customer["statusHistory"]
    return html.div(
        {"className": "grid-2"},
        html.div(
            html.div({"className": "card"}, html.h2("About"),
                     html.p(customer["description"]) if customer["description"]
                     else html.p({"className": "muted"}, "No description yet.")),
            html.div(
                {"className": "card"},
                html.h2("Latest activities"),
                loading() if activities is None and not recent.error else error_banner(recent.error),
                timeline(activities or [], tickets=tickets, limit=RECENT) if activities or tickets else (
                    html.p({"className": "muted"}, "Nothing logged yet. Use “Log activity” to record a call or meeting.")
                    if activities is not None else None),
            ),
        ),
        html.div(
            html.div(
                {"className": "card"},
                html.h2("Details"),
                html.dl(
                    {"className": "facts"},
                    html.dt("Legal form"), html.dd(customer["legalForm"] or "–"),
                    html.dt("Address"), html.dd(address or "–"),
                    html.dt("Tags"), html.dd(", ".join(customer["tags"]) or "–"),
                    html.dt("Created"), html.dd(fmt.day(customer["createdAt"])),
                    *custom_facts(customer["customFields"]),
                ),
            ),
            html.div(
                {"className": "card"},
                html.h2("Status history"),
                html.ul({"className": "timeline"}, *(
                    html.li({"key": i}, html.div(
                        html.div(badge(h["toStatus"]), " ", html.span({"className": "when"}, fmt.moment(h["changedAt"]))),
                        html.div({"className": "muted"}, h["reason"], f" — {h['changedBy']['name']}" if h["changedBy"] else ""),
                    ))
                    for i, h in enumerate(reversed(history))
                )) if history else html.p({"className": "muted"}, "No changes yet."),
            ),
        ),
    )


@component
def ContactsTab(customer_id: str, runs_customer: bool) -> VdomDict:
    session = use_session()
    result = use_query(CONTACTS_QUERY, {"id": customer_id})
    adding, set_adding = use_state(False)
    form = use_form_errors()
    editable = session.can("updateContact") and runs_customer

    @event(prevent_default=True)
    async def add(e: Any) -> None:
        values = form_values(e)
        payload: dict[str, Any] = {k: v.strip() for k, v in values.items() if v.strip() and k != "isPrimary"}
        payload.update(customerId=customer_id, name=payload.get("name", ""), email=payload.get("email", ""),
                       isPrimary=values.get("isPrimary") == "on")
        try:
            await gql.execute(session.actor, CREATE_CONTACT, input=payload)
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        set_adding(False)
        result.reload()

    async def make_primary(contact: dict[str, Any]) -> None:
        try:
            await gql.execute(session.actor, SET_PRIMARY, input={"id": contact["id"], "version": contact["version"]})
        except gql.GqlError as error:
            form.set_problem(error)
        result.reload()

    contacts = ((result.data or {}).get("customer") or {}).get("contacts")
    add_panel = html.div(
        {"className": "panel"},
        html.h2("Add contact"),
        error_banner(form.problem),
        html.form(
            {"onSubmit": add, "className": "form-grid", "noValidate": True},
            field("Name", text_input("name"), form.errors.get("name")),
            field("Email", text_input("email", kind="email"), form.errors.get("email")),
            field("Phone", text_input("phone", kind="tel"), form.errors.get("phone")),
            field("Job title", text_input("jobTitle"), form.errors.get("jobTitle")),
            field("Department", text_input("department"), form.errors.get("department")),
            html.label({"className": "check"}, html.input({"type": "checkbox", "name": "isPrimary"}), "Primary contact"),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Save contact"),
                     html.button({"className": "btn btn-ghost", "type": "button",
                                  "onClick": lambda e: set_adding(False)}, "Cancel")),
        ),
    ) if adding else None
    if contacts is None:
        body = pending(result)
    elif not contacts:
        body = empty("No contacts yet.", "Add the people you talk to at this customer.")
    else:
        body = html.div({"className": "table-wrap"}, html.table(
            {"className": "table table-cards", "aria-label": "Contacts"},
            html.thead(html.tr(html.th("Name"), html.th("Job title"), html.th("Department"), html.th("Email"),
                               html.th("Phone"), html.th(""))),
            html.tbody(*(
                html.tr(
                    {"key": c["id"]},
                    cell("Name", html.a({"href": f"/contacts/{c['id']}", "className": "row-link"}, c["name"]), " ",
                         badge("Primary", "primary") if c["isPrimary"] else None),
                    cell("Job title", c["jobTitle"]), cell("Department", c["department"]),
                    cell("Email", html.a({"href": f"mailto:{c['email']}"}, c["email"])),
                    cell("Phone", html.a({"href": f"tel:{c['phone']}"}, c["phone"]) if c["phone"] else None),
                    cell("", html.button({"className": "btn btn-small", "type": "button",
                                          "onClick": awaiting(make_primary, c)}, "Set as primary")
                         if editable and not c["isPrimary"] else None, className="cell-actions"),
                )
                for c in contacts
            )),
        ))
    return html.div(
        html.div({"className": "actions", "style": {"marginBottom": "12px"}},
                 html.button({"className": "btn", "type": "button", "onClick": lambda e: set_adding(True)},
                             "+ Add contact") if session.can("createContact") and not adding else None),
        add_panel,
        error_banner(form.problem) if not adding else None,
        body,
    )


def activity_variables(params: Mapping[str, str]) -> dict[str, Any]:
    """The activities tab's view (customer, kind, search) as the variables of its query, for the tab and its export."""
    where: dict[str, Any] = {"customerId": params.get("customer") or None}
    if params.get("kind"):
        where["kind"] = [params["kind"].upper()]
    return {"filter": where, "search": params.get("q") or None}


@component
def ActivitiesTab(customer_id: str, activity_generation: int) -> VdomDict:
    kind, set_kind = use_state("")
    typed, set_typed = use_state("")
    search, set_search = use_state("")

    @use_async_effect(dependencies=[typed])
    async def settle() -> None:
        await asyncio.sleep(0.3)  # search once typing pauses
        set_search(typed.strip())

    view = {"customer": customer_id, "kind": kind, "q": search}
    result = use_query(ACTIVITIES_QUERY, activity_variables(view), refresh=activity_generation)
    page = (result.data or {}).get("activities")
    if page is None:
        body = pending(result)
    elif not page["edges"]:
        body = empty("No activities match." if kind or search else "No activities yet.",
                     "Clear the filter or search." if kind or search else "Log a call, email or meeting to start the timeline.")
    else:
        body = html.div({"className": "card"}, timeline([e["node"] for e in page["edges"]]))
    return html.div(
        html.div(
            {"className": "filters"},
            select("kind", [("", "All kinds"), ("call", "Calls"), ("email", "Emails"), ("meeting", "Meetings"),
                            ("note", "Notes"), ("task", "Tasks"), ("deal_update", "Deal updates")], kind,
                   onChange=lambda e: set_kind(changed_value(e))),
            html.input({"type": "search", "placeholder": "Search activities…", "aria-label": "Search activities",
                        "value": typed, "onChange": lambda e: set_typed(changed_value(e))}),
            html.span({"className": "muted"}, f"{page['totalCount']} shown" if page else ""),
            export_links("activities", urlencode({k: v for k, v in view.items() if v})),
        ),
        body,
    )


@component
def NotesTab(customer_id: str, runs_customer: bool) -> VdomDict:
    session = use_session()
    result = use_query(NOTES_QUERY, {"id": customer_id})
    problem, set_problem = use_state(cast(GqlError | None, None))
    generation, set_generation = use_state(0)
    writable = session.can("writeNote") and runs_customer

    @event(prevent_default=True)
    async def add(e: Any) -> None:
        values = form_values(e)
        try:
            await gql.execute(session.actor, CREATE_NOTE, input={
                "customerId": customer_id, "body": values.get("body", ""), "pinned": values.get("pinned") == "on"})
        except gql.GqlError as error:
            set_problem(error)
            return
        set_problem(None)
        set_generation(generation + 1)
        result.reload()

    async def toggle_pin(note: dict[str, Any]) -> None:
        try:
            await gql.execute(session.actor, UPDATE_NOTE,
                              input={"id": note["id"], "version": note["version"], "pinned": not note["pinned"]})
        except gql.GqlError as error:
            set_problem(error)
        result.reload()

    notes = ((result.data or {}).get("customer") or {}).get("notes")
    if notes is None:
        body = pending(result)
    elif not notes:
        body = empty("No notes yet.", "Write down context the next person needs: decisions, preferences, hand-over.")
    else:
        body = html.div(*(
            html.div(
                {"key": n["id"], "className": "note" + (" pinned" if n["pinned"] else "")},
                n["body"],
                html.div({"className": "note-foot"},
                         html.span(("Pinned · " if n["pinned"] else ""),
                                   f"{n['author']['name'] if n['author'] else 'Someone'}, {fmt.moment(n['createdAt'])}"),
                         html.button({"className": "btn btn-link", "type": "button",
                                      "onClick": awaiting(toggle_pin, n)}, "Unpin" if n["pinned"] else "Pin")
                         if writable else None),
            )
            for n in notes
        ))
    return html.div(
        error_banner(problem),
        html.form(
            {"onSubmit": add, "className": "panel", "key": f"note-{generation}", "aria-label": "Add note"},
            html.textarea({"name": "body", "rows": 3, "placeholder": "Add a note…", "aria-label": "Note"}),
            html.div({"className": "actions", "style": {"marginTop": "8px"}},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Add note"),
                     html.label({"className": "check"}, html.input({"type": "checkbox", "name": "pinned"}), "Pin it")),
        ) if writable else None,
        body,
    )


@component
def DealsTab(customer: dict[str, Any]) -> VdomDict:
    session = use_session()
    nav = use_nav()
    creating, set_creating = use_state(False)
    result = use_query(DEALS_QUERY, {"id": customer["id"]})
    deals = ((result.data or {}).get("customer") or {}).get("deals")

    def created(deal_id: str | None) -> None:
        # Off to the new deal's page; the form goes with this screen (closing it as well would render a
        # screen that is being unmounted, which ReactPy 2.0.0b13 fails on).
        if deal_id:
            nav.navigate(f"/deals/{deal_id}")
        else:
            set_creating(False)

    top = html.div(
        {"className": "actions tab-actions"},
        html.button({"className": "btn btn-primary", "type": "button", "onClick": lambda e: set_creating(True)},
                    "+ New deal") if session.can("createDeal") and not creating else None,
    )
    form = DealForm(created, customer={"id": customer["id"], "name": customer["name"]}) if creating else None
    if deals is None:
        return pending(result)
    if not deals:
        return html.div(top, form, empty("No deals yet.", "Open one with “New deal”: it shows here and on the "
                                         "pipeline board." if session.can("createDeal") else
                                         "Deals with this customer appear here and on the pipeline board."))
    return html.div(top, form, html.div({"className": "table-wrap"}, html.table(
        {"className": "table table-cards", "aria-label": "Deals"},
        html.thead(html.tr(html.th("Deal"), html.th("Stage"), html.th("Amount"), html.th("Probability"),
                           html.th("Expected close"), html.th("Owner"))),
        html.tbody(*(
            html.tr(
                {"key": d["id"]},
                cell("Deal", html.a({"href": f"/deals/{d['id']}"}, html.strong(d["title"]))),
                cell("Stage", badge(d["stage"]["name"], d["stage"]["kind"].lower())),
                cell("Amount", fmt.money(d["amount"]), className="nowrap"),
                cell("Probability", f"{d['probability']} %"),
                cell("Expected close", fmt.day(d["expectedCloseDate"])),
                cell("Owner", d["owner"]["name"] if d["owner"] else "–"),
            )
            for d in deals
        )),
    )))
