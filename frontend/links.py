"""Where a record is shown: its own page where this build has one, else the screen that holds it."""

from __future__ import annotations

from frontend.router import Route

PAGES = {"customer": "/customers/", "contact": "/contacts/", "lead": "/leads/", "deal": "/deals/",
         "campaign": "/campaigns/"}


def record_href(entity: str, entity_id: str, fallback: str) -> str:
    """The record's page, or `fallback` while the UI has no page for that kind of record (yet)."""
    prefix = PAGES.get(entity)
    if prefix and Route.parse(prefix + entity_id).screen != "not_found":
        return prefix + entity_id
    return fallback
