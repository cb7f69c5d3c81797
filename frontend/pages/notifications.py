"""All your notifications, newest first: unread or all, each a link to what it is about, marked read when
opened, one at a time or all at once; more pages on demand."""

from __future__ import annotations

from typing import Any

from reactpy import component, html, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.notifications import NOTE_FIELDS, mark_read, note_item, use_changes
from frontend.components.ui import empty, error_banner, loading
from frontend.router import Route
from frontend.session import use_query, use_session

PAGE = 25
LIST_QUERY = f"""
query NotificationsPage($first: Int, $unreadOnly: Boolean) {{
  unread: notifications(unreadOnly: true, first: 0) {{ totalCount }}
  notifications(first: $first, unreadOnly: $unreadOnly) {{
    totalCount
    edges {{ node {{ {NOTE_FIELDS} }} }}
    pageInfo {{ hasNextPage }}
  }}
}}"""
VIEWS = (("all", "All"), ("unread", "Unread"))


@component
def NotificationsPage(route: Route) -> VdomDict:
    session = use_session()
    changes = use_changes()
    view = "unread" if route.query.get("view") == "unread" else "all"
    shown, set_shown = use_state(PAGE)
    problem, set_problem = use_state(None)
    result = use_query(LIST_QUERY, {"first": shown, "unreadOnly": view == "unread"}, refresh=changes.version)
    data = result.data or {}
    page = data.get("notifications")
    unread = (data.get("unread") or {}).get("totalCount", 0)

    async def marking(ids: list[str] | None) -> None:
        try:
            await mark_read(session.actor, ids)
        except gql.GqlError as error:
            set_problem(error)
            return
        set_problem(None)
        changes.bump()

    def opened(note: dict[str, Any]) -> Any:
        async def on_click(_: Any) -> None:
            if note["readAt"] is None:
                await marking([note["id"]])

        return on_click

    def mark_one(note_id: str) -> Any:
        async def on_click(_: Any) -> None:
            await marking([note_id])

        return on_click

    async def mark_all(_: Any) -> None:
        await marking(None)

    if page is None:
        body = error_banner(result.error) if result.error else loading("Loading your notifications…")
    elif not page["edges"]:
        body = empty(
            "No unread notifications." if view == "unread" else "No notifications yet.",
            "You are up to date. " if view == "unread" else
            "When someone gives you a task, moves one of your deals or changes your campaign, it appears here.",
            html.a({"className": "btn", "href": "/notifications"}, "Show all") if view == "unread" else
            html.a({"className": "btn", "href": "/tasks"}, "Go to your tasks"),
        )
    else:
        body = html.div(
            html.ul(
                {"className": "notif-list", "aria-label": "Notifications"},
                *(
                    html.li(
                        {"key": n["id"], "className": "notif-row"},
                        note_item(n, opened(n), "notif-link"),
                        html.button({"className": "btn btn-small btn-ghost", "type": "button",
                                     "onClick": mark_one(n["id"])}, "Mark read") if n["readAt"] is None else None,
                    )
                    for n in (e["node"] for e in page["edges"])
                ),
            ),
            html.div({"className": "pager"}, html.button(
                {"className": "btn", "type": "button", "onClick": lambda e: set_shown(shown + PAGE)}, "Show more"
            )) if page["pageInfo"]["hasNextPage"] else None,
        )
    return html.div(
        {"className": "page"},
        html.div(
            {"className": "page-head"},
            html.div(html.h1("Notifications"),
                     html.p({"className": "subtle"}, f"{unread} unread of {page['totalCount']}"
                            if page and view == "all" else f"{unread} unread")),
            html.button({"className": "btn btn-primary", "type": "button", "onClick": mark_all}, "Mark all read")
            if unread else None,
        ),
        html.div(
            {"className": "tabs", "role": "tablist"},
            *(html.a({"key": key, "href": "/notifications" + ("?view=unread" if key == "unread" else ""),
                      "role": "tab", "aria-selected": view == key, "className": "tab" + (" active" if view == key else "")},
                     text)
              for key, text in VIEWS),
        ),
        error_banner(problem),
        body,
    )
