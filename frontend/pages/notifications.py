"""All your notifications, newest first: unread or all, each a link to what it is about, marked read when
opened, one at a time or all at once; more pages on demand."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from reactpy import component, html, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.notifications import NOTE_FIELDS, mark_read, note_item, use_changes
from frontend.components.ui import awaiting, empty, error_banner, pending
from frontend.router import Route
from frontend.session import use_query, use_session

PAGE = 25
COUNTS = """
query NotificationCounts($unreadOnly: Boolean) {
  unread: notifications(unreadOnly: true, first: 0) { totalCount }
  shown: notifications(unreadOnly: $unreadOnly, first: 0) { totalCount }
}"""
LIST_QUERY = f"""
query NotificationsPage($after: String, $unreadOnly: Boolean) {{
  notifications(first: {PAGE}, after: $after, unreadOnly: $unreadOnly) {{
    edges {{ node {{ {NOTE_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
VIEWS = (("all", "All"), ("unread", "Unread"))


@component
def Chunk(after: str | None, unread_only: bool, last: bool, more: Callable[[str], None],
          marking: Callable[[list[str]], Awaitable[None]]) -> VdomDict:
    """One page of the list (the first, or the one after `after`); the last one offers the next."""
    changes = use_changes()
    result = use_query(LIST_QUERY, {"after": after, "unreadOnly": unread_only}, refresh=changes.version)
    page = (result.data or {}).get("notifications")
    if page is None:
        return pending(result, "Loading notifications…")

    def opened(note: dict[str, Any]) -> Callable[[Any], Awaitable[None]]:
        async def on_click(_: Any) -> None:
            if note["readAt"] is None:
                await marking([note["id"]])

        return on_click

    return html.div(
        html.ul(
            {"className": "notif-list", "aria-label": "Notifications"},
            *(
                html.li(
                    {"key": n["id"], "className": "notif-row"},
                    note_item(n, opened(n), "notif-link"),
                    html.button({"className": "btn btn-small btn-ghost", "type": "button",
                                 "onClick": awaiting(marking, [n["id"]])}, "Mark read") if n["readAt"] is None else "",
                )
                for n in (e["node"] for e in page["edges"])
            ),
        ) if page["edges"] else "",
        html.div({"className": "pager"}, html.button(
            {"className": "btn", "type": "button", "onClick": lambda e: more(page["pageInfo"]["endCursor"])},
            "Show more",
        )) if last and page["pageInfo"]["hasNextPage"] else "",
    )


@component
def NotificationsPage(route: Route) -> VdomDict:
    session = use_session()
    changes = use_changes()
    view = "unread" if route.query.get("view") == "unread" else "all"
    cursors, set_cursors = use_state(cast(tuple[str | None, ...], (None,)))  # the first page, then each page after the cursor shown
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    counts = use_query(COUNTS, {"unreadOnly": view == "unread"}, refresh=changes.version)
    data = counts.data or {}
    unread = (data.get("unread") or {}).get("totalCount", 0)
    total = (data.get("shown") or {}).get("totalCount")

    async def marking(ids: list[str] | None) -> None:
        try:
            await mark_read(session.actor, ids)
        except gql.GqlError as error:
            set_problem(error)
            return
        set_problem(None)
        changes.bump()

    async def mark_all(_: Any) -> None:
        await marking(None)

    if counts.data is None:
        body = pending(counts, "Loading your notifications…")
    elif not total:
        body = empty(
            "No unread notifications." if view == "unread" else "No notifications yet.",
            "You are up to date. " if view == "unread" else
            "When someone gives you a task, moves one of your deals or changes your campaign, it appears here.",
            html.a({"className": "btn", "href": "/notifications"}, "Show all") if view == "unread" else
            html.a({"className": "btn", "href": "/tasks"}, "Go to your tasks"),
        )
    else:
        body = html.div({"className": "notif-pages"}, *(
            Chunk(after, view == "unread", index == len(cursors) - 1,
                  lambda cursor: set_cursors(lambda old: (*old, cursor)), marking, key=after or "first")
            for index, after in enumerate(cursors)
        ))
    return html.div(
        {"className": "page"},
        html.div(
            {"className": "page-head"},
            html.div(html.h1("Notifications"),
                     html.p({"className": "subtle"}, f"{unread} unread of {total}"
                            if total is not None and view == "all" else f"{unread} unread")),
            html.button({"className": "btn btn-primary", "type": "button", "onClick": mark_all}, "Mark all read")
            if unread else "",
        ),
        html.div(
            {"className": "tabs view-tabs", "role": "tablist"},
            *(html.a({"key": key, "href": "/notifications" + ("?view=unread" if key == "unread" else ""),
                      "role": "tab", "aria-selected": view == key, "className": "tab" + (" active" if view == key else "")},
                     text)
              for key, text in VIEWS),
        ),
        error_banner(problem),
        body,
    )
