"""The "Log an activity" form of the customer and contact pages: a call, email, meeting, note or task, linked
to a contact and a deal of the customer; a meeting has a start, an end and attendees."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.ui import changed_value, error_banner, field, form_values, select, text_input, use_form_errors
from frontend.session import use_query, use_session

LOG_ACTIVITY = "mutation LogActivity($input: LogActivityInput!) { logActivity(input: $input) { id } }"
LINKS_QUERY = """
query ActivityLinks($id: ID!) {
  customer(id: $id) { id contacts { id name } deals { id title stage { kind } } }
}"""
KINDS = (("call", "Call"), ("email", "Email"), ("meeting", "Meeting"), ("note", "Note"), ("task", "Task"))


def _in_the_past(moment: str) -> bool:
    try:
        return datetime.fromisoformat(moment) < datetime.now(UTC)
    except ValueError:
        return False  # not a date at all: the API names the field


@component
def LogActivity(customer_id: str | None, done: Any, contact_id: str | None = None,
                deal_id: str | None = None) -> VdomDict:
    """On a customer's page the contact and the deal are picked in the form; on a contact's page the contact is
    that contact (`contact_id`), on a deal's page the deal is that deal (`deal_id`)."""
    session = use_session()
    form = use_form_errors()
    kind, set_kind = use_state("call")
    generation, set_generation = use_state(0)
    past_due, set_past_due = use_state("")  # a due date in the past the user was told of (saved if sent again)
    links = use_query(LINKS_QUERY, {"id": customer_id}, skip=customer_id is None)
    customer = (links.data or {}).get("customer") or {}
    contacts = customer.get("contacts") or []
    deals = [d for d in customer.get("deals") or [] if d["stage"]["kind"] == "OPEN"]

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload: dict[str, Any] = {"kind": values.get("kind", "call").upper(), "title": values.get("title", "").strip()}
        if customer_id:
            payload["customerId"] = customer_id
        for key in ("contactId", "dealId"):
            if values.get(key):
                payload[key] = values[key]
        if contact_id:
            payload["contactId"] = contact_id
        if deal_id:
            payload["dealId"] = deal_id
        if values.get("description", "").strip():
            payload["description"] = values["description"].strip()
        if values.get("durationMinutes"):
            try:
                payload["durationMinutes"] = int(values["durationMinutes"])  # the API says what is wrong with it
            except ValueError:
                # The API's words for any wrong duration (services/activities.py DURATION_RULE), so all read alike.
                form.set_errors({"durationMinutes": "must be a whole number of minutes from 0 to 1440"})
                return
        if values.get("outcome"):
            payload["outcome"] = values["outcome"].upper()
        if payload["kind"] == "MEETING":
            if values.get("occurredAt"):
                payload["occurredAt"] = fmt.from_local(values["occurredAt"], session.zone)
            if values.get("endsAt"):
                payload["endsAt"] = fmt.from_local(values["endsAt"], session.zone)
            payload["attendees"] = [a.strip() for a in values.get("attendees", "").split(",") if a.strip()]
        if values.get("dueAt"):
            payload["dueAt"] = fmt.from_local(values["dueAt"], session.zone)
            if payload["kind"] == "TASK" and _in_the_past(payload["dueAt"]) and past_due != values["dueAt"]:
                form.clear()
                set_past_due(values["dueAt"])  # told once; the same date sent again is meant
                return
        try:
            await gql.execute(session.actor, LOG_ACTIVITY, input=payload)
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        set_past_due("")
        set_generation(generation + 1)  # a fresh, empty form
        done()

    def err(name: str) -> str | None:
        return form.errors.get(name)

    return html.div(
        # Focused as it opens (router.js focuses [autofocus]), so it scrolls into view: on a phone it opens
        # below the fold.
        {"className": "panel", "aria-label": "Log activity", "tabIndex": -1, "autoFocus": True},
        html.h2("Log an activity"),
        error_banner(form.problem),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "key": f"log-{generation}",
             "noValidate": True},
            field("Type", select("kind", KINDS, kind, onChange=lambda e: set_kind(changed_value(e))), err("kind")),
            field("Title", text_input("title", placeholder="e.g. Discovery call with CFO"), err("title")),
            field("Contact", select("contactId", [("", "—"), *((c["id"], c["name"]) for c in contacts)]),
                  err("contactId")) if contacts and not contact_id else None,
            field("Deal", select("dealId", [("", "—"), *((d["id"], d["title"]) for d in deals)]), err("dealId"))
            if deals and not deal_id else None,
            field("Outcome", select("outcome", [("", "—"), ("positive", "Positive"), ("neutral", "Neutral"),
                                                ("negative", "Negative")]), err("outcome"))
            if kind != "task" else None,
            field("Duration (minutes)", text_input("durationMinutes", kind="number", min="0"), err("durationMinutes"))
            if kind == "call" else None,
            field("Starts", text_input("occurredAt", kind="datetime-local"), err("occurredAt"), hint="Default: now")
            if kind == "meeting" else None,
            field("Ends", text_input("endsAt", kind="datetime-local"), err("endsAt")) if kind == "meeting" else None,
            field("Attendees", text_input("attendees", placeholder="Anna Berg, tom@example.com"), err("attendees"),
                  hint="Names or emails, comma-separated", wide=True) if kind == "meeting" else None,
            field("Due", text_input("dueAt", kind="datetime-local"), err("dueAt"),
                  notice="This is in the past: the task will be overdue at once. Save again to log it anyway."
                  if past_due and not err("dueAt") else None)
            if kind == "task" else None,
            field("Details", html.textarea({"name": "description", "rows": 2, "aria-label": "description"}),
                  err("description"), wide=True),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Save activity"),
                     html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: done()},
                                 "Close")),
        ),
    )
