"""Campaigns: the list with live-ish counters, and a form to start a new campaign."""

from __future__ import annotations

from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from backend.reads.paging import MAX_FIRST
from frontend import format as fmt
from frontend import gql
from frontend.components.ui import (
    badge,
    cell,
    dialog_head,
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
from frontend.session import use_query, use_session

CAMPAIGNS_QUERY = f"""
query Campaigns {{
  campaigns(first: {MAX_FIRST}, orderBy: {{field: CREATED_AT, direction: DESC}}) {{
    totalCount
    edges {{ node {{ id title code type visibility status startsOn endsOn views likes enrolments owner {{ name }} }} }}
  }}
}}"""
CREATE_CAMPAIGN = "mutation CreateCampaign($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }"
TYPES = (("promotion", "Promotion"), ("referral", "Referral"), ("greetings", "Greetings"))
VISIBILITIES = (("private", "Private (owners only)"), ("internal", "Internal (all staff)"), ("public", "Public page"))


def campaign_payload(values: dict[str, str]) -> dict[str, Any]:
    """Form values → campaign input: enums upper-case, empty dates as null."""
    payload: dict[str, Any] = {"title": values.get("title", "").strip()}
    for key in ("code", "description"):
        if key in values:
            payload[key] = values[key].strip()
    for key in ("type", "visibility"):
        if values.get(key):
            payload[key] = values[key].upper()
    for key in ("startsOn", "endsOn"):
        if key in values:
            payload[key] = values[key] or None
    return payload


@component
def NewCampaign(close: Any) -> VdomDict:
    session = use_session()
    nav = use_nav()
    form = use_form_errors()

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        payload = {k: v for k, v in campaign_payload(form_values(e)).items() if v not in ("", None)}
        payload.setdefault("type", "PROMOTION")
        try:
            created = (await gql.execute(session.actor, CREATE_CAMPAIGN, input=payload))["createCampaign"]
        except gql.GqlError as error:
            form.show(error)
            return
        nav.navigate(f"/campaigns/{created['id']}")

    return html.div(
        {"className": "panel", "aria-label": "New campaign"},
        dialog_head("New campaign", close),
        error_banner(form.problem),
        html.form(
            {"onSubmit": submit, "className": "form-grid", "noValidate": True},
            field("Title", text_input("title"), form.errors.get("title")),
            field("Type", select("type", TYPES), form.errors.get("type")),
            field("Visibility", select("visibility", VISIBILITIES), form.errors.get("visibility")),
            field("Code", text_input("code", placeholder="made from the title"), form.errors.get("code"),
                  hint="Public address /c/<code>"),
            field("Starts on", text_input("startsOn", kind="date"), form.errors.get("startsOn")),
            field("Ends on", text_input("endsOn", kind="date"), form.errors.get("endsOn")),
            field("Description", html.textarea({"name": "description", "rows": 3, "aria-label": "description"}),
                  form.errors.get("description"), wide=True),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Create campaign")),
        ),
    )


@component
def CampaignsPage() -> VdomDict:
    session = use_session()
    creating, set_creating = use_state(False)
    result = use_query(CAMPAIGNS_QUERY)
    page = (result.data or {}).get("campaigns")
    if page is None:
        body = pending(result, "Loading campaigns…")
    elif not page["edges"]:
        body = empty("No campaigns yet.", "Start one with “New campaign”, make it public and share its page."
                     if session.can("createCampaign") else "Campaign owners (marketing) create campaigns.")
    else:
        body = html.div({"className": "table-wrap"}, html.table(
            {"className": "table table-cards", "aria-label": "Campaigns"},
            html.thead(html.tr(html.th("Campaign"), html.th("Type"), html.th("Status"), html.th("Visibility"),
                               html.th("Period"), html.th("Views"), html.th("Likes"), html.th("Enrolments"),
                               html.th("Owner"))),
            html.tbody(*(
                html.tr(
                    {"key": n["id"]},
                    cell("Campaign", html.a({"href": f"/campaigns/{n['id']}", "className": "row-link"}, n["title"]),
                         html.div({"className": "muted"}, f"/c/{n['code']}")),
                    cell("Type", fmt.label(n["type"])),
                    cell("Status", badge(n["status"])),
                    cell("Visibility", fmt.label(n["visibility"])),
                    cell("Period", f"{fmt.day(n['startsOn'])} – {fmt.day(n['endsOn'])}", className="nowrap"),
                    cell("Views", str(n["views"])), cell("Likes", str(n["likes"])),
                    cell("Enrolments", str(n["enrolments"])),
                    cell("Owner", n["owner"]["name"] if n["owner"] else "–"),
                )
                for n in (e["node"] for e in page["edges"])
            )),
        ))
    return html.div(
        {"className": "page"},
        html.div({"className": "page-head"},
                 html.div(html.h1("Campaigns"),
                          html.p({"className": "subtle"}, f"{page['totalCount']} campaigns" if page else "")),
                 html.button({"className": "btn btn-primary", "type": "button", "onClick": lambda e: set_creating(True)},
                             "+ New campaign") if session.can("createCampaign") and not creating else None),
        NewCampaign(lambda: set_creating(False)) if creating else None,
        body,
    )
