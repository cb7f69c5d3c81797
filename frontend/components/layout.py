"""The frame around every screen: sidebar with the sections, header with the user and sign-out.

On a phone (under 720 px, crm.css) the sidebar is a drawer behind the header's menu button, so every
screen gets the whole width; screens need nothing of their own for it."""

from __future__ import annotations

from reactpy import component, html, use_state
from reactpy.types import Component, VdomDict

from backend.auth.actor import Actor
from frontend import format as fmt
from frontend.components.admin.sections import nav_entry
from frontend.components.notifications import Bell, ChangesProvider
from frontend.components.search import GlobalSearch
from frontend.router import Route
from frontend.session import Session, use_session

SECTIONS = (
    ("dashboard", "/dashboard", "Dashboard", ("dashboard",)),
    ("customers", "/customers", "Customers", ("customers", "customer")),
    ("contacts", "/contacts", "Contacts", ("contacts", "contact")),
    ("leads", "/leads", "Leads", ("leads",)),
    ("duplicates", "/duplicates", "Duplicates", ("duplicates",)),
    ("pipeline", "/pipeline", "Pipeline", ("pipeline", "deal")),
    ("relationships", "/relationships", "Relationships", ("relationships",)),
    ("campaigns", "/campaigns", "Campaigns", ("campaigns", "campaign")),
    ("segments", "/segments", "Segments", ("segments", "segment")),
    ("tasks", "/tasks", "Tasks", ("tasks",)),
    ("tickets", "/tickets", "Tickets", ("tickets", "ticket")),
    ("reports", "/reports", "Reports", ("reports",)),
    ("import", "/import", "Import", ("import",)),
)
# Who may import is who may create at least one kind of record an import writes (services/imports.py asks the
# same create action per entity): marketing reads customers and imports nothing, support imports contacts.
IMPORTS = ("createCustomer", "createContact", "createLead", "createDeal")


def sections(session: Session) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """The navigation's entries for this user: every list, the import only for those who may import, reports
    for those who may read them."""
    shown = {"import": any(session.can(a) for a in IMPORTS), "reports": session.can("readReports")}
    return [s for s in SECTIONS if shown.get(s[0], True)]


def sign_out() -> VdomDict:
    return html.form(
        {"method": "post", "action": "/auth/logout", "className": "sign-out"},
        html.button({"type": "submit", "className": "btn btn-ghost"}, "Sign out"),
    )


def menu_icon() -> VdomDict:
    return html.svg(
        {"width": 20, "height": 20, "viewBox": "0 0 24 24", "fill": "none", "stroke": "currentColor",
         "stroke-width": 2, "stroke-linecap": "round", "aria-hidden": "true"},
        html.svg.path({"d": "M4 6h16M4 12h16M4 18h16"}),
    )


def brand() -> VdomDict:
    return html.a({"className": "brand", "href": "/dashboard"}, html.span({"className": "brand-mark"}, "C"), "CRM")


@component
def Frame(route: Route, content: VdomDict) -> Component:
    session = use_session()
    me = session.me
    admin = nav_entry(session)
    menu_open, set_menu_open = use_state(False)

    def close_menu(_: object = None) -> None:
        set_menu_open(False)

    # The bell and the screen share ChangesProvider: marking read in one updates the other's count.
    return ChangesProvider(html.div(
        {"className": "frame" + (" menu-open" if menu_open else "")},
        html.nav(
            {"className": "sidebar" + (" open" if menu_open else ""), "id": "sections", "aria-label": "Sections"},
            brand(),
            html.ul(
                *(
                    html.li(
                        {"key": key},
                        html.a(
                            {
                                "href": href,
                                "className": "nav-link" + (" active" if route.screen in screens else ""),
                                "aria-current": "page" if route.screen in screens else None,
                                "onClick": close_menu,  # on a phone the drawer closes on the way to the screen
                            },
                            text,
                        ),
                    )
                    for key, href, text, screens in (*sections(session), *([("admin", *admin, ("admin",))] if admin else []))
                )
            ),
        ),
        # Always in the tree (crm.css shows it with the open drawer): a child coming and going here made
        # ReactPy 2.0.0b13 lose track of the event handlers after it (KeyError on unmount).
        html.div({"className": "nav-scrim", "onClick": close_menu}),
        html.div(
            {"className": "main"},
            html.header(
                {"className": "topbar"},
                html.div(
                    {"className": "topbar-start"},
                    html.button(
                        {"className": "btn btn-ghost menu-button", "type": "button", "aria-controls": "sections",
                         "aria-expanded": menu_open, "aria-label": "Menu", "onClick": lambda e: set_menu_open(not menu_open)},
                        menu_icon(),
                    ),
                    brand(),
                ),
                GlobalSearch(),
                Bell(),
                html.div(
                    {"className": "user"},
                    html.span({"className": "avatar", "title": me["name"] or me["email"]},
                              (me["name"] or me["email"])[:1].upper()),
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
