"""A campaign's mail: the Share dialog (contacts, customers or a segment), greetings scheduled for a time,
and the live list of sends (one row per recipient address, with its status)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from reactpy import component, html, use_async_effect, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.customer_picker import CustomerPicker
from frontend.components.ui import badge, cell, changed_value, dialog_head, error_banner, pending
from frontend.gql import GqlError
from frontend.session import use_live, use_query, use_session

SENDS = """
query CampaignSends($id: ID!, $status: [CampaignSendStatus!]) {
  campaign(id: $id) {
    id sendCounts { queued sent failed unsubscribed noConsent total }
    sends(first: 50, status: $status) { totalCount edges { node { id email status kind error updatedAt contact { id name } } } }
  }
}"""
SENDS_CHANGED = "subscription SendsChanged($id: ID!) { campaignSendsChanged(campaignId: $id) { campaignId } }"
FIND_CONTACTS = """
query FindContacts($search: String) {
  contacts(first: 10, search: $search) { edges { node { id name email mailConsent { subscribed } } } }
}"""
SEGMENTS = "query Segments { segments(first: 100) { edges { node { id name } } } }"
SHARE = """mutation ShareCampaign($input: ShareCampaignInput!) { shareCampaign(input: $input) { queued unsubscribed noConsent } }"""
SCHEDULE = """mutation ScheduleGreeting($input: ScheduleGreetingInput!) { scheduleGreeting(input: $input) { id } }"""
CANCEL = """mutation CancelGreeting($input: CancelGreetingInput!) { cancelGreeting(input: $input) { id status } }"""
GREETINGS = """
query Greetings($id: ID!) {
  campaign(id: $id) { id greetings(first: 20) { edges { node { id sendAt status audience sentCount } } } }
}"""
FILTERS = (("", "All"), ("SENT", "Sent"), ("QUEUED", "Queued"), ("FAILED", "Failed"),
           ("UNSUBSCRIBED", "Unsubscribed"), ("NO_CONSENT", "No consent"))


def result_words(result: dict[str, int]) -> str:
    left_out = result["unsubscribed"] + result["noConsent"]
    words = f"{result['queued']} mail{'s' if result['queued'] != 1 else ''} on the way."
    if left_out:
        words += (f" {left_out} left out: {result['unsubscribed']} unsubscribed, "
                  f"{result['noConsent']} never agreed to marketing email.")
    return words


@component
def Sends(campaign_id: str) -> VdomDict:
    """The campaign's sends, newest first, filtered by status; follows the outbox live."""
    status, set_status = use_state("")
    result = use_query(SENDS, {"id": campaign_id, "status": [status] if status else None})
    use_live(SENDS_CHANGED, {"id": campaign_id}, lambda data: result.reload())
    campaign = (result.data or {}).get("campaign")
    if campaign is None:
        return html.div({"className": "card"}, html.h2("Sends"),
                        pending(result, "Loading sends…"))
    counts = campaign["sendCounts"]
    nodes = [e["node"] for e in campaign["sends"]["edges"]]
    count_of = {"": counts["total"], "SENT": counts["sent"], "QUEUED": counts["queued"], "FAILED": counts["failed"],
                "UNSUBSCRIBED": counts["unsubscribed"], "NO_CONSENT": counts["noConsent"]}
    return html.div(
        {"className": "card", "aria-label": "Sends"},
        html.div({"className": "card-head"}, html.h2("Sends"),
                 html.span({"className": "muted", "data-testid": "sends-summary"},
                           f"{counts['sent']} sent · {counts['queued']} queued · {counts['failed']} failed · "
                           f"{counts['unsubscribed'] + counts['noConsent']} not sent")),
        html.div({"className": "chips", "role": "group", "aria-label": "Filter sends"}, *(
            html.button({"key": value or "all", "type": "button",
                         "className": "btn btn-small" + (" btn-primary" if value == status else ""),
                         "aria-pressed": "true" if value == status else "false",
                         "onClick": lambda e, value=value: set_status(value)}, f"{label} ({count_of[value]})")
            for value, label in FILTERS)),
        html.div({"className": "table-wrap"}, html.table(
            {"className": "table table-cards", "aria-label": "Sends list"},
            html.thead(html.tr(html.th("Recipient"), html.th("Kind"), html.th("Status"), html.th("When"))),
            html.tbody(*(html.tr(
                {"key": n["id"]},
                cell("Recipient", html.div(html.a({"href": f"/contacts/{n['contact']['id']}"}, n["contact"]["name"]))
                     if n["contact"] else None, html.div({"className": "muted"}, n["email"])),
                cell("Kind", fmt.label(n["kind"])),
                cell("Status", badge(n["status"]),
                     html.div({"className": "muted"}, n["error"]) if n["error"] else None),
                cell("When", fmt.moment(n["updatedAt"])),
            ) for n in nodes)),
        )) if nodes else html.p({"className": "muted"}, "No sends yet. Share the campaign, or schedule a greeting, "
                                "and each recipient shows here with what happened to their mail."),
    )


@component
def ContactSearch(add: Any) -> VdomDict:
    typed, set_typed = use_state("")
    search, set_search = use_state("")

    @use_async_effect(dependencies=[typed])
    async def settle() -> None:
        await asyncio.sleep(0.3)
        set_search(typed.strip())

    found = use_query(FIND_CONTACTS, {"search": search}, skip=not search)
    nodes = [e["node"] for e in ((found.data or {}).get("contacts") or {}).get("edges", [])] if search else []
    return html.div(
        {"className": "picker"},
        html.input({"type": "search", "aria-label": "Find contact", "placeholder": "Type a contact's name or email",
                    "value": typed, "onChange": lambda e: set_typed(changed_value(e))}),
        html.ul({"className": "picker-options", "aria-label": "Matching contacts"}, *(
            html.li({"key": n["id"]}, html.button(
                {"className": "btn btn-small", "type": "button", "onClick": lambda e, n=n: add(n)}, n["name"],
                html.span({"className": "muted"}, f" · {n['email'] or 'no email'}"
                          + ("" if (n["mailConsent"] or {}).get("subscribed") else " · not subscribed"))))
            for n in nodes)) if nodes else None,
    )


@component
def ShareDialog(campaign: dict[str, Any], close: Any, greeting: bool = False) -> VdomDict:
    """Pick contacts, customers or a segment; share now (or, for a greetings campaign, schedule it)."""
    session = use_session()
    contacts, set_contacts = use_state(cast(list[dict[str, Any]], []))
    customers, set_customers = use_state(cast(list[dict[str, Any]], []))
    segment_id, set_segment_id = use_state("")
    note, set_note = use_state("")
    send_at, set_send_at = use_state("")
    problem, set_problem = use_state(cast(GqlError | None, None))
    done, set_done = use_state(cast(str | None, None))
    busy, set_busy = use_state(False)
    segments = use_query(SEGMENTS)
    segment_options = [e["node"] for e in ((segments.data or {}).get("segments") or {}).get("edges", [])]

    # Updates from the current state, not the render's copy: picks made in quick succession all count.
    def added(node: dict[str, Any]) -> Any:
        return lambda picked: picked if any(c["id"] == node["id"] for c in picked) else [*picked, node]

    def add_contact(node: dict[str, Any]) -> None:
        set_contacts(added(node))

    def add_customer(node: dict[str, Any] | None) -> None:
        if node:
            set_customers(added(node))

    async def submit(_: Any) -> None:
        set_busy(True)
        payload: dict[str, Any] = {"campaignId": campaign["id"], "contactIds": [c["id"] for c in contacts],
                                   "customerIds": [c["id"] for c in customers], "segmentId": segment_id or None,
                                   "note": note or None}
        try:
            if greeting:
                payload["sendAt"] = fmt.from_local(send_at, session.zone) if send_at else None
                await gql.execute(session.actor, SCHEDULE, input=payload)
                set_done("Greeting scheduled.")
            else:
                result = (await gql.execute(session.actor, SHARE, input=payload))["shareCampaign"]
                set_done(result_words(result))
        except gql.GqlError as error:
            set_problem(error)
            set_busy(False)
            return
        set_problem(None)
        set_busy(False)
        set_contacts([])
        set_customers([])

    def chip(item: dict[str, Any], remove: Any) -> VdomDict:
        return html.li({"key": item["id"], "className": "chip"}, item["name"],
                       html.button({"className": "btn btn-link", "type": "button", "aria-label": f"Remove {item['name']}",
                                    "onClick": lambda e: remove()}, "×"))

    title = "Schedule a greeting" if greeting else "Share this campaign"
    return html.div(
        {"className": "panel share-dialog", "role": "dialog", "aria-label": title},
        dialog_head(title, close),
        html.p({"className": "muted"}, "One email per address, with the campaign's public page link. Only people who "
               "agreed to marketing email and have not unsubscribed get it; the others are listed as not sent."),
        error_banner(problem),
        html.div({"className": "notice notice-ok", "role": "status", "data-testid": "share-result"}, done) if done else None,
        html.div({"className": "form-grid"},
                 html.div({"className": "field field-wide"}, html.label("Contacts"), ContactSearch(add_contact),
                          html.ul({"className": "chips", "aria-label": "Picked contacts"},
                                  *(chip(c, lambda c=c: set_contacts([x for x in contacts if x["id"] != c["id"]]))
                                    for c in contacts))),
                 html.div({"className": "field field-wide"}, html.label("Customers (their contacts with email)"),
                          CustomerPicker(None, add_customer),
                          html.ul({"className": "chips", "aria-label": "Picked customers"},
                                  *(chip(c, lambda c=c: set_customers([x for x in customers if x["id"] != c["id"]]))
                                    for c in customers))),
                 html.div({"className": "field"}, html.label({"htmlFor": "share-segment"}, "Or a segment"),
                          html.select({"id": "share-segment", "value": segment_id,
                                       "onChange": lambda e: set_segment_id(changed_value(e))},
                                      html.option({"value": ""}, "No segment"),
                                      *(html.option({"value": s["id"], "key": s["id"]}, s["name"]) for s in segment_options))),
                 html.div({"className": "field"}, html.label({"htmlFor": "greeting-at"}, "Send at (your time)"),
                          html.input({"id": "greeting-at", "type": "datetime-local", "value": send_at,
                                      "onChange": lambda e: set_send_at(changed_value(e))})) if greeting else None,
                 html.div({"className": "field field-wide"}, html.label({"htmlFor": "share-note"}, "A few words (optional)"),
                          html.textarea({"id": "share-note", "rows": 3, "value": note, "maxLength": 2000,
                                         "onChange": lambda e: set_note(changed_value(e))}))),
        html.div({"className": "form-actions"},
                 html.button({"className": "btn btn-primary", "type": "button", "onClick": submit, "disabled": busy},
                             "Schedule" if greeting else "Send now")),
    )


@component
def Greetings(campaign_id: str) -> VdomDict:
    session = use_session()
    result = use_query(GREETINGS, {"id": campaign_id})
    problem, set_problem = use_state(cast(GqlError | None, None))
    campaign = (result.data or {}).get("campaign")
    nodes = [e["node"] for e in campaign["greetings"]["edges"]] if campaign else []

    async def cancel(greeting_id: str) -> None:
        try:
            await gql.execute(session.actor, CANCEL, input={"id": greeting_id})
        except gql.GqlError as error:
            set_problem(error)
            return
        set_problem(None)
        result.reload()

    return html.div(
        {"className": "card", "aria-label": "Greetings"},
        html.h2("Scheduled greetings"),
        error_banner(problem),
        html.ul({"className": "timeline"}, *(html.li({"key": n["id"]}, html.div(
            html.strong(fmt.moment(n["sendAt"])), " ", badge(n["status"]),
            html.div({"className": "muted"}, n["audience"] + (f" · {n['sentCount']} addresses" if n["status"] == "SENT" else "")),
            html.button({"className": "btn btn-small", "type": "button", "onClick": lambda e, i=n["id"]: cancel(i)},
                        "Cancel") if n["status"] == "SCHEDULED" and session.can("scheduleGreeting") else None,
        )) for n in nodes)) if nodes else html.p({"className": "muted"}, "Nothing scheduled."),
    )
