"""The "Log an activity" form of the customer and contact pages: a call, email, meeting, note or task, linked
to a contact and a deal of the customer; a meeting has a start, an end and attendees. The controls and
values an interaction has are shared with the form that corrects one (activity_edit.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.custom_fields import custom_controls, custom_payload, use_custom_fields
from frontend.components.pick_lists import listed_input, use_pick_lists
from frontend.components.ui import changed_value, error_banner, field, form_values, select, text_input, use_form_errors
from frontend.session import use_query, use_session

LOG_ACTIVITY = "mutation LogActivity($input: LogActivityInput!) { logActivity(input: $input) { id } }"
LINKS_QUERY = """
query ActivityLinks($id: ID!) {
  customer(id: $id) { id contacts { id name } deals { id title stage { kind } } }
}"""
# The API's words for any wrong duration (services/activities.py DURATION_RULE), so all read alike.
DURATION_RULE = "must be a whole number of minutes from 0 to 1440"
KINDS = (("call", "Call"), ("email", "Email"), ("meeting", "Meeting"), ("note", "Note"), ("task", "Task"))


def _in_the_past(moment: str) -> bool:
    try:
        return datetime.fromisoformat(moment) < datetime.now(UTC)
    except ValueError:
        return False  # not a date at all: the API names the field


def interaction_fields(kind: str, start: Mapping[str, str], err: Callable[[str], str | None],
                       contacts: Sequence[dict[str, Any]], deals: Sequence[dict[str, Any]], outcomes: Sequence[str],
                       when: str | None = None) -> list[VdomDict | None]:
    """The controls of a call, email, meeting, note or deal update (`kind` lower case), each starting from
    `start` (an empty mapping: a new one); no contact or deal picker when there is none to pick. `when`: the
    hint of a "When" control for kinds other than meetings (the correcting form's; a new one happens now)."""
    return [
        field("Title", text_input("title", start.get("title", ""), placeholder="e.g. Discovery call with CFO"),
              err("title"), key="title"),
        field("Contact", select("contactId", [("", "—"), *((c["id"], c["name"]) for c in contacts)],
                                start.get("contactId", "")), err("contactId"), key="contactId") if contacts else None,
        field("Deal", select("dealId", [("", "—"), *((d["id"], d["title"]) for d in deals)], start.get("dealId", "")),
              err("dealId"), key="dealId") if deals else None,
        field("Outcome", listed_input("outcome", start.get("outcome", ""), outcomes), err("outcomeName"), key="outcome")
        if kind != "task" else None,
        field("Duration (minutes)", text_input("durationMinutes", start.get("durationMinutes", ""), kind="number",
                                               min="0"), err("durationMinutes"), key="durationMinutes")
        if kind == "call" else None,
        field("Starts", text_input("occurredAt", start.get("occurredAt", ""), kind="datetime-local"), err("occurredAt"),
              hint="Default: now" if not start else None, key="occurredAt") if kind == "meeting" else None,
        field("When", text_input("occurredAt", start.get("occurredAt", ""), kind="datetime-local"), err("occurredAt"),
              hint=when, key="occurredAt") if when and kind not in ("meeting", "task") else None,
        field("Ends", text_input("endsAt", start.get("endsAt", ""), kind="datetime-local"), err("endsAt"), key="endsAt")
        if kind == "meeting" else None,
        field("Attendees", text_input("attendees", start.get("attendees", ""), placeholder="Anna Berg, tom@example.com"),
              err("attendees"), hint="Names or emails, comma-separated", wide=True, key="attendees")
        if kind == "meeting" else None,
    ]


def details_field(start: Mapping[str, str], err: Callable[[str], str | None]) -> VdomDict:
    return field("Details", html.textarea({"name": "description", "rows": 2, "aria-label": "description",
                                           "defaultValue": start.get("description", "")}),
                 err("description"), wide=True, key="description")


def interaction_values(values: Mapping[str, str], zone: tzinfo) -> dict[str, Any]:
    """The API's input fields of the interaction controls a form holds (None: left empty); ValueError for a
    duration that is no whole number (the API's own check would never see it)."""
    duration = values.get("durationMinutes", "").strip()
    sent: dict[str, Any] = {
        "title": values.get("title", "").strip(),
        "description": values.get("description", "").strip() or None,
        "durationMinutes": int(duration) if duration else None,
        "outcomeName": values.get("outcome", "").strip() or None,
        "contactId": values.get("contactId") or None,
        "dealId": values.get("dealId") or None,
        "occurredAt": fmt.from_local(values["occurredAt"], zone) if values.get("occurredAt") else None,
        "endsAt": fmt.from_local(values["endsAt"], zone) if values.get("endsAt") else None,
    }
    if "attendees" in values:
        sent["attendees"] = [a.strip() for a in values["attendees"].split(",") if a.strip()]
    return sent


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
    custom = use_custom_fields("ACTIVITY")
    outcomes = use_pick_lists()["outcome"]  # the admins' list, re-read when they change it
    customer = (links.data or {}).get("customer") or {}
    contacts = customer.get("contacts") or []
    deals = [d for d in customer.get("deals") or [] if d["stage"]["kind"] == "OPEN"]

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        try:
            sent = interaction_values(values, session.zone)
        except ValueError:
            form.set_errors({"durationMinutes": DURATION_RULE})
            return
        payload: dict[str, Any] = {"kind": values.get("kind", "call").upper(),
                                   "customFields": custom_payload(custom, values, session.zone),
                                   **{key: value for key, value in sent.items() if value is not None}}
        if customer_id:
            payload["customerId"] = customer_id
        if contact_id:
            payload["contactId"] = contact_id
        if deal_id:
            payload["dealId"] = deal_id
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
            field("Type", select("kind", KINDS, kind, onChange=lambda e: set_kind(changed_value(e))), err("kind"), key="kind"),
            *interaction_fields(kind, {}, err, [] if contact_id else contacts, [] if deal_id else deals, outcomes),
            field("Due", text_input("dueAt", kind="datetime-local"), err("dueAt"),
                  notice="This is in the past: the task will be overdue at once. Save again to log it anyway."
                  if past_due and not err("dueAt") else None, key="dueAt")
            if kind == "task" else None,
            details_field({}, err),
            custom_controls(custom, None, form.errors, session.zone),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Save activity"),
                     html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: done()},
                                 "Close")),
        ),
    )
