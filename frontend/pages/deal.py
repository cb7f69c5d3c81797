"""The deal page: who it is with, what it is worth and when it should close, where it stands (and has been),
what happened on it and notes; edit, move, close as won or lost, reassign, log activities; live."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.activity_edit import Correctable, FollowTimeline
from frontend.components.attachments import AttachmentsPanel
from frontend.components.custom_fields import VALUES, custom_facts
from frontend.components.customer_tabs import ACTIVITY_FIELDS, timeline
from frontend.components.deal_form import DealForm
from frontend.components.deal_history import HISTORY_FIELDS, history
from frontend.components.deal_pipeline import MovePipeline
from frontend.components.deal_stage import StageSelect, may_move
from frontend.components.log_activity import LogActivity
from frontend.components.ui import (
    badge,
    empty,
    error_banner,
    field,
    form_values,
    loading,
    select,
    use_form_errors,
)
from frontend.pages.customer import stat
from frontend.session import use_live, use_query, use_session

DEAL_QUERY = f"""
query DealPage($id: ID!) {{
  deal(id: $id) {{
    id title version probability expectedCloseDate lostReason closedAt createdAt updatedAt
    amount {{ amount currency }} weightedAmount {{ amount currency }}
    stage {{ id name kind }}
    pipeline {{ id name stages {{ id name kind probability }} }}
    customer {{ id name }}
    contact {{ id name email phone jobTitle }}
    owner {{ id name team {{ id }} }}
    lostReasonChoice {{ id name }}
    {VALUES}
    {HISTORY_FIELDS}
    activities(first: 50) {{ {ACTIVITY_FIELDS} }}
  }}
  pipelines {{ id }}
}}"""
DEAL_CHANGED = "subscription DealChanged { dealChanged { kind dealId } }"
OWNERS = "query Owners { users(first: 100, filter: {assignableFor: OWNER}) { edges { node { id name } } } }"
REASSIGN = "mutation Reassign($input: UpdateDealInput!) { updateDeal(input: $input) { id owner { id } } }"
ADD_NOTE = "mutation DealNote($input: LogActivityInput!) { logActivity(input: $input) { id } }"


def may_edit(me: dict[str, Any], deal: dict[str, Any], allowed: bool) -> bool:
    """Edit and move follow the API's rule: reps their own deals, heads and admins what they see."""
    return allowed and (me["role"] != "SALES_REP" or (deal["owner"] or {}).get("id") == me["id"])


def may_reassign(me: dict[str, Any], deal: dict[str, Any], allowed: bool) -> bool:
    """Admins hand any deal to anyone; heads within their team (users.assignable decides)."""
    if not allowed or me["role"] not in ("ADMIN", "SALES_HEAD"):
        return False
    return me["role"] == "ADMIN" or ((deal["owner"] or {}).get("team") or {}).get("id") == (me["team"] or {}).get("id")


@component
def Reassign(deal: dict[str, Any], done: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    people = use_query(OWNERS)
    owners = [e["node"] for e in ((people.data or {}).get("users") or {}).get("edges", [])]

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        owner = form_values(e).get("ownerId")
        try:
            await gql.execute(session.actor, REASSIGN, input={"id": deal["id"], "version": deal["version"],
                                                               "ownerId": owner})
        except gql.GqlError as error:
            form.show(error)
            return
        done()

    current = (deal["owner"] or {}).get("id", "")
    return html.div(
        {"className": "panel", "aria-label": "Reassign deal"},
        html.h2("Reassign the deal"),
        html.div({"className": "form-notices"}, error_banner(form.problem or people.error)),
        html.form(
            {"onSubmit": submit, "className": "form-row", "noValidate": True},
            field("New owner", select("ownerId", [(o["id"], o["name"]) for o in owners], current),
                  form.errors.get("ownerId"), hint="They are told in their notifications"),
            html.button({"className": "btn btn-primary", "type": "submit"}, "Reassign"),
            html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: done()}, "Cancel"),
        ) if owners else loading(),
    )


@component
def DealNotes(deal: dict[str, Any], writable: bool) -> VdomDict:
    """Notes on the deal: activities of kind note, linked to it, newest first."""
    session = use_session()
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    generation, set_generation = use_state(0)
    notes = [a for a in deal["activities"] if a["kind"] == "NOTE"]

    @event(prevent_default=True)
    async def add(e: Any) -> None:
        body = form_values(e).get("body", "").strip()
        first_line = body.splitlines()[0][:200] if body else ""
        try:
            await gql.execute(session.actor, ADD_NOTE, input={
                "kind": "NOTE", "title": first_line, "description": body if body != first_line else None,
                "dealId": deal["id"], "customerId": deal["customer"]["id"]})
        except gql.GqlError as error:
            set_problem(error)
            return
        set_problem(None)
        set_generation(generation + 1)  # a fresh form; the note itself arrives live (activityAdded)

    return html.section(
        {"className": "panel", "aria-label": "Notes"},
        html.h2("Notes"),
        html.div({"className": "form-notices"}, error_banner(problem)),  # the form stays in place
        html.form(
            {"onSubmit": add, "key": f"note-{generation}", "className": "note-form"},
            html.textarea({"name": "body", "rows": 2, "placeholder": "Add a note about this deal…", "aria-label": "Note"}),
            html.button({"className": "btn", "type": "submit"}, "Add note"),
        ) if writable else None,
        html.ul({"className": "notes"}, *(
            html.li({"key": n["id"], "className": "note"}, Correctable(n, html.div(
                html.div(n["title"]), html.div({"className": "muted"}, n["description"]) if n["description"] else None,
                html.div({"className": "note-foot"},
                         f"{n['author']['name'] if n['author'] else 'Someone'}, {fmt.moment(n['occurredAt'])}")),
                key=f"entry-{n['id']}"))
            for n in notes
        )) if notes else html.p({"className": "muted"}, "No notes yet: write down what the next person should know."),
    )


@component
def DealPage(deal_id: str) -> VdomDict:
    session = use_session()
    panel, set_panel = use_state(cast(str | None, None))
    result = use_query(DEAL_QUERY, {"id": deal_id})
    deal = (result.data or {}).get("deal")

    def changed(data: dict[str, Any]) -> None:
        # {} after a re-subscription: refetch what may have been missed. Other deals' changes are not ours.
        if not data or (data.get("dealChanged") or {}).get("dealId") == deal_id:
            result.reload()

    use_live(DEAL_CHANGED, None, changed)

    if deal is None:
        if result.error:
            return html.div({"className": "page"}, html.a({"href": "/pipeline"}, "← Pipeline"), html.h1("Deal"),
                            error_banner(result.error))
        return loading("Loading deal…")

    me = session.me
    editable = may_edit(me, deal, session.can("updateDeal"))

    def saved(*_: Any) -> None:
        set_panel(None)
        result.reload()

    actions = []
    if editable:
        actions.append(html.button({"className": "btn", "type": "button", "key": "edit",
                                    "onClick": lambda e: set_panel("edit")}, "Edit"))
    if may_reassign(me, deal, session.can("updateDeal")):
        actions.append(html.button({"className": "btn", "type": "button", "key": "reassign",
                                    "onClick": lambda e: set_panel("reassign")}, "Reassign"))
    if may_move(session, deal) and len((result.data or {}).get("pipelines") or []) > 1:
        actions.append(html.button({"className": "btn", "type": "button", "key": "pipeline",
                                    "onClick": lambda e: set_panel("pipeline")}, "Move to pipeline"))
    if session.can("logActivity"):
        actions.append(html.button({"className": "btn btn-primary", "type": "button", "key": "log",
                                    "onClick": lambda e: set_panel("log")}, "+ Log activity"))
    stage, contact, owner = deal["stage"], deal["contact"], deal["owner"]
    lost = stage["kind"] == "LOST"
    others = [a for a in deal["activities"] if a["kind"] != "NOTE"]
    return html.div(
        {"className": "page deal-page"},
        html.p(html.a({"href": "/pipeline"}, "← Pipeline")),
        html.div(
            {"className": "hero"},
            html.div(
                html.div({"className": "actions"}, html.h1(deal["title"]), badge(stage["name"], stage["kind"].lower())),
                html.div({"className": "hero-meta"},
                         html.a({"href": f"/customers/{deal['customer']['id']}"}, deal["customer"]["name"]),
                         html.span(f"{deal['pipeline']['name']} pipeline"),
                         html.span(f"opened {fmt.day(deal['createdAt'])}")),
                html.p({"className": "notice notice-error", "data-testid": "lost-reason"},
                       fmt.lost(deal)) if lost and deal["lostReason"] else None,
            ),
            html.div({"className": "actions"}, *actions),
        ),
        html.div(
            {"className": "stats"},
            stat("Amount", html.span({"data-testid": "deal-amount"}, fmt.money(deal["amount"], exact=True))),
            stat("Probability", f"{deal['probability']} %"),
            stat("Weighted", fmt.money(deal["weightedAmount"])),
            stat("Expected close", fmt.day(deal["expectedCloseDate"])),
            stat("Owner", html.span({"data-testid": "deal-owner"}, owner["name"] if owner else "Unassigned")),
        ),
        html.div(
            {"className": "deal-move"},
            html.span({"className": "field-label"}, "Stage"),
            StageSelect(deal, deal["pipeline"]["stages"], result.reload, "Move to stage", key=f"mover-{deal['version']}"),
        ) if may_move(session, deal) else None,
        DealForm(lambda _: saved(), deal=deal, key=f"edit-{deal['id']}") if panel == "edit" else None,
        Reassign(deal, saved) if panel == "reassign" else None,
        MovePipeline(deal, saved) if panel == "pipeline" else None,
        LogActivity(deal["customer"]["id"], lambda: set_panel(None), deal_id=deal["id"]) if panel == "log" else None,
        html.div(
            {"className": "grid-2"},
            html.div(
                html.section(
                    {"className": "panel", "aria-label": "Activities"},
                    html.h2("Activities"),
                    timeline(others) if others else empty(
                        "Nothing logged on this deal yet.", "Log calls, emails and meetings here to keep its story."),
                ),
                DealNotes(deal, session.can("logActivity")),
            ),
            html.div(
                html.section(
                    {"className": "panel", "aria-label": "Details"},
                    html.h2("Details"),
                    html.dl({"className": "facts"}, *custom_facts(deal["customFields"])),
                ) if deal["customFields"] else None,
                html.section(
                    {"className": "panel", "aria-label": "Contact"},
                    html.h2("Contact"),
                    html.div(html.strong(contact["name"]), html.div({"className": "muted"}, contact["jobTitle"] or ""),
                             html.a({"href": f"mailto:{contact['email']}"}, contact["email"]) if contact["email"] else None,
                             html.div(contact["phone"]) if contact["phone"] else None)
                    if contact else html.p({"className": "muted"}, "No contact person yet.",
                                           html.button({"className": "btn btn-link", "type": "button",
                                                        "onClick": lambda e: set_panel("edit")}, "Add one")
                                           if editable else None),
                ),
                html.section(
                    {"className": "panel", "aria-label": "Deal files"},
                    html.h2("Files"),
                    AttachmentsPanel("DEAL", deal["id"], session.can("attachFile") and session.me["role"] != "SUPPORT"),
                ),
                history(deal),
            ),
        ),
        FollowTimeline(deal["customer"]["id"], lambda _: result.reload()),
    )
