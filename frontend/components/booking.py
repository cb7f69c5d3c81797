"""Meeting booking on a contact's page: send them a booking link (emailed, and shown for copying) and see
or withdraw the links you sent them."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.ui import awaiting, badge, error_banner, field, form_values, select, use_form_errors
from frontend.session import use_query, use_session

LINKS_QUERY = """
query ContactBookingLinks($contactId: ID!) {
  bookingLinks(first: 20, contactId: $contactId) {
    edges { node { id state durationMinutes createdAt expiresAt startsAt } }
  }
}"""
CREATE_LINK = ("mutation CreateBookingLink($input: CreateBookingLinkInput!) "
               "{ createBookingLink(input: $input) { url link { id expiresAt } } }")
REVOKE_LINK = "mutation RevokeBookingLink($input: RevokeBookingLinkInput!) { revokeBookingLink(input: $input) { id } }"
DURATIONS = [("15", "15 minutes"), ("30", "30 minutes"), ("45", "45 minutes"), ("60", "1 hour"),
             ("90", "1½ hours"), ("120", "2 hours")]
HORIZONS = [("3", "3 days"), ("7", "1 week"), ("14", "2 weeks"), ("30", "30 days")]


@component
def SendBookingLink(contact: dict[str, Any], close: Any, sent: Any) -> VdomDict:
    """The dialog: length, how far ahead, a note; then the link, to copy."""
    session = use_session()
    form = use_form_errors()
    made, set_made = use_state(cast(str | None, None))

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload = {"contactId": contact["id"], "durationMinutes": int(values.get("durationMinutes") or 30),
                   "daysAhead": int(values.get("daysAhead") or 14), "note": values.get("note", "").strip()}
        try:
            result = (await gql.execute(session.actor, CREATE_LINK, input=payload))["createBookingLink"]
        except gql.GqlError as error:
            form.show(error)
            return
        set_made(result["url"])
        sent()

    if made:
        return html.div(
            {"className": "panel", "role": "dialog", "aria-label": "Booking link sent"},
            html.h2("Booking link sent"),
            html.div({"className": "notice notice-ok", "role": "status"},
                     f"{contact['name']} gets an email with this link to pick a time ({contact['email']})."),
            html.label({"className": "field"}, html.span({"className": "field-label"}, "Link to copy"),
                       html.input({"className": "snippet", "readOnly": True, "value": made,
                                   "aria-label": "Booking link"})),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn", "type": "button", "onClick": lambda e: close()}, "Done")),
        )
    return html.div(
        {"className": "panel", "role": "dialog", "aria-label": "Send booking link"},
        html.h2("Send a booking link"),
        html.p({"className": "muted"}, f"{contact['name']} picks a free time within your working hours "
               "(Settings → Working hours); the meeting lands in your calendar and theirs."),
        error_banner(form.problem),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            field("Meeting length", select("durationMinutes", DURATIONS, "30", **{"aria-label": "Meeting length"}),
                  form.errors.get("durationMinutes")),
            field("Offer times for", select("daysAhead", HORIZONS, "14", **{"aria-label": "Offer times for"}),
                  form.errors.get("daysAhead")),
            field("Note to the contact", html.textarea({"name": "note", "rows": 3, "aria-label": "Note to the contact",
                                                         "maxLength": 2000, "placeholder": "Optional"}),
                  form.errors.get("note"), wide=True),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Send link"),
                     html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: close()},
                                 "Cancel")),
        ),
    )


@component
def BookingLinks(contact_id: str, refresh: int) -> VdomDict:
    """Your links to this contact, newest first; an open one can be withdrawn."""
    session = use_session()
    result = use_query(LINKS_QUERY, {"contactId": contact_id}, refresh=refresh)
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    links = [e["node"] for e in ((result.data or {}).get("bookingLinks") or {"edges": []})["edges"]]
    if not links:
        return html.span({"hidden": True})

    async def revoke(link_id: str) -> None:
        try:
            await gql.execute(session.actor, REVOKE_LINK, input={"id": link_id})
        except gql.GqlError as error:
            set_problem(error)
            return
        set_problem(None)
        result.reload()

    def line(link: dict[str, Any]) -> VdomDict:
        state = link["state"]
        when = (f"Booked for {fmt.moment(link['startsAt'])}" if state == "booked" and link["startsAt"]
                else f"Sent {fmt.moment(link['createdAt'])} · until {fmt.moment(link['expiresAt'])}")
        return html.li(
            {"key": link["id"], "className": "booking-link", "data-state": state},
            badge(state), html.span(f" {link['durationMinutes']} min · {when} "),
            html.button({"className": "btn btn-small btn-ghost", "type": "button",
                         "onClick": awaiting(revoke, link["id"])}, "Withdraw") if state == "open" else None,
        )

    return html.div(
        {"className": "card", "aria-label": "Booking links"},
        html.h2("Your booking links"),
        error_banner(problem),
        html.ul({"className": "booking-links"}, *(line(link) for link in links)),
    )
