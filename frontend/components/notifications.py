"""The bell in the header: notifications for the signed-in user arrive live (task assigned, deal moved…)."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend.session import use_live

NOTIFICATIONS = "subscription Notifications { notifications { id kind message entity entityId createdAt } }"
KEEP = 8


def target(note: dict[str, Any]) -> str:
    """Where a notification leads."""
    if note["entity"] == "campaign" and note["entityId"]:
        return f"/campaigns/{note['entityId']}"
    if note["entity"] == "customer" and note["entityId"]:
        return f"/customers/{note['entityId']}"
    if note["entity"] == "deal":
        return "/pipeline"
    return "/tasks"


def bell_icon() -> VdomDict:
    """Drawn, not an emoji: headless and minimal systems have no emoji font."""
    return html.svg(
        {"width": 18, "height": 18, "viewBox": "0 0 24 24", "fill": "none", "stroke": "currentColor",
         "stroke-width": 2, "stroke-linecap": "round", "stroke-linejoin": "round", "aria-hidden": "true"},
        html.svg.path({"d": "M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"}),
        html.svg.path({"d": "M10.3 21a1.94 1.94 0 0 0 3.4 0"}),
    )


@component
def Bell() -> VdomDict:
    notes, set_notes = use_state(cast(tuple[dict[str, Any], ...], ()))
    unseen, set_unseen = use_state(0)
    open_, set_open = use_state(False)

    def arrived(data: dict[str, Any]) -> None:
        note = data.get("notifications")
        if note:
            set_notes(lambda old: (note, *old)[:KEEP])
            set_unseen(lambda n: n + 1)

    use_live(NOTIFICATIONS, None, arrived)

    def toggle(_: Any) -> None:
        set_open(not open_)
        set_unseen(0)

    return html.div(
        {"className": "bell"},
        html.button(
            {"className": "btn btn-ghost", "type": "button", "onClick": toggle, "aria-expanded": open_,
             "aria-label": f"Notifications ({unseen} new)"},
            bell_icon(), html.span({"className": "bell-count", "data-testid": "unseen"}, str(unseen)) if unseen else None,
        ),
        html.div(
            {"className": "bell-menu", "role": "menu"},
            *(
                html.a({"key": n["id"], "href": target(n), "className": "bell-item", "onClick": lambda e: set_open(False)},
                       html.div(n["message"]), html.div({"className": "when"}, fmt.moment(n["createdAt"])))
                for n in notes
            ),
            html.p({"className": "muted"}, "Nothing new since you opened the CRM.") if not notes else None,
        ) if open_ else None,
    )
