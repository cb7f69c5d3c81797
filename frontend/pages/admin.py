"""/admin: the sections an administrator works in (components/admin/sections.py), each at /admin/<section>,
as tabs. Sales heads get the audit log of their team; everyone their own API tokens; others a clear no."""

from __future__ import annotations

from reactpy import component, html
from reactpy.types import VdomDict

from frontend.components.admin.sections import SECTIONS, heading, open_to
from frontend.router import Route
from frontend.session import Session, use_session


def not_allowed(session: Session, what: str) -> VdomDict:
    own = next((s for s in open_to(session) if not s.administers), None)
    return html.div(
        {"className": "page"},
        html.div({"className": "page-head"}, html.h1(heading(session))),
        html.div({"className": "notice notice-error", "role": "alert"},
                 f"Not allowed: {what} is for administrators" +
                 (" (sales heads read their team's audit log)." if what == "Administration" else ".")),
        html.p("You can manage your own ", html.a({"href": f"/admin/{own.key}"}, own.title), " here.") if own else None,
    )


@component
def AdminPage(route: Route) -> VdomDict:
    session = use_session()
    sections = open_to(session)
    known = {s.key: s for s in SECTIONS}
    if route.id is not None and route.id not in known:
        return html.div({"className": "page"}, html.h1(heading(session)),
                        html.p("There is no such admin section. ", html.a({"href": "/admin"}, "Back to admin"), "."))
    chosen = known[route.id] if route.id else next((s for s in sections if s.administers), None)
    if chosen is None or chosen not in sections:
        return not_allowed(session, f"The {chosen.title} section" if chosen else "Administration")
    return html.div(
        {"className": "page admin"},
        html.div({"className": "page-head"}, html.div(html.h1(heading(session)))),
        html.nav(
            {"className": "tabs admin-tabs", "aria-label": "Admin sections"},
            *(html.a({"key": s.key, "href": f"/admin/{s.key}", "className": "tab" + (" active" if s is chosen else ""),
                      "aria-current": "page" if s is chosen else None}, s.title) for s in sections),
        ),
        html.div({"key": chosen.key, "className": "admin-body"}, chosen.render()),
    )
