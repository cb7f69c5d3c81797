"""Pieces of the support desk shared by its screens and the customer's 360 view: the new-ticket form, the
status and SLA wording, and the customer's Tickets tab."""

from __future__ import annotations

from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.custom_fields import built_in, custom_controls, custom_payload, use_custom_fields
from frontend.components.customer_picker import CustomerPicker
from frontend.components.listing import card_table
from frontend.components.ui import (
    badge,
    empty,
    error_banner,
    field,
    form_values,
    pending,
    select,
    text_input,
    use_form_errors,
)
from frontend.router import use_nav
from frontend.session import use_live, use_query, use_session

CHANGED = "subscription TicketChanged { ticketChanged { kind ticketId } }"
CREATE = "mutation CreateTicket($input: CreateTicketInput!) { createTicket(input: $input) { id } }"
FORM_LINK = "mutation SupportForm($input: CreateSupportFormInput!) { createSupportForm(input: $input) { url } }"
PRIORITIES = (("", "Any priority"), ("URGENT", "Urgent"), ("HIGH", "High"), ("NORMAL", "Normal"), ("LOW", "Low"))
CHANNELS = (("PHONE", "Phone"), ("EMAIL", "Email"), ("WEB", "Web form"), ("CHAT", "Chat"))
CUSTOMER_TICKETS = """
query CustomerTickets($filter: TicketFilter) {
  tickets(first: 50, filter: $filter) {
    totalCount edges { node { id number subject status priority slaDueAt pausedAt assignee { name } createdAt } }
  }
}"""


def sla_text(ticket: dict[str, Any]) -> str:
    if ticket["status"] in ("RESOLVED", "CLOSED"):
        return "—"
    if ticket.get("pausedAt") or not ticket.get("slaDueAt"):
        return "SLA paused"
    due = fmt.moment(ticket["slaDueAt"])
    return f"Overdue since {due}" if fmt.is_past(ticket["slaDueAt"]) else f"Due {due}"


def status_badge(status: str) -> VdomDict:
    return badge(status, "ticket-" + status.lower())


@component
def NewTicket(close: Any, customer: dict[str, Any] | None = None) -> VdomDict:
    """The new-ticket form: off to the new ticket's page once made (the form goes with the screen it was on;
    closing it as well would render a screen being unmounted, which ReactPy 2.0.0b13 fails on)."""
    session = use_session()
    nav = use_nav()
    form = use_form_errors()
    chosen, set_chosen = use_state(customer)
    custom = use_custom_fields("TICKET")

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        everything = form_values(e)
        values = built_in(everything)
        try:
            data = await gql.execute(session.actor, CREATE, input={
                "subject": values.get("subject", ""), "description": values.get("description", ""),
                "customerId": (chosen or {}).get("id") or "", "priority": values.get("priority") or "NORMAL",
                "channel": values.get("channel") or "PHONE",
                "customFields": custom_payload(custom, everything, session.zone)})
        except gql.GqlError as error:
            form.show(error)
            return
        nav.navigate(f"/tickets/{data['createTicket']['id']}")

    return html.form(
        {"className": "panel form-grid", "onSubmit": submit, "onInput": form.edited, "noValidate": True,
         "aria-label": "New ticket"},
        error_banner(form.problem),
        field("Subject", text_input("subject", **{"aria-label": "Subject"}), form.errors.get("subject")),
        field("Customer", CustomerPicker(chosen, set_chosen), form.errors.get("customerId")),
        field("Priority", select("priority", PRIORITIES[1:], "NORMAL", **{"aria-label": "Priority"}),
              form.errors.get("priority")),
        field("Channel", select("channel", CHANNELS, "PHONE", **{"aria-label": "Channel"}), form.errors.get("channel")),
        html.label({"className": "field field-wide"}, html.span({"className": "field-label"}, "Description"),
                   html.textarea({"name": "description", "rows": 4, "aria-label": "Description"})),
        custom_controls(custom, None, form.errors, session.zone),
        html.div({"className": "form-actions"},
                 html.button({"className": "btn btn-primary", "type": "submit"}, "Create ticket"),
                 html.button({"className": "btn", "type": "button", "onClick": lambda e: close()}, "Cancel")),
    )




@component
def CustomerTickets(customer: dict[str, Any]) -> VdomDict:
    """The customer's tickets, soonest SLA due first, live; a new one starts on this customer."""
    session = use_session()
    creating, set_creating = use_state(False)
    link, set_link = use_state("")
    result = use_query(CUSTOMER_TICKETS, {"filter": {"customerId": customer["id"]}})
    use_live(CHANGED, None, lambda _: result.reload())
    page = (result.data or {}).get("tickets")

    async def show_link(e: Any) -> None:
        try:
            data = await gql.execute(session.actor, FORM_LINK, input={"customerId": customer["id"]})
        except gql.GqlError as error:
            set_link(f"The link could not be made: {error.message}")
            return
        set_link(data["createSupportForm"]["url"])

    may = session.can("createTicket")
    top = html.div(
        html.div({"className": "actions tab-actions"},
                 html.button({"className": "btn", "type": "button", "onClick": show_link}, "Support form link")
                 if may and not link else None,
                 html.button({"className": "btn btn-primary", "type": "button", "onClick": lambda e: set_creating(True)},
                             "+ New ticket") if may and not creating else None),
        html.p({"className": "notice notice-info"}, "Send this link to the customer's people: what they write there "
               "arrives here as a web ticket. ", html.input({"readOnly": True, "value": link, "className": "search",
                                                             "aria-label": "Support form link"})) if link else None,
    )
    form = NewTicket(lambda: set_creating(False), {"id": customer["id"], "name": customer["name"]}) if creating else None
    if page is None:
        return pending(result)
    tickets = [e["node"] for e in page["edges"]]
    if not tickets:
        return html.div(top, form, empty("No tickets.", "Support requests of this customer appear here."))
    rows = [[html.a({"href": f"/tickets/{t['id']}"}, t["number"]), html.a({"href": f"/tickets/{t['id']}"}, t["subject"]),
             status_badge(t["status"]), badge(t["priority"]),
             (t.get("assignee") or {}).get("name") or "Unassigned", sla_text(t)] for t in tickets]
    return html.div(top, form, card_table("Tickets", ("Number", "Subject", "Status", "Priority", "Assignee", "SLA"), rows,
                                          [t["id"] for t in tickets], stale=result.loading))
