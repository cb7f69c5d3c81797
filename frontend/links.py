"""Where a record is shown: its own page where this build has one, else the screen that holds it."""

from __future__ import annotations

from frontend.router import Route

PAGES = {"customer": "/customers/", "contact": "/contacts/", "lead": "/leads/", "deal": "/deals/",
         "campaign": "/campaigns/", "ticket": "/tickets/"}
# Records without a page of their own, where they are kept: the list that opens one, or an admin section.
HELD = {"lead": "/leads?lead={}", "activity": "/tasks?task={}", "user": "/admin/users", "team": "/admin/teams",
        "pipeline": "/admin/pipelines", "stage": "/admin/pipelines", "lost_reason": "/admin/lost-reasons",
        "exchange_rate": "/admin/rates", "api_token": "/admin/tokens", "pick_list_item": "/admin/pick-lists",
        "webhook": "/admin/webhooks"}


def record_href(entity: str, entity_id: str, fallback: str) -> str:
    """The record's page, or `fallback` while the UI has no page for that kind of record (yet)."""
    prefix = PAGES.get(entity)
    if prefix and Route.parse(prefix + entity_id).screen != "not_found":
        return prefix + entity_id
    return fallback


def where_shown(entity: str, entity_id: str) -> str | None:
    """The record's page, else the screen that holds it; None for a kind of record no screen shows."""
    held = HELD.get(entity)
    return record_href(entity, entity_id, held.format(entity_id) if held else "") or None
