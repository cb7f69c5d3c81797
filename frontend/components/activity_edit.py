"""A customer's timeline as it changes: followed live (activities logged and corrected), and correcting a logged
activity on it: its "Edit" action (shown when the API says viewerCanEdit) and the small form it opens,
prefilled with what the activity holds, with the controls of the "Log an activity" form. Only what the user
changed is sent, so a field someone else corrected meanwhile is not written back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.custom_fields import VALUES, custom_controls, custom_payload, local_input, use_custom_fields
from frontend.components.log_activity import (
    DURATION_RULE,
    LINKS_QUERY,
    details_field,
    interaction_fields,
    interaction_values,
)
from frontend.components.pick_lists import use_pick_lists
from frontend.components.ui import error_banner, form_values, pending, use_form_errors
from frontend.session import use_live, use_query, use_session

ACTIVITY_QUERY = f"""
query EditedActivity($id: ID!) {{
  activity(id: $id) {{ id version kind title description outcomeName durationMinutes occurredAt endsAt attendees
    customer {{ id }} contact {{ id }} deal {{ id }} {VALUES} }}
}}"""
UPDATE_ACTIVITY = "mutation UpdateActivity($input: UpdateActivityInput!) { updateActivity(input: $input) { id version } }"
ADDED = "subscription TimelineAdded($id: ID!) { activityAdded(customerId: $id) { id } }"
UPDATED = "subscription TimelineUpdated($id: ID!) { activityUpdated(customerId: $id) { id } }"
CONFLICT = ("Someone else saved this activity while you were editing. The form now works on their version and "
            "still shows your entries: check them and save again to apply yours.")


def form_start(activity: dict[str, Any], zone: tzinfo) -> dict[str, str]:
    """The activity as the form's controls hold it (their names, their text)."""
    return {
        "title": activity["title"], "description": activity["description"] or "",
        "outcome": activity["outcomeName"] or "",
        "durationMinutes": "" if activity["durationMinutes"] is None else str(activity["durationMinutes"]),
        "occurredAt": local_input(activity["occurredAt"], zone),
        "endsAt": local_input(activity["endsAt"], zone) if activity["endsAt"] else "",
        "attendees": ", ".join(activity["attendees"]),
        "contactId": (activity["contact"] or {}).get("id", ""), "dealId": (activity["deal"] or {}).get("id", ""),
    }


def changed(start: dict[str, str], values: dict[str, str], zone: tzinfo) -> dict[str, Any]:
    """The input fields whose value the user changed: both sides read by the same interaction_values, so a
    value shown differently than typed (a moment, an attendee list) is no change."""
    before = interaction_values({key: start[key] for key in values if key in start}, zone)
    return {key: value for key, value in interaction_values(values, zone).items() if before.get(key) != value}


@component
def EditActivity(activity_id: str, done: Callable[[], None]) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    stale, set_stale = use_state(cast(int | None, None))  # the version a save was refused on
    result = use_query(ACTIVITY_QUERY, {"id": activity_id})
    activity = (result.data or {}).get("activity")
    # Until their version has arrived a save would be refused again: the form waits for it, then says so.
    reloading = stale is not None and activity is not None and activity["version"] == stale
    customer_id = ((activity or {}).get("customer") or {}).get("id")
    links = use_query(LINKS_QUERY, {"id": customer_id}, skip=customer_id is None)
    custom = use_custom_fields("ACTIVITY")
    outcomes = use_pick_lists()["outcome"]

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        assert activity is not None
        if reloading:
            return
        values = form_values(e)
        try:
            sent = changed(form_start(activity, session.zone), values, session.zone)
        except ValueError:
            form.set_errors({"durationMinutes": DURATION_RULE})
            return
        payload = {"id": activity["id"], "version": activity["version"], **sent,
                   "customFields": custom_payload(custom, values, session.zone, activity["customFields"])}
        try:
            await gql.execute(session.actor, UPDATE_ACTIVITY, input=payload)
        except gql.GqlError as error:
            set_stale(activity["version"] if error.code == "CONFLICT" else None)
            if error.code == "CONFLICT":
                form.clear()
                result.reload()  # their version: the next save is made on it, knowingly
            else:
                form.show(error)
            return
        done()  # the timeline shows the corrected activity when activityUpdated arrives

    def err(name: str) -> str | None:
        return form.errors.get(name)

    if activity is None:
        return html.div({"className": "activity-edit"}, pending(result))
    kind = cast(str, activity["kind"]).lower()
    customer = (links.data or {}).get("customer") or {}
    deal_id = (activity["deal"] or {}).get("id")
    deals = [d for d in customer.get("deals") or [] if d["stage"]["kind"] == "OPEN" or d["id"] == deal_id]
    start = form_start(activity, session.zone)
    return html.div(
        {"className": "panel activity-edit", "aria-label": "Edit activity"},
        # In a box of its own that is always there: a notice coming or going above the form must not make the
        # browser take the form for a new one (and drop what the user typed).
        html.div({"className": "form-notices"},
                 html.div({"className": "notice notice-error", "role": "alert"}, CONFLICT)
                 if stale is not None and not reloading else None,
                 error_banner(form.problem)),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            *interaction_fields(kind, start, err, customer.get("contacts") or [], deals, outcomes,
                                when="When it happened"),
            details_field(start, err),
            custom_controls(custom, activity["customFields"], form.errors, session.zone),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit", "disabled": reloading},
                                 "Loading their version…" if reloading else "Save changes"),
                     html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: done()},
                                 "Cancel")),
        ),
    )


@component
def Correctable(node: dict[str, Any], content: VdomDict) -> VdomDict:
    """A timeline entry's text with its "Edit" action for those the API lets correct it, and the form in
    place of the action while it is open."""
    editing, set_editing = use_state(False)
    return html.div(
        {"style": {"flex": "1"}},
        content,
        html.button({"className": "btn btn-link btn-small entry-action", "type": "button",
                     "aria-label": f"Edit {node['title']}",
                     "onClick": lambda e: set_editing(True)}, "Edit")
        if node.get("viewerCanEdit") and not editing else None,
        EditActivity(node["id"], lambda: set_editing(False)) if editing else None,
    )


def use_timeline(customer_id: str, on_change: Callable[[dict[str, Any]], None]) -> None:
    """Call `on_change` (stable, as use_live wants it) whenever an activity is logged on the customer's
    timeline or one on it is corrected, by anyone."""
    use_live(ADDED, {"id": customer_id}, on_change)
    use_live(UPDATED, {"id": customer_id}, on_change)


@component
def FollowTimeline(customer_id: str, on_change: Callable[[dict[str, Any]], None]) -> VdomDict:
    """use_timeline for a page that learns the customer only once its own record is read (a component of its
    own, so a record at no customer subscribes to nothing)."""
    use_timeline(customer_id, on_change)
    return html.span({"hidden": True})
