"""The bell in the header: your notifications (task assigned, deal moved…) with their read state, kept by
the server (a reload keeps the history), the unread count, and new ones arriving live."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from reactpy import component, create_context, html, use_context, use_state
from reactpy.types import Component, VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.ui import error_banner
from frontend.links import where_shown
from frontend.session import use_live, use_query, use_session

NOTE_FIELDS = "id kind message entity entityId createdAt readAt"
NOTIFICATIONS = "subscription Notifications { notifications { id } }"
BELL_QUERY = f"""
query Bell {{
  unread: notifications(unreadOnly: true, first: 0) {{ totalCount }}
  recent: notifications(first: 8) {{ edges {{ node {{ {NOTE_FIELDS} }} }} }}
}}"""
MARK_READ = """
mutation MarkRead($input: MarkNotificationsReadInput!) {
  markNotificationsRead(input: $input) { unreadCount }
}"""


@dataclass(frozen=True)
class Changes:
    """Shared by the bell and the notifications page: a counter that moves whenever either marks something
    read or a notification arrives, so the other refetches instead of showing a stale count."""

    version: int
    bump: Callable[[], None]


ChangesContext = create_context(Changes(0, lambda: None))


def use_changes() -> Changes:
    return use_context(ChangesContext)


@component
def ChangesProvider(*children: Any) -> Component:
    version, set_version = use_state(0)
    return ChangesContext(*children, value=Changes(version, lambda: set_version(lambda n: n + 1)))


def target(note: dict[str, Any]) -> str:
    """Where a notification leads: the record it is about (its page where the UI has one)."""
    entity, entity_id = note["entity"], note["entityId"]
    return (where_shown(entity or "", entity_id) if entity_id else None) or "/notifications"


async def mark_read(actor: Any, ids: list[str] | None = None) -> None:
    """Mark these notifications (or all unread ones) read."""
    await gql.execute(actor, MARK_READ, input={"ids": ids} if ids else {"all": True})


def bell_icon() -> VdomDict:
    """Drawn, not an emoji: headless and minimal systems have no emoji font."""
    return html.svg(
        {"width": 18, "height": 18, "viewBox": "0 0 24 24", "fill": "none", "stroke": "currentColor",
         "stroke-width": 2, "stroke-linecap": "round", "stroke-linejoin": "round", "aria-hidden": "true"},
        html.svg.path({"d": "M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"}),
        html.svg.path({"d": "M10.3 21a1.94 1.94 0 0 0 3.4 0"}),
    )


def note_item(note: dict[str, Any], on_open: Callable[[Any], Any], class_name: str = "bell-item") -> VdomDict:
    """One notification as a link to what it is about; unread ones are marked (dot and bold text)."""
    unread = note["readAt"] is None
    return html.a(
        {"key": f"note-{note['id']}", "href": target(note), "className": class_name + (" unread" if unread else ""),
         "onClick": on_open, "data-unread": "true" if unread else "false"},
        html.span({"className": "dot", "aria-label": "Unread"} if unread else {"className": "dot read"}),
        html.span({"className": "notif-text"}, html.span({"className": "notif-message"}, note["message"]),
                  html.span({"className": "when"}, fmt.moment(note["createdAt"]))),
    )


@component
def Bell() -> VdomDict:
    session = use_session()
    changes = use_changes()
    result = use_query(BELL_QUERY, refresh=changes.version)
    open_, set_open = use_state(False)
    problem, set_problem = use_state(cast(gql.GqlError | None, None))

    def arrived(_: dict[str, Any]) -> None:
        changes.bump()  # a new notification (or a new subscription that may have missed some): refetch

    use_live(NOTIFICATIONS, None, arrived)
    data = result.data or {}
    unread = (data.get("unread") or {}).get("totalCount", 0)
    notes = [e["node"] for e in (data.get("recent") or {}).get("edges", [])]

    def opened(note: dict[str, Any]) -> Callable[[Any], Any]:
        async def on_click(_: Any) -> None:
            set_open(False)
            if note["readAt"] is None:
                await _marking(note["id"])

        return on_click

    async def _marking(note_id: str | None) -> None:
        try:
            await mark_read(session.actor, [note_id] if note_id else None)
        except gql.GqlError as error:
            set_problem(error)
            return
        set_problem(None)
        changes.bump()

    async def mark_all(_: Any) -> None:
        await _marking(None)

    return html.div(
        {"className": "bell"},
        html.button(
            {"className": "btn btn-ghost", "type": "button", "onClick": lambda e: set_open(not open_),
             "aria-expanded": open_, "aria-haspopup": "true", "data-closes-outside": "true",
             "aria-label": f"Notifications ({unread} unread)"},
            bell_icon(), html.span({"className": "bell-count", "data-testid": "unseen"}, str(unread)) if unread else None,
        ),
        html.div(
            {"className": "bell-menu", "role": "dialog", "aria-label": "Notifications"},
            # Every child keyed and none left as None: with unkeyed and None children, ReactPy 2.0.0b13 failed
            # to unmount this menu when it closed (KeyError on an event handler) and the bell stopped rendering.
            *(child for child in (
                html.div({"key": "head", "className": "bell-head"}, html.strong("Notifications"),
                         html.button({"className": "btn btn-small btn-ghost", "type": "button", "onClick": mark_all},
                                     "Mark all read") if unread else ""),
                html.div({"key": "problem"}, error_banner(problem)) if problem else None,
                *(note_item(n, opened(n)) for n in notes),
                html.p({"key": "empty", "className": "muted"}, "No notifications yet. Tasks given to you and changes "
                       "to your deals and campaigns appear here.") if not notes and result.data else None,
                html.a({"key": "all", "className": "bell-all", "href": "/notifications",
                        "onClick": lambda e: set_open(False)}, "See all notifications"),
            ) if child is not None),
        ) if open_ else None,
    )
