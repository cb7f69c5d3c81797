"""The root component of the single-page UI: who is signed in, where they are, and the screen for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from reactpy import (
    component,
    html,
    use_async_effect,
    use_location,
    use_ref,
    use_scope,
    use_state,
)
from reactpy.types import Component, VdomDict

from backend.web.pages import login_url
from frontend import gql
from frontend.components.layout import Frame, NoRole
from frontend.components.ui import error_banner, loading
from frontend.pages import (
    admin,
    campaign,
    campaigns,
    contact,
    contacts,
    customer,
    customers,
    dashboard,
    deal,
    duplicates,
    imports,
    leads,
    notifications,
    pipeline,
    relationships,
    reports,
    segments,
    tasks,
    tickets,
)
from frontend.router import BrowserLocation, NavContext, Navigation, Route
from frontend.session import ME_QUERY, Session, SessionContext, actor_of, until_access_changes, zone_of
from frontend.sockets import use_socket_tasks

TITLES = {
    "dashboard": "Dashboard", "customers": "Customers", "customer": "Customer", "pipeline": "Pipeline", "campaigns": "Campaigns",
    "campaign": "Campaign", "tasks": "Tasks", "deal": "Deal",
    "leads": "Leads", "contacts": "Contacts", "contact": "Contact", "notifications": "Notifications",
    "duplicates": "Duplicates", "admin": "Admin", "import": "Import", "segments": "Segments", "segment": "Segment",
    "reports": "Reports", "relationships": "Relationships", "tickets": "Tickets", "ticket": "Ticket",
    "not_found": "Not found",
}


def screen(route: Route) -> Component | VdomDict:
    # Keyed by id: another customer or campaign is a fresh screen, not the last one's open panels.
    pages: dict[str, Callable[[], Component]] = {
        "dashboard": lambda: dashboard.DashboardPage(key=f"dashboard-{route.query.get('period')}"),
        "customers": lambda: customers.CustomersPage(route),
        "customer": lambda: customer.CustomerPage(route.id, key=f"customer-{route.id}"),
        "pipeline": lambda: pipeline.PipelinePage(),
        "deal": lambda: deal.DealPage(route.id, key=f"deal-{route.id}"),
        "campaigns": lambda: campaigns.CampaignsPage(),
        "campaign": lambda: campaign.CampaignPage(route.id, key=f"campaign-{route.id}"),
        "tasks": lambda: tasks.TasksPage(route, key=f"tasks-{route.query.get('view')}"),
        "notifications": lambda: notifications.NotificationsPage(route, key=f"notifications-{route.query.get('view')}"),
        "leads": lambda: leads.LeadsPage(),
        "contacts": lambda: contacts.ContactsPage(),
        "contact": lambda: contact.ContactPage(route.id, key=f"contact-{route.id}"),
        "duplicates": lambda: duplicates.DuplicatesPage(),
        "admin": lambda: admin.AdminPage(route),
        "import": lambda: imports.ImportPage(route, key=f"import-{route.query.get('job')}"),
        "segments": lambda: segments.SegmentsPage(),
        "segment": lambda: segments.SegmentPage(route.id, key=f"segment-{route.id}"),
        "reports": lambda: reports.ReportsPage(),
        "relationships": lambda: relationships.RelationshipsPage(),
        "tickets": lambda: tickets.TicketsPage(key=f"tickets-{route.query.get('view')}"),
        "ticket": lambda: tickets.TicketPage(route.id, key=f"ticket-{route.id}"),
    }
    if route.screen in pages:
        return pages[route.screen]()
    return html.div(
        {"className": "page"},
        html.h1("Page not found"),
        html.p("There is no screen at this address. ", html.a({"href": "/dashboard"}, "Go to your dashboard"), "."),
    )


@component
def Root() -> Component | VdomDict:
    location = use_location()
    scope = use_scope()
    socket = use_socket_tasks()
    start = (location.path or "/") + (location.query_string or "")
    target, set_target = use_state((start, False))
    # ("ok", Session), ("no_role", Actor) or ("error", GqlError) once sign-in is done
    signed_in, set_signed_in = use_state(cast(tuple[str, Any] | None, None))
    reload_to, set_reload_to = use_state(cast(str | None, None))
    href, replace = target
    here = use_ref(start)
    here.current = href

    def signed_out() -> None:
        set_reload_to(login_url(here.current))

    @use_async_effect(dependencies=[])
    async def sign_in() -> None:
        # cast: reactpy types the scope as asgiref's TypedDicts; Starlette reads it as the mapping it is.
        websocket = cast(dict[str, Any], scope)
        actor = await actor_of(websocket)
        if not actor.signed_in:
            set_reload_to(login_url(start))
            return
        if actor.role is None:
            set_signed_in(("no_role", actor))
        else:
            try:
                me = (await gql.execute(actor, ME_QUERY))["me"]
            except gql.GqlError as error:
                set_signed_in(("error", error))
                return
            set_signed_in(("ok", Session(actor=actor, me=me, signed_out=signed_out, zone=zone_of(websocket))))
        # For as long as this page is open: once the sign-in ends, or the role or team changes, reload
        # through sign-in (which comes straight back while still signed in, with the new rights).
        await socket.run(until_access_changes(actor))  # its watch ends with the websocket (sockets.py)
        signed_out()

    def on_navigate(path: str) -> None:
        set_target((path, False))

    def go(new_href: str, replace_entry: bool = False) -> None:
        set_target((new_href, replace_entry))

    route = Route.parse(href)
    browser = BrowserLocation(
        {"onNavigate": on_navigate, "path": href, "replace": replace, "reload": reload_to,
         "title": f"{TITLES.get(route.screen, 'CRM')} · CRM"}
    )
    if signed_in is None:
        return html.div(browser, loading("Signing you in…"))
    state, value = signed_in
    if state == "no_role":
        return html.div(browser, NoRole(value))
    if state == "error":
        return html.div(browser, html.div({"className": "page"}, error_banner(value)))
    return SessionContext(
        NavContext(
            html.div(browser, Frame(route, screen(route))),
            value=Navigation(route=route, go=go),
        ),
        value=value,
    )
