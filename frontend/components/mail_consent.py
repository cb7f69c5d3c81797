"""A contact's marketing-email consent: its state, its history (who, when, how), and marking it by hand."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.ui import awaiting, badge, changed_value, error_banner
from frontend.gql import GqlError
from frontend.session import use_session

CONSENT_FIELDS = ("mailConsent { subscribed status source changedAt "
                  "history(first: 10) { status source note occurredAt changedBy { name } } }")
SET_CONSENT = """mutation SetMailConsent($input: SetMailConsentInput!) { setMailConsent(input: $input) { id } }"""
SOURCES = {"ENROLMENT": "campaign sign-up form", "MANUAL": "marked by a user", "IMPORT": "import",
           "LINK": "unsubscribe link in an email", "ONE_CLICK": "one-click unsubscribe in their mail app",
           "PREFERENCES": "their email preferences page"}


@component
def MailConsentCard(contact: dict[str, Any], changed: Any) -> VdomDict:
    session = use_session()
    note, set_note = use_state("")
    problem, set_problem = use_state(cast(GqlError | None, None))
    consent = contact.get("mailConsent")
    if consent is None:
        return html.div({"className": "card", "aria-label": "Marketing email"}, html.h2("Marketing email"),
                        html.p({"className": "muted"}, "No email address: nothing to consent to."))

    async def mark(subscribed: bool) -> None:
        try:
            await gql.execute(session.actor, SET_CONSENT,
                              input={"contactId": contact["id"], "subscribed": subscribed, "note": note or None})
        except gql.GqlError as error:
            set_problem(error)
            return
        set_problem(None)
        set_note("")
        changed()

    state = consent["status"] or "NO_CONSENT"
    words = {"SUBSCRIBED": "Receives marketing email.", "UNSUBSCRIBED": "Unsubscribed: gets no marketing email.",
             "NO_CONSENT": "Never agreed to marketing email: gets none until they do."}[state]
    return html.div(
        {"className": "card", "aria-label": "Marketing email"},
        html.div({"className": "card-head"}, html.h2("Marketing email"), badge(state)),
        html.p({"data-testid": "consent-state"}, words,
               html.span({"className": "muted"}, f" Since {fmt.moment(consent['changedAt'])}, "
                         f"{SOURCES.get(consent['source'], '')}.") if consent["changedAt"] else None),
        error_banner(problem),
        html.div(
            {"className": "actions consent-actions"},
            html.input({"type": "text", "aria-label": "How they said so", "placeholder": "How they said so (optional)",
                        "value": note, "maxLength": 200, "onChange": lambda e: set_note(changed_value(e))}),
            html.button({"className": "btn btn-small", "type": "button", "onClick": awaiting(mark, True)},
                        "Mark subscribed") if state != "SUBSCRIBED" else None,
            html.button({"className": "btn btn-small", "type": "button", "onClick": awaiting(mark, False)},
                        "Mark unsubscribed") if state != "UNSUBSCRIBED" else None,
        ) if session.can("setMailConsent") else None,
        html.ul({"className": "consent-history", "aria-label": "Consent history"}, *(
            html.li({"key": f"{h['occurredAt']}-{i}"}, badge(h["status"]), " ", fmt.moment(h["occurredAt"]), " · ",
                    SOURCES.get(h["source"], h["source"]),
                    f" ({h['changedBy']['name']})" if h["changedBy"] else "",
                    html.span({"className": "muted"}, f" — {h['note']}") if h["note"] else None)
            for i, h in enumerate(consent["history"]))) if consent["history"] else None,
    )
