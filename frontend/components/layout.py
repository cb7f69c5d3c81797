"""The frame around every screen: sidebar with the sections, header with the user and sign-out."""

from __future__ import annotations

from reactpy import component, html
from reactpy.types import Component, VdomDict

from backend.auth.actor import Actor
from frontend import format as fmt
from frontend.components.admin.sections import nav_entry
from frontend.components.notifications import Bell, ChangesProvider
from frontend.components.search import GlobalSearch
from frontend.router import Route
from frontend.session import use_session

SECTIONS = (
    ("customers", "/customers", "Customers", ("customers", "customer")),
    ("contacts", "/contacts", "Contacts", ("contacts", "contact")),
    ("leads", "/leads", "Leads", ("leads",)),
    ("pipeline", "/pipeline", "Pipeline", ("pipeline", "deal")),
    ("campaigns", "/campaigns", "Campaigns", ("campaigns", "campaign")),
    ("tasks", "/tasks", "Tasks", ("tasks",)),
)


def sign_out() -> VdomDict:
    return html.form(
        {"method": "post", "action": "/auth/logout", "className": "sign-out"},
        html.button({"type": "submit", "className": "btn btn-ghost"}, "Sign out"),
    )


@component
def Frame(route: Route, content: VdomDict) -> Component:
    session = use_session()
    me = session.me
    admin = nav_entry(session)
    # The bell and the screen share ChangesProvider: marking read in one updates the other's count.
    return ChangesProvider(html.div(
        {"className": "frame"},
        html.nav(
            {"className": "sidebar", "aria-label": "Sections"},
            html.a({"className": "brand", "href": "/customers"}, html.span({"className": "brand-mark"}, "C"), "CRM"),
            html.ul(
                *(
                    html.li(
                        {"key": key},
                        html.a(
                            {
                                "href": href,
                                "className": "nav-link" + (" active" if route.screen in screens else ""),
                                "aria-current": "page" if route.screen in screens else None,
                            },
                            text,
                        ),
                    )
                    for key, href, text, screens in (*SECTIONS, *([("admin", *admin, ("admin",))] if admin else []))
                )
            ),
        ),
        html.div(
            {"className": "main"},
            html.header(
                {"className": "topbar"},
                GlobalSearch(),
                Bell(),
                html.div(
                    {"className": "user"},
                    html.span({"className": "avatar"}, (me["name"] or me["email"])[:1].upper()),
                    html.div(
                        {"className": "user-text"},
                        html.strong({"className": "user-name"}, me["name"] or me["email"]),
                        html.span({"className": "user-role"}, fmt.label(me["role"]),
                                  f" · {me['team']['name']}" if me.get("team") else ""),
                    ),
                    sign_out(),
                ),
            ),
            html.main({"className": "content"}, content),
        ),
    ))


@component
def NoRole(actor: Actor) -> VdomDict:
    return html.div(
        {"className": "no-role"},
        html.div(
            {"className": "card narrow"},
            html.h1("No access yet"),
            html.p(f"You are signed in as {actor.email}, but your account has no CRM role."),
            html.p("Ask an administrator to give you a role (sales, support, marketing or admin), then sign in again."),
            sign_out(),
        ),
    )
