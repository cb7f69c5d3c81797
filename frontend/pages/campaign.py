"""One campaign: live dashboard (counters, revenue, chart, leaderboard, latest enrolments), your link, editor,
status workflow, embed snippet."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.campaign_mail import Greetings, Sends, ShareDialog
from frontend.components.chart import engagement_chart
from frontend.components.listing import export_links
from frontend.components.referrals import YourLink, leaderboard, revenue_note, revenue_text
from frontend.components.ui import (
    awaiting,
    badge,
    error_banner,
    field,
    form_values,
    loading,
    select,
    text_input,
    use_form_errors,
)
from frontend.gql import GqlError
from frontend.pages.campaigns import TYPES, VISIBILITIES, campaign_payload
from frontend.session import use_live, use_query, use_session

CAMPAIGN_QUERY = """
query Campaign($id: ID!) {
  campaign(id: $id) {
    id title code description type visibility status startsOn endsOn views likes enrolments version
    allowedStatuses isOpen publicUrl embedSnippet owner { name } yourLink
    revenue { wonDeals total { amount currency } byCurrency { amount currency } }
    leaderboard(first: 10) { rank userId name enrolments leads wonDeals revenue { amount currency } }
    engagement(bucket: HOUR) { start views likes enrolments }
    latestEnrolments(first: 10) { id name email source createdAt }
  }
}"""
ENGAGEMENT = """
subscription Engagement($id: ID!) {
  campaignEngagement(campaignId: $id) {
    kind totals { views likes enrolments }
    leaderboard(first: 10) { rank userId name enrolments leads wonDeals revenue { amount currency } }
  }
}"""
UPDATE_CAMPAIGN = "mutation UpdateCampaign($input: UpdateCampaignInput!) { updateCampaign(input: $input) { id version } }"
CHANGE_STATUS = """
mutation ChangeCampaignStatus($input: ChangeCampaignStatusInput!) { changeCampaignStatus(input: $input) { id } }"""
STATUS_VERBS = {"NEW": "Mark ready", "ACTIVE": "Activate", "INACTIVE": "Pause", "DISCARDED": "Discard", "DRAFT": "Back to draft"}


def counter(label: str, value: int, test_id: str) -> VdomDict:
    return html.div({"className": "stat"}, html.div({"className": "stat-label"}, label),
                    html.div({"className": "stat-value tick", "data-testid": test_id}, f"{value:,}"))


@component
def Editor(campaign: dict[str, Any], saved: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    notice, set_notice = use_state(cast(str | None, None))
    saved_version, set_saved_version = use_state(0)
    conflicts, set_conflicts = use_state(0)
    # Our own save's version counts at once, before the reload brings it back in `campaign`.
    version = max(campaign["version"], saved_version)

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        payload = campaign_payload(form_values(e))
        if campaign["status"] not in ("DRAFT", "NEW"):
            payload.pop("code", None)  # the public address is fixed once the campaign went live
        payload.update(id=campaign["id"], version=version)
        try:
            updated = (await gql.execute(session.actor, UPDATE_CAMPAIGN, input=payload))["updateCampaign"]
        except gql.GqlError as error:
            form.show(error)
            set_notice(None)
            if error.code == "CONFLICT":
                set_conflicts(conflicts + 1)  # from now on a newer version remounts the form with its values
                saved()
            return
        set_saved_version(updated["version"])
        form.clear()
        set_notice("Saved.")
        saved()

    code_fixed = campaign["status"] not in ("DRAFT", "NEW")
    return html.div(
        {"className": "card", "aria-label": "Edit campaign"},
        html.h2("Edit campaign"),
        error_banner(form.problem),
        html.div({"className": "notice notice-ok", "role": "status"}, notice) if notice else None,
        html.form(
            {
                "onSubmit": submit,
                "className": "form-grid",
                "key": f"edit-{campaign['version']}" if conflicts else "edit",
                "noValidate": True,
            },
            field("Title", text_input("title", campaign["title"]), form.errors.get("title")),
            field("Type", select("type", TYPES, campaign["type"].lower()), form.errors.get("type")),
            field("Visibility", select("visibility", VISIBILITIES, campaign["visibility"].lower()),
                  form.errors.get("visibility")),
            field("Code", text_input("code", campaign["code"], disabled=code_fixed), form.errors.get("code"),
                  hint="Fixed once the campaign has been active" if code_fixed else "Public address /c/<code>"),
            field("Starts on", text_input("startsOn", campaign["startsOn"] or "", kind="date"),
                  form.errors.get("startsOn")),
            field("Ends on", text_input("endsOn", campaign["endsOn"] or "", kind="date"), form.errors.get("endsOn")),
            field("Description", html.textarea({"name": "description", "rows": 4, "aria-label": "description",
                                                "defaultValue": campaign["description"]}),
                  form.errors.get("description"), wide=True),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Save changes")),
        ),
    )


@component
def CampaignPage(campaign_id: str) -> VdomDict:
    session = use_session()
    result = use_query(CAMPAIGN_QUERY, {"id": campaign_id})
    live_totals, set_live_totals = use_state(cast(dict[str, int] | None, None))
    live_board, set_live_board = use_state(cast(list[dict[str, Any]] | None, None))
    problem, set_problem = use_state(cast(GqlError | None, None))
    sharing, set_sharing = use_state(False)

    def engaged(data: dict[str, Any]) -> None:
        if data.get("campaignEngagement"):
            set_live_totals(data["campaignEngagement"]["totals"])
            set_live_board(data["campaignEngagement"]["leaderboard"])  # at once; the reload confirms it
        result.reload()

    use_live(ENGAGEMENT, {"id": campaign_id}, engaged)

    campaign = (result.data or {}).get("campaign")
    if campaign is None:
        if result.error:
            return html.div({"className": "page"}, html.p(html.a({"href": "/campaigns"}, "← Campaigns")),
                            error_banner(result.error))
        return loading("Loading campaign…")

    async def change_status(status: str) -> None:
        try:
            await gql.execute(session.actor, CHANGE_STATUS,
                              input={"id": campaign["id"], "version": campaign["version"], "status": status})
        except gql.GqlError as error:
            set_problem(error)
            return
        set_problem(None)
        result.reload()

    # The counters come from the latest event when it is newer than the last load.
    totals = {k: max(campaign[k], (live_totals or {}).get(k, 0)) for k in ("views", "likes", "enrolments")}
    may_edit = session.can("updateCampaign")
    status_buttons = [
        html.button({"className": "btn" + (" btn-primary" if s == "ACTIVE" else ""), "type": "button", "key": s,
                     "onClick": awaiting(change_status, s)}, STATUS_VERBS.get(s, fmt.label(s)))
        for s in campaign["allowedStatuses"]
    ] if session.can("changeCampaignStatus") else []
    enrolments = campaign["latestEnrolments"]
    greeting = campaign["type"] == "GREETINGS"
    may_share = session.can("scheduleGreeting" if greeting else "shareCampaign")
    share_button = html.button(
        {"className": "btn", "type": "button", "onClick": lambda e: set_sharing(True),
         "disabled": not greeting and not campaign["isOpen"],
         "title": "" if greeting or campaign["isOpen"] else "Open the campaign (public and active) to share it"},
        "Schedule greeting" if greeting else "Share") if may_share else None
    return html.div(
        {"className": "page"},
        html.p(html.a({"href": "/campaigns"}, "← Campaigns")),
        html.div(
            {"className": "hero"},
            html.div(
                html.div({"className": "actions"}, html.h1(campaign["title"]), badge(campaign["status"])),
                html.div({"className": "hero-meta"},
                         f"{fmt.label(campaign['type'])} · {fmt.label(campaign['visibility'])} · "
                         f"{fmt.day(campaign['startsOn'])} – {fmt.day(campaign['endsOn'])}"
                         + (f" · owner {campaign['owner']['name']}" if campaign["owner"] else "")),
            ),
            html.div({"className": "actions"}, share_button, *status_buttons),
        ),
        error_banner(problem),
        ShareDialog(campaign, lambda: set_sharing(False), greeting) if sharing else None,
        html.div(
            {"className": "stats"},
            counter("Views", totals["views"], "views"),
            counter("Likes", totals["likes"], "likes"),
            counter("Enrolments", totals["enrolments"], "enrolments"),
            html.div({"className": "stat", "title": "Deals won from leads this campaign brought"},
                     html.div({"className": "stat-label"}, "Revenue"),
                     html.div({"className": "stat-value", "data-testid": "revenue"}, revenue_text(campaign["revenue"])),
                     html.div({"className": "muted"}, revenue_note(campaign["revenue"]))),
            html.div({"className": "stat"}, html.div({"className": "stat-label"}, "Public page"),
                     html.div({"className": "stat-value", "style": {"fontSize": "14px"}},
                              html.a({"href": campaign["publicUrl"], "target": "_blank", "rel": "noopener"},
                                     "Open page ↗") if campaign["publicUrl"] and campaign["isOpen"]
                              else html.span({"className": "muted"}, "Not open (public + active opens it)"))),
        ),
        html.div(
            {"className": "grid-2"},
            html.div(
                # A seller comes here for their link: first, where a phone shows it without scrolling.
                YourLink(campaign["yourLink"], result.reload) if campaign["yourLink"] else None,
                html.div({"className": "card"}, html.h2("Engagement, last 48 hours"),
                         engagement_chart(campaign["engagement"])),
                leaderboard(live_board if live_board is not None else campaign["leaderboard"]),
                Sends(campaign["id"]) if session.can("readEnrolees") else None,
                Editor(campaign, result.reload) if may_edit else None,
            ),
            html.div(
                html.div(
                    {"className": "card"},
                    html.div({"className": "card-head"}, html.h2("Latest enrolments"),
                             export_links("enrolments", f"campaign={campaign['id']}")
                             if session.can("readEnrolees") and totals["enrolments"] else None),
                    html.ul({"className": "timeline", "aria-label": "Latest enrolments"}, *(
                        html.li({"key": n["id"]}, html.div(
                            # Names and emails reach campaign owners and admins only; others see that someone enrolled.
                            html.strong(n["name"] or "Someone"),
                            html.div({"className": "muted"}, n["email"]) if n["email"] else None,
                            html.div({"className": "when"}, fmt.moment(n["createdAt"]), f" · {n['source']}")))
                        for n in enrolments
                    )) if enrolments else html.p({"className": "muted"}, "No enrolments yet. People who sign up on the public page "
                                                       "or through the embedded form appear here."),
                ),
                Greetings(campaign["id"]) if greeting else None,
                html.div(
                    {"className": "card"},
                    html.h2("Embed on your site"),
                    html.p({"className": "muted"}, "Paste this where the sign-up form should appear:"),
                    html.textarea({"className": "snippet", "readOnly": True, "rows": 4, "aria-label": "Embed snippet",
                                   "value": campaign["embedSnippet"]}),
                ) if campaign["embedSnippet"] else None,
            ),
        ),
    )
