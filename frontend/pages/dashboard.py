"""The dashboard: the landing page after sign-in, each role's figures (`dashboard` query) as cards and SVG
charts, every figure a link to the list behind it. Live: deal, quota, contact and ticket changes refetch it, debounced,
so a burst of moves costs one query and a won deal moves the head's revenue within a second."""

from __future__ import annotations

import asyncio
from typing import Any

from reactpy import component, html, use_async_effect, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend.components.dashboard_desks import (
    ADMIN_PART,
    MARKETING_PART,
    SUPPORT_PART,
    AdminSection,
    MarketingSection,
    SupportSection,
)
from frontend.components.dashboard_sales import PERIODS, REP_PART, TEAM_PART, RepSection, TeamPanel, period_picker
from frontend.components.ui import changed_value, error_banner, loading
from frontend.router import use_nav
from frontend.session import use_live, use_query, use_session

QUERY = f"""query Dashboard($period: QuotaPeriod!) {{ dashboard(period: $period) {{
  role period startsOn endsOn currency ratesAsOf quietDays
  {REP_PART} {TEAM_PART} {SUPPORT_PART} {MARKETING_PART} {ADMIN_PART} }} }}"""
# What moves the figures: deals (pipeline, revenue, attainment), quotas set, contacts (support's pipeline),
# tickets (support's queue). Activities and tasks have no subscription beyond one customer's timeline
# (activityAdded), so activity counts and tasks due are read again on the next change or visit.
LIVE = (
    "subscription DashboardDeals { dealChanged { kind dealId } }",
    "subscription DashboardQuotas { quotaChanged { quotaId } }",
    "subscription DashboardContacts { contactChanged { kind contactId } }",
    "subscription DashboardTickets { ticketChanged { kind ticketId } }",
)
SETTLE = 0.25  # seconds a burst of changes has to end before the figures are read again


@component
def DashboardPage() -> VdomDict:
    session = use_session()
    nav = use_nav()
    chosen = nav.route.query.get("period", "").upper()
    period = chosen if chosen in dict(PERIODS) else "MONTH"
    changes, set_changes = use_state(0)
    refresh, set_refresh = use_state(0)
    result = use_query(QUERY, {"period": period}, refresh=refresh)

    @use_async_effect(dependencies=[changes])
    async def settle() -> None:
        if changes:
            await asyncio.sleep(SETTLE)
            set_refresh(changes)

    def changed(_: dict[str, Any]) -> None:
        set_changes(lambda n: n + 1)

    for document in LIVE:
        use_live(document, None, changed)

    def pick(event: Any) -> None:
        value = changed_value(event)
        nav.navigate("/dashboard" + (f"?period={value.lower()}" if value != "MONTH" else ""), replace=True)

    data = result.data
    if data is None:
        if result.error:
            return html.div({"className": "page"}, html.h1("Dashboard"), error_banner(result.error))
        return loading("Counting…")
    board = data["dashboard"]
    label = dict(PERIODS)[board["period"]].lower()
    frame = {"value": board["period"], "label": label, "startsOn": board["startsOn"]}
    # An admin's health first; a head's team, then their own deals.
    sections = [
        AdminSection(board["admin"]) if board["admin"] else None,
        TeamPanel(board["team"], frame, session.can("setQuota"), result.reload, key="team") if board["team"] else None,
        RepSection(board["rep"], "Your own deals" if board["team"] else None) if board["rep"] else None,
        SupportSection(board["support"], frame) if board["support"] else None,
        MarketingSection(board["marketing"]) if board["marketing"] else None,
    ]
    rates = f"; rates as of {fmt.day(board['ratesAsOf'])}" if board["ratesAsOf"] else ""
    return html.div(
        {"className": "page dashboard"},
        html.div({"className": "page-head"},
                 html.div(html.h1(f"Hello, {session.me['name'].split(' ')[0]}"),
                          html.p({"className": "subtle"},
                                 f"This {label}: {fmt.day(board['startsOn'])} – {fmt.day(board['endsOn'])} · amounts in "
                                 f"{board['currency']}{rates} · ", html.span({"className": "live-dot"}, "Live"))),
                 period_picker(period, pick)),
        *sections,
    )
